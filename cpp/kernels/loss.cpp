// Fused cross-entropy (tg.h): log-softmax and NLL in one pass over each row of logits, and the
// backward (softmax - onehot) * g in one more, instead of the ~15 tensor ops and their
// backwards of the composed form (src/nn/functional.ts crossEntropy, which still serves
// weights, label smoothing, probability targets and double backward).
//
// Layout: logits [n, c, inner] (inner = d1 * d2 * ..., 1 for [N, C]); a "row" is one (n, inner
// position) pair, its c classes inner apart. The forward stores the log-probabilities lp
// (PyTorch's LogSoftmaxBackward0 saves the same), from the kernel table's fused log-softmax
// (rows for inner == 1, column blocks of an [c, inner] slab otherwise); the loss of row r is
// -lp[r, t_r]. The backward is dx = exp(lp) * w_r - onehot(t_r) * w_r.
//
// Threads: rows (inner == 1) or (n, column block) tasks; every element of probs / dx and
// every per-row loss is computed by exactly one task, and the Sum / Mean total is added up in
// row order afterwards, so results are bitwise the same for any thread count.
#include <cmath>
#include <new>
#include <string>

#include "core/scratch.h"
#include "core/checks.h"
#include "core/iterate.h"
#include "core/thread_pool.h"
#include "kernels/isa_table.h"
#include "tg.h"

namespace tg {
namespace {

constexpr int64_t kExpGrain = kParallelGrain / 4;  // elements per task: an exp each
constexpr int64_t kColBlock = 64;                  // columns per task when inner > 1

Shape shape3(int64_t a, int64_t b, int64_t c) {
  Shape s;
  s.ndim = 3;
  s.size[0] = a;
  s.size[1] = b;
  s.size[2] = c;
  return s;
}

Shape shape1(int64_t n) {
  Shape s;
  s.ndim = 1;
  s.size[0] = n;
  return s;
}

Operand with_stride(Operand o, int64_t s0) {
  o.stride[0] = s0;
  return o;
}

int64_t rows_of(const CrossEntropyArgs& a) { return a.n * a.inner; }

// The checks both directions share: sizes, reduction, target (int32 [n * inner], unit stride)
// and probs (dense [n, c, inner] float32 from offset 0), and every target a class or
// ignore_index.
Status check_common(const char* op, const CrossEntropyArgs& a, const Operand& probs, const Operand& target) {
  if (a.n < 0 || a.c < 0 || a.inner < 0) return Status::range(std::string(op) + ": negative size");
  const Shape s = shape3(a.n, a.c, a.inner);
  if (Status st = check_shape(op, s); !st) return st;
  if (a.reduction != LossReduction::None && a.reduction != LossReduction::Sum && a.reduction != LossReduction::Mean)
    return Status::range(std::string(op) + ": bad reduction");
  const int64_t rows = rows_of(a);
  if (Status st = check_operand(op, "target", shape1(rows), with_stride(target, 1), DType::Int32); !st) return st;
  Operand p = probs;
  p.offset = 0;
  if (Status st = check_dense(op, "probs", s, p, DType::Float32); !st) return st;
  const int32_t* t = static_cast<const int32_t*>(target.base) + target.offset;
  for (int64_t i = 0; i < rows; ++i)
    if (t[i] != a.ignore_index && (t[i] < 0 || t[i] >= a.c))
      return Status::range(std::string(op) + ": Target " + std::to_string(t[i]) + " is out of bounds.");
  return Status::ok();
}

int64_t kept_rows(const CrossEntropyArgs& a, const int32_t* t) {
  int64_t k = 0;
  const int64_t rows = rows_of(a);
  for (int64_t i = 0; i < rows; ++i) k += t[i] != a.ignore_index;
  return k;
}

// Calls rows(r0, r1) over ranges of rows (inner == 1), or cols(o, i0, cols) over blocks of
// columns i0 .. i0 + cols of image o (inner > 1), each task about kExpGrain elements.
template <class Rows, class Cols>
void split(const CrossEntropyArgs& a, Rows rows, Cols cols) {
  if (a.inner == 1) {
    parallel_for(a.n, a.c >= kExpGrain ? 1 : kExpGrain / a.c, rows);
    return;
  }
  const int64_t blocks = (a.inner + kColBlock - 1) / kColBlock;
  const int64_t work = a.c * (a.inner < kColBlock ? a.inner : kColBlock);
  parallel_for(a.n * blocks, work >= kExpGrain ? 1 : kExpGrain / work, [&](int64_t b, int64_t e) {
    for (int64_t task = b; task < e; ++task) {
      const int64_t o = task / blocks, i0 = (task % blocks) * kColBlock;
      cols(o, i0, a.inner - i0 < kColBlock ? a.inner - i0 : kColBlock);
    }
  });
}


}  // namespace

Status cross_entropy_forward(const CrossEntropyArgs& a, const Operand& logits, const Operand& target,
                             const Operand& probs, const Operand& out) {
  const char* op = "crossEntropy";
  if (Status st = check_common(op, a, probs, target); !st) return st;
  if (Status st = check_dense(op, "logits", shape3(a.n, a.c, a.inner), logits, DType::Float32); !st) return st;
  const int64_t rows = rows_of(a);
  const bool per_row = a.reduction == LossReduction::None;
  if (Status st = check_flat(op, "output", out, per_row ? rows : 1, DType::Float32); !st) return st;
  if (a.c == 0 && rows > 0)
    return Status::range(std::string(op) + ": no classes (input of shape [" + std::to_string(a.n) + ", 0" +
                         (a.inner == 1 ? "" : ", ...") + "])");

  float* o = static_cast<float*>(out.base) + out.offset;
  if (rows == 0) {
    if (!per_row) o[0] = a.reduction == LossReduction::Sum ? 0.0f : NAN;  // mean over nothing
    return Status::ok();
  }
  // The per-row losses: into out (None), or a scratch added up in order below.
  Scratch scratch(per_row ? 0 : rows);
  if (!per_row && !scratch.p) return Status::range(std::string(op) + ": out of memory for " + std::to_string(rows) + " losses");
  float* loss = per_row ? o : scratch.p;

  const KernelTable& kt = kernels();
  const float* x = static_cast<const float*>(logits.base) + logits.offset;
  const int32_t* t = static_cast<const int32_t*>(target.base) + target.offset;
  float* lp = static_cast<float*>(probs.base);
  const int64_t c = a.c, inner = a.inner, ignore = a.ignore_index;
  split(
      a,
      [&](int64_t r0, int64_t r1) {
        kt.softmax_rows_f32(x + r0 * c, lp + r0 * c, r1 - r0, c, true);
        for (int64_t r = r0; r < r1; ++r) loss[r] = t[r] == ignore ? 0.0f : -lp[r * c + t[r]];
      },
      [&](int64_t img, int64_t i0, int64_t cols) {
        const int64_t off = img * c * inner + i0;
        kt.softmax_cols_f32(x + off, lp + off, c, cols, inner, true);
        for (int64_t i = i0; i < i0 + cols; ++i) {
          const int64_t r = img * inner + i;
          loss[r] = t[r] == ignore ? 0.0f : -lp[img * c * inner + int64_t(t[r]) * inner + i];
        }
      });
  if (per_row) return Status::ok();
  double total = 0;  // the reduction, in row order, rounded once
  for (int64_t r = 0; r < rows; ++r) total += loss[r];
  if (a.reduction == LossReduction::Sum) o[0] = static_cast<float>(total);
  // 0 / 0 = NaN when every target is ignored, as PyTorch's mean over no weight.
  else o[0] = static_cast<float>(total / static_cast<double>(kept_rows(a, t)));
  return Status::ok();
}

Status cross_entropy_backward(const CrossEntropyArgs& a, const Operand& probs, const Operand& target,
                              const Operand& grad, const Operand& dx) {
  const char* op = "crossEntropy.backward";
  if (Status st = check_common(op, a, probs, target); !st) return st;
  const bool per_row = a.reduction == LossReduction::None;
  const int64_t rows = rows_of(a);
  if (Status st = check_operand(op, "grad", shape1(per_row ? rows : 1), with_stride(grad, per_row ? a.grad_stride : 1),
                                DType::Float32);
      !st)
    return st;
  Operand d = dx;
  d.offset = 0;
  if (Status st = check_dense(op, "dx", shape3(a.n, a.c, a.inner), d, DType::Float32); !st) return st;
  if (rows == 0 || a.c == 0) return Status::ok();

  const KernelTable& kt = kernels();
  const int32_t* t = static_cast<const int32_t*>(target.base) + target.offset;
  const float* g = static_cast<const float*>(grad.base) + grad.offset;
  const float* lp = static_cast<const float*>(probs.base);
  float* pd = static_cast<float*>(dx.base);
  // Mean: d loss / d loss_i = 1 / kept, applied to g as PyTorch's nll_loss_backward does.
  const float scale = a.reduction == LossReduction::Mean ? 1.0f / static_cast<float>(kept_rows(a, t)) : 1.0f;
  const int64_t c = a.c, inner = a.inner, ignore = a.ignore_index, gs = a.grad_stride;
  // The weight of row r: g_r (or g) * scale, 0 where ignored.
  auto weight = [&](int64_t r) { return t[r] == ignore ? 0.0f : (per_row ? g[r * gs] : g[0]) * scale; };
  split(
      a,
      [&](int64_t r0, int64_t r1) {
        kt.unary_f32(UnaryOp::Exp, lp + r0 * c, pd + r0 * c, (r1 - r0) * c, 0.0f, 0.0f);
        for (int64_t r = r0; r < r1; ++r) {
          float* row = pd + r * c;
          const float w = weight(r);
          kt.binary_f32_vs(BinaryOp::Mul, row, w, row, c, 0.0f);
          if (t[r] != ignore) row[t[r]] -= w;  // p w - w: PyTorch's g - exp(lp) sum(g)
        }
      },
      [&](int64_t img, int64_t i0, int64_t cols) {
        float w[kColBlock];
        for (int64_t i = 0; i < cols; ++i) w[i] = weight(img * inner + i0 + i);
        const int64_t off = img * c * inner + i0;
        for (int64_t j = 0; j < c; ++j) {
          float* row = pd + off + j * inner;
          kt.unary_f32(UnaryOp::Exp, lp + off + j * inner, row, cols, 0.0f, 0.0f);
          kt.binary_f32(BinaryOp::Mul, row, w, row, cols, 0.0f);
        }
        for (int64_t i = 0; i < cols; ++i) {
          const int64_t r = img * inner + i0 + i;
          if (t[r] == ignore) continue;
          pd[off + int64_t(t[r]) * inner + i] -= w[i];
        }
      });
  return Status::ok();
}

}  // namespace tg
