// Fuzz target: the streaming JSON scanner (model/json_scan.hpp) and the path locator
// (model/json_locate.hpp) on their own, with text that need not be JSON at all.
// Input: a path ("functions[3].bia.rto") up to the first newline, then the text.
// Beyond "no crash", it checks what the scanner promises: every index returned is within the
// text (or npos), and the fast and the unescaping ways of skipping a string end at the same
// place; a located line and column lie inside the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.hpp"
#include "model/json_locate.hpp"
#include "model/json_scan.hpp"

namespace {

using namespace ebcm::model;
using detail::kNpos;

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = ebcm::fuzz::as_text(data, size);
  const size_t nl = in.find('\n');
  const std::string path(nl == std::string_view::npos ? in : in.substr(0, nl));
  const std::string_view t = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);

  // Walk the text value by value, as the streaming reader does with a section's items.
  for (size_t i = 0, steps = 0; i < t.size() && steps < 4096; ++steps) {
    i = detail::skip_ws(t, i);
    check(i <= t.size());
    if (i == t.size()) break;
    if (t[i] == '"') {
      std::string out;
      const size_t fast = detail::skip_string(t, i);
      const size_t slow = detail::skip_string(t, i, &out);
      check(fast == slow);
      check(fast == kNpos || (fast > i && fast <= t.size()));
    }
    const size_t end = detail::skip_value(t, i);
    check(end == kNpos || (end > i && end <= t.size()));
    i = end == kNpos ? i + 1 : end;
    while (i < t.size() && (t[i] == ',' || t[i] == ':' || t[i] == ']' || t[i] == '}')) ++i;
  }

  Diagnostic d;
  d.path = path;
  Diagnostic root;  // the empty path: the whole text
  locate_json_paths(t, {&d, &root});
  if (d.line != 0) {
    size_t lines = 1;
    for (char c : t) lines += c == '\n';
    check(d.line <= lines && d.col >= 1 && d.col <= t.size() + 1);
  }
  return 0;
}
