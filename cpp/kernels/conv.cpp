// conv2d (tg.h) as im2col + GEMM, PyTorch's (and Caffe's) CPU lowering.
//
// Forward, per image and group g (cg = c / groups input channels, og = o / groups outputs,
// k = cg * kh * kw, hw = ho * wo):
//   cols [k, hw]    = im2col(x[n, g])          (zero where a window reads the padding)
//   out[n, g] [og, hw] = w[g] [og, k] @ cols + bias[g] (the GEMM's per-row epilogue)
// Backward, per image and group:
//   grad_w[g] [og, k]  += grad_out[n, g] [og, hw] @ cols^T     (summed over the batch)
//   cols [k, hw]        = w[g]^T @ grad_out[n, g];  grad_x[n, g] = col2im(cols)
//                         (col2im adds each window's column back into the pixels it read)
//   grad_b [o]          = sum of grad_out over n, ho, wo
// A 1x1, stride-1, unpadded conv reads the input plane itself as the [cg, h * w] matrix (and
// writes grad_x straight from the GEMM): no im2col. A stride-1 conv with enough channels runs
// grad_x and grad_w (and the forward where im2col is dear) as one GEMM per kernel tap on the
// planes themselves, shifted: see "The shifted-plane lowering" below.
//
// Threads: with at least as many images as threads, the threads claim images (runs of images
// for grad_w, each summed into its own buffer, the buffers added in a fixed order) and run
// their GEMMs alone, each thread with its own cols scratch; with fewer, images go one at a time
// and the GEMM threads. Results do not depend on the thread count. All scratch is per call.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <string>

#include "core/scratch.h"
#include "core/checks.h"
#include "core/thread_pool.h"
#include "kernels/gemm.h"
#include "kernels/isa_table.h"
#include "tg.h"

namespace tg {
namespace {

using i128 = __int128;

std::string i128_str(i128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return std::to_string(static_cast<int64_t>(v));
  return v < 0 ? "-huge" : "huge";
}

Shape shape_of(std::initializer_list<int64_t> dims) {
  Shape s;
  for (int64_t d : dims) s.size[s.ndim++] = d;
  return s;
}


// Sizes derived from the arguments, all validated to fit.
struct Geom {
  int64_t cg = 0, og = 0;  // channels per group: input, output
  int64_t k = 0;           // cg * kh * kw: the GEMM's inner dim
  int64_t hw = 0;          // ho * wo
  int64_t plane = 0;       // h * w
  int64_t ho = 0, wo = 0;  // as the window gives them
  bool direct = false;     // 1x1, stride 1, no padding: the input plane is the cols matrix
};

// Every check of the sizes and hyper-parameters, with PyTorch's messages where it has one.
Status geometry(const char* op, const Conv2dArgs& a, Geom* g) {
  const std::string o = op;
  const Window2d& k = a.win;
  if (a.n < 0 || a.c < 0 || a.h < 0 || a.w < 0 || a.o < 0)
    return Status::range(o + ": sizes must be non-negative, got input [" + std::to_string(a.n) + ", " +
                         std::to_string(a.c) + ", " + std::to_string(a.h) + ", " + std::to_string(a.w) +
                         "] and " + std::to_string(a.o) + " output channels");
  if (k.kh < 1 || k.kw < 1)
    return Status::range(o + ": kernel size should be greater than zero, got (" + std::to_string(k.kh) + " x " +
                         std::to_string(k.kw) + ")");
  if (k.sh < 1 || k.sw < 1) return Status::range(o + ": non-positive stride is not supported");
  if (k.ph < 0 || k.pw < 0) return Status::range(o + ": negative padding is not supported");
  if (k.dh < 1 || k.dw < 1) return Status::range(o + ": dilation should be greater than zero");
  if (a.groups < 1) return Status::range(o + ": non-positive groups is not supported");
  if (a.c % a.groups != 0 || a.o % a.groups != 0)
    return Status::range(o + ": Given groups=" + std::to_string(a.groups) + ", expected input channels (" +
                         std::to_string(a.c) + ") and output channels (" + std::to_string(a.o) +
                         ") to be divisible by " + std::to_string(a.groups));
  // In 128 bits: every term is below 2^63, so none of these overflow.
  const i128 padded_h = i128(a.h) + 2 * i128(k.ph), padded_w = i128(a.w) + 2 * i128(k.pw);
  const i128 kernel_h = i128(k.dh) * (k.kh - 1) + 1, kernel_w = i128(k.dw) * (k.kw - 1) + 1;
  if (padded_h < kernel_h || padded_w < kernel_w)
    return Status::range(o + ": Calculated padded input size per channel: (" + i128_str(padded_h) + " x " +
                         i128_str(padded_w) + "). Kernel size: (" + i128_str(kernel_h) + " x " + i128_str(kernel_w) +
                         "). Kernel size can't be greater than actual input size");
  if (padded_h > INT64_MAX / 2 || padded_w > INT64_MAX / 2)
    return Status::range(o + ": padded input of " + i128_str(padded_h) + " x " + i128_str(padded_w) + " is too large");
  g->ho = int64_t((padded_h - kernel_h) / k.sh + 1);
  g->wo = int64_t((padded_w - kernel_w) / k.sw + 1);
  g->cg = a.c / a.groups;
  g->og = a.o / a.groups;
  // check_shape: the product of the non-zero sizes fits in int64, so every product of a subset
  // below (k, hw, k * hw, n * o * hw, ...) does too.
  for (const Shape& s : {shape_of({a.n, a.c, a.h, a.w}), shape_of({a.o, g->cg, k.kh, k.kw}),
                         shape_of({a.n, a.o, g->ho, g->wo}), shape_of({g->cg, k.kh, k.kw, g->ho, g->wo})})
    if (Status st = check_shape(op, s); !st) return st;
  g->k = g->cg * k.kh * k.kw;
  g->hw = g->ho * g->wo;
  g->plane = a.h * a.w;
  g->direct = k.kh == 1 && k.kw == 1 && k.sh == 1 && k.sw == 1 && k.ph == 0 && k.pw == 0;
  return Status::ok();
}

// geometry, and the caller's output size equal to the window's.
Status checked_geometry(const char* op, const Conv2dArgs& a, Geom* g) {
  if (Status st = geometry(op, a, g); !st) return st;
  if (a.ho != g->ho || a.wo != g->wo)
    return Status::range(std::string(op) + ": output size (" + std::to_string(a.ho) + " x " + std::to_string(a.wo) +
                         ") given, but the window gives (" + std::to_string(g->ho) + " x " + std::to_string(g->wo) + ")");
  return Status::ok();
}

Status check_f32(const char* op, const char* what, const Operand& o, const Shape& s) {
  return check_dense(op, what, s, o, DType::Float32);
}

// The operands' shapes: input [n, c, h, w], weight [o, c / groups, kh, kw], bias [o], output [n, o, ho, wo].
Shape input_shape(const Conv2dArgs& a) { return shape_of({a.n, a.c, a.h, a.w}); }
Shape weight_shape(const Conv2dArgs& a, const Geom& g) { return shape_of({a.o, g.cg, a.win.kh, a.win.kw}); }
Shape bias_shape(const Conv2dArgs& a) { return shape_of({a.o}); }
Shape output_shape(const Conv2dArgs& a, const Geom& g) { return shape_of({a.n, a.o, g.ho, g.wo}); }

// ceil(a / b) for b > 0 and any sign of a.
int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// The outputs [lo, hi) of `out` whose input position o * stride + off lies in [0, size).
void valid_range(int64_t off, int64_t stride, int64_t size, int64_t out, int64_t* lo, int64_t* hi) {
  *lo = std::clamp<int64_t>(ceil_div(-off, stride), 0, out);
  *hi = std::clamp<int64_t>(ceil_div(size - off, stride), *lo, out);
}

// cols [cg * kh * kw, ho * wo] from one group's input x [cg, h, w]: row (c, i, j) holds, for
// every output position, the input pixel that kernel tap (i, j) of channel c reads there (0 in
// the padding). Rows are written whole, so the scratch needs no clearing.
void im2col(const Conv2dArgs& a, const Geom& g, const float* x, float* cols) {
  const Window2d& k = a.win;
  for (int64_t c = 0; c < g.cg; ++c)
    for (int64_t i = 0; i < k.kh; ++i) {
      const int64_t hoff = i * k.dh - k.ph;
      int64_t oh_lo, oh_hi;
      valid_range(hoff, k.sh, a.h, g.ho, &oh_lo, &oh_hi);
      for (int64_t j = 0; j < k.kw; ++j) {
        float* row = cols + ((c * k.kh + i) * k.kw + j) * g.hw;
        const int64_t woff = j * k.dw - k.pw;
        int64_t ow_lo, ow_hi;
        valid_range(woff, k.sw, a.w, g.wo, &ow_lo, &ow_hi);
        std::fill(row, row + oh_lo * g.wo, 0.0f);
        for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
          // Input row of this output row; column ow reads src[ow * sw + woff], in range for ow in [ow_lo, ow_hi).
          const float* src = x + (c * a.h + oh * k.sh + hoff) * a.w;
          float* dst = row + oh * g.wo;
          std::fill(dst, dst + ow_lo, 0.0f);
          if (k.sw == 1) {
            if (ow_hi > ow_lo) std::memcpy(dst + ow_lo, src + ow_lo + woff, size_t(ow_hi - ow_lo) * sizeof(float));
          } else {
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dst[ow] = src[ow * k.sw + woff];
          }
          std::fill(dst + ow_hi, dst + g.wo, 0.0f);
        }
        std::fill(row + oh_hi * g.wo, row + g.hw, 0.0f);
      }
    }
}

// The adjoint of im2col: gx [cg, h, w] += every column entry at the pixel it was read from
// (overlapping windows add up; entries from the padding are dropped).
void col2im(const KernelTable& kt, const Conv2dArgs& a, const Geom& g, const float* cols, float* gx) {
  const Window2d& k = a.win;
  for (int64_t c = 0; c < g.cg; ++c)
    for (int64_t i = 0; i < k.kh; ++i) {
      const int64_t hoff = i * k.dh - k.ph;
      int64_t oh_lo, oh_hi;
      valid_range(hoff, k.sh, a.h, g.ho, &oh_lo, &oh_hi);
      for (int64_t j = 0; j < k.kw; ++j) {
        const float* row = cols + ((c * k.kh + i) * k.kw + j) * g.hw;
        const int64_t woff = j * k.dw - k.pw;
        int64_t ow_lo, ow_hi;
        valid_range(woff, k.sw, a.w, g.wo, &ow_lo, &ow_hi);
        for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
          float* dst = gx + (c * a.h + oh * k.sh + hoff) * a.w;
          const float* src = row + oh * g.wo;
          if (k.sw == 1) {
            if (ow_hi > ow_lo) kt.accumulate_f32(dst + ow_lo + woff, src + ow_lo, ow_hi - ow_lo);
          } else {
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dst[ow * k.sw + woff] += src[ow];
          }
        }
      }
    }
}

// ---- The shifted-plane lowering (stride 1) ----
//
// Read each (padded) input plane as one flat row of width wp: output position (oh, ow) taken as
// q = oh * wp + ow, kernel tap t = (i, j) reads the input at q + off(t), off(t) = i * dh * wp +
// j * dw, the same shift for every q. So per tap the conv is a plain GEMM on the planes
// themselves, with no im2col and no col2im:
//   forward  wide[og, q]  (+)= w_t [og, cg] @ x[cg, q + off(t)]          (summed over the taps)
//   dX       gx[cg, q + off(t)] += w_t^T [cg, og] @ gwide[og, q]
//   dW       dw_t^T [cg, og] (+)= x[cg, q + off(t)] @ gwide^T [q, og]   (summed over the batch)
// where "wide" is the output on the grid of row width wp: its columns ow >= wo are garbage in
// the forward (dropped when the rows are compacted into out) and zero in gwide, grad_out laid
// out on that grid (so they add nothing to dX or dW). q runs to Q = (ho - 1) * wp + wo, and the
// last position read, Q - 1 + off(last tap), is the plane's last element. The cost is the
// garbage columns ((wp - wo) / wo more multiply-adds, 8% at 26 -> 24) against an im2col and a
// col2im of k * hw elements per image, which at 32 -> 64 channels on 26x26 took as long as a
// third of the GEMM. Padding: the image is first copied into a zeroed padded plane (dX: the
// padded gradient is cropped); also when the plane stride is a multiple of 4 KiB (32x32), which
// the GEMM would otherwise pack (see gemm.cpp's aliases). Each tap's GEMM has K = cg (forward),
// og (dX) or Q (dW) and M = og or cg: below kShiftMinChannels the tiles would run mostly empty
// or the C tile be loaded and stored every few steps of k, and im2col is kept.
constexpr int64_t kShiftMinChannels = 8;
// The wide columns are taken in blocks of kShiftBlock, all taps of one block before the next,
// so the block of C the taps add into stays in L1 (og x 128 floats: 32 KiB at og = 64); whole
// rows of C ran 5-10% slower (dX of conv2 above, 64 and 256 alike within noise).
constexpr int64_t kShiftBlock = 128;

// The forward keeps im2col where it is cheap: cols within L2 and output rows long enough that
// its row copies are not mostly call overhead. Measured on one thread (AVX-512, batch 64 unless
// said): 32 -> 64 channels, 3x3 on 26x26 (cols 663 KiB, rows of 24): im2col 13.0 ms, shift 13.8
// (the shift's 8% garbage columns and K = 32 per tap); 64 -> 64, 3x3 pad 1 on 56x56, batch 8
// (cols 7 MiB): im2col 22.7-30.6, shift 18.9-19.6; 16 -> 32, 5x5 on 12x12 (rows of 8): im2col
// 2.1-2.3, shift 1.7.
constexpr int64_t kIm2colMaxBytes = int64_t{1} << 20;
constexpr int64_t kIm2colMinRow = 16;

struct Shift {
  int64_t hp = 0, wp = 0;  // the planes the taps read: h + 2 ph, w + 2 pw
  int64_t ps = 0;          // stride of those planes (of the copy, when copied)
  bool copy = false;       // padded, or the plane stride aliases: the image is copied first
  int64_t q = 0;           // wide positions computed: (ho - 1) * wp + wo
  int64_t qs = 0;          // row stride of the wide buffers (q up to a multiple of 16, not of 1024)
  int64_t taps = 0;        // kh * kw
};

int64_t tap_offset(const Window2d& k, const Shift& s, int64_t t) { return t / k.kw * k.dh * s.wp + t % k.kw * k.dw; }

// Whether the shift lowering applies, with `inner` the channel count that sets the GEMMs' depth
// (forward: cg, dX: og, dW: cg, the GEMM's rows); fills *s.
bool shift_plan(const Conv2dArgs& a, const Geom& g, int64_t inner, Shift* s) {
  const Window2d& k = a.win;
  if (k.sh != 1 || k.sw != 1 || g.direct || k.kh * k.kw < 2 || inner < kShiftMinChannels) return false;
  s->hp = a.h + 2 * k.ph, s->wp = a.w + 2 * k.pw;
  // At most half the wide columns garbage; and the padded buffers well within int64 (they are
  // not covered by geometry's checks).
  if (2 * g.wo < s->wp) return false;
  const i128 padded = i128(s->hp) * s->wp * std::max(g.cg, g.og);
  if (padded > (i128(1) << 40)) return false;
  s->copy = k.ph > 0 || k.pw > 0 || g.plane % 1024 == 0;
  s->ps = s->hp * s->wp;
  if (s->copy && s->ps % 1024 == 0) s->ps += 16;
  s->q = (g.ho - 1) * s->wp + g.wo;
  s->qs = (s->q + 15) / 16 * 16;
  if (s->qs % 1024 == 0) s->qs += 16;
  s->taps = k.kh * k.kw;
  return true;
}

// xp [cg, ps] = x [cg, h, w] in the middle of zeroed padded planes of hp x wp.
void copy_padded(const Conv2dArgs& a, const Geom& g, const Shift& s, const float* x, float* xp) {
  for (int64_t c = 0; c < g.cg; ++c) {
    float* dst = xp + c * s.ps;
    std::fill(dst, dst + s.ps, 0.0f);
    for (int64_t y = 0; y < a.h; ++y)
      std::memcpy(dst + (y + a.win.ph) * s.wp + a.win.pw, x + (c * a.h + y) * a.w, size_t(a.w) * sizeof(float));
  }
}

// gx [cg, h, w] = the middle of the padded gradient gxp [cg, ps] (the padding's share dropped).
void crop_padded(const Conv2dArgs& a, const Geom& g, const Shift& s, const float* gxp, float* gx) {
  for (int64_t c = 0; c < g.cg; ++c)
    for (int64_t y = 0; y < a.h; ++y)
      std::memcpy(gx + (c * a.h + y) * a.w, gxp + c * s.ps + (y + a.win.ph) * s.wp + a.win.pw, size_t(a.w) * sizeof(float));
}

// gwide [og, qs] = grad_out [og, ho, wo] on the wide grid, zero in the garbage columns.
void widen(const Geom& g, const Shift& s, const float* gout, float* gwide) {
  for (int64_t o = 0; o < g.og; ++o) {
    float* dst = gwide + o * s.qs;
    for (int64_t oh = 0; oh < g.ho; ++oh) {
      std::memcpy(dst + oh * s.wp, gout + (o * g.ho + oh) * g.wo, size_t(g.wo) * sizeof(float));
      if (oh + 1 < g.ho) std::fill(dst + oh * s.wp + g.wo, dst + (oh + 1) * s.wp, 0.0f);
    }
  }
}

// gwide_t [q, og] = gwide^T: grad_out [og, ho, wo] transposed onto the wide grid, zero rows at
// the garbage columns. In blocks of 8 channels: 8 read streams, writes 8 floats long.
void widen_transposed(const Geom& g, const Shift& s, const float* gout, float* gt) {
  for (int64_t oh = 0; oh < g.ho; ++oh) {
    for (int64_t o0 = 0; o0 < g.og; o0 += 8) {
      const int64_t o1 = std::min(g.og, o0 + 8);
      for (int64_t ow = 0; ow < g.wo; ++ow) {
        float* dst = gt + (oh * s.wp + ow) * g.og;
        const float* src = gout + oh * g.wo + ow;
        for (int64_t o = o0; o < o1; ++o) dst[o] = src[o * g.hw];
      }
    }
    if (oh + 1 < g.ho) std::fill(gt + (oh * s.wp + g.wo) * g.og, gt + (oh + 1) * s.wp * g.og, 0.0f);
  }
}

// The weight [o, cg, kh, kw] per group and tap: forward's w_t [og, cg] (transposed == false) or
// dX's w_t^T [cg, og] (true), at ((grp * taps + t) * og * cg).
void weight_by_tap(const Conv2dArgs& a, const Geom& g, int64_t taps, const float* w, bool transposed, float* dst) {
  for (int64_t grp = 0; grp < a.groups; ++grp)
    for (int64_t o = 0; o < g.og; ++o)
      for (int64_t c = 0; c < g.cg; ++c)
        for (int64_t t = 0; t < taps; ++t) {
          const float v = w[((grp * g.og + o) * g.cg + c) * taps + t];
          float* d = dst + (grp * taps + t) * g.og * g.cg;
          d[transposed ? c * g.og + o : o * g.cg + c] = v;
        }
}

// fn(begin, end) over [0, n): on the pool when the plan gave this image the threads (fewer
// images than threads), else on the caller.
template <class F>
void in_image(int gemm_threads, int64_t n, F&& fn) {
  if (gemm_threads > 1) parallel_for(n, 1, fn);
  else fn(0, n);
}

// How the batch runs: in `chunks` fixed runs of consecutive images, which `workers` threads
// claim one at a time (so a thread the OS deschedules holds up at most one chunk), each GEMM
// on `gemm_threads`. With fewer images than threads the images go in turn and the GEMM threads;
// below ~1M multiply-adds in all, one thread does everything (waking one costs more).
struct Plan {
  int64_t chunks = 1;
  int workers = 1;
  int gemm_threads = 1;
};

Plan plan(const Conv2dArgs& a, const Geom& g, int64_t chunks) {
  const int threads = num_threads();
  const double macs = double(a.n) * double(a.o) * double(g.k) * double(g.hw);
  if (threads <= 1 || macs < double(1 << 20)) return {chunks, 1, 1};
  if (a.n >= threads) return {chunks, int(std::min<int64_t>(threads, chunks)), 1};
  return {chunks, 1, threads};
}

// The first image of chunk c of `chunks` (chunk sizes differ by at most one).
int64_t chunk_begin(int64_t n, int64_t chunks, int64_t c) { return n / chunks * c + n % chunks * c / chunks; }

// Runs fn(chunk, cols, gemm_threads) -> bool for every chunk of the plan, each worker with its
// own im2col scratch of cols_size floats (allocated when it claims its first chunk); false if
// any call failed or a scratch could not be allocated.
template <class F>
bool run_chunks(const Plan& pl, int64_t cols_size, F&& fn) {
  std::atomic<int64_t> next{0};
  std::atomic<bool> ok{true};
  auto worker = [&](int gemm_threads) {
    Scratch cols(0);
    for (int64_t c; (c = next.fetch_add(1, std::memory_order_relaxed)) < pl.chunks;) {
      if (cols_size > 0 && !cols.p) {
        Scratch fresh(cols_size);
        if (!fresh.p) {
          ok = false;
          return;
        }
        std::swap(cols.p, fresh.p);
      }
      if (!fn(c, cols.p, gemm_threads)) ok = false;
    }
  };
  if (pl.workers <= 1) worker(pl.gemm_threads);
  else parallel_for(pl.workers, 1, [&](int64_t, int64_t) { worker(1); });
  return ok;
}

const float* f32(const Operand& o) { return static_cast<const float*>(o.base) + o.offset; }
float* f32_out(const Operand& o) { return static_cast<float*>(o.base) + o.offset; }

Status out_of_memory(const char* op) { return Status::range(std::string(op) + ": out of memory for the scratch buffers"); }

}  // namespace

Status conv2d_output_size(const Conv2dArgs& a, int64_t* ho, int64_t* wo) {
  Geom g;
  if (Status st = geometry("conv2d", a, &g); !st) return st;
  *ho = g.ho;
  *wo = g.wo;
  return Status::ok();
}

Status conv2d_forward(const Conv2dArgs& a, const Operand& x, const Operand& w, const Operand* bias,
                      const Operand& out) {
  const char* op = "conv2d";
  Geom g;
  if (Status st = checked_geometry(op, a, &g); !st) return st;
  if (Status st = check_f32(op, "input", x, input_shape(a)); !st) return st;
  if (Status st = check_f32(op, "weight", w, weight_shape(a, g)); !st) return st;
  if (bias)
    if (Status st = check_f32(op, "bias", *bias, bias_shape(a)); !st) return st;
  if (Status st = check_f32(op, "output", out, output_shape(a, g)); !st) return st;
  if (a.n == 0 || a.o == 0) return Status::ok();

  const KernelTable& kt = kernels();
  // With k == 0 (no input channels) the GEMM writes the bias alone and reads neither operand,
  // whose storage may be empty (null): no pointer is formed into it.
  const float* X = g.k ? f32(x) : nullptr;
  const float* W = g.k ? f32(w) : nullptr;
  const float* B = bias ? f32(*bias) : nullptr;
  float* Y = f32_out(out);
  // One chunk per image: the forward has nothing to sum across images.
  const Plan pl = plan(a, g, a.n);

  Shift s;
  const bool cheap_im2col = g.k * g.hw * int64_t(sizeof(float)) <= kIm2colMaxBytes && g.wo >= kIm2colMinRow;
  if (!cheap_im2col && shift_plan(a, g, g.cg, &s)) {
    // Per image and group: wide [og, qs] = sum over taps of w_t @ x shifted, bias on the last
    // tap's write-back; then its rows compacted into out. Scratch: wide, then the padded copy.
    Scratch wt(a.o * g.k);
    if (!wt.p) return out_of_memory(op);
    weight_by_tap(a, g, s.taps, W, false, wt.p);
    const int64_t wide_size = g.og * s.qs;
    const bool ok = run_chunks(pl, wide_size + (s.copy ? g.cg * s.ps : 0), [&](int64_t n, float* wide, int gemm_threads) {
      for (int64_t grp = 0; grp < a.groups; ++grp) {
        const float* src = X + (n * a.c + grp * g.cg) * g.plane;
        if (s.copy) {
          copy_padded(a, g, s, src, wide + wide_size);
          src = wide + wide_size;
        }
        // With fewer images than threads, the threads split the column blocks (each writes its
        // own columns of wide; every element is summed in the same order either way).
        std::atomic<bool> fine{true};
        in_image(gemm_threads, (s.q + kShiftBlock - 1) / kShiftBlock, [&](int64_t b0, int64_t b1) {
          for (int64_t q0 = b0 * kShiftBlock; q0 < std::min(s.q, b1 * kShiftBlock); q0 += kShiftBlock)
            for (int64_t t = 0; t < s.taps; ++t) {
              GemmArgs ga;
              ga.M = g.og, ga.N = std::min(kShiftBlock, s.q - q0), ga.K = g.cg;
              ga.a = wt.p + (grp * s.taps + t) * g.og * g.cg, ga.a_rs = g.cg, ga.a_cs = 1;
              ga.b = src + tap_offset(a.win, s, t) + q0, ga.b_rs = s.ps, ga.b_cs = 1;
              ga.c = wide + q0, ga.c_rs = s.qs, ga.c_cs = 1;
              ga.accumulate = t > 0;
              ga.bias = B && t == s.taps - 1 ? B + grp * g.og : nullptr;
              ga.bias_per_row = true;
              if (!gemm_f32(kt, ga, 1)) fine = false;
            }
        });
        if (!fine) return false;
        float* y = Y + (n * a.o + grp * g.og) * g.hw;
        for (int64_t o = 0; o < g.og; ++o)
          for (int64_t oh = 0; oh < g.ho; ++oh)
            std::memcpy(y + (o * g.ho + oh) * g.wo, wide + o * s.qs + oh * s.wp, size_t(g.wo) * sizeof(float));
      }
      return true;
    });
    return ok ? Status::ok() : out_of_memory(op);
  }

  const bool ok = run_chunks(pl, g.direct ? 0 : g.k * g.hw, [&](int64_t n, float* cols, int gemm_threads) {
    for (int64_t grp = 0; grp < a.groups; ++grp) {
      GemmArgs ga;
      ga.M = g.og;
      ga.N = g.hw;
      ga.K = g.k;
      if (g.k) {
        const float* xg = X + (n * a.c + grp * g.cg) * g.plane;
        if (!g.direct) im2col(a, g, xg, cols);
        ga.a = W + grp * g.og * g.k;
        ga.b = g.direct ? xg : cols;
      }
      ga.a_rs = g.k, ga.a_cs = 1;
      ga.b_rs = g.hw, ga.b_cs = 1;
      ga.c = Y + (n * a.o + grp * g.og) * g.hw;
      ga.c_rs = g.hw, ga.c_cs = 1;
      ga.bias = B ? B + grp * g.og : nullptr;
      ga.bias_per_row = true;
      if (!gemm_f32(kt, ga, gemm_threads)) return false;
    }
    return true;
  });
  return ok ? Status::ok() : out_of_memory(op);
}

Status conv2d_backward(const Conv2dArgs& a, const Operand& grad_out, const Operand* x, const Operand* w,
                       const Operand* grad_x, const Operand* grad_w, const Operand* grad_b) {
  const char* op = "conv2d.backward";
  Geom g;
  if (Status st = checked_geometry(op, a, &g); !st) return st;
  if (grad_x && !w) return Status::type(std::string(op) + ": the input's gradient needs the weight");
  if (grad_w && !x) return Status::type(std::string(op) + ": the weight's gradient needs the input");
  if (Status st = check_f32(op, "grad_output", grad_out, output_shape(a, g)); !st) return st;
  if (x)
    if (Status st = check_f32(op, "input", *x, input_shape(a)); !st) return st;
  if (w)
    if (Status st = check_f32(op, "weight", *w, weight_shape(a, g)); !st) return st;
  if (grad_x)
    if (Status st = check_f32(op, "grad_input", *grad_x, input_shape(a)); !st) return st;
  if (grad_w)
    if (Status st = check_f32(op, "grad_weight", *grad_w, weight_shape(a, g)); !st) return st;
  if (grad_b)
    if (Status st = check_f32(op, "grad_bias", *grad_b, bias_shape(a)); !st) return st;

  const KernelTable& kt = kernels();
  const bool any = a.n > 0 && a.o > 0;  // else grad_out is empty
  if (grad_b && a.o > 0) {
    // Per channel, in double over the planes (each plane's sum from the vector kernel).
    const float* G = any ? f32(grad_out) : nullptr;
    float* gb = f32_out(*grad_b);
    parallel_for(a.o, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, a.n * g.hw)), [&](int64_t o0, int64_t o1) {
      for (int64_t oc = o0; oc < o1; ++oc) {
        double s = 0;
        for (int64_t n = 0; n < a.n; ++n) s += kt.sum_f32(G + (n * a.o + oc) * g.hw, g.hw);
        gb[oc] = static_cast<float>(s);
      }
    });
  }
  float* GW = grad_w && a.o * g.k > 0 ? f32_out(*grad_w) : nullptr;
  float* GX = grad_x && a.n * a.c * g.plane > 0 ? f32_out(*grad_x) : nullptr;
  if (!any) {
    // An empty batch or no output channels: nothing flows back.
    if (GW) std::fill(GW, GW + a.o * g.k, 0.0f);
    if (GX) std::fill(GX, GX + a.n * a.c * g.plane, 0.0f);
    return Status::ok();
  }
  if (!GW && !GX) return Status::ok();  // k == 0 or c == 0 too: both gradients empty

  const float* G = f32(grad_out);
  const float* X = GW ? f32(*x) : nullptr;
  const float* W = GX ? f32(*w) : nullptr;
  // Each gradient by the shift lowering where it applies (dX's GEMMs have depth og, dW's have
  // cg rows), else by im2col / col2im.
  Shift s;
  const bool shift_x = GX && shift_plan(a, g, g.og, &s);
  const bool shift_w = GW && shift_plan(a, g, g.cg, &s);
  // grad_w is summed over the batch in chunks of consecutive images, each chunk into its own
  // buffer (by the shift lowering in its per-tap layout [groups, taps, cg, og]), the buffers
  // added in chunk order at the end. The chunks depend on n alone (up to 8, fewer when their
  // buffers would pass 32 MiB), never on the thread count or on timing: every run, on any
  // number of threads, rounds alike. One chunk in grad_w's own layout goes straight to grad_w.
  const int64_t per = a.o * g.k;
  int64_t chunks = a.n;
  if (GW) chunks = std::clamp<int64_t>(std::min<int64_t>(a.n, 8), 1, std::max<int64_t>(1, (int64_t{32} << 20) / int64_t(sizeof(float)) / per));
  const bool gw_direct = GW && chunks == 1 && !shift_w;
  Scratch partial(GW && !gw_direct ? chunks * per : 0);
  if (GW && !gw_direct && !partial.p) return out_of_memory(op);
  Scratch wt(shift_x ? per : 0);
  if (shift_x) {
    if (!wt.p) return out_of_memory(op);
    weight_by_tap(a, g, s.taps, W, true, wt.p);
  }
  // Each worker's scratch: cols (for a gradient taken by im2col), dX's grad_out on the wide
  // grid and padded gradient, dW's transposed wide grad_out and padded input.
  const bool need_cols = !g.direct && ((GW && !shift_w) || (GX && !shift_x));
  const int64_t cols_size = need_cols ? g.k * g.hw : 0;
  const int64_t gwide_size = shift_x ? g.og * s.qs : 0, gxp_size = shift_x && s.copy ? g.cg * s.ps : 0;
  const int64_t gt_size = shift_w ? s.q * g.og : 0, xp_size = shift_w && s.copy ? g.cg * s.ps : 0;
  const Plan pl = plan(a, g, chunks);
  const int64_t scratch_size = cols_size + gwide_size + gxp_size + gt_size + xp_size;
  const bool ok = run_chunks(pl, scratch_size, [&](int64_t chunk, float* scratch, int gemm_threads) {
    float* cols = scratch;
    float* gwide = cols + cols_size;
    float* gxp = gwide + gwide_size;
    float* gt = gxp + gxp_size;
    float* xp = gt + gt_size;
    float* gw_sum = !GW ? nullptr : gw_direct ? GW : partial.p + chunk * per;
    const int64_t n0 = chunk_begin(a.n, chunks, chunk), n1 = chunk_begin(a.n, chunks, chunk + 1);
    for (int64_t n = n0; n < n1; ++n)
      for (int64_t grp = 0; grp < a.groups; ++grp) {
        const float* gout = G + (n * a.o + grp * g.og) * g.hw;  // [og, hw]
        if (GW && shift_w) {
          // dw_t^T [cg, og] (+)= x[n, g] [cg, q + off(t)] @ gwide^T [q, og], per tap.
          widen_transposed(g, s, gout, gt);
          const float* src = X + (n * a.c + grp * g.cg) * g.plane;
          if (s.copy) {
            copy_padded(a, g, s, src, xp);
            src = xp;
          }
          // With fewer images than threads, the threads split the taps (each its own dw_t).
          std::atomic<bool> fine{true};
          in_image(gemm_threads, s.taps, [&](int64_t t0, int64_t t1) {
            for (int64_t t = t0; t < t1; ++t) {
              GemmArgs ga;
              ga.M = g.cg, ga.N = g.og, ga.K = s.q;
              ga.a = src + tap_offset(a.win, s, t), ga.a_rs = s.ps, ga.a_cs = 1;
              ga.b = gt, ga.b_rs = g.og, ga.b_cs = 1;
              ga.c = gw_sum + (grp * s.taps + t) * g.cg * g.og, ga.c_rs = g.og, ga.c_cs = 1;
              ga.accumulate = n > n0;
              if (!gemm_f32(kt, ga, 1)) fine = false;
            }
          });
          if (!fine) return false;
        } else if (GW) {
          // grad_w[g] [og, k] (+)= grad_out[n, g] [og, hw] @ cols^T [hw, k].
          const float* xg = X + (n * a.c + grp * g.cg) * g.plane;
          if (!g.direct) im2col(a, g, xg, cols);
          GemmArgs ga;
          ga.M = g.og, ga.N = g.k, ga.K = g.hw;
          ga.a = gout, ga.a_rs = g.hw, ga.a_cs = 1;
          ga.b = g.direct ? xg : cols, ga.b_rs = 1, ga.b_cs = g.hw;
          ga.c = gw_sum + grp * g.og * g.k, ga.c_rs = g.k, ga.c_cs = 1;
          ga.accumulate = n > n0;
          if (!gemm_f32(kt, ga, gemm_threads)) return false;
        }
        if (GX && shift_x) {
          // gx[n, g] [cg, q + off(t)] += w_t^T [cg, og] @ gwide [og, q], per tap.
          float* gxg = GX + (n * a.c + grp * g.cg) * g.plane;
          widen(g, s, gout, gwide);
          float* dst = s.copy ? gxp : gxg;
          std::fill(dst, dst + g.cg * s.ps, 0.0f);
          // With fewer images than threads, the threads split the input channels (the blocks
          // and taps overlap in gx; its channels do not).
          std::atomic<bool> fine{true};
          in_image(gemm_threads, g.cg, [&](int64_t c0, int64_t c1) {
            for (int64_t q0 = 0; q0 < s.q; q0 += kShiftBlock)
              for (int64_t t = 0; t < s.taps; ++t) {
                GemmArgs ga;
                ga.M = c1 - c0, ga.N = std::min(kShiftBlock, s.q - q0), ga.K = g.og;
                ga.a = wt.p + (grp * s.taps + t) * g.cg * g.og + c0 * g.og, ga.a_rs = g.og, ga.a_cs = 1;
                ga.b = gwide + q0, ga.b_rs = s.qs, ga.b_cs = 1;
                ga.c = dst + c0 * s.ps + tap_offset(a.win, s, t) + q0, ga.c_rs = s.ps, ga.c_cs = 1;
                ga.accumulate = true;
                if (!gemm_f32(kt, ga, 1)) fine = false;
              }
          });
          if (!fine) return false;
          if (s.copy) crop_padded(a, g, s, gxp, gxg);
        } else if (GX) {
          // cols [k, hw] = w[g]^T [k, og] @ grad_out[n, g] [og, hw], then scattered back.
          float* gxg = GX + (n * a.c + grp * g.cg) * g.plane;
          GemmArgs ga;
          ga.M = g.k, ga.N = g.hw, ga.K = g.og;
          ga.a = W + grp * g.og * g.k, ga.a_rs = 1, ga.a_cs = g.k;
          ga.b = gout, ga.b_rs = g.hw, ga.b_cs = 1;
          ga.c = g.direct ? gxg : cols, ga.c_rs = g.hw, ga.c_cs = 1;
          if (!gemm_f32(kt, ga, gemm_threads)) return false;
          if (!g.direct) {
            std::fill(gxg, gxg + g.cg * g.plane, 0.0f);
            col2im(kt, a, g, cols, gxg);
          }
        }
      }
    return true;
  });
  if (!ok) return out_of_memory(op);
  if (GW && !gw_direct) {
    // grad_w [o, cg, taps] = the chunks' sums added in chunk order, read from the per-tap layout.
    const int64_t taps = a.win.kh * a.win.kw;
    for (int64_t grp = 0; grp < a.groups; ++grp)
      for (int64_t o = 0; o < g.og; ++o)
        for (int64_t c = 0; c < g.cg; ++c)
          for (int64_t t = 0; t < taps; ++t) {
            const int64_t at = ((grp * g.og + o) * g.cg + c) * taps + t;
            const int64_t from = shift_w ? ((grp * taps + t) * g.cg + c) * g.og + o : at;
            float sum = partial.p[from];
            for (int64_t ch = 1; ch < chunks; ++ch) sum += partial.p[ch * per + from];
            GW[at] = sum;
          }
  }
  return Status::ok();
}

}  // namespace tg
