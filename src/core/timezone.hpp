// Local time in an IANA time zone, read from the system's tzdata (TZif files), without touching
// the process environment (TZ) — so it is safe on a server's many threads.
//
// Contract: to_local() gives the wall-clock time and the zone's abbreviation ("CET", "CEST")
// for a Unix time, using the zone file's transitions (TZif version 2+, 64-bit data); after its
// last transition, the last rule in effect holds (Debian ships files with transitions to 2037).
// An unknown zone, an unreadable or malformed file → nullopt (callers show UTC).
// Thread safety: zones are read once and kept; any thread may call to_local().
#pragma once

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace ebcm {

struct LocalTime {
  std::tm tm{};      // tm_year, tm_mon, tm_mday, tm_hour, tm_min, tm_sec, tm_wday
  std::string zone;  // abbreviation
};

std::optional<LocalTime> to_local(int64_t unix_seconds, std::string_view zone_name);

}  // namespace ebcm
