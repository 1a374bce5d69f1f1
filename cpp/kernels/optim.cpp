// Optimizer updates: one call per parameter, over flat contiguous float32 buffers (the
// parameter, its gradient and the optimizer's state). Each loop is PyTorch 1.13's
// `_single_tensor_*` update written per element, in the same float32 operation order, so a
// trajectory matches PyTorch's to rounding: scalars PyTorch computes as Python floats (bias
// corrections, step sizes) arrive here as doubles and are rounded to float where PyTorch
// passes them to a float32 kernel.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <string>

#include "core/checks.h"
#include "core/thread_pool.h"
#include "kernels/isa_table.h"
#include "tg.h"

namespace tg {
namespace {

// Checks that an optional state buffer is given when needed and holds n float32 elements.
Status check_state(const char* op, const char* what, const Operand* o, int64_t n) {
  if (o == nullptr) return Status::range(std::string(op) + ": " + what + " buffer missing");
  return check_flat(op, what, *o, n, DType::Float32);
}

Status check_common(const char* op, int64_t n, const Operand& param, const Operand& grad) {
  if (n < 0) return Status::range(std::string(op) + ": negative element count " + std::to_string(n));
  if (Status st = check_flat(op, "param", param, n, DType::Float32); !st) return st;
  return check_flat(op, "grad", grad, n, DType::Float32);
}

// no_pointer_when_empty: with n == 0 the buffers' offsets are never checked (no element is
// read) and an empty typed array has a null base, so f32/cf32 would form an undefined pointer:
// every step returns before calling them when there is nothing to update.
float* f32(const Operand& o) { return static_cast<float*>(o.base) + o.offset; }
const float* cf32(const Operand& o) { return static_cast<const float*>(o.base) + o.offset; }

// Threads take whole blocks of kBlock elements (a multiple of every vector width), so each
// element takes the same path, and so gets the same result, on any number of threads; only
// the last block has a tail. Below 64K elements (~20 us) one thread does it all.
template <class F>
void in_blocks(int64_t n, F&& run) {
  constexpr int64_t kBlock = 4096;
  parallel_for((n + kBlock - 1) / kBlock, 16, [&](int64_t b0, int64_t b1) { run(b0 * kBlock, std::min(n, b1 * kBlock)); });
}

}  // namespace

Status sgd_step(int64_t n, const Operand& param, const Operand& grad, const Operand* buf, const SgdArgs& a,
                Validate validate) {
  if (validate == Validate::Yes) {
    if (Status st = check_common("SGD.step", n, param, grad); !st) return st;
    if (a.momentum != 0)
      if (Status st = check_state("SGD.step", "momentum_buffer", buf, n); !st) return st;
  }
  if (n == 0) return Status::ok();  // see no_pointer_when_empty
  float* p = f32(param);
  const float* g = cf32(grad);
  float* b = a.momentum != 0 ? f32(*buf) : nullptr;
  // The vector kernel of the table chosen at load (vec_kernels.h: sgd), in float32 as
  // PyTorch's kernels compute: the double hyper-parameters rounded once.
  SgdUpdate u;
  u.lr = static_cast<float>(a.lr);
  u.momentum = static_cast<float>(a.momentum);
  u.damp = static_cast<float>(1.0 - a.dampening);
  u.weight_decay = static_cast<float>(a.weight_decay);
  u.has_momentum = a.momentum != 0;
  u.has_decay = a.weight_decay != 0;
  u.maximize = a.maximize;
  u.nesterov = a.nesterov;
  u.first_step = a.first_step;
  const KernelTable& kt = kernels();
  in_blocks(n, [&](int64_t i, int64_t end) { kt.sgd_f32(p + i, g + i, b ? b + i : nullptr, end - i, u); });
  return Status::ok();
}

Status adam_step(int64_t n, const Operand& param, const Operand& grad, const Operand* exp_avg,
                 const Operand* exp_avg_sq, const Operand* max_exp_avg_sq, const AdamArgs& a, Validate validate) {
  const char* op = a.decoupled ? "AdamW.step" : "Adam.step";
  if (validate == Validate::Yes) {
    if (Status st = check_common(op, n, param, grad); !st) return st;
    if (Status st = check_state(op, "exp_avg", exp_avg, n); !st) return st;
    if (Status st = check_state(op, "exp_avg_sq", exp_avg_sq, n); !st) return st;
    if (a.amsgrad)
      if (Status st = check_state(op, "max_exp_avg_sq", max_exp_avg_sq, n); !st) return st;
    if (!(a.step >= 1)) return Status::range(std::string(op) + ": step must be >= 1");
  }
  if (n == 0) return Status::ok();  // see no_pointer_when_empty
  float* p = f32(param);
  const float* g = cf32(grad);
  float* m = f32(*exp_avg);
  float* v = f32(*exp_avg_sq);
  float* vmax = a.amsgrad ? f32(*max_exp_avg_sq) : nullptr;
  // Python-float scalars, as PyTorch computes them before the tensor ops.
  const double bc1 = 1.0 - std::pow(a.beta1, a.step), bc2 = 1.0 - std::pow(a.beta2, a.step);
  const float step_size = static_cast<float>(a.lr / bc1), bc2_sqrt = static_cast<float>(std::sqrt(bc2));
  const float b1 = static_cast<float>(a.beta1), b2 = static_cast<float>(a.beta2);
  const float one_b1 = static_cast<float>(1.0 - a.beta1), one_b2 = static_cast<float>(1.0 - a.beta2);
  const float eps = static_cast<float>(a.eps), wd = static_cast<float>(a.weight_decay);
  const float decay = static_cast<float>(1.0 - a.lr * a.weight_decay);
  in_blocks(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float d = a.maximize ? -g[i] : g[i];
      if (a.decoupled) {
        p[i] = p[i] * decay;  // AdamW: param.mul_(1 - lr * weight_decay)
      } else if (a.weight_decay != 0) {
        d = d + wd * p[i];  // Adam: L2 penalty folded into the gradient
      }
      m[i] = m[i] * b1 + one_b1 * d;
      v[i] = v[i] * b2 + one_b2 * (d * d);
      float second = v[i];
      if (a.amsgrad) {
        vmax[i] = std::fmax(vmax[i], v[i]);
        second = vmax[i];
      }
      const float denom = std::sqrt(second) / bc2_sqrt + eps;
      p[i] = p[i] + (-step_size) * (m[i] / denom);  // param.addcdiv_(exp_avg, denom, value=-step_size)
    }
  });
  return Status::ok();
}

Status rmsprop_step(int64_t n, const Operand& param, const Operand& grad, const Operand* square_avg,
                    const Operand* grad_avg, const Operand* momentum_buffer, const RmspropArgs& a) {
  const char* op = "RMSprop.step";
  if (Status st = check_common(op, n, param, grad); !st) return st;
  if (Status st = check_state(op, "square_avg", square_avg, n); !st) return st;
  if (a.centered)
    if (Status st = check_state(op, "grad_avg", grad_avg, n); !st) return st;
  if (a.momentum > 0)
    if (Status st = check_state(op, "momentum_buffer", momentum_buffer, n); !st) return st;
  if (n == 0) return Status::ok();  // see no_pointer_when_empty
  float* p = f32(param);
  const float* g = cf32(grad);
  float* sq = f32(*square_avg);
  float* ga = a.centered ? f32(*grad_avg) : nullptr;
  float* mb = a.momentum > 0 ? f32(*momentum_buffer) : nullptr;
  const float alpha = static_cast<float>(a.alpha), one_alpha = static_cast<float>(1.0 - a.alpha);
  const float eps = static_cast<float>(a.eps), wd = static_cast<float>(a.weight_decay);
  const float mom = static_cast<float>(a.momentum), lr = static_cast<float>(a.lr);
  in_blocks(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float d = a.maximize ? -g[i] : g[i];
      if (a.weight_decay != 0) d = d + wd * p[i];
      sq[i] = sq[i] * alpha + one_alpha * (d * d);
      float avg;
      if (a.centered) {
        ga[i] = ga[i] * alpha + one_alpha * d;
        avg = std::sqrt(sq[i] + (-1.0f) * (ga[i] * ga[i]));  // square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
      } else {
        avg = std::sqrt(sq[i]);
      }
      avg = avg + eps;
      if (a.momentum > 0) {
        mb[i] = mb[i] * mom + d / avg;  // buf.mul_(momentum).addcdiv_(grad, avg)
        p[i] = p[i] + (-lr) * mb[i];
      } else {
        p[i] = p[i] + (-lr) * (d / avg);
      }
    }
  });
  return Status::ok();
}

Status adagrad_step(int64_t n, const Operand& param, const Operand& grad, const Operand* sum, const AdagradArgs& a) {
  const char* op = "Adagrad.step";
  if (Status st = check_common(op, n, param, grad); !st) return st;
  if (Status st = check_state(op, "sum", sum, n); !st) return st;
  if (!(a.step >= 1)) return Status::range(std::string(op) + ": step must be >= 1");
  if (n == 0) return Status::ok();  // see no_pointer_when_empty
  float* p = f32(param);
  const float* g = cf32(grad);
  float* s = f32(*sum);
  const double clr = a.lr / (1.0 + (a.step - 1.0) * a.lr_decay);  // Python float, as PyTorch
  const float neg_clr = static_cast<float>(-clr), eps = static_cast<float>(a.eps), wd = static_cast<float>(a.weight_decay);
  in_blocks(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float d = a.maximize ? -g[i] : g[i];
      if (a.weight_decay != 0) d = d + wd * p[i];
      s[i] = s[i] + 1.0f * (d * d);  // state_sum.addcmul_(grad, grad, value=1)
      const float stdv = std::sqrt(s[i]) + eps;
      p[i] = p[i] + neg_clr * (d / stdv);
    }
  });
  return Status::ok();
}

// PyTorch 1.13's _single_tensor_adadelta: square_avg.mul_(rho).addcmul_(g, g, value=1 - rho);
// std = square_avg.add(eps).sqrt_(); delta = acc_delta.add(eps).sqrt_().div_(std).mul_(g);
// acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho); param.add_(delta, alpha=-lr).
Status adadelta_step(int64_t n, const Operand& param, const Operand& grad, const Operand* square_avg,
                     const Operand* acc_delta, const AdadeltaArgs& a) {
  const char* op = "Adadelta.step";
  if (Status st = check_common(op, n, param, grad); !st) return st;
  if (Status st = check_state(op, "square_avg", square_avg, n); !st) return st;
  if (Status st = check_state(op, "acc_delta", acc_delta, n); !st) return st;
  if (n == 0) return Status::ok();  // see no_pointer_when_empty
  float* p = f32(param);
  const float* g = cf32(grad);
  float* sq = f32(*square_avg);
  float* acc = f32(*acc_delta);
  const float rho = static_cast<float>(a.rho), one_rho = static_cast<float>(1.0 - a.rho);
  const float eps = static_cast<float>(a.eps), wd = static_cast<float>(a.weight_decay);
  const float neg_lr = static_cast<float>(-a.lr);
  in_blocks(n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      float d = a.maximize ? -g[i] : g[i];
      if (a.weight_decay != 0) d = d + wd * p[i];
      sq[i] = sq[i] * rho + one_rho * d * d;
      const float delta = std::sqrt(acc[i] + eps) / std::sqrt(sq[i] + eps) * d;
      acc[i] = acc[i] * rho + one_rho * delta * delta;
      p[i] = p[i] + neg_lr * delta;
    }
  });
  return Status::ok();
}

}  // namespace tg
