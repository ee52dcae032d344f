// Fuzz target: the small parsers of core/ — durations, percentages, ids, E.164 numbers, email
// addresses and the "did you mean" matcher — with what each promises checked, not only that
// it does not crash: a duration read back from its formatting is the same duration; a
// percentage is 0..100; a valid id obeys [a-z0-9][a-z0-9._-]*, at most 200 characters; the
// edit distance stops at its limit and is symmetric.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.hpp"
#include "core/strings.hpp"
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
