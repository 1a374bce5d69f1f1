// Non-x86 builds: no AVX tables.
#include "kernels/isa_table.h"

namespace tg {
const KernelTable* avx2_kernels() { return nullptr; }
const KernelTable* avx512_kernels() { return nullptr; }
}  // namespace tg
