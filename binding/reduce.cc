// Reductions. Meta: [op, ndim, dimsMask, 0, 0, shape(ndim), xOffset, xStrides(ndim)].
// Args: meta, x, out (contiguous, offset 0), indices (Int32Array or undefined).
#include "args.h"

namespace tgb {

tg::Status run_reduce(const Args& a) {
  return run_guarded([&] {
    Meta m(a, 2, "reduce");
    const int64_t op = m.integer(0);
    const int nd = m.ndim(1);
    const int64_t mask = m.integer(2);
    if (mask < 0 || mask >= (int64_t(1) << tg::kMaxDims)) m.fail_range("bad dims");
    tg::Shape s;
    size_t pos = m.shape(kHeader, nd, &s);
    tg::Operand x, out, idx;
    m.viewed_into(Arg{0}, nd, &pos, &x);
    m.storage_into(Arg{1}, &out);
    const bool has_idx = m.optional_storage(Arg{2}, &idx);
    return tg::reduce_f32(static_cast<tg::ReduceOp>(op), s, x, static_cast<uint32_t>(mask), out,
                          has_idx ? &idx : nullptr);
  });
}

void register_reduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Napi::Function::New(env, js_entry<run_reduce>, "reduce"));
}

}  // namespace tgb
