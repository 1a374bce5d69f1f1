// Optimizer steps, one call per parameter. Args: meta (Float64Array), param, grad, then the
// state buffers (Float32Array, offset 0; `undefined` where the configuration has none).
// meta: [n, param offset, grad offset, hyper-parameters...] in the order of each function below
// (mirrored in src/optim/native_steps.ts).
#include "args.h"

namespace tgb {
namespace {

// An optional state buffer: undefined/null means "not used by this configuration".
bool state(const Napi::CallbackInfo& info, size_t i, const char* op, tg::Operand* o) {
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return false;
  *o = operand(info.Env(), info[i], op);
  o->offset = 0;
  return true;
}

struct Common {
  int64_t n;
  tg::Operand param, grad;
};

Common common(const Napi::CallbackInfo& info, const Meta& m, const char* op) {
  if (info.Length() < 3) throw_type(info.Env(), std::string(op) + ": missing arguments");
  Common c;
  c.n = m.integer(0);
  c.param = operand(info.Env(), info[1], op);
  c.param.offset = m.integer(1);
  c.grad = operand(info.Env(), info[2], op);
  c.grad.offset = m.integer(2);
  return c;
}

Napi::Value Sgd(const Napi::CallbackInfo& info) {
  const char* op = "SGD.step";
  if (info.Length() < 1) throw_type(info.Env(), std::string(op) + ": missing arguments");
  Meta m(info.Env(), info[0], op);
  Common c = common(info, m, op);
  tg::SgdArgs a;
  a.lr = m.num(3), a.momentum = m.num(4), a.dampening = m.num(5), a.weight_decay = m.num(6);
  a.nesterov = m.num(7) != 0, a.maximize = m.num(8) != 0, a.first_step = m.num(9) != 0;
  tg::Operand buf;
  bool has = state(info, 3, op, &buf);
  check(info.Env(), tg::sgd_step(c.n, c.param, c.grad, has ? &buf : nullptr, a));
  return info.Env().Undefined();
}

Napi::Value Adam(const Napi::CallbackInfo& info) {
  const char* op = "Adam.step";
  if (info.Length() < 1) throw_type(info.Env(), std::string(op) + ": missing arguments");
  Meta m(info.Env(), info[0], op);
  Common c = common(info, m, op);
  tg::AdamArgs a;
  a.lr = m.num(3), a.beta1 = m.num(4), a.beta2 = m.num(5), a.eps = m.num(6), a.weight_decay = m.num(7);
  a.step = m.num(8), a.amsgrad = m.num(9) != 0, a.maximize = m.num(10) != 0, a.decoupled = m.num(11) != 0;
  tg::Operand s[3];
  bool has[3];
  for (int i = 0; i < 3; ++i) has[i] = state(info, 3 + i, op, &s[i]);
  check(info.Env(), tg::adam_step(c.n, c.param, c.grad, has[0] ? &s[0] : nullptr, has[1] ? &s[1] : nullptr,
                                  has[2] ? &s[2] : nullptr, a));
  return info.Env().Undefined();
}

Napi::Value Rmsprop(const Napi::CallbackInfo& info) {
  const char* op = "RMSprop.step";
  if (info.Length() < 1) throw_type(info.Env(), std::string(op) + ": missing arguments");
  Meta m(info.Env(), info[0], op);
  Common c = common(info, m, op);
  tg::RmspropArgs a;
  a.lr = m.num(3), a.alpha = m.num(4), a.eps = m.num(5), a.weight_decay = m.num(6), a.momentum = m.num(7);
  a.centered = m.num(8) != 0, a.maximize = m.num(9) != 0;
  tg::Operand s[3];
  bool has[3];
  for (int i = 0; i < 3; ++i) has[i] = state(info, 3 + i, op, &s[i]);
  check(info.Env(), tg::rmsprop_step(c.n, c.param, c.grad, has[0] ? &s[0] : nullptr, has[1] ? &s[1] : nullptr,
                                     has[2] ? &s[2] : nullptr, a));
  return info.Env().Undefined();
}

Napi::Value Adagrad(const Napi::CallbackInfo& info) {
  const char* op = "Adagrad.step";
  if (info.Length() < 1) throw_type(info.Env(), std::string(op) + ": missing arguments");
  Meta m(info.Env(), info[0], op);
  Common c = common(info, m, op);
  tg::AdagradArgs a;
  a.lr = m.num(3), a.lr_decay = m.num(4), a.weight_decay = m.num(5), a.eps = m.num(6), a.step = m.num(7);
  a.maximize = m.num(8) != 0;
  tg::Operand sum;
  bool has = state(info, 3, op, &sum);
  check(info.Env(), tg::adagrad_step(c.n, c.param, c.grad, has ? &sum : nullptr, a));
  return info.Env().Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdStep", Napi::Function::New(env, Sgd, "sgdStep"));
  exports.Set("adamStep", Napi::Function::New(env, Adam, "adamStep"));
  exports.Set("rmspropStep", Napi::Function::New(env, Rmsprop, "rmspropStep"));
  exports.Set("adagradStep", Napi::Function::New(env, Adagrad, "adagradStep"));
}

}  // namespace tgb
