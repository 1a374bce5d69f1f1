// Native GEMM micro-benchmark: tg::matmul_f32 (the core's public entry point, checks included)
// per shape and operand layout, on 1 and 2 threads, in GFLOP/s (median of 7 samples) and % of
// the FMA peak measured at start-up; beside OpenBLAS's cblas_sgemm when built with it.
//
//   npm run bench:gemm [-- --simd avx2] [--threads 1,2] [--only 64x784@] [--cpu-clock]
//
// Layouts: nn = A [M, K] and B [K, N] row-major; tn = A stored [K, M] (A^T @ G of backward);
// nt = B stored [N, K] (G @ B^T of backward).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "tg.h"

#ifdef TG_HAVE_CBLAS
#include <cblas.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

// --cpu-clock: time the process's CPU time instead of wall time, so that time slices lost to
// other jobs on a shared machine do not count. Only meaningful with one thread.
bool g_cpu_clock = false;

double now() {
  if (g_cpu_clock) {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
  }
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// Single-core FMA peak in GFLOP/s: 16 independent FMA chains (enough to cover latency x
// throughput on any current core) of the widest vector the compiler targets (-march=native).
#if defined(__AVX512F__)
constexpr int kLanes = 16;
#elif defined(__AVX__)
constexpr int kLanes = 8;
#else
constexpr int kLanes = 4;
#endif
double measure_peak() {
  typedef float vec __attribute__((vector_size(kLanes * 4)));
  // Distinct starting values: identical chains would be merged into one by the compiler.
  vec a = {}, b = {}, c0 = {};
  for (int i = 0; i < kLanes; ++i) a[i] = 1.0f - 1e-7f, b[i] = 1e-7f, c0[i] = 1.0f;
  vec c1 = c0 * 2, c2 = c0 * 3, c3 = c0 * 4, c4 = c0 * 5, c5 = c0 * 6, c6 = c0 * 7, c7 = c0 * 8;
  vec c8 = c0 * 9, c9 = c0 * 10, c10 = c0 * 11, c11 = c0 * 12, c12 = c0 * 13, c13 = c0 * 14, c14 = c0 * 15,
      c15 = c0 * 16;
  const long n = 4000000;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = now();
    for (long i = 0; i < n; ++i) {
      c0 = c0 * a + b, c1 = c1 * a + b, c2 = c2 * a + b, c3 = c3 * a + b;
      c4 = c4 * a + b, c5 = c5 * a + b, c6 = c6 * a + b, c7 = c7 * a + b;
      c8 = c8 * a + b, c9 = c9 * a + b, c10 = c10 * a + b, c11 = c11 * a + b;
      c12 = c12 * a + b, c13 = c13 * a + b, c14 = c14 * a + b, c15 = c15 * a + b;
    }
    best = std::max(best, n * 16.0 * kLanes * 2 / (now() - t0) / 1e9);
  }
  volatile float sink = (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11 + c12 + c13 + c14 + c15)[0];
  (void)sink;
  return best;
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
// median, and the best, which is the steadier figure on a machine other jobs share.
template <class F>
Rate gflops(Problem& p, F f) {
  const double flop = 2.0 * p.M * p.N * p.K;
  double t0 = now();
  long calls = 0;
  while ((now() - t0) < 0.1 || calls < 3) {
    if (!f(p)) return {0, 0};
    ++calls;
  }
  const long iters = std::max<long>(1, long(0.02 * calls / (now() - t0)));
  std::vector<double> samples;
  for (int s = 0; s < 9; ++s) {
    t0 = now();
    for (long i = 0; i < iters; ++i) f(p);
    samples.push_back(flop * iters / (now() - t0) / 1e9);
  }
  std::sort(samples.begin(), samples.end());
  return {samples[4], samples[8]};
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
  const double peak = measure_peak();
  std::printf("tensorgrad %s; single-core FMA peak measured %.1f GFLOP/s; %% of peak is per thread\n",
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
        const Rate g = gflops(p, run_tg);
#ifdef TG_HAVE_CBLAS
        const Rate gb = gflops(p, run_blas);
        std::printf("%-22s %3d %7.1f %6.1f %5.0f%% %7.1f %6.1f %5.0f%% %8.2f\n", name, t, g.median, g.best,
                    100 * g.median / (peak * t), gb.median, gb.best, 100 * gb.median / (peak * t), g.median / gb.median);
#else
        std::printf("%-22s %3d %7.1f %6.1f %5.0f%%\n", name, t, g.median, g.best, 100 * g.median / (peak * t));
#endif
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
