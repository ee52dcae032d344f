// The `health:` section of the settings file (ebcm serve --config FILE, ebcm health ...) and the
// sources it names.
//
// Contract: parse_settings() checks every rule and reports every problem at once as one
// kInvalidInput whose details give file, line and column (1-based, from YAML::Mark), the key's
// path ("health.sources[1].url") and a hint ("did you mean 'client_id'?" for an unknown key).
// Rules: `interval` a duration ("60s", "5m", "1h"), at least 10s, default 60s; each source has a
// `provider` (unique) and a `kind`: "microsoft-graph" (needs tenant, client_id and exactly one of
// client_secret_file / client_secret_env; a `client_secret` key is refused, the secret never
// belongs in the settings; login_url, graph_url optional) or "statuspage" (needs url); every URL
// http(s); timeout a duration of 1s to 5m (default 15s).
// make_source() builds the source with its own CurlClient; kInvalidInput when the secret cannot
// be read.
// Thread safety: plain functions.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "health/health.hpp"

namespace ebcm::health {

struct SourceSettings {
  std::string provider, kind;  // kind: "microsoft-graph" | "statuspage"
  std::string tenant, client_id, client_secret_file, client_secret_env;
  std::string login_url = "https://login.microsoftonline.com",
              graph_url = "https://graph.microsoft.com";
  std::string url;
  int64_t timeout_s = 15;
};

struct Settings {
  int64_t interval_ms = 60000;
  std::vector<SourceSettings> sources;
};

// The `health:` section (`health` may be undefined or null: the defaults, no sources).
Result<Settings> parse_settings(const YAML::Node& health, const std::string& file);

// A source with its own CurlClient; `clock` must outlive it.
Result<std::unique_ptr<HealthSource>> make_source(const SourceSettings& settings,
                                                  const Clock& clock);

}  // namespace ebcm::health
