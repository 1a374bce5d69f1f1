// Where large storages go in memory: cache-line and transparent-huge-page placement of buffers
// the caller (V8) allocated. Addresses only: nothing here allocates or keeps a pointer.
#pragma once
#include <cstddef>
#include <cstdint>

#include "core/types.h"

namespace tg {

// 2 MiB where the OS takes a huge page hint (Linux with MADV_HUGEPAGE), else 0: then no
// storage should be over-allocated for align_huge_pages.
size_t huge_page_bytes();

// Asks for huge pages under the whole 2 MiB blocks inside [data, data + bytes). A hint: where
// THP is off, or there is no hint to give, nothing changes.
void advise_huge_pages(void* data, size_t bytes);

// Bytes from data to the next 64-byte boundary (0 to 63).
size_t alignment_gap(const void* data);

// For a buffer of `capacity` bytes allocated as `bytes` plus huge_page_bytes(): *offset = the
// distance to its first huge page boundary (0 where huge_page_bytes() is 0, or for a null
// buffer), and the whole 2 MiB blocks of the `bytes` from there are advised as huge pages.
Status align_huge_pages(void* buffer, size_t capacity, size_t bytes, size_t* offset);

}  // namespace tg
