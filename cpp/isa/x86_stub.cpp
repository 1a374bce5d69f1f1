// Non-x86 builds: no SSE2 or AVX tables.
#include "kernels/isa_table.h"

namespace tg {
const KernelTable* sse2_kernels() { return nullptr; }
const KernelTable* avx2_kernels() { return nullptr; }
const KernelTable* avx512_kernels() { return nullptr; }
}  // namespace tg
