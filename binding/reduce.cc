// Reductions. Meta: [op, ndim, dimsMask, 0, 0, shape(ndim), xOffset, xStrides(ndim)].
// Args: meta, x, out (contiguous, offset 0), indices (Int32Array or undefined).
#include "args.h"

namespace tgb {
namespace {

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Meta m(info, 3, "reduce");
  const int64_t op = m.integer(0);
  const int nd = m.ndim(1);
  const int64_t mask = m.integer(2);
  if (mask < 0 || mask >= (int64_t(1) << tg::kMaxDims)) throw_range(info.Env(), "reduce: bad dims");
  tg::Shape s;
  size_t pos = m.shape(kHeader, nd, &s);
  const tg::Operand x = m.viewed(info[1], nd, &pos);
  const tg::Operand out = m.storage(info[2]);
  tg::Operand idx;
  const bool has_idx = m.optional_storage(info[3], &idx);
  check(info.Env(), tg::reduce_f32(static_cast<tg::ReduceOp>(op), s, x, static_cast<uint32_t>(mask), out,
                                   has_idx ? &idx : nullptr));
  return info.Env().Undefined();
}

}  // namespace

void register_reduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
}

}  // namespace tgb
