'use strict';
// The test files the per-table runs repeat (scripts/test-tables.js natively, once per table the
// host has; scripts/test-emulated.js under QEMU for the tables it does not): everything that
// reaches a kernel through the Tensor layer, whose results the tables' summation order and
// polynomial math can change.
const TABLE_SUITE = ['test/ops.fixtures.test.ts', 'test/gradcheck.test.ts', 'test/cross-entropy.test.ts'];

// What every emulated CPU runs besides: the load-time choice, every kernel against the scalar
// table and float64, the JS small kernels against the core, the binding's fuzzer, the
// optimizers' and linear layers' PyTorch trajectories, and the fused kernels' own tests.
const CPU_SUITE = [
  'test/platform.test.ts',
  'test/native-kernels.test.ts',
  'test/simd.test.ts',
  'test/small-kernels.test.ts',
  'test/native-fuzz.test.ts',
  'test/linear.test.ts',
  'test/optim.test.ts',
  // The fused kernels with code of their own per table (attention's softmax steps, layerNorm's
  // rows) and the conv lowerings on the table's GEMM tile, against references.
  'test/attention.test.ts',
  'test/layernorm.test.ts',
  'test/conv-kernels.test.ts',
];

module.exports = { TABLE_SUITE, CPU_SUITE };
