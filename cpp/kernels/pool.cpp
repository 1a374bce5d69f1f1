// 2-d pooling over NCHW planes (tg.h): max (with indices), avg and adaptive avg, forward and
// backward, each the loop of PyTorch 1.13's contiguous CPU kernels (aten/src/ATen/native/cpu/
// MaxPoolKernel.cpp, AvgPoolKernel.cpp, AdaptiveAvgPoolKernel.cpp), so windows, divisors and
// the order of each sum are the same. Planes are independent: threads split the n * c planes,
// so a backward's scatter into a plane never races.
#include <algorithm>
#include <bit>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/checks.h"
#include "core/thread_pool.h"
#include "tg.h"

namespace tg {
namespace {

using i128 = __int128;

const char* op_name(PoolKind kind, bool backward) {
  if (kind == PoolKind::Max) return backward ? "maxPool2d.backward" : "maxPool2d";
  return backward ? "avgPool2d.backward" : "avgPool2d";
}

std::string dims_str(int64_t n, int64_t c, int64_t h, int64_t w) {
  return "[" + std::to_string(n) + ", " + std::to_string(c) + ", " + std::to_string(h) + ", " + std::to_string(w) + "]";
}

Shape shape4(int64_t n, int64_t c, int64_t h, int64_t w) {
  Shape s;
  s.ndim = 4;
  s.size[0] = n, s.size[1] = c, s.size[2] = h, s.size[3] = w;
  return s;
}

// floor(a / b) for b > 0.
i128 floor_div(i128 a, i128 b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// PyTorch's pooling_output_shape: the last window must start inside the input or the left
// padding, so ceil_mode drops a window that would start in the right padding.
i128 pooled_size(i128 in, i128 k, i128 pad, i128 stride, i128 dil, bool ceil_mode) {
  i128 out = floor_div(in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// Input sizes: n >= 0 and non-empty planes of c >= 1 channels, as PyTorch requires.
Status check_input(const char* op, const Pool2dArgs& a) {
  if (a.n < 0 || a.c < 1 || a.h < 1 || a.w < 1)
    return Status::range(std::string(op) + ": Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got: " +
                         dims_str(a.n, a.c, a.h, a.w));
  return check_shape(op, shape4(a.n, a.c, a.h, a.w));
}

// PyTorch's pool2d_shape_check, then the output size.
Status window_geometry(const char* op, PoolKind kind, const Pool2dArgs& a, int64_t* ho, int64_t* wo) {
  const std::string o = op;
  const Window2d& k = a.win;
  if (Status st = check_input(op, a); !st) return st;
  if (k.kh < 1 || k.kw < 1)
    return Status::range(o + ": kernel size should be greater than zero, but got kH: " + std::to_string(k.kh) +
                         " kW: " + std::to_string(k.kw));
  if (k.sh < 1 || k.sw < 1)
    return Status::range(o + ": stride should be greater than zero, but got dH: " + std::to_string(k.sh) +
                         " dW: " + std::to_string(k.sw));
  if (k.dh < 1 || k.dw < 1)
    return Status::range(o + ": dilation should be greater than zero, but got dilationH: " + std::to_string(k.dh) +
                         " dilationW: " + std::to_string(k.dw));
  if (kind == PoolKind::Avg && (k.dh != 1 || k.dw != 1))
    return Status::range(o + ": avg pooling has no dilation, got dilationH: " + std::to_string(k.dh) +
                         " dilationW: " + std::to_string(k.dw));
  if (k.ph < 0 || k.pw < 0)
    return Status::range(o + ": pad must be non-negative, but got padH: " + std::to_string(k.ph) +
                         " padW: " + std::to_string(k.pw));
  if (k.kw / 2 < k.pw || k.kh / 2 < k.ph)
    return Status::range(o + ": pad should be smaller than or equal to half of kernel size, but got padW = " +
                         std::to_string(k.pw) + ", padH = " + std::to_string(k.ph) + ", kW = " + std::to_string(k.kw) +
                         ", kH = " + std::to_string(k.kh));
  // Every term below 2^63, so nothing here overflows 128 bits; bounding the padded input and
  // the dilated window keeps the kernels' index arithmetic inside int64.
  const i128 span_h = i128(k.dh) * (k.kh - 1) + 1, span_w = i128(k.dw) * (k.kw - 1) + 1;
  if (i128(a.h) + 2 * i128(k.ph) > INT64_MAX / 4 || i128(a.w) + 2 * i128(k.pw) > INT64_MAX / 4 ||
      span_h > INT64_MAX / 4 || span_w > INT64_MAX / 4)
    return Status::range(o + ": window or padding too large");
  const i128 oh = pooled_size(a.h, k.kh, k.ph, k.sh, k.dh, a.ceil_mode);
  const i128 ow = pooled_size(a.w, k.kw, k.pw, k.sw, k.dw, a.ceil_mode);
  if (oh < 1 || ow < 1) {
    auto s = [](i128 v) { return std::to_string(static_cast<int64_t>(v)); };
    return Status::range(o + ": Given input size: (" + std::to_string(a.c) + "x" + std::to_string(a.h) + "x" +
                         std::to_string(a.w) + "). Calculated output size: (" + std::to_string(a.c) + "x" + s(oh) +
                         "x" + s(ow) + "). Output size is too small");
  }
  *ho = int64_t(oh);
  *wo = int64_t(ow);
  if (Status st = check_shape(op, shape4(a.n, a.c, *ho, *wo)); !st) return st;
  if (kind == PoolKind::Max && a.h * a.w > std::numeric_limits<int32_t>::max())
    return Status::range(o + ": input planes of " + std::to_string(a.h) + " x " + std::to_string(a.w) +
                         " have too many elements for int32 indices");
  return Status::ok();
}

Status check_given_size(const char* op, const Pool2dArgs& a, int64_t ho, int64_t wo) {
  if (a.ho != ho || a.wo != wo)
    return Status::range(std::string(op) + ": output size (" + std::to_string(a.ho) + " x " + std::to_string(a.wo) +
                         ") given, but the window gives (" + std::to_string(ho) + " x " + std::to_string(wo) + ")");
  return Status::ok();
}

Status check_f32(const char* op, const char* what, const Operand& o, const Shape& s) {
  return check_dense(op, what, s, o, DType::Float32);
}

// The checks of a windowed pool's call: geometry, the given size, then the two operands (the
// input side and the output side) and, for max, the indices.
Status check_call(PoolKind kind, bool backward, const Pool2dArgs& a, const Operand& in, const Operand& out,
                  const Operand* indices) {
  const char* op = op_name(kind, backward);
  int64_t ho = 0, wo = 0;
  if (Status st = window_geometry(op, kind, a, &ho, &wo); !st) return st;
  if (Status st = check_given_size(op, a, ho, wo); !st) return st;
  const Shape s_in = shape4(a.n, a.c, a.h, a.w), s_out = shape4(a.n, a.c, ho, wo);
  if (Status st = check_f32(op, backward ? "grad_input" : "input", in, s_in); !st) return st;
  if (Status st = check_f32(op, backward ? "grad_output" : "output", out, s_out); !st) return st;
  if (indices)
    if (Status st = check_dense(op, "indices", s_out, *indices, DType::Int32); !st) return st;
  return Status::ok();
}

// Threads over planes, each worth ~per_plane element visits (in double: a product of sizes).
template <class F>
void for_planes(const Pool2dArgs& a, double per_plane, F&& fn) {
  const int64_t planes = a.n * a.c;
  const int64_t grain = per_plane >= 32768 ? 1 : int64_t(32768 / std::max(per_plane, 1.0));
  parallel_for(planes, grain, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) fn(p);
  });
}

// Element visits of a plane's windows: each output reads at most min(kh, h) x min(kw, w).
double window_work(const Pool2dArgs& a) {
  return double(a.ho) * double(a.wo) * double(std::min(a.win.kh, a.h)) * double(std::min(a.win.kw, a.w));
}

// The first position >= start on the grid start + m * step that is >= 0.
int64_t first_inside(int64_t start, int64_t step) { return start >= 0 ? start : start + (-start + step - 1) / step * step; }

// Avg's window [h0, h1) x [w0, w1) clipped to the input, and its divisor (PyTorch's rules: the
// window is first clipped to the padded input, which only ceil_mode's last window overhangs,
// and counts padding when count_include_pad).
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  float divisor;
  bool empty() const { return h0 >= h1 || w0 >= w1; }
};

AvgWindow avg_window(const Pool2dArgs& a, int64_t oh, int64_t ow) {
  const Window2d& k = a.win;
  AvgWindow r;
  r.h0 = oh * k.sh - k.ph;
  r.w0 = ow * k.sw - k.pw;
  r.h1 = std::min(r.h0 + k.kh, a.h + k.ph);
  r.w1 = std::min(r.w0 + k.kw, a.w + k.pw);
  const double pool_size = double(r.h1 - r.h0) * double(r.w1 - r.w0);
  r.h0 = std::max<int64_t>(r.h0, 0);
  r.w0 = std::max<int64_t>(r.w0, 0);
  r.h1 = std::min(r.h1, a.h);
  r.w1 = std::min(r.w1, a.w);
  if (a.divisor_override != 0) r.divisor = float(a.divisor_override);
  else if (a.count_include_pad) r.divisor = float(pool_size);
  else r.divisor = float(double(r.h1 - r.h0) * double(r.w1 - r.w0));
  return r;
}

// PyTorch's adaptive window bounds: [floor(i * in / out), ceil((i + 1) * in / out)).
int64_t start_index(int64_t i, int64_t out, int64_t in) { return int64_t(i128(i) * in / out); }
int64_t end_index(int64_t i, int64_t out, int64_t in) { return int64_t(1 + (i128(i + 1) * in - 1) / out); }

Status check_adaptive(bool backward, const Pool2dArgs& a, const Operand& in, const Operand& out) {
  const char* op = backward ? "adaptiveAvgPool2d.backward" : "adaptiveAvgPool2d";
  if (Status st = check_input(op, a); !st) return st;
  if (a.ho < 0 || a.wo < 0)
    return Status::range(std::string(op) + ": elements of output_size must be greater than or equal to 0, got (" +
                         std::to_string(a.ho) + ", " + std::to_string(a.wo) + ")");
  if (Status st = check_shape(op, shape4(a.n, a.c, a.ho, a.wo)); !st) return st;
  if (Status st = check_f32(op, backward ? "grad_input" : "input", in, shape4(a.n, a.c, a.h, a.w)); !st) return st;
  return check_f32(op, backward ? "grad_output" : "output", out, shape4(a.n, a.c, a.ho, a.wo));
}

}  // namespace

Status pool2d_output_size(PoolKind kind, const Pool2dArgs& a, int64_t* ho, int64_t* wo) {
  return window_geometry(op_name(kind, false), kind, a, ho, wo);
}

Status max_pool2d_forward(const Pool2dArgs& a, const Operand& x, const Operand& out, const Operand& indices) {
  if (Status st = check_call(PoolKind::Max, false, a, x, out, &indices); !st) return st;
  if (a.n == 0) return Status::ok();
  const Window2d& k = a.win;
  const int64_t plane = a.h * a.w, oplane = a.ho * a.wo;
  const float* X = static_cast<const float*>(x.base) + x.offset;
  float* Y = static_cast<float*>(out.base) + out.offset;
  int32_t* I = static_cast<int32_t*>(indices.base) + indices.offset;
  // Window by window in the window's row-major order, as PyTorch's loop, with the max and its
  // index updated by masks: with `if (v > m)` the branch mispredicted about every other element
  // on activations (2x2 pooling of 64 x 64 x 24 x 24 on one thread: 9.8-10.3 -> 6.4 ms CPU; the
  // taps outer and a row of outputs in memory took 6.6-7.0). What is left is each window's
  // compare-and-select chain. Each window's columns inside the input [w0, w1) are the same for
  // every row and plane.
  std::vector<int64_t> w0(size_t(a.wo)), w1(size_t(a.wo));
  for (int64_t ow = 0; ow < a.wo; ++ow) {
    const int64_t ws = ow * k.sw - k.pw;
    w0[ow] = first_inside(ws, k.dw);
    w1[ow] = std::min(ws + (k.kw - 1) * k.dw + 1, a.w);
  }
  for_planes(a, window_work(a), [&](int64_t p) {
    const float* xp = X + p * plane;
    for (int64_t oh = 0; oh < a.ho; ++oh) {
      float* y = Y + p * oplane + oh * a.wo;
      int32_t* ix = I + p * oplane + oh * a.wo;
      const int64_t hs = oh * k.sh - k.ph;
      const int64_t h1 = std::min(hs + (k.kh - 1) * k.dh + 1, a.h), h0 = first_inside(hs, k.dh);
      for (int64_t ow = 0; ow < a.wo; ++ow) {
        // A window of -inf only reports its first element (inside the input).
        uint32_t m = std::bit_cast<uint32_t>(-std::numeric_limits<float>::infinity());
        uint32_t best = uint32_t(h0 * a.w + w0[ow]);
        for (int64_t ih = h0; ih < h1; ih += k.dh)
          for (int64_t iw = w0[ow]; iw < w1[ow]; iw += k.dw) {
            const float v = xp[ih * a.w + iw];
            // As PyTorch: the first maximum wins, a NaN wins (and the last NaN is kept). As
            // masks: GCC turns `take ? v : m` back into a branch.
            const uint32_t take = 0u - (uint32_t(v > std::bit_cast<float>(m)) | uint32_t(v != v));
            m = (std::bit_cast<uint32_t>(v) & take) | (m & ~take);
            best = (uint32_t(ih * a.w + iw) & take) | (best & ~take);
          }
        y[ow] = std::bit_cast<float>(m);
        ix[ow] = static_cast<int32_t>(best);
      }
    }
  });
  return Status::ok();
}

Status max_pool2d_backward(const Pool2dArgs& a, const Operand& grad_out, const Operand& indices,
                           const Operand& grad_x) {
  const char* op = "maxPool2d.backward";
  if (Status st = check_call(PoolKind::Max, true, a, grad_x, grad_out, &indices); !st) return st;
  if (a.n == 0) return Status::ok();
  const int64_t plane = a.h * a.w, oplane = a.ho * a.wo;
  const float* G = static_cast<const float*>(grad_out.base) + grad_out.offset;
  const int32_t* I = static_cast<const int32_t*>(indices.base) + indices.offset;
  float* GX = static_cast<float*>(grad_x.base) + grad_x.offset;
  // An index outside the plane (not one forward wrote for a non-empty window) is skipped and
  // reported.
  std::atomic<bool> bad{false};
  std::atomic<int64_t> bad_index{0};
  for_planes(a, double(oplane) + double(plane), [&](int64_t p) {
    float* gp = GX + p * plane;
    std::fill(gp, gp + plane, 0.0f);
    const float* g = G + p * oplane;
    const int32_t* ip = I + p * oplane;
    for (int64_t i = 0; i < oplane; ++i) {
      const int64_t idx = ip[i];
      if (idx < 0 || idx >= plane) {
        bad_index.store(idx, std::memory_order_relaxed);
        bad.store(true, std::memory_order_relaxed);
        continue;
      }
      gp[idx] += g[i];
    }
  });
  if (bad.load())
    return Status::range(std::string(op) + ": index " + std::to_string(bad_index.load()) + " is outside the input plane of " +
                         std::to_string(a.h) + " x " + std::to_string(a.w));
  return Status::ok();
}

Status avg_pool2d_forward(const Pool2dArgs& a, const Operand& x, const Operand& out) {
  if (Status st = check_call(PoolKind::Avg, false, a, x, out, nullptr); !st) return st;
  if (a.n == 0) return Status::ok();
  const int64_t plane = a.h * a.w, oplane = a.ho * a.wo;
  const float* X = static_cast<const float*>(x.base) + x.offset;
  float* Y = static_cast<float*>(out.base) + out.offset;
  for_planes(a, window_work(a), [&](int64_t p) {
    const float* xp = X + p * plane;
    float* yp = Y + p * oplane;
    for (int64_t oh = 0; oh < a.ho; ++oh)
      for (int64_t ow = 0; ow < a.wo; ++ow) {
        const AvgWindow win = avg_window(a, oh, ow);
        if (win.empty()) {
          yp[oh * a.wo + ow] = 0.0f;
          continue;
        }
        float s = 0.0f;
        for (int64_t ih = win.h0; ih < win.h1; ++ih)
          for (int64_t iw = win.w0; iw < win.w1; ++iw) s += xp[ih * a.w + iw];
        yp[oh * a.wo + ow] = s / win.divisor;
      }
  });
  return Status::ok();
}

Status avg_pool2d_backward(const Pool2dArgs& a, const Operand& grad_out, const Operand& grad_x) {
  if (Status st = check_call(PoolKind::Avg, true, a, grad_x, grad_out, nullptr); !st) return st;
  if (a.n == 0) return Status::ok();
  const int64_t plane = a.h * a.w, oplane = a.ho * a.wo;
  const float* G = static_cast<const float*>(grad_out.base) + grad_out.offset;
  float* GX = static_cast<float*>(grad_x.base) + grad_x.offset;
  for_planes(a, window_work(a) + double(plane), [&](int64_t p) {
    float* gp = GX + p * plane;
    std::fill(gp, gp + plane, 0.0f);
    const float* g = G + p * oplane;
    for (int64_t oh = 0; oh < a.ho; ++oh)
      for (int64_t ow = 0; ow < a.wo; ++ow) {
        const AvgWindow win = avg_window(a, oh, ow);
        if (win.empty()) continue;
        const float d = g[oh * a.wo + ow] / win.divisor;
        for (int64_t ih = win.h0; ih < win.h1; ++ih)
          for (int64_t iw = win.w0; iw < win.w1; ++iw) gp[ih * a.w + iw] += d;
      }
  });
  return Status::ok();
}

Status adaptive_avg_pool2d_forward(const Pool2dArgs& a, const Operand& x, const Operand& out) {
  if (Status st = check_adaptive(false, a, x, out); !st) return st;
  if (a.n == 0 || a.ho == 0 || a.wo == 0) return Status::ok();
  const int64_t plane = a.h * a.w, oplane = a.ho * a.wo;
  const float* X = static_cast<const float*>(x.base) + x.offset;
  float* Y = static_cast<float*>(out.base) + out.offset;
  // Each cell's window is about (h / ho + 1) x (w / wo + 1): the plane once, plus overlaps.
  for_planes(a, double(plane) + double(oplane), [&](int64_t p) {
    const float* xp = X + p * plane;
    float* yp = Y + p * oplane;
    for (int64_t oh = 0; oh < a.ho; ++oh) {
      const int64_t h0 = start_index(oh, a.ho, a.h), h1 = end_index(oh, a.ho, a.h);
      for (int64_t ow = 0; ow < a.wo; ++ow) {
        const int64_t w0 = start_index(ow, a.wo, a.w), w1 = end_index(ow, a.wo, a.w);
        float s = 0.0f;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) s += xp[ih * a.w + iw];
        // As PyTorch: divided by the window's height, then by its width.
        yp[oh * a.wo + ow] = s / float(h1 - h0) / float(w1 - w0);
      }
    }
  });
  return Status::ok();
}

Status adaptive_avg_pool2d_backward(const Pool2dArgs& a, const Operand& grad_out, const Operand& grad_x) {
  if (Status st = check_adaptive(true, a, grad_x, grad_out); !st) return st;
  if (a.n == 0) return Status::ok();
  const int64_t plane = a.h * a.w, oplane = a.ho * a.wo;
  const float* G = oplane ? static_cast<const float*>(grad_out.base) + grad_out.offset : nullptr;
  float* GX = static_cast<float*>(grad_x.base) + grad_x.offset;
  for_planes(a, double(plane) + double(oplane), [&](int64_t p) {
    float* gp = GX + p * plane;
    std::fill(gp, gp + plane, 0.0f);
    for (int64_t oh = 0; oh < a.ho; ++oh) {
      const int64_t h0 = start_index(oh, a.ho, a.h), h1 = end_index(oh, a.ho, a.h);
      for (int64_t ow = 0; ow < a.wo; ++ow) {
        const int64_t w0 = start_index(ow, a.wo, a.w), w1 = end_index(ow, a.wo, a.w);
        const float d = G[p * oplane + oh * a.wo + ow] / float(h1 - h0) / float(w1 - w0);
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) gp[ih * a.w + iw] += d;
      }
    }
  });
  return Status::ok();
}

}  // namespace tg
