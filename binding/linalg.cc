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

struct Matmul {
  tg::MatmulArgs a;
  tg::Operand* operand(size_t k) { return k == 0 ? &a.a : k == 1 ? &a.b : k == 2 ? &a.c : k == 3 ? &a.bias : nullptr; }
  tg::Status operator()(tg::Validate v) const { return tg::matmul_f32(a, v); }
};

Matmul decode_matmul(const Args& args) {
  Meta m(args, 3, "matmul");
  Matmul call;
  tg::MatmulArgs& a = call.a;
  a.M = m.integer(0);
  a.N = m.integer(1);
  a.K = m.integer(2);
  const int bn = m.ndim(3);
  if (bn > tg::kMaxDims - 2) m.fail_range("too many batch dims");
  a.accumulate = m.flag(4, "accumulate");
  size_t pos = m.shape(kHeader, bn, &a.batch);
  m.viewed_into(Arg{0}, bn, &pos, &a.a);
  a.a_row = m.integer(pos++);
  a.a_col = m.integer(pos++);
  m.viewed_into(Arg{1}, bn, &pos, &a.b);
  a.b_row = m.integer(pos++);
  a.b_col = m.integer(pos++);
  m.storage_into(Arg{2}, &a.c);
  a.has_bias = m.flag(pos, "hasBias");
  if (a.has_bias) a.bias = m.storage_at(Arg{3}, pos + 1, "the bias (meta's hasBias is 1)");
  a.relu = m.flag(pos + 2, "relu");
  return call;
}

using MatmulKernel = Decoded<Matmul, decode_matmul>;

}  // namespace

TGB_DECODED_ENTRIES(matmul, MatmulKernel)

void register_linalg(Napi::Env env, Napi::Object exports) {
  exports.Set("matmul", Napi::Function::New(env, js_entry<run_matmul>, "matmul"));
}

}  // namespace tgb
