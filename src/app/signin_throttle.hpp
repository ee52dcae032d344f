// Back-off of failed sign-ins by key (a client address, a user name that does not exist),
// in memory, with bounded memory: the keys are whatever an attacker sends.
//
// Contract: failure() counts a failed sign-in for a key; from the `threshold`th failure in a
// row on, the key is refused until `base_ms` after it, doubling with every further failure up
// to `max_ms`. Failures are forgotten `forget_ms` after the last one (0: only by success() or
// eviction). At most `capacity` keys are kept: when a new key would exceed it, the entry whose
// last failure is oldest is dropped (an entry still refused is dropped only when every entry
// is). Memory: about capacity × (key length + 100 bytes).
// Thread safety: none; the caller locks (Auth calls it under its mutex).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace ebcm::app {

struct BackOffRule {
  int threshold = 5;
  int64_t base_ms = 60'000;
  int64_t max_ms = 3'600'000;
  int64_t forget_ms = 0;
  size_t capacity = 10'000;
};

class BackOff {
 public:
  explicit BackOff(BackOffRule rule) : rule_(rule) {}

  // 0 when the key may try now; otherwise the time (clock ms) from which it may.
  int64_t refused_until(std::string_view key, int64_t now) const;
  struct Counted {
    int failures = 0;           // in a row, this one included
    int64_t refused_until = 0;  // 0: not refused
  };
  Counted failure(std::string_view key, int64_t now);
  void success(std::string_view key) { entries_.erase(std::string(key)); }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    int failures = 0;
    int64_t last_ms = 0;
    int64_t refused_until = 0;
  };
  void make_room(int64_t now);

  const BackOffRule rule_;
  std::unordered_map<std::string, Entry> entries_;
};

// The part of a remote ("10.0.0.7:5000", "[2001:db8::1]:443") that back-off counts by: the IPv4
// address, or the /64 prefix of an IPv6 one (one machine usually has a whole /64).
std::string client_key(std::string_view remote);

}  // namespace ebcm::app
