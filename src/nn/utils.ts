// nn.utils: gradient clipping and flattening parameters into one vector, PyTorch 1.13's
// torch.nn.utils (clip_grad.py, convert_parameters.py) in camelCase. The norms are computed
// with tensor ops in float32, in PyTorch's order: each gradient's norm, then the norm of those
// norms, so the returned total and the scaled gradients match PyTorch's to float32 rounding.
import { noGrad } from '../autograd/grad_mode.js';
import { describe, fmtShape, rangeError, typeError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import * as E from '../ops/elementwise.js';
import * as J from '../ops/join.js';
import * as R from '../ops/reduce.js';
import * as V from '../ops/views.js';
import { Tensor } from '../tensor.js';

/** What the gradient utilities take: one tensor or an iterable of them (e.g. `model.parameters()`). */
export type TensorOrTensors = Tensor | Iterable<Tensor>;

function tensorsOf(op: string, parameters: unknown): Tensor[] {
  if (parameters instanceof Tensor) return [parameters];
  if (parameters === null || typeof parameters !== 'object' || !(Symbol.iterator in parameters))
    throw typeError(op, `parameters must be a Tensor or an iterable of Tensors, got ${describe(parameters)}`);
  const list = [...(parameters as Iterable<unknown>)];
  list.forEach((p, i) => {
    if (!(p instanceof Tensor)) throw typeError(op, `parameters[${i}] is ${describe(p)}, not a Tensor`);
    p._alive(op);
  });
  return list as Tensor[];
}

function gradsOf(op: string, parameters: unknown): Tensor[] {
  return tensorsOf(op, parameters)
    .filter((p) => p.grad !== null)
    .map((p) => {
      const g = p.grad!;
      g._alive(op);
      if (g.dtype !== 'float32') throw typeError(op, `gradients must be float32, got ${g.dtype}`);
      return g.detach();
    });
}

/** torch.norm(x, p) of a flat float32 tensor, for p > 0 finite or ±Infinity; a 0-d tensor. */
function pNorm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return R.amaxAll(E.abs(x), true);
  if (p === 2) return E.sqrt(R.sum(E.square(x)));
  if (p === 1) return R.sum(E.abs(x));
  return E.pow(R.sum(E.pow(E.abs(x), p)), 1 / p);
}

/**
 * Scales the gradients of `parameters` in place so that their total norm (over all gradients
 * together, as if concatenated into one vector) is at most `maxNorm`: every gradient is
 * multiplied by min(1, maxNorm / (total + 1e-6)). Parameters whose grad is null are skipped.
 * Returns the total norm before clipping, as a 0-d float32 tensor (0 when no parameter has a
 * gradient). `normType` is the p of the p-norm (any p > 0) or `Infinity` (also `'inf'`) for the
 * largest absolute value. With `errorIfNonfinite` a NaN or infinite total is an Error instead
 * of being used to scale.
 *
 * @example
 * ```ts
 * loss.backward();
 * nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 * ```
 */
export function clipGradNorm_(
  parameters: TensorOrTensors,
  maxNorm: number,
  normType: number | 'inf' = 2,
  opts: { errorIfNonfinite?: boolean } = {},
): Tensor {
  const op = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw typeError(op, `maxNorm must be a number, got ${describe(maxNorm)}`);
  if (maxNorm < 0) throw rangeError(op, `maxNorm must be non-negative, got ${maxNorm}`);
  const p = normType === 'inf' ? Infinity : normType;
  if (typeof p !== 'number' || !(p > 0)) throw rangeError(op, `normType must be a positive number or Infinity, got ${describe(normType)}`);
  if (opts === null || typeof opts !== 'object') throw typeError(op, `options must be an object, got ${describe(opts)}`);
  const errorIfNonfinite = opts.errorIfNonfinite ?? false;
  const grads = gradsOf(op, parameters);
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    grads.forEach((g, i) => {
      if (p === Infinity && g.numel() === 0) throw rangeError(op, `the gradient of parameter ${i} is empty (shape ${fmtShape(g._shape)}): its infinity norm is undefined`);
    });
    const norms = grads.map((g) => pNorm(g, p));
    const total = norms.length === 1 && p === Infinity ? norms[0]! : pNorm(J.stack(norms), p);
    if (errorIfNonfinite && !Number.isFinite(total.item() as number))
      throw new Error(
        `${op}: The total norm of order ${p === Infinity ? 'inf' : p} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
          'To disable this error and scale the gradients by the non-finite norm anyway, set `errorIfNonfinite: false`',
      );
    // clip_coef = max_norm / (total + 1e-6), clamped to 1, all in float32 (PyTorch's tensor math);
    // multiplying by 1 when no clipping is needed, as PyTorch does.
    const coef = E.clamp(E.div(maxNorm, E.add(total, 1e-6)), null, 1);
    for (const g of grads) g.mul_(coef);
    return total;
  });
}

/**
 * Clamps every gradient of `parameters` in place to [−clipValue, clipValue]; parameters whose
 * grad is null are skipped.
 */
export function clipGradValue_(parameters: TensorOrTensors, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw typeError(op, `clipValue must be a number, got ${describe(clipValue)}`);
  if (clipValue < 0) throw rangeError(op, `clipValue must be non-negative, got ${clipValue}`);
  const grads = gradsOf(op, parameters);
  noGrad(() => {
    for (const g of grads) g.clamp_(-clipValue, clipValue);
  });
}

/**
 * The parameters flattened and concatenated into one 1-D tensor (a copy; differentiable, as
 * PyTorch's). Non-contiguous parameters are accepted (PyTorch's view(-1) refuses them).
 */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const op = 'parametersToVector';
  const ps = tensorsOf(op, parameters);
  if (ps.length === 0) throw rangeError(op, 'expected a non-empty iterable of Tensors');
  return J.cat(ps.map((t) => V.reshape(t, [[-1]])), 0);
}

/**
 * Copies consecutive slices of the 1-D `vec` into the parameters (in place, not recorded),
 * the inverse of parametersToVector. Unlike PyTorch, which makes each parameter a view of
 * `vec` (`param.data = ...`), the values are copied (so the parameters stay the tensors an
 * optimizer holds), and a `vec` whose length is not the parameters' total is a RangeError.
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  const op = 'vectorToParameters';
  if (!(vec instanceof Tensor)) throw typeError(op, `expected a Tensor, but got ${describe(vec)}`);
  vec._alive(op);
  if (vec.dim() !== 1) throw rangeError(op, `expected a 1-D vector, got shape ${fmtShape(vec._shape)}`);
  const ps = tensorsOf(op, parameters);
  const total = ps.reduce((n, t) => n + t.numel(), 0);
  if (vec.numel() !== total) throw rangeError(op, `vector of length ${vec.numel()} does not match the parameters' ${total} elements`);
  noGrad(() => {
    let at = 0;
    for (const t of ps) {
      const n = t.numel();
      t.copy_(V.reshape(V.narrow(vec, 0, at, n), [t._shape.slice()]));
      at += n;
    }
  });
}
