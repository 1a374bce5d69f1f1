// nn.Conv1d / Conv2d and the pooling layers as modules: shapes, PyTorch's parameter shapes,
// init bounds, state-dict keys and printing, and errors naming the op. F.conv2d / pooling values
// and gradients against PyTorch are in the fixtures (test/fixtures/ops.json).
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

describe('conv and pooling layers', () => {
  it('Conv2d: PyTorch shapes, init bound, keys and print; trains through forward and backward', () => {
    tg.manualSeed(1);
    const conv = new tg.nn.Conv2d(1, 32, 3);
    expect(conv.weight.shape).toEqual([32, 1, 3, 3]);
    expect(Object.keys(conv.stateDict())).toEqual(['weight', 'bias']);
    const bound = 1 / Math.sqrt(9);
    expect(conv.bias!.abs().max().item()).toBeLessThanOrEqual(bound);
    expect(String(conv)).toBe('Conv2d(1, 32, kernel_size=(3, 3), stride=(1, 1))');
    expect(String(new tg.nn.Conv2d(4, 8, [3, 5], { stride: 2, padding: 1, groups: 2, bias: false }))).toBe(
      'Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), groups=2, bias=False)',
    );
    const y = conv.forward(tg.randn(2, 1, 28, 28));
    expect(y.shape).toEqual([2, 32, 26, 26]);
    y.sum().backward();
    expect(conv.weight.grad!.shape).toEqual([32, 1, 3, 3]);
  });

  it('the MNIST net of pytorch/examples runs end to end', () => {
    const x = tg.randn(3, 1, 28, 28);
    const c1 = new tg.nn.Conv2d(1, 32, 3), c2 = new tg.nn.Conv2d(32, 64, 3), fc = new tg.nn.Linear(9216, 10);
    const h = tg.F.maxPool2d(c2.forward(c1.forward(x).relu()).relu(), 2);
    const out = fc.forward(h.flatten(1)).logSoftmax(1);
    expect(out.shape).toEqual([3, 10]);
    out.sum().backward();
    expect(c1.weight.grad).not.toBeNull();
  });

  it('Conv1d, pools and their errors', () => {
    expect(new tg.nn.Conv1d(2, 3, 4).forward(tg.randn(5, 2, 10)).shape).toEqual([5, 3, 7]);
    expect(new tg.nn.MaxPool2d(2).forward(tg.randn(1, 1, 5, 5)).shape).toEqual([1, 1, 2, 2]);
    expect(new tg.nn.AvgPool2d(3, { stride: 1 }).forward(tg.randn(1, 1, 5, 5)).shape).toEqual([1, 1, 3, 3]);
    expect(new tg.nn.AdaptiveAvgPool2d([2, 3]).forward(tg.randn(2, 4, 7, 7)).shape).toEqual([2, 4, 2, 3]);
    const { values, indices } = tg.F.maxPool2d(tg.tensor([[[[1, 5], [3, 2]]]]), 2, { returnIndices: true });
    expect(values.toArray()).toEqual([[[[5]]]]);
    expect(indices.toArray()).toEqual([[[[1]]]]);
    expect(() => tg.F.conv2d(tg.randn(1, 3, 5, 5), tg.randn(2, 2, 3, 3))).toThrow(/conv2d: expected input \[1, 3, 5, 5\] to have 2 channels/);
    expect(() => tg.F.conv2d(tg.randn(1, 1, 2, 2), tg.randn(1, 1, 3, 3))).toThrow(RangeError);
    expect(() => tg.F.maxPool2d(tg.randn(1, 1, 2, 2), 3)).toThrow(RangeError);
    expect(() => tg.F.conv2d(tg.randn(2, 2), tg.randn(1, 1, 1, 1))).toThrow(/conv2d: expected a 3-D \(unbatched\) or 4-D/);
    expect(() => new tg.nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow(/must be divisible by groups/);
  });
});
