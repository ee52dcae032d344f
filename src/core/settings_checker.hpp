// Checking a section of the settings file (ebcm serve --config FILE): every problem found at
// once, each with file, line and column (1-based, from YAML::Mark), the key's path
// ("notify.email[1].smtp") and a hint ("did you mean 'from'?" for an unknown key).
// Shared by the boxes that own a section (health/settings, notify/settings).
// Thread safety: one checker per parse.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.hpp"
#include "core/result.hpp"
#include "core/strings.hpp"

namespace ebcm::settings {

// "60s", "90", "5m", "1h", "2d" → seconds; nullopt when not a duration.
inline std::optional<int64_t> parse_seconds(std::string_view text) {
  if (!text.empty() &&
      (text.back() == 's' || std::isdigit(static_cast<unsigned char>(text.back())))) {
    std::string_view digits = text.back() == 's' ? text.substr(0, text.size() - 1) : text;
    int64_t n = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || n < 0 ||
        n > int64_t{100} * 366 * 86400) {
      return std::nullopt;
    }
    return n;
  }
  if (auto d = parse_duration(text)) return d->minutes * 60;
  return std::nullopt;
}

class Checker {
 public:
  // `section`: the words of the summary line ("health", "notify").
  Checker(const std::string& file, std::string section) : file_(file), section_(std::move(section)) {}

  void problem(const YAML::Node& at, const std::string& path, const std::string& message,
               const std::string& hint = "") {
    ErrorDetail d;
    d.file = file_;
    YAML::Mark m = at.Mark();
    if (m.line >= 0) {
      d.line = static_cast<uint32_t>(m.line + 1);
      d.column = static_cast<uint32_t>(m.column + 1);
    }
    d.path = path;
    d.message = message;
    d.hint = hint;
    details_.push_back(std::move(d));
  }

  // A scalar string setting; "" when absent (a problem when present but not a scalar).
  std::string scalar(const YAML::Node& map, const char* key, const std::string& path) {
    YAML::Node v = map[key];
    if (!v || v.IsNull()) return "";
    if (!v.IsScalar()) {
      problem(v, path + "." + key, std::string("'") + key + "' must be a single value");
      return "";
    }
    return v.Scalar();
  }

  // An http(s) URL setting into `out` (left as it is when absent).
  void url(const YAML::Node& map, const char* key, const std::string& path, std::string& out) {
    YAML::Node v = map[key];
    std::string s = scalar(map, key, path);
    if (s.empty()) return;
    if (!(starts_with_nocase(s, "https://") || starts_with_nocase(s, "http://")) ||
        s.find_first_of(" \t\r\n") != std::string::npos || s.size() <= 8) {
      problem(v, path + "." + key,
              std::string("'") + key + "' must be an http(s) URL, got '" + s + "'");
      return;
    }
    out = s;
  }

  // A duration of `min_s` to `max_s` seconds into `out_s` (left as it is when absent).
  void seconds(const YAML::Node& map, const char* key, const std::string& path, int64_t min_s,
               int64_t max_s, const std::string& range_words, int64_t& out_s) {
    YAML::Node t = map[key];
    if (!t || t.IsNull()) return;
    std::string text = t.IsScalar() ? t.Scalar() : "";
    std::optional<int64_t> secs = parse_seconds(text);
    if (!secs || *secs < min_s || *secs > max_s) {
      problem(t, path + "." + key,
              std::string("'") + key + "' must be " + range_words + ", got '" + text + "'");
      return;
    }
    out_s = *secs;
  }

  void unknown_keys(const YAML::Node& map, const std::string& path,
                    std::span<const std::string_view> known) {
    for (const auto& kv : map) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      bool ok = false;
      for (std::string_view k : known) ok = ok || k == key;
      if (ok) continue;
      std::string near = closest_match(key, known);
      problem(kv.first, path + "." + key, "unknown setting '" + key + "'",
              near.empty() ? "known: " + join({known.begin(), known.end()}, ", ")
                           : "did you mean '" + near + "'?");
    }
  }

  template <class T>
  Result<T> finish(T settings) {
    if (details_.empty()) return settings;
    std::string msg = file_ + ": " + std::to_string(details_.size()) +
                      (details_.size() == 1 ? " problem" : " problems") + " in the " + section_ +
                      " settings: ";
    const ErrorDetail& first = details_.front();
    msg += std::to_string(first.line) + ":" + std::to_string(first.column) + ": " + first.message;
    Error e = make_error(ErrorCode::kInvalidInput, msg);
    e.details = std::move(details_);
    return e;
  }

 private:
  std::string file_, section_;
  std::vector<ErrorDetail> details_;
};

// A YAML exception while reading a section, as the same kind of error.
inline Error unreadable(const YAML::Exception& e, const std::string& file,
                        const std::string& section) {
  Error err = make_error(ErrorCode::kInvalidInput,
                         file + ": the " + section + " settings cannot be read: " + e.msg);
  err.details.push_back(ErrorDetail{file, static_cast<uint32_t>(e.mark.line + 1),
                                    static_cast<uint32_t>(e.mark.column + 1), section, e.msg, ""});
  return err;
}

}  // namespace ebcm::settings
