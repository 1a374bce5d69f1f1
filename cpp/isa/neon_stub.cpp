// Non-ARM builds: no NEON table.
#include "kernels/isa_table.h"

namespace tg {
const KernelTable* neon_kernels() { return nullptr; }
}  // namespace tg
