// The safetensors reader (see safetensors.h for the layout). Validation follows the reference
// implementation (huggingface/safetensors: header cap, '{' first, offsets that tile the data
// section, byte size == numel * element size, nothing after the data) and adds what it leaves
// to serde: strict JSON, no duplicate keys, entries with exactly dtype/shape/data_offsets,
// integers only (no floats, negatives or values past 2^53), at most kMaxDims dims.
//
// The JSON parser is driven by the schema rather than building a generic tree: the header
// can be 100 MB, and a tree of a hostile header (`[0,0,0,...]`) would cost many times that.
// Each value is read straight into the entry it belongs to, so memory is bounded by what is
// kept, and nesting cannot go deeper than the schema's three levels — no recursion at all, so
// no input can exhaust the stack.
#include "io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>

#include "core/checks.h"

namespace tg {

const char* safe_dtype_name(SafeDType d) {
  switch (d) {
    case SafeDType::F32: return "F32";
    case SafeDType::I32: return "I32";
    case SafeDType::BOOL: return "BOOL";
    case SafeDType::F16: return "F16";
    case SafeDType::BF16: return "BF16";
    case SafeDType::F64: return "F64";
    case SafeDType::I64: return "I64";
  }
  return "?";
}

int64_t safe_dtype_size(SafeDType d) {
  switch (d) {
    case SafeDType::BOOL: return 1;
    case SafeDType::F16:
    case SafeDType::BF16: return 2;
    case SafeDType::F32:
    case SafeDType::I32: return 4;
    case SafeDType::F64:
    case SafeDType::I64: return 8;
  }
  return 1;
}

DType safe_dtype_target(SafeDType d) {
  switch (d) {
    case SafeDType::I32:
    case SafeDType::I64: return DType::Int32;
    case SafeDType::BOOL: return DType::Bool;
    default: return DType::Float32;
  }
}

bool safe_dtype_parse(std::string_view name, SafeDType* out) {
  static constexpr SafeDType all[] = {SafeDType::F32, SafeDType::I32, SafeDType::BOOL, SafeDType::F16,
                                      SafeDType::BF16, SafeDType::F64, SafeDType::I64};
  for (SafeDType d : all)
    if (name == safe_dtype_name(d)) {
      *out = d;
      return true;
    }
  return false;
}

namespace {

#define TG_TRY(expr)                   \
  do {                                 \
    if (Status st_ = (expr); !st_) return st_; \
  } while (0)

constexpr uint64_t kMaxInteger = uint64_t(1) << 53;  // larger numbers are not exact in JS

// A name as it appears in a message: quoted, cut after 64 bytes (on a UTF-8 boundary) so a
// hostile 100 MB name cannot make a 100 MB error.
std::string quoted(std::string_view s) {
  constexpr size_t kMax = 64;
  if (s.size() <= kMax) return "'" + std::string(s) + "'";
  size_t cut = kMax;
  while (cut > 0 && (static_cast<uint8_t>(s[cut]) & 0xC0) == 0x80) --cut;
  return "'" + std::string(s.substr(0, cut)) + "...'";
}

std::string u64s(uint64_t v) { return std::to_string(v); }

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string r = "[";
  for (size_t i = 0; i < shape.size(); ++i) r += (i ? ", " : "") + std::to_string(shape[i]);
  return r + "]";
}

std::string offsets_text(const SafetensorsEntry& e) { return "[" + u64s(e.begin) + ", " + u64s(e.end) + "]"; }

// Returns the offset of the first byte that is not part of well-formed UTF-8 (no overlong
// forms, no surrogates, nothing past U+10FFFF), or `n` if there is none.
size_t utf8_error_at(const uint8_t* s, size_t n) {
  size_t i = 0;
  while (i < n) {
    const uint8_t c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;
    else if (c == 0xED) len = 3, hi = 0x9F;  // would encode a surrogate
    else if (c >= 0xE1 && c <= 0xEF) len = 3;
    else if (c == 0xF0) len = 4, lo = 0x90;
    else if (c == 0xF4) len = 4, hi = 0x8F;  // past U+10FFFF otherwise
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else return i;
    if (n - i < len || s[i + 1] < lo || s[i + 1] > hi) return i;
    for (size_t k = 2; k < len; ++k)
      if ((s[i + k] & 0xC0) != 0x80) return i;
    i += len;
  }
  return n;
}

void append_utf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Reads the header JSON (already known to be UTF-8 and to start with '{') into `out`.
class HeaderParser {
 public:
  HeaderParser(const char* op, const uint8_t* text, size_t n) : op_(op), s_(text), n_(n) {}

  Status parse(SafetensorsHeader* out) {
    bool seen_metadata = false;
    TG_TRY(object("the header", [&](std::string key) -> Status {
      if (key == "__metadata__") {
        if (seen_metadata) return error("duplicate key '__metadata__' in the header");
        seen_metadata = true;
        return metadata(&out->metadata);
      }
      out->entries.emplace_back();
      out->entries.back().name = std::move(key);
      return entry(&out->entries.back());
    }));
    skip_ws();  // the writer pads the header with spaces
    if (i_ != n_) return syntax("unexpected data after the header's closing '}'");
    return Status::ok();
  }

 private:
  const char* op_;
  const uint8_t* s_;
  size_t n_;
  size_t i_ = 0;

  Status error(const std::string& m) const { return Status::range(std::string(op_) + ": " + m); }
  Status syntax(const std::string& m) const {
    return error("bad header JSON at byte " + u64s(i_) + " of the header: " + m);
  }
  Status in_tensor(const SafetensorsEntry& e, const std::string& m) const {
    return error("tensor " + quoted(e.name) + ": " + m);
  }

  void skip_ws() {
    while (i_ < n_ && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    skip_ws();
    if (i_ < n_ && s_[i_] == static_cast<uint8_t>(c)) {
      ++i_;
      return true;
    }
    return false;
  }
  bool at(char c) {
    skip_ws();
    return i_ < n_ && s_[i_] == static_cast<uint8_t>(c);
  }

  // '{' (string ':' value (',' string ':' value)*)? '}', calling on_member(key) with the
  // cursor at each value; on_member must consume the value.
  template <class F>
  Status object(const std::string& what, F&& on_member) {
    if (!eat('{')) return syntax("expected '{' to open " + what);
    if (eat('}')) return Status::ok();
    for (;;) {
      if (!at('"')) return syntax("expected a string key in " + what);
      std::string key;
      TG_TRY(string(&key));
      if (!eat(':')) return syntax("expected ':' after key " + quoted(key) + " in " + what);
      TG_TRY(on_member(std::move(key)));
      if (eat(',')) continue;
      if (eat('}')) return Status::ok();
      return syntax("expected ',' or '}' in " + what);
    }
  }

  uint32_t hex4(bool* ok) {
    uint32_t v = 0;
    if (n_ - i_ < 4) return *ok = false, 0;
    for (int k = 0; k < 4; ++k) {
      const uint8_t c = s_[i_ + k];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return *ok = false, 0;
    }
    i_ += 4;
    return v;
  }

  // A JSON string at the cursor, decoded. Raw bytes are already valid UTF-8; escapes must
  // decode to scalar values (a \uD800-\uDBFF must pair with a following \uDC00-\uDFFF).
  Status string(std::string* out) {
    if (!eat('"')) return syntax("expected a string");
    for (;;) {
      if (i_ >= n_) return syntax("unterminated string");
      const uint8_t c = s_[i_];
      if (c == '"') {
        ++i_;
        return Status::ok();
      }
      if (c < 0x20) return syntax("control character in a string (it must be escaped)");
      if (c != '\\') {
        // Copy the run of plain bytes at once.
        size_t j = i_;
        while (j < n_ && s_[j] != '"' && s_[j] != '\\' && s_[j] >= 0x20) ++j;
        out->append(reinterpret_cast<const char*>(s_ + i_), j - i_);
        i_ = j;
        continue;
      }
      if (++i_ >= n_) return syntax("unterminated string");
      const uint8_t e = s_[i_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          bool ok = true;
          uint32_t cp = hex4(&ok);
          if (!ok) return syntax("\\u must be followed by 4 hex digits");
          if (cp >= 0xDC00 && cp <= 0xDFFF) return syntax("unpaired low surrogate in a \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (n_ - i_ < 2 || s_[i_] != '\\' || s_[i_ + 1] != 'u')
              return syntax("unpaired high surrogate in a \\u escape");
            i_ += 2;
            const uint32_t low = hex4(&ok);
            if (!ok) return syntax("\\u must be followed by 4 hex digits");
            if (low < 0xDC00 || low > 0xDFFF) return syntax("unpaired high surrogate in a \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: return syntax("invalid escape in a string");
      }
    }
  }

  // A non-negative JSON integer <= 2^53. Other valid JSON numbers are rejected by name so the
  // message says what is wrong with the file, not just where.
  Status integer(const std::string& what, uint64_t* out) {
    skip_ws();
    if (i_ < n_ && s_[i_] == '-') return syntax(what + " holds a negative number");
    if (i_ >= n_ || s_[i_] < '0' || s_[i_] > '9') return syntax(what + " must hold non-negative integers");
    if (s_[i_] == '0' && i_ + 1 < n_ && s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9')
      return syntax("a number with a leading zero in " + what);
    uint64_t v = 0;
    while (i_ < n_ && s_[i_] >= '0' && s_[i_] <= '9') {
      v = v * 10 + (s_[i_++] - '0');
      if (v > kMaxInteger) return syntax(what + " holds a number larger than 2^53");
    }
    if (i_ < n_ && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E'))
      return syntax(what + " holds a number with a fraction or exponent; expected an integer");
    *out = v;
    return Status::ok();
  }

  // '[' integer (',' integer)* ']' with at most max_len elements (`unit` names them).
  Status integers(const std::string& what, size_t max_len, const char* unit, std::vector<uint64_t>* out) {
    if (!eat('[')) return syntax(what + " must be an array of integers");
    if (eat(']')) return Status::ok();
    for (;;) {
      if (out->size() == max_len) return syntax(what + " has more than " + std::to_string(max_len) + " " + unit);
      uint64_t v = 0;
      TG_TRY(integer(what, &v));
      out->push_back(v);
      if (eat(',')) continue;
      if (eat(']')) return Status::ok();
      return syntax("expected ',' or ']' in " + what);
    }
  }

  Status entry(SafetensorsEntry* e) {
    const std::string what = "tensor " + quoted(e->name);
    if (!at('{')) return syntax(what + " must be an object with dtype, shape and data_offsets");
    bool has_dtype = false, has_shape = false, has_offsets = false;
    TG_TRY(object(what, [&](std::string key) -> Status {
      if (key == "dtype") {
        if (has_dtype) return in_tensor(*e, "duplicate key 'dtype'");
        has_dtype = true;
        if (!at('"')) return syntax("dtype of " + what + " must be a string");
        std::string name;
        TG_TRY(string(&name));
        if (!safe_dtype_parse(name, &e->dtype))
          return Status::type(std::string(op_) + ": tensor " + quoted(e->name) + ": dtype " + quoted(name) +
                              " is not supported (tensorgrad reads F32, I32, BOOL, F16, BF16, F64 and I64)");
        return Status::ok();
      }
      if (key == "shape") {
        if (has_shape) return in_tensor(*e, "duplicate key 'shape'");
        has_shape = true;
        std::vector<uint64_t> dims;
        TG_TRY(integers("shape of " + what, kMaxDims, "dims (tensorgrad's limit)", &dims));
        e->shape.assign(dims.begin(), dims.end());
        return Status::ok();
      }
      if (key == "data_offsets") {
        if (has_offsets) return in_tensor(*e, "duplicate key 'data_offsets'");
        has_offsets = true;
        std::vector<uint64_t> off;
        TG_TRY(integers("data_offsets of " + what, 2, "elements", &off));
        if (off.size() != 2) return in_tensor(*e, "data_offsets must be [begin, end]");
        e->begin = off[0];
        e->end = off[1];
        return Status::ok();
      }
      return in_tensor(*e, "unexpected key " + quoted(key) + " (entries hold exactly dtype, shape and data_offsets)");
    }));
    if (!has_dtype) return in_tensor(*e, "missing 'dtype'");
    if (!has_shape) return in_tensor(*e, "missing 'shape'");
    if (!has_offsets) return in_tensor(*e, "missing 'data_offsets'");
    return Status::ok();
  }

  Status metadata(std::vector<std::pair<std::string, std::string>>* out) {
    if (!at('{')) return syntax("__metadata__ must be an object of strings");
    return object("__metadata__", [&](std::string key) -> Status {
      if (!at('"')) return syntax("__metadata__ value for key " + quoted(key) + " must be a string");
      std::string value;
      TG_TRY(string(&value));
      out->emplace_back(std::move(key), std::move(value));
      return Status::ok();
    });
  }
};

// Names (of tensors, or of metadata keys) must be unique: sorts indices, not the strings.
template <class Get>
const std::string* find_duplicate(size_t n, Get&& get) {
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), size_t(0));
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return get(a) < get(b); });
  for (size_t k = 1; k < n; ++k)
    if (get(idx[k - 1]) == get(idx[k])) return &get(idx[k]);
  return nullptr;
}

// Checks sizes against shapes and that the tensors tile the data section [0, data_len).
Status check_layout(const char* op, const SafetensorsHeader& h, uint64_t data_len) {
  const std::string pre = std::string(op) + ": ";
  std::vector<size_t> order(h.entries.size());
  std::iota(order.begin(), order.end(), size_t(0));
  // By (begin, end), as the reference does: zero-size tensors sit anywhere their begin is.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const SafetensorsEntry &x = h.entries[a], &y = h.entries[b];
    return x.begin != y.begin ? x.begin < y.begin : x.end < y.end;
  });
  uint64_t pos = 0;
  const SafetensorsEntry* prev = nullptr;
  for (size_t k : order) {
    const SafetensorsEntry& e = h.entries[k];
    const std::string t = pre + "tensor " + quoted(e.name) + ": ";
    if (e.end < e.begin) return Status::range(t + "data_offsets " + offsets_text(e) + " end before they begin");
    // numel * element size, checked at every step (like the reference's checked_mul fold).
    uint64_t bytes = static_cast<uint64_t>(safe_dtype_size(e.dtype));
    for (int64_t d : e.shape) {
      const uint64_t u = static_cast<uint64_t>(d);
      if (u != 0 && bytes > UINT64_MAX / u)
        return Status::range(t + "shape " + shape_text(e.shape) + " of " + safe_dtype_name(e.dtype) +
                             " is too large (its byte size overflows)");
      bytes *= u;
    }
    if (e.end - e.begin != bytes)
      return Status::range(t + "data_offsets " + offsets_text(e) + " hold " + u64s(e.end - e.begin) +
                           " bytes but shape " + shape_text(e.shape) + " of " + safe_dtype_name(e.dtype) +
                           " needs " + u64s(bytes));
    if (e.begin > pos)
      return Status::range(t + "data_offsets " + offsets_text(e) + " leave a gap: bytes [" + u64s(pos) + ", " +
                           u64s(e.begin) + ") of the data section belong to no tensor");
    if (e.begin < pos)
      return Status::range(t + "data_offsets " + offsets_text(e) + " overlap tensor " + quoted(prev->name) +
                           ", which ends at " + u64s(pos));
    if (e.end > data_len)
      return Status::range(t + "data_offsets " + offsets_text(e) + " reach past the end of the file (the data section holds " +
                           u64s(data_len) + " bytes)");
    pos = e.end;
    prev = &e;
  }
  if (pos != data_len)
    return Status::range(pre + "the data section holds " + u64s(data_len) + " bytes but the tensors cover " + u64s(pos) +
                         " (trailing bytes after the last tensor)");
  return Status::ok();
}

uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }
uint32_t load32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint64_t load64(const uint8_t* p) { return uint64_t(load32(p)) | uint64_t(load32(p + 4)) << 32; }

float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in float32.
    const float f = static_cast<float>(mant) * 0x1p-24f;
    return sign ? -f : f;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7F800000u | mant << 13);  // inf, NaN (payload kept)
  return std::bit_cast<float>(sign | (exp + 112) << 23 | mant << 13);          // rebias 15 -> 127
}

}  // namespace

Status safetensors_parse(const char* op, const uint8_t* bytes, size_t size, SafetensorsHeader* out) {
  const std::string pre = std::string(op) + ": ";
  *out = SafetensorsHeader{};
  if (size < 8 || bytes == nullptr)
    return Status::range(pre + "the data is " + std::to_string(size) +
                         " bytes, too short for a safetensors file (it starts with an 8-byte header length)");
  const uint64_t n = load64(bytes);
  if (n > kSafetensorsMaxHeader)
    return Status::range(pre + "header length " + u64s(n) + " is larger than the limit of " +
                         u64s(kSafetensorsMaxHeader) + " bytes (not a safetensors file?)");
  if (n > size - 8)
    return Status::range(pre + "header length " + u64s(n) + " runs past the end of the data (" + std::to_string(size) +
                         " bytes; truncated file?)");
  const uint8_t* header = bytes + 8;
  if (n == 0 || header[0] != '{')
    return Status::range(pre + "the header does not start with '{' (not a safetensors file?)");
  if (size_t bad = utf8_error_at(header, n); bad != n)
    return Status::range(pre + "the header is not valid UTF-8 (byte " + u64s(bad) + " of the header)");
  TG_TRY(HeaderParser(op, header, n).parse(out));

  if (const std::string* dup = find_duplicate(out->entries.size(), [&](size_t i) -> const std::string& {
        return out->entries[i].name;
      }))
    return Status::range(pre + "duplicate tensor name " + quoted(*dup) + " in the header");
  if (const std::string* dup = find_duplicate(out->metadata.size(), [&](size_t i) -> const std::string& {
        return out->metadata[i].first;
      }))
    return Status::range(pre + "duplicate key " + quoted(*dup) + " in __metadata__");

  out->data_start = 8 + n;
  return check_layout(op, *out, size - out->data_start);
}

Status safetensors_convert(const char* op, const std::string& name, SafeDType src, const uint8_t* bytes,
                           size_t size, uint64_t begin, uint64_t end, const Operand& dst, int64_t n) {
  const std::string pre = std::string(op) + ": tensor " + quoted(name) + ": ";
  const uint64_t esize = static_cast<uint64_t>(safe_dtype_size(src));
  if (begin > end || end > size || (end > begin && bytes == nullptr))
    return Status::range(pre + "byte range [" + u64s(begin) + ", " + u64s(end) + ") lies outside the " +
                         std::to_string(size) + "-byte data");
  if (n < 0 || (end - begin) / esize != static_cast<uint64_t>(n) || (end - begin) % esize != 0)
    return Status::range(pre + "byte range [" + u64s(begin) + ", " + u64s(end) + ") does not hold " +
                         std::to_string(n) + " elements of " + safe_dtype_name(src));
  TG_TRY(check_flat(op, "destination storage", dst, n, safe_dtype_target(src)));
  const uint8_t* p = bytes + begin;  // any alignment: every read below is bytewise or memcpy
  constexpr bool kLittle = std::endian::native == std::endian::little;
  switch (src) {
    case SafeDType::BOOL:
      for (int64_t i = 0; i < n; ++i)
        if (p[i] > 1)
          return Status::range(pre + "BOOL element " + std::to_string(i) + " is the byte " + std::to_string(p[i]) +
                               ", not 0 or 1");
      if (n) std::memcpy(dst.base, p, static_cast<size_t>(n));
      break;
    case SafeDType::F32:
    case SafeDType::I32:
      if (kLittle) {
        if (n) std::memcpy(dst.base, p, static_cast<size_t>(n) * 4);
      } else {
        uint32_t* out = static_cast<uint32_t*>(dst.base);
        for (int64_t i = 0; i < n; ++i) out[i] = load32(p + 4 * i);
      }
      break;
    case SafeDType::F16: {
      float* out = static_cast<float*>(dst.base);
      for (int64_t i = 0; i < n; ++i) out[i] = half_to_float(load16(p + 2 * i));
      break;
    }
    case SafeDType::BF16: {
      // bfloat16 is the top half of a float32: widening is exact.
      float* out = static_cast<float*>(dst.base);
      for (int64_t i = 0; i < n; ++i) out[i] = std::bit_cast<float>(uint32_t(load16(p + 2 * i)) << 16);
      break;
    }
    case SafeDType::F64: {
      // The cast rounds to nearest-even; out-of-range values become +-inf, NaN stays NaN.
      float* out = static_cast<float*>(dst.base);
      for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(std::bit_cast<double>(load64(p + 8 * i)));
      break;
    }
    case SafeDType::I64: {
      int32_t* out = static_cast<int32_t*>(dst.base);
      for (int64_t i = 0; i < n; ++i) {
        const int64_t v = static_cast<int64_t>(load64(p + 8 * i));
        if (v < INT32_MIN || v > INT32_MAX)
          return Status::range(pre + "I64 element " + std::to_string(i) + " is " + std::to_string(v) +
                               ", outside int32 (tensorgrad's integer dtype)");
        out[i] = static_cast<int32_t>(v);
      }
      break;
    }
  }
  return Status::ok();
}

}  // namespace tg

#undef TG_TRY
