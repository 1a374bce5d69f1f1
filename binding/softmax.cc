// Fused softmax / logSoftmax (cpp/kernels/softmax.cpp). All synchronous, all return undefined:
//   softmax(meta, x, out)                       out = softmax(x) over n
//   logSoftmax(meta, x, out)                    out = logSoftmax(x) over n
//   softmaxBackward(meta, grad, out, gradIn)    gradIn = out * (grad - sum_n(grad * out))
//   logSoftmaxBackward(meta, grad, out, gradIn) gradIn = grad - exp(out) * sum_n(grad)
// meta: Float64Array [outer, n, inner, firstOffset, secondOffset]. The tensor is viewed as
// [outer, n, inner] (n = size of the softmax dim, outer / inner = products of the dims before /
// after it); every operand is a contiguous Float32Array run of outer * n * inner elements.
// firstOffset is where x (forward) or grad (backward) starts in its storage, secondOffset where
// the backward's `out` (the forward's result) starts; the forward ignores slot 4, which may be
// left out. The result (out, gradIn) is written from offset 0 and may be the input's storage
// (in place) when that input's offset is 0. Offsets and sizes are integers; a bad one, a short
// storage or a wrong dtype is a RangeError / TypeError naming the op.
#include "args.h"

namespace tgb {
namespace {

tg::SoftmaxShape shape_of(const Meta& m) {
  tg::SoftmaxShape s;
  s.outer = m.integer(0);
  s.n = m.integer(1);
  s.inner = m.integer(2);
  return s;
}

template <tg::Status (*Fn)(const tg::SoftmaxShape&, const tg::Operand&, const tg::Operand&)>
tg::Status forward(const Args& args, const char* op) {
  return run_guarded([&] {
    Meta m(args, 2, op);
    const tg::SoftmaxShape s = shape_of(m);
    const tg::Operand x = m.storage_at(Arg{0}, 3, "x"), out = m.storage(Arg{1}, "out");
    return Fn(s, x, out);
  });
}

template <tg::Status (*Fn)(const tg::SoftmaxShape&, const tg::Operand&, const tg::Operand&, const tg::Operand&)>
tg::Status backward(const Args& args, const char* op) {
  return run_guarded([&] {
    Meta m(args, 3, op);
    const tg::SoftmaxShape s = shape_of(m);
    const tg::Operand grad = m.storage_at(Arg{0}, 3, "grad"), out = m.storage_at(Arg{1}, 4, "out");
    const tg::Operand grad_in = m.storage(Arg{2}, "gradIn");
    return Fn(s, grad, out, grad_in);
  });
}

}  // namespace

tg::Status run_softmax(const Args& a) { return forward<tg::softmax_f32>(a, "softmax"); }
tg::Status run_log_softmax(const Args& a) { return forward<tg::log_softmax_f32>(a, "logSoftmax"); }
tg::Status run_softmax_backward(const Args& a) { return backward<tg::softmax_backward_f32>(a, "softmax.backward"); }
tg::Status run_log_softmax_backward(const Args& a) {
  return backward<tg::log_softmax_backward_f32>(a, "logSoftmax.backward");
}

void register_softmax(Napi::Env env, Napi::Object exports) {
  exports.Set("softmax", Napi::Function::New(env, js_entry<run_softmax>, "softmax"));
  exports.Set("logSoftmax", Napi::Function::New(env, js_entry<run_log_softmax>, "logSoftmax"));
  exports.Set("softmaxBackward", Napi::Function::New(env, js_entry<run_softmax_backward>, "softmaxBackward"));
  exports.Set("logSoftmaxBackward", Napi::Function::New(env, js_entry<run_log_softmax_backward>, "logSoftmaxBackward"));
}

}  // namespace tgb
