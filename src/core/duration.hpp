// Durations and percentages as the model writes them: "90m", "4h", "2d", "1w"; "40%".
//
// A Duration is a whole number of minutes, so arithmetic and comparisons are exact. Formatting
// picks the largest unit that divides the value evenly ("120m" prints as "2h"), so a value read
// and written back may change its spelling but never its meaning.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ebcm {

struct Duration {
  int64_t minutes = 0;
  auto operator<=>(const Duration&) const = default;
};

// Parses "<digits><unit>" with unit m, h, d or w. Returns nullopt on anything else, including
// negative values and values over 100 years (a typo, not a plan).
std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration(Duration d);

// Parses a whole percentage "0%".."100%".
std::optional<int> parse_percent(std::string_view text);

}  // namespace ebcm
