// The commands that work on the live state (incidents, health, the live impact) open the same
// app::Service `ebcm serve` runs, on the same database, so both agree by construction.
// Thread safety: one thread.
#pragma once

#include <memory>
#include <string>

#include "app/service.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"
#include "health/settings.hpp"
#include "notify/settings.hpp"

namespace ebcm::cli {

// The service on an existing store with a model (kNotFound / kInvalidInput with a hint
// otherwise: reading never creates a database as a side effect).
Result<std::unique_ptr<app::Service>> open_service(const std::string& url, const Clock& clock);

// The health section of a settings file (`health:`; absent: no sources), every problem named.
Result<health::Settings> load_health_settings(const std::string& file);
// The notify section of a settings file (`notify:`; absent: no channels), every problem named,
// the secrets it points at read.
Result<notify::Settings> load_notify_settings(const std::string& file);
// One source per setting, each with its own HTTP client.
Result<std::vector<std::unique_ptr<health::HealthSource>>> make_sources(const health::Settings& s,
                                                                        const Clock& clock);

// The actor of a command-line change: "cli:<os user>", from the machine.
app::Actor cli_app_actor();

}  // namespace ebcm::cli
