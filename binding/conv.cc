// Convolution and pooling (cpp/kernels/conv.cpp, pool.cpp): NCHW float32, every operand dense
// (contiguous) from its element offset in its storage; outputs are overwritten.
//
// Meta (Float64Array), one layout family:
//   [0..6]   N, C, H, W, O, Ho, Wo   input [N, C, H, W], output [N, O, Ho, Wo]; for the pools
//                                     O == C. Ho, Wo must equal the size the window gives
//                                     (conv2dOutputSize / *Pool2dOutputSize compute it).
//   [7..14]  kh, kw, sh, sw, ph, pw, dh, dw   kernel, stride, padding, dilation (conv, max, avg;
//                                     avg needs dh = dw = 1). Not in the adaptive layout.
//   then the op's own slots, then one element offset per operand argument, in argument order
//   (an offset slot of an operand passed as undefined is not read: write 0).
//
//   conv2d(meta, x, w, bias | undefined, out)
//     [15] groups; [16] x, [17] w, [18] bias, [19] out offsets.
//     x [N, C, H, W], w [O, C / groups, kh, kw], bias [O], out [N, O, Ho, Wo].
//   conv2dBackward(meta, gradOut, x | undefined, w | undefined, gradX | undefined, gradW | undefined, gradB | undefined)
//     [15] groups; [16] gradOut, [17] x, [18] w, [19] gradX, [20] gradW, [21] gradB offsets.
//     Writes the gradients passed (gradX needs w, gradW needs x).
//   maxPool2d(meta, x, out, indices)               indices: Int32Array, h * W + w in the plane
//   maxPool2dBackward(meta, gradOut, indices, gradX)
//   avgPool2d(meta, x, out)
//   avgPool2dBackward(meta, gradOut, gradX)
//     [15] ceilMode (0/1), [16] countIncludePad (0/1, avg), [17] divisorOverride (avg; 0: none);
//     [18], [19] (, [20]) the operands' offsets.
//   adaptiveAvgPool2d(meta, x, out)
//   adaptiveAvgPool2dBackward(meta, gradOut, gradX)
//     [7], [8] the operands' offsets (no window slots).
//   conv2dOutputSize(meta), maxPool2dOutputSize(meta), avgPool2dOutputSize(meta) -> [Ho, Wo]
//     The op's layout up to its own slots (Ho, Wo and the offsets are not read); every check of
//     the sizes and hyper-parameters runs, with PyTorch's messages ("Output size is too small").
#include <array>

#include "args.h"

namespace tgb {
namespace {

constexpr size_t kWindow = 7;      // first window slot
constexpr size_t kOwn = 15;        // first op-specific slot of the windowed layouts
constexpr size_t kConvOps = 16;    // conv's first offset slot
constexpr size_t kPoolOps = 18;    // max / avg pool's first offset slot
constexpr size_t kAdaptiveOps = 7;  // adaptive pool's first offset slot

struct Header {
  int64_t n, c, h, w, o, ho, wo;
};

Header header(const Meta& m, bool with_output) {
  Header r{m.integer(0), m.integer(1), m.integer(2), m.integer(3), m.integer(4), 0, 0};
  if (with_output) r.ho = m.integer(5), r.wo = m.integer(6);
  return r;
}

tg::Window2d window(const Meta& m) {
  tg::Window2d k;
  k.kh = m.integer(kWindow), k.kw = m.integer(kWindow + 1);
  k.sh = m.integer(kWindow + 2), k.sw = m.integer(kWindow + 3);
  k.ph = m.integer(kWindow + 4), k.pw = m.integer(kWindow + 5);
  k.dh = m.integer(kWindow + 6), k.dw = m.integer(kWindow + 7);
  return k;
}

tg::Conv2dArgs conv_args(const Meta& m, bool with_output) {
  const Header h = header(m, with_output);
  tg::Conv2dArgs a;
  a.n = h.n, a.c = h.c, a.h = h.h, a.w = h.w, a.o = h.o, a.ho = h.ho, a.wo = h.wo;
  a.win = window(m);
  a.groups = m.integer(kOwn);
  return a;
}

// The pools' header; O must be C.
tg::Pool2dArgs pool_header(const Meta& m, bool with_output) {
  const Header h = header(m, with_output);
  if (h.o != h.c)
    m.fail_range("output channels (" + std::to_string(h.o) + ") must equal the input channels (" + std::to_string(h.c) + ")");
  tg::Pool2dArgs a;
  a.n = h.n, a.c = h.c, a.h = h.h, a.w = h.w, a.ho = h.ho, a.wo = h.wo;
  return a;
}

tg::Pool2dArgs pool_args(const Meta& m, bool with_output) {
  tg::Pool2dArgs a = pool_header(m, with_output);
  a.win = window(m);
  a.ceil_mode = m.flag(kOwn, "ceilMode");
  a.count_include_pad = m.flag(kOwn + 1, "countIncludePad");
  a.divisor_override = m.integer(kOwn + 2);
  return a;
}

// Operand k that may be undefined (or null), with its offset from `slot`.
bool optional_at(const Meta& m, Arg k, size_t slot, tg::Operand* o) {
  if (!m.optional_storage(k, o)) return false;
  o->offset = m.integer(slot);
  return true;
}

Napi::Value size_pair(Napi::Env env, int64_t ho, int64_t wo) {
  Napi::Array r = Napi::Array::New(env, 2);
  r.Set(uint32_t{0}, Napi::Number::New(env, static_cast<double>(ho)));
  r.Set(uint32_t{1}, Napi::Number::New(env, static_cast<double>(wo)));
  return r;
}

Napi::Value Conv2dOutputSize(const Napi::CallbackInfo& info) {
  Meta m(info, 1, "conv2d");
  int64_t ho = 0, wo = 0;
  check(info.Env(), tg::conv2d_output_size(conv_args(m, false), &ho, &wo));
  return size_pair(info.Env(), ho, wo);
}

Napi::Value PoolOutputSize(const Napi::CallbackInfo& info, tg::PoolKind kind, const char* op) {
  Meta m(info, 1, op);
  int64_t ho = 0, wo = 0;
  check(info.Env(), tg::pool2d_output_size(kind, pool_args(m, false), &ho, &wo));
  return size_pair(info.Env(), ho, wo);
}

Napi::Value MaxPool2dOutputSize(const Napi::CallbackInfo& info) { return PoolOutputSize(info, tg::PoolKind::Max, "maxPool2d"); }
Napi::Value AvgPool2dOutputSize(const Napi::CallbackInfo& info) { return PoolOutputSize(info, tg::PoolKind::Avg, "avgPool2d"); }

}  // namespace

tg::Status run_conv2d(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 4, "conv2d");
    const tg::Conv2dArgs a = conv_args(m, true);
    const tg::Operand x = m.storage_at(Arg{0}, kConvOps, "the input");
    const tg::Operand w = m.storage_at(Arg{1}, kConvOps + 1, "the weight");
    tg::Operand bias;
    const bool has_bias = optional_at(m, Arg{2}, kConvOps + 2, &bias);
    const tg::Operand out = m.storage_at(Arg{3}, kConvOps + 3, "the output");
    return tg::conv2d_forward(a, x, w, has_bias ? &bias : nullptr, out);
  });
}

tg::Status run_conv2d_backward(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 1, "conv2d.backward");
    const tg::Conv2dArgs a = conv_args(m, true);
    const tg::Operand grad_out = m.storage_at(Arg{0}, kConvOps, "grad_output");
    tg::Operand x, w, gx, gw, gb;
    const bool has_x = optional_at(m, Arg{1}, kConvOps + 1, &x);
    const bool has_w = optional_at(m, Arg{2}, kConvOps + 2, &w);
    const bool has_gx = optional_at(m, Arg{3}, kConvOps + 3, &gx);
    const bool has_gw = optional_at(m, Arg{4}, kConvOps + 4, &gw);
    const bool has_gb = optional_at(m, Arg{5}, kConvOps + 5, &gb);
    return tg::conv2d_backward(a, grad_out, has_x ? &x : nullptr, has_w ? &w : nullptr, has_gx ? &gx : nullptr,
                               has_gw ? &gw : nullptr, has_gb ? &gb : nullptr);
  });
}

namespace {

// A pool entry point's operands: argument k is operand k, its offset in meta slot first + k.
template <size_t N>
std::array<tg::Operand, N> operands(const Meta& m, size_t first, const std::array<const char*, N>& roles) {
  std::array<tg::Operand, N> ops;
  for (size_t k = 0; k < N; ++k) ops[k] = m.storage_at(Arg{k}, first + k, roles[k]);
  return ops;
}

}  // namespace

tg::Status run_max_pool2d(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 3, "maxPool2d");
    const tg::Pool2dArgs a = pool_args(m, true);
    const auto [x, out, indices] = operands<3>(m, kPoolOps, {"the input", "the output", "the indices"});
    return tg::max_pool2d_forward(a, x, out, indices);
  });
}

tg::Status run_max_pool2d_backward(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 3, "maxPool2d.backward");
    const tg::Pool2dArgs a = pool_args(m, true);
    const auto [grad_out, indices, grad_x] = operands<3>(m, kPoolOps, {"grad_output", "the indices", "grad_input"});
    return tg::max_pool2d_backward(a, grad_out, indices, grad_x);
  });
}

tg::Status run_avg_pool2d(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 2, "avgPool2d");
    const tg::Pool2dArgs a = pool_args(m, true);
    const auto [x, out] = operands<2>(m, kPoolOps, {"the input", "the output"});
    return tg::avg_pool2d_forward(a, x, out);
  });
}

tg::Status run_avg_pool2d_backward(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 2, "avgPool2d.backward");
    const tg::Pool2dArgs a = pool_args(m, true);
    const auto [grad_out, grad_x] = operands<2>(m, kPoolOps, {"grad_output", "grad_input"});
    return tg::avg_pool2d_backward(a, grad_out, grad_x);
  });
}

tg::Status run_adaptive_avg_pool2d(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 2, "adaptiveAvgPool2d");
    const tg::Pool2dArgs a = pool_header(m, true);
    const auto [x, out] = operands<2>(m, kAdaptiveOps, {"the input", "the output"});
    return tg::adaptive_avg_pool2d_forward(a, x, out);
  });
}

tg::Status run_adaptive_avg_pool2d_backward(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 2, "adaptiveAvgPool2d.backward");
    const tg::Pool2dArgs a = pool_header(m, true);
    const auto [grad_out, grad_x] = operands<2>(m, kAdaptiveOps, {"grad_output", "grad_input"});
    return tg::adaptive_avg_pool2d_backward(a, grad_out, grad_x);
  });
}

void register_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, js_entry<run_conv2d>, "conv2d"));
  exports.Set("conv2dBackward", Napi::Function::New(env, js_entry<run_conv2d_backward>, "conv2dBackward"));
  exports.Set("conv2dOutputSize", Napi::Function::New(env, Conv2dOutputSize, "conv2dOutputSize"));
  exports.Set("maxPool2d", Napi::Function::New(env, js_entry<run_max_pool2d>, "maxPool2d"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, js_entry<run_max_pool2d_backward>, "maxPool2dBackward"));
  exports.Set("maxPool2dOutputSize", Napi::Function::New(env, MaxPool2dOutputSize, "maxPool2dOutputSize"));
  exports.Set("avgPool2d", Napi::Function::New(env, js_entry<run_avg_pool2d>, "avgPool2d"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, js_entry<run_avg_pool2d_backward>, "avgPool2dBackward"));
  exports.Set("avgPool2dOutputSize", Napi::Function::New(env, AvgPool2dOutputSize, "avgPool2dOutputSize"));
  exports.Set("adaptiveAvgPool2d", Napi::Function::New(env, js_entry<run_adaptive_avg_pool2d>, "adaptiveAvgPool2d"));
  exports.Set("adaptiveAvgPool2dBackward",
              Napi::Function::New(env, js_entry<run_adaptive_avg_pool2d_backward>, "adaptiveAvgPool2dBackward"));
}

}  // namespace tgb
