#include "app/signin_throttle.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

namespace ebcm::app {

int64_t BackOff::refused_until(std::string_view key, int64_t now) const {
  auto it = entries_.find(std::string(key));
  if (it == entries_.end() || it->second.refused_until <= now) return 0;
  return it->second.refused_until;
}

BackOff::Counted BackOff::failure(std::string_view key, int64_t now) {
  auto it = entries_.find(std::string(key));
  if (it == entries_.end()) {
    make_room(now);
    it = entries_.emplace(std::string(key), Entry{}).first;
  }
  Entry& e = it->second;
  if (rule_.forget_ms > 0 && e.failures > 0 && now - e.last_ms > rule_.forget_ms) e.failures = 0;
  ++e.failures;
  e.last_ms = now;
  if (e.failures >= rule_.threshold) {
    const int doublings = std::min(e.failures - rule_.threshold, 30);
    e.refused_until = now + std::min(rule_.base_ms << doublings, rule_.max_ms);
  }
  return {e.failures, e.failures >= rule_.threshold ? e.refused_until : 0};
}

void BackOff::make_room(int64_t now) {
  if (entries_.size() < rule_.capacity) return;
  // O(capacity), only when full: cheap beside the argon2id work every counted failure costs.
  auto victim = entries_.end();
  bool victim_refused = true;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const bool refused = it->second.refused_until > now;
    if (victim == entries_.end() || (victim_refused && !refused) ||
        (refused == victim_refused && it->second.last_ms < victim->second.last_ms)) {
      victim = it;
      victim_refused = refused;
    }
  }
  if (victim != entries_.end()) entries_.erase(victim);
}

std::string client_key(std::string_view remote) {
  std::string host;
  if (!remote.empty() && remote.front() == '[') {
    host = std::string(remote.substr(1, remote.find(']') - 1));
  } else {
    host = std::string(remote.substr(0, remote.rfind(':')));
  }
  unsigned char v6[16];
  if (inet_pton(AF_INET6, host.c_str(), v6) == 1) {
    char text[INET6_ADDRSTRLEN];
    // An IPv4 client of a dual-stack socket ([::ffff:10.0.0.7]) is counted by its IPv4 address.
    if (IN6_IS_ADDR_V4MAPPED(reinterpret_cast<const in6_addr*>(v6))) {
      if (inet_ntop(AF_INET, v6 + 12, text, sizeof text)) return text;
    }
    std::memset(v6 + 8, 0, 8);
    if (inet_ntop(AF_INET6, v6, text, sizeof text)) return std::string(text) + "/64";
  }
  return host;
}

}  // namespace ebcm::app
