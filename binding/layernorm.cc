// Fused LayerNorm (cpp/kernels/layernorm.cpp). Both synchronous, both return undefined:
//   layerNorm(meta, x, w, b, y, mean, rstd)
//       y = (x - mean) * rstd * w + b per row; mean, rstd saved per row
//   layerNormBackward(meta, grad, x, mean, rstd, w, gradIn, gradWeight, gradBias)
//       gradIn = rstd * (ĝ - mean(ĝ) - x̂ mean(ĝ x̂)), ĝ = grad * w; gradWeight = sum_rows grad * x̂;
//       gradBias = sum_rows grad
// meta (forward):  Float64Array [rows, d, eps, x offset, w offset, b offset]
// meta (backward): Float64Array [rows, d, 0, grad offset, x offset, mean offset, rstd offset, w offset]
// The input is viewed as [rows, d] (d = the product of the normalized dims); every operand is
// a contiguous Float32Array run: x, y, grad, gradIn of rows * d, w, b, gradWeight, gradBias of
// d, mean, rstd of rows. Inputs start at their offset, outputs (y, mean, rstd, gradIn,
// gradWeight, gradBias) at 0. w and b may be undefined or null (no weight, no bias; their
// offset slots are then not read), and so may each backward output (not wanted). Sizes and
// offsets are integers, eps a number >= 0; a bad one, a short storage or a wrong dtype is a
// RangeError / TypeError naming the op.
#include "args.h"
#include "kernels/layernorm.h"

namespace tgb {
namespace {

tg::LayerNormShape shape_of(const Meta& m) {
  tg::LayerNormShape s;
  s.rows = m.integer(0);
  s.d = m.integer(1);
  return s;
}

// The optional operand k, from the offset in slot i when it is given.
const tg::Operand* optional_at(const Meta& m, Arg k, size_t i, tg::Operand* o) {
  if (!m.optional_storage(k, o)) return nullptr;
  o->offset = m.integer(i);
  return o;
}
const tg::Operand* optional_out(const Meta& m, Arg k, tg::Operand* o) { return m.optional_storage(k, o) ? o : nullptr; }

}  // namespace

tg::Status run_layer_norm(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 6, "layerNorm");
    const tg::LayerNormShape s = shape_of(m);
    const double eps = m.num(2);
    if (!(eps >= 0)) m.fail_range("eps must be a number >= 0, got " + std::to_string(eps));
    const tg::Operand x = m.storage_at(Arg{0}, 3, "x");
    tg::Operand wo, bo;
    const tg::Operand* w = optional_at(m, Arg{1}, 4, &wo);
    const tg::Operand* b = optional_at(m, Arg{2}, 5, &bo);
    const tg::Operand y = m.storage(Arg{3}, "y"), mean = m.storage(Arg{4}, "mean"), rstd = m.storage(Arg{5}, "rstd");
    return tg::layer_norm_f32(s, eps, x, w, b, y, mean, rstd);
  });
}

tg::Status run_layer_norm_backward(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 4, "layerNorm.backward");
    const tg::LayerNormShape s = shape_of(m);
    const tg::Operand g = m.storage_at(Arg{0}, 3, "grad"), x = m.storage_at(Arg{1}, 4, "x");
    const tg::Operand mean = m.storage_at(Arg{2}, 5, "mean"), rstd = m.storage_at(Arg{3}, 6, "rstd");
    tg::Operand wo, dxo, dwo, dbo;
    const tg::Operand* w = optional_at(m, Arg{4}, 7, &wo);
    const tg::Operand* dx = optional_out(m, Arg{5}, &dxo);
    const tg::Operand* dw = optional_out(m, Arg{6}, &dwo);
    const tg::Operand* db = optional_out(m, Arg{7}, &dbo);
    return tg::layer_norm_backward_f32(s, g, x, mean, rstd, w, dx, dw, db);
  });
}

void register_layernorm(Napi::Env env, Napi::Object exports) {
  exports.Set("layerNorm", Napi::Function::New(env, js_entry<run_layer_norm>, "layerNorm"));
  exports.Set("layerNormBackward", Napi::Function::New(env, js_entry<run_layer_norm_backward>, "layerNormBackward"));
}

}  // namespace tgb
