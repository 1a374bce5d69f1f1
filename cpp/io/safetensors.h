// The safetensors reader: parses and validates a whole file held in memory, then converts one
// tensor's bytes at a time into tensorgrad storage. It is fed untrusted bytes (and fuzzed), so
// it trusts nothing in them, returns every problem as a Status naming the op and the tensor,
// never reads past `size`, never reads through a misaligned pointer and keeps nothing between
// calls.
//
// File layout: u64 little-endian header length N, N bytes of UTF-8 JSON
//   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value", ...}}        (optional, string values only)
// padded with spaces, then the data section: each tensor's elements packed little-endian in
// row-major order at [begin, end) relative to the section's start.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/types.h"

namespace tg {

// The file dtypes this reader converts. F32/I32/BOOL are copied; the others have no
// tensorgrad dtype and are converted on load (see safetensors_convert).
enum class SafeDType : int32_t { F32 = 0, I32, BOOL, F16, BF16, F64, I64 };

const char* safe_dtype_name(SafeDType d);
// Bytes per element in the file.
int64_t safe_dtype_size(SafeDType d);
// The tensorgrad dtype a file dtype loads as.
DType safe_dtype_target(SafeDType d);
// False for names this reader does not convert (U8, F8_E4M3, ... and unknown strings).
bool safe_dtype_parse(std::string_view name, SafeDType* out);

// The reference implementation's cap: a larger header is a corrupt (or hostile) file.
constexpr uint64_t kSafetensorsMaxHeader = 100000000;

struct SafetensorsEntry {
  std::string name;
  SafeDType dtype = SafeDType::F32;
  std::vector<int64_t> shape;  // at most kMaxDims sizes, each <= 2^53
  uint64_t begin = 0, end = 0;  // relative to the data section, as in the file
};

struct SafetensorsHeader {
  uint64_t data_start = 0;                                     // 8 + N: where the data section begins
  std::vector<SafetensorsEntry> entries;                       // in header order
  std::vector<std::pair<std::string, std::string>> metadata;  // "__metadata__", in header order
};

// Parses and validates the whole file: header length, UTF-8, strict JSON, the schema, known
// dtypes, sizes against shapes, and offsets that tile the data section exactly up to the end
// of the file. On success every entry's [data_start + begin, data_start + end) lies in the
// file and holds exactly numel * safe_dtype_size bytes. `out` is overwritten; on error its
// contents are unspecified. `op` prefixes every message ("load: ...").
Status safetensors_parse(const char* op, const uint8_t* bytes, size_t size, SafetensorsHeader* out);

// Converts the `n` elements of tensor `name`, stored as `src` at file bytes [begin, end), into
// `dst` (a flat buffer of safe_dtype_target(src) with room for n elements). Checks everything
// again (bounds, byte count, destination), so it is safe on its own:
//   F32, I32   copied;
//   BOOL       copied; a byte other than 0 or 1 is an error (not silently made true);
//   F16, BF16  widened to float32 exactly (subnormals, infinities and NaNs kept);
//   F64        rounded to the nearest float32 (beyond float32's range: +-infinity);
//   I64        narrowed to int32; a value outside int32 is an error naming the element.
Status safetensors_convert(const char* op, const std::string& name, SafeDType src, const uint8_t* bytes,
                           size_t size, uint64_t begin, uint64_t end, const Operand& dst, int64_t n);

}  // namespace tg
