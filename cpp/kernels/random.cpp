// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). The generator state is
// four words owned by the caller — one generator per JS environment — so the core stays
// stateless and every stream is reproducible from the seed alone.
#include <cmath>
#include <string>
#include <utility>

#include "core/checks.h"
#include "tg.h"

namespace tg {
namespace {

struct Philox {
  uint32_t key[2];
  uint64_t counter;

  explicit Philox(const uint32_t s[4]) : key{s[0], s[1]}, counter(uint64_t(s[3]) << 32 | s[2]) {}
  void save(uint32_t s[4]) const {
    s[2] = static_cast<uint32_t>(counter);
    s[3] = static_cast<uint32_t>(counter >> 32);
  }

  // Four fresh 32-bit words per call.
  void next(uint32_t out[4]) {
    uint32_t c[4] = {static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32), 0, 0};
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; ++round) {
      uint64_t p0 = uint64_t(0xD2511F53u) * c[0], p1 = uint64_t(0xCD9E8D57u) * c[2];
      uint32_t n0 = uint32_t(p1 >> 32) ^ c[1] ^ k0, n2 = uint32_t(p0 >> 32) ^ c[3] ^ k1;
      c[0] = n0;
      c[1] = uint32_t(p1);
      c[2] = n2;
      c[3] = uint32_t(p0);
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    for (int i = 0; i < 4; ++i) out[i] = c[i];
    ++counter;
  }
};

// Uniform in [0, 1) with 24 random bits: every float32 value on the grid 2^-24.
float unit(uint32_t w) { return static_cast<float>(w >> 8) * (1.0f / 16777216.0f); }

// Uniform integer in [0, range) without modulo bias (Lemire's rejection method).
uint64_t bounded(Philox& g, uint32_t buf[4], int& left, uint64_t range) {
  auto word = [&]() -> uint64_t {
    if (left == 0) {
      g.next(buf);
      left = 4;
    }
    return buf[--left];
  };
  if (range <= (uint64_t(1) << 32)) {
    for (;;) {
      uint64_t m = word() * range;
      uint32_t low = static_cast<uint32_t>(m);
      if (range == (uint64_t(1) << 32) || low >= (uint32_t(-range) % uint32_t(range))) return m >> 32;
    }
  }
  // Wider ranges (int32 spans up to 2^32): two words.
  for (;;) {
    uint64_t w = (word() << 32) | word();
    uint64_t limit = UINT64_MAX - UINT64_MAX % range;
    if (w < limit) return w % range;
  }
}

}  // namespace

Status random_uniform(uint32_t state[4], const Operand& out, int64_t n, float low, float high) {
  if (Status st = check_flat("rand", "output", out, n, DType::Float32); !st) return st;
  Philox g(state);
  float* p = static_cast<float*>(out.base) + out.offset;
  uint32_t w[4];
  for (int64_t i = 0; i < n; i += 4) {
    g.next(w);
    for (int j = 0; j < 4 && i + j < n; ++j) p[i + j] = low + (high - low) * unit(w[j]);
  }
  g.save(state);
  return Status::ok();
}

Status random_normal(uint32_t state[4], const Operand& out, int64_t n, float mean, float stddev) {
  if (Status st = check_flat("randn", "output", out, n, DType::Float32); !st) return st;
  Philox g(state);
  float* p = static_cast<float*>(out.base) + out.offset;
  uint32_t w[4];
  for (int64_t i = 0; i < n; i += 4) {
    g.next(w);
    // Box-Muller on two pairs; 1 - u keeps the log argument in (0, 1].
    for (int pair = 0; pair < 2; ++pair) {
      double u1 = 1.0 - unit(w[2 * pair]), u2 = unit(w[2 * pair + 1]);
      double r = std::sqrt(-2.0 * std::log(u1)), t = 6.283185307179586 * u2;
      int64_t k = i + 2 * pair;
      if (k < n) p[k] = static_cast<float>(mean + stddev * r * std::cos(t));
      if (k + 1 < n) p[k + 1] = static_cast<float>(mean + stddev * r * std::sin(t));
    }
  }
  g.save(state);
  return Status::ok();
}

Status random_int(uint32_t state[4], const Operand& out, int64_t n, int64_t low, int64_t high) {
  if (Status st = check_flat("randint", "output", out, n, DType::Int32); !st) return st;
  if (low < INT32_MIN || high > int64_t(INT32_MAX) + 1 || low >= high)
    return Status::range("randint: need low < high within int32, got [" + std::to_string(low) + ", " +
                         std::to_string(high) + ")");
  Philox g(state);
  int32_t* p = static_cast<int32_t*>(out.base) + out.offset;
  uint32_t buf[4];
  int left = 0;
  const uint64_t range = static_cast<uint64_t>(high - low);
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<int32_t>(low + static_cast<int64_t>(bounded(g, buf, left, range)));
  g.save(state);
  return Status::ok();
}

Status random_permutation(uint32_t state[4], const Operand& out, int64_t n) {
  if (n > INT32_MAX) return Status::range("randperm: n must fit in int32");
  if (Status st = check_flat("randperm", "output", out, n, DType::Int32); !st) return st;
  Philox g(state);
  int32_t* p = static_cast<int32_t*>(out.base) + out.offset;
  for (int64_t i = 0; i < n; ++i) p[i] = static_cast<int32_t>(i);
  uint32_t buf[4];
  int left = 0;
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[bounded(g, buf, left, static_cast<uint64_t>(i + 1))]);
  g.save(state);
  return Status::ok();
}

}  // namespace tg
