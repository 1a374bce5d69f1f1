// A progress bar around one training loop of the demo. cli-progress draws on stdout, so the bar
// only appears on a terminal: piped or captured (the test, CI), the demo prints its results only.
import { SingleBar } from 'cli-progress';
import type { RunHooks } from '../datasets.js';

/** Runs `fn` with hooks whose tick() moves a bar labelled `label`; the example's own log lines
 *  are dropped, because the demo prints its own summary of each section. */
export function withProgress<T>(label: string, fn: (hooks: RunHooks) => T): T {
  if (!process.stdout.isTTY) return fn({ log: () => {} });
  const bar = new SingleBar({
    format: `${label.padEnd(28)} {bar} {percentage}% | {value}/{total}`,
    hideCursor: true,
    // Redraw at most every 50 ms: ticks come thousands of times a second in the small fits.
    fps: 20,
  });
  let started = false;
  try {
    return fn({
      log: () => {},
      tick: (done, total) => {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.update(done);
      },
    });
  } finally {
    if (started) bar.stop();
  }
}
