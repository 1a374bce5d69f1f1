// Fused scaled dot-product attention (attention.cpp), flash-attention style: softmax(q kᵀ ·
// scale + mask) v without any [L, S] buffer, forward and backward. Part of the core API (like
// tg.h): validates everything it is given and returns a Status.
#pragma once
#include <cstdint>

#include "core/types.h"

namespace tg {

// q [batch..., L, E], k [batch..., S, E], v [batch..., S, Ev], the same batch shape (a
// broadcast batch dim is a stride of 0). Each of them, and the backward's grad_out [batch...,
// L, Ev], is read through its batch strides (stride[0 .. nb)), a row stride (stride[nb]) and
// unit columns: stride[nb + 1] must be 1. The mask, if any, is float32 (added to the scaled
// scores) or bool (false = masked off, the score -inf), viewed over [batch..., L, S] through
// all nb + 2 of its strides (0 where broadcast). causal masks off key j > query i (PyTorch 2's
// is_causal, the upper-left aligned triangle); it cannot be combined with a mask. A query
// whose keys are all masked gets NaN, as the composed softmax gives; S == 0 gives zeros (the
// product of empty matrices).
struct AttentionArgs {
  Shape batch;
  int64_t L = 0, S = 0, E = 0, Ev = 0;
  float scale = 1.0f;
  bool causal = false;
  Operand q, k, v;
  bool has_mask = false;
  Operand mask;
};

// out [batch..., L, Ev] and lse [batch..., L] (the log of each query's softmax denominator,
// m + log(l), which the backward recomputes the probabilities from), both dense from their
// offsets. Threads split batch x blocks of queries.
Status attention_forward_f32(const AttentionArgs& a, const Operand& out, const Operand& lse);

// The gradients of q, k, v (dense [batch..., L, E], [batch..., S, E], [batch..., S, Ev] from
// their offsets, overwritten) from grad_out (viewed like q) and the forward's out and lse
// (dense). Threads split the batch. The mask gets no gradient here.
Status attention_backward_f32(const AttentionArgs& a, const Operand& grad_out, const Operand& out, const Operand& lse,
                              const Operand& dq, const Operand& dk, const Operand& dv);

}  // namespace tg
