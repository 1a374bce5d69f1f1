// Elementwise ops. Meta layout: [op, ndim, p0, p1, p2, shape(ndim), then per operand in
// argument order: offset, strides(ndim)]. Operands follow meta as typed arrays, output first.
// Each op is run_X over Args (replayable from a plan, binding/plan.cc) plus its JS entry.
#include "args.h"

namespace tgb {
namespace {

struct Call {
  tg::Shape shape;
  tg::Operand ops[4];
  double p[3];
  int64_t op;
};

// Decodes meta plus `n` operands.
Call decode(const Args& a, int n, const char* name) {
  Meta m(a, n, name);
  Call c;
  c.op = m.integer(0);
  int nd = m.ndim(1);
  for (int i = 0; i < 3; ++i) c.p[i] = m.num(2 + i);
  size_t pos = m.shape(kHeader, nd, &c.shape);
  for (int k = 0; k < n; ++k) m.viewed_into(Arg{static_cast<size_t>(k)}, nd, &pos, &c.ops[k]);
  return c;
}

}  // namespace

tg::Status run_unary(const Args& a) {
  return run_guarded([&] {
    Call c = decode(a, 2, "unary");
    return tg::unary_f32(static_cast<tg::UnaryOp>(c.op), c.shape, c.ops[0], c.ops[1], static_cast<float>(c.p[0]),
                         static_cast<float>(c.p[1]));
  });
}

tg::Status run_binary(const Args& a) {
  return run_guarded([&] {
    Call c = decode(a, 3, "binary");
    return tg::binary_f32(static_cast<tg::BinaryOp>(c.op), c.shape, c.ops[0], c.ops[1], c.ops[2],
                          static_cast<float>(c.p[0]));
  });
}

// p0 = op param, p1 = the scalar, p2 = 1 when the scalar is the left operand.
tg::Status run_binary_scalar(const Args& a) {
  return run_guarded([&] {
    Call c = decode(a, 2, "binary");
    return tg::binary_scalar_f32(static_cast<tg::BinaryOp>(c.op), c.shape, c.ops[0], c.ops[1],
                                 static_cast<float>(c.p[1]), c.p[2] != 0, static_cast<float>(c.p[0]));
  });
}

tg::Status run_binary_int(const Args& a) {
  return run_guarded([&] {
    Call c = decode(a, 3, "binary");
    return tg::binary_i32(static_cast<tg::IntBinaryOp>(c.op), c.shape, c.ops[0], c.ops[1], c.ops[2]);
  });
}

tg::Status run_compare(const Args& a) {
  return run_guarded([&] {
    Call c = decode(a, 3, "compare");
    return tg::compare(static_cast<tg::CompareOp>(c.op), c.shape, c.ops[0], c.ops[1], c.ops[2]);
  });
}

// p0 = the scalar.
tg::Status run_compare_scalar(const Args& a) {
  return run_guarded([&] {
    Call c = decode(a, 2, "compare");
    return tg::compare_scalar(static_cast<tg::CompareOp>(c.op), c.shape, c.ops[0], c.ops[1], c.p[0]);
  });
}

tg::Status run_where(const Args& a) {
  return run_guarded([&] {
    Call c = decode(a, 4, "where");
    return tg::where(c.shape, c.ops[0], c.ops[1], c.ops[2], c.ops[3]);
  });
}

tg::Status run_cast(const Args& a) {
  return run_guarded([&] {
    Call c = decode(a, 2, "copy");
    return tg::cast(c.shape, c.ops[0], c.ops[1]);
  });
}

// p0 = the value.
tg::Status run_fill(const Args& a) {
  return run_guarded([&] {
    Call c = decode(a, 1, "fill");
    return tg::fill(c.shape, c.ops[0], c.p[0]);
  });
}

void register_elementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, js_entry<run_unary>, "unary"));
  exports.Set("binary", Napi::Function::New(env, js_entry<run_binary>, "binary"));
  exports.Set("binaryScalar", Napi::Function::New(env, js_entry<run_binary_scalar>, "binaryScalar"));
  exports.Set("binaryInt", Napi::Function::New(env, js_entry<run_binary_int>, "binaryInt"));
  exports.Set("compare", Napi::Function::New(env, js_entry<run_compare>, "compare"));
  exports.Set("compareScalar", Napi::Function::New(env, js_entry<run_compare_scalar>, "compareScalar"));
  exports.Set("where", Napi::Function::New(env, js_entry<run_where>, "where"));
  exports.Set("cast", Napi::Function::New(env, js_entry<run_cast>, "cast"));
  exports.Set("fill", Napi::Function::New(env, js_entry<run_fill>, "fill"));
}

}  // namespace tgb
