// Matmul. Meta: [M, N, K, batchNdim, accumulate, batchShape(batchNdim),
//   aOffset, aBatchStrides(batchNdim), aRowStride, aColStride, then the same for b,
//   then optionally hasBias, biasOffset, relu (the fused epilogue C = relu(C + bias))].
// Args: meta, a, b, c (contiguous [batch..., M, N], offset 0), then the bias slot: bias
// (contiguous [N]) when hasBias, else anything (null). The epilogue fields are read only when the
// bias slot is passed and meta holds them: callers older than the epilogue pass four arguments
// and may leave stale values past b's fields in a reused meta buffer.
#include "args.h"

namespace tgb {
namespace {

Napi::Value Matmul(const Napi::CallbackInfo& info) {
  Meta m(info, 4, "matmul");
  tg::MatmulArgs a;
  a.M = m.integer(0);
  a.N = m.integer(1);
  a.K = m.integer(2);
  const int bn = m.ndim(3);
  if (bn > tg::kMaxDims - 2) throw_range(info.Env(), "matmul: too many batch dims");
  a.accumulate = m.num(4) != 0;
  size_t pos = m.shape(kHeader, bn, &a.batch);
  a.a = m.viewed(info[1], bn, &pos);
  a.a_row = m.integer(pos++);
  a.a_col = m.integer(pos++);
  a.b = m.viewed(info[2], bn, &pos);
  a.b_row = m.integer(pos++);
  a.b_col = m.integer(pos++);
  a.c = m.storage(info[3]);
  if (info.Length() >= 5 && m.size() > pos) {
    a.has_bias = m.num(pos) != 0;
    if (a.has_bias) a.bias = m.storage_at(info[4], pos + 1);
    a.relu = m.num(pos + 2) != 0;
  }
  check(info.Env(), tg::matmul_f32(a));
  return info.Env().Undefined();
}

}  // namespace

void register_linalg(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
}

}  // namespace tgb
