// tg.jit: compiled steps (trace once, replay in one native call). See src/jit/compiled.ts.
import { trace } from './compiled.js';

export { Compiled } from './compiled.js';
export type { CompiledStats, TraceResult } from './compiled.js';

/**
 * Compiled steps: `jit.trace(fn, exampleInputs)` records the native kernels `fn` runs and returns
 * a {@link Compiled} step whose `run(...inputs)` replays them in one native call and whose
 * `runAsync(...inputs)` does so off the JS thread (a Promise).
 */
export const jit = {
  /** Traces `fn` on `exampleInputs` and returns its compiled step (see {@link Compiled}). */
  trace,
};
