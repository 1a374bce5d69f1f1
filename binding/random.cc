// Random fills. Args: meta [n, a, b] (Float64Array), state (Uint32Array(4): the Philox key and
// counter, advanced in place), out (offset 0, n elements). a, b: rand's low and high, randn's
// mean and std, dropout's keep probability and scale, randint's bounds [a, b); randperm reads n.
// (multinomial, whose meta is the sorting layout, is in binding/sort.cc; its state is also the
// first operand after meta.)
#include "args.h"

namespace tgb {
namespace {

// The call's meta, the generator state (operand 0) and the output (operand 1).
struct RandomCall {
  Meta m;
  uint32_t* state = nullptr;
  tg::Operand out;
  int64_t n = 0;
  RandomCall(const Args& args, const char* op) : m(args, 2, op) {
    state = m.generator_state(Arg{0});
    out = m.storage(Arg{1});
    const double v = m.num(0);
    if (!is_integer_in(v, 0, 9007199254740991.0)) m.fail_range("bad element count");
    n = static_cast<int64_t>(v);
  }
};

}  // namespace

namespace {

// rand, randn and dropout's mask: a fill of floats with two float parameters a, b.
tg::Status float_fill(const Args& args, const char* op,
                      tg::Status (*fill)(uint32_t*, const tg::Operand&, int64_t, float, float)) {
  return run_guarded([&] {
    RandomCall c(args, op);
    return fill(c.state, c.out, c.n, static_cast<float>(c.m.num(1)), static_cast<float>(c.m.num(2)));
  });
}

}  // namespace

tg::Status run_random_uniform(const Args& args) { return float_fill(args, "rand", tg::random_uniform); }
tg::Status run_random_dropout_mask(const Args& args) { return float_fill(args, "dropout", tg::random_dropout_mask); }
tg::Status run_random_normal(const Args& args) { return float_fill(args, "randn", tg::random_normal); }

tg::Status run_random_int(const Args& args) {
  return run_guarded([&] {
    RandomCall c(args, "randint");
    const double lo = c.m.num(1), hi = c.m.num(2);
    // hi is exclusive: 2^31 is a bound, the int32 range's end.
    auto int32_bound = [](double v) { return is_integer_in(v, -2147483648.0, 2147483648.0); };
    if (!int32_bound(lo) || !int32_bound(hi)) c.m.fail_range("bounds must be integers within int32");
    return tg::random_int(c.state, c.out, c.n, static_cast<int64_t>(lo), static_cast<int64_t>(hi));
  });
}

tg::Status run_random_permutation(const Args& args) {
  return run_guarded([&] {
    RandomCall c(args, "randperm");
    return tg::random_permutation(c.state, c.out, c.n);
  });
}

void register_random(Napi::Env env, Napi::Object exports) {
  exports.Set("randomUniform", Napi::Function::New(env, js_entry<run_random_uniform>, "randomUniform"));
  exports.Set("randomNormal", Napi::Function::New(env, js_entry<run_random_normal>, "randomNormal"));
  exports.Set("randomDropoutMask", Napi::Function::New(env, js_entry<run_random_dropout_mask>, "randomDropoutMask"));
  exports.Set("randomInt", Napi::Function::New(env, js_entry<run_random_int>, "randomInt"));
  exports.Set("randomPermutation", Napi::Function::New(env, js_entry<run_random_permutation>, "randomPermutation"));
}

}  // namespace tgb
