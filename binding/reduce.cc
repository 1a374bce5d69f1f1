// Reductions. Meta: [op, ndim, dimsMask, 0, 0, shape(ndim), xOffset, xStrides(ndim)].
// Args: meta, x, out (contiguous, offset 0), indices (Int32Array or undefined).
#include "args.h"

namespace tgb {

namespace {

struct Reduce {
  int64_t op;
  uint32_t mask;
  tg::Shape s;
  tg::Operand x, out, idx;
  bool has_idx;
  tg::Operand* operand(size_t k) { return k == 0 ? &x : k == 1 ? &out : k == 2 ? &idx : nullptr; }
  tg::Status operator()(tg::Validate v) const {
    return tg::reduce_f32(static_cast<tg::ReduceOp>(op), s, x, mask, out, has_idx ? &idx : nullptr, v);
  }
};

Reduce decode_reduce(const Args& a) {
  Meta m(a, 2, "reduce");
  Reduce r;
  r.op = m.integer(0);
  const int nd = m.ndim(1);
  const int64_t mask = m.integer(2);
  if (mask < 0 || mask >= (int64_t(1) << tg::kMaxDims)) m.fail_range("bad dims");
  r.mask = static_cast<uint32_t>(mask);
  size_t pos = m.shape(kHeader, nd, &r.s);
  m.viewed_into(Arg{0}, nd, &pos, &r.x);
  m.storage_into(Arg{1}, &r.out);
  r.has_idx = m.optional_storage(Arg{2}, &r.idx);
  return r;
}

using ReduceKernel = Decoded<Reduce, decode_reduce>;

}  // namespace

TGB_DECODED_ENTRIES(reduce, ReduceKernel)

void register_reduce(Napi::Env env, Napi::Object exports) {
  exports.Set("reduce", Napi::Function::New(env, js_entry<run_reduce>, "reduce"));
}

}  // namespace tgb
