// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). The generator state is
// four words owned by the caller — one generator per JS environment — so the core stays
// stateless and every stream is reproducible from the seed alone.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "core/checks.h"
#include "core/thread_pool.h"
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

// Uniform in [0, 1) with 53 random bits from two words: every double on the grid 2^-53.
double unit53(uint32_t hi, uint32_t lo) {
  return static_cast<double>((uint64_t(hi >> 5) << 26) | (lo >> 6)) * (1.0 / 9007199254740992.0);
}

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

namespace {

// p[i] = draw(u_i) for the uniform u_i in [0, 1) of the stream's i-th word, in stream order.
template <class Draw>
void fill_from_uniform(uint32_t state[4], float* p, int64_t n, Draw draw) {
  Philox g(state);
  uint32_t w[4];
  for (int64_t i = 0; i < n; i += 4) {
    g.next(w);
    for (int j = 0; j < 4 && i + j < n; ++j) p[i + j] = draw(unit(w[j]));
  }
  g.save(state);
}

}  // namespace

Status random_uniform(uint32_t state[4], const Operand& out, int64_t n, float low, float high) {
  if (Status st = check_flat("rand", "output", out, n, DType::Float32); !st) return st;
  fill_from_uniform(state, static_cast<float*>(out.base) + out.offset, n,
                    [=](float u) { return low + (high - low) * u; });
  return Status::ok();
}

// Dropout's mask in one pass over the stream rand() would draw: scale where the uniform draw
// is below keep (PyTorch's bernoulli_(1 - p)), else 0. The same draws and comparison as
// rand(shape).lt(keep), so the masks do not change with the fused path.
Status random_dropout_mask(uint32_t state[4], const Operand& out, int64_t n, float keep, float scale) {
  if (Status st = check_flat("dropout", "mask", out, n, DType::Float32); !st) return st;
  fill_from_uniform(state, static_cast<float*>(out.base) + out.offset, n,
                    [=](float u) { return u < keep ? scale : 0.0f; });
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

// ---- multinomial ---------------------------------------------------------------------
// Each line (a distribution over the n categories x[o, :, i]) owns a fixed run of Philox
// counters, base + line * blocks, so the draws do not depend on how lines are split among
// threads, and the state advances by lines * blocks whatever the values. A block is four words:
// two doubles of 53 bits.
//  - With replacement: inverse-CDF sampling. cum = running double sums of the weights; a draw
//    u * total picks the first category whose cum exceeds it (never a zero weight: its cum equals
//    the previous one). One double per sample.
//  - Without replacement: the exponential-race form of sequential sampling that PyTorch 1.13
//    uses (Gumbel top-k): key_j = p_j / E_j with E_j ~ Exp(1); the num_samples largest keys, in
//    decreasing order, are distributed as draws one after another without putting back. Zero
//    weights are never chosen. One double per category.
Status multinomial(uint32_t state[4], const LineShape& s, const Operand& probs, int64_t num_samples, bool replacement,
                   const Operand& out) {
  const char* op = "multinomial";
  auto fail = [](const std::string& m) { return Status::range("multinomial: " + m); };
  Shape sh;
  sh.ndim = 4;
  sh.size[0] = s.outer;
  sh.size[1] = s.n;
  sh.size[2] = s.inner;
  sh.size[3] = num_samples < 0 ? 0 : num_samples;
  if (Status st = check_shape(op, sh); !st) return st;
  // PyTorch's checks, in its order and with its messages.
  if (num_samples <= 0) return fail("cannot sample n_sample <= 0 samples");
  if (!replacement && num_samples > s.n)
    return fail("cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  if (s.n > (int64_t(1) << 24)) return fail("number of categories cannot exceed 2^24");
  const int64_t lines = s.outer * s.inner, in_n = lines * s.n, out_n = lines * num_samples;
  if (Status st = check_flat(op, "probabilities", probs, in_n, DType::Float32); !st) return st;
  if (Status st = check_flat(op, "output", out, out_n, DType::Int32); !st) return st;
  if (in_n > 0 && out_n > 0 && probs.base && out.base) {
    const auto a = reinterpret_cast<uintptr_t>(static_cast<const float*>(probs.base) + probs.offset);
    const auto b = reinterpret_cast<uintptr_t>(static_cast<const int32_t*>(out.base) + out.offset);
    if (a < b + uintptr_t(out_n) * 4 && b < a + uintptr_t(in_n) * 4)
      return fail("output must not overlap the probabilities");
  }
  const float* p = static_cast<const float*>(probs.base) + probs.offset;
  int32_t* po = static_cast<int32_t*>(out.base) + out.offset;

  // Every line is checked before anything is drawn or written: an error leaves out and the
  // generator untouched.
  for (int64_t line = 0; line < lines; ++line) {
    const float* x = p + (line / s.inner) * s.n * s.inner + line % s.inner;
    double sum = 0;
    int64_t nonzero = 0;
    for (int64_t j = 0; j < s.n; ++j) {
      const float v = x[j * s.inner];
      if (replacement) {
        if (!(v >= 0)) return fail("invalid multinomial distribution (encountering probability entry < 0)");
        if (!std::isfinite(v)) return fail("invalid multinomial distribution (encountering probability entry = infinity or NaN)");
      } else if (!(v >= 0) || !std::isfinite(v)) {
        return fail("probability tensor contains either `inf`, `nan` or element < 0");
      }
      sum += v;
      nonzero += v > 0;
    }
    if (!(sum > 0)) return fail("invalid multinomial distribution (sum of probabilities <= 0)");
    // PyTorch 1.13 would return zero-weight categories here; earlier versions (and we) refuse.
    if (!replacement && nonzero < num_samples)
      return fail("invalid multinomial distribution (with replacement=False, not enough non-negative category to sample)");
  }
  if (out_n == 0) return Status::ok();

  const uint64_t blocks = static_cast<uint64_t>(((replacement ? num_samples : s.n) + 1) / 2);
  const Philox start(state);
  std::atomic<bool> oom{false};
  parallel_for(lines, std::max<int64_t>(1, 16384 / (s.n + num_samples)), [&](int64_t b, int64_t e) {
    try {
      std::vector<double> cum;
      std::vector<std::pair<double, int32_t>> keys;
      if (replacement) cum.resize(static_cast<size_t>(s.n));
      else keys.resize(static_cast<size_t>(s.n));
      for (int64_t line = b; line < e; ++line) {
        const float* x = p + (line / s.inner) * s.n * s.inner + line % s.inner;
        int32_t* y = po + (line / s.inner) * num_samples * s.inner + line % s.inner;
        Philox g = start;
        g.counter += static_cast<uint64_t>(line) * blocks;
        uint32_t w[4];
        if (replacement) {
          double total = 0;
          int64_t last = 0;
          for (int64_t j = 0; j < s.n; ++j) {
            const float v = x[j * s.inner];
            total += v;
            cum[j] = total;
            if (v > 0) last = j;
          }
          for (int64_t k = 0; k < num_samples; ++k) {
            if (k % 2 == 0) g.next(w);
            const double target = unit53(w[2 * (k % 2)], w[2 * (k % 2) + 1]) * total;
            auto it = std::upper_bound(cum.begin(), cum.end(), target);
            // u * total can round up to total itself: that draw belongs to the last category
            // with a weight.
            y[k * s.inner] = static_cast<int32_t>(it == cum.end() ? last : it - cum.begin());
          }
        } else {
          for (int64_t j = 0; j < s.n; ++j) {
            if (j % 2 == 0) g.next(w);
            // 1 - u is in (0, 1], so E = -log(1 - u) is in [0, inf): a key of +inf at worst.
            // (0.0 - log: -log(1) would be -0, and v / -0 a key of -inf.)
            const double u = 1.0 - unit53(w[2 * (j % 2)], w[2 * (j % 2) + 1]);
            const double exp1 = 0.0 - std::log(u);
            const float v = x[j * s.inner];
            keys[j] = {v > 0 ? v / exp1 : -1.0, static_cast<int32_t>(j)};
          }
          std::partial_sort(keys.begin(), keys.begin() + num_samples, keys.end(),
                            [](const std::pair<double, int32_t>& a, const std::pair<double, int32_t>& c) {
                              return a.first > c.first || (a.first == c.first && a.second < c.second);
                            });
          for (int64_t k = 0; k < num_samples; ++k) y[k * s.inner] = keys[k].second;
        }
      }
    } catch (const std::bad_alloc&) {
      oom.store(true, std::memory_order_relaxed);
    }
  });
  if (oom.load()) return fail("out of memory");
  Philox end = start;
  end.counter += static_cast<uint64_t>(lines) * blocks;
  end.save(state);
  return Status::ok();
}

}  // namespace tg
