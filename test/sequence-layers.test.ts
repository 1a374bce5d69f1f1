// nn.Embedding and nn.LayerNorm as modules: parameters, initialisation, state-dict keys and
// printing as PyTorch's; F.embedding / F.layerNorm values and gradients against PyTorch are in
// the fixtures (test/fixtures/ops.json).
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

describe('nn.Embedding', () => {
  it('looks up rows for indices of any shape, padding row zero and without gradient', () => {
    tg.manualSeed(0);
    const emb = new tg.nn.Embedding(5, 3, { paddingIdx: 0 });
    expect(emb.weight.shape).toEqual([5, 3]);
    expect(emb.weight.select(0, 0).toArray()).toEqual([0, 0, 0]);
    const idx = tg.tensor([[0, 2], [2, 4]], { dtype: 'int32' });
    const y = emb.forward(idx);
    expect(y.shape).toEqual([2, 2, 3]);
    y.sum().backward();
    expect(emb.weight.grad!.toArray()).toEqual([[0, 0, 0], [0, 0, 0], [2, 2, 2], [0, 0, 0], [1, 1, 1]]);
    expect(Object.keys(emb.stateDict())).toEqual(['weight']);
    expect(String(emb)).toBe('Embedding(5, 3, padding_idx=0)');
  });

  it('rejects bad indices and options with errors naming the op', () => {
    const emb = new tg.nn.Embedding(3, 2);
    expect(() => emb.forward(tg.tensor([3], { dtype: 'int32' }))).toThrow(RangeError);
    expect(() => emb.forward(tg.tensor([1.0]))).toThrow(/embedding: input must be an int32 tensor/);
    expect(() => new tg.nn.Embedding(3, 2, { paddingIdx: 3 })).toThrow(/Embedding: paddingIdx must be within num_embeddings/);
    expect(() => new tg.nn.Embedding(-1, 2)).toThrow(TypeError);
  });
});

describe('nn.LayerNorm', () => {
  it('normalizes the trailing dims with weight ones and bias zeros, PyTorch keys and print', () => {
    const ln = new tg.nn.LayerNorm(4);
    const x = tg.tensor([[1, 2, 3, 4], [2, 2, 2, 2]]);
    const y = ln.forward(x);
    const row = y.select(0, 0).toArray() as number[];
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 6);
    expect(y.select(0, 1).toArray()).toEqual([0, 0, 0, 0]);
    expect(Object.keys(ln.stateDict())).toEqual(['weight', 'bias']);
    expect(String(ln)).toBe('LayerNorm((4,), eps=1e-05, elementwise_affine=True)');
    expect(new tg.nn.LayerNorm([2, 3], { elementwiseAffine: false }).parameters()).toEqual([]);
  });

  it('rejects a shape that does not end the input', () => {
    expect(() => new tg.nn.LayerNorm(3).forward(tg.ones(2, 4))).toThrow(/layerNorm: Given normalized_shape=\[3\], expected input with shape \[\*, 3\]/);
  });
});
