// Internal to model/: a minimal JSON scanner that finds where values start and end without
// building them. The loader uses it to parse a big document one item at a time (memory stays
// that of the model, not of a DOM besides it) and the locator to find a path's line again.
// It trusts nothing: every function returns npos on malformed input, and callers then let the
// real parser (Boost.JSON) say what is wrong.
#pragma once

#include <cstring>
#include <string>
#include <string_view>

namespace ebcm::model::detail {

inline constexpr size_t kNpos = std::string_view::npos;

inline size_t skip_ws(std::string_view t, size_t i) {
  while (i < t.size() && (t[i] == ' ' || t[i] == '\n' || t[i] == '\r' || t[i] == '\t')) ++i;
  return i;
}

// At an opening quote: the index after the closing quote; `out` (if given) gets the raw
// characters with escapes reduced to the escaped character (enough for keys we compare).
inline size_t skip_string(std::string_view t, size_t i, std::string* out = nullptr) {
  if (i >= t.size() || t[i] != '"') return kNpos;
  if (!out) {  // the fast path: jump from quote to quote, an even run of '\\' before it ends it
    for (size_t from = i + 1;;) {
      const void* hit = std::memchr(t.data() + from, '"', t.size() - from);
      if (!hit) return kNpos;
      size_t q = static_cast<const char*>(hit) - t.data();
      size_t slashes = 0;
      while (q - slashes > i + 1 && t[q - slashes - 1] == '\\') ++slashes;
      if (slashes % 2 == 0) return q + 1;
      from = q + 1;
    }
  }
  for (++i; i < t.size(); ++i) {
    char c = t[i];
    if (c == '"') return i + 1;
    if (c == '\\') {
      if (++i >= t.size()) return kNpos;
      c = t[i];
    }
    if (out) *out += c;
  }
  return kNpos;
}

// At the start of any value: the index just after it.
inline size_t skip_value(std::string_view t, size_t i) {
  if (i >= t.size()) return kNpos;
  if (t[i] == '"') return skip_string(t, i);
  if (t[i] == '{' || t[i] == '[') {
    int depth = 0;
    while (i < t.size()) {
      char c = t[i];
      if (c == '"') {
        i = skip_string(t, i);
        if (i == kNpos) return kNpos;
        continue;
      }
      ++i;
      if (c == '{' || c == '[') ++depth;
      if ((c == '}' || c == ']') && --depth == 0) return i;
    }
    return kNpos;
  }
  const size_t start = i;
  while (i < t.size() && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' && t[i] != '\n' &&
         t[i] != '\r' && t[i] != '\t') {
    ++i;
  }
  return i == start ? kNpos : i;
}

}  // namespace ebcm::model::detail
