// F.unfold (im2col) and F.fold (col2im) over NCHW float32 (tg.h), PyTorch 1.13's
// aten/src/ATen/native/Im2Col.cpp / Col2Im.cpp: cols [n, c * kh * kw, lh * lw], row
// (c, i, j) holding, for every block (sliding-window position), the pixel that kernel tap
// (i, j) of channel c reads there, 0 in the padding. fold is the adjoint: each column entry is
// added into the pixel it was read from (overlapping blocks add up, padding is dropped).
//
// conv.cpp has its own im2col over one group's channels (for its GEMM, with its own geometry
// and scratch); this file is the user-facing pair over whole images, so the conv kernel stays
// free to change its internals.
//
// Threads: one task per (image, channel) plane; every output element belongs to one plane
// (fold adds a plane's columns in a fixed order), so results do not depend on the thread count.
#include <algorithm>
#include <cstring>
#include <string>

#include "core/checks.h"
#include "core/iterate.h"
#include "core/thread_pool.h"
#include "kernels/isa_table.h"
#include "tg.h"

namespace tg {
namespace {

Shape shape_of(std::initializer_list<int64_t> dims) {
  Shape s;
  for (int64_t d : dims) s.size[s.ndim++] = d;
  return s;
}

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The blocks [lo, hi) of `out` whose input position o * stride + off lies in [0, size).
void valid_range(int64_t off, int64_t stride, int64_t size, int64_t out, int64_t* lo, int64_t* hi) {
  *lo = std::clamp<int64_t>(ceil_div(-off, stride), 0, out);
  *hi = std::clamp<int64_t>(ceil_div(size - off, stride), *lo, out);
}

// Every size and hyper-parameter, and lh / lw equal to the number of blocks the window gives.
Status check_args(const char* op, const UnfoldArgs& a) {
  const Window2d& k = a.win;
  if (a.n < 0 || a.c < 0 || a.h < 0 || a.w < 0) return Status::range(std::string(op) + ": negative size");
  if (k.kh < 1 || k.kw < 1) return Status::range(std::string(op) + ": kernel size should be greater than zero");
  if (k.sh < 1 || k.sw < 1) return Status::range(std::string(op) + ": stride should be greater than zero");
  if (k.dh < 1 || k.dw < 1) return Status::range(std::string(op) + ": dilation should be greater than zero");
  if (k.ph < 0 || k.pw < 0) return Status::range(std::string(op) + ": padding should be non-negative");
  for (const Shape& s : {shape_of({a.n, a.c, a.h, a.w}), shape_of({a.n, a.c, k.kh, k.kw, a.lh, a.lw})})
    if (Status st = check_shape(op, s); !st) return st;
  // In 128 bits: no term overflows.
  using i128 = __int128;
  const i128 bh = (i128(a.h) + 2 * i128(k.ph) - i128(k.dh) * (k.kh - 1) - 1) / k.sh + 1;
  const i128 bw = (i128(a.w) + 2 * i128(k.pw) - i128(k.dw) * (k.kw - 1) - 1) / k.sw + 1;
  if (i128(a.h) + 2 * i128(k.ph) - i128(k.dh) * (k.kh - 1) - 1 < 0 || bh != a.lh ||
      i128(a.w) + 2 * i128(k.pw) - i128(k.dw) * (k.kw - 1) - 1 < 0 || bw != a.lw || a.lh < 1 || a.lw < 1)
    return Status::range(std::string(op) + ": the window gives no block, or not the " + std::to_string(a.lh) + " x " +
                         std::to_string(a.lw) + " blocks given");
  return Status::ok();
}

const float* in(const Operand& o) { return static_cast<const float*>(o.base) + o.offset; }
float* out_of(const Operand& o) { return static_cast<float*>(o.base) + o.offset; }

// Planes per task so that a task moves about kParallelGrain floats.
int64_t plane_grain(const UnfoldArgs& a) {
  const int64_t work = std::max<int64_t>(1, a.win.kh * a.win.kw * a.lh * a.lw);
  return std::max<int64_t>(1, kParallelGrain / work);
}

}  // namespace

Status unfold_forward(const UnfoldArgs& a, const Operand& x, const Operand& cols) {
  const char* op = "unfold";
  if (Status st = check_args(op, a); !st) return st;
  const Window2d& k = a.win;
  if (Status st = check_dense(op, "input", shape_of({a.n, a.c, a.h, a.w}), x, DType::Float32); !st) return st;
  if (Status st = check_dense(op, "output", shape_of({a.n, a.c * k.kh * k.kw, a.lh * a.lw}), cols, DType::Float32); !st)
    return st;
  if (a.n * a.c == 0) return Status::ok();
  const float* px = in(x);
  float* pc = out_of(cols);
  const int64_t L = a.lh * a.lw;
  parallel_for(a.n * a.c, plane_grain(a), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      const float* src_plane = px + plane * a.h * a.w;
      float* rows = pc + plane * k.kh * k.kw * L;
      for (int64_t i = 0; i < k.kh; ++i) {
        const int64_t hoff = i * k.dh - k.ph;
        int64_t oh_lo, oh_hi;
        valid_range(hoff, k.sh, a.h, a.lh, &oh_lo, &oh_hi);
        for (int64_t j = 0; j < k.kw; ++j) {
          float* row = rows + (i * k.kw + j) * L;
          const int64_t woff = j * k.dw - k.pw;
          int64_t ow_lo, ow_hi;
          valid_range(woff, k.sw, a.w, a.lw, &ow_lo, &ow_hi);
          std::fill(row, row + oh_lo * a.lw, 0.0f);
          for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
            const float* src = src_plane + (oh * k.sh + hoff) * a.w;
            float* dst = row + oh * a.lw;
            std::fill(dst, dst + ow_lo, 0.0f);
            if (k.sw == 1) {
              if (ow_hi > ow_lo) std::memcpy(dst + ow_lo, src + ow_lo + woff, size_t(ow_hi - ow_lo) * sizeof(float));
            } else {
              for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dst[ow] = src[ow * k.sw + woff];
            }
            std::fill(dst + ow_hi, dst + a.lw, 0.0f);
          }
          std::fill(row + oh_hi * a.lw, row + L, 0.0f);
        }
      }
    }
  });
  return Status::ok();
}

Status fold_forward(const UnfoldArgs& a, const Operand& cols, const Operand& x) {
  const char* op = "fold";
  if (Status st = check_args(op, a); !st) return st;
  const Window2d& k = a.win;
  if (Status st = check_dense(op, "input", shape_of({a.n, a.c * k.kh * k.kw, a.lh * a.lw}), cols, DType::Float32); !st)
    return st;
  if (Status st = check_dense(op, "output", shape_of({a.n, a.c, a.h, a.w}), x, DType::Float32); !st) return st;
  if (a.n * a.c == 0) return Status::ok();
  const KernelTable& kt = kernels();
  const float* pc = in(cols);
  float* px = out_of(x);
  const int64_t L = a.lh * a.lw;
  parallel_for(a.n * a.c, plane_grain(a), [&](int64_t b, int64_t e) {
    for (int64_t plane = b; plane < e; ++plane) {
      float* dst_plane = px + plane * a.h * a.w;
      std::fill(dst_plane, dst_plane + a.h * a.w, 0.0f);
      const float* rows = pc + plane * k.kh * k.kw * L;
      for (int64_t i = 0; i < k.kh; ++i) {
        const int64_t hoff = i * k.dh - k.ph;
        int64_t oh_lo, oh_hi;
        valid_range(hoff, k.sh, a.h, a.lh, &oh_lo, &oh_hi);
        for (int64_t j = 0; j < k.kw; ++j) {
          const float* row = rows + (i * k.kw + j) * L;
          const int64_t woff = j * k.dw - k.pw;
          int64_t ow_lo, ow_hi;
          valid_range(woff, k.sw, a.w, a.lw, &ow_lo, &ow_hi);
          for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
            float* dst = dst_plane + (oh * k.sh + hoff) * a.w;
            const float* src = row + oh * a.lw;
            if (k.sw == 1) {
              if (ow_hi > ow_lo) kt.accumulate_f32(dst + ow_lo + woff, src + ow_lo, ow_hi - ow_lo);
            } else {
              for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dst[ow * k.sw + woff] += src[ow];
            }
          }
        }
      }
    }
  });
  return Status::ok();
}

}  // namespace tg
