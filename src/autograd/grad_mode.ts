// Whether ops record the graph. Module state, so each worker_threads environment has its own.
let enabled = true;

/** False inside noGrad() (or after setGradEnabled(false)): operations are then not recorded. */
export function isGradEnabled(): boolean {
  return enabled;
}

function withMode<T>(op: string, mode: boolean, fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`${op}: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs fn without recording the graph (torch.no_grad()). */
export function noGrad<T>(fn: () => T): T {
  return withMode('noGrad', false, fn);
}

/** Runs fn with recording on, even inside noGrad (torch.enable_grad()). */
export function enableGrad<T>(fn: () => T): T {
  return withMode('enableGrad', true, fn);
}

/** Sets the mode and returns the previous one (torch.set_grad_enabled). */
export function setGradEnabled(mode: boolean): boolean {
  const prev = enabled;
  enabled = !!mode;
  return prev;
}
