// What the CPU and the OS let this process run, read once from cpuid/xgetbv (x86-64) or the
// auxiliary vector (AArch64 Linux). Compiled without ISA flags: it must run on every CPU,
// since it is what decides whether the ISA units may run at all.
#pragma once

namespace tg {

struct CpuFeatures {
  // x86-64. Each vector ISA counts only when the OS also saves its registers (XCR0 via
  // xgetbv): a CPU with AVX-512 under a kernel or hypervisor that does not enable the zmm
  // state faults on the first zmm instruction, and cpuid alone does not say so.
  bool sse2 = false, avx = false, fma = false, avx2 = false, avx512f = false;
  // AArch64: Advanced SIMD (baseline on every AArch64 CPU Linux and macOS run on, but read
  // from HWCAP where the OS reports it).
  bool neon = false;
};

// Detected once, on first use; safe to call from any thread.
const CpuFeatures& cpu_features();

// tg.h's cpu_feature_names lists them by name: "sse2", "avx", "fma", "avx2", "avx512f", "neon".

}  // namespace tg
