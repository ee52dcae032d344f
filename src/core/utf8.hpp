// UTF-8 validity: every text ebcm stores or sends is UTF-8, and a byte that is not would make
// the JSON it lands in unreadable (Boost.JSON refuses it), so readers check at their edges.
//
// Contract: valid means RFC 3629 — no overlong forms, no surrogates (U+D800..U+DFFF), nothing
// above U+10FFFF. A bad byte is judged on its own: the scan resumes at the next byte, so a
// broken sequence of n bytes counts as up to n bad bytes. ASCII runs are skipped 64 bytes at a
// time, so checking a text that is all ASCII costs about as much as reading it.
// Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ebcm {

// The offset of the first byte at or after `from` that does not belong to a valid UTF-8
// sequence, or std::string_view::npos.
size_t find_invalid_utf8(std::string_view text, size_t from = 0);

inline bool is_valid_utf8(std::string_view text) {
  return find_invalid_utf8(text) == std::string_view::npos;
}

// `text` with every bad byte replaced by `replacement` (U+FFFD by default).
std::string repair_utf8(std::string_view text, std::string_view replacement = "\xEF\xBF\xBD");

// `text` as a quoted JSON string: control characters escaped, invalid UTF-8 replaced by U+FFFD,
// so a response or log line stays valid JSON whatever a client sent.
std::string json_quote(std::string_view text);
void append_json_quoted(std::string& out, std::string_view text);

}  // namespace ebcm
