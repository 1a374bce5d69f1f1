// conv2d's lowerings (cpp/kernels/conv.cpp) against a naive reference, on shapes that reach each
// of them: im2col + GEMM, the 1x1 direct GEMM, and the shifted-plane GEMMs (stride 1, >= 8
// channels; padded and 4 KiB-strided planes copied first); and the same bytes on 1, 2 and 3
// threads (images claimed by threads, or one image at a time with the GEMM threaded). The
// PyTorch fixtures (test/fixtures/ops.json) have too few channels to reach the shift lowering.
import { describe, expect, it } from 'vitest';
import * as tg from '../src/index.js';

interface Case {
  name: string;
  n: number; c: number; h: number; w: number; o: number; kh: number; kw: number;
  stride?: [number, number]; padding?: [number, number]; dilation?: [number, number]; groups?: number;
}

const cases: Case[] = [
  { name: 'MNIST conv2 shape, smaller (shift dX / dW, im2col forward)', n: 3, c: 16, h: 14, w: 13, o: 24, kh: 3, kw: 3 },
  { name: 'padded 3x3 (copied planes)', n: 2, c: 9, h: 10, w: 11, o: 8, kh: 3, kw: 3, padding: [1, 1] },
  { name: '5x5, short rows (shift forward)', n: 2, c: 8, h: 12, w: 12, o: 10, kh: 5, kw: 5 },
  { name: 'large cols (shift forward)', n: 1, c: 16, h: 48, w: 48, o: 8, kh: 3, kw: 3 },
  { name: 'dilated, rectangular, asymmetric padding', n: 2, c: 8, h: 11, w: 13, o: 9, kh: 2, kw: 3, dilation: [2, 2], padding: [2, 0] },
  { name: 'groups', n: 2, c: 16, h: 9, w: 9, o: 16, kh: 3, kw: 3, groups: 2, padding: [1, 1] },
  { name: '32x32 planes (a 4 KiB stride)', n: 1, c: 8, h: 32, w: 32, o: 8, kh: 3, kw: 3 },
  { name: 'few output channels: dX by col2im, dW shift', n: 2, c: 8, h: 9, w: 8, o: 3, kh: 3, kw: 3 },
  { name: 'few input channels: dW by im2col, dX shift', n: 2, c: 2, h: 9, w: 8, o: 12, kh: 3, kw: 3 },
  { name: 'strided (im2col everywhere)', n: 2, c: 8, h: 9, w: 10, o: 8, kh: 3, kw: 3, stride: [2, 1] },
  { name: '1x1 (direct)', n: 2, c: 9, h: 5, w: 6, o: 8, kh: 1, kw: 1 },
];

function outShape(k: Case): number[] {
  const [sh, sw] = k.stride ?? [1, 1], [ph, pw] = k.padding ?? [0, 0], [dh, dw] = k.dilation ?? [1, 1];
  return [k.n, k.o, Math.floor((k.h + 2 * ph - dh * (k.kh - 1) - 1) / sh) + 1, Math.floor((k.w + 2 * pw - dw * (k.kw - 1) - 1) / sw) + 1];
}

// out, and the gradients of sum(out * g), in double.
function reference(k: Case, x: Float32Array, w: Float32Array, b: Float32Array, g: Float32Array) {
  const [sh, sw] = k.stride ?? [1, 1], [ph, pw] = k.padding ?? [0, 0], [dh, dw] = k.dilation ?? [1, 1];
  const groups = k.groups ?? 1, cg = k.c / groups, og = k.o / groups;
  const [, , ho, wo] = outShape(k) as [number, number, number, number];
  const out = new Float64Array(k.n * k.o * ho * wo), gx = new Float64Array(x.length), gw = new Float64Array(w.length);
  for (let n = 0; n < k.n; n++)
    for (let o = 0; o < k.o; o++) {
      const grp = Math.floor(o / og);
      for (let oh = 0; oh < ho; oh++)
        for (let ow = 0; ow < wo; ow++) {
          const at = ((n * k.o + o) * ho + oh) * wo + ow, go = g[at]!;
          let s = b[o]!;
          for (let c = 0; c < cg; c++)
            for (let i = 0; i < k.kh; i++)
              for (let j = 0; j < k.kw; j++) {
                const y = oh * sh - ph + i * dh, xx = ow * sw - pw + j * dw;
                if (y < 0 || y >= k.h || xx < 0 || xx >= k.w) continue;
                const xi = ((n * k.c + grp * cg + c) * k.h + y) * k.w + xx, wi = ((o * cg + c) * k.kh + i) * k.kw + j;
                s += w[wi]! * x[xi]!;
                gx[xi] += w[wi]! * go;
                gw[wi] += x[xi]! * go;
              }
          out[at] = s;
        }
    }
  return { out, gx, gw };
}

function run(k: Case, x: tg.Tensor, w: tg.Tensor, b: tg.Tensor, g: tg.Tensor) {
  const xv = x.detach().requiresGrad_(), wv = w.detach().requiresGrad_(), bv = b.detach().requiresGrad_();
  const out = tg.F.conv2d(xv, wv, bv, { stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.groups });
  out.mul(g).sum().backward();
  return [out, xv.grad!, wv.grad!, bv.grad!].map((t) => t.toTypedArray() as Float32Array);
}

// |got - want| within float32 rounding of a sum of `terms` products of values below 1.
function expectClose(got: Float32Array, want: Float64Array, terms: number, what: string) {
  expect(got.length).toBe(want.length);
  const tol = 4 * terms * 2 ** -23 + 1e-6;
  let worst = 0, at = -1;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i]! - want[i]!);
    if (e > worst) (worst = e), (at = i);
  }
  expect(worst, `${what}: worst error ${worst} at ${at}`).toBeLessThanOrEqual(tol);
}

type Pair = [number, number];
interface PoolCase { k: Pair; s: Pair; p: Pair; d: Pair; ceil?: boolean }

describe('conv2d lowerings', () => {
  for (const k of cases)
    it(`${k.name}: values and gradients match the naive reference`, () => {
      tg.manualSeed(k.c * 100 + k.o);
      const groups = k.groups ?? 1;
      const x = tg.rand([k.n, k.c, k.h, k.w]).sub(0.5), w = tg.rand([k.o, k.c / groups, k.kh, k.kw]).sub(0.5);
      const b = tg.rand([k.o]).sub(0.5);
      const g = tg.rand(outShape(k)).sub(0.5);
      const want = reference(k, x.toTypedArray() as Float32Array, w.toTypedArray() as Float32Array, b.toTypedArray() as Float32Array,
        g.toTypedArray() as Float32Array);
      const [out, gx, gw, gb] = run(k, x, w, b, g);
      const taps = (k.c / groups) * k.kh * k.kw, [, , ho, wo] = outShape(k) as [number, number, number, number];
      expectClose(out!, want.out, taps + 1, 'out');
      expectClose(gx!, want.gx, (k.o / groups) * k.kh * k.kw, 'grad_input');
      expectClose(gw!, want.gw, k.n * ho * wo, 'grad_weight');
      const gbWant = new Float64Array(k.o), gArr = g.toTypedArray() as Float32Array;
      for (let i = 0; i < gArr.length; i++) gbWant[Math.floor(i / (ho * wo)) % k.o] += gArr[i]!;
      expectClose(gb!, gbWant, k.n * ho * wo, 'grad_bias');
    });

  it('the same bytes on 1, 2 and 3 threads (batch split over threads, and one image with the GEMM split)', () => {
    const shapes: Case[] = [
      { name: 'MNIST conv2', n: 8, c: 32, h: 26, w: 26, o: 64, kh: 3, kw: 3 },
      { name: 'one image', n: 1, c: 32, h: 26, w: 26, o: 64, kh: 3, kw: 3 },
      { name: 'padded', n: 5, c: 16, h: 20, w: 20, o: 32, kh: 3, kw: 3, padding: [1, 1] },
      { name: 'conv1', n: 9, c: 1, h: 28, w: 28, o: 32, kh: 3, kw: 3 },
    ];
    const before = tg.getNumThreads();
    try {
      for (const k of shapes) {
        tg.manualSeed(17);
        const x = tg.randn([k.n, k.c, k.h, k.w]), w = tg.randn([k.o, k.c, k.kh, k.kw]), b = tg.randn([k.o]);
        const g = tg.randn(outShape(k));
        const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
        tg.setNumThreads(1);
        const one = run(k, x, w, b, g).map(bytes);
        for (const t of [2, 3]) {
          tg.setNumThreads(t);
          run(k, x, w, b, g).map(bytes).forEach((got, i) => expect(got.equals(one[i]!), `${k.name}, ${t} threads, output ${i}`).toBe(true));
        }
      }
    } finally {
      tg.setNumThreads(before);
    }
  });

  it('maxPool2d: values and indices as the window-by-window loop (first max, NaN wins, last NaN kept, -inf windows)', () => {
    // The naive loop of PyTorch's kernel, in window order; the native one runs taps outer.
    const ref = (x: Float32Array, h: number, w: number, planes: number, o: PoolCase) => {
      const size = (n: number, k: number, p: number, s: number, d: number) => {
        let out = Math.floor((n + 2 * p - d * (k - 1) - 1 + (o.ceil ? s - 1 : 0)) / s) + 1;
        if (o.ceil && (out - 1) * s >= n + p) out--;
        return out;
      };
      const ho = size(h, o.k[0], o.p[0], o.s[0], o.d[0]), wo = size(w, o.k[1], o.p[1], o.s[1], o.d[1]);
      const vals: number[] = [], idx: number[] = [];
      for (let pl = 0; pl < planes; pl++)
        for (let oh = 0; oh < ho; oh++)
          for (let ow = 0; ow < wo; ow++) {
            let m = -Infinity, best = -1;
            for (let i = 0; i < o.k[0]; i++)
              for (let j = 0; j < o.k[1]; j++) {
                const ih = oh * o.s[0] - o.p[0] + i * o.d[0], iw = ow * o.s[1] - o.p[1] + j * o.d[1];
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                const v = x[pl * h * w + ih * w + iw]!;
                if (best < 0) best = ih * w + iw;
                if (v > m || Number.isNaN(v)) (m = v), (best = ih * w + iw);
              }
            vals.push(m), idx.push(best);
          }
      return { vals, idx, shape: [planes, ho, wo] };
    };
    const r = (() => { let s = 5; return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31); })();
    const opts: PoolCase[] = [
      { k: [2, 2], s: [2, 2], p: [0, 0], d: [1, 1] },
      { k: [3, 3], s: [2, 2], p: [1, 1], d: [1, 1] },
      { k: [3, 2], s: [1, 2], p: [1, 1], d: [2, 1], ceil: true },
      { k: [2, 3], s: [3, 1], p: [0, 1], d: [1, 2], ceil: true },
    ];
    for (const o of opts) {
      const h = 13, w = 15, planes = 6;
      // Ties (values from a few levels), NaNs and -inf runs.
      const x = Float32Array.from({ length: planes * h * w }, () => {
        const u = r();
        return u < 0.08 ? NaN : u < 0.3 ? -Infinity : Math.floor(u * 6);
      });
      const want = ref(x, h, w, planes, o);
      const { values, indices } = tg.F.maxPool2d(tg.tensor(x).reshape([1, planes, h, w]), [o.k[0], o.k[1]], {
        stride: [o.s[0], o.s[1]], padding: [o.p[0], o.p[1]], dilation: [o.d[0], o.d[1]], ceilMode: o.ceil ?? false, returnIndices: true,
      });
      expect(values.shape.slice(1)).toEqual(want.shape);
      expect(Array.from(values.toTypedArray() as Float32Array), JSON.stringify(o)).toEqual(want.vals.map((v) => Math.fround(v)));
      expect(Array.from(indices.toTypedArray() as Int32Array).map(Number), JSON.stringify(o)).toEqual(want.idx);
    }
  });
});
