#include "core/timezone.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace ebcm {
namespace {

struct Zone {
  struct Type {
    int32_t offset = 0;
    std::string abbreviation;
  };
  std::vector<int64_t> times;    // transitions, ascending
  std::vector<uint8_t> type_at;  // the type from each transition on
  std::vector<Type> types;
};

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
int64_t be64(const unsigned char* p) {
  return static_cast<int64_t>((uint64_t{be32(p)} << 32) | be32(p + 4));
}

// The 64-bit part of a TZif (v2+) file; nullopt when it is not one.
std::optional<Zone> parse(const std::string& data) {
  auto u = [&](size_t at) { return reinterpret_cast<const unsigned char*>(data.data()) + at; };
  auto header = [&](size_t at, uint32_t c[6]) {
    if (data.size() < at + 44 || data.compare(at, 4, "TZif") != 0) return false;
    for (int i = 0; i < 6; ++i) c[i] = be32(u(at + 20 + 4 * static_cast<size_t>(i)));
    return true;
  };
  // Counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt.
  uint32_t c[6];
  if (!header(0, c) || data[4] < '2') return std::nullopt;
  const size_t v1 =
      44 + size_t{c[3]} * 5 + size_t{c[4]} * 6 + c[5] + size_t{c[2]} * 8 + c[1] + c[0];
  if (!header(v1, c)) return std::nullopt;
  const size_t times = v1 + 44, idx = times + size_t{c[3]} * 8, types = idx + c[3],
               chars = types + size_t{c[4]} * 6;
  if (data.size() < chars + c[5] || c[4] == 0) return std::nullopt;
  Zone z;
  for (uint32_t i = 0; i < c[3]; ++i) {
    z.times.push_back(be64(u(times + 8 * size_t{i})));
    const uint8_t t = *u(idx + i);
    if (t >= c[4]) return std::nullopt;
    z.type_at.push_back(t);
  }
  for (uint32_t i = 0; i < c[4]; ++i) {
    const unsigned char* p = u(types + 6 * size_t{i});
    const size_t a = p[5];
    if (a >= c[5]) return std::nullopt;
    std::string abbr(data.c_str() + chars + a);
    z.types.push_back({static_cast<int32_t>(be32(p)), abbr});
  }
  return z;
}

const Zone* zone(std::string_view name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Zone>, std::less<>> cache;
  std::lock_guard lock(mutex);
  if (auto it = cache.find(name); it != cache.end()) return it->second.get();
  std::unique_ptr<Zone> z;
  // Names as in the model: "Europe/Stockholm", "UTC"; never a path of our own making.
  if (!name.empty() && name.find("..") == std::string_view::npos && name.front() != '/') {
    std::ifstream in("/usr/share/zoneinfo/" + std::string(name), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (auto parsed = parse(data)) z = std::make_unique<Zone>(std::move(*parsed));
  }
  return cache.emplace(std::string(name), std::move(z)).first->second.get();
}

}  // namespace

std::optional<LocalTime> to_local(int64_t t, std::string_view zone_name) {
  const Zone* z = zone(zone_name);
  if (!z) return std::nullopt;
  // The type in effect: of the last transition at or before t; before the first, the first
  // type (TZif's rule for times before all transitions).
  size_t type = 0;
  auto it = std::upper_bound(z->times.begin(), z->times.end(), t);
  if (it != z->times.begin()) type = z->type_at[static_cast<size_t>(it - z->times.begin()) - 1];
  const Zone::Type& ty = z->types[type];
  LocalTime out;
  const std::time_t local = static_cast<std::time_t>(t + ty.offset);
  gmtime_r(&local, &out.tm);
  out.zone = ty.abbreviation;
  return out;
}

}  // namespace ebcm
