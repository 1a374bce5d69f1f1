// Reductions over any subset of dims of a strided float32 tensor. Each output element reduces
// the sub-array of the reduced dims; contiguous runs of it go to the ISA kernels. A sum whose
// kept inner dim is the contiguous one (sum over rows) accumulates whole rows instead.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/checks.h"
#include "core/iterate.h"
#include "core/thread_pool.h"
#include "kernels/isa_table.h"
#include "tg.h"

namespace tg {
namespace {

constexpr int64_t kChunk = 4096;

const char* reduce_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Mean: return "mean";
    case ReduceOp::Max: return "max";
    case ReduceOp::Min: return "min";
    case ReduceOp::Prod: return "prod";
    case ReduceOp::ArgMax: return "argmax";
    case ReduceOp::ArgMin: return "argmin";
    case ReduceOp::Count: break;
  }
  return "reduce";
}

struct Split {
  Shape kept, reduced;
  Operand kept_view, reduced_view;  // strides of x over each part, offset 0
};

Split split_dims(const Shape& s, const Operand& x, uint32_t mask) {
  Split p;
  for (int d = 0; d < s.ndim; ++d) {
    bool r = (mask >> d) & 1u;
    Shape& part = r ? p.reduced : p.kept;
    Operand& view = r ? p.reduced_view : p.kept_view;
    view.stride[part.ndim] = x.stride[d];
    part.size[part.ndim++] = s.size[d];
  }
  return p;
}

// Whether x's view over s is dense row-major (size-1 dims' strides never matter).
bool contiguous(const Shape& s, const Operand& x) {
  int64_t expected = 1;
  for (int d = s.ndim - 1; d >= 0; --d) {
    if (s.size[d] == 1) continue;
    if (x.stride[d] != expected) return false;
    expected *= s.size[d];
  }
  return true;
}

// Visits the reduced sub-array at `base` in row-major order as contiguous-or-strided runs.
template <class F>
void visit_reduced(const RunPlan<1>& rp, const float* base, F f) {
  const int64_t runs = rp.runs(), inner = rp.inner(), st = rp.inner_stride(0);
  int64_t off;
  for (int64_t r = 0; r < runs; ++r) {
    rp.run_offsets(r, &off);
    f(base + off, inner, st);
  }
}

float sum_run(const KernelTable& kt, const float* p, int64_t n, int64_t st, double& acc) {
  if (st == 1) {
    for (int64_t i = 0; i < n; i += kChunk) acc += kt.sum_f32(p + i, n - i < kChunk ? n - i : kChunk);
  } else {
    float t[256];
    for (int64_t i = 0; i < n; i += 256) {
      int64_t m = n - i < 256 ? n - i : 256;
      for (int64_t j = 0; j < m; ++j) t[j] = p[(i + j) * st];
      acc += kt.sum_f32(t, m);
    }
  }
  return 0;
}

}  // namespace

Status reduce_f32(ReduceOp op, const Shape& s, const Operand& x, uint32_t dims_mask, const Operand& out,
                  const Operand* indices, Validate validate) {
  if (static_cast<uint32_t>(op) >= static_cast<uint32_t>(ReduceOp::Count))
    return Status::range("reduce: unknown op " + std::to_string(static_cast<int>(op)));
  const char* name = reduce_name(op);
  if (validate == Validate::Yes) {
    if (Status st = check_shape(name, s); !st) return st;
    if (s.ndim < 32 && (dims_mask >> s.ndim) != 0) return Status::range(std::string(name) + ": dim out of range");
    if (Status st = check_operand(name, "input", s, x, DType::Float32); !st) return st;
  }
  int64_t n_out = 1, n_red = 1;
  for (int d = 0; d < s.ndim; ++d) ((dims_mask >> d) & 1u ? n_red : n_out) *= s.size[d];
  const bool want_idx = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin ||
                        ((op == ReduceOp::Max || op == ReduceOp::Min) && indices != nullptr);
  if (validate == Validate::Yes) {
    const DType out_type = op == ReduceOp::ArgMax || op == ReduceOp::ArgMin ? DType::Int32 : DType::Float32;
    if (Status st = check_flat(name, "output", out, n_out, out_type); !st) return st;
    if (want_idx && indices && op != ReduceOp::ArgMax && op != ReduceOp::ArgMin)
      if (Status st = check_flat(name, "indices", *indices, n_out, DType::Int32); !st) return st;
    const bool extreme = op == ReduceOp::Max || op == ReduceOp::Min || op == ReduceOp::ArgMax || op == ReduceOp::ArgMin;
    if (n_red == 0 && n_out > 0 && extreme)
      return Status::range(std::string(name) + "(): cannot reduce over a zero-size dimension of shape " + shape_str(s));
  }
  if (n_out == 0) return Status::ok();
  float* po = static_cast<float*>(out.base) + out.offset;
  if (n_red == 0) {
    // x is empty, so check_operand accepted any offset and base (null for an empty typed array):
    // forming a pointer into it would be undefined. The empty sum is 0, product 1, mean 0/0.
    std::fill(po, po + n_out, op == ReduceOp::Sum ? 0.0f : op == ReduceOp::Prod ? 1.0f : NAN);
    return Status::ok();
  }

  const KernelTable& kt = kernels();
  const float* px = static_cast<const float*>(x.base) + x.offset;
  if ((op == ReduceOp::Sum || op == ReduceOp::Mean) && n_out == 1 && contiguous(s, x)) {
    // A whole contiguous tensor (loss.sum(), x.mean(), a one-row bias gradient): the sum the
    // general path below makes of it, without setting up its iteration.
    double acc = 0;
    sum_run(kt, px, n_red, 1, acc);
    po[0] = static_cast<float>(op == ReduceOp::Mean ? acc / static_cast<double>(n_red) : acc);
    return Status::ok();
  }
  const Split p = split_dims(s, x, dims_mask);
  Operand red_view = p.reduced_view;
  const Operand* red_ops[1] = {&red_view};
  const RunPlan<1> rp = plan_runs<1>(p.reduced, red_ops);
  Operand kept_view = p.kept_view;
  const Operand* kept_ops[1] = {&kept_view};
  const RunPlan<1> kp = plan_runs<1>(p.kept, kept_ops);
  int32_t* pi = nullptr;
  if (op == ReduceOp::ArgMax || op == ReduceOp::ArgMin) pi = static_cast<int32_t*>(out.base) + out.offset;
  else if (want_idx) pi = static_cast<int32_t*>(indices->base) + indices->offset;

  // Sum over outer dims with a contiguous kept inner dim: accumulate rows (vectorized).
  const bool row_sum = (op == ReduceOp::Sum || op == ReduceOp::Mean) && kp.ndim > 0 &&
                       kp.inner_stride(0) == 1 && kp.inner() >= 16 && rp.ndim > 0 && rp.inner_stride(0) != 1;
  if (row_sum) {
    const int64_t inner = kp.inner(), outer_runs = kp.runs();
    parallel_for(outer_runs, 1, [&](int64_t b, int64_t e) {
      std::vector<float> acc(inner);
      for (int64_t r = b; r < e; ++r) {
        int64_t koff;
        kp.run_offsets(r, &koff);
        std::fill(acc.begin(), acc.end(), 0.0f);
        // The reduced index space, walked element by element; each step adds a whole row.
        const int64_t red_runs = rp.runs(), red_inner = rp.inner(), red_st = rp.inner_stride(0);
        int64_t roff;
        for (int64_t rr = 0; rr < red_runs; ++rr) {
          rp.run_offsets(rr, &roff);
          for (int64_t j = 0; j < red_inner; ++j) kt.accumulate_f32(acc.data(), px + koff + roff + j * red_st, inner);
        }
        float* o = po + r * inner;
        const float scale = op == ReduceOp::Mean ? 1.0f / static_cast<float>(n_red) : 1.0f;
        for (int64_t j = 0; j < inner; ++j) o[j] = acc[j] * scale;
      }
    });
    return Status::ok();
  }

  const int64_t grain = n_red >= (1 << 14) ? 1 : (1 << 14) / (n_red ? n_red : 1);
  parallel_for(n_out, grain, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      // Offset of output element o: kept dims in row-major order.
      int64_t rem = o, koff = 0;
      for (int d = p.kept.ndim - 1; d >= 0; --d) {
        koff += (rem % p.kept.size[d]) * p.kept_view.stride[d];
        rem /= p.kept.size[d];
      }
      const float* base = px + koff;
      switch (op) {
        case ReduceOp::Sum:
        case ReduceOp::Mean: {
          double acc = 0;
          visit_reduced(rp, base, [&](const float* q, int64_t n, int64_t st) { sum_run(kt, q, n, st, acc); });
          po[o] = static_cast<float>(op == ReduceOp::Mean ? acc / static_cast<double>(n_red) : acc);
          break;
        }
        case ReduceOp::Prod: {
          float acc = 1;
          visit_reduced(rp, base, [&](const float* q, int64_t n, int64_t st) {
            for (int64_t i = 0; i < n; ++i) acc *= q[i * st];
          });
          po[o] = acc;
          break;
        }
        case ReduceOp::Max:
        case ReduceOp::Min:
        case ReduceOp::ArgMax:
        case ReduceOp::ArgMin: {
          const bool is_max = op == ReduceOp::Max || op == ReduceOp::ArgMax;
          if (!pi) {  // values only: the vector kernels
            float best = is_max ? -INFINITY : INFINITY;
            visit_reduced(rp, base, [&](const float* q, int64_t n, int64_t st) {
              float v;
              if (st == 1) v = is_max ? kt.max_f32(q, n) : kt.min_f32(q, n);
              else {
                v = q[0];
                for (int64_t i = 0; i < n; ++i) {
                  float w = q[i * st];
                  if (std::isnan(w) || std::isnan(v)) { v = NAN; break; }
                  v = is_max ? (w > v ? w : v) : (w < v ? w : v);
                }
              }
              if (std::isnan(v) || std::isnan(best)) best = NAN;
              else best = is_max ? (v > best ? v : best) : (v < best ? v : best);
            });
            po[o] = best;
            break;
          }
          // First index of the extreme; a NaN wins, as in PyTorch.
          float best = 0;
          int64_t best_i = -1, idx = 0;
          visit_reduced(rp, base, [&](const float* q, int64_t n, int64_t st) {
            for (int64_t i = 0; i < n; ++i, ++idx) {
              float w = q[i * st];
              if (best_i < 0) { best = w; best_i = idx; continue; }
              if (std::isnan(best)) continue;
              if (std::isnan(w) || (is_max ? w > best : w < best)) { best = w; best_i = idx; }
            }
          });
          pi[o] = static_cast<int32_t>(best_i);
          if (op == ReduceOp::Max || op == ReduceOp::Min) po[o] = best;
          break;
        }
        case ReduceOp::Count: break;
      }
    }
  });
  return Status::ok();
}

}  // namespace tg
