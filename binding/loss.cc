// Fused losses (cpp/kernels/loss.cpp), mirrored in src/ops/loss.ts.
// crossEntropyForward(meta, logits, target, probs, out)
// crossEntropyBackward(meta, probs, target, grad, dx)
// meta: [n, c, ignoreIndex, reduction (0 none, 1 sum, 2 mean), logits or grad offset,
//        target offset, grad stride, inner]; logits and probs / dx are [n, c, inner] (inner = 1
//        for [N, C]; d1 * d2 * ... for [N, C, d1, ...]), target [n * inner]; probs (the
//        log-probabilities), out and dx from offset 0.
#include "args.h"

namespace tgb {
namespace {

tg::CrossEntropyArgs decode(const Napi::CallbackInfo& info, const Meta& m, const char* op) {
  tg::CrossEntropyArgs a;
  a.n = m.integer(0);
  a.c = m.integer(1);
  a.ignore_index = m.integer(2);
  const int64_t r = m.integer(3);
  if (r < 0 || r > 2) throw_range(info.Env(), std::string(op) + ": bad reduction " + std::to_string(r));
  a.reduction = static_cast<tg::LossReduction>(r);
  a.grad_stride = m.integer(6);
  a.inner = m.integer(7);
  return a;
}

Napi::Value CrossEntropyForward(const Napi::CallbackInfo& info) {
  const char* op = "crossEntropy";
  Meta m(info, 5, op);
  const tg::CrossEntropyArgs a = decode(info, m, op);
  const tg::Operand logits = m.storage_at(info[1], 4), target = m.storage_at(info[2], 5);
  const tg::Operand probs = m.storage(info[3]), out = m.storage(info[4]);
  check(info.Env(), tg::cross_entropy_forward(a, logits, target, probs, out));
  return info.Env().Undefined();
}

Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  const char* op = "crossEntropy.backward";
  Meta m(info, 5, op);
  const tg::CrossEntropyArgs a = decode(info, m, op);
  const tg::Operand probs = m.storage(info[1]), target = m.storage_at(info[2], 5);
  const tg::Operand grad = m.storage_at(info[3], 4), dx = m.storage(info[4]);
  check(info.Env(), tg::cross_entropy_backward(a, probs, target, grad, dx));
  return info.Env().Undefined();
}

}  // namespace

void register_loss(Napi::Env env, Napi::Object exports) {
  exports.Set("crossEntropyForward", Napi::Function::New(env, CrossEntropyForward, "crossEntropyForward"));
  exports.Set("crossEntropyBackward", Napi::Function::New(env, CrossEntropyBackward, "crossEntropyBackward"));
}

}  // namespace tgb
