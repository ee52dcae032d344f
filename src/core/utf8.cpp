#include "core/utf8.hpp"

#include <cstdint>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace ebcm {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ull;

uint64_t load8(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// The first non-ASCII byte at or after `i`, or n, checking 64 bytes at a time where it can.
size_t skip_ascii(const char* p, size_t i, size_t n) {
#ifdef __SSE2__
  for (; i + 64 <= n; i += 64) {
    const auto* v = reinterpret_cast<const __m128i*>(p + i);
    const __m128i any = _mm_or_si128(_mm_or_si128(_mm_loadu_si128(v), _mm_loadu_si128(v + 1)),
                                     _mm_or_si128(_mm_loadu_si128(v + 2), _mm_loadu_si128(v + 3)));
    if (_mm_movemask_epi8(any) != 0) break;
  }
#endif
  for (; i + 8 <= n; i += 8) {
    if (load8(p + i) & kHighBits) break;
  }
  return i;
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
    i = skip_ascii(p, i, n);
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
