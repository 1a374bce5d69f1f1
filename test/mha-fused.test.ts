// nn.MultiheadAttention without returned weights runs F.scaledDotProductAttention (the fused
// kernel): its output and every gradient must equal the composed path's (needWeights: true, which
// test/attention.test.ts checks against PyTorch 1.13), for each kind and mix of masks.
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as tg from '../src/index.js';
import { native } from '../src/native.js';

const { nn } = tg;

type Masks = { attnMask?: () => tg.Tensor; keyPaddingMask?: () => tg.Tensor };

function run(m: tg.nn.MultiheadAttention, needWeights: boolean, masks: Masks, seed: number) {
  tg.manualSeed(seed);
  const [N, L, S, E] = [2, 3, 4, 6];
  const q = tg.randn(L, N, E).requiresGrad_(), k = tg.randn(S, N, E).requiresGrad_(), v = tg.randn(S, N, E).requiresGrad_();
  const attnMask = masks.attnMask?.() ?? null, keyPaddingMask = masks.keyPaddingMask?.() ?? null;
  const G = tg.randn(L, N, E);
  m.zeroGrad();
  const [out, w] = m.forward(q, k, v, { attnMask, keyPaddingMask, needWeights });
  expect(w === null).toBe(!needWeights);
  out.mul(G).sum().backward();
  const grads = [q.grad!, k.grad!, v.grad!, ...[...m.parameters()].map((p) => p.grad!)];
  if (attnMask?.requiresGrad) grads.push(attnMask.grad!);
  return { out: out.toArray() as number[], grads: grads.map((g) => g.toArray()) };
}

function close(a: unknown, b: unknown, path = ''): void {
  if (Array.isArray(a)) {
    expect((b as unknown[]).length, path).toBe(a.length);
    a.forEach((x, i) => close(x, (b as unknown[])[i], `${path}[${i}]`));
  } else if (Number.isNaN(a)) expect(Number.isNaN(b), path).toBe(true);
  else expect(Math.abs((a as number) - (b as number)), path).toBeLessThanOrEqual(2e-5 + 2e-5 * Math.abs(b as number));
}

const bool = (shape: number[], p: number[]) => tg.tensor(p.map((x) => x === 1), { shape });
const CASES: [string, Masks][] = [
  ['no mask', {}],
  ['bool attn mask [L, S]', { attnMask: () => bool([3, 4], [0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0]) }],
  ['causal-like bool mask', { attnMask: () => bool([3, 4], [0, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 1]) }],
  ['bool attn mask [N·H, L, S]', { attnMask: () => tg.rand(4, 3, 4).gt(0.7) }],
  ['float attn mask', { attnMask: () => tg.randn(3, 4) }],
  ['float attn mask requiring grad', { attnMask: () => tg.randn(3, 4).requiresGrad_() }],
  ['bool key padding', { keyPaddingMask: () => bool([2, 4], [0, 0, 1, 1, 0, 1, 0, 0]) }],
  ['bool attn mask and key padding', { attnMask: () => bool([3, 4], [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0]), keyPaddingMask: () => bool([2, 4], [0, 0, 0, 1, 1, 0, 0, 0]) }],
  ['float attn mask and bool key padding', { attnMask: () => tg.randn(3, 4), keyPaddingMask: () => bool([2, 4], [0, 0, 1, 1, 0, 1, 0, 0]) }],
  ['bool attn mask and float key padding', { attnMask: () => bool([3, 4], [0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0]), keyPaddingMask: () => tg.randn(2, 4) }],
  ['a fully masked row (NaN, as PyTorch)', { keyPaddingMask: () => bool([2, 4], [1, 1, 1, 1, 0, 1, 0, 0]) }],
];

describe('nn.MultiheadAttention through the fused attention', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(CASES)('%s: needWeights false (fused) matches the composed path', (_, masks) => {
    tg.manualSeed(7);
    const m = new nn.MultiheadAttention(6, 2);
    const spy = vi.spyOn(native, 'attention');
    const fused = run(m, false, masks, 11);
    // (A float mask that wants its gradient takes scaledDotProductAttention's composed path.)
    if (/requiring grad/.test(_)) expect(spy).not.toHaveBeenCalled();
    else expect(spy).toHaveBeenCalled();
    spy.mockClear();
    const composed = run(m, true, masks, 11);
    expect(spy).not.toHaveBeenCalled();
    close(fused.out, composed.out, 'out');
    close(fused.grads, composed.grads, 'grads');
  });

  it('dropout in train mode keeps the composed path; in eval the fused one', () => {
    const m = new nn.MultiheadAttention(6, 2, { dropout: 0.5 });
    const spy = vi.spyOn(native, 'attention');
    run(m, false, {}, 3);
    expect(spy).not.toHaveBeenCalled();
    m.eval();
    const fused = run(m, false, {}, 3);
    expect(spy).toHaveBeenCalled();
    close(fused.out, run(m, true, {}, 3).out);
  });

  it('checks the attn mask shape', () => {
    const m = new nn.MultiheadAttention(4, 2), x = tg.randn(3, 2, 4);
    for (const needWeights of [true, false])
      expect(() => m.forward(x, x, x, { attnMask: tg.zeros(1, 3), needWeights })).toThrow(/^MultiheadAttention: attnMask must be \[3, 3\] or \[4, 3, 3\]/);
  });
});
