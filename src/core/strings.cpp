#include "core/strings.hpp"

#include <algorithm>

namespace ebcm {

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > 200) return false;
  auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_or_digit(id[0])) return false;
  return std::all_of(id.begin() + 1, id.end(),
                     [&](char c) { return lower_or_digit(c) || c == '.' || c == '_' || c == '-'; });
}

size_t edit_distance(std::string_view a, std::string_view b, size_t limit) {
  // Optimal string alignment: insertions, deletions, substitutions and adjacent swaps ("temas").
  const size_t la = a.size(), lb = b.size();
  if ((la > lb ? la - lb : lb - la) > limit) return limit + 1;
  std::vector<size_t> prev2(lb + 1), prev(lb + 1), cur(lb + 1);
  for (size_t j = 0; j <= lb; ++j) prev[j] = j;
  size_t prev_min = 0;
  for (size_t i = 1; i <= la; ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= lb; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
      row_min = std::min(row_min, cur[j]);
    }
    // A swap reaches back two rows, so stop only when both rows are past the limit.
    if (row_min > limit && prev_min > limit) return limit + 1;
    prev_min = row_min;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[lb], limit + 1);
}

std::string closest_match(std::string_view word, std::span<const std::string_view> candidates) {
  const size_t limit = std::max<size_t>(1, word.size() / 3);
  size_t best = limit + 1;
  std::string_view found;
  for (std::string_view c : candidates) {
    size_t d = edit_distance(word, c, limit);
    if (d < best || (d == best && !found.empty() && c < found)) {
      best = d;
      found = c;
    }
  }
  return best <= limit ? std::string(found) : std::string();
}

bool is_e164(std::string_view n) {
  if (n.size() < 9 || n.size() > 16 || n[0] != '+' || n[1] == '0') return false;
  return std::all_of(n.begin() + 1, n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_email(std::string_view a) {
  auto at = a.find('@');
  if (at == std::string_view::npos || at == 0 || a.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  if (a.find_first_of(" \t\r\n<>,;\"") != std::string_view::npos) return false;
  std::string_view domain = a.substr(at + 1);
  auto dot = domain.rfind('.');
  return dot != std::string_view::npos && dot > 0 && dot + 2 <= domain.size() &&
         domain.front() != '.' && domain.find("..") == std::string_view::npos;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

namespace {
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

bool starts_with_nocase(std::string_view text, std::string_view lower_prefix) {
  return text.size() >= lower_prefix.size() &&
         iequals(text.substr(0, lower_prefix.size()), lower_prefix);
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace ebcm
