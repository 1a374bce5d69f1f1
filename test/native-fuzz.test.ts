// The raw binding under generated calls: well-formed call metadata over random shapes (sizes 0,
// 1, odd), with operand views that are usually valid (contiguous, permuted-like, broadcast,
// reversed) and sometimes not (stray strides and offsets, buffers one element short or long,
// wrong dtypes, out-of-range indices), on every SIMD path and with 1-3 threads. Every call must
// return or throw a RangeError/TypeError. Under `npm run test:asan` this is also where the
// sanitizers see the core's validation paths: it found the empty-operand pointer arithmetic
// fixed in matmul.cpp, reduce.cpp and optim.cpp. The conv / pool / softmax / scan / sort / topk /
// multinomial entry points get headers whose output sizes follow the window formula or miss it by
// one, kernels larger than the input, zero and negative sizes, short buffers and stray offsets,
// max-pool backward indices outside the plane, bad generator states. The compiled-step plan entries
// (runPlan, planCreate + planRun) get plans made of those calls (of every kernel a plan replays),
// intact or with their structure broken.
// (test/kernels-fuzz.test.ts
// checks the same kernels' results through the public API.) Deterministic: a fixed xorshift seed
// per chunk.
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
  // A conv / pool header [N, C, H, W, O, Ho, Wo] with the window [kh, kw, sh, sw, ph, pw, dh, dw]:
  // Ho / Wo as the window gives them (PyTorch's floor formula), or off by one; sizes sometimes 0
  // or negative, the kernel sometimes larger than the input. Pools have O = C (mostly).
  // Half the headers are valid throughout (`strict`: then buffers are exact too), half perturbed.
  let strict = false;
  const near = (k: number) => (strict ? k : Math.max(0, k + pick([0, 0, 0, -1, 1])));
  const windowHeader = (pool: boolean) => {
    strict = rnd() < 0.5;
    if (strict) {
      const N = pick([0, 1, 2]), C = pick([1, 2, 3, 4]), H = pick([1, 2, 3, 5, 17]), W = pick([1, 2, 5, 33]);
      const k = [1 + int(Math.min(H, 3)), 1 + int(Math.min(W, 4))], st = [1 + int(3), 1 + int(2)];
      const pd = [int(Math.floor(k[0]! / 2) + 1), int(Math.floor(k[1]! / 2) + 1)], dl = [1, 1];
      const out = (n: number, i: number) => Math.floor((n + 2 * pd[i]! - dl[i]! * (k[i]! - 1) - 1) / st[i]!) + 1;
      return { hd: [N, C, H, W, pool ? C : pick([1, 2, 4]), out(H, 0), out(W, 1)], k: [k[0]!, k[1]!, st[0]!, st[1]!, pd[0]!, pd[1]!, dl[0]!, dl[1]!] };
    }
    const N = pick([0, 1, 1, 2]), C = pick([0, 1, 2, 3, 4]), H = pick(SIZES), W = pick(SIZES);
    const O = pool ? (rnd() < 0.9 ? C : C + 1) : pick([0, 1, 2, 4, 6]);
    const k = [pick([1, 1, 2, 3, 5, 40, 0, -1]), pick([1, 2, 3, 7, 0])];
    const st = [pick([1, 1, 2, 3, 0]), pick([1, 2, 5, -1])], pd = [pick([0, 0, 1, 2, 9, -1]), pick([0, 1, 3])];
    const dl = [pick([1, 1, 2, 0]), pick([1, 1, 3])];
    const out = (n: number, i: number) => Math.floor((n + 2 * pd[i]! - dl[i]! * (k[i]! - 1) - 1) / (st[i]! || 1)) + 1 + pick([0, 0, 0, 0, 1, -1]);
    return { hd: [N, C, H, W, O, out(H, 0), out(W, 1)], k: [k[0]!, k[1]!, st[0]!, st[1]!, pd[0]!, pd[1]!, dl[0]!, dl[1]!] };
  };
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
    () => {  // matmul: [M, N, K, batchNdim, accumulate, batch, a view, b view, hasBias, biasOffset, relu]
      const bn = int(3), batch = shape(bn), M = pick(SIZES), N = pick(SIZES), K = pick(SIZES);
      const a = view([...batch, M, K]), b = view([...batch, K, N]);
      const hasBias = pick([0, 0, 1, 1, 2]), biasOffset = pick([0, 0, 1, -1]);
      const meta = [M, N, K, bn, int(2), ...batch, a.off, ...a.st, b.off, ...b.st, hasBias, biasOffset, pick([0, 0, 1, 3])];
      const c = buf('f', Math.max(0, numel(batch) * M * N + pick([0, 0, -1, 5])));
      const bias = hasBias && rnd() < 0.9 ? buf(rnd() < 0.9 ? 'f' : 'i', Math.max(0, N + Math.max(biasOffset, 0) + pick([0, 0, -1]))) : undefined;
      native.matmul!(new Float64Array(meta), buf('f', a.len), buf('f', b.len), c, bias);
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
    () => {  // fused cross-entropy: [n, c, ignoreIndex, reduction, offset, targetOffset, gradStride, inner]
      const n = pick([0, 1, 2, 5, 17]), c = pick([0, 1, 3, 10, 33]), red = pick([0, 1, 2, 2, 3]), inner = pick([1, 1, 1, 3, 0, -1]);
      const rows = n * Math.max(inner, 1);
      const near = (k: number) => Math.max(0, k + pick([0, 0, 0, -1, 1]));
      const off = pick([0, 0, 1, -1]), toff = pick([0, 0, 2]), gs = pick([1, 1, 0, -1, 2]);
      const meta = new Float64Array([n, c, pick([-100, -100, 0, 2]), red, off, toff, gs, inner]);
      // Targets in [-4, 4]: some out of range, or equal to the ignore index.
      const target = rnd() < 0.1 ? buf('f', near(rows + toff)) : buf('i', near(rows + toff)).map((v) => (rnd() < 0.7 ? Math.abs(v) % Math.max(c, 1) : v));
      if (rnd() < 0.5) native.crossEntropyForward!(meta, buf('f', near(rows * c + off)), target, buf('f', near(rows * c)), buf('f', near(red === 0 ? rows : 1)));
      else native.crossEntropyBackward!(meta, buf('f', near(rows * c)), target, buf('f', near((red === 0 ? rows : 1) * Math.max(gs, 1) + off)), buf('f', near(rows * c)));
    },
    () => {
      const k = pick([0, 1, 5, 17]), state = new Uint32Array(4).map(() => int(2 ** 32));
      native.randomPermutation!(new Float64Array([k, 0, 0]), state, buf('i', Math.max(0, k + pick([0, -1, 1]))));
    },
    // ---- the fused model kernels (binding/attention.cc, layernorm.cc, unfold.cc, index.cc, sort.cc) ----
    () => {  // attention / attentionBackward (src/call.ts encodeAttention): [L, S, E, Ev, nb, causal, hasMask, scale, 0, batch, views...]
      strict = rnd() < 0.5;
      const nb = int(3), batch = strict ? Array.from({ length: nb }, () => pick([1, 2, 3])) : shape(nb);
      const L = pick([0, 1, 2, 5, 17, 70]), S = pick([0, 1, 3, 17, 70]), E = pick([0, 1, 4, 16]), Ev = pick([0, 1, 4, 16]);
      const causal = int(2), hasMask = pick([0, 0, 1, 2]), B = numel(batch);
      // A dense [batch..., rows, cols] view, or one with stray strides / offsets.
      const rows = (r: number, c: number) => {
        const st = contiguous([...batch, r, c]);
        const off = strict ? pick([0, 0, 3]) : pick([0, 0, 1, -1]);
        const bs = st.slice(0, nb).map((x) => (strict ? x : pick([x, x, 0, -x, 2 * x])));
        const rs = strict ? c : pick([c, c, 0, c + 1, -1]);
        return { meta: [off, ...bs, rs], len: near(B * r * c + Math.max(off, 0)) };
      };
      const q = rows(L, E), k = rows(S, E), v = rows(S, Ev), m = rows(L, S);
      const head = [L, S, E, Ev, nb, causal, hasMask, pick([1, 0.25, 0, -1, NaN, 1e39]), 0, ...batch, ...q.meta, ...k.meta, ...v.meta];
      if (hasMask) head.push(...m.meta, strict ? 1 : pick([1, 1, 0, 2]));
      const mask = hasMask ? buf(pick(['f', 'b', 'b', 'i']), m.len) : rnd() < 0.9 ? undefined : buf('b', m.len);
      const out = () => buf('f', near(B * L * Ev)), lse = () => buf('f', near(B * L));
      const [qb, kb, vb] = [buf('f', q.len), buf('f', k.len), buf('f', v.len)];
      if (rnd() < 0.5) native.attention!(new Float64Array(head), qb, kb, vb, mask, out(), lse());
      else {
        const g = rows(L, Ev);
        const meta = new Float64Array([...head, ...g.meta, pick([0, 0, 1]), pick([0, 0, 1])]);
        native.attentionBackward!(meta, qb, kb, vb, mask, buf('f', g.len), out(), lse(),
          buf('f', near(B * L * E)), buf('f', near(B * S * E)), buf(rnd() < 0.9 ? 'f' : 'i', near(B * S * Ev)));
      }
    },
    () => {  // layerNorm [rows, d, eps, xOff, wOff, bOff] / layerNormBackward [rows, d, 0, gOff, xOff, meanOff, rstdOff, wOff]
      strict = rnd() < 0.5;
      const rows = pick([0, 1, 2, 7, 33]), d = pick([0, 1, 3, 16, 100]), n = rows * d;
      const off = () => (strict ? pick([0, 0, 2]) : pick([0, 0, 1, -1, 0.5]));
      const opt = (b: Buf) => (rnd() < 0.25 ? pick([undefined, null]) : b);
      if (rnd() < 0.5) {
        const offs = [off(), off(), off()], eps = strict ? 1e-5 : pick([1e-5, 0, -1, NaN]);
        native.layerNorm!(new Float64Array([rows, d, eps, ...offs]), buf(strict ? 'f' : pick(['f', 'f', 'i']), near(n + Math.max(offs[0]!, 0))),
          opt(buf('f', near(d + Math.max(offs[1]!, 0)))), opt(buf('f', near(d + Math.max(offs[2]!, 0)))),
          buf('f', near(n)), buf('f', near(rows)), buf('f', near(rows)));
      } else {
        const offs = [off(), off(), off(), off(), off()];
        native.layerNormBackward!(new Float64Array([rows, d, 0, ...offs]), buf('f', near(n + Math.max(offs[0]!, 0))),
          buf('f', near(n + Math.max(offs[1]!, 0))), buf('f', near(rows + Math.max(offs[2]!, 0))), buf('f', near(rows + Math.max(offs[3]!, 0))),
          opt(buf('f', near(d + Math.max(offs[4]!, 0)))), opt(buf('f', near(n))), opt(buf('f', near(d))), opt(buf('f', near(d))));
      }
    },
    () => {  // unfold / fold: [N, C, H, W, lh, lw, window(8), firstOffset, secondOffset]
      const { hd, k } = windowHeader(false);
      const [N, C, H, W, , Ho, Wo] = hd as [number, number, number, number, number, number, number];
      const offs = strict ? [pick([0, 0, 1]), pick([0, 0, 2])] : [pick([0, 0, 1, -1]), pick([0, 0, 1])];
      const meta = new Float64Array([N, C, H, W, Ho, Wo, ...k, ...offs]);
      const img = N * C * H * W, cols = N * C * Math.max(k[0]!, 0) * Math.max(k[1]!, 0) * Math.max(Ho, 0) * Math.max(Wo, 0);
      const kind = strict || rnd() < 0.9 ? 'f' : 'i';
      if (rnd() < 0.5) native.unfold!(meta, buf(kind, near(img + offs[0]!)), buf('f', near(cols + offs[1]!)));
      else native.fold!(meta, buf(kind, near(cols + offs[0]!)), buf('f', near(img + offs[1]!)));
    },
    () => {  // scatter (replace / add / multiply; 3 is no mode): [dim, ndim, mode, 0, 0, indexShape, outShape, views...]
      const nd = 1 + int(3), os = shape(nd), dim = int(nd);
      const is = os.map((n, d) => (d === dim ? pick([0, 1, 2, 5]) : Math.max(0, n - int(2))));
      const ov = view(os), iv = view(is), sv = view(is);
      const idx = new Int32Array(iv.len).map(() => int(os[dim]! + 2) - 1);
      const kind = fkind();
      const meta = [dim, nd, pick([0, 0, 1, 2, 3]), 0, 0, ...is, ...os, ov.off, ...ov.st, iv.off, ...iv.st, sv.off, ...sv.st];
      native.scatter!(new Float64Array(meta), buf(kind, ov.len), idx, buf(rnd() < 0.9 ? kind : fkind(), sv.len));
    },
    () => {  // cumprodBackward(meta, x, dx, grad): [outer, n, inner, 0, 0, 0, xOffset, dxOffset, gradOffset]
      const outer = pick(SIZES), n = pick([...SIZES, 100]), inner = pick([1, 1, 2, 0, 3]), m = outer * n * inner;
      const offs = [pick([0, 0, 1, -1]), pick([0, 0, 2]), pick([0, 0, 1])];
      const x = buf('f', near(m + Math.max(offs[0]!, 0))).map((v) => (rnd() < 0.2 ? 0 : v));
      const dx = rnd() < 0.05 ? x : buf(rnd() < 0.9 ? 'f' : 'i', near(m + offs[1]!));
      native.cumprodBackward!(new Float64Array([outer, n, inner, 0, 0, 0, ...offs]), x, dx, buf('f', near(m + offs[2]!)));
    },
    () => {  // adadeltaStep: [n, paramOffset, gradOffset, lr, rho, eps, weightDecay, maximize], param, grad, squareAvg, accDelta
      const k = pick([0, 1, 5, 17, 33]), po = pick([0, 0, 2, -1]), go = pick([0, 0, 3]);
      const meta = [k, po, go, ...Array.from({ length: 5 }, () => pick([0, 1, 0.9, 1e-6, -1, 2]))];
      const len = (off: number) => Math.max(0, k + off + pick([0, 0, -1, 4]));
      const state = () => (rnd() < 0.15 ? undefined : buf('f', len(0)));
      native.adadeltaStep!(new Float64Array(meta), buf('f', len(po)), buf('f', len(go)), state(), state());
    },
    () => {  // alignHugePages(buffer of bytes + hugePageBytes, bytes): one reused 2 MiB buffer
      const bytes = pick([0, 1, 64, 4096, HUGE.length - HUGE_PAGE, HUGE.length - HUGE_PAGE + 1, -1, 0.5, NaN]);
      const b = pick<unknown>([HUGE, HUGE, HUGE.subarray(int(64)), new Float32Array(HUGE.buffer, 0, HUGE.length >> 2), new Uint8Array(3), [], null]);
      const at = native.alignHugePages!(b, bytes) as unknown as number;
      if (!(Number.isInteger(at) && at >= 0 && at < Math.max(HUGE_PAGE, 1))) throw new Error(`alignHugePages returned ${at}`);
    },
    () => {
      const k = pick([0, 1, 5, 17]), lo = int(100) - 50, out = buf('i', Math.max(0, k + pick([0, -1, 1])));
      native.randomInt!(new Float64Array([k, pick([lo, -(2 ** 31)]), pick([lo + 1 + int(5), 2 ** 31])]), new Uint32Array(4), out);
    },
    // ---- the kernels of the conv / attention models (binding/conv.cc, softmax.cc, sort.cc) ----
    () => {  // conv2d / conv2dBackward / conv2dOutputSize: [N, C, H, W, O, Ho, Wo, window(8), groups, offsets]
      const { hd, k } = windowHeader(false);
      const groups = strict ? pick([1, 1, 2]) : pick([1, 1, 2, 3, 0, -1]);
      if (strict) [hd[1], hd[4]] = [groups * hd[1]!, groups * hd[4]!];  // C and O divisible by groups
      const [N, C, H, W, O, Ho, Wo] = hd as [number, number, number, number, number, number, number];
      const cg = groups > 0 ? Math.floor(C / groups) : C;
      const off = () => (strict ? pick([0, 0, 1]) : pick([0, 0, 0, 1, -1]));
      const xs = N * C * H * W, ws = O * cg * k[0]! * k[1]!, os = N * O * Ho * Wo;
      const fit = (n: number, o: number) => near(n + Math.max(o, 0));
      const r = int(4);
      if (r === 0) native.conv2dOutputSize!(new Float64Array([...hd, ...k, groups]));
      else if (r === 1) {
        const offs = [off(), off(), off(), off()];
        const bias = rnd() < 0.3 ? undefined : buf('f', fit(O, offs[2]!));
        native.conv2d!(new Float64Array([...hd, ...k, groups, ...offs]), buf(strict || rnd() < 0.9 ? 'f' : 'i', fit(xs, offs[0]!)),
          buf('f', fit(ws, offs[1]!)), bias, buf('f', fit(os, offs[3]!)));
      } else {
        // gradOut, x, w, gradX, gradW, gradB; gradX needs w, gradW needs x (else a RangeError).
        const offs = [off(), off(), off(), off(), off(), off()];
        const opt = (b: Buf) => (rnd() < 0.2 ? undefined : b);
        native.conv2dBackward!(new Float64Array([...hd, ...k, groups, ...offs]), buf('f', fit(os, offs[0]!)), opt(buf('f', fit(xs, offs[1]!))),
          opt(buf('f', fit(ws, offs[2]!))), opt(buf('f', fit(xs, offs[3]!))), opt(buf('f', fit(ws, offs[4]!))), opt(buf('f', fit(O, offs[5]!))));
      }
    },
    () => {  // max / avg pools: [N, C, H, W, C, Ho, Wo, window(8), ceilMode, countIncludePad, divisor, offsets]
      const avg = rnd() < 0.5;
      const { hd, k } = windowHeader(true);
      const [N, C, H, W, , Ho, Wo] = hd;
      if (avg) { k[6] = pick([1, 1, 1, 2]); k[7] = pick([1, 1, 1, 2]); }
      const own = strict ? [0, pick([0, 1]), pick([0, 0, 2])] : [pick([0, 0, 1, 2]), pick([0, 1, 1]), pick([0, 0, 0, 2, -1])];
      const offs = strict ? [0, 0, 0] : [pick([0, 0, 1, -1]), pick([0, 0, 1]), pick([0, 0, 2])];
      const meta = new Float64Array([...hd, ...k, ...own, ...offs]);
      const inN = N! * C! * H! * W!, outN = N! * C! * Ho! * Wo!;
      const r = int(3);
      if (r === 0) native[avg ? 'avgPool2dOutputSize' : 'maxPool2dOutputSize']!(new Float64Array([...hd, ...k, ...own]));
      else if (avg) {
        if (r === 1) native.avgPool2d!(meta, buf('f', near(inN + 1)), buf('f', near(outN + 2)));
        else native.avgPool2dBackward!(meta, buf('f', near(outN + 1)), buf('f', near(inN + 2)));
      } else {
        // The backward's indices come from anywhere in [-2, H·W + 2): the kernel must check them.
        const idx = new Int32Array(near(outN + 2)).map(() => (strict ? int(H! * W!) : int(H! * W! + 4) - 2));
        if (r === 1) native.maxPool2d!(meta, buf(strict ? 'f' : pick(['f', 'f', 'i']), near(inN + 1)), buf('f', near(outN + 2)), buf('i', near(outN + 2)));
        else native.maxPool2dBackward!(meta, buf('f', near(outN + 1)), idx, buf('f', near(inN + 2)));
      }
    },
    () => {  // adaptiveAvgPool2d (+ backward): [N, C, H, W, C', Ho, Wo, xOffset, outOffset]
      const N = pick(SIZES), C = pick([0, 1, 3]), H = pick(SIZES), W = pick(SIZES);
      const Ho = pick([0, 1, 2, 5, 40, -1]), Wo = pick([1, 2, 7, 0]);
      const meta = new Float64Array([N, C, H, W, rnd() < 0.9 ? C : C + 1, Ho, Wo, pick([0, 0, 1, -1]), pick([0, 0, 1])]);
      const inN = N * C * H * W, outN = N * C * Math.max(Ho, 0) * Math.max(Wo, 0);
      if (rnd() < 0.5) native.adaptiveAvgPool2d!(meta, buf('f', near(inN + 1)), buf('f', near(outN + 1)));
      else native.adaptiveAvgPool2dBackward!(meta, buf('f', near(outN + 1)), buf('f', near(inN + 1)));
    },
    () => {  // softmax family: [outer, n, inner, firstOffset, secondOffset]
      const outer = pick(SIZES), n = pick([...SIZES, 100]), inner = pick([1, 1, 2, 3, 0]), m = outer * n * inner;
      const o1 = pick([0, 0, 1, -1, 3]), o2 = pick([0, 0, 2]);
      const meta = new Float64Array(rnd() < 0.1 ? [outer, n, inner] : [outer, n, inner, o1, o2]);
      const fn = pick(['softmax', 'logSoftmax', 'softmaxBackward', 'logSoftmaxBackward']);
      const kind = rnd() < 0.1 ? 'i' : 'f';
      if (fn.endsWith('Backward')) native[fn]!(meta, buf(kind, near(m + Math.max(o1, 0))), buf('f', near(m + o2)), buf('f', near(m)));
      else native[fn]!(meta, buf(kind, near(m + Math.max(o1, 0))), buf('f', near(m)));
    },
    () => {  // cumsum / cumprod / sort / topk: [outer, n, inner, p0, p1, p2, xOffset, out0Offset, out1Offset]
      const outer = pick(SIZES), n = pick([...SIZES, 100]), inner = pick([1, 1, 2, 0, 3]), m = outer * n * inner;
      const fn = pick(['cumsum', 'cumprod', 'sort', 'topk']);
      const kk = fn === 'topk' ? pick([0, 1, Math.min(n, 3), n, n + 1, -1]) : pick([0, 1, 1, 2]);
      const offs = [pick([0, 0, 1, -1]), pick([0, 0, 2]), pick([0, 0, 1])];
      const meta = new Float64Array([outer, n, inner, kk, pick([0, 1, 1, 2]), pick([0, 1]), ...offs]);
      const kind = pick(['f', 'f', 'i', 'b']), outM = fn === 'topk' ? outer * Math.max(kk, 0) * inner : m;
      const x = buf(kind, near(m + Math.max(offs[0]!, 0)));
      if (fn === 'cumsum' || fn === 'cumprod') native[fn]!(meta, x, rnd() < 0.2 ? x : buf(rnd() < 0.8 ? kind : 'f', near(m + offs[1]!)));
      else native[fn]!(meta, x, buf(rnd() < 0.8 ? kind : 'i', near(outM + offs[1]!)), buf('i', near(outM + offs[2]!)));
    },
    () => {  // multinomial(meta, state, probs, out): p0 = numSamples, p1 = replacement
      const rows = pick([0, 1, 2, 5]), k = pick([0, 1, 3, 17]), num = pick([0, 1, 2, k, k + 1, -1]);
      const meta = new Float64Array([rows, k, 1, num, pick([0, 1, 1, 1, 2]), 0, pick([0, 0, 1]), pick([0, 0, 1]), 0]);
      const probs = new Float32Array(Math.max(0, rows * k + 1 + pick([0, 0, 0, -1, -2]))).map(() => (rnd() < 0.9 ? pick([0, 0.5, 1, 2]) : pick([-1, NaN, Infinity])));
      const state = rnd() < 0.8 ? new Uint32Array(4).map(() => int(2 ** 32)) : pick<unknown>([new Uint32Array(2), new Int32Array(4), undefined]);
      native.multinomial!(meta, state, probs, buf('i', near(rows * Math.max(num, 0) + 1)));
    },
    () => {  // random fills: meta [n, a, b], state (Uint32Array(4), sometimes not), out
      const fn = pick(['randomUniform', 'randomNormal', 'randomDropoutMask', 'randomInt', 'randomPermutation']);
      const k = pick([0, 1, 5, 17]), ints = fn === 'randomInt' || fn === 'randomPermutation';
      const state = rnd() < 0.8 ? new Uint32Array(4).map(() => int(2 ** 32)) : pick<unknown>([new Uint32Array(3), new Int32Array(4), new Float32Array(4), undefined]);
      const meta = new Float64Array([rnd() < 0.9 ? k : pick([-1, 0.5, NaN, 2 ** 60]), pick([0, -3, 0.5, NaN, 1e300]), pick([1, 4, 0.25, Infinity])]);
      native[fn]!(rnd() < 0.95 ? meta : meta.subarray(0, int(3)), state, buf(rnd() < 0.9 ? (ints ? 'i' : 'f') : 'b', near(k)));
    },
  ];
}

/**
 * Compiled-step plans (binding/plan.cc runPlan, planCreate + planRun) whose steps are calls of the
 * kernel generators above, taken in turn (their metas and buffers, captured instead of run; a
 * generator that calls no kernel a plan replays gives no step), sometimes with the plan's
 * structure broken: a kernel id, operand count, buffer index or meta length out of range,
 * trailing or missing values, a meta cut short, buffers swapped between steps. A plan handle is
 * run a few times, between runs with a per-run buffer swapped for one of another length or type
 * and a mutable meta slot rewritten (what a handle keeps decoded must be decoded again then).
 */
function makePlanCall(seed: number, calls: (() => void)[], planned: Set<string>) {
  const { rnd, int, pick } = generator(seed);
  const ids = (loadedAddon as unknown as { planKernels: Record<string, number> }).planKernels;
  const magic = (loadedAddon as unknown as { planMagic: number }).planMagic;
  // The generators in turn (a random pick would leave some kernel out of a chunk's plans).
  let turn = 0;
  const capture = (): { name: string; args: unknown[] } | null => {
    let got: { name: string; args: unknown[] } | null = null;
    const saved = Object.keys(ids).map((k) => [k, native[k]!] as const);
    for (const [k] of saved) native[k] = (...args: unknown[]) => void (got ??= { name: k, args });
    try {
      calls[turn++ % calls.length]!();
    } catch {
      // a generator that threw before its call (or a non-kernel generator): nothing captured
    } finally {
      for (const [k, f] of saved) native[k] = f;
    }
    return got;
  };
  return () => {
    const steps: { name: string; args: unknown[] }[] = [];
    while (steps.length < 1 + int(3)) {
      const c = capture();
      if (c) {
        steps.push(c);
        planned.add(c.name);
      }
    }
    const buffers: unknown[] = [];
    const header: number[] = [magic, steps.length];
    const metaSlots: number[] = [];
    for (const { name, args } of steps) {
      const [meta, ...ops] = args as [Float64Array, ...unknown[]];
      const index = ops.map((o) => {
        if (o === undefined || o === null) return -1;
        buffers.push(o);
        return buffers.length - 1;
      });
      header.push(rnd() < 0.97 ? ids[name]! : pick([-1, 999, 0.5, NaN]), rnd() < 0.97 ? index.length : pick([index.length + 1, 11, -1]));
      header.push(...index.map((i) => (rnd() < 0.97 ? i : pick([-2, buffers.length, i + 1, 0.5]))));
      const m = rnd() < 0.95 ? Array.from(meta) : Array.from(meta.subarray(0, int(meta.length + 1)));
      header.push(rnd() < 0.98 ? m.length : pick([m.length + 1, m.length + 100, -1]));
      for (let i = 0; i < m.length; i++) metaSlots.push(header.length + i);
      header.push(...m);
    }
    if (rnd() < 0.03) header.push(0);
    if (rnd() < 0.03) header.length = int(header.length);
    if (buffers.length > 1 && rnd() < 0.05) buffers.reverse();
    const plan = Float64Array.from(header);
    const typed = buffers.filter((b) => ArrayBuffer.isView(b));
    if (typed.length !== buffers.length) return native.runPlan!(plan, buffers);  // a non-typed-array buffer: refused
    if (rnd() < 0.5) return native.runPlan!(plan, typed);
    const dynamic = int(typed.length + 1);
    const mutable = metaSlots.filter(() => rnd() < 0.2);
    if (rnd() < 0.03) mutable.push(pick([0, 1, 2, plan.length, -1]));
    const create = native.planCreate as unknown as (p: Float64Array, b: unknown[], d: number, m: number[]) => unknown;
    const handle = create(plan, typed.slice(dynamic), rnd() < 0.97 ? dynamic : pick([-1, dynamic + 1, 0.5]), mutable);
    const run = native.planRun as unknown as (h: unknown, b: unknown[]) => void;
    const perRun = typed.slice(0, dynamic) as ArrayBufferView[];
    let failure: unknown = null;
    for (let r = 0, runs = 1 + int(4); r < runs; r++) {
      if (r > 0 && perRun.length > 0 && rnd() < 0.5) {
        const i = int(perRun.length), b = perRun[i] as Float32Array;
        perRun[i] = pick([
          () => new Float32Array(Math.max(0, b.length + pick([-1, 1, -b.length]))),
          () => new Int32Array(b.length),
          () => new Uint8Array(b.length),
          () => new Float32Array(b.length),
        ])();
      }
      if (r > 0 && mutable.length > 0 && rnd() < 0.5) {
        const slot = pick(mutable);
        if (slot >= 0 && slot < plan.length) plan[slot] = pick([plan[slot]! + 1, plan[slot]! - 1, 0, -1, 1e9, NaN, 0.5, plan[slot]!]);
      }
      try {
        run(handle, rnd() < 0.97 ? perRun : typed);
      } catch (e) {
        failure ??= e;  // a later run must still return or throw a JS error
      }
    }
    if (failure) throw failure;
  };
}

const PATHS = simdPaths();

describe('native boundary fuzz', () => {
  // Per generator (index into makeCalls' list), over every path: calls that returned / threw.
  const outcomes = new Map<number, { returned: number; rejected: number }>();
  // The kernels the generated plans had steps of.
  const planned = new Set<string>();
  it.each(PATHS)('generated calls on the %s path return or throw RangeError/TypeError', (path) => {
    native.selectSimd(path);
    for (let chunk = 0; chunk < 3; chunk++) {
      native.setNumThreads(1 + chunk);
      const kernels = makeCalls(1 + chunk);  // the same calls on every path
      const calls = [...kernels, makePlanCall(100 + chunk, kernels, planned)];
      const { int } = generator(7 + chunk);
      let returned = 0, rejected = 0;
      for (let i = 0; i < 1500; i++) {
        // Every fourth call a plan (its steps are the generators' calls, in turn): enough plans
        // that their steps cover every kernel a plan replays (the last test below).
        const which = i % 4 === 0 ? calls.length - 1 : int(calls.length);
        const o = outcomes.get(which) ?? { returned: 0, rejected: 0 };
        outcomes.set(which, o);
        try {
          calls[which]!();
          returned++;
          o.returned++;
        } catch (e) {
          if (!(e instanceof RangeError || e instanceof TypeError)) throw e;
          rejected++;
          o.rejected++;
        }
      }
      // Both kinds of call must be common, or the generator has drifted into testing nothing.
      expect(returned).toBeGreaterThan(300);
      expect(rejected).toBeGreaterThan(300);
    }
  });

  it('every generator makes both valid calls and rejected ones', () => {
    // A generator whose calls all fail tests only argument decoding; one whose calls all pass
    // tests no validation.
    for (const [which, o] of [...outcomes].sort((a, b) => a[0] - b[0])) {
      expect(o.returned, `generator ${which} never returned`).toBeGreaterThan(0);
      expect(o.rejected, `generator ${which} never threw`).toBeGreaterThan(0);
    }
  });

  it('the generated plans have steps of every kernel a plan replays', () => {
    const ids = (loadedAddon as unknown as { planKernels: Record<string, number> }).planKernels;
    expect(Object.keys(ids).filter((k) => !planned.has(k))).toEqual([]);
  });
});
