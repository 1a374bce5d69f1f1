// Reductions. Meta: [op, ndim, dimsMask, 0, 0, shape(ndim), xOffset, xStrides(ndim)].
// Args: meta, x, out (contiguous, offset 0), indices (Int32Array or undefined).
#include "args.h"

namespace tgb {
namespace {

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  if (info.Length() < 3) throw_type(info.Env(), "reduce: missing arguments");
  Meta m(env, info[0], "reduce");
  const int64_t op = m.integer(0);
  const int nd = m.ndim(1);
  const int64_t mask = m.integer(2);
  if (mask < 0 || mask >= (int64_t(1) << tg::kMaxDims)) throw_range(info.Env(), "reduce: bad dims");
  tg::Shape s;
  size_t pos = m.shape(kHeader, nd, &s);
  tg::Operand x = operand(env, info[1], "reduce");
  m.view(pos, nd, &x);
  tg::Operand out = operand(env, info[2], "reduce");
  tg::Operand idx;
  const bool has_idx = info.Length() > 3 && !info[3].IsUndefined() && !info[3].IsNull();
  if (has_idx) idx = operand(env, info[3], "reduce");
  check(info.Env(), tg::reduce_f32(static_cast<tg::ReduceOp>(op), s, x, static_cast<uint32_t>(mask), out,
                                   has_idx ? &idx : nullptr));
  return info.Env().Undefined();
}

}  // namespace

void register_reduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
}

}  // namespace tgb
