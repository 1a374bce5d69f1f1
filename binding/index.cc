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

// gather meta: [dim, ndim, 0, 0, 0, indexShape(ndim), xShape(ndim), xOffset, xStrides(ndim),
//   indexOffset, indexStrides(ndim)]. Args: meta, x, index, out (contiguous, offset 0).
Napi::Value Gather(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  if (info.Length() < 4) throw_type(info.Env(), "gather: missing arguments");
  Meta m(env, info[0], "gather");
  const int64_t dim = m.integer(0);
  const int nd = m.ndim(1);
  if (dim < 0 || dim >= nd) throw_range(info.Env(), "gather: dim out of range");
  tg::Shape is, xs;
  size_t pos = m.shape(kHeader, nd, &is);
  pos = m.shape(pos, nd, &xs);
  tg::Operand x = operand(env, info[1], "gather");
  pos = m.view(pos, nd, &x);
  tg::Operand index = operand(env, info[2], "gather");
  m.view(pos, nd, &index);
  tg::Operand out = operand(env, info[3], "gather");
  check(info.Env(), tg::gather(is, xs, x, static_cast<int>(dim), index, out));
  return info.Env().Undefined();
}

// scatterAdd meta: [dim, ndim, 0, 0, 0, indexShape(ndim), outShape(ndim), outOffset,
//   outStrides(ndim), indexOffset, indexStrides(ndim), srcOffset, srcStrides(ndim)].
// Args: meta, out, index, src.
Napi::Value ScatterAdd(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  if (info.Length() < 4) throw_type(info.Env(), "scatterAdd: missing arguments");
  Meta m(env, info[0], "scatterAdd");
  const int64_t dim = m.integer(0);
  const int nd = m.ndim(1);
  if (dim < 0 || dim >= nd) throw_range(info.Env(), "scatterAdd: dim out of range");
  tg::Shape is, os;
  size_t pos = m.shape(kHeader, nd, &is);
  pos = m.shape(pos, nd, &os);
  tg::Operand out = operand(env, info[1], "scatterAdd");
  pos = m.view(pos, nd, &out);
  tg::Operand index = operand(env, info[2], "scatterAdd");
  pos = m.view(pos, nd, &index);
  tg::Operand src = operand(env, info[3], "scatterAdd");
  m.view(pos, nd, &src);
  check(info.Env(), tg::scatter_add(is, os, out, static_cast<int>(dim), index, src));
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
