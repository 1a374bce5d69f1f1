// Installs the registered ops' methods on Tensor.prototype (src/ops/registry.ts): src/index.ts
// calls installMethods() once. The op modules are imported by name, not for their side effects
// alone: esbuild turns a bare `import './x.js'` into lazily initialised modules everywhere in the
// bundle, whose module-level constants V8 can then no longer fold (tiny ops ran ~10% slower).
import * as MethodOps from './ops/methods.js';
import * as PublicOps from './ops/public.js';
import { registeredOps } from './ops/registry.js';
import { Tensor } from './tensor.js';

type SelfFn = (self: Tensor, ...args: unknown[]) => unknown;

// Each method gets code of its own (new Function, not one shared closure): a call site shared by
// every method would see every op as its target, go megamorphic and never inline the op, which
// costs a tiny op (a + b on one element) ~10% of its time. Fixed arity for the common case (no
// rest array per call): every method takes at most four arguments after self, and passing
// undefined for an omitted one is what the op would see anyway.
function methodOf(name: string, fn: SelfFn, variadic: boolean): (this: Tensor, ...args: unknown[]) => unknown {
  // The name in the source keeps each one distinct (V8 caches compilations by source text).
  const body = variadic
    ? `return function (...args) { /* Tensor.${name} */ return fn(this, ...args); };`
    : `return function (a, b, c, d) { /* Tensor.${name} */ return fn(this, a, b, c, d); };`;
  let method: (this: Tensor, ...args: unknown[]) => unknown;
  try {
    method = new Function('fn', body)(fn) as typeof method;
  } catch {
    // Code generation refused (node --disallow-code-generation-from-strings): one shared forwarder.
    method = variadic
      ? function (this: Tensor, ...args: unknown[]) { return fn(this, ...args); }
      : function (this: Tensor, a?: unknown, b?: unknown, c?: unknown, d?: unknown) { return fn(this, a, b, c, d); };
  }
  return Object.defineProperty(method, 'name', { value: name });
}

/** Puts every registered method on Tensor.prototype; the op modules have registered theirs by now. */
export function installMethods(): void {
  if (Object.keys(PublicOps).length === 0 || Object.keys(MethodOps).length === 0) throw new Error('tensorgrad: the op modules did not load');
  for (const op of registeredOps()) {
    if (op.method === null) continue;
    Object.defineProperty(Tensor.prototype, op.method, {
      value: methodOf(op.method, op.fn as unknown as SelfFn, op.variadic),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
