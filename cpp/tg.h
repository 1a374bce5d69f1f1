// The core's public API: stateless compute over borrowed buffers. Every entry point validates
// shapes, strides, offsets and dtypes against the buffers it was given (the ones taking a
// Validate may be told that an identical call already did) and returns a Status;
// none keeps a pointer past its return, none throws, none aborts.
#pragma once
#include <cstdint>

#include "core/placement.h"
#include "core/types.h"
#include "io/safetensors.h"
#include "kernels/ops.h"

namespace tg {

// ---- elementwise (elementwise.cpp): every operand is viewed over the same (broadcast) shape.
Status unary_f32(UnaryOp op, const Shape& s, const Operand& out, const Operand& x, float p0, float p1,
                 Validate validate = Validate::Yes);
Status binary_f32(BinaryOp op, const Shape& s, const Operand& out, const Operand& a, const Operand& b, float p0,
                  Validate validate = Validate::Yes);
// out = a op scalar, or scalar op a when scalar_first.
Status binary_scalar_f32(BinaryOp op, const Shape& s, const Operand& out, const Operand& a, float scalar,
                         bool scalar_first, float p0, Validate validate = Validate::Yes);
Status binary_i32(IntBinaryOp op, const Shape& s, const Operand& out, const Operand& a, const Operand& b);
Status compare(CompareOp op, const Shape& s, const Operand& out, const Operand& a, const Operand& b);
Status compare_scalar(CompareOp op, const Shape& s, const Operand& out, const Operand& a, double scalar);
// out = cond ? a : b; a, b, out share a dtype.
Status where(const Shape& s, const Operand& out, const Operand& cond, const Operand& a, const Operand& b);
// Copies with conversion: float -> int truncates toward zero, anything -> bool is != 0.
Status cast(const Shape& s, const Operand& out, const Operand& x, Validate validate = Validate::Yes);
Status fill(const Shape& s, const Operand& out, double value, Validate validate = Validate::Yes);

// ---- reductions (reduce.cpp): reduce the dims whose bit is set in `dims_mask`; `out` (and
// `indices`, int32, for Max/Min/ArgMax/ArgMin) are contiguous over the kept dims in order.
Status reduce_f32(ReduceOp op, const Shape& s, const Operand& x, uint32_t dims_mask, const Operand& out,
                  const Operand* indices, Validate validate = Validate::Yes);

// ---- matmul (matmul.cpp): C[b] = A[b] @ B[b] for every batch index b of batch shape `batch`;
// A is [.., M, K], B is [.., K, N] read through their strides (a transpose is only strides),
// C is contiguous [batch..., M, N]. a_stride/b_stride hold the batch strides then the two
// matrix strides (row, col).
struct MatmulArgs {
  Shape batch;
  int64_t M = 0, N = 0, K = 0;
  Operand a, b, c;
  int64_t a_row = 0, a_col = 0, b_row = 0, b_col = 0;
  bool accumulate = false;  // C += A @ B
  // Fused epilogue (nn.Linear): C = relu(C + bias) after the product. The bias is float32,
  // contiguous, length N, added to every row of every batch.
  bool has_bias = false;
  Operand bias;
  bool relu = false;
};
Status matmul_f32(const MatmulArgs& args, Validate validate = Validate::Yes);

// ---- indexing (index.cpp). x is viewed as [outer, size_in, inner] after its strides are made
// contiguous by the caller; indices are int32 in [-size_in, size_in).
Status index_select(const Shape& s, const Operand& x, int dim, const Operand& indices, int64_t n_indices,
                    const Operand& out);
// out[.., indices[i], ..] += src[.., i, ..] along dim: the backward of index_select.
Status index_add(const Shape& out_shape, const Operand& out, int dim, const Operand& indices,
                 int64_t n_indices, const Operand& src);

// ---- gather (gather.cpp): out[p] = x[p with coordinate dim replaced by index[p]] for every
// position p of the index shape `is`; out is contiguous over `is`. scatter_add is its backward:
// out[p with dim replaced by index[p]] += src[p], with out (float32) strided over `os`.
Status gather(const Shape& is, const Shape& xs, const Operand& x, int dim, const Operand& index, const Operand& out);
Status scatter_add(const Shape& is, const Shape& os, const Operand& out, int dim, const Operand& index,
                   const Operand& src);
// torch.scatter in place on out (strided over `os`, any dtype): for every position p of the
// index shape `is`, out[p with dim replaced by index[p]] = src[p] (Assign; of repeated targets
// the last in row-major index order wins), += src[p] (Add) or *= src[p] (Multiply; int32
// modulo 2^32, not for bool). src has out's dtype, strided over `is` (stride 0: a scalar).
enum class ScatterReduce { Assign = 0, Add = 1, Multiply = 2 };
Status scatter(ScatterReduce mode, const Shape& is, const Shape& os, const Operand& out, int dim, const Operand& index,
               const Operand& src);

// ---- random (random.cpp): Philox4x32-10. state = {key_lo, key_hi, counter_lo, counter_hi},
// owned by the caller (one per JS environment); advanced in place.
Status random_uniform(uint32_t state[4], const Operand& out, int64_t n, float low, float high);
Status random_normal(uint32_t state[4], const Operand& out, int64_t n, float mean, float stddev);
Status random_dropout_mask(uint32_t state[4], const Operand& out, int64_t n, float keep, float scale);
Status random_int(uint32_t state[4], const Operand& out, int64_t n, int64_t low, int64_t high);
Status random_permutation(uint32_t state[4], const Operand& out, int64_t n);

// ---- scans and sorting along one dim (sort.cpp; multinomial in random.cpp). Every operand is
// contiguous from its offset and viewed as [outer, n, inner]; a line is x[o, :, i] (stride inner).
struct LineShape {
  int64_t outer = 1, n = 0, inner = 1;
};
// cumsum / cumprod of float32 (accumulated in double, rounded at every step, as PyTorch 1.13's
// CPU kernel) or int32 (modulo 2^32) into out of x's dtype and shape. reverse scans each line
// from its end (cumsum's backward). out may be x itself.
enum class ScanOp { Sum = 0, Prod = 1 };
Status scan(ScanOp op, const LineShape& s, const Operand& x, const Operand& out, bool reverse);
// cumprod's gradient: dx = d(sum(cumprod(x) * grad)) / dx, float32 [outer, n, inner], computed
// without division (so exact where x has zeros); dx must not overlap x or grad.
Status cumprod_backward(const LineShape& s, const Operand& x, const Operand& grad, const Operand& dx);
// Stable sort of each line (NaN largest): values (x's dtype, may be x itself) and int32 indices,
// both [outer, n, inner].
Status sort_lines(const LineShape& s, const Operand& x, bool descending, const Operand& values,
                  const Operand& indices);
// The k largest (or smallest) of each line, in torch.topk's CPU order: values and int32 indices
// [outer, k, inner], 0 <= k <= n.
Status topk_lines(const LineShape& s, const Operand& x, int64_t k, bool largest, bool sorted, const Operand& values,
                  const Operand& indices);
// num_samples int32 category indices per line of the float32 probabilities probs [outer, n,
// inner] (weights, not necessarily normalized) into out [outer, num_samples, inner], from the
// Philox state (advanced in place, by an amount that depends only on the shape and
// num_samples). Without replacement, every line needs num_samples nonzero weights.
Status multinomial(uint32_t state[4], const LineShape& s, const Operand& probs, int64_t num_samples, bool replacement,
                   const Operand& out);

// ---- losses (loss.cpp): cross-entropy of float32 logits [n, c, inner] (dense from
// logits.offset; inner = 1 for [N, C], d1 * d2 * ... for PyTorch's K-dimensional [N, C, d1, ...])
// against int32 class indices [n * inner] (target.offset, unit stride), fused: forward writes
// probs = log_softmax(logits) over c (dense [n, c, inner] from offset 0) and, per row r (an
// (n, inner position) pair), loss_r = -probs[r, t_r], 0 where t_r == ignore_index; out is
// [n * inner] (reduction None) or [1] (Sum, or Mean over the rows not ignored: NaN when all are).
// Backward writes dx = (exp(probs) - onehot(t)) * g_r * (1 / kept rows under Mean), zero rows
// where ignored; g is [n * inner] with stride grad_stride (None) or [1]. A target outside
// [0, c) other than ignore_index is an error, as in PyTorch ("Target 12 is out of bounds.").
// Threaded; bitwise the same for any thread count.
enum class LossReduction { None = 0, Sum = 1, Mean = 2 };
struct CrossEntropyArgs {
  int64_t n = 0, c = 0, inner = 1, ignore_index = -100;
  LossReduction reduction = LossReduction::Mean;
  int64_t grad_stride = 1;  // backward, reduction None: g[r] = grad[offset + r * grad_stride]
};
Status cross_entropy_forward(const CrossEntropyArgs& a, const Operand& logits, const Operand& target,
                             const Operand& probs, const Operand& out);
Status cross_entropy_backward(const CrossEntropyArgs& a, const Operand& probs, const Operand& target,
                              const Operand& grad, const Operand& dx);

// ---- softmax (softmax.cpp): softmax / logSoftmax over the dim n of a tensor viewed as
// [outer, n, inner] (n the size of that dim, outer and inner the products of the dims before and
// after it), every operand contiguous and float32 from its offset. As PyTorch 1.13: the max is
// subtracted first, a row (the n elements of one [outer, inner] position) holding NaN or +inf,
// or only -inf, is NaN. The backward takes the incoming gradient and the forward's result `out`:
// softmax grad_in = out * (grad - sum_n(grad * out)), logSoftmax grad_in = grad - exp(out) *
// sum_n(grad). An empty tensor is no work. Threaded over rows, or rows x column blocks.
struct SoftmaxShape {
  int64_t outer = 0, n = 0, inner = 0;
};
Status softmax_f32(const SoftmaxShape& s, const Operand& x, const Operand& out);
Status log_softmax_f32(const SoftmaxShape& s, const Operand& x, const Operand& out);
Status softmax_backward_f32(const SoftmaxShape& s, const Operand& grad, const Operand& out, const Operand& grad_in);
Status log_softmax_backward_f32(const SoftmaxShape& s, const Operand& grad, const Operand& out,
                                const Operand& grad_in);

// ---- optimizers (optim.cpp): PyTorch 1.13's single-tensor updates over flat contiguous float32
// buffers of n elements (offsets honoured, strides ignored); state buffers are updated in place.
// A state pointer may be null when the configuration does not use it.
struct SgdArgs {
  double lr = 0, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, maximize = false, first_step = false;  // first_step: buf = grad
};
Status sgd_step(int64_t n, const Operand& param, const Operand& grad, const Operand* buf, const SgdArgs& a,
                Validate validate = Validate::Yes);
struct AdamArgs {
  double lr = 0, beta1 = 0, beta2 = 0, eps = 0, weight_decay = 0, step = 0;
  bool amsgrad = false, maximize = false, decoupled = false;  // decoupled: AdamW
};
Status adam_step(int64_t n, const Operand& param, const Operand& grad, const Operand* exp_avg,
                 const Operand* exp_avg_sq, const Operand* max_exp_avg_sq, const AdamArgs& a,
                 Validate validate = Validate::Yes);
struct RmspropArgs {
  double lr = 0, alpha = 0, eps = 0, weight_decay = 0, momentum = 0;
  bool centered = false, maximize = false;
};
Status rmsprop_step(int64_t n, const Operand& param, const Operand& grad, const Operand* square_avg,
                    const Operand* grad_avg, const Operand* momentum_buffer, const RmspropArgs& a);
struct AdagradArgs {
  double lr = 0, lr_decay = 0, weight_decay = 0, eps = 0, step = 0;
  bool maximize = false;
};
Status adagrad_step(int64_t n, const Operand& param, const Operand& grad, const Operand* sum, const AdagradArgs& a);
struct AdadeltaArgs {
  double lr = 0, rho = 0, eps = 0, weight_decay = 0;
  bool maximize = false;
};
Status adadelta_step(int64_t n, const Operand& param, const Operand& grad, const Operand* square_avg,
                     const Operand* acc_delta, const AdadeltaArgs& a);

// ---- convolution and pooling (conv.cpp, pool.cpp), PyTorch 1.13's CPU semantics. Every
// operand is float32 (max-pool indices int32), dense NCHW from its offset: input [n, c, h, w],
// output [n, c or o, ho, wo]. ho and wo are the caller's and must equal the size the window
// gives (PyTorch's formulas below), so JS and the core cannot disagree on an allocation.
// Outputs are overwritten, never accumulated into.
struct Window2d {
  int64_t kh = 1, kw = 1;  // kernel
  int64_t sh = 1, sw = 1;  // stride
  int64_t ph = 0, pw = 0;  // padding, each side (zeros for conv, -inf for max, see avg)
  int64_t dh = 1, dw = 1;  // dilation
};

// weight [o, c / groups, kh, kw], bias [o]; ho = floor((h + 2 ph - dh (kh - 1) - 1) / sh) + 1.
struct Conv2dArgs {
  int64_t n = 0, c = 0, h = 0, w = 0, o = 0, ho = 0, wo = 0, groups = 1;
  Window2d win;
};
// The output size the window gives, after every check of the sizes and hyper-parameters
// (a.ho and a.wo are not read).
Status conv2d_output_size(const Conv2dArgs& a, int64_t* ho, int64_t* wo);
// out = conv(x, w) + bias (bias may be null).
Status conv2d_forward(const Conv2dArgs& a, const Operand& x, const Operand& w, const Operand* bias,
                      const Operand& out);
// The gradients asked for (non-null): grad_x [n, c, h, w] (needs w), grad_w [o, c / groups, kh, kw]
// (needs x), grad_b [o]. x and w may be null when no gradient asked for needs them.
Status conv2d_backward(const Conv2dArgs& a, const Operand& grad_out, const Operand* x, const Operand* w,
                       const Operand* grad_x, const Operand* grad_w, const Operand* grad_b);

// Pools over each [h, w] plane of the n * c planes. Max and avg: ho = floor or, with ceil_mode,
// ceil((h + 2 ph - dh (kh - 1) - 1) / sh) + 1, less one when that last window would start in the
// right padding; avg has no dilation (dh = dw = 1). Adaptive: win is not read, output cell i
// averages rows floor(i h / ho) .. ceil((i + 1) h / ho) - 1 (likewise columns).
struct Pool2dArgs {
  int64_t n = 0, c = 0, h = 0, w = 0, ho = 0, wo = 0;
  Window2d win;
  bool ceil_mode = false;
  bool count_include_pad = true;  // avg: padding counts in the divisor
  int64_t divisor_override = 0;   // avg: divide by this instead when non-zero
};
enum class PoolKind { Max = 0, Avg = 1 };
Status pool2d_output_size(PoolKind kind, const Pool2dArgs& a, int64_t* ho, int64_t* wo);
// out = the window's max (NaN if any element is NaN), indices [n, c, ho, wo] = its flat
// position ih * w + iw in the plane (the first maximum, in row-major window order).
Status max_pool2d_forward(const Pool2dArgs& a, const Operand& x, const Operand& out, const Operand& indices);
// grad_x = 0, then grad_x[plane][indices[i]] += grad_out[i].
Status max_pool2d_backward(const Pool2dArgs& a, const Operand& grad_out, const Operand& indices,
                           const Operand& grad_x);
Status avg_pool2d_forward(const Pool2dArgs& a, const Operand& x, const Operand& out);
Status avg_pool2d_backward(const Pool2dArgs& a, const Operand& grad_out, const Operand& grad_x);
Status adaptive_avg_pool2d_forward(const Pool2dArgs& a, const Operand& x, const Operand& out);
Status adaptive_avg_pool2d_backward(const Pool2dArgs& a, const Operand& grad_out, const Operand& grad_x);

// ---- unfold / fold (im2col.cpp), PyTorch 1.13's F.unfold / F.fold over float32 NCHW: x is
// dense [n, c, h, w], cols dense [n, c * kh * kw, lh * lw] with lh = (h + 2 ph - dh (kh - 1) - 1)
// / sh + 1 (likewise lw), both given by the caller and checked (each at least 1). unfold writes
// cols from x (0 where a block reads the padding); fold writes x = the sum of every column
// entry at the pixel it came from (overlaps add, padding dropped): each is the other's adjoint.
struct UnfoldArgs {
  int64_t n = 0, c = 0, h = 0, w = 0, lh = 0, lw = 0;
  Window2d win;
};
Status unfold_forward(const UnfoldArgs& a, const Operand& x, const Operand& cols);
Status fold_forward(const UnfoldArgs& a, const Operand& cols, const Operand& x);

// ---- runtime
const char* simd_name();
bool select_simd(const char* name);
// Names into out (at most n, including a terminating null), returning how many: the kernel
// tables this CPU can run, best first; the instruction sets the CPU and the OS enable.
int runnable_simd_names(const char** out, int n);
int cpu_feature_names(const char** out, int n);
int num_threads();
void set_num_threads(int n);

}  // namespace tg
