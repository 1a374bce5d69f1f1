// The native addon's interface (binding/*.cc). The call metadata each function takes is
// written by src/call.ts; kernel codes are the addon's own (opCodes), read through the op
// registry (src/ops/registry.ts).
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Storage = Float32Array | Int32Array | Uint8Array;

/** One tensor of a safetensors header, as binding/io.cc parses it: byte range [begin, end) of the data. */
export interface SafetensorsEntry {
  name: string;
  dtype: string;
  target: 'float32' | 'int32' | 'bool';
  shape: number[];
  begin: number;
  end: number;
}

export interface Native {
  unary(meta: Float64Array, out: Storage, x: Storage): void;
  binary(meta: Float64Array, out: Storage, a: Storage, b: Storage): void;
  binaryScalar(meta: Float64Array, out: Storage, a: Storage): void;
  binaryInt(meta: Float64Array, out: Storage, a: Storage, b: Storage): void;
  compare(meta: Float64Array, out: Storage, a: Storage, b: Storage): void;
  compareScalar(meta: Float64Array, out: Storage, a: Storage): void;
  where(meta: Float64Array, out: Storage, cond: Storage, a: Storage, b: Storage): void;
  cast(meta: Float64Array, out: Storage, x: Storage): void;
  fill(meta: Float64Array, out: Storage): void;
  reduce(meta: Float64Array, x: Storage, out: Storage, indices?: Int32Array): void;
  // bias: the epilogue's (binding/linalg.cc), passed when meta's hasBias is set.
  matmul(meta: Float64Array, a: Storage, b: Storage, c: Storage, bias?: Storage): void;
  indexSelect(meta: Float64Array, x: Storage, index: Int32Array, out: Storage): void;
  indexAdd(meta: Float64Array, out: Storage, index: Int32Array, src: Storage): void;
  gather(meta: Float64Array, x: Storage, index: Int32Array, out: Storage): void;
  scatterAdd(meta: Float64Array, out: Storage, index: Int32Array, src: Storage): void;
  // torch.scatter in place on out (meta[2]: 0 replace, 1 add, 2 multiply); src has out's dtype.
  scatter(meta: Float64Array, out: Storage, index: Int32Array, src: Storage): void;
  // Random fills (binding/random.cc): meta = [n, a, b] (src/call.ts encodeRandom); the state is advanced in place.
  randomUniform(meta: Float64Array, state: Uint32Array, out: Float32Array): void;
  randomNormal(meta: Float64Array, state: Uint32Array, out: Float32Array): void;
  randomDropoutMask(meta: Float64Array, state: Uint32Array, mask: Float32Array): void;
  randomInt(meta: Float64Array, state: Uint32Array, out: Int32Array): void;
  randomPermutation(meta: Float64Array, state: Uint32Array, out: Int32Array): void;
  // Optimizer steps (binding/optim.cc): meta = [n, param offset, grad offset, hyper-parameters...].
  sgdStep(meta: Float64Array, param: Float32Array, grad: Float32Array, buf?: Float32Array): void;
  adamStep(meta: Float64Array, param: Float32Array, grad: Float32Array, expAvg: Float32Array, expAvgSq: Float32Array, maxExpAvgSq?: Float32Array): void;
  rmspropStep(meta: Float64Array, param: Float32Array, grad: Float32Array, squareAvg: Float32Array, gradAvg?: Float32Array, momentumBuffer?: Float32Array): void;
  adadeltaStep(meta: Float64Array, param: Float32Array, grad: Float32Array, squareAvg: Float32Array, accDelta: Float32Array): void;
  adagradStep(meta: Float64Array, param: Float32Array, grad: Float32Array, sum: Float32Array): void;
  // Convolution and pooling (binding/conv.cc); meta from src/call.ts encodeConv. Undefined
  // operands are skipped (a gradient not wanted, no bias).
  conv2d(meta: Float64Array, x: Float32Array, w: Float32Array, bias: Float32Array | undefined, out: Float32Array): void;
  conv2dBackward(meta: Float64Array, gradOut: Float32Array, x: Float32Array | undefined, w: Float32Array | undefined, gradX: Float32Array | undefined, gradW: Float32Array | undefined, gradB: Float32Array | undefined): void;
  conv2dOutputSize(meta: Float64Array): [number, number];
  maxPool2d(meta: Float64Array, x: Float32Array, out: Float32Array, indices: Int32Array): void;
  maxPool2dBackward(meta: Float64Array, gradOut: Float32Array, indices: Int32Array, gradX: Float32Array): void;
  maxPool2dOutputSize(meta: Float64Array): [number, number];
  avgPool2d(meta: Float64Array, x: Float32Array, out: Float32Array): void;
  avgPool2dBackward(meta: Float64Array, gradOut: Float32Array, gradX: Float32Array): void;
  avgPool2dOutputSize(meta: Float64Array): [number, number];
  adaptiveAvgPool2d(meta: Float64Array, x: Float32Array, out: Float32Array): void;
  adaptiveAvgPool2dBackward(meta: Float64Array, gradOut: Float32Array, gradX: Float32Array): void;
  // F.unfold / F.fold (binding/unfold.cc); meta from src/call.ts encodeUnfold.
  unfold(meta: Float64Array, x: Float32Array, cols: Float32Array): void;
  fold(meta: Float64Array, cols: Float32Array, x: Float32Array): void;
  // Fused softmax family (binding/softmax.cc); meta from src/call.ts encodeSoftmax.
  softmax(meta: Float64Array, x: Float32Array, out: Float32Array): void;
  logSoftmax(meta: Float64Array, x: Float32Array, out: Float32Array): void;
  softmaxBackward(meta: Float64Array, grad: Float32Array, out: Float32Array, gradIn: Float32Array): void;
  logSoftmaxBackward(meta: Float64Array, grad: Float32Array, out: Float32Array, gradIn: Float32Array): void;
  // Fused scaled dot-product attention (binding/attention.cc); meta from src/call.ts encodeAttention.
  // mask: undefined when meta's hasMask is 0; out, lse and the gradients dense from offset 0.
  attention(meta: Float64Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | Uint8Array | undefined, out: Float32Array, lse: Float32Array): void;
  attentionBackward(meta: Float64Array, q: Float32Array, k: Float32Array, v: Float32Array, mask: Float32Array | Uint8Array | undefined, grad: Float32Array, out: Float32Array, lse: Float32Array, gradQ: Float32Array, gradK: Float32Array, gradV: Float32Array): void;
  // Fused layerNorm (binding/layernorm.cc); meta from src/call.ts encodeLayerNorm. Undefined
  // operands: no weight / bias, or a gradient not wanted.
  layerNorm(meta: Float64Array, x: Float32Array, w: Float32Array | undefined, b: Float32Array | undefined, y: Float32Array, mean: Float32Array, rstd: Float32Array): void;
  layerNormBackward(meta: Float64Array, grad: Float32Array, x: Float32Array, mean: Float32Array, rstd: Float32Array, w: Float32Array | undefined, gradIn: Float32Array | undefined, gradWeight: Float32Array | undefined, gradBias: Float32Array | undefined): void;
  // Scans, sorting and multinomial (binding/sort.cc); meta from src/call.ts encodeSort;
  // multinomial's state as the random fills' (advanced in place).
  cumsum(meta: Float64Array, x: Float32Array | Int32Array, out: Float32Array | Int32Array): void;
  cumprod(meta: Float64Array, x: Float32Array | Int32Array, out: Float32Array | Int32Array): void;
  cumprodBackward(meta: Float64Array, x: Float32Array, dx: Float32Array, grad: Float32Array): void;
  sort(meta: Float64Array, x: Float32Array | Int32Array, values: Float32Array | Int32Array, indices: Int32Array): void;
  topk(meta: Float64Array, x: Float32Array | Int32Array, values: Float32Array | Int32Array, indices: Int32Array): void;
  multinomial(meta: Float64Array, state: Uint32Array, probs: Float32Array, out: Int32Array): void;
  // Fused cross-entropy (binding/loss.cc): meta = [n, c, ignoreIndex, reduction, logits or grad
  // offset, target offset, grad stride, inner]; probs (log-probabilities), out and dx from offset 0.
  crossEntropyForward(meta: Float64Array, logits: Float32Array, target: Int32Array, probs: Float32Array, out: Float32Array): void;
  crossEntropyBackward(meta: Float64Array, probs: Float32Array, target: Int32Array, grad: Float32Array, dx: Float32Array): void;
  // safetensors (binding/io.cc): the header's entries, and one entry's bytes converted into dst.
  safetensorsParse(bytes: Uint8Array, op: string): { entries: SafetensorsEntry[]; metadata: [string, string][] };
  safetensorsConvert(bytes: Uint8Array, dtype: string, begin: number, end: number, dst: Storage, name: string, op: string): void;
  simd(): 'avx512' | 'avx2' | 'sse2' | 'neon' | 'scalar';
  selectSimd(name: string): boolean;
  simdSupported(): Array<'avx512' | 'avx2' | 'sse2' | 'neon' | 'scalar'>;
  cpuFeatures(): string[];
  getNumThreads(): number;
  setNumThreads(n: number): void;
  adviseHugePages(data: Storage): void;
  // Bytes from data's first element to the next 64-byte boundary (cpp/core/placement.cpp).
  alignmentGap(data: Storage): number;
  // Offset of the first 2 MiB boundary in `buffer` (bytes + hugePageBytes long); advises huge
  // pages for the whole 2 MiB blocks of the `bytes` from there (cpp/core/placement.cpp).
  alignHugePages(buffer: Uint8Array, bytes: number): number;
  hugePageBytes: number;  // 0 where there is no huge page hint: then nothing is over-allocated
  // Detaches an ArrayBuffer, which frees its memory now (src/storage.ts: dispose).
  detachBuffer(buffer: ArrayBuffer): void;
  napiVersion: number;
  // Compiled steps (binding/plan.cc): every step of a recorded plan in one call, synchronously
  // or on a libuv worker thread; plan layout in binding/plan.cc, written by src/jit/plan.ts.
  runPlan(plan: Float64Array, buffers: Storage[]): void;
  runPlanAsync(plan: Float64Array, buffers: Storage[]): Promise<void>;
  // The same with the plan parsed and copied and its own buffers (indices >= dynamicCount)
  // resolved once: planRun / planRunAsync take the per-run buffers (indices < dynamicCount)
  // only, and read again only the header slots named in mutableSlots (each inside a step's meta).
  planCreate(plan: Float64Array, staticBuffers: Storage[], dynamicCount: number, mutableSlots?: number[]): unknown;
  planRun(handle: unknown, dynamicBuffers: Storage[]): void;
  planRunAsync(handle: unknown, dynamicBuffers: Storage[]): Promise<void>;
  /** The replayable kernels: JS entry name -> kernel id in a plan. */
  planKernels: Readonly<Record<string, number | undefined>>;
  planMagic: number;
  /** Kernel name -> code, per kernel table: generated from the X-macro lists in cpp/kernels/ops.h. */
  opCodes: Readonly<Record<'unary' | 'binary' | 'compare' | 'intBinary' | 'reduce', Readonly<Record<string, number | undefined>>>>;
}

function packageRoot(): string {
  // dist/index.{mjs,cjs} and src/native.ts both sit one level below the package root.
  const here = typeof __dirname === 'string' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
  return path.resolve(here, '..');
}

function load(): Native {
  const root = packageRoot();
  const require = createRequire(path.join(root, 'package.json'));
  // TG_ADDON_PATH names one .node file to load instead of the one node-gyp-build finds; for
  // development only: `npm run test:asan` points it at the sanitizer build (build-asan/) so
  // the whole suite, worker threads included, runs on instrumented code.
  const override = process.env.TG_ADDON_PATH;
  try {
    if (override) return require(path.resolve(override)) as Native;
    return require('node-gyp-build')(root) as Native;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (override) throw new Error(`tensorgrad: could not load TG_ADDON_PATH=${override} (${msg}).`);
    throw new Error(
      `tensorgrad: could not load the native addon (${msg}).\n` +
        'No prebuilt binary matches this platform and none was built. Build it from source with ' +
        '`npm rebuild tensorgrad --build-from-source` (needs cmake >= 3.15 and a C++20 compiler).',
    );
  }
}

const addon: Native = load();

/**
 * The addon's functions as every op calls them: a plain object copied from the exports, so that
 * tracing (src/jit) can swap each kernel entry for a recording one and back (_setCallHook).
 */
export const native: Native = { ...addon };

/** Called before every kernel call while tracing: the entry's name and its arguments. */
export type CallHook = (name: string, args: readonly unknown[]) => void;

// Entries that read or write no tensor storage of an op (queries, settings, placement hints,
// the safetensors header parse): not recorded, run as they are while tracing.
const UNRECORDED = new Set([
  'simd', 'selectSimd', 'simdSupported', 'cpuFeatures', 'getNumThreads', 'setNumThreads',
  'adviseHugePages', 'alignmentGap', 'alignHugePages', 'detachBuffer', 'conv2dOutputSize', 'maxPool2dOutputSize',
  'avgPool2dOutputSize', 'safetensorsParse',
]);

/**
 * @internal The tracing hook (src/jit/trace.ts): with a hook, every other function of `native`
 * calls `hook(name, args)` and then the addon's function; with null, the addon's own functions
 * are put back (no cost outside tracing).
 */
export function _setCallHook(hook: CallHook | null): void {
  const n = native as unknown as Record<string, unknown>;
  for (const [name, f] of Object.entries(addon as unknown as Record<string, unknown>)) {
    if (typeof f !== 'function' || UNRECORDED.has(name)) continue;
    const fn = f as (...args: unknown[]) => unknown;
    n[name] = hook === null ? fn : (...args: unknown[]) => {
      hook(name, args);
      return fn(...args);
    };
  }
}
