// Fused cross-entropy (tg.h): log-softmax and NLL in one pass over each row of logits, and the
// backward (softmax - onehot) * g in one more, instead of the ~15 tensor ops and their
// backwards of the composed form (src/nn/functional.ts crossEntropy, which still serves
// weights, label smoothing, N-d inputs and double backward). Rows are short (the class count),
// so each goes through the kernel table's contiguous exp / sum / scale; rows are not threaded.
#include <cmath>
#include <string>

#include "core/checks.h"
#include "kernels/isa_table.h"
#include "tg.h"

namespace tg {
namespace {

Shape shape2(int64_t r, int64_t c) {
  Shape s;
  s.ndim = 2;
  s.size[0] = r;
  s.size[1] = c;
  return s;
}

Shape shape1(int64_t n) {
  Shape s;
  s.ndim = 1;
  s.size[0] = n;
  return s;
}

Operand with_strides(Operand o, int64_t s0, int64_t s1 = 0) {
  o.stride[0] = s0;
  o.stride[1] = s1;
  return o;
}

// The checks both directions share: sizes, reduction, target (int32 [n]) and probs ([n, c]
// float32 from offset 0), and every target a class or ignore_index.
Status check_common(const char* op, const CrossEntropyArgs& a, const Operand& probs, const Operand& target) {
  if (a.n < 0 || a.c < 0) return Status::range(std::string(op) + ": negative size");
  if (Status st = check_shape(op, shape2(a.n, a.c)); !st) return st;
  if (a.reduction != LossReduction::None && a.reduction != LossReduction::Sum && a.reduction != LossReduction::Mean)
    return Status::range(std::string(op) + ": bad reduction");
  if (Status st = check_operand(op, "target", shape1(a.n), with_strides(target, 1), DType::Int32); !st) return st;
  Operand p = with_strides(probs, a.c, 1);
  p.offset = 0;
  if (Status st = check_operand(op, "probs", shape2(a.n, a.c), p, DType::Float32); !st) return st;
  const int32_t* t = static_cast<const int32_t*>(target.base) + target.offset;
  for (int64_t i = 0; i < a.n; ++i)
    if (t[i] != a.ignore_index && (t[i] < 0 || t[i] >= a.c))
      return Status::range(std::string(op) + ": Target " + std::to_string(t[i]) + " is out of bounds.");
  return Status::ok();
}

int64_t kept_rows(const CrossEntropyArgs& a, const int32_t* t) {
  int64_t k = 0;
  for (int64_t i = 0; i < a.n; ++i) k += t[i] != a.ignore_index;
  return k;
}

}  // namespace

Status cross_entropy_forward(const CrossEntropyArgs& a, const Operand& logits, const Operand& target,
                             const Operand& probs, const Operand& out) {
  const char* op = "crossEntropy";
  if (Status st = check_common(op, a, probs, target); !st) return st;
  if (Status st = check_operand(op, "logits", shape2(a.n, a.c), with_strides(logits, a.c, 1), DType::Float32); !st)
    return st;
  const int64_t n_out = a.reduction == LossReduction::None ? a.n : 1;
  if (Status st = check_flat(op, "output", out, n_out, DType::Float32); !st) return st;
  if (a.c == 0 && a.n > 0) return Status::range(std::string(op) + ": no classes (input of shape [" + std::to_string(a.n) + ", 0])");

  const KernelTable& kt = kernels();
  float* o = static_cast<float*>(out.base) + out.offset;
  const int32_t* t = a.n ? static_cast<const int32_t*>(target.base) + target.offset : nullptr;
  double total = 0;  // the reduction, rounded once
  for (int64_t i = 0; i < a.n; ++i) {
    const float* x = static_cast<const float*>(logits.base) + logits.offset + i * a.c;
    float* p = static_cast<float*>(probs.base) + i * a.c;
    // As the composed log_softmax: shift by the row max (NaN if any logit is NaN; +inf gives
    // inf - inf = NaN, as in PyTorch), exp, sum, then logp_t = (x_t - m) - log(sum).
    const float m = kt.max_f32(x, a.c);
    kt.binary_f32_vs(BinaryOp::Sub, x, m, p, a.c, 0.0f);
    const float shifted_t = t[i] == a.ignore_index ? 0.0f : p[t[i]];
    kt.unary_f32(UnaryOp::Exp, p, p, a.c, 0.0f, 0.0f);
    const float sum = kt.sum_f32(p, a.c);
    kt.binary_f32_vs(BinaryOp::Div, p, sum, p, a.c, 0.0f);
    const float loss = t[i] == a.ignore_index ? 0.0f : -(shifted_t - std::log(sum));
    if (a.reduction == LossReduction::None) o[i] = loss;
    else total += loss;
  }
  if (a.reduction == LossReduction::Sum) o[0] = static_cast<float>(total);
  // 0 / 0 = NaN when every target is ignored, as PyTorch's mean over no weight.
  if (a.reduction == LossReduction::Mean) o[0] = static_cast<float>(total / static_cast<double>(kept_rows(a, t)));
  return Status::ok();
}

Status cross_entropy_backward(const CrossEntropyArgs& a, const Operand& probs, const Operand& target,
                              const Operand& grad, const Operand& dx) {
  const char* op = "crossEntropy.backward";
  if (Status st = check_common(op, a, probs, target); !st) return st;
  const bool per_row = a.reduction == LossReduction::None;
  if (Status st = check_operand(op, "grad", shape1(per_row ? a.n : 1), with_strides(grad, per_row ? a.grad_stride : 1),
                                DType::Float32);
      !st)
    return st;
  Operand d = with_strides(dx, a.c, 1);
  d.offset = 0;
  if (Status st = check_operand(op, "dx", shape2(a.n, a.c), d, DType::Float32); !st) return st;
  if (a.n == 0 || a.c == 0) return Status::ok();

  const KernelTable& kt = kernels();
  const int32_t* t = static_cast<const int32_t*>(target.base) + target.offset;
  const float* g = static_cast<const float*>(grad.base) + grad.offset;
  // Mean: d loss / d loss_i = 1 / kept, applied to g as PyTorch's nll_loss_backward does.
  const float scale = a.reduction == LossReduction::Mean ? 1.0f / static_cast<float>(kept_rows(a, t)) : 1.0f;
  for (int64_t i = 0; i < a.n; ++i) {
    const float* p = static_cast<const float*>(probs.base) + i * a.c;
    float* dxi = static_cast<float*>(dx.base) + i * a.c;
    if (t[i] == a.ignore_index) {
      for (int64_t j = 0; j < a.c; ++j) dxi[j] = 0.0f;
      continue;
    }
    const float w = (per_row ? g[i * a.grad_stride] : g[0]) * scale;
    kt.binary_f32_vs(BinaryOp::Mul, p, w, dxi, a.c, 0.0f);
    dxi[t[i]] = (p[t[i]] - 1.0f) * w;
  }
  return Status::ok();
}

}  // namespace tg
