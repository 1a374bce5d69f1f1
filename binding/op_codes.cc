// exports.opCodes: { unary: { Neg: 0, Exp: 1, ... }, binary, compare, intBinary, reduce }, the
// C++ enumerator names (without Count) and their codes, generated from the op lists in
// cpp/kernels/ops.h so that JS, which looks codes up here by name, cannot drift from the core.
// Frozen, tables and all: a code changed by JS would send one op's calls to another's kernel.
#include "args.h"

namespace tgb {
namespace {

struct OpCode {
  const char* name;
  int32_t code;
};

template <size_t N>
Napi::Object frozen_table(Napi::Env env, const OpCode (&ops)[N]) {
  Napi::Object table = Napi::Object::New(env);
  for (const OpCode& op : ops) table.Set(op.name, Napi::Number::New(env, op.code));
  table.Freeze();
  return table;
}

}  // namespace

// Op is the enum of the list being expanded, set by each block below.
#define TG_OP_CODE(name, ...) {#name, static_cast<int32_t>(Op::name)},

// Built per environment (no napi_value outlives its env): each worker gets its own objects.
void register_op_codes(Napi::Env env, Napi::Object exports) {
  Napi::Object codes = Napi::Object::New(env);
  {
    using Op = tg::UnaryOp;
    const OpCode unary[] = {TG_UNARY_OPS(TG_OP_CODE, TG_OP_CODE)};
    codes.Set("unary", frozen_table(env, unary));
  }
  {
    using Op = tg::BinaryOp;
    const OpCode binary[] = {TG_BINARY_OPS(TG_OP_CODE)};
    codes.Set("binary", frozen_table(env, binary));
  }
  {
    using Op = tg::CompareOp;
    const OpCode compare[] = {TG_COMPARE_OPS(TG_OP_CODE)};
    codes.Set("compare", frozen_table(env, compare));
  }
  {
    using Op = tg::IntBinaryOp;
    const OpCode int_binary[] = {TG_INT_BINARY_OPS(TG_OP_CODE)};
    codes.Set("intBinary", frozen_table(env, int_binary));
  }
  {
    using Op = tg::ReduceOp;
    const OpCode reduce[] = {TG_REDUCE_OPS(TG_OP_CODE)};
    codes.Set("reduce", frozen_table(env, reduce));
  }
  codes.Freeze();
  exports.Set("opCodes", codes);
}

#undef TG_OP_CODE

}  // namespace tgb
