// The raw binding under generated calls: well-formed call metadata over random shapes (sizes 0,
// 1, odd), with operand views that are usually valid (contiguous, permuted-like, broadcast,
// reversed) and sometimes not (stray strides and offsets, buffers one element short or long,
// wrong dtypes, out-of-range indices), on every SIMD path and with 1-3 threads. Every call must
// return or throw a RangeError/TypeError. Under `npm run test:asan` this is also where the
// sanitizers see the core's validation paths: it found the empty-operand pointer arithmetic
// fixed in matmul.cpp, reduce.cpp and optim.cpp. Deterministic: a fixed xorshift seed per chunk.
// (test/fuzz.test.ts fuzzes the public API; this file the raw binding underneath it.)
import { afterAll, describe, expect, it } from 'vitest';
import { native as loadedAddon } from '../src/native.js';
import { simdPaths } from './helpers/simd.js';

type Buf = Float32Array | Int32Array | Uint8Array;
type Fn = (...args: unknown[]) => void;
const native = loadedAddon as unknown as Record<string, Fn> & {
  simd(): string;
  selectSimd(name: string): boolean;
  getNumThreads(): number;
  setNumThreads(n: number): void;
};

const ORIGINAL = { simd: native.simd(), threads: native.getNumThreads() };
afterAll(() => {
  native.selectSimd(ORIGINAL.simd);
  native.setNumThreads(ORIGINAL.threads);
});

const HUGE_PAGE = (loadedAddon as unknown as { hugePageBytes: number }).hugePageBytes;
const HUGE = new Uint8Array(HUGE_PAGE + 8192);

function generator(seed: number) {
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
  const int = (k: number) => Math.floor(rnd() * k);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  return { rnd, int, pick };
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);
const contiguous = (s: number[]) => {
  const st: number[] = [];
  for (let i = s.length - 1, k = 1; i >= 0; k *= s[i]!, i--) st[i] = k;
  return st;
};

function makeCalls(seed: number) {
  const { rnd, int, pick } = generator(seed);
  const SIZES = [0, 1, 1, 2, 3, 5, 17, 33];
  const shape = (nd: number) => Array.from({ length: nd }, () => pick(SIZES));
  // A view of shape s: offset, strides and a buffer length that fits it, or nearly.
  const view = (s: number[]) => {
    let st = contiguous(s), off = 0;
    switch (int(6)) {
      case 1: st = st.map((x) => (rnd() < 0.3 ? 0 : x)); break;  // broadcast dims
      case 2: st = st.map((x) => -x); off = Math.max(0, numel(s) - 1); break;  // reversed
      case 3: st = st.map((x) => 2 * x); break;  // every other element
      case 4: st = st.map(() => pick([-3, -1, 0, 1, 2, 7, 100])); off = int(50); break;  // stray
      case 5: off = pick([0, 1, -1, 5]); break;
    }
    let need = off + 1;
    if (!s.includes(0)) s.forEach((n, i) => { need += Math.max(0, (n - 1) * st[i]!); });
    return { off, st, len: Math.max(0, need + pick([0, 0, 0, -1, 1, 20])) };
  };
  const buf = (kind: string, len: number): Buf =>
    kind === 'f' ? new Float32Array(len).map(() => (rnd() - 0.5) * 8)
      : kind === 'i' ? new Int32Array(len).map(() => int(9) - 4)
        : new Uint8Array(len).map(() => int(2));
  const elementwise = (fn: string, ops: number, kinds: string[]) => () => {
    const nd = int(5), s = shape(nd), views = kinds.map(() => view(s));
    const meta = [int(ops + 1), nd, (rnd() - 0.5) * 4, (rnd() - 0.5) * 4, int(2), ...s];
    for (const v of views) meta.push(v.off, ...v.st);
    native[fn]!(new Float64Array(meta), ...views.map((v, k) => buf(kinds[k]!, v.len)));
  };
  const fkind = () => pick(['f', 'i', 'b']);
  return [
    elementwise('unary', 18, ['f', 'f']),
    elementwise('binary', 13, ['f', 'f', 'f']),
    elementwise('binaryScalar', 13, ['f', 'f']),
    elementwise('binaryInt', 7, ['i', 'i', 'i']),
    () => elementwise('compare', 6, ['b', pick(['f', 'i']), pick(['f', 'i'])])(),
    () => elementwise('compareScalar', 6, ['b', fkind()])(),
    () => elementwise('where', 0, [pick(['f', 'i']), 'b', 'f', 'f'])(),
    () => elementwise('cast', 0, [fkind(), fkind()])(),
    () => elementwise('fill', 0, [fkind()])(),
    () => {  // reduce: [op, ndim, dimsMask, 0, 0, shape, xOffset, xStrides]
      const nd = int(5), s = shape(nd), v = view(s), mask = int(1 << nd), op = int(8);
      const kept = numel(s.filter((_, d) => !((mask >> d) & 1))) + pick([0, 0, -1, 1]);
      const out = buf(op === 5 || op === 6 ? 'i' : 'f', Math.max(0, kept));
      const idx = rnd() < 0.5 ? buf('i', Math.max(0, kept)) : undefined;
      native.reduce!(new Float64Array([op, nd, mask, 0, 0, ...s, v.off, ...v.st]), buf('f', v.len), out, idx);
    },
    () => {  // matmul: [M, N, K, batchNdim, accumulate, batch, a view, b view]
      const bn = int(3), batch = shape(bn), M = pick(SIZES), N = pick(SIZES), K = pick(SIZES);
      const a = view([...batch, M, K]), b = view([...batch, K, N]);
      const meta = [M, N, K, bn, int(2), ...batch, a.off, ...a.st, b.off, ...b.st];
      const c = buf('f', Math.max(0, numel(batch) * M * N + pick([0, 0, -1, 5])));
      native.matmul!(new Float64Array(meta), buf('f', a.len), buf('f', b.len), c);
    },
    () => {  // indexSelect / indexAdd: [dim, ndim, nIndices, xOffset, indexOffset, shape]
      const nd = 1 + int(4), s = shape(nd), dim = int(nd), k = pick([0, 1, 3, 7]), size = s[dim]!;
      const rows = numel(s.slice(0, dim)) * k * numel(s.slice(dim + 1));
      const idx = new Int32Array(k + int(2)).map(() => int(2 * size + 3) - size - 1);
      const xo = pick([0, 0, 1]), meta = new Float64Array([dim, nd, k, xo, 0, ...s]);
      const kind = rnd() < 0.5 ? fkind() : 'f';
      const x = buf(kind, numel(s) + xo + pick([0, -1, 2])), other = buf(kind, rows + pick([0, 0, -1]));
      native[rnd() < 0.5 ? 'indexSelect' : 'indexAdd']!(meta, x, idx, other);
    },
    () => {  // gather / scatterAdd: [dim, ndim, 0, 0, 0, indexShape, xShape, views...]
      const nd = 1 + int(3), xs = shape(nd), dim = int(nd);
      const is = xs.map((n, d) => (d === dim ? pick([0, 1, 2, 5]) : Math.max(0, n - int(2))));
      const xv = view(xs), iv = view(is), sv = view(is);
      const idx = new Int32Array(iv.len).map(() => int(xs[dim]! + 2) - 1);
      const head = [dim, nd, 0, 0, 0, ...is, ...xs, xv.off, ...xv.st, iv.off, ...iv.st];
      if (rnd() < 0.5) {
        const kind = fkind();
        native.gather!(new Float64Array(head), buf(kind, xv.len), idx, buf(kind, numel(is) + pick([0, 0, -1])));
      } else {
        native.scatterAdd!(new Float64Array([...head, sv.off, ...sv.st]), buf('f', xv.len), idx, buf('f', sv.len));
      }
    },
    () => {  // optimizer steps: [n, paramOffset, gradOffset, hyper-parameters...], then buffers
      const [fn, hypers, states] = pick([['sgdStep', 7, 1], ['adamStep', 9, 3], ['rmspropStep', 7, 3], ['adagradStep', 6, 1]] as const);
      const k = pick([0, 1, 5, 17, 33]), po = pick([0, 0, 2, -1]), go = pick([0, 0, 3]);
      const meta = [k, po, go, ...Array.from({ length: hypers }, () => pick([0, 1, 0.9, 0.5, 1e-8, -1, 2]))];
      const len = (off: number) => Math.max(0, k + off + pick([0, 0, -1, 4]));
      const state = () => (rnd() < 0.15 ? undefined : buf('f', len(0)));
      native[fn]!(new Float64Array(meta), buf('f', len(po)), buf('f', len(go)), ...Array.from({ length: states }, state));
    },
    () => {  // storage alignment query (src/storage.ts): any storage, or not storage at all
      const gap = native.alignmentGap!(pick([buf('f', int(9)), buf('i', 1), buf('b', 0), undefined, 3, new Float64Array(2)] as unknown[])) as unknown;
      if (typeof gap !== 'number' || !(gap >= 0 && gap < 64)) throw new Error(`alignmentGap returned ${gap}`);
    },
    () => {  // fused cross-entropy: [n, c, ignoreIndex, reduction, offset, targetOffset, gradStride]
      const n = pick([0, 1, 2, 5, 17]), c = pick([0, 1, 3, 10, 33]), red = pick([0, 1, 2, 2, 3]);
      const near = (k: number) => Math.max(0, k + pick([0, 0, 0, -1, 1]));
      const off = pick([0, 0, 1, -1]), toff = pick([0, 0, 2]), gs = pick([1, 1, 0, -1, 2]);
      const meta = new Float64Array([n, c, pick([-100, -100, 0, 2]), red, off, toff, gs]);
      // Targets in [-4, 4]: some out of range, or equal to the ignore index.
      const target = rnd() < 0.1 ? buf('f', near(n + toff)) : buf('i', near(n + toff)).map((v) => (rnd() < 0.7 ? Math.abs(v) % Math.max(c, 1) : v));
      if (rnd() < 0.5) native.crossEntropyForward!(meta, buf('f', near(n * c + off)), target, buf('f', near(n * c)), buf('f', near(red === 0 ? n : 1)));
      else native.crossEntropyBackward!(meta, buf('f', near(n * c)), target, buf('f', near((red === 0 ? n : 1) * Math.max(gs, 1) + off)), buf('f', near(n * c)));
    },
    () => {
      const k = pick([0, 1, 5, 17]), state = new Uint32Array(4).map(() => int(2 ** 32));
      native.randomPermutation!(state, buf('i', Math.max(0, k + pick([0, -1, 1]))), k);
    },
    () => {  // alignHugePages(buffer of bytes + hugePageBytes, bytes): one reused 2 MiB buffer
      const bytes = pick([0, 1, 64, 4096, HUGE.length - HUGE_PAGE, HUGE.length - HUGE_PAGE + 1, -1, 0.5, NaN]);
      const b = pick<unknown>([HUGE, HUGE, HUGE.subarray(int(64)), new Float32Array(HUGE.buffer, 0, HUGE.length >> 2), new Uint8Array(3), [], null]);
      const at = native.alignHugePages!(b, bytes) as unknown as number;
      if (!(Number.isInteger(at) && at >= 0 && at < Math.max(HUGE_PAGE, 1))) throw new Error(`alignHugePages returned ${at}`);
    },
    () => {
      const k = pick([0, 1, 5, 17]), lo = int(100) - 50, out = buf('i', Math.max(0, k + pick([0, -1, 1])));
      native.randomInt!(new Uint32Array(4), out, k, pick([lo, -(2 ** 31)]), pick([lo + 1 + int(5), 2 ** 31]));
    },
  ];
}

const PATHS = simdPaths();

describe('native boundary fuzz', () => {
  it.each(PATHS)('generated calls on the %s path return or throw RangeError/TypeError', (path) => {
    native.selectSimd(path);
    for (let chunk = 0; chunk < 3; chunk++) {
      native.setNumThreads(1 + chunk);
      const calls = makeCalls(1 + chunk);  // the same calls on every path
      const { int } = generator(7 + chunk);
      let returned = 0, rejected = 0;
      for (let i = 0; i < 1500; i++) {
        try {
          calls[int(calls.length)]!();
          returned++;
        } catch (e) {
          if (!(e instanceof RangeError || e instanceof TypeError)) throw e;
          rejected++;
        }
      }
      // Both kinds of call must be common, or the generator has drifted into testing nothing.
      expect(returned).toBeGreaterThan(300);
      expect(rejected).toBeGreaterThan(300);
    }
  });
});
