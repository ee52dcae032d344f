#include "core/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace ebcm {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ull;

uint64_t load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// The length of the valid sequence starting with the non-ASCII byte at `i`, or 0.
size_t sequence_length(std::string_view t, size_t i) {
  const auto at = [&](size_t k) -> unsigned { return static_cast<unsigned char>(t[k]); };
  const unsigned c = at(i);
  size_t len = 0;
  unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong below U+10000
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
  }
  if (i + len > t.size()) return 0;
  if (at(i + 1) < lo || at(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if ((at(i + k) & 0xC0) != 0x80) return 0;
  }
  return len;
}

}  // namespace

size_t find_invalid_utf8(std::string_view text, size_t from) {
  const size_t n = text.size();
  const char* p = text.data();
  size_t i = from;
  while (i < n) {
    while (i + 32 <= n &&
           ((load8(p + i) | load8(p + i + 8) | load8(p + i + 16) | load8(p + i + 24)) &
            kHighBits) == 0) {
      i += 32;
    }
    while (i < n && static_cast<unsigned char>(p[i]) < 0x80) ++i;
    if (i >= n) break;
    const size_t len = sequence_length(text, i);
    if (len == 0) return i;
    i += len;
  }
  return std::string_view::npos;
}

std::string repair_utf8(std::string_view text, std::string_view replacement) {
  std::string out;
  size_t done = 0;
  for (size_t bad = find_invalid_utf8(text); bad != std::string_view::npos;
       bad = find_invalid_utf8(text, done)) {
    if (out.empty()) out.reserve(text.size() + 2 * replacement.size());
    out.append(text.substr(done, bad - done));
    out.append(replacement);
    done = bad + 1;
  }
  if (done == 0) return std::string(text);
  out.append(text.substr(done));
  return out;
}

}  // namespace ebcm
