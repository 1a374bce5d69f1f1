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
  Common(const Args& a, const char* op)
      : m(a, 2, op), n(m.integer(0)), param(m.storage_at(Arg{0}, 1)), grad(m.storage_at(Arg{1}, 2)) {}
};

// The k optional state buffers from operand 2 on.
template <int K>
struct States {
  tg::Operand s[K];
  bool has[K];
  States(const Meta& m) {
    for (int i = 0; i < K; ++i) has[i] = m.optional_storage(Arg{static_cast<size_t>(2 + i)}, &s[i]);
  }
  const tg::Operand* at(int i) const { return has[i] ? &s[i] : nullptr; }
  // Operand argument 2 + i's Operand (Decoded's operand(k)), null past the K states.
  tg::Operand* arg(size_t k) { return k >= 2 && k < 2 + K ? &s[k - 2] : nullptr; }
};

// The two steps a compiled plan keeps decoded: copies of the operands (a state's pointer is
// taken at the call).
struct Sgd {
  int64_t n;
  tg::Operand param, grad;
  States<1> s;
  tg::SgdArgs a;
  tg::Operand* operand(size_t k) { return k == 0 ? &param : k == 1 ? &grad : s.arg(k); }
  tg::Status operator()(tg::Validate v) const { return tg::sgd_step(n, param, grad, s.at(0), a, v); }
};

Sgd decode_sgd(const Args& args) {
  Common c(args, "SGD.step");
  const Meta& m = c.m;
  Sgd s{c.n, c.param, c.grad, States<1>(m), {}};
  tg::SgdArgs& a = s.a;
  a.lr = m.num(3), a.momentum = m.num(4), a.dampening = m.num(5), a.weight_decay = m.num(6);
  a.nesterov = m.num(7) != 0, a.maximize = m.num(8) != 0, a.first_step = m.num(9) != 0;
  return s;
}

struct Adam {
  int64_t n;
  tg::Operand param, grad;
  States<3> s;
  tg::AdamArgs a;
  tg::Operand* operand(size_t k) { return k == 0 ? &param : k == 1 ? &grad : s.arg(k); }
  tg::Status operator()(tg::Validate v) const {
    return tg::adam_step(n, param, grad, s.at(0), s.at(1), s.at(2), a, v);
  }
};

Adam decode_adam(const Args& args) {
  Common c(args, "Adam.step");
  const Meta& m = c.m;
  Adam s{c.n, c.param, c.grad, States<3>(m), {}};
  tg::AdamArgs& a = s.a;
  a.lr = m.num(3), a.beta1 = m.num(4), a.beta2 = m.num(5), a.eps = m.num(6), a.weight_decay = m.num(7);
  a.step = m.num(8), a.amsgrad = m.num(9) != 0, a.maximize = m.num(10) != 0, a.decoupled = m.num(11) != 0;
  return s;
}

using SgdKernel = Decoded<Sgd, decode_sgd>;
using AdamKernel = Decoded<Adam, decode_adam>;

}  // namespace

TGB_DECODED_ENTRIES(sgd, SgdKernel)
TGB_DECODED_ENTRIES(adam, AdamKernel)

tg::Status run_rmsprop(const Args& args) {
  return run_guarded([&] {
    Common c(args, "RMSprop.step");
    const Meta& m = c.m;
    tg::RmspropArgs a;
    a.lr = m.num(3), a.alpha = m.num(4), a.eps = m.num(5), a.weight_decay = m.num(6), a.momentum = m.num(7);
    a.centered = m.num(8) != 0, a.maximize = m.num(9) != 0;
    States<3> s(m);
    return tg::rmsprop_step(c.n, c.param, c.grad, s.at(0), s.at(1), s.at(2), a);
  });
}

tg::Status run_adagrad(const Args& args) {
  return run_guarded([&] {
    Common c(args, "Adagrad.step");
    const Meta& m = c.m;
    tg::AdagradArgs a;
    a.lr = m.num(3), a.lr_decay = m.num(4), a.weight_decay = m.num(5), a.eps = m.num(6), a.step = m.num(7);
    a.maximize = m.num(8) != 0;
    States<1> s(m);
    return tg::adagrad_step(c.n, c.param, c.grad, s.at(0), a);
  });
}

tg::Status run_adadelta(const Args& args) {
  return run_guarded([&] {
    Common c(args, "Adadelta.step");
    const Meta& m = c.m;
    tg::AdadeltaArgs a;
    a.lr = m.num(3), a.rho = m.num(4), a.eps = m.num(5), a.weight_decay = m.num(6), a.maximize = m.num(7) != 0;
    States<2> s(m);
    return tg::adadelta_step(c.n, c.param, c.grad, s.at(0), s.at(1), a);
  });
}

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdStep", Napi::Function::New(env, js_entry<run_sgd>, "sgdStep"));
  exports.Set("adamStep", Napi::Function::New(env, js_entry<run_adam>, "adamStep"));
  exports.Set("rmspropStep", Napi::Function::New(env, js_entry<run_rmsprop>, "rmspropStep"));
  exports.Set("adagradStep", Napi::Function::New(env, js_entry<run_adagrad>, "adagradStep"));
  exports.Set("adadeltaStep", Napi::Function::New(env, js_entry<run_adadelta>, "adadeltaStep"));
}

}  // namespace tgb
