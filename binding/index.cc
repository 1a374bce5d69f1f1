// Indexing. Meta: [dim, ndim, nIndices, xOffset, indexOffset, shape(ndim)]; the data operands
// are contiguous over shape. indexSelect args: meta, x, index, out (offset 0).
// indexAdd args: meta, out (offset = xOffset), index, src (offset 0).
#include "args.h"

namespace tgb {
namespace {

// meta[0], the dim along which the op indexes, checked against ndim.
int dim_of(const Meta& m, int ndim) {
  const int64_t dim = m.integer(0);
  if (dim < 0 || dim >= ndim) m.fail_range("dim out of range");
  return static_cast<int>(dim);
}

struct IndexCall {
  int dim;
  int64_t n;
  tg::Shape s;
  tg::Operand data, index, other;
};

IndexCall decode(const Args& a, const char* name) {
  Meta m(a, 3, name);
  IndexCall c;
  const int nd = m.ndim(1);
  c.dim = dim_of(m, nd);
  c.n = m.integer(2);
  m.shape(kHeader, nd, &c.s);
  c.data = m.storage_at(Arg{0}, 3);
  c.index = m.storage_at(Arg{1}, 4);
  c.other = m.storage(Arg{2});
  return c;
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

GatherCall decode_gather(const Args& a, const char* name, ThirdOperand third) {
  Meta m(a, 3, name);
  GatherCall c;
  const int nd = m.ndim(1);
  c.dim = dim_of(m, nd);
  size_t pos = m.shape(kHeader, nd, &c.index_shape);
  pos = m.shape(pos, nd, &c.data_shape);
  c.ops[0] = m.viewed(Arg{0}, nd, &pos);
  c.ops[1] = m.viewed(Arg{1}, nd, &pos);
  c.ops[2] = third == ThirdOperand::Viewed ? m.viewed(Arg{2}, nd, &pos) : m.storage(Arg{2});
  return c;
}

}  // namespace

tg::Status run_index_select(const Args& a) {
  return run_guarded([&] {
    IndexCall c = decode(a, "indexSelect");
    return tg::index_select(c.s, c.data, c.dim, c.index, c.n, c.other);
  });
}

tg::Status run_index_add(const Args& a) {
  return run_guarded([&] {
    IndexCall c = decode(a, "indexAdd");
    return tg::index_add(c.s, c.data, c.dim, c.index, c.n, c.other);
  });
}

tg::Status run_gather(const Args& a) {
  return run_guarded([&] {
    GatherCall c = decode_gather(a, "gather", ThirdOperand::Contiguous);
    return tg::gather(c.index_shape, c.data_shape, c.ops[0], c.dim, c.ops[1], c.ops[2]);
  });
}

tg::Status run_scatter_add(const Args& a) {
  return run_guarded([&] {
    GatherCall c = decode_gather(a, "scatterAdd", ThirdOperand::Viewed);
    return tg::scatter_add(c.index_shape, c.data_shape, c.ops[0], c.dim, c.ops[1], c.ops[2]);
  });
}

tg::Status run_scatter(const Args& a) {
  return run_guarded([&] {
    GatherCall c = decode_gather(a, "scatter", ThirdOperand::Viewed);
    const int64_t mode = Meta(a, 3, "scatter").integer(2);
    if (mode < 0 || mode > 2) return tg::Status::range("scatter: reduce argument must be either add or multiply.");
    return tg::scatter(static_cast<tg::ScatterReduce>(mode), c.index_shape, c.data_shape, c.ops[0], c.dim, c.ops[1],
                       c.ops[2]);
  });
}

void register_index(Napi::Env env, Napi::Object exports) {
  exports.Set("gather", Napi::Function::New(env, js_entry<run_gather>, "gather"));
  exports.Set("scatterAdd", Napi::Function::New(env, js_entry<run_scatter_add>, "scatterAdd"));
  exports.Set("scatter", Napi::Function::New(env, js_entry<run_scatter>, "scatter"));
  exports.Set("indexSelect", Napi::Function::New(env, js_entry<run_index_select>, "indexSelect"));
  exports.Set("indexAdd", Napi::Function::New(env, js_entry<run_index_add>, "indexAdd"));
}

}  // namespace tgb
