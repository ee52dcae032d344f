// Clock: the only way code reads the time, so tests can control it.
// Thread safety: SystemClock is stateless; FakeClock is not synchronised (tests drive it).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ebcm {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t now_ms() const override { return now_; }
  void advance(std::chrono::milliseconds by) { now_ += by.count(); }

 private:
  int64_t now_;
};

// "2026-11-21T05:51:34Z" for a Unix time in milliseconds.
std::string format_utc(int64_t unix_ms);
// The inverse, and what people type: "2026-11-21", "2026-11-21T09:14", "2026-11-21T09:14:05"
// (also with a space for the T, and fractional seconds, which are dropped), each optionally
// followed by "Z" or an offset "+01:00"/"-05:00" (none: UTC) → Unix ms. nullopt for anything
// else, including dates that do not exist (2026-02-30).
std::optional<int64_t> parse_utc(std::string_view text);

}  // namespace ebcm
