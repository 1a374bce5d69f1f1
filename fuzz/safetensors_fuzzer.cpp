// libFuzzer harness for the safetensors reader (cpp/io/safetensors.{h,cpp}).
// Built and run by scripts/fuzz-safetensors.sh (clang, -fsanitize=fuzzer,address,undefined).
//
// For every input: safetensors_parse must return a Status and never crash. When it accepts
// the file, everything the header promises must hold (checked here independently of the
// parser, __builtin_trap() on a violation so libFuzzer reports it):
//   - data_start = 8 + the u64 header length, within the file;
//   - every entry: at most kMaxDims dims, each <= 2^53; end - begin == numel * dtype size;
//   - entries sorted by (begin, end) tile the data section [0, size - data_start) exactly;
//   - tensor names and metadata keys are unique, valid UTF-8, and no tensor is named
//     "__metadata__"; metadata values are valid UTF-8;
//   - re-serializing the parsed header as JSON and parsing it again gives the same header;
//   - parsing is deterministic.
// Then every entry is converted with safetensors_convert into a heap buffer of exactly the
// right size (ASan catches a write past it), with its own dtype and with every other dtype
// whose element size divides the byte range; the result is checked against a reference
// conversion written here (BOOL: 0/1 and equal to the bytes, F32/I32/BF16 bitwise, F16 via
// ldexp, F64 via the cast, I64: fails exactly when an element is outside int32). Misuse
// (wrong count, wrong destination dtype, range past the end) must fail, not crash.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "io/safetensors.h"

using namespace tg;

namespace {

#define CHECK(cond)            \
  do {                         \
    if (!(cond)) __builtin_trap(); \
  } while (0)

constexpr SafeDType kAll[] = {SafeDType::F32, SafeDType::I32, SafeDType::BOOL, SafeDType::F16,
                              SafeDType::BF16, SafeDType::F64, SafeDType::I64};

uint64_t rd64(const uint8_t* p) {
  uint64_t v = 0;
  for (int k = 7; k >= 0; --k) v = v << 8 | p[k];
  return v;
}
uint32_t rd32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint16_t rd16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

// Strict UTF-8 (no overlongs, surrogates or code points past U+10FFFF); written separately
// from the parser's check on purpose.
bool valid_utf8(const std::string& s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const uint8_t c = static_cast<uint8_t>(s[i]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      const uint8_t b = static_cast<uint8_t>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = cp << 6 | (b & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

void json_string(std::string* out, const std::string& s) {
  static const char* hex = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    const uint8_t c = static_cast<uint8_t>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      out->append("\\u00");
      out->push_back(hex[c >> 4]);
      out->push_back(hex[c & 15]);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

std::string header_json(const SafetensorsHeader& h) {
  std::string j = "{";
  bool first = true;
  if (!h.metadata.empty()) {
    j += "\"__metadata__\":{";
    for (size_t i = 0; i < h.metadata.size(); ++i) {
      if (i) j += ",";
      json_string(&j, h.metadata[i].first);
      j += ":";
      json_string(&j, h.metadata[i].second);
    }
    j += "}";
    first = false;
  }
  for (const SafetensorsEntry& e : h.entries) {
    if (!first) j += ",";
    first = false;
    json_string(&j, e.name);
    j += ":{\"dtype\":\"";
    j += safe_dtype_name(e.dtype);
    j += "\",\"shape\":[";
    for (size_t d = 0; d < e.shape.size(); ++d) j += (d ? "," : "") + std::to_string(e.shape[d]);
    j += "],\"data_offsets\":[" + std::to_string(e.begin) + "," + std::to_string(e.end) + "]}";
  }
  return j + "}";
}

bool same_header(const SafetensorsHeader& a, const SafetensorsHeader& b) {
  if (a.data_start != b.data_start || a.metadata != b.metadata || a.entries.size() != b.entries.size()) return false;
  for (size_t i = 0; i < a.entries.size(); ++i) {
    const SafetensorsEntry &x = a.entries[i], &y = b.entries[i];
    if (x.name != y.name || x.dtype != y.dtype || x.shape != y.shape || x.begin != y.begin || x.end != y.end)
      return false;
  }
  return true;
}

float ref_half(uint16_t h) {
  const int exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  const bool neg = h & 0x8000;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) v = mant ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(1024 + mant), exp - 25);
  return neg ? -v : v;
}

bool same_float(float got, float want) {
  if (std::isnan(want)) return std::isnan(got);
  uint32_t a, b;
  std::memcpy(&a, &got, 4);
  std::memcpy(&b, &want, 4);
  return a == b;
}

// Converts bytes [begin, end) of the file as `src` into an exactly sized heap buffer and
// checks the result. Returns whether the conversion succeeded.
bool convert_and_check(const uint8_t* data, size_t size, const std::string& name, SafeDType src, uint64_t begin,
                       uint64_t end) {
  const uint64_t esize = static_cast<uint64_t>(safe_dtype_size(src));
  CHECK(end >= begin && end <= size && (end - begin) % esize == 0);
  const int64_t n = static_cast<int64_t>((end - begin) / esize);
  const DType target = safe_dtype_target(src);
  const size_t dst_bytes = static_cast<size_t>(n) * static_cast<size_t>(dtype_size(target));
  // Exactly sized (malloc(0) for an empty tensor); filled with a pattern no conversion of a
  // failing element leaves behind as meaningful.
  std::unique_ptr<uint8_t, decltype(&std::free)> buf(static_cast<uint8_t*>(std::malloc(dst_bytes ? dst_bytes : 1)),
                                                     &std::free);
  std::memset(buf.get(), 0xA5, dst_bytes);
  Operand dst;
  dst.base = buf.get();
  dst.capacity = n;
  dst.dtype = target;

  const Status st = safetensors_convert("fuzz", name, src, data, size, begin, end, dst, n);
  const uint8_t* p = data + begin;

  // Which elements make the conversion fail: BOOL bytes other than 0/1, I64 outside int32.
  int64_t first_bad = -1;
  for (int64_t i = 0; i < n && first_bad < 0; ++i) {
    if (src == SafeDType::BOOL && p[i] > 1) first_bad = i;
    if (src == SafeDType::I64) {
      const int64_t v = static_cast<int64_t>(rd64(p + 8 * i));
      if (v < INT32_MIN || v > INT32_MAX) first_bad = i;
    }
  }
  if (first_bad >= 0) {
    CHECK(!st);
    CHECK(st.kind == Status::Range);
    CHECK(!st.message.empty());
    return false;
  }
  CHECK(static_cast<bool>(st));

  const uint8_t* out = buf.get();
  for (int64_t i = 0; i < n; ++i) {
    switch (src) {
      case SafeDType::BOOL:
        CHECK(out[i] == 0 || out[i] == 1);
        CHECK(out[i] == p[i]);
        break;
      case SafeDType::F32:
      case SafeDType::I32:
        CHECK(std::memcmp(out + 4 * i, p + 4 * i, 4) == 0);
        break;
      case SafeDType::BF16:
        CHECK(rd32(out + 4 * i) == uint32_t(rd16(p + 2 * i)) << 16);
        break;
      case SafeDType::F16: {
        float got;
        std::memcpy(&got, out + 4 * i, 4);
        CHECK(same_float(got, ref_half(rd16(p + 2 * i))));
        break;
      }
      case SafeDType::F64: {
        float got;
        std::memcpy(&got, out + 4 * i, 4);
        double d;
        const uint64_t bits = rd64(p + 8 * i);
        std::memcpy(&d, &bits, 8);
        const float want = std::isnan(d) ? NAN : static_cast<float>(d);
        CHECK(same_float(got, want));
        if (std::isfinite(got)) CHECK(std::fabs(static_cast<double>(got) - d) <= std::fabs(d) * 0x1p-24 + 0x1p-149);
        break;
      }
      case SafeDType::I64: {
        int32_t got;
        std::memcpy(&got, out + 4 * i, 4);
        CHECK(got == static_cast<int64_t>(rd64(p + 8 * i)));
        break;
      }
    }
  }
  return true;
}

// Calls convert wrongly: each call must fail with a message and write nothing.
void misuse(const uint8_t* data, size_t size, const std::string& name, SafeDType src, uint64_t begin, uint64_t end) {
  const int64_t esize = safe_dtype_size(src);
  const int64_t n = static_cast<int64_t>((end - begin) / static_cast<uint64_t>(esize));
  const DType target = safe_dtype_target(src);
  alignas(8) uint8_t guard[16];
  std::memset(guard, 0x5A, sizeof guard);
  Operand tiny;  // room for at most 16 bytes; must never be written by a failing call
  tiny.base = guard;
  tiny.dtype = target;
  tiny.capacity = 0;
  auto untouched = [&] {
    for (uint8_t b : guard) CHECK(b == 0x5A);
  };
  // One element more than the range holds.
  tiny.capacity = n + 1;
  CHECK(!safetensors_convert("fuzz", name, src, data, size, begin, end, tiny, n + 1));
  untouched();
  // A range past the end of the data.
  tiny.capacity = n + 1;
  CHECK(!safetensors_convert("fuzz", name, src, data, size, begin, size + static_cast<uint64_t>(esize), tiny, n + 1));
  untouched();
  // The destination too small for n (only when n > 0).
  if (n > 0) {
    tiny.capacity = n - 1;
    CHECK(!safetensors_convert("fuzz", name, src, data, size, begin, end, tiny, n));
    untouched();
  }
  // A destination of the wrong dtype.
  tiny.capacity = n;
  tiny.dtype = target == DType::Float32 ? DType::Int32 : DType::Float32;
  CHECK(!safetensors_convert("fuzz", name, src, data, size, begin, end, tiny, n));
  untouched();
  // end before begin.
  if (end > begin) {
    tiny.dtype = target;
    CHECK(!safetensors_convert("fuzz", name, src, data, size, end, begin, tiny, 0));
    untouched();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  SafetensorsHeader h;
  const Status st = safetensors_parse("fuzz", data, size, &h);
  if (!st) {
    CHECK(st.kind == Status::Range || st.kind == Status::Type);
    CHECK(st.message.rfind("fuzz: ", 0) == 0);
    return 0;
  }
  CHECK(st.message.empty());

  // The header length and where the data begins.
  CHECK(size >= 8);
  const uint64_t n = rd64(data);
  CHECK(n >= 2 && n <= kSafetensorsMaxHeader && n <= size - 8);
  CHECK(data[8] == '{');
  CHECK(h.data_start == 8 + n && h.data_start <= size);
  const uint64_t data_len = size - h.data_start;

  // Entries: shapes, byte sizes, names.
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const SafetensorsEntry& e : h.entries) {
    CHECK(e.shape.size() <= static_cast<size_t>(kMaxDims));
    unsigned __int128 numel = 1;
    for (int64_t d : e.shape) {
      CHECK(d >= 0 && static_cast<uint64_t>(d) <= (uint64_t(1) << 53));
      numel *= static_cast<uint64_t>(d);
      if (numel > (uint64_t(1) << 62)) numel = uint64_t(1) << 62;  // saturate: already impossible below
    }
    CHECK(e.begin <= e.end && e.end <= data_len);
    CHECK(static_cast<unsigned __int128>(e.end - e.begin) == numel * static_cast<uint64_t>(safe_dtype_size(e.dtype)));
    CHECK(e.name != "__metadata__");
    CHECK(valid_utf8(e.name));
    ranges.emplace_back(e.begin, e.end);
  }
  // They tile the data section exactly.
  std::sort(ranges.begin(), ranges.end());
  uint64_t pos = 0;
  for (auto [b, e] : ranges) {
    CHECK(b == pos);
    pos = e;
  }
  CHECK(pos == data_len);
  // Unique names and metadata keys; metadata is UTF-8.
  {
    std::vector<std::string> names;
    for (const SafetensorsEntry& e : h.entries) names.push_back(e.name);
    std::sort(names.begin(), names.end());
    CHECK(std::adjacent_find(names.begin(), names.end()) == names.end());
    std::vector<std::string> keys;
    for (const auto& [k, v] : h.metadata) {
      CHECK(valid_utf8(k) && valid_utf8(v));
      keys.push_back(k);
    }
    std::sort(keys.begin(), keys.end());
    CHECK(std::adjacent_find(keys.begin(), keys.end()) == keys.end());
  }

  // Deterministic, and the header survives a round trip through JSON.
  {
    SafetensorsHeader again;
    CHECK(static_cast<bool>(safetensors_parse("fuzz", data, size, &again)));
    CHECK(same_header(h, again));

    const std::string json = header_json(h);
    std::vector<uint8_t> file(8 + json.size() + data_len);
    for (int k = 0; k < 8; ++k) file[k] = static_cast<uint8_t>(static_cast<uint64_t>(json.size()) >> (8 * k));
    std::memcpy(file.data() + 8, json.data(), json.size());
    if (data_len) std::memcpy(file.data() + 8 + json.size(), data + h.data_start, data_len);
    SafetensorsHeader re;
    CHECK(static_cast<bool>(safetensors_parse("fuzz", file.data(), file.size(), &re)));
    re.data_start = h.data_start;  // the only field allowed to differ (different padding)
    CHECK(same_header(h, re));
  }

  // Convert every entry as its own dtype and as every dtype that fits its byte range.
  for (const SafetensorsEntry& e : h.entries) {
    const uint64_t b = h.data_start + e.begin, end = h.data_start + e.end;
    convert_and_check(data, size, e.name, e.dtype, b, end);
    for (SafeDType d : kAll) {
      if (d == e.dtype || (end - b) % static_cast<uint64_t>(safe_dtype_size(d)) != 0) continue;
      convert_and_check(data, size, e.name, d, b, end);
    }
    misuse(data, size, e.name, e.dtype, b, end);
  }
  return 0;
}
