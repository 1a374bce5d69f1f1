// Tensor semantics beyond the op fixtures: creation, views sharing storage, dtypes and
// promotion, printing, random reproducibility, dispose, runtime info.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';
import * as nativeModule from '../src/native.js';

describe('creation', () => {
  it('takes shapes as arrays or separate numbers, options last', () => {
    expect(tg.zeros(2, 3).shape).toEqual([2, 3]);
    expect(tg.zeros([2, 3]).shape).toEqual([2, 3]);
    expect(tg.ones(2, { dtype: 'int32' }).toArray()).toEqual([1, 1]);
    expect(tg.full([2], 7).toArray()).toEqual([7, 7]);
    expect(tg.zeros([]).shape).toEqual([]);
    expect(tg.zeros([0, 3]).numel()).toBe(0);
  });

  it('infers shape and dtype from data', () => {
    const t = tg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(tg.tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tg.tensor([true, false]).dtype).toBe('bool');
    expect(tg.tensor(5).shape).toEqual([]);
    expect(tg.tensor(new Float32Array([1, 2, 3, 4]), { shape: [2, 2] }).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(tg.tensor([1, 2], { dtype: 'int32' }).dtype).toBe('int32');
  });

  it('copies the data it is given', () => {
    const src = new Float32Array([1, 2]);
    const t = tg.tensor(src);
    src[0] = 9;
    expect(t.toArray()).toEqual([1, 2]);
  });

  it('arange, linspace and eye follow PyTorch', () => {
    expect(tg.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(tg.arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(tg.arange(5).dtype).toBe('float32');
    expect(tg.arange(3, { dtype: 'int32' }).dtype).toBe('int32');
    expect(tg.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(tg.eye(2).toArray()).toEqual([[1, 0], [0, 1]]);
    expect(tg.eye(2, 3).shape).toEqual([2, 3]);
  });

  it('*Like functions copy shape and dtype', () => {
    const x = tg.ones([2, 3], { dtype: 'int32' });
    expect(tg.zerosLike(x).dtype).toBe('int32');
    expect(tg.onesLike(x).shape).toEqual([2, 3]);
    expect(tg.randLike(tg.ones(4)).shape).toEqual([4]);
    expect(tg.randnLike(tg.ones(4)).shape).toEqual([4]);
  });
});

describe('random', () => {
  it('is reproducible after manualSeed', () => {
    tg.manualSeed(42);
    const a = [tg.rand(5), tg.randn(7), tg.randint(0, 10, [6]), tg.randperm(9)].map((t) => t.toArray());
    tg.manualSeed(42);
    const b = [tg.rand(5), tg.randn(7), tg.randint(0, 10, [6]), tg.randperm(9)].map((t) => t.toArray());
    expect(b).toEqual(a);
    tg.manualSeed(43);
    expect(tg.rand(5).toArray()).not.toEqual(a[0]);
  });

  it('draws from the right distributions', () => {
    tg.manualSeed(1);
    const u = tg.rand(100_000);
    expect(u.min().item()).toBeGreaterThanOrEqual(0);
    expect(u.max().item()).toBeLessThan(1);
    expect(u.mean().item()).toBeCloseTo(0.5, 2);
    const n = tg.randn(100_000);
    expect(n.mean().item()).toBeCloseTo(0, 1);
    expect(n.mul(n).mean().item()).toBeCloseTo(1, 1);
    const r = tg.randint(-3, 4, [10_000]);
    expect(r.dtype).toBe('int32');
    expect(r.min().item()).toBe(-3);
    expect(r.max().item()).toBe(3);
    const p = tg.randperm(1000).toArray() as number[];
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  it('uniform_ and normal_ fill in place', () => {
    tg.manualSeed(3);
    const t = tg.zeros(1000).uniform_(2, 3);
    expect(t.min().item()).toBeGreaterThanOrEqual(2);
    expect(t.max().item()).toBeLessThan(3);
    const v = tg.zeros(4, 4).t().normal_(5, 0.01);
    expect(v.mean().item()).toBeCloseTo(5, 1);
  });
});

describe('views share storage', () => {
  it('view, reshape, transpose, permute, narrow, expand, squeeze see writes through the base', () => {
    const base = tg.arange(6);
    const views = [base.view(2, 3), base.reshape(3, 2), base.view(2, 3).t(), base.view(1, 2, 3).permute(2, 0, 1),
      base.narrow(0, 2, 3), base.view(1, 6).squeeze(0), base.unsqueeze(0), base.view(1, 6).expand(4, 6)];
    base.fill_(1);
    for (const v of views) expect((v.toTypedArray() as Float32Array).every((e) => e === 1)).toBe(true);
  });

  it('reshape of a non-contiguous tensor copies; view of it throws', () => {
    const t = tg.arange(6).view(2, 3).t();
    expect(t.isContiguous()).toBe(false);
    const r = t.reshape(6);
    expect(r.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(() => t.view(6)).toThrow(/view size is not compatible/);
    expect(t.contiguous().isContiguous()).toBe(true);
  });

  it('infers -1 and flattens ranges of dims', () => {
    expect(tg.zeros(2, 3, 4).reshape(-1, 4).shape).toEqual([6, 4]);
    expect(tg.zeros(2, 3, 4).flatten(1).shape).toEqual([2, 12]);
    expect(tg.zeros(2, 3, 4).flatten().shape).toEqual([24]);
  });

  it('expand gives stride 0 and T reverses dims', () => {
    const e = tg.tensor([1, 2]).expand(3, -1);
    expect(e.stride()).toEqual([0, 1]);
    expect(e.toArray()).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(tg.zeros(2, 3).T.shape).toEqual([3, 2]);
  });
});

describe('dtypes and promotion', () => {
  it('int32 with int32 stays int32; with float32 or a fractional scalar becomes float32', () => {
    const i = tg.tensor([1, 2], { dtype: 'int32' });
    expect(i.add(i).dtype).toBe('int32');
    expect(i.add(tg.ones(2)).dtype).toBe('float32');
    expect(i.mul(2).dtype).toBe('int32');
    expect(i.mul(2.5).dtype).toBe('float32');
    expect(i.div(2).toArray()).toEqual([0.5, 1]);
    expect(i.eq(1).dtype).toBe('bool');
  });

  it('converts with to()', () => {
    const f = tg.tensor([1.7, -1.7, 0]);
    expect(f.to('int32').toArray()).toEqual([1, -1, 0]);
    expect(f.to('bool').toArray()).toEqual([true, true, false]);
    expect(f.to('float32')).toBe(f);
  });

  it('int32 arithmetic wraps like PyTorch and integer division by zero is an error', () => {
    const big = tg.tensor([2147483647], { dtype: 'int32' });
    expect(big.add(1).toArray()).toEqual([-2147483648]);
  });
});

describe('printing', () => {
  it('prints like PyTorch', () => {
    expect(String(tg.tensor([1, 2]))).toBe('tensor([1., 2.])');
    expect(String(tg.tensor([1.5, 2]))).toBe('tensor([1.5000, 2.0000])');
    expect(String(tg.tensor([[1, -2], [3, 4]]))).toBe('tensor([[ 1., -2.],\n        [ 3.,  4.]])');
    expect(String(tg.tensor(new Int32Array([1, 2])))).toBe('tensor([1, 2], dtype=int32)');
    expect(String(tg.tensor([true, false]))).toBe('tensor([ True, False])');
    expect(String(tg.tensor(2.5))).toBe('tensor(2.5000)');
    expect(String(tg.tensor([1e-5, 1]))).toBe('tensor([1.0000e-05, 1.0000e+00])');
    expect(String(tg.zeros(0))).toBe('tensor([])');
    expect(String(tg.zeros(0, 3))).toBe('tensor([], size=(0, 3))');
    expect(String(tg.ones(2000))).toBe('tensor([1., 1., 1.,  ..., 1., 1., 1.])');
    expect(String(tg.tensor([NaN, Infinity, 1.5]))).toBe('tensor([   nan,    inf, 1.5000])');
  });

  it('prints a summarized tensor that still shows 6^7 values', () => {
    // Every dim is at most 2 x 3 edge items, so summarizing hides none of the 279936 values:
    // more than a spread into Math.max could pass as arguments.
    const shape = [6, 6, 6, 6, 6, 6, 6];
    const x = tg.arange(6 ** 7).mul(0.5).reshape(shape), n = tg.arange(6 ** 7, { dtype: 'int32' }).reshape(shape);
    const s = String(x), si = String(n);
    expect(s.startsWith('tensor([[[[[[[0.0000e+00, 5.0000e-01, 1.0000e+00,')).toBe(true);
    expect(s.endsWith(' 1.3997e+05]]]]]]])')).toBe(true);
    expect(si.startsWith('tensor([[[[[[[     0,      1,      2,')).toBe(true);
    expect(si.endsWith('279934, 279935]]]]]]], dtype=int32)')).toBe(true);
  });
});

describe('conversion and memory', () => {
  it('item, toArray and toTypedArray', () => {
    expect(tg.tensor([[1, 2]]).sum().item()).toBe(3);
    expect(() => tg.ones(2).item()).toThrow(/cannot be converted to a scalar/);
    expect(tg.tensor([true]).item()).toBe(true);
    const t = tg.arange(4).view(2, 2).t();
    expect(Array.from(t.toTypedArray())).toEqual([0, 2, 1, 3]);
  });

  it('dispose frees storage now and later use throws', () => {
    const t = tg.ones(1000);
    const v = t.view(10, 100);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.add(1)).toThrow(/disposed/);
    expect(() => v.sum()).toThrow(/disposed/);
    expect(String(t)).toBe('tensor(<disposed>)');
    t.dispose();
  });

  it('dispose() gives the memory back at once: external ArrayBuffer memory drops without a GC', () => {
    // A transfer alone moved the memory to a clone that only the next GC freed (src/storage.ts).
    for (const make of [() => tg.zeros([4 << 20]), () => tg.ones([1 << 20]).exp(), () => tg.zeros([8 << 20])]) {
      const t = make();
      const bytes = t._data.byteLength;
      const before = process.memoryUsage().arrayBuffers;
      t.dispose();
      expect(before - process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(bytes);
    }
  });

  it('storage of 4 KiB and more starts on a 64-byte boundary, and dispose() still detaches it', () => {
    const { native } = nativeModule;
    for (const make of [() => tg.ones(1024), () => tg.zeros([33, 65]), () => tg.randn([64, 784]), () => tg.ones(4096).mul(2), () => tg.ones([1500], { dtype: 'int32' })]) {
      const t = make();
      const data = t._data;
      expect(native.alignmentGap(data)).toBe(0);
      expect(data.length).toBe(t.numel());
      const buffer = data.buffer;
      t.dispose();
      expect(buffer.byteLength).toBe(0);  // detached: freed now, not at the next GC
    }
    // Below 4 KiB nothing changes: slabs (<= 512 B) or a buffer of its own.
    const small = tg.ones(200);
    expect(small._data.byteOffset === 0 || small._data.byteLength <= 512).toBe(true);
  });

  it('a large output sits on a 2 MiB boundary of its own buffer and dispose still frees it', () => {
    // allocateUninit over-allocates storage of 4 MiB and more by hugePageBytes (src/storage.ts).
    const n = (1 << 20) + 3;
    const x = tg.arange(n).div(n);
    const y = x.exp();
    const d = y._data as Float32Array;
    expect(d.length).toBe(n);
    expect(d.byteOffset + d.byteLength).toBeLessThanOrEqual(d.buffer.byteLength);
    for (const i of [0, 1, 12345, n - 1]) expect(d[i]).toBeCloseTo(Math.exp(i / n), 5);
    const buffer = d.buffer;
    y.dispose();
    expect(buffer.byteLength).toBe(0);  // detached: freed now, not at the next GC
    x.dispose();
  });

  it('size, dim, numel', () => {
    const t = tg.zeros(2, 3, 4);
    expect(t.size()).toEqual([2, 3, 4]);
    expect(t.size(-1)).toBe(4);
    expect(t.dim()).toBe(3);
    expect(t.numel()).toBe(24);
  });
});

describe('runtime', () => {
  it('reports the backend and sets threads', () => {
    const info = tg.backendInfo();
    expect(['avx512', 'avx2', 'neon', 'scalar']).toContain(info.simd);
    expect(info.napiVersion).toBe(8);
    const before = tg.getNumThreads();
    tg.setNumThreads(1);
    expect(tg.getNumThreads()).toBe(1);
    tg.setNumThreads(before);
  });

  it('gives the same results on 1 and 2 threads for large ops', () => {
    tg.manualSeed(7);
    const a = tg.randn(300, 200), b = tg.randn(200, 100), big = tg.randn(1 << 18);
    const before = tg.getNumThreads();
    tg.setNumThreads(1);
    const one = [a.matmul(b), big.exp(), big.sum(), a.sum(0)].map((t) => t.toTypedArray());
    tg.setNumThreads(2);
    const two = [a.matmul(b), big.exp(), big.sum(), a.sum(0)].map((t) => t.toTypedArray());
    tg.setNumThreads(before);
    expect(two).toEqual(one);
  });

  it('matmul and linear: the same bytes on 1 to 4 threads for the MLP shapes (split GEMMs)', () => {
    // Every orientation and path gemm.cpp picks for nn.Linear at batch 64 (dot products for
    // x @ W^T, tiles for dW = G^T @ X and dX = G @ W), split over M or N at tile boundaries.
    tg.manualSeed(3);
    const x = tg.randn([64, 784]), w1 = tg.randn([256, 784]), b1 = tg.randn([256]);
    const h = tg.randn([64, 256]), w2 = tg.randn([128, 256]), g2 = tg.randn([64, 128]), g1 = tg.randn([64, 256]);
    const run = () => [
      tg.F.linear(x, w1, b1).relu(), h.matmul(w2.t()), g1.t().matmul(x), g2.t().matmul(h), g2.matmul(w2),
      tg.randn([300, 70]).matmul(tg.randn([70, 530])),
    ].map((t) => Buffer.from(t.toTypedArray().buffer, t.toTypedArray().byteOffset, t.toTypedArray().byteLength));
    const before = tg.getNumThreads();
    try {
      tg.setNumThreads(1);
      tg.manualSeed(5);
      const one = run();
      for (const n of [2, 3, 4]) {
        tg.setNumThreads(n);
        tg.manualSeed(5);
        const many = run();
        many.forEach((b, i) => expect(b.equals(one[i]!), `threads ${n}, product ${i}`).toBe(true));
      }
    } finally {
      tg.setNumThreads(before);
    }
  });

  it('gives the same results on 1 to 8 threads, back to back and around the grain sizes', () => {
    // The pool's workers spin between jobs and the caller claims parts the workers have not
    // taken; more threads than cores exercises both (workers descheduled mid-run).
    tg.manualSeed(11);
    const inputs = [8191, 8193, 32769, 65537, 200003].map((n) => tg.randn(n));
    const run = () => inputs.flatMap((x) => [x.exp(), x.add(x.tanh()), x.mul(2).sum(), x.gt(0).float().mean()]);
    // Bytewise (toEqual over these arrays would take seconds).
    const bytes = (t: tg.Tensor) => { const a = t.toTypedArray(); return Buffer.from(a.buffer, a.byteOffset, a.byteLength); };
    const before = tg.getNumThreads();
    tg.setNumThreads(1);
    const one = run().map(bytes);
    for (const n of [2, 3, 8]) {
      tg.setNumThreads(n);
      for (let rep = 0; rep < 5; rep++) {
        const got = run().map(bytes);
        for (let i = 0; i < one.length; i++) expect(got[i]!.equals(one[i]!), `${n} threads, output ${i}`).toBe(true);
      }
    }
    tg.setNumThreads(before);
  });
});
