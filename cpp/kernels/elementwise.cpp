// Strided, broadcasting drivers for the elementwise ops. Contiguous runs (and runs with a
// broadcast scalar side) go straight to the ISA table; other strides are gathered into a stack
// buffer, computed with the same kernels, and scattered back.
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

#include "core/checks.h"
#include "core/iterate.h"
#include "core/thread_pool.h"
#include "kernels/isa_table.h"
#include "tg.h"

namespace tg {
namespace {

constexpr int64_t kChunk = 256;

template <class T>
T* at(const Operand& o) { return static_cast<T*>(o.base); }

// Elements per task for the transcendental ops: ~4x the work per element of an add (exp of
// 32K floats 13.5 us, add_ 3.1 us), so a quarter of the grain buys the same work per task.
constexpr int64_t kMathGrain = kParallelGrain / 4;

// From the cost column of TG_UNARY_OPS (kernels/ops.h).
int64_t grain_of(UnaryOp op) {
  switch (op) {
#define TG_UNARY_GRAIN_CASE(name, cost, ...) \
  case UnaryOp::name: return OpCost::cost == OpCost::Math ? kMathGrain : kParallelGrain;
    TG_UNARY_OPS(TG_UNARY_GRAIN_CASE, TG_UNARY_GRAIN_CASE)
#undef TG_UNARY_GRAIN_CASE
    case UnaryOp::Count: break;
  }
  return kParallelGrain;
}

int64_t grain_of(BinaryOp op) {
  switch (op) {
    case BinaryOp::Pow: case BinaryOp::GeluBackward: case BinaryOp::SoftplusBackward: return kMathGrain;
    case BinaryOp::Remainder: case BinaryOp::FloorDivide: return kMathGrain;  // fmod per lane: ~8x an add
    default: return kParallelGrain;
  }
}

// Calls run(offsets[N], len, strides[N]) over every inner run of the plan, in parallel when the
// plan has more than `grain` elements.
template <int N, class Run>
void for_runs(const RunPlan<N>& p, Run run, int64_t grain = kParallelGrain) {
  const int64_t runs = p.runs(), inner = p.inner();
  int64_t strides[N];
  for (int k = 0; k < N; ++k) strides[k] = p.inner_stride(k);
  if (runs == 1) {
    parallel_for(inner, grain, [&](int64_t b, int64_t e) {
      int64_t off[N];
      for (int k = 0; k < N; ++k) off[k] = p.offset[k] + b * strides[k];
      run(off, e - b, strides);
    });
    return;
  }
  parallel_for(runs, inner >= grain ? 1 : grain / (inner ? inner : 1), [&](int64_t b, int64_t e) {
    int64_t off[N];
    for (int64_t r = b; r < e; ++r) {
      p.run_offsets(r, off);
      run(off, inner, strides);
    }
  });
}

template <int N>
Status check_all(const char* op, const Shape& s, const Operand* const ops[N], const DType* want,
                 const char* const* names) {
  if (Status st = check_shape(op, s); !st) return st;
  for (int k = 0; k < N; ++k)
    if (Status st = check_operand(op, names[k], s, *ops[k], want[k]); !st) return st;
  return Status::ok();
}

void gather(const float* src, int64_t stride, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = src[i * stride];
}
void scatter(const float* src, int64_t n, float* dst, int64_t stride) {
  for (int64_t i = 0; i < n; ++i) dst[i * stride] = src[i];
}

template <class T>
T cast_to(double v);
template <>
float cast_to<float>(double v) { return static_cast<float>(v); }
template <>
int32_t cast_to<int32_t>(double v) {
  // Out-of-range and NaN values have no int32 meaning; clamp instead of invoking UB.
  if (std::isnan(v)) return 0;
  if (v >= 2147483647.0) return INT32_MAX;
  if (v <= -2147483648.0) return INT32_MIN;
  return static_cast<int32_t>(v);
}
template <>
uint8_t cast_to<uint8_t>(double v) { return v != 0 ? 1 : 0; }

template <class F>
bool dispatch_dtype(DType d, F f) {
  switch (d) {
    case DType::Float32: f(float{}); return true;
    case DType::Int32: f(int32_t{}); return true;
    case DType::Bool: f(uint8_t{}); return true;
  }
  return false;
}

}  // namespace

const char* simd_name() { return kernels().name; }
bool select_simd(const char* name) { return select_kernels(name); }

Status unary_f32(UnaryOp op, const Shape& s, const Operand& out, const Operand& x, float p0, float p1,
                 Validate validate) {
  if (static_cast<uint32_t>(op) >= static_cast<uint32_t>(UnaryOp::Count))
    return Status::range("unary: unknown op " + std::to_string(static_cast<int>(op)));
  const Operand* ops[2] = {&out, &x};
  const DType want[2] = {DType::Float32, DType::Float32};
  const char* names[2] = {"output", "input"};
  if (validate == Validate::Yes)
    if (Status st = check_all<2>("unary", s, ops, want, names); !st) return st;
  if (s.numel() == 0) return Status::ok();
  const KernelTable& kt = kernels();
  float* po = at<float>(out);
  const float* px = at<float>(x);
  for_runs<2>(plan_runs<2>(s, ops), [&](const int64_t* off, int64_t n, const int64_t* st) {
    if (st[0] == 1 && st[1] == 1) return kt.unary_f32(op, px + off[1], po + off[0], n, p0, p1);
    float tx[kChunk], to[kChunk];
    for (int64_t i = 0; i < n; i += kChunk) {
      int64_t m = n - i < kChunk ? n - i : kChunk;
      gather(px + off[1] + i * st[1], st[1], m, tx);
      kt.unary_f32(op, tx, to, m, p0, p1);
      scatter(to, m, po + off[0] + i * st[0], st[0]);
    }
  }, grain_of(op));
  return Status::ok();
}

Status binary_f32(BinaryOp op, const Shape& s, const Operand& out, const Operand& a, const Operand& b, float p0,
                  Validate validate) {
  if (static_cast<uint32_t>(op) >= static_cast<uint32_t>(BinaryOp::Count))
    return Status::range("binary: unknown op " + std::to_string(static_cast<int>(op)));
  const Operand* ops[3] = {&out, &a, &b};
  const DType want[3] = {DType::Float32, DType::Float32, DType::Float32};
  const char* names[3] = {"output", "first input", "second input"};
  if (validate == Validate::Yes)
    if (Status st = check_all<3>("binary", s, ops, want, names); !st) return st;
  if (s.numel() == 0) return Status::ok();
  const KernelTable& kt = kernels();
  float* po = at<float>(out);
  const float *pa = at<float>(a), *pb = at<float>(b);
  for_runs<3>(plan_runs<3>(s, ops), [&](const int64_t* off, int64_t n, const int64_t* st) {
    float* o = po + off[0];
    const float *x = pa + off[1], *y = pb + off[2];
    if (st[0] == 1) {
      if (st[1] == 1 && st[2] == 1) return kt.binary_f32(op, x, y, o, n, p0);
      if (st[1] == 1 && st[2] == 0) return kt.binary_f32_vs(op, x, *y, o, n, p0);
      if (st[1] == 0 && st[2] == 1) return kt.binary_f32_sv(op, *x, y, o, n, p0);
    }
    float ta[kChunk], tb[kChunk], to[kChunk];
    for (int64_t i = 0; i < n; i += kChunk) {
      int64_t m = n - i < kChunk ? n - i : kChunk;
      gather(x + i * st[1], st[1], m, ta);
      gather(y + i * st[2], st[2], m, tb);
      kt.binary_f32(op, ta, tb, to, m, p0);
      scatter(to, m, o + i * st[0], st[0]);
    }
  }, grain_of(op));
  return Status::ok();
}

Status binary_scalar_f32(BinaryOp op, const Shape& s, const Operand& out, const Operand& a, float scalar,
                         bool scalar_first, float p0, Validate validate) {
  if (static_cast<uint32_t>(op) >= static_cast<uint32_t>(BinaryOp::Count))
    return Status::range("binary: unknown op " + std::to_string(static_cast<int>(op)));
  const Operand* ops[2] = {&out, &a};
  const DType want[2] = {DType::Float32, DType::Float32};
  const char* names[2] = {"output", "input"};
  if (validate == Validate::Yes)
    if (Status st = check_all<2>("binary", s, ops, want, names); !st) return st;
  if (s.numel() == 0) return Status::ok();
  const KernelTable& kt = kernels();
  float* po = at<float>(out);
  const float* pa = at<float>(a);
  auto apply = [&](const float* x, float* o, int64_t n) {
    if (scalar_first) kt.binary_f32_sv(op, scalar, x, o, n, p0);
    else kt.binary_f32_vs(op, x, scalar, o, n, p0);
  };
  for_runs<2>(plan_runs<2>(s, ops), [&](const int64_t* off, int64_t n, const int64_t* st) {
    if (st[0] == 1 && st[1] == 1) return apply(pa + off[1], po + off[0], n);
    float tx[kChunk], to[kChunk];
    for (int64_t i = 0; i < n; i += kChunk) {
      int64_t m = n - i < kChunk ? n - i : kChunk;
      gather(pa + off[1] + i * st[1], st[1], m, tx);
      apply(tx, to, m);
      scatter(to, m, po + off[0] + i * st[0], st[0]);
    }
  }, grain_of(op));
  return Status::ok();
}

Status binary_i32(IntBinaryOp op, const Shape& s, const Operand& out, const Operand& a, const Operand& b) {
  if (static_cast<uint32_t>(op) >= static_cast<uint32_t>(IntBinaryOp::Count))
    return Status::range("binary: unknown int op " + std::to_string(static_cast<int>(op)));
  const Operand* ops[3] = {&out, &a, &b};
  const DType want[3] = {DType::Int32, DType::Int32, DType::Int32};
  const char* names[3] = {"output", "first input", "second input"};
  if (Status st = check_all<3>("binary", s, ops, want, names); !st) return st;
  if (s.numel() == 0) return Status::ok();
  int32_t* po = at<int32_t>(out);
  const int32_t *pa = at<int32_t>(a), *pb = at<int32_t>(b);
  if (op == IntBinaryOp::FloorDiv || op == IntBinaryOp::Remainder) {
    // A zero divisor anywhere is an error, as in PyTorch ("ZeroDivisionError").
    bool zero = false;
    const Operand* bo[1] = {&b};
    for_runs<1>(plan_runs<1>(s, bo), [&](const int64_t* off, int64_t n, const int64_t* st) {
      for (int64_t i = 0; i < n; ++i) zero |= pb[off[0] + i * st[0]] == 0;
    });
    if (zero) return Status::range("div: integer division by zero");
  }
  for_runs<3>(plan_runs<3>(s, ops), [&](const int64_t* off, int64_t n, const int64_t* st) {
    for (int64_t i = 0; i < n; ++i) {
      // uint32 arithmetic wraps like PyTorch's int32 without signed-overflow UB.
      const uint32_t x = static_cast<uint32_t>(pa[off[1] + i * st[1]]);
      const uint32_t y = static_cast<uint32_t>(pb[off[2] + i * st[2]]);
      const int32_t sx = static_cast<int32_t>(x), sy = static_cast<int32_t>(y);
      int32_t r = 0;
      switch (op) {
        case IntBinaryOp::Add: r = static_cast<int32_t>(x + y); break;
        case IntBinaryOp::Sub: r = static_cast<int32_t>(x - y); break;
        case IntBinaryOp::Mul: r = static_cast<int32_t>(x * y); break;
        case IntBinaryOp::Maximum: r = sx > sy ? sx : sy; break;
        case IntBinaryOp::Minimum: r = sx < sy ? sx : sy; break;
        case IntBinaryOp::FloorDiv:
        case IntBinaryOp::Remainder: {
          int64_t q = static_cast<int64_t>(sx) / sy, m = static_cast<int64_t>(sx) % sy;
          if (m != 0 && ((m < 0) != (sy < 0))) { --q; m += sy; }
          r = static_cast<int32_t>(static_cast<uint32_t>(op == IntBinaryOp::FloorDiv ? q : m));
          break;
        }
        case IntBinaryOp::Count: break;
      }
      po[off[0] + i * st[0]] = r;
    }
  });
  return Status::ok();
}

namespace {
template <class T>
bool compare_one(CompareOp op, T x, T y) {
  switch (op) {
    case CompareOp::Eq: return x == y;
    case CompareOp::Ne: return x != y;
    case CompareOp::Lt: return x < y;
    case CompareOp::Le: return x <= y;
    case CompareOp::Gt: return x > y;
    case CompareOp::Ge: return x >= y;
    case CompareOp::Count: break;
  }
  return false;
}
}  // namespace

Status compare(CompareOp op, const Shape& s, const Operand& out, const Operand& a, const Operand& b) {
  if (static_cast<uint32_t>(op) >= static_cast<uint32_t>(CompareOp::Count))
    return Status::range("compare: unknown op " + std::to_string(static_cast<int>(op)));
  if (a.dtype != b.dtype)
    return Status::type(std::string("compare: inputs must share a dtype, got ") + dtype_name(a.dtype) + " and " +
                        dtype_name(b.dtype));
  const Operand* ops[3] = {&out, &a, &b};
  const DType want[3] = {DType::Bool, a.dtype, a.dtype};
  const char* names[3] = {"output", "first input", "second input"};
  if (Status st = check_all<3>("compare", s, ops, want, names); !st) return st;
  if (s.numel() == 0) return Status::ok();
  uint8_t* po = at<uint8_t>(out);
  dispatch_dtype(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T *pa = at<T>(a), *pb = at<T>(b);
    for_runs<3>(plan_runs<3>(s, ops), [&](const int64_t* off, int64_t n, const int64_t* st) {
      for (int64_t i = 0; i < n; ++i)
        po[off[0] + i * st[0]] = compare_one<T>(op, pa[off[1] + i * st[1]], pb[off[2] + i * st[2]]);
    });
  });
  return Status::ok();
}

Status compare_scalar(CompareOp op, const Shape& s, const Operand& out, const Operand& a, double scalar) {
  if (static_cast<uint32_t>(op) >= static_cast<uint32_t>(CompareOp::Count))
    return Status::range("compare: unknown op " + std::to_string(static_cast<int>(op)));
  const Operand* ops[2] = {&out, &a};
  const DType want[2] = {DType::Bool, a.dtype};
  const char* names[2] = {"output", "input"};
  if (Status st = check_all<2>("compare", s, ops, want, names); !st) return st;
  if (s.numel() == 0) return Status::ok();
  uint8_t* po = at<uint8_t>(out);
  dispatch_dtype(a.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = at<T>(a);
    for_runs<2>(plan_runs<2>(s, ops), [&](const int64_t* off, int64_t n, const int64_t* st) {
      // Compare in double so that int32 against a fractional scalar is exact (2 < 2.5).
      for (int64_t i = 0; i < n; ++i)
        po[off[0] + i * st[0]] = compare_one<double>(op, static_cast<double>(pa[off[1] + i * st[1]]), scalar);
    });
  });
  return Status::ok();
}

Status where(const Shape& s, const Operand& out, const Operand& cond, const Operand& a, const Operand& b) {
  const Operand* ops[4] = {&out, &cond, &a, &b};
  const DType want[4] = {out.dtype, DType::Bool, out.dtype, out.dtype};
  const char* names[4] = {"output", "condition", "first input", "second input"};
  if (Status st = check_all<4>("where", s, ops, want, names); !st) return st;
  if (s.numel() == 0) return Status::ok();
  const uint8_t* pc = at<uint8_t>(cond);
  dispatch_dtype(out.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* po = at<T>(out);
    const T *pa = at<T>(a), *pb = at<T>(b);
    for_runs<4>(plan_runs<4>(s, ops), [&](const int64_t* off, int64_t n, const int64_t* st) {
      for (int64_t i = 0; i < n; ++i)
        po[off[0] + i * st[0]] = pc[off[1] + i * st[1]] ? pa[off[2] + i * st[2]] : pb[off[3] + i * st[3]];
    });
  });
  return Status::ok();
}

Status cast(const Shape& s, const Operand& out, const Operand& x, Validate validate) {
  const Operand* ops[2] = {&out, &x};
  const DType want[2] = {out.dtype, x.dtype};
  const char* names[2] = {"output", "input"};
  if (validate == Validate::Yes)
    if (Status st = check_all<2>("copy", s, ops, want, names); !st) return st;
  if (s.numel() == 0) return Status::ok();
  const auto plan = plan_runs<2>(s, ops);
  dispatch_dtype(out.dtype, [&](auto otag) {
    using O = decltype(otag);
    dispatch_dtype(x.dtype, [&](auto itag) {
      using I = decltype(itag);
      O* po = at<O>(out);
      const I* px = at<I>(x);
      for_runs<2>(plan, [&](const int64_t* off, int64_t n, const int64_t* st) {
        if constexpr (std::is_same_v<O, I>) {
          if (st[0] == 1 && st[1] == 1) return (void)std::memmove(po + off[0], px + off[1], n * sizeof(O));
          for (int64_t i = 0; i < n; ++i) po[off[0] + i * st[0]] = px[off[1] + i * st[1]];
        } else {
          for (int64_t i = 0; i < n; ++i) po[off[0] + i * st[0]] = cast_to<O>(static_cast<double>(px[off[1] + i * st[1]]));
        }
      });
    });
  });
  return Status::ok();
}

Status fill(const Shape& s, const Operand& out, double value, Validate validate) {
  const Operand* ops[1] = {&out};
  const DType want[1] = {out.dtype};
  const char* names[1] = {"output"};
  if (validate == Validate::Yes)
    if (Status st = check_all<1>("fill", s, ops, want, names); !st) return st;
  if (s.numel() == 0) return Status::ok();
  dispatch_dtype(out.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* po = at<T>(out);
    const T v = cast_to<T>(value);
    for_runs<1>(plan_runs<1>(s, ops), [&](const int64_t* off, int64_t n, const int64_t* st) {
      for (int64_t i = 0; i < n; ++i) po[off[0] + i * st[0]] = v;
    });
  });
  return Status::ok();
}

}  // namespace tg
