// Indexing. Meta: [dim, ndim, nIndices, xOffset, indexOffset, shape(ndim)]; the data operands
// are contiguous over shape. indexSelect args: meta, x, index, out (offset 0).
// indexAdd args: meta, out (offset = xOffset), index, src (offset 0).
#include "args.h"

namespace tgb {
namespace {

struct IndexCall {
  int dim;
  int64_t n;
  tg::Shape s;
  tg::Operand data, index, other;
};

IndexCall decode(const Napi::CallbackInfo& info, const char* name) {
  napi_env env = info.Env();
  if (info.Length() < 4) throw_type(info.Env(), std::string(name) + ": missing arguments");
  Meta m(env, info[0], name);
  IndexCall c;
  const int64_t dim = m.integer(0);
  const int nd = m.ndim(1);
  if (dim < 0 || dim >= nd) throw_range(info.Env(), std::string(name) + ": dim out of range");
  c.dim = static_cast<int>(dim);
  c.n = m.integer(2);
  m.shape(kHeader, nd, &c.s);
  c.data = operand(env, info[1], name);
  c.data.offset = m.integer(3);
  c.index = operand(env, info[2], name);
  c.index.offset = m.integer(4);
  c.other = operand(env, info[3], name);
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

// gather and scatterAdd share a layout: meta [dim, ndim, 0, 0, 0, indexShape(ndim),
// dataShape(ndim), then offset and strides(ndim) of args 1, 2 and 3 in order].
// gather args: meta, x, index, out (contiguous over indexShape, offset 0; its view is ignored).
// scatterAdd args: meta, out (over dataShape), index, src (over indexShape).
struct GatherCall {
  int dim;
  tg::Shape index_shape, data_shape;
  tg::Operand ops[3];
};

GatherCall decode_gather(const Napi::CallbackInfo& info, const char* name) {
  napi_env env = info.Env();
  if (info.Length() < 4) throw_type(info.Env(), std::string(name) + ": missing arguments");
  Meta m(env, info[0], name);
  const int64_t dim = m.integer(0);
  const int nd = m.ndim(1);
  if (dim < 0 || dim >= nd) throw_range(info.Env(), std::string(name) + ": dim out of range");
  GatherCall c;
  c.dim = static_cast<int>(dim);
  size_t pos = m.shape(kHeader, nd, &c.index_shape);
  pos = m.shape(pos, nd, &c.data_shape);
  for (int k = 0; k < 3; ++k) {
    c.ops[k] = operand(env, info[1 + k], name);
    if (k < 2 || std::string(name) != "gather") pos = m.view(pos, nd, &c.ops[k]);
  }
  return c;
}

Napi::Value Gather(const Napi::CallbackInfo& info) {
  GatherCall c = decode_gather(info, "gather");
  check(info.Env(), tg::gather(c.index_shape, c.data_shape, c.ops[0], c.dim, c.ops[1], c.ops[2]));
  return info.Env().Undefined();
}

Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  GatherCall c = decode_gather(info, "scatterAdd");
  check(info.Env(), tg::scatter_add(c.index_shape, c.data_shape, c.ops[0], c.dim, c.ops[1], c.ops[2]));
  return info.Env().Undefined();
}

}  // namespace

void register_index(Napi::Env env, Napi::Object exports) {
  exports.Set("gather", Napi::Function::New(env, Gather, "gather"));
  exports.Set("scatterAdd", Napi::Function::New(env, ScatterAdd, "scatterAdd"));
  exports.Set("indexSelect", Napi::Function::New(env, IndexSelect, "indexSelect"));
  exports.Set("indexAdd", Napi::Function::New(env, IndexAdd, "indexAdd"));
}

}  // namespace tgb
