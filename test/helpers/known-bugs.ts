// Fixture cases where tensorgrad currently disagrees with PyTorch 1.13: bugs in src/, reported
// to its owner with a minimal repro. Temporary: the tests run these as `it.fails`, so each one
// starts failing (loudly) once src/ is fixed, and its entry must then be removed from here.
export const KNOWN_BUGS: Record<string, string> = {
  // relu backward masks with y > 0; PyTorch's threshold_backward zeroes where y <= 0, so the
  // gradient passes through NaN.
  'relu nan': 'relu grad at NaN is 0, PyTorch passes the gradient',
  // PyTorch's sign(NaN) is 0 (and abs's gradient g * sgn(x) is then 0); ours gives NaN.
  'sign nan': 'sign(NaN) is NaN, PyTorch gives 0',
  'abs nan': 'abs grad at NaN is NaN, PyTorch gives 0',
  // pow_backward_self masks to 0 where exponent == 0; ours computes 0 * 0^-1 = NaN at base 0.
  'pow tensor zero base zero exponent': 'd(x^e)/dx at x = 0, e = 0 is NaN, PyTorch gives 0',
  // int32 ** 2 stays int32 in PyTorch; ours promotes to float32.
  'pow int32 scalar 2': 'int32.pow(2) gives float32, PyTorch int32',
  // PyTorch accepts dim 0 / -1 on a 0-d tensor (as max/argmax here already do).
  'sum 0-d dim 0': 'sum(dim=0) of a 0-d tensor throws "dim out of range"',
  'mean 0-d dim 0': 'mean(dim=0) of a 0-d tensor throws "dim out of range"',
  // Second derivatives (Hessian-vector fixture names carry the "hvp " prefix): PyTorch's
  // relu/leaky_relu backward (threshold_backward, leaky_relu_backward) is itself a recorded op
  // of the saved input, so under createGraph the first derivative requires grad (its own
  // derivative is 0). Ours records it on g only, so dL/dx does not require grad and a second
  // autograd.grad through it throws "One of the differentiated Tensors does not require grad".
  'hvp relu': 'first derivative of relu under createGraph does not require grad',
  'hvp leakyRelu': 'first derivative of leakyRelu under createGraph does not require grad',
  // transpose of a 0-d tensor returns an unrecorded view, so t() cuts the graph.
  't 0-d': 't()/transpose(0, 0) of a 0-d tensor does not record autograd (requiresGrad false)',
};
