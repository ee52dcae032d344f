#include "health/settings.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <set>

#include "core/duration.hpp"
#include "core/settings_checker.hpp"
#include "core/strings.hpp"
#include "health/sources.hpp"
#include "net/curl_client.hpp"

namespace ebcm::health {
namespace {

constexpr std::array<std::string_view, 2> kTopKeys{"interval", "sources"};
constexpr std::array<std::string_view, 11> kSourceKeys{
    "provider",  "kind",      "tenant", "client_id", "client_secret_file", "client_secret_env",
    "login_url", "graph_url", "url",    "timeout",   "client_secret"};
constexpr std::array<std::string_view, 2> kKinds{"microsoft-graph", "statuspage"};

using ebcm::settings::Checker;
using ebcm::settings::parse_seconds;

}  // namespace

namespace {

Result<Settings> check_settings(const YAML::Node& health, const std::string& file) {
  Settings settings;
  Checker c(file, "health");
  if (!health.IsDefined() || health.IsNull()) return settings;
  if (!health.IsMap()) {
    c.problem(health, "health", "'health' must be a mapping (interval, sources)");
    return c.finish(settings);
  }
  c.unknown_keys(health, "health", kTopKeys);
  if (YAML::Node iv = health["interval"]; iv && !iv.IsNull()) {
    std::string text = iv.IsScalar() ? iv.Scalar() : "";
    std::optional<int64_t> s = parse_seconds(text);
    if (!s) {
      c.problem(iv, "health.interval",
                "'interval' must be a duration (\"60s\", \"5m\"), got '" + text + "'");
    } else if (*s < 10) {
      c.problem(iv, "health.interval", "'interval' must be at least 10s, got '" + text + "'",
                "providers throttle: Graph allows 240 requests a minute per tenant");
    } else {
      settings.interval_ms = *s * 1000;
    }
  }
  YAML::Node list = health["sources"];
  if (list && !list.IsNull() && !list.IsSequence()) {
    c.problem(list, "health.sources", "'sources' must be a list");
  } else if (list && list.IsSequence()) {
    std::set<std::string> providers;
    for (size_t i = 0; i < list.size(); ++i) {
      YAML::Node n = list[i];
      std::string path = "health.sources[" + std::to_string(i) + "]";
      if (!n.IsMap()) {
        c.problem(n, path, "a source must be a mapping (provider, kind, ...)");
        continue;
      }
      c.unknown_keys(n, path, kSourceKeys);
      SourceSettings s;
      s.provider = c.scalar(n, "provider", path);
      s.kind = c.scalar(n, "kind", path);
      if (s.provider.empty()) {
        c.problem(n, path + ".provider", "a source needs 'provider' (the model's provider value)");
      } else if (!providers.insert(s.provider).second) {
        c.problem(n["provider"], path + ".provider",
                  "provider '" + s.provider + "' has a source already");
      }
      if (n["client_secret"]) {
        c.problem(n["client_secret"], path + ".client_secret",
                  "put the secret in a file (client_secret_file) or an environment variable "
                  "(client_secret_env), never in the settings");
      }
      c.seconds(n, "timeout", path, 1, 300, "1s to 5m", s.timeout_s);
      if (s.kind == "microsoft-graph") {
        s.tenant = c.scalar(n, "tenant", path);
        s.client_id = c.scalar(n, "client_id", path);
        s.client_secret_file = c.scalar(n, "client_secret_file", path);
        s.client_secret_env = c.scalar(n, "client_secret_env", path);
        c.url(n, "login_url", path, s.login_url);
        c.url(n, "graph_url", path, s.graph_url);
        if (s.tenant.empty()) c.problem(n, path + ".tenant", "microsoft-graph needs 'tenant'");
        if (s.client_id.empty()) {
          c.problem(n, path + ".client_id", "microsoft-graph needs 'client_id'");
        }
        if (s.client_secret_file.empty() == s.client_secret_env.empty() && !n["client_secret"]) {
          c.problem(n, path,
                    "microsoft-graph needs exactly one of 'client_secret_file' and "
                    "'client_secret_env'");
        }
        if (n["url"]) c.problem(n["url"], path + ".url", "'url' is for statuspage sources");
      } else if (s.kind == "statuspage") {
        c.url(n, "url", path, s.url);
        if (s.url.empty() && !n["url"]) c.problem(n, path + ".url", "statuspage needs 'url'");
        for (const char* k : {"tenant", "client_id", "client_secret_file", "client_secret_env",
                              "login_url", "graph_url"}) {
          if (n[k]) {
            c.problem(n[k], path + "." + k, std::string("'") + k + "' is for microsoft-graph");
          }
        }
      } else {
        std::string near = closest_match(s.kind, kKinds);
        c.problem(n["kind"] ? n["kind"] : n, path + ".kind",
                  s.kind.empty() ? "a source needs 'kind'" : "unknown kind '" + s.kind + "'",
                  near.empty() ? "microsoft-graph or statuspage" : "did you mean '" + near + "'?");
      }
      settings.sources.push_back(std::move(s));
    }
  }
  return c.finish(std::move(settings));
}

}  // namespace

Result<Settings> parse_settings(const YAML::Node& health, const std::string& file) {
  try {
    return check_settings(health, file);
  } catch (const YAML::Exception& e) {
    return ebcm::settings::unreadable(e, file, "health");
  }
}

Result<std::unique_ptr<HealthSource>> make_source(const SourceSettings& s, const Clock& clock) {
  if (s.kind == "microsoft-graph") {
    GraphSettings g;
    g.provider = s.provider;
    g.tenant = s.tenant;
    g.client_id = s.client_id;
    g.client_secret_file = s.client_secret_file;
    g.client_secret_env = s.client_secret_env;
    g.login_url = s.login_url;
    g.graph_url = s.graph_url;
    g.timeout_s = s.timeout_s;
    auto source =
        std::make_unique<GraphSource>(std::move(g), std::make_unique<net::CurlClient>(), clock);
    if (auto loaded = source->load_secret(); !loaded) return loaded.error();
    return std::unique_ptr<HealthSource>(std::move(source));
  }
  if (s.kind == "statuspage") {
    StatuspageSettings p{s.provider, s.url, s.timeout_s};
    return std::unique_ptr<HealthSource>(std::make_unique<StatuspageSource>(
        std::move(p), std::make_unique<net::CurlClient>(), clock));
  }
  return make_error(ErrorCode::kInvalidInput,
                    s.provider + ": unknown source kind '" + s.kind + "'");
}

}  // namespace ebcm::health
