// Fused scaled dot-product attention (cpp/kernels/attention.cpp), mirrored in src/ops/attention.ts.
//   attention(meta, q, k, v, mask, out, lse)
//   attentionBackward(meta, q, k, v, mask, grad, out, lse, gradQ, gradK, gradV)
// meta (src/call.ts encodeAttention): [L, S, E, Ev, batchNdim, causal, hasMask, scale, 0,
//   batchShape(batchNdim), then q, k, v each as (offset, batchStrides(batchNdim), rowStride)
//   (columns are unit-stride), then the mask's (offset, batchStrides, rowStride, colStride)
//   when hasMask is 1, then for the backward grad's (offset, batchStrides, rowStride), out's
//   offset and lse's offset]. causal and hasMask are 0 or 1; mask is a Float32Array (added) or
//   a Uint8Array (bool), passed as undefined when hasMask is 0. out [batch..., L, Ev] and lse
//   [batch..., L] (forward), gradQ, gradK, gradV (backward) are dense from offset 0. Every
//   length is checked against its storage by the core.
#include <cfloat>
#include <cmath>

#include "kernels/attention.h"
#include "args.h"

namespace tgb {
namespace {

constexpr size_t kAttnHeader = 9;

// A [batch..., rows, cols] operand with unit columns: offset, batch strides, row stride from *pos.
tg::Operand rows_view(const Meta& m, Arg k, int nb, size_t* pos) {
  tg::Operand o = m.viewed(k, nb + 1, pos);
  o.stride[nb + 1] = 1;
  return o;
}

float scale_of(const Meta& m) {
  const double s = m.num(7);
  // A double beyond float's range becomes +-inf explicitly (the conversion itself is undefined).
  if (std::isnan(s)) return NAN;
  if (s > FLT_MAX) return INFINITY;
  if (s < -FLT_MAX) return -INFINITY;
  return static_cast<float>(s);
}

// The shared part of both calls: sizes, q, k, v and the mask (operands 0..3); *pos is left after them.
tg::AttentionArgs decode(const Meta& m, size_t* pos) {
  tg::AttentionArgs a;
  a.L = m.integer(0);
  a.S = m.integer(1);
  a.E = m.integer(2);
  a.Ev = m.integer(3);
  const int nb = m.ndim(4);
  if (nb > tg::kMaxDims - 2) m.fail_range("too many batch dims");
  a.causal = m.flag(5, "causal");
  a.has_mask = m.flag(6, "hasMask");
  a.scale = scale_of(m);
  *pos = m.shape(kAttnHeader, nb, &a.batch);
  a.q = rows_view(m, Arg{0}, nb, pos);
  a.k = rows_view(m, Arg{1}, nb, pos);
  a.v = rows_view(m, Arg{2}, nb, pos);
  if (a.has_mask) a.mask = m.viewed(Arg{3}, nb + 2, pos);
  return a;
}

}  // namespace

tg::Status run_attention(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 6, "scaledDotProductAttention");
    size_t pos = 0;
    const tg::AttentionArgs a = decode(m, &pos);
    const tg::Operand out = m.storage(Arg{4}, "out"), lse = m.storage(Arg{5}, "lse");
    return tg::attention_forward_f32(a, out, lse);
  });
}

tg::Status run_attention_backward(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 10, "scaledDotProductAttention.backward");
    size_t pos = 0;
    const tg::AttentionArgs a = decode(m, &pos);
    const tg::Operand grad = rows_view(m, Arg{4}, a.batch.ndim, &pos);
    const tg::Operand out = m.storage_at(Arg{5}, pos, "out"), lse = m.storage_at(Arg{6}, pos + 1, "lse");
    const tg::Operand dq = m.storage(Arg{7}, "gradQ"), dk = m.storage(Arg{8}, "gradK"), dv = m.storage(Arg{9}, "gradV");
    return tg::attention_backward_f32(a, grad, out, lse, dq, dk, dv);
  });
}

void register_attention(Napi::Env env, Napi::Object exports) {
  exports.Set("attention", Napi::Function::New(env, js_entry<run_attention>, "attention"));
  exports.Set("attentionBackward", Napi::Function::New(env, js_entry<run_attention_backward>, "attentionBackward"));
}

}  // namespace tgb
