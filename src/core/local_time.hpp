// Times for people: "Sat 21 Nov 2026, 10:41 CET" / "lör 21 nov 2026 kl. 10:41 CET" in a time
// zone (the organisation's; timezone.hpp reads it from tzdata, never through the process-wide
// TZ), in a language of the catalog. Machine-readable output keeps ISO times in UTC.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/catalog.hpp"

namespace ebcm {

// An unknown zone shows UTC. With `today_ms` on the same local day: the time alone
// ("10:41 CET" / "kl. 10:41 CET").
std::string local_time(int64_t ms, const std::string& zone, catalog::Language lang,
                       std::optional<int64_t> today_ms = std::nullopt);

}  // namespace ebcm
