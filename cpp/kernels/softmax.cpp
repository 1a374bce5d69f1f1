// Fused softmax / logSoftmax and their backward (tg.h) over the dim n of a contiguous
// [outer, n, inner] tensor: one call instead of the composed max, sub, exp, sum, log, sub and
// their backwards. The inner loops are the kernel table's (softmax_kernels.h); here are the
// checks and the threading.
//
// Threading: inner == 1 splits the outer rows; inner > 1 splits outer x blocks of kColBlock
// columns (so [1, n, 4096] still has 64 tasks). A task gets about kGrain elements of work:
// forward and logSoftmax's backward do an exp per element, like the Math ops of elementwise.cpp
// (kMathGrain there, ~3-5 us a task); softmax's backward is two light passes.
#include <string>

#include "core/checks.h"
#include "core/iterate.h"
#include "core/thread_pool.h"
#include "kernels/isa_table.h"
#include "tg.h"

namespace tg {
namespace {

constexpr int64_t kExpGrain = kParallelGrain / 4;
constexpr int64_t kLightGrain = kParallelGrain / 2;
constexpr int64_t kColBlock = 64;  // a multiple of every table's width (16, 8, 4, 1)

// The sizes, then every operand flat over outer * n * inner float32 elements from its offset.
Status check_all(const char* op, const SoftmaxShape& s, const Operand* const* ops, const char* const* names, int count) {
  if (s.outer < 0 || s.n < 0 || s.inner < 0)
    return Status::range(std::string(op) + ": negative size in [outer, n, inner] = [" + std::to_string(s.outer) +
                         ", " + std::to_string(s.n) + ", " + std::to_string(s.inner) + "]");
  Shape sh;
  sh.ndim = 3;
  sh.size[0] = s.outer;
  sh.size[1] = s.n;
  sh.size[2] = s.inner;
  if (Status st = check_shape(op, sh); !st) return st;
  for (int k = 0; k < count; ++k)
    if (Status st = check_flat(op, names[k], *ops[k], sh.numel(), DType::Float32); !st) return st;
  return Status::ok();
}

const float* in(const Operand& o) { return static_cast<const float*>(o.base) + o.offset; }
float* out_of(const Operand& o) { return static_cast<float*>(o.base) + o.offset; }

// Calls rows(b, e) over row ranges (inner == 1) or cols(o, c0, cols) over column blocks,
// in parallel when there are more than `grain` elements.
template <class Rows, class Cols>
void split(const SoftmaxShape& s, int64_t grain, Rows rows, Cols cols) {
  if (s.inner == 1) {
    parallel_for(s.outer, grain >= s.n ? grain / s.n : 1, rows);
    return;
  }
  const int64_t blocks = (s.inner + kColBlock - 1) / kColBlock;
  const int64_t block_work = s.n * (s.inner < kColBlock ? s.inner : kColBlock);
  parallel_for(s.outer * blocks, grain >= block_work ? grain / block_work : 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / blocks, c0 = (t % blocks) * kColBlock;
      cols(o * s.n * s.inner + c0, s.inner - c0 < kColBlock ? s.inner - c0 : kColBlock);
    }
  });
}

Status forward(const char* op, bool log, const SoftmaxShape& s, const Operand& x, const Operand& out) {
  const Operand* ops[2] = {&x, &out};
  const char* names[2] = {"input", "output"};
  if (Status st = check_all(op, s, ops, names, 2); !st) return st;
  if (s.outer == 0 || s.n == 0 || s.inner == 0) return Status::ok();  // nothing to point at
  const KernelTable& kt = kernels();
  const float* px = in(x);
  float* py = out_of(out);
  split(
      s, kExpGrain,
      [&](int64_t b, int64_t e) { kt.softmax_rows_f32(px + b * s.n, py + b * s.n, e - b, s.n, log); },
      [&](int64_t off, int64_t cols) { kt.softmax_cols_f32(px + off, py + off, s.n, cols, s.inner, log); });
  return Status::ok();
}

Status backward(const char* op, bool log, const SoftmaxShape& s, const Operand& grad, const Operand& out,
                const Operand& grad_in) {
  const Operand* ops[3] = {&grad, &out, &grad_in};
  const char* names[3] = {"grad", "output", "grad_input"};
  if (Status st = check_all(op, s, ops, names, 3); !st) return st;
  if (s.outer == 0 || s.n == 0 || s.inner == 0) return Status::ok();
  const KernelTable& kt = kernels();
  const float* pg = in(grad);
  const float* py = in(out);
  float* pd = out_of(grad_in);
  split(
      s, log ? kExpGrain : kLightGrain,
      [&](int64_t b, int64_t e) {
        kt.softmax_backward_rows_f32(pg + b * s.n, py + b * s.n, pd + b * s.n, e - b, s.n, log);
      },
      [&](int64_t off, int64_t cols) {
        kt.softmax_backward_cols_f32(pg + off, py + off, pd + off, s.n, cols, s.inner, log);
      });
  return Status::ok();
}

}  // namespace

Status softmax_f32(const SoftmaxShape& s, const Operand& x, const Operand& out) {
  return forward("softmax", false, s, x, out);
}

Status log_softmax_f32(const SoftmaxShape& s, const Operand& x, const Operand& out) {
  return forward("logSoftmax", true, s, x, out);
}

Status softmax_backward_f32(const SoftmaxShape& s, const Operand& grad, const Operand& out, const Operand& grad_in) {
  return backward("softmax.backward", false, s, grad, out, grad_in);
}

Status log_softmax_backward_f32(const SoftmaxShape& s, const Operand& grad, const Operand& out,
                                const Operand& grad_in) {
  return backward("logSoftmax.backward", true, s, grad, out, grad_in);
}

}  // namespace tg
