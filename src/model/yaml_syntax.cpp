#include "model/yaml_syntax.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace ebcm::model::detail {
namespace {

std::string spaces(size_t n) { return fmt::format("{} space{}", n, n == 1 ? "" : "s"); }

// Whether a quoted scalar can begin at t[i]: first on the line, or after "key: ", "- ", or
// inside brackets after '[', '{' or ','.
bool value_starts(std::string_view t, size_t i) {
  size_t j = i;
  while (j > 0 && t[j - 1] == ' ') --j;
  if (j == 0) return true;
  const char c = t[j - 1];
  return c == '[' || c == '{' || c == ',' || ((c == ':' || c == '-') && j < i);
}

// An opening quote or bracket that is not closed (in lines [from, to)), scanning as YAML does
// closely enough for a message: comments, quoted text and brackets.
std::optional<SyntaxError> unclosed(const Lines& ls, size_t from, size_t to, bool quotes) {
  struct Open {
    char c;
    Pos pos;
  };
  std::vector<Open> stack;
  for (size_t l = from; l < to; ++l) {
    std::string_view t = ls.line(l);
    for (size_t i = 0; i < t.size(); ++i) {
      const char c = t[i];
      const bool starts_value = value_starts(t, i);
      if (c == '#' && (i == 0 || t[i - 1] == ' ')) break;
      if ((c == '"' || c == '\'') && starts_value) {
        size_t j = i + 1;
        for (; j < t.size(); ++j) {
          if (c == '"' && t[j] == '\\') {
            ++j;
          } else if (t[j] == c) {
            if (c == '\'' && j + 1 < t.size() && t[j + 1] == '\'') {
              ++j;
            } else {
              break;
            }
          }
        }
        if (j >= t.size()) {
          if (!quotes) return std::nullopt;  // a quoted text may go on over lines
          return SyntaxError{
              {static_cast<uint32_t>(l + 1), static_cast<uint32_t>(i + 1)},
              fmt::format("the quote {} at line {} column {} is not closed", c, l + 1, i + 1),
              fmt::format("end the text with a matching {}", c)};
        }
        i = j;
      } else if (c == '[' || c == '{') {
        stack.push_back({c, {static_cast<uint32_t>(l + 1), static_cast<uint32_t>(i + 1)}});
      } else if ((c == ']' || c == '}') && !stack.empty()) {
        stack.pop_back();
      }
    }
  }
  if (stack.empty()) return std::nullopt;
  const Open& o = stack.back();
  const char close = o.c == '[' ? ']' : '}';
  return SyntaxError{
      o.pos, fmt::format("the '{}' at line {} column {} is not closed", o.c, o.pos.line, o.pos.col),
      fmt::format("close it with '{}'", close)};
}

// What yaml-cpp's message means, in words that say what to check. `from`: the first line of
// the part that was parsed (a section or a list item), so the look-back stays inside it.

}  // namespace

std::optional<SyntaxError> quote_open_at_end(const Lines& ls, uint32_t shift) {
  char open = 0;
  Pos from;
  for (size_t l = 0; l < ls.count(); ++l) {
    std::string_view t = ls.line(l);
    for (size_t i = 0; i < t.size(); ++i) {
      const char c = t[i];
      if (open) {
        if (open == '"' && c == '\\') {
          ++i;
        } else if (c == open) {
          if (open == '\'' && i + 1 < t.size() && t[i + 1] == '\'') {
            ++i;
          } else {
            open = 0;
          }
        }
        continue;
      }
      if (c == '#' && (i == 0 || t[i - 1] == ' ')) break;
      if ((c == '"' || c == '\'') && value_starts(t, i)) {
        open = c;
        from = {static_cast<uint32_t>(l + 1) + shift, static_cast<uint32_t>(i + 1)};
      } else if (c != ' ' && value_starts(t, i) && c != '[' && c != '{' && c != '-') {
        // A plain scalar (a key, or a value): quotes inside it are text, up to what ends it.
        size_t end = std::min({t.find(": ", i), t.find(" #", i), t.find_first_of(",]}", i)});
        if (end == std::string_view::npos) break;
        i = end;
      }
    }
  }
  if (!open) return std::nullopt;
  return SyntaxError{
      from,
      fmt::format("the quote {} at line {} column {} is not closed", open, from.line, from.col),
      fmt::format("end the text with a matching {}", open)};
}

SyntaxError explain(const Lines& ls, const YAML::Exception& e, size_t from) {
  const size_t at = std::min<size_t>(static_cast<size_t>(e.mark.line), ls.count() - 1);
  const Pos where = pos_of(e.mark);
  // A tab in the indentation, anywhere up to the error.
  for (size_t l = from; l <= at; ++l) {
    std::string_view t = ls.line(l);
    const size_t f = t.find_first_not_of(' ');
    if (f != std::string_view::npos && t[f] == '\t') {
      return {{static_cast<uint32_t>(l + 1), static_cast<uint32_t>(f + 1)},
              fmt::format("a tab character at line {} column {}: YAML indents with spaces", l + 1,
                          f + 1),
              "replace the tab with spaces"};
    }
  }
  const std::string_view msg = e.msg;
  if (msg == YAML::ErrorMsg::EOF_IN_SCALAR || msg == YAML::ErrorMsg::END_OF_SEQ_FLOW ||
      msg == YAML::ErrorMsg::END_OF_MAP_FLOW) {
    if (auto u = unclosed(ls, from, at + 1, msg == YAML::ErrorMsg::EOF_IN_SCALAR)) return *u;
  }
  if (msg == YAML::ErrorMsg::MAP_VALUE || msg == YAML::ErrorMsg::BLOCK_ENTRY ||
      msg == YAML::ErrorMsg::END_OF_MAP || msg == YAML::ErrorMsg::END_OF_SEQ ||
      msg == YAML::ErrorMsg::MAP_KEY) {
    size_t prev = at;
    while (prev > from && Lines::blank(ls.line(prev - 1))) --prev;
    if (prev > from) {
      --prev;
      std::string_view here = ls.line(at), before = ls.line(prev);
      if (Lines::indent(here) != Lines::indent(before) && !Lines::blank(here)) {
        return {{where.line, static_cast<uint32_t>(Lines::indent(here) + 1)},
                fmt::format("the indentation of line {} ({}) does not match line {} ({})", at + 1,
                            spaces(Lines::indent(here)), prev + 1, spaces(Lines::indent(before))),
                "keys of one mapping, and items of one list, start in the same column"};
      }
    }
    if (msg == YAML::ErrorMsg::MAP_VALUE) {
      return {where,
              fmt::format("line {} holds a second ': ' where one key and its value are "
                          "expected",
                          at + 1),
              "put text that holds ': ' in quotes, as in name: \"Sales: Nordics\""};
    }
  }
  if (msg == YAML::ErrorMsg::UNKNOWN_TOKEN) {
    return {where, fmt::format("YAML does not expect this character at line {}", at + 1),
            "put text that starts with @, ` or % in quotes"};
  }
  return {where, fmt::format("not valid YAML at line {}: {}", at + 1, msg),
          "check the indentation and the quotes of this line and the one before"};
}

}  // namespace ebcm::model::detail
