// Fused LayerNorm forward and backward (layernorm.h) over [rows, d]: one call each way instead
// of the ~8 (forward) and ~10 (backward) elementwise and reduce calls of the composed form.
// The row loops are the kernel table's (layernorm_kernels.h); here are the checks, the
// threading and the chunked sums of dw / db.
//
// Threading: the rows are split into tasks of about kGrain elements (forward: three light
// passes over a row, the backward two; ~kParallelGrain / 4 elements is 5-10 us on one core),
// so a small input stays on the calling thread.
// dw and db sum over the rows. Those sums go in chunks of consecutive rows, each into its own
// [2, d] buffer, the buffers added in chunk order at the end; the chunks depend on the shape
// alone (at most kMaxChunks, and fewer when their buffers would pass 32 MiB), never on the
// thread count or on timing, so 1 thread and 8 give the same bits (conv.cpp's grad_w does the
// same). PyTorch's sums per thread instead, so its dw changes with torch.set_num_threads.
#include "core/scratch.h"
#include "kernels/layernorm.h"

#include <algorithm>
#include <new>
#include <string>

#include "core/checks.h"
#include "core/iterate.h"
#include "core/thread_pool.h"
#include "kernels/isa_table.h"

namespace tg {
namespace {

constexpr int64_t kGrain = kParallelGrain / 4;
constexpr int64_t kMaxChunks = 16;
constexpr int64_t kScratchBudget = (int64_t{32} << 20) / int64_t(sizeof(float));


std::string dims(const LayerNormShape& s) { return "[" + std::to_string(s.rows) + ", " + std::to_string(s.d) + "]"; }

// The sizes sane (rows * d fits), then each given operand flat over its length.
Status check_sizes(const char* op, const LayerNormShape& s) {
  if (s.rows < 0 || s.d < 0) return Status::range(std::string(op) + ": negative size in [rows, d] = " + dims(s));
  Shape sh;
  sh.ndim = 2;
  sh.size[0] = s.rows;
  sh.size[1] = s.d;
  return check_shape(op, sh);
}

Status check(const char* op, const char* what, const Operand* o, int64_t n) {
  return o ? check_flat(op, what, *o, n, DType::Float32) : Status::ok();
}

const float* in(const Operand* o) { return o ? static_cast<const float*>(o->base) + o->offset : nullptr; }
float* out_of(const Operand* o) { return o ? static_cast<float*>(o->base) + o->offset : nullptr; }

int64_t row_grain(int64_t d) { return d >= kGrain ? 1 : kGrain / d; }

}  // namespace

Status layer_norm_f32(const LayerNormShape& s, double eps, const Operand& x, const Operand* w, const Operand* b,
                      const Operand& y, const Operand& mean, const Operand& rstd) {
  const char* op = "layerNorm";
  if (Status st = check_sizes(op, s); !st) return st;
  const int64_t n = s.rows * s.d;
  for (Status st : {check(op, "input", &x, n), check(op, "weight", w, s.d), check(op, "bias", b, s.d),
                    check(op, "output", &y, n), check(op, "mean", &mean, s.rows), check(op, "rstd", &rstd, s.rows)})
    if (!st) return st;
  if (s.rows == 0) return Status::ok();
  float* pm = out_of(&mean);
  float* pr = out_of(&rstd);
  if (s.d == 0) {
    // PyTorch's statistics of an empty row: mean 0, rstd 1 / sqrt(NaN).
    std::fill(pm, pm + s.rows, 0.0f);
    std::fill(pr, pr + s.rows, __builtin_nanf(""));
    return Status::ok();
  }
  const KernelTable& kt = kernels();
  const float *px = in(&x), *pw = in(w), *pb = in(b);
  float* py = out_of(&y);
  parallel_for(s.rows, row_grain(s.d), [&](int64_t r0, int64_t r1) {
    kt.layer_norm_rows_f32(px + r0 * s.d, pw, pb, py + r0 * s.d, pm + r0, pr + r0, r1 - r0, s.d, eps);
  });
  return Status::ok();
}

Status layer_norm_backward_f32(const LayerNormShape& s, const Operand& g, const Operand& x, const Operand& mean,
                               const Operand& rstd, const Operand* w, const Operand* dx, const Operand* dw,
                               const Operand* db) {
  const char* op = "layerNorm.backward";
  if (Status st = check_sizes(op, s); !st) return st;
  const int64_t n = s.rows * s.d;
  for (Status st : {check(op, "grad", &g, n), check(op, "input", &x, n), check(op, "mean", &mean, s.rows),
                    check(op, "rstd", &rstd, s.rows), check(op, "weight", w, s.d), check(op, "grad_input", dx, n),
                    check(op, "grad_weight", dw, s.d), check(op, "grad_bias", db, s.d)})
    if (!st) return st;
  float* pdw = out_of(dw);
  float* pdb = out_of(db);
  if (s.d == 0) return Status::ok();  // every output is empty
  if (s.rows == 0) {
    if (pdw) std::fill(pdw, pdw + s.d, 0.0f);
    if (pdb) std::fill(pdb, pdb + s.d, 0.0f);
    return Status::ok();
  }
  const KernelTable& kt = kernels();
  const float *pg = in(&g), *px = in(&x), *pm = in(&mean), *pr = in(&rstd), *pw = in(w);
  float* pdx = out_of(dx);
  if (!pdw && !pdb) {
    if (!pdx) return Status::ok();
    parallel_for(s.rows, row_grain(s.d), [&](int64_t r0, int64_t r1) {
      kt.layer_norm_backward_rows_f32(pg + r0 * s.d, px + r0 * s.d, pm + r0, pr + r0, pw, pdx + r0 * s.d, nullptr,
                                      nullptr, r1 - r0, s.d);
    });
    return Status::ok();
  }
  // Chunks of consecutive rows, each summing dw and db into its own [2, d] of the scratch.
  const int64_t work_chunks = n / kGrain + 1;
  int64_t chunks = std::min({kMaxChunks, s.rows, work_chunks});
  chunks = std::max<int64_t>(1, std::min(chunks, kScratchBudget / (2 * s.d)));
  Scratch partial(chunks * 2 * s.d);
  if (!partial.p) return Status::range(std::string(op) + ": out of memory for the scratch buffers, shape " + dims(s));
  std::fill(partial.p, partial.p + chunks * 2 * s.d, 0.0f);
  auto row_of = [&](int64_t c) { return s.rows / chunks * c + std::min(c, s.rows % chunks); };
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t r0 = row_of(c), r1 = row_of(c + 1);
      float* part = partial.p + c * 2 * s.d;
      kt.layer_norm_backward_rows_f32(pg + r0 * s.d, px + r0 * s.d, pm + r0, pr + r0, pw,
                                      pdx ? pdx + r0 * s.d : nullptr, part, part + s.d, r1 - r0, s.d);
    }
  });
  for (int64_t c = 1; c < chunks; ++c) kt.accumulate_f32(partial.p, partial.p + c * 2 * s.d, 2 * s.d);
  if (pdw) std::copy(partial.p, partial.p + s.d, pdw);
  if (pdb) std::copy(partial.p + s.d, partial.p + 2 * s.d, pdb);
  return Status::ok();
}

}  // namespace tg
