// Scans and sorting along one dim (cpp/kernels/sort.cpp; multinomial in cpp/kernels/random.cpp).
// The caller makes the input contiguous and views it as [outer, n, inner] around the dim
// (outer = product of the sizes before it, inner = product of those after it). Every function
// takes the same meta, a Float64Array of 9 slots:
//
//   [0] outer   [1] n   [2] inner                      sizes (integers >= 0)
//   [3] p0      [4] p1  [5] p2                         parameters, per function below
//   [6] xOffset [7] out0Offset [8] out1Offset          element offsets into the storages
//
// Unused parameter and offset slots are ignored (write 0). Flags must be 0 or 1.
//
//   cumsum(meta, x, out)       p0 = reverse. x Float32Array -> out Float32Array, or
//   cumprod(meta, x, out)      Int32Array -> Int32Array; both [outer, n, inner]; out may be x
//                              at the same offset (in place).
//   cumprodBackward(meta, x, dx, grad)
//                              float32 [outer, n, inner] each: dx = cumprod's gradient at x for
//                              the incoming grad (x from xOffset, dx from out0Offset, grad
//                              from out1Offset); dx must not overlap x or grad.
//   sort(meta, x, values, indices)
//                              p0 = descending. x Float32Array or Int32Array; values (x's type)
//                              and indices (Int32Array) [outer, n, inner]; stable, NaN largest.
//                              values may be x at the same offset.
//   topk(meta, x, values, indices)
//                              p0 = k (0 <= k <= n), p1 = largest, p2 = sorted; values and
//                              indices [outer, k, inner].
//   multinomial(meta, state, probs, out)
//                              state: the generator's Uint32Array(4), advanced in place (as
//                              the random fills', binding/random.cc).
//                              p0 = numSamples, p1 = replacement; probs Float32Array
//                              [outer, n, inner] (a [rows, k] matrix is outer = rows, n = k,
//                              inner = 1), out Int32Array [outer, numSamples, inner].
//
// x / probs are read from xOffset, out / values from out0Offset, indices from out1Offset.
#include "args.h"

namespace tgb {
namespace {

constexpr size_t kLineMeta = 9;

tg::LineShape lines_of(const Meta& m) {
  tg::LineShape s;
  s.outer = m.integer(0);
  s.n = m.integer(1);
  s.inner = m.integer(2);
  m.num(kLineMeta - 1);  // the whole layout is there
  return s;
}

// cumsum / cumprod: x (operand 0) -> out (operand 1).
tg::Status run_scan(const Args& args, tg::ScanOp op, const char* name) {
  return run_guarded([&] {
    Meta m(args, 2, name);
    const tg::LineShape s = lines_of(m);
    const bool reverse = m.flag(3, "reverse");
    const tg::Operand x = m.storage_at(Arg{0}, 6, "the input");
    const tg::Operand out = m.storage_at(Arg{1}, 7, "the output");
    return tg::scan(op, s, x, out, reverse);
  });
}

// The values (operand 1) and indices (operand 2) of sort / topk over x (operand 0).
struct Sorted {
  tg::Operand x, values, indices;
  explicit Sorted(const Meta& m)
      : x(m.storage_at(Arg{0}, 6, "the input")),
        values(m.storage_at(Arg{1}, 7, "the values")),
        indices(m.storage_at(Arg{2}, 8, "the indices")) {}
};

}  // namespace

tg::Status run_cumsum(const Args& args) { return run_scan(args, tg::ScanOp::Sum, "cumsum"); }
tg::Status run_cumprod(const Args& args) { return run_scan(args, tg::ScanOp::Prod, "cumprod"); }

tg::Status run_cumprod_backward(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 3, "cumprod.backward");
    const tg::LineShape s = lines_of(m);
    const tg::Operand x = m.storage_at(Arg{0}, 6, "the input");
    const tg::Operand dx = m.storage_at(Arg{1}, 7, "the output");
    const tg::Operand grad = m.storage_at(Arg{2}, 8, "the gradient");
    return tg::cumprod_backward(s, x, grad, dx);
  });
}

tg::Status run_sort(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 3, "sort");
    const tg::LineShape s = lines_of(m);
    const bool descending = m.flag(3, "descending");
    const Sorted o(m);
    return tg::sort_lines(s, o.x, descending, o.values, o.indices);
  });
}

tg::Status run_topk(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 3, "topk");
    const tg::LineShape s = lines_of(m);
    const int64_t k = m.integer(3);
    const bool largest = m.flag(4, "largest"), sorted = m.flag(5, "sorted");
    const Sorted o(m);
    return tg::topk_lines(s, o.x, k, largest, sorted, o.values, o.indices);
  });
}

tg::Status run_multinomial(const Args& args) {
  return run_guarded([&] {
    Meta m(args, 3, "multinomial");
    uint32_t* state = m.generator_state(Arg{0});
    const tg::LineShape s = lines_of(m);
    const int64_t num_samples = m.integer(3);
    const bool replacement = m.flag(4, "replacement");
    const tg::Operand probs = m.storage_at(Arg{1}, 6, "the probabilities");
    const tg::Operand out = m.storage_at(Arg{2}, 7, "the output");
    return tg::multinomial(state, s, probs, num_samples, replacement, out);
  });
}

void register_sort(Napi::Env env, Napi::Object exports) {
  exports.Set("cumsum", Napi::Function::New(env, js_entry<run_cumsum>, "cumsum"));
  exports.Set("cumprod", Napi::Function::New(env, js_entry<run_cumprod>, "cumprod"));
  exports.Set("cumprodBackward", Napi::Function::New(env, js_entry<run_cumprod_backward>, "cumprodBackward"));
  exports.Set("sort", Napi::Function::New(env, js_entry<run_sort>, "sort"));
  exports.Set("topk", Napi::Function::New(env, js_entry<run_topk>, "topk"));
  exports.Set("multinomial", Napi::Function::New(env, js_entry<run_multinomial>, "multinomial"));
}

}  // namespace tgb
