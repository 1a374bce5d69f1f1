// Indexing. Meta: [dim, ndim, nIndices, xOffset, indexOffset, shape(ndim)]; the data operands
// are contiguous over shape. indexSelect args: meta, x, index, out (offset 0).
// indexAdd args: meta, out (offset = xOffset), index, src (offset 0).
#include "args.h"

namespace tgb {
namespace {

// meta[0], the dim along which the op indexes, checked against ndim.
int dim_of(const Meta& m, int ndim, const char* name, Napi::Env env) {
  const int64_t dim = m.integer(0);
  if (dim < 0 || dim >= ndim) throw_range(env, std::string(name) + ": dim out of range");
  return static_cast<int>(dim);
}

struct IndexCall {
  int dim;
  int64_t n;
  tg::Shape s;
  tg::Operand data, index, other;
};

IndexCall decode(const Napi::CallbackInfo& info, const char* name) {
  Meta m(info, 4, name);
  IndexCall c;
  const int nd = m.ndim(1);
  c.dim = dim_of(m, nd, name, info.Env());
  c.n = m.integer(2);
  m.shape(kHeader, nd, &c.s);
  c.data = m.storage_at(info[1], 3);
  c.index = m.storage_at(info[2], 4);
  c.other = m.storage(info[3]);
  return c;
}

Napi::Value IndexSelect(const Napi::CallbackInfo& info) {
  IndexCall c = decode(info, "indexSelect");
  check(info.Env(), tg::index_select(c.s, c.data, c.dim, c.index, c.n, c.other));
  return info.Env().Undefined();
}

Napi::Value IndexAdd(const Napi::CallbackInfo& info) {
  IndexCall c = decode(info, "indexAdd");
  check(info.Env(), tg::index_add(c.s, c.data, c.dim, c.index, c.n, c.other));
  return info.Env().Undefined();
}

// gather, scatterAdd and scatter share a layout: meta [dim, ndim, mode, 0, 0, indexShape(ndim),
// dataShape(ndim), then offset and strides(ndim) of args 1, 2 and, for scatterAdd and scatter,
// 3]; mode (scatter only: 0 replace, 1 add, 2 multiply) is 0 for the others.
// scatter args: meta, out (written in place, over dataShape), index, src (over indexShape, out's dtype).
// gather args: meta, x, index, out (contiguous over indexShape, offset 0: no view in meta).
// scatterAdd args: meta, out (over dataShape), index, src (over indexShape).
struct GatherCall {
  int dim;
  tg::Shape index_shape, data_shape;
  tg::Operand ops[3];
};

// Whether meta holds a view for the third operand (arg 3).
enum class ThirdOperand { Viewed, Contiguous };

GatherCall decode_gather(const Napi::CallbackInfo& info, const char* name, ThirdOperand third) {
  Meta m(info, 4, name);
  GatherCall c;
  const int nd = m.ndim(1);
  c.dim = dim_of(m, nd, name, info.Env());
  size_t pos = m.shape(kHeader, nd, &c.index_shape);
  pos = m.shape(pos, nd, &c.data_shape);
  c.ops[0] = m.viewed(info[1], nd, &pos);
  c.ops[1] = m.viewed(info[2], nd, &pos);
  c.ops[2] = third == ThirdOperand::Viewed ? m.viewed(info[3], nd, &pos) : m.storage(info[3]);
  return c;
}

Napi::Value Gather(const Napi::CallbackInfo& info) {
  GatherCall c = decode_gather(info, "gather", ThirdOperand::Contiguous);
  check(info.Env(), tg::gather(c.index_shape, c.data_shape, c.ops[0], c.dim, c.ops[1], c.ops[2]));
  return info.Env().Undefined();
}

Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  GatherCall c = decode_gather(info, "scatterAdd", ThirdOperand::Viewed);
  check(info.Env(), tg::scatter_add(c.index_shape, c.data_shape, c.ops[0], c.dim, c.ops[1], c.ops[2]));
  return info.Env().Undefined();
}

Napi::Value Scatter(const Napi::CallbackInfo& info) {
  GatherCall c = decode_gather(info, "scatter", ThirdOperand::Viewed);
  Meta m(info, 4, "scatter");
  const int64_t mode = m.integer(2);
  if (mode < 0 || mode > 2) throw_range(info.Env(), "scatter: reduce argument must be either add or multiply.");
  check(info.Env(), tg::scatter(static_cast<tg::ScatterReduce>(mode), c.index_shape, c.data_shape, c.ops[0], c.dim,
                                c.ops[1], c.ops[2]));
  return info.Env().Undefined();
}

}  // namespace

void register_index(Napi::Env env, Napi::Object exports) {
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("scatterAdd", Napi::Function::New(env, ScatterAdd, "scatterAdd"));
  exports.Set("scatter", Napi::Function::New(env, Scatter, "scatter"));
  exports.Set("indexSelect", Napi::Function::New(env, IndexSelect, "indexSelect"));
  exports.Set("indexAdd", Napi::Function::New(env, IndexAdd, "indexAdd"));
}

}  // namespace tgb
