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

tg::CrossEntropyArgs decode(const Meta& m) {
  tg::CrossEntropyArgs a;
  a.n = m.integer(0);
  a.c = m.integer(1);
  a.ignore_index = m.integer(2);
  const int64_t r = m.integer(3);
  if (r < 0 || r > 2) m.fail_range("bad reduction " + std::to_string(r));
  a.reduction = static_cast<tg::LossReduction>(r);
  a.grad_stride = m.integer(6);
  a.inner = m.integer(7);
  return a;
}

}  // namespace

tg::Status run_cross_entropy_forward(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 4, "crossEntropy");
    const tg::CrossEntropyArgs a = decode(m);
    const tg::Operand logits = m.storage_at(Arg{0}, 4), target = m.storage_at(Arg{1}, 5);
    const tg::Operand probs = m.storage(Arg{2}), out = m.storage(Arg{3});
    return tg::cross_entropy_forward(a, logits, target, probs, out);
  });
}

tg::Status run_cross_entropy_backward(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 4, "crossEntropy.backward");
    const tg::CrossEntropyArgs a = decode(m);
    const tg::Operand probs = m.storage(Arg{0}), target = m.storage_at(Arg{1}, 5);
    const tg::Operand grad = m.storage_at(Arg{2}, 4), dx = m.storage(Arg{3});
    return tg::cross_entropy_backward(a, probs, target, grad, dx);
  });
}

void register_loss(Napi::Env env, Napi::Object exports) {
  exports.Set("crossEntropyForward", Napi::Function::New(env, js_entry<run_cross_entropy_forward>, "crossEntropyForward"));
  exports.Set("crossEntropyBackward", Napi::Function::New(env, js_entry<run_cross_entropy_backward>, "crossEntropyBackward"));
}

}  // namespace tgb
