// Native GEMM micro-benchmark: tg::matmul_f32 (the core's public entry point, checks included)
// per shape and operand layout, on 1 and 2 threads, in GFLOP/s (median of 9 samples) and % of
// the peak of the running table's multiply-add (--simd), measured at start-up; beside OpenBLAS's
// cblas_sgemm when built with it.
//
//   npm run bench:gemm [-- --simd avx2] [--threads 1,2] [--only 64x784@] [--cpu-clock]
//
// Layouts: nn = A [M, K] and B [K, N] row-major; tn = A stored [K, M] (A^T @ G of backward);
// nt = B stored [N, K] (G @ B^T of backward).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__ARM_NEON)
#include <arm_neon.h>
#endif

#include "tg.h"

#ifdef TG_HAVE_CBLAS
#include <cblas.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

// --cpu-clock: time the calling thread's CPU time instead of wall time, so that time slices lost
// to other jobs on a shared machine do not count. Only meaningful with one thread (then both
// libraries compute on the calling thread). The thread's, not the process's: OpenBLAS's pool
// threads spin for a while after they start and after each call, and counted in the process's
// time they halved the measured peak (Zen 4, AVX2: 58 instead of 116 GFLOP/s, so %peak read 169%).
bool g_cpu_clock = false;

double now() {
  if (g_cpu_clock) {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
  }
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// The single-core peak in GFLOP/s of the running table's multiply-add: Chains independent
// chains c = c * a + b of one register each, a and b in two more. Chains + 2 must fit the
// register file with no spill (a spilled chain would time its loads and stores instead), and
// Chains must cover the multiply-add's latency times its throughput (at most 5 cycles x 2 per
// cycle on current cores; SSE2's separate multiply and add, up to 8 x 1 or 6 x 2). Built with
// -march=native, so every table this CPU can run has its instructions here; -ffp-contract=off
// (CMakeLists.txt) keeps SSE2's multiply and add apart, as its kernels have them, and
// -fno-tree-slp-vectorize keeps the scalar chains from being packed into vectors.
template <class Reg, int Chains, Reg (*MultiplyAdd)(Reg c, Reg a, Reg b)>
double multiply_add_peak() {
  constexpr int kLanes = sizeof(Reg) / sizeof(float);
  auto broadcast = [](float x) {
    float lanes[kLanes];
    for (float& l : lanes) l = x;
    Reg r;
    std::memcpy(&r, lanes, sizeof r);
    return r;
  };
  // Distinct starting values, none of them the chains' fixed point 1 = 1 * a + b: the compiler
  // merges identical chains and folds one that starts at 1 into a constant.
  const Reg a = broadcast(1.0f - 1e-7f), b = broadcast(1e-7f);
  Reg c[Chains];
#pragma GCC unroll 32
  for (int j = 0; j < Chains; ++j) c[j] = broadcast(float(j + 2));
  const long n = 4000000;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = now();
    for (long i = 0; i < n; ++i) {
#pragma GCC unroll 32
      for (int j = 0; j < Chains; ++j) c[j] = MultiplyAdd(c[j], a, b);
    }
    best = std::max(best, n * double(Chains) * kLanes * 2 / (now() - t0) / 1e9);
  }
  // By subscript, not by address: an address of c would keep the chains in memory, stored on
  // every step.
  float sink = 0;
#pragma GCC unroll 32
  for (int j = 0; j < Chains; ++j) {
    if constexpr (kLanes == 1) sink += c[j];
    else sink += c[j][0];
  }
  volatile float keep = sink;
  (void)keep;
  return best;
}

#if defined(__FMA__) || defined(__aarch64__)
float scalar_multiply_add(float c, float a, float b) { return std::fma(c, a, b); }
#else
float scalar_multiply_add(float c, float a, float b) { return c * a + b; }
#endif
#if defined(__AVX512F__)
__m512 fused16(__m512 c, __m512 a, __m512 b) { return _mm512_fmadd_ps(c, a, b); }
#endif
#if defined(__AVX2__) && defined(__FMA__)
__m256 fused8(__m256 c, __m256 a, __m256 b) { return _mm256_fmadd_ps(c, a, b); }
#endif
#if defined(__SSE2__)
__m128 unfused4(__m128 c, __m128 a, __m128 b) { return _mm_add_ps(_mm_mul_ps(c, a), b); }
#endif
#if defined(__ARM_NEON)
float32x4_t fused4(float32x4_t c, float32x4_t a, float32x4_t b) { return vfmaq_f32(b, c, a); }
#endif

// The peak of the table tg runs: 32 vector registers on AVX-512 and AArch64, 16 on x86-64
// without AVX-512 (and for its scalar floats).
double measure_peak(const std::string& table) {
#if defined(__AVX512F__)
  if (table == "avx512") return multiply_add_peak<__m512, 28, fused16>();
#endif
#if defined(__AVX2__) && defined(__FMA__)
  if (table == "avx2") return multiply_add_peak<__m256, 14, fused8>();
#endif
#if defined(__SSE2__)
  if (table == "sse2") return multiply_add_peak<__m128, 14, unfused4>();
#endif
#if defined(__ARM_NEON)
  if (table == "neon") return multiply_add_peak<float32x4_t, 28, fused4>();
  return multiply_add_peak<float, 28, scalar_multiply_add>();
#else
  return multiply_add_peak<float, 14, scalar_multiply_add>();
#endif
}

struct Problem {
  int64_t M, N, K;
  bool at, bt;  // A stored [K, M], B stored [N, K]
  std::vector<float> a, b, c;
};

tg::Operand operand(std::vector<float>& v) {
  tg::Operand o;
  o.base = v.data();
  o.capacity = static_cast<int64_t>(v.size());
  return o;
}

bool run_tg(Problem& p) {
  tg::MatmulArgs m;
  m.M = p.M, m.N = p.N, m.K = p.K;
  m.a = operand(p.a), m.b = operand(p.b), m.c = operand(p.c);
  m.a_row = p.at ? 1 : p.K, m.a_col = p.at ? p.M : 1;
  m.b_row = p.bt ? 1 : p.N, m.b_col = p.bt ? p.K : 1;
  const tg::Status st = tg::matmul_f32(m);
  if (!st) std::fprintf(stderr, "matmul: %s\n", st.message.c_str());
  return bool(st);
}

#ifdef TG_HAVE_CBLAS
bool run_blas(Problem& p) {
  cblas_sgemm(CblasRowMajor, p.at ? CblasTrans : CblasNoTrans, p.bt ? CblasTrans : CblasNoTrans, int(p.M),
              int(p.N), int(p.K), 1.0f, p.a.data(), int(p.at ? p.M : p.K), p.b.data(), int(p.bt ? p.K : p.N), 0.0f,
              p.c.data(), int(p.N));
  return true;
}
#endif

struct Rate {
  double median, best;
};

// GFLOP/s over 9 samples, each repeating the call for >= 20 ms after a 0.1 s warm-up: the
// median, and the best, which is the steadier figure on a machine other jobs share. With two functions (tensorgrad and OpenBLAS), their samples alternate, so that a stretch
// of contention from other jobs slows both alike and their ratio holds.
template <class F>
long calls_per_sample(Problem& p, F f) {
  double t0 = now();
  long calls = 0;
  while ((now() - t0) < 0.1 || calls < 3) {
    if (!f(p)) return 0;
    ++calls;
  }
  return std::max<long>(1, long(0.02 * calls / (now() - t0)));
}

template <class F>
double sample(Problem& p, F f, long iters) {
  const double t0 = now();
  for (long i = 0; i < iters; ++i) f(p);
  return 2.0 * p.M * p.N * p.K * iters / (now() - t0) / 1e9;
}

Rate summarize(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples.back()};
}

template <class F>
Rate gflops(Problem& p, F f) {
  const long iters = calls_per_sample(p, f);
  if (!iters) return {0, 0};
  std::vector<double> samples;
  for (int s = 0; s < 9; ++s) samples.push_back(sample(p, f, iters));
  return summarize(samples);
}

template <class F, class G>
std::pair<Rate, Rate> gflops_side_by_side(Problem& p, F f, G g) {
  const long fi = calls_per_sample(p, f), gi = calls_per_sample(p, g);
  if (!fi || !gi) return {{0, 0}, {0, 0}};
  std::vector<double> fs, gs;
  for (int s = 0; s < 9; ++s) {
    fs.push_back(sample(p, f, fi));
    gs.push_back(sample(p, g, gi));
  }
  return {summarize(fs), summarize(gs)};
}

std::vector<int> parse_list(const char* s) {
  std::vector<int> out;
  for (const char* q = s; *q;) {
    out.push_back(std::atoi(q));
    while (*q && *q != ',') ++q;
    if (*q == ',') ++q;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> threads = {1, 2};
  const char* only = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--cpu-clock")) g_cpu_clock = true;
    if (i + 1 == argc) break;
    if (!std::strcmp(argv[i], "--simd") && !tg::select_simd(argv[i + 1])) {
      std::fprintf(stderr, "SIMD path %s is not available here\n", argv[i + 1]);
      return 1;
    }
    if (!std::strcmp(argv[i], "--threads")) threads = parse_list(argv[i + 1]);
    if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
  }
  struct Shape {
    int64_t M, N, K;
    const char* layouts;
  };
  // The MLP layer of bench/workloads.json and its two backward GEMMs (dA = G @ W^T is nt,
  // dW = X^T @ G is tn), the classifier head, square sizes, and a tall-skinny one. Then
  // nn.Linear's weight layout [out, in] in mlp_train: y = x @ W^T (nt), dW = G^T @ X (tn),
  // for its 784 -> 256 and 256 -> 128 layers at batch 64.
  const Shape shapes[] = {
      {1024, 1024, 1024, "nn"}, {512, 512, 512, "nn,tn,nt"}, {256, 256, 256, "nn,tn,nt"},
      {64, 256, 784, "nn,tn,nt"}, {64, 784, 256, "nt"}, {784, 256, 64, "tn"},
      {64, 10, 128, "nn,tn,nt"}, {4096, 64, 256, "nn,tn"}, {17, 33, 1000, "nn"},
      {64, 128, 256, "nt"}, {256, 784, 64, "tn"}, {128, 256, 64, "tn"},
  };
  const double peak = measure_peak(tg::simd_name());
  std::printf("tensorgrad %s; single-core peak of its multiply-add measured %.1f GFLOP/s; %% of peak is per thread\n",
              tg::simd_name(), peak);
#ifdef TG_HAVE_CBLAS
  std::printf("GFLOP/s: median and best of 9 samples; %%peak and tg/blas from the medians\n");
  std::printf("%-22s %3s %14s %6s %14s %6s %8s\n", "MxK@KxN layout", "thr", "tensorgrad", "", "OpenBLAS", "", "");
  std::printf("%-22s %3s %7s %6s %6s %7s %6s %6s %8s\n", "", "", "median", "best", "%peak", "median", "best", "%peak",
              "tg/blas");
#else
  std::printf("GFLOP/s: median and best of 9 samples, %%peak from the median; built without OpenBLAS\n");
  std::printf("%-22s %3s %7s %6s %6s\n", "MxK@KxN layout", "thr", "median", "best", "%peak");
#endif
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (int t : threads) {
    tg::set_num_threads(t);
#ifdef TG_HAVE_CBLAS
    openblas_set_num_threads(t);
#endif
    for (const Shape& s : shapes) {
      for (const char* l = s.layouts; *l; l += l[2] ? 3 : 2) {
        char name[64];
        std::snprintf(name, sizeof name, "%lldx%lld@%lldx%lld %c%c", (long long)s.M, (long long)s.K, (long long)s.K,
                      (long long)s.N, l[0], l[1]);
        if (only && !std::strstr(name, only)) continue;
        Problem p{s.M, s.N, s.K, l[0] == 't', l[1] == 't', {}, {}, {}};
        p.a.resize(s.M * s.K);
        p.b.resize(s.K * s.N);
        p.c.resize(s.M * s.N);
        for (float& x : p.a) x = dist(rng);
        for (float& x : p.b) x = dist(rng);
#ifdef TG_HAVE_CBLAS
        const auto [g, gb] = gflops_side_by_side(p, run_tg, run_blas);
        std::printf("%-22s %3d %7.1f %6.1f %5.0f%% %7.1f %6.1f %5.0f%% %8.2f\n", name, t, g.median, g.best,
                    100 * g.median / (peak * t), gb.median, gb.best, 100 * gb.median / (peak * t), g.median / gb.median);
#else
        const Rate g = gflops(p, run_tg);
        std::printf("%-22s %3d %7.1f %6.1f %5.0f%%\n", name, t, g.median, g.best, 100 * g.median / (peak * t));
#endif
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
