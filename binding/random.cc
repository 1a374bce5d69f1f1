// Random fills. Args: state (Uint32Array(4), advanced in place), out (offset 0), n, a, b.
#include "args.h"

namespace tgb {
namespace {

uint32_t* state_of(const Napi::CallbackInfo& info) {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  if (!typed_array(info.Env(), info[0], &type, &length, &data) || type != napi_uint32_array || length < 4 || !data)
    throw_type(info.Env(), "random: bad generator state");
  return static_cast<uint32_t*>(data);
}

double number(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw_type(info.Env(), "random: expected a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

int64_t count(const Napi::CallbackInfo& info) {
  const double n = number(info, 2);
  if (!is_integer_in(n, 0, 9007199254740991.0)) throw_range(info.Env(), "random: bad element count");
  return static_cast<int64_t>(n);
}

Napi::Value Uniform(const Napi::CallbackInfo& info) {
  require_args(info, 5, "rand");
  uint32_t* st = state_of(info);
  check(info.Env(), tg::random_uniform(st, operand(info.Env(), info[1], "rand"), count(info),
                                       static_cast<float>(number(info, 3)), static_cast<float>(number(info, 4))));
  return info.Env().Undefined();
}

Napi::Value DropoutMask(const Napi::CallbackInfo& info) {
  require_args(info, 5, "dropout");
  uint32_t* st = state_of(info);
  check(info.Env(), tg::random_dropout_mask(st, operand(info.Env(), info[1], "dropout"), count(info),
                                            static_cast<float>(number(info, 3)), static_cast<float>(number(info, 4))));
  return info.Env().Undefined();
}

Napi::Value Normal(const Napi::CallbackInfo& info) {
  require_args(info, 5, "randn");
  uint32_t* st = state_of(info);
  check(info.Env(), tg::random_normal(st, operand(info.Env(), info[1], "randn"), count(info),
                                      static_cast<float>(number(info, 3)), static_cast<float>(number(info, 4))));
  return info.Env().Undefined();
}

Napi::Value Int(const Napi::CallbackInfo& info) {
  require_args(info, 5, "randint");
  uint32_t* st = state_of(info);
  const double lo = number(info, 3), hi = number(info, 4);
  // hi is exclusive: 2^31 is a bound, the int32 range's end.
  auto int32_bound = [](double v) { return is_integer_in(v, -2147483648.0, 2147483648.0); };
  if (!int32_bound(lo) || !int32_bound(hi)) throw_range(info.Env(), "randint: bounds must be integers within int32");
  check(info.Env(), tg::random_int(st, operand(info.Env(), info[1], "randint"), count(info),
                                   static_cast<int64_t>(lo), static_cast<int64_t>(hi)));
  return info.Env().Undefined();
}

Napi::Value Permutation(const Napi::CallbackInfo& info) {
  require_args(info, 3, "randperm");
  uint32_t* st = state_of(info);
  check(info.Env(), tg::random_permutation(st, operand(info.Env(), info[1], "randperm"), count(info)));
  return info.Env().Undefined();
}

}  // namespace

void register_random(Napi::Env env, Napi::Object exports) {
  exports.Set("randomUniform", Napi::Function::New(env, Uniform, "randomUniform"));
  exports.Set("randomNormal", Napi::Function::New(env, Normal, "randomNormal"));
  exports.Set("randomDropoutMask", Napi::Function::New(env, DropoutMask, "randomDropoutMask"));
  exports.Set("randomInt", Napi::Function::New(env, Int, "randomInt"));
  exports.Set("randomPermutation", Napi::Function::New(env, Permutation, "randomPermutation"));
}

}  // namespace tgb
