// Elementwise ops. Meta layout: [op, ndim, p0, p1, p2, shape(ndim), then per operand in
// argument order: offset, strides(ndim)]. Operands follow meta as typed arrays, output first.
#include "args.h"

namespace tgb {
namespace {

struct Call {
  tg::Shape shape;
  tg::Operand ops[4];
  double p[3];
  int64_t op;
};

// Decodes meta plus `n` operand arrays at info[1..n].
Call decode(const Napi::CallbackInfo& info, int n, const char* name) {
  Meta m(info, n + 1, name);
  Call c;
  c.op = m.integer(0);
  int nd = m.ndim(1);
  for (int i = 0; i < 3; ++i) c.p[i] = m.num(2 + i);
  size_t pos = m.shape(kHeader, nd, &c.shape);
  for (int k = 0; k < n; ++k) c.ops[k] = m.viewed(info[1 + k], nd, &pos);
  return c;
}
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Call c = decode(info, 2, "unary");
  check(info.Env(), tg::unary_f32(static_cast<tg::UnaryOp>(c.op), c.shape, c.ops[0], c.ops[1],
                                  static_cast<float>(c.p[0]), static_cast<float>(c.p[1])));
  return info.Env().Undefined();
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  Call c = decode(info, 3, "binary");
  check(info.Env(), tg::binary_f32(static_cast<tg::BinaryOp>(c.op), c.shape, c.ops[0], c.ops[1], c.ops[2],
                                   static_cast<float>(c.p[0])));
  return info.Env().Undefined();
}

// p0 = op param, p1 = the scalar, p2 = 1 when the scalar is the left operand.
Napi::Value BinaryScalar(const Napi::CallbackInfo& info) {
  Call c = decode(info, 2, "binary");
  check(info.Env(), tg::binary_scalar_f32(static_cast<tg::BinaryOp>(c.op), c.shape, c.ops[0], c.ops[1],
                                          static_cast<float>(c.p[1]), c.p[2] != 0, static_cast<float>(c.p[0])));
  return info.Env().Undefined();
}

Napi::Value BinaryInt(const Napi::CallbackInfo& info) {
  Call c = decode(info, 3, "binary");
  check(info.Env(), tg::binary_i32(static_cast<tg::IntBinaryOp>(c.op), c.shape, c.ops[0], c.ops[1], c.ops[2]));
  return info.Env().Undefined();
}

Napi::Value Compare(const Napi::CallbackInfo& info) {
  Call c = decode(info, 3, "compare");
  check(info.Env(), tg::compare(static_cast<tg::CompareOp>(c.op), c.shape, c.ops[0], c.ops[1], c.ops[2]));
  return info.Env().Undefined();
}

// p0 = the scalar.
Napi::Value CompareScalar(const Napi::CallbackInfo& info) {
  Call c = decode(info, 2, "compare");
  check(info.Env(), tg::compare_scalar(static_cast<tg::CompareOp>(c.op), c.shape, c.ops[0], c.ops[1], c.p[0]));
  return info.Env().Undefined();
}

Napi::Value Where(const Napi::CallbackInfo& info) {
  Call c = decode(info, 4, "where");
  check(info.Env(), tg::where(c.shape, c.ops[0], c.ops[1], c.ops[2], c.ops[3]));
  return info.Env().Undefined();
}

Napi::Value Cast(const Napi::CallbackInfo& info) {
  Call c = decode(info, 2, "copy");
  check(info.Env(), tg::cast(c.shape, c.ops[0], c.ops[1]));
  return info.Env().Undefined();
}

// p0 = the value.
Napi::Value Fill(const Napi::CallbackInfo& info) {
  Call c = decode(info, 1, "fill");
  check(info.Env(), tg::fill(c.shape, c.ops[0], c.p[0]));
  return info.Env().Undefined();
}

}  // namespace

void register_elementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("binaryScalar", Napi::Function::New(env, BinaryScalar, "binaryScalar"));
  exports.Set("binaryInt", Napi::Function::New(env, BinaryInt, "binaryInt"));
  exports.Set("compare", Napi::Function::New(env, Compare, "compare"));
  exports.Set("compareScalar", Napi::Function::New(env, CompareScalar, "compareScalar"));
  exports.Set("where", Napi::Function::New(env, Where, "where"));
  exports.Set("cast", Napi::Function::New(env, Cast, "cast"));
  exports.Set("fill", Napi::Function::New(env, Fill, "fill"));
}

}  // namespace tgb
