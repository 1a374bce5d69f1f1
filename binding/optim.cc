// Optimizer steps, one call per parameter. Args: meta (Float64Array), param, grad, then the
// state buffers (Float32Array, offset 0; `undefined` where the configuration has none).
// meta: [n, param offset, grad offset, hyper-parameters...] in the order of each function below
// (mirrored in src/optim/native_steps.ts).
#include "args.h"

namespace tgb {
namespace {

// meta, param and grad: what every step reads first.
struct Common {
  Meta m;
  int64_t n;
  tg::Operand param, grad;
  Common(const Napi::CallbackInfo& info, const char* op)
      : m(info, 3, op), n(m.integer(0)), param(m.storage_at(info[1], 1)), grad(m.storage_at(info[2], 2)) {}
};

Napi::Value Sgd(const Napi::CallbackInfo& info) {
  Common c(info, "SGD.step");
  const Meta& m = c.m;
  tg::SgdArgs a;
  a.lr = m.num(3), a.momentum = m.num(4), a.dampening = m.num(5), a.weight_decay = m.num(6);
  a.nesterov = m.num(7) != 0, a.maximize = m.num(8) != 0, a.first_step = m.num(9) != 0;
  tg::Operand buf;
  const bool has = m.optional_storage(info[3], &buf);
  check(info.Env(), tg::sgd_step(c.n, c.param, c.grad, has ? &buf : nullptr, a));
  return info.Env().Undefined();
}

Napi::Value Adam(const Napi::CallbackInfo& info) {
  Common c(info, "Adam.step");
  const Meta& m = c.m;
  tg::AdamArgs a;
  a.lr = m.num(3), a.beta1 = m.num(4), a.beta2 = m.num(5), a.eps = m.num(6), a.weight_decay = m.num(7);
  a.step = m.num(8), a.amsgrad = m.num(9) != 0, a.maximize = m.num(10) != 0, a.decoupled = m.num(11) != 0;
  tg::Operand s[3];
  bool has[3];
  for (int i = 0; i < 3; ++i) has[i] = m.optional_storage(info[3 + i], &s[i]);
  check(info.Env(), tg::adam_step(c.n, c.param, c.grad, has[0] ? &s[0] : nullptr, has[1] ? &s[1] : nullptr,
                                  has[2] ? &s[2] : nullptr, a));
  return info.Env().Undefined();
}

Napi::Value Rmsprop(const Napi::CallbackInfo& info) {
  Common c(info, "RMSprop.step");
  const Meta& m = c.m;
  tg::RmspropArgs a;
  a.lr = m.num(3), a.alpha = m.num(4), a.eps = m.num(5), a.weight_decay = m.num(6), a.momentum = m.num(7);
  a.centered = m.num(8) != 0, a.maximize = m.num(9) != 0;
  tg::Operand s[3];
  bool has[3];
  for (int i = 0; i < 3; ++i) has[i] = m.optional_storage(info[3 + i], &s[i]);
  check(info.Env(), tg::rmsprop_step(c.n, c.param, c.grad, has[0] ? &s[0] : nullptr, has[1] ? &s[1] : nullptr,
                                     has[2] ? &s[2] : nullptr, a));
  return info.Env().Undefined();
}

Napi::Value Adagrad(const Napi::CallbackInfo& info) {
  Common c(info, "Adagrad.step");
  const Meta& m = c.m;
  tg::AdagradArgs a;
  a.lr = m.num(3), a.lr_decay = m.num(4), a.weight_decay = m.num(5), a.eps = m.num(6), a.step = m.num(7);
  a.maximize = m.num(8) != 0;
  tg::Operand sum;
  const bool has = m.optional_storage(info[3], &sum);
  check(info.Env(), tg::adagrad_step(c.n, c.param, c.grad, has ? &sum : nullptr, a));
  return info.Env().Undefined();
}

Napi::Value Adadelta(const Napi::CallbackInfo& info) {
  Common c(info, "Adadelta.step");
  const Meta& m = c.m;
  tg::AdadeltaArgs a;
  a.lr = m.num(3), a.rho = m.num(4), a.eps = m.num(5), a.weight_decay = m.num(6), a.maximize = m.num(7) != 0;
  tg::Operand s[2];
  bool has[2];
  for (int i = 0; i < 2; ++i) has[i] = m.optional_storage(info[3 + i], &s[i]);
  check(info.Env(), tg::adadelta_step(c.n, c.param, c.grad, has[0] ? &s[0] : nullptr, has[1] ? &s[1] : nullptr, a));
  return info.Env().Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdStep", Napi::Function::New(env, Sgd, "sgdStep"));
  exports.Set("adamStep", Napi::Function::New(env, Adam, "adamStep"));
  exports.Set("rmspropStep", Napi::Function::New(env, Rmsprop, "rmspropStep"));
  exports.Set("adagradStep", Napi::Function::New(env, Adagrad, "adagradStep"));
  exports.Set("adadeltaStep", Napi::Function::New(env, Adadelta, "adadeltaStep"));
}

}  // namespace tgb
