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
  tg::Operand* operand(size_t k) { return k < 4 ? &ops[k] : nullptr; }
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

// The elementwise calls a compiled plan keeps decoded (Decoded in args.h).
struct Unary : Call {
  tg::Status operator()(tg::Validate v) const {
    return tg::unary_f32(static_cast<tg::UnaryOp>(op), shape, ops[0], ops[1], static_cast<float>(p[0]),
                         static_cast<float>(p[1]), v);
  }
};
Unary decode_unary(const Args& a) { return {decode(a, 2, "unary")}; }

struct Binary : Call {
  tg::Status operator()(tg::Validate v) const {
    return tg::binary_f32(static_cast<tg::BinaryOp>(op), shape, ops[0], ops[1], ops[2], static_cast<float>(p[0]), v);
  }
};
Binary decode_binary(const Args& a) { return {decode(a, 3, "binary")}; }

// p0 = op param, p1 = the scalar, p2 = 1 when the scalar is the left operand.
struct BinaryScalar : Call {
  tg::Status operator()(tg::Validate v) const {
    return tg::binary_scalar_f32(static_cast<tg::BinaryOp>(op), shape, ops[0], ops[1], static_cast<float>(p[1]),
                                 p[2] != 0, static_cast<float>(p[0]), v);
  }
};
BinaryScalar decode_binary_scalar(const Args& a) { return {decode(a, 2, "binary")}; }

struct Cast : Call {
  tg::Status operator()(tg::Validate v) const { return tg::cast(shape, ops[0], ops[1], v); }
};
Cast decode_cast(const Args& a) { return {decode(a, 2, "copy")}; }

// p0 = the value.
struct Fill : Call {
  tg::Status operator()(tg::Validate v) const { return tg::fill(shape, ops[0], p[0], v); }
};
Fill decode_fill(const Args& a) { return {decode(a, 1, "fill")}; }

using UnaryKernel = Decoded<Unary, decode_unary>;
using BinaryKernel = Decoded<Binary, decode_binary>;
using BinaryScalarKernel = Decoded<BinaryScalar, decode_binary_scalar>;
using CastKernel = Decoded<Cast, decode_cast>;
using FillKernel = Decoded<Fill, decode_fill>;

}  // namespace

TGB_DECODED_ENTRIES(unary, UnaryKernel)
TGB_DECODED_ENTRIES(binary, BinaryKernel)
TGB_DECODED_ENTRIES(binary_scalar, BinaryScalarKernel)
TGB_DECODED_ENTRIES(cast, CastKernel)
TGB_DECODED_ENTRIES(fill, FillKernel)

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
