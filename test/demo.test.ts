// Runs `npm run demo`'s program the way the script does (tsx examples/demo/main.ts), with
// EXAMPLES_QUICK=1 so the examples train for less, into a temporary output folder; checks the exit
// code, the summary, and that every figure was written as a real SVG and (resvg installed) PNG.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const FIGURES = ['fitted-line', 'descent-loss', 'iris-training', 'digits-training', 'digits-confusion', 'cnn-training', 'gpt-loss'];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('demo', () => {
  const out = mkdtempSync(join(tmpdir(), 'tg-demo-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs every section, prints the summary and writes every figure', { timeout: 60_000 }, () => {
    const r = spawnSync('npx', ['tsx', 'examples/demo/main.ts'], {
      cwd: root,
      env: { ...process.env, EXAMPLES_QUICK: '1', DEMO_OUT: out },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.error).toBeUndefined();
    expect(r.status, `demo exited with ${r.status}:\n${r.stdout}\n${r.stderr}`).toBe(0);
    // Not a terminal here, so no progress bar may leak into the captured output.
    expect(r.stdout).not.toMatch(/\d+% \| \d+\/\d+/);
    expect(r.stdout).toMatch(/gradients: hand-written and autograd agree to \d/);
    const y4 = r.stdout.match(/nn\.Linear predicts ([\d.]+) for x = 4/);
    expect(Math.abs(Number(y4?.[1]) - 8)).toBeLessThan(0.1);
    expect(r.stdout).toMatch(/test accuracy: iris \d+\.\d%, digits \d+\.\d%, digits CNN \d+\.\d%/);
    const gpt = r.stdout.match(/char GPT: loss (\d+\.\d+) -> (\d+\.\d+)/);
    expect(Number(gpt?.[1]) - Number(gpt?.[2])).toBeGreaterThan(1.2);
    expect(r.stdout).toMatch(/sample: "And God said.{100,}"/);
    expect(r.stdout).toContain(`figures in ${out}:`);

    for (const name of FIGURES) {
      expect(readFileSync(join(out, `${name}.svg`), 'utf8').startsWith('<svg')).toBe(true);
    }
    // PNGs come from the optional @resvg/resvg-js binary; when it is installed, all of them exist.
    const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
    if (pngs.length > 0) {
      for (const name of FIGURES) {
        expect(readFileSync(join(out, `${name}.png`)).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      }
    }
  });
});
