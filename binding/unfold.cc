// F.unfold / F.fold (cpp/kernels/im2col.cpp): NCHW float32, both operands dense from their
// element offsets; the output is overwritten.
//
// Meta (Float64Array):
//   [0..5]   N, C, H, W, lh, lw   image [N, C, H, W], cols [N, C * kh * kw, lh * lw]; lh, lw
//                                 must equal the number of blocks the window gives
//   [6..13]  kh, kw, sh, sw, ph, pw, dh, dw   kernel, stride, padding, dilation
//   [14]     the first operand's offset, [15] the second's
//
//   unfold(meta, x, cols)    cols = im2col(x)
//   fold(meta, cols, x)      x = col2im(cols)
#include "args.h"

namespace tgb {
namespace {

tg::UnfoldArgs decode(const Meta& m) {
  tg::UnfoldArgs a;
  a.n = m.integer(0), a.c = m.integer(1), a.h = m.integer(2), a.w = m.integer(3);
  a.lh = m.integer(4), a.lw = m.integer(5);
  tg::Window2d& k = a.win;
  k.kh = m.integer(6), k.kw = m.integer(7);
  k.sh = m.integer(8), k.sw = m.integer(9);
  k.ph = m.integer(10), k.pw = m.integer(11);
  k.dh = m.integer(12), k.dw = m.integer(13);
  return a;
}

// unfold / fold: the first operand (0) -> the second (1), each dense from its offset slot.
tg::Status run_window(const Args& args, const char* op,
                      tg::Status (*fn)(const tg::UnfoldArgs&, const tg::Operand&, const tg::Operand&)) {
  return run_guarded([&] {
    Meta m(args, 2, op);
    const tg::UnfoldArgs a = decode(m);
    const tg::Operand in = m.storage_at(Arg{0}, 14, "the input");
    const tg::Operand out = m.storage_at(Arg{1}, 15, "the output");
    return fn(a, in, out);
  });
}

}  // namespace

tg::Status run_unfold(const Args& args) { return run_window(args, "unfold", tg::unfold_forward); }
tg::Status run_fold(const Args& args) { return run_window(args, "fold", tg::fold_forward); }

void register_unfold(Napi::Env env, Napi::Object exports) {
  exports.Set("unfold", Napi::Function::New(env, js_entry<run_unfold>, "unfold"));
  exports.Set("fold", Napi::Function::New(env, js_entry<run_fold>, "fold"));
}

}  // namespace tgb
