// YAML syntax errors said so a person can fix them: the line the parser stopped at, read
// again to name what is wrong (a tab, an indentation that does not match the line before, an
// unclosed quote or bracket) instead of yaml-cpp's own words. Internal to model/load.cpp.
// Thread safety: pure functions.
#pragma once

#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/model.hpp"

namespace ebcm::model::detail {

inline Pos pos_of(const YAML::Mark& mark) {
  return Pos{static_cast<uint32_t>(mark.line + 1), static_cast<uint32_t>(mark.column + 1)};
}

// A text as lines, for reading around an error.
struct Lines {
  std::vector<size_t> starts;  // of each line
  std::string_view text;
  explicit Lines(std::string_view t) : text(t) {
    starts.push_back(0);
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '\n') starts.push_back(i + 1);
    }
  }
  size_t count() const { return starts.size(); }
  std::string_view line(size_t l) const {  // 0-based
    const size_t b = starts[l], e = l + 1 < starts.size() ? starts[l + 1] - 1 : text.size();
    std::string_view v = text.substr(b, e - b);
    if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
    return v;
  }
  static bool blank(std::string_view l) {
    const size_t f = l.find_first_not_of(' ');
    return f == std::string_view::npos || l[f] == '#';
  }
  // Where the line's content starts: after the spaces and any "- " of list items.
  static size_t indent(std::string_view l) {
    size_t f = l.find_first_not_of(' ');
    while (f != std::string_view::npos && l[f] == '-' && f + 1 < l.size() && l[f + 1] == ' ')
      f = l.find_first_not_of(' ', f + 1);
    return f == std::string_view::npos ? l.size() : f;
  }
};

struct SyntaxError {
  Pos pos;
  std::string message, hint;
};

// A quoted scalar still open at the end of the text: yaml-cpp takes it to end there, another
// reader refuses the file. Lines are shifted by `shift` in the answer.
std::optional<SyntaxError> quote_open_at_end(const Lines& ls, uint32_t shift = 0);
// What is wrong where the parser stopped (e.mark), reading from line `from` (0-based).
SyntaxError explain(const Lines& ls, const YAML::Exception& e, size_t from);

}  // namespace ebcm::model::detail
