// Small string helpers shared by every layer.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ebcm {

// Model ids: lowercase, [a-z0-9][a-z0-9._-]*, at most 200 characters.
bool is_valid_id(std::string_view id);

// Levenshtein distance, stopping early once it exceeds `limit` (returns limit + 1 then).
size_t edit_distance(std::string_view a, std::string_view b, size_t limit);

// The candidate closest to `word` if it is close enough to be a likely typo, else "".
// Close enough: distance at most max(1, len/3).
std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);

// "+" followed by 8 to 15 digits, the first not 0 (ITU-T E.164).
bool is_e164(std::string_view number);
// local@domain.tld with no spaces; deliberately simple (RFC 5322 is not what people type).
bool is_email(std::string_view address);

std::string join(const std::vector<std::string>& parts, std::string_view sep);

// ASCII case-insensitive comparisons (HTTP header names, URL schemes, auth schemes).
bool iequals(std::string_view a, std::string_view b);
// Whether `text` begins with `lower_prefix` (given in lower case), ignoring ASCII case.
bool starts_with_nocase(std::string_view text, std::string_view lower_prefix);
// `s` without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim_blanks(std::string_view s);

}  // namespace ebcm
