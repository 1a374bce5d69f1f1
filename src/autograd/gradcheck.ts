// Finite-difference gradient check (torch.autograd.gradcheck): compares the analytical
// Jacobian from backward with central differences, one input element at a time.
import { noGrad } from './grad_mode.js';
import { grad } from './engine.js';
import type { Tensor } from '../tensor.js';
import { zerosLike } from '../ops/creation.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw with details on mismatch (default) or return false. */
  raiseException?: boolean;
}

export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor | Tensor[], opts: GradcheckOptions = {}): boolean {
  // float32 only, so the defaults are looser than PyTorch's float64 ones.
  const eps = opts.eps ?? 1e-3, atol = opts.atol ?? 1e-3, rtol = opts.rtol ?? 1e-2;
  const xs = Array.isArray(inputs) ? inputs : [inputs];
  const diff = xs.filter((x) => x.requiresGrad);
  const out = fn(...xs);
  const outFlat = () => noGrad(() => fn(...xs)).toTypedArray() as Float32Array;
  const n = out.numel();
  for (let o = 0; o < n; o++) {
    // Row o of the analytical Jacobian: backward of a one-hot output gradient.
    const go = zerosLike(out);
    (go._data as Float32Array)[go._offset + o] = 1;
    const analytical = grad([out], diff, { gradOutputs: [go], retainGraph: true, allowUnused: true });
    for (let k = 0; k < diff.length; k++) {
      const x = diff[k]!;
      const data = x._data as Float32Array;
      const an = analytical[k]?.toTypedArray() ?? new Float32Array(x.numel());
      const strides = x._strides;
      for (let i = 0; i < x.numel(); i++) {
        // Storage index of logical element i.
        let rem = i, idx = x._offset;
        for (let d = x.dim() - 1; d >= 0; d--) {
          idx += (rem % x._shape[d]!) * strides[d]!;
          rem = Math.floor(rem / x._shape[d]!);
        }
        const orig = data[idx]!;
        data[idx] = orig + eps;
        const plus = outFlat()[o]!;
        data[idx] = orig - eps;
        const minus = outFlat()[o]!;
        data[idx] = orig;
        const numerical = (plus - minus) / (2 * eps);
        const a = an[i]!;
        if (!(Math.abs(a - numerical) <= atol + rtol * Math.abs(numerical))) {
          if (opts.raiseException === false) return false;
          throw new Error(
            `gradcheck: Jacobian mismatch for output ${o} with respect to input ${xs.indexOf(x)}, element ${i}: ` +
              `numerical ${numerical}, analytical ${a}`,
          );
        }
      }
    }
  }
  return true;
}
