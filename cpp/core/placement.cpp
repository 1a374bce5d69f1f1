// Huge pages: left to 4 KiB pages, the first writes to a fresh 64 MiB output take 16384 page
// faults, which cost three times the add that writes it (~1.7 us each in a VM); with huge pages
// they are 32, and the TLB covers the whole tensor on later passes. THP's "madvise" mode, the
// common default, gives them only where asked.
#include "core/placement.h"

#ifdef __linux__
#include <sys/mman.h>
#endif

namespace tg {
namespace {

#if defined(__linux__) && defined(MADV_HUGEPAGE)
constexpr uintptr_t kHugePage = uintptr_t{2} << 20;
void advise(uintptr_t lo, uintptr_t hi) {
  if (lo < hi) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);  // failure is harmless
}
#else
constexpr uintptr_t kHugePage = 0;
void advise(uintptr_t, uintptr_t) {}
#endif

uintptr_t round_up(uintptr_t a, uintptr_t to) { return (a + to - 1) & ~(to - 1); }
uintptr_t round_down(uintptr_t a, uintptr_t to) { return a & ~(to - 1); }

}  // namespace

size_t huge_page_bytes() { return kHugePage; }

void advise_huge_pages(void* data, size_t bytes) {
  if (kHugePage == 0 || !data) return;
  const uintptr_t b = reinterpret_cast<uintptr_t>(data);
  advise(round_up(b, kHugePage), round_down(b + bytes, kHugePage));
}

// V8's buffers are only 16-byte aligned, and a vector load or store that crosses a cache line
// costs two (measured: the dot-product GEMM of nn.Linear's x @ W^T, 64x784 @ (256x784)^T,
// 268 us with both operands at 16 mod 64, 238 with both on a line boundary).
size_t alignment_gap(const void* data) {
  const uintptr_t b = reinterpret_cast<uintptr_t>(data);
  return (64 - b % 64) % 64;
}

// Why not the interior hint of advise_huge_pages: it leaves the unaligned head and tail on
// 4 KiB pages, up to 2 MiB of them, and a page fault costs ~1.1 us on this VM: measured, the
// first writes to 4 MiB at an unaligned address take 0.65 ms (1 huge page + 512 small ones),
// 2 MiB-aligned 0.075 ms. The tail under 2 MiB stays on small pages (a huge page there would be
// resident beyond the storage); the slack before the boundary is never touched, so it costs
// address space, not memory.
Status align_huge_pages(void* buffer, size_t capacity, size_t bytes, size_t* offset) {
  *offset = 0;
  if (bytes > capacity || capacity - bytes < kHugePage)
    return Status::range("alignHugePages: the buffer must hold the byte count plus hugePageBytes");
  if (kHugePage == 0 || !buffer) return Status::ok();
  const uintptr_t b = reinterpret_cast<uintptr_t>(buffer);
  const uintptr_t lo = round_up(b, kHugePage);
  advise(lo, lo + round_down(bytes, kHugePage));
  *offset = lo - b;
  return Status::ok();
}

}  // namespace tg
