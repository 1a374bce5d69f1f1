// Validation every core entry point runs before touching memory, so that a caller's bad
// shape, stride or offset is an error value and never an out-of-bounds access.
#pragma once
#include "core/types.h"

namespace tg {

std::string shape_str(const Shape& s);

// Shape sane: 0 <= ndim <= kMaxDims, sizes >= 0, and the product of the non-zero sizes fits in
// int64, so numel of the shape or of any subset of its dims never overflows.
Status check_shape(const char* op, const Shape& s);

// Every element the operand addresses over `s` lies inside its buffer, and its dtype is `want`.
Status check_operand(const char* op, const char* what, const Shape& s, const Operand& o, DType want);

// Like check_operand, but for an operand whose strides ignore shape (a flat buffer of n elements).
Status check_flat(const char* op, const char* what, const Operand& o, int64_t n, DType want);

// Like check_operand for a dense row-major view of shape `s` from o.offset (o's strides are not
// read); the errors name the shape. `s` must have passed check_shape.
Status check_dense(const char* op, const char* what, const Shape& s, const Operand& o, DType want);

}  // namespace tg
