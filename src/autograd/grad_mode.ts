// Whether ops record the graph. Module state, so each worker_threads environment has its own.
let enabled = true;

/** False inside noGrad() (or after setGradEnabled(false)): operations are then not recorded. */
export function isGradEnabled(): boolean {
  return enabled;
}

const warnedAsync = new Set<string>();

function withMode<T>(op: string, mode: boolean, fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`${op}: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  const prev = enabled;
  enabled = mode;
  let result: T;
  try {
    result = fn();
  } finally {
    enabled = prev;
  }
  // The mode is module state, not carried across an await: an async callback runs in this mode
  // only up to its first await. Say so once rather than let the rest silently record (or not).
  if (isThenable(result) && !warnedAsync.has(op)) {
    warnedAsync.add(op);
    process.emitWarning(
      `${op}: the callback returned a promise; grad mode is ${mode ? 'on' : 'off'} only until its first await, ` +
        `and the code after it runs in the mode of whatever runs then. Wrap each synchronous piece in ${op}() ` +
        `(or call setGradEnabled() around the awaited work yourself).`,
      { type: 'TensorgradWarning', code: 'TG_GRAD_MODE_ASYNC' },
    );
  }
  return result;
}

function isThenable(v: unknown): boolean {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/**
 * Runs fn without recording the graph (torch.no_grad()). Synchronous: for an async fn only the
 * part before its first await runs without recording (a warning says so, once).
 */
export function noGrad<T>(fn: () => T): T {
  return withMode('noGrad', false, fn);
}

/** Runs fn with recording on, even inside noGrad (torch.enable_grad()); synchronous, as noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withMode('enableGrad', true, fn);
}

/** Sets the mode and returns the previous one (torch.set_grad_enabled). */
export function setGradEnabled(mode: boolean): boolean {
  const prev = enabled;
  enabled = !!mode;
  return prev;
}
