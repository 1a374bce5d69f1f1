// nn.Parameter: a leaf tensor that requires grad and that a Module registers as a parameter
// when it is assigned to one of its fields. A Tensor subclass, so `p instanceof nn.Parameter`
// and every Tensor method work; it shares storage with the tensor it wraps, as in PyTorch.
import { typeError, describe } from '../errors.js';
import { Tensor } from '../tensor.js';

export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw typeError('Parameter', `expected a Tensor, got ${describe(data)}`);
    data._alive('Parameter');
    if (requiresGrad && data.dtype !== 'float32')
      throw typeError('Parameter', `only float32 tensors can require gradients, got ${data.dtype}`);
    // A fresh leaf over the same storage (and version counter): PyTorch's Parameter(t).
    super(data._box, data._shape.slice(), data._strides.slice(), data._offset, data.dtype, data._version);
    this._requiresGrad = requiresGrad;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}
