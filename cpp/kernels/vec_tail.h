// A row's last, partial vector (0 < rest < W elements), shared by the row kernels written over
// the vector layer V (softmax_kernels.h, layernorm_kernels.h, attention_kernels.h): V's partial
// loads and stores (the GEMM tile's; masked on AVX2 and AVX-512) and a mask of the valid lanes,
// so a kernel can give the pad lanes values that change no sum and raise no special value (a
// stack copy per row cost 2-4x the whole row at n = 84 on AVX-512: store-forwarding stalls and
// a memcpy call). The other lanes of memory are never read or written.
#pragma once
#include <cstdint>

template <class V>
struct VecTail {
  using reg = typename V::reg;
  static_assert(V::width <= 16);
  // Lane indices as floats: compared with a count, they give the mask of its first lanes. A
  // member, not a namespace-scope constant: V has internal linkage in each ISA unit, so this
  // copy does too (scripts/check-isa-units.js allows no shared symbol in an ISA object).
  alignas(64) static constexpr float kLaneIndex[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

  decltype(V::make_tail(1)) part;
  decltype(V::lt(V::set1(0.0f), V::set1(0.0f))) valid;

  explicit VecTail(int64_t rest)
      : part(V::make_tail(static_cast<int>(rest))), valid(first_lanes(static_cast<float>(rest))) {}

  // The lanes below `count` (a float, so a kernel can pass a computed cut).
  static auto first_lanes(float count) { return V::lt(V::load(kLaneIndex), V::set1(count)); }

  reg load(const float* p) const { return V::load_tail(p, part); }
  // The valid lanes of p, `fill` in the others.
  reg load_or(const float* p, reg fill) const { return V::select(valid, V::load_tail(p, part), fill); }
  reg keep(reg v) const { return V::select(valid, v, V::set1(0.0f)); }
  void store(float* p, reg v) const { V::store_tail(p, v, part); }
};
