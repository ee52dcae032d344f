#include "core/duration.hpp"

#include <charconv>

namespace ebcm {

namespace {
constexpr int64_t kMaxMinutes = 100LL * 366 * 24 * 60;
}

std::optional<Duration> parse_duration(std::string_view text) {
  if (text.size() < 2) return std::nullopt;
  int64_t per = 0;
  switch (text.back()) {
    case 'm':
      per = 1;
      break;
    case 'h':
      per = 60;
      break;
    case 'd':
      per = 60 * 24;
      break;
    case 'w':
      per = 60 * 24 * 7;
      break;
    default:
      return std::nullopt;
  }
  std::string_view digits = text.substr(0, text.size() - 1);
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || n < 0) return std::nullopt;
  if (n > kMaxMinutes / per) return std::nullopt;
  return Duration{n * per};
}

std::string format_duration(Duration d) {
  const int64_t m = d.minutes;
  if (m != 0 && m % (60 * 24 * 7) == 0) return std::to_string(m / (60 * 24 * 7)) + "w";
  if (m != 0 && m % (60 * 24) == 0) return std::to_string(m / (60 * 24)) + "d";
  if (m != 0 && m % 60 == 0) return std::to_string(m / 60) + "h";
  return std::to_string(m) + "m";
}

std::optional<int> parse_percent(std::string_view text) {
  if (text.size() < 2 || text.back() != '%') return std::nullopt;
  std::string_view digits = text.substr(0, text.size() - 1);
  int n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || n < 0 || n > 100) {
    return std::nullopt;
  }
  return n;
}

}  // namespace ebcm
