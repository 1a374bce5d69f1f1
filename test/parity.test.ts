// PyTorch parity of the two larger examples: the CNN of examples/07-digits-cnn.ts and the GPT of
// examples/08-char-gpt.ts start from PyTorch's initial weights (loaded through the safetensors
// reader), train on the same batches with the example's own trainStep, optimizer and schedule,
// and must follow PyTorch 1.13's loss curve step by step. Fixtures: scripts/gen_parity_fixtures.py
// (the CNN's Dropout is off in both, since the two libraries' random streams differ).
//
// Tolerance: a float32 loss near 1–4 is resolved to 6e-8–1.2e-7 relative (one ulp), and the two
// libraries sum in different orders (GEMM blocking, reductions), so even the first steps may
// differ by an ulp or three. Each step feeds such differences back through the weights, and
// Adadelta's and AdamW's normalized updates (≈ lr·sign(g) at first) amplify them where a gradient
// is near zero, so the bound grows with the step: TOL0 + TOL_STEP·step relative (1e-6 at the
// first step, 1.3e-5 at the 30th). Measured (npx vitest run parity, per SIMD table): the GPT stays
// within 8e-8 (≤ 1 ulp) on every table; the CNN within 5e-7 on AVX-512, AVX2 and SSE2, and within
// 5.5e-6 on the scalar table (no FMA, longer sequential sums), the worst case at about half its
// bound. The final parameters are compared by the norm of each tensor and of its change over the
// run (the change is what training contributed, so it is the sensitive one): measured ≤ 1.9e-6,
// bound FINAL_TOL.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import { digitImages, Net, optimizerFor as cnnOptimizer, trainStep as cnnStep } from '../examples/07-digits-cnn.js';
import { batchAt, GPT, loadGenesis, optimizerFor as gptOptimizer, trainStep as gptStep } from '../examples/08-char-gpt.js';
import cnnFixture from './fixtures/parity/cnn.json';
import gptFixture from './fixtures/parity/gpt.json';

const FIXTURES = path.join(__dirname, 'fixtures', 'parity');
const TOL0 = 1e-6, TOL_STEP = 4e-7, FINAL_TOL = 1e-5;

type Final = Record<string, { norm: number; deltaNorm: number }>;

/** Relative differences |ours - torch| / |torch| per step, and the bound each must stay under. */
function compareCurve(ours: number[], torch: number[]): { rel: number[]; bound: number[] } {
  expect(ours).toHaveLength(torch.length);
  const rel = ours.map((v, i) => Math.abs(v - torch[i]!) / Math.abs(torch[i]!));
  return { rel, bound: rel.map((_, i) => TOL0 + TOL_STEP * i) };
}

function expectWithin(what: string, { rel, bound }: { rel: number[]; bound: number[] }): void {
  const worst = Math.max(...rel.map((r, i) => r / bound[i]!));
  expect(worst, `${what}: relative differences per step ${rel.map((r) => r.toExponential(1)).join(' ')}`).toBeLessThan(1);
}

/** Per parameter: |‖θ‖ - torch| and |‖θ − θ₀‖ - torch|, relative. */
function compareFinal(model: tg.nn.Module, init: Record<string, tg.Tensor>, final: Final, tol: number): void {
  const sd = model.stateDict();
  expect(Object.keys(sd).sort()).toEqual(Object.keys(final).sort());
  for (const [k, v] of Object.entries(sd)) {
    const norm = v.norm().item(), delta = v.sub(init[k]!).norm().item();
    expect(Math.abs(norm - final[k]!.norm) / final[k]!.norm, `${k}: norm ${norm} vs ${final[k]!.norm}`).toBeLessThan(tol);
    expect(Math.abs(delta - final[k]!.deltaNorm) / final[k]!.deltaNorm, `${k}: change ${delta} vs ${final[k]!.deltaNorm}`).toBeLessThan(tol);
  }
}

describe('PyTorch parity', () => {
  it(`digits CNN: ${cnnFixture.losses.length} steps of Adadelta + StepLR (across an epoch boundary) follow PyTorch`, () => {
    const init = tg.load(path.join(FIXTURES, 'cnn_init.safetensors'));
    const model = new Net();
    expect(model.loadStateDict(init)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const { opt, scheduler } = cnnOptimizer(model);
    const { x, y } = digitImages();
    model.eval(); // Dropout off, as in the fixture
    const losses: number[] = [], lrs: number[] = [];
    cnnFixture.batches.forEach((batch, i) => {
      const idx = tg.tensor(Int32Array.from(batch));
      lrs.push(opt.paramGroups[0]!.lr);
      losses.push(cnnStep(model, opt, x.indexSelect(0, idx), y.indexSelect(0, idx)));
      if ((i + 1) % cnnFixture.batchesPerEpoch === 0) scheduler.step();
    });
    lrs.forEach((lr, i) => expect(lr).toBeCloseTo(cnnFixture.lrs[i]!, 12));
    expectWithin('CNN loss', compareCurve(losses, cnnFixture.losses));
    compareFinal(model, init, cnnFixture.final, FINAL_TOL);
  });

  it(`char GPT: ${gptFixture.steps} steps of AdamW + cosine schedule + clipping, tied weights, follow PyTorch`, () => {
    const init = tg.load(path.join(FIXTURES, 'gpt_init.safetensors'));
    const { data } = loadGenesis();
    expect([gptFixture.vocab, gptFixture.tokens]).toEqual([new Set(data).size, data.length]);
    const model = new GPT(gptFixture.vocab);
    expect(model.loadStateDict(init)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(model.lmHead.weight).toBe(model.wte.weight); // loading both keys kept the tie
    const { opt, schedule } = gptOptimizer(model, gptFixture.steps);
    const losses: number[] = [], lrs: number[] = [];
    for (const starts of gptFixture.starts) {
      lrs.push(opt.paramGroups[0]!.lr);
      const [xb, yb] = batchAt(data, starts);
      losses.push(gptStep(model, opt, schedule, xb, yb));
    }
    lrs.forEach((lr, i) => expect(lr).toBeCloseTo(gptFixture.lrs[i]!, 12));
    expectWithin('GPT loss', compareCurve(losses, gptFixture.losses));
    compareFinal(model, init, gptFixture.final, FINAL_TOL);
  });
});
