// Fuzz target: the small parsers of core/ — durations, percentages, ids, E.164 numbers, email
// addresses and the "did you mean" matcher — with what each promises checked, not only that
// it does not crash: a duration read back from its formatting is the same duration; a
// percentage is 0..100; a valid id obeys [a-z0-9][a-z0-9._-]*, at most 200 characters; the
// edit distance stops at its limit and is symmetric; the UTF-8 scanner agrees with a byte by
// byte reading of RFC 3629, and repair_utf8's result is valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.hpp"
#include "core/strings.hpp"
#include "core/utf8.hpp"
#include "fuzz/fuzz_util.hpp"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool id_by_rule(std::string_view s) {
  if (s.empty() || s.size() > 200) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s[0])) return false;
  for (char c : s) {
    if (!alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

// RFC 3629 one byte at a time, the slow and obvious way: the length of the valid sequence at
// `i`, or 0 if the byte there does not start one.
size_t utf8_sequence_at(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned c = byte(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

size_t first_invalid_utf8(std::string_view s, size_t from) {
  for (size_t i = from; i < s.size();) {
    const size_t n = utf8_sequence_at(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ebcm;
  const std::string_view text = fuzz::as_text(data, size);

  if (auto d = parse_duration(text)) {
    check(d->minutes >= 0);
    const std::string again = format_duration(*d);
    auto back = parse_duration(again);
    check(back && *back == *d);
  }
  if (auto p = parse_percent(text)) check(*p >= 0 && *p <= 100);
  check(is_valid_id(text) == id_by_rule(text));
  // UTF-8: the fast scanner (32 ASCII bytes at a time) agrees with the obvious one, from the
  // start and from an offset inside the text; what repair_utf8 returns is valid.
  check(find_invalid_utf8(text) == first_invalid_utf8(text, 0));
  const size_t from = size == 0 ? 0 : data[0] % (size + 1);
  check(find_invalid_utf8(text, from) == first_invalid_utf8(text, from));
  const std::string repaired = repair_utf8(text);
  check(is_valid_utf8(repaired));
  if (is_valid_utf8(text)) check(repaired == text);
  (void)is_e164(text);
  (void)is_email(text);

  // Two words split at the first NUL (or the middle): distance and matcher.
  size_t cut = text.find('\0');
  if (cut == std::string_view::npos) cut = text.size() / 2;
  const std::string_view a = text.substr(0, cut);
  const std::string_view b = text.substr(std::min(cut + 1, text.size()));
  const size_t limit = size % 17;
  const size_t ab = edit_distance(a, b, limit);
  check(ab <= limit + 1);
  check(ab == edit_distance(b, a, limit));
  if (a == b) check(ab == 0);
  const std::vector<std::string_view> candidates{b, "payroll", "exo/mapi", a.substr(0, a.size() / 2)};
  const std::string m = closest_match(a, candidates);
  check(m.empty() || m == b || m == "payroll" || m == "exo/mapi" || m == a.substr(0, a.size() / 2));
  (void)iequals(a, b);
  (void)starts_with_nocase(a, b);
  return 0;
}
