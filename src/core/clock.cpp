#include "core/clock.hpp"

#include <charconv>
#include <ctime>

namespace ebcm {

std::string format_utc(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

int parse_int(std::string_view text, size_t at, size_t n, bool& ok) {
  int value = 0;
  if (at + n > text.size()) {
    ok = false;
    return 0;
  }
  auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + n, value);
  if (ec != std::errc() || end != text.data() + at + n) ok = false;
  return value;
}

}  // namespace

std::optional<int64_t> parse_utc(std::string_view text) {
  bool ok = text.size() >= 10 && text[4] == '-' && text[7] == '-';
  std::tm tm{};
  tm.tm_year = parse_int(text, 0, 4, ok) - 1900;
  tm.tm_mon = parse_int(text, 5, 2, ok) - 1;
  tm.tm_mday = parse_int(text, 8, 2, ok);
  size_t at = 10;
  if (ok && at < text.size() && (text[at] == 'T' || text[at] == ' ')) {
    ok = at + 6 <= text.size() && text[at + 3] == ':';
    tm.tm_hour = parse_int(text, at + 1, 2, ok);
    tm.tm_min = parse_int(text, at + 4, 2, ok);
    at += 6;
    if (ok && at < text.size() && text[at] == ':') {
      tm.tm_sec = parse_int(text, at + 1, 2, ok);
      at += 3;
      if (ok && at < text.size() && text[at] == '.') {
        ++at;
        const size_t digits = at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
        ok = at > digits;
      }
    }
  }
  int64_t offset_min = 0;
  if (ok && at < text.size()) {
    if (text[at] == 'Z' && at + 1 == text.size()) {
      ++at;
    } else if ((text[at] == '+' || text[at] == '-') && at + 6 == text.size() &&
               text[at + 3] == ':') {
      const int sign = text[at] == '-' ? -1 : 1;
      offset_min = int64_t{sign} *
                   (int64_t{parse_int(text, at + 1, 2, ok)} * 60 + parse_int(text, at + 4, 2, ok));
      at += 6;
    } else {
      ok = false;
    }
  }
  if (!ok || tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
      tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  const std::tm asked = tm;
  const time_t t = timegm(&tm);
  if (tm.tm_mday != asked.tm_mday) return std::nullopt;  // 2026-02-30 rolled over
  return (static_cast<int64_t>(t) - offset_min * 60) * 1000;
}

}  // namespace ebcm
