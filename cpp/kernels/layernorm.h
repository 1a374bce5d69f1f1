// LayerNorm over rows (layernorm.cpp): the core's entry points, beside tg.h's (kept in their
// own header so the op's declarations sit in one file with its kernels).
//
// The input is viewed as [rows, d]: d = the product of the normalized (trailing) dims. Every
// operand is a contiguous float32 run from its offset: x, y, g, dx [rows * d]; w, b, dw, db
// [d]; mean, rstd [rows]. A null pointer is an operand the call does not have (no weight, no
// bias) or does not want (a gradient). d == 0 gives mean 0 and rstd NaN per row (PyTorch's);
// rows == 0 gives dw = db = 0.
#pragma once
#include "tg.h"

namespace tg {

struct LayerNormShape {
  int64_t rows = 0, d = 0;
};

// y = (x - mean) * rstd * w + b per row, rstd = 1 / sqrt(var + eps) (biased variance); saves
// mean and rstd for the backward.
Status layer_norm_f32(const LayerNormShape& s, double eps, const Operand& x, const Operand* w, const Operand* b,
                      const Operand& y, const Operand& mean, const Operand& rstd);

// dx = rstd * (ĝ - mean(ĝ) - x̂ * mean(ĝ x̂)) with ĝ = g * w, x̂ = (x - mean) * rstd; dw =
// sum_rows g * x̂, db = sum_rows g. The sums over rows are taken in chunks fixed by the shape
// alone, so every thread count gives the same bits.
Status layer_norm_backward_f32(const LayerNormShape& s, const Operand& g, const Operand& x, const Operand& mean,
                               const Operand& rstd, const Operand* w, const Operand* dx, const Operand* dw,
                               const Operand* db);

}  // namespace tg
