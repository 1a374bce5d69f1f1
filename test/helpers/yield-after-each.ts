// Setup file of vitest.emulated.config.ts: lets the test process read vitest's answers before
// their 60 s timeout (see that config). A call's timeout fires at the first turn of the event
// loop after 60 s, before the answer waiting in the pipe is read, so a call still unanswered when a
// long synchronous test starts fails the run ("Timeout calling onTaskUpdate") with every test
// passed. vitest sends a test's result after its afterEach hooks, at once unless it sent
// something in the last 100 ms (then a timer sends it later, which is safe): so after a test
// that took a while, the next one first waits for vitest's next message, at most 30 ms.
import { afterEach, beforeEach } from 'vitest';

let started = 0;
let lastDuration = 0;

function nextMessage(ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off('message', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    process.on('message', done);
  });
}

beforeEach(async () => {
  if (lastDuration > 20) await nextMessage(30);
  started = performance.now();
});

afterEach(() => {
  lastDuration = performance.now() - started;
  return new Promise<void>((resolve) => setImmediate(resolve));
});
