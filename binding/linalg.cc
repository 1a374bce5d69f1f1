// Matmul. Meta: [M, N, K, batchNdim, accumulate, batchShape(batchNdim),
//   aOffset, aBatchStrides(batchNdim), aRowStride, aColStride, then the same for b,
//   then hasBias, biasOffset, relu: the fused epilogue C = relu(C + bias), always present
//   (0, 0, 0 when unused; biasOffset is read only when hasBias is 1)].
// accumulate, hasBias and relu are 0 or 1.
// Args: meta, a, b, c (contiguous [batch..., M, N], offset 0), then bias (float32, contiguous
// [N] from biasOffset), required when hasBias is 1 and not read otherwise.
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
  a.accumulate = m.flag(4, "accumulate");
  size_t pos = m.shape(kHeader, bn, &a.batch);
  a.a = m.viewed(info[1], bn, &pos);
  a.a_row = m.integer(pos++);
  a.a_col = m.integer(pos++);
  a.b = m.viewed(info[2], bn, &pos);
  a.b_row = m.integer(pos++);
  a.b_col = m.integer(pos++);
  a.c = m.storage(info[3]);
  a.has_bias = m.flag(pos, "hasBias");
  if (a.has_bias) a.bias = m.storage_at(info[4], pos + 1, "the bias (meta's hasBias is 1)");
  a.relu = m.flag(pos + 2, "relu");
  check(info.Env(), tg::matmul_f32(a));
  return info.Env().Undefined();
}

}  // namespace

void register_linalg(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, Matmul, "matmul"));
}

}  // namespace tgb
