// Installs the registered ops' methods on Tensor.prototype (src/ops/registry.ts). Imported
// once, by src/index.ts, after every op module has registered its ops.
import './ops/public.js';
import './ops/methods.js';
import { registeredOps } from './ops/registry.js';
import { Tensor } from './tensor.js';

type SelfFn = (self: Tensor, ...args: unknown[]) => unknown;

// A fixed-arity forwarder for the common case: no rest array per call. Every method takes at
// most four arguments after self; passing undefined for an omitted one is what the op would
// see anyway (each reads a missing argument as undefined, or its default).
function methodOf(fn: SelfFn, variadic: boolean): (this: Tensor, ...args: unknown[]) => unknown {
  if (variadic)
    return function (this: Tensor, ...args: unknown[]) {
      return fn(this, ...args);
    };
  return function (this: Tensor, a?: unknown, b?: unknown, c?: unknown, d?: unknown) {
    return fn(this, a, b, c, d);
  };
}

for (const op of registeredOps()) {
  if (op.method === null) continue;
  Object.defineProperty(Tensor.prototype, op.method, {
    value: methodOf(op.fn as unknown as SelfFn, op.variadic),
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
