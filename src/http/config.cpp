#include "http/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <functional>
#include <vector>

#include "core/strings.hpp"
#include "core/log.hpp"

namespace ebcm::http {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Whole number without sign; false on overflow of uint64_t.
bool parse_uint(std::string_view s, uint64_t* out) {
  if (!all_digits(s)) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string quoted(std::string_view v) { return "'" + std::string(v) + "'"; }

// A setter parses the text of one setting into the config, or returns why it cannot ("" = ok).
using Setter = std::function<std::string(ServeConfig&, std::string_view)>;

std::string set_int(int* field, std::string_view v, int min, int max) {
  uint64_t n = 0;
  if (!parse_uint(v, &n)) return "expected a whole number, got " + quoted(v);
  if (n < static_cast<uint64_t>(min) || n > static_cast<uint64_t>(max))
    return "expected a number from " + std::to_string(min) + " to " + std::to_string(max) +
           ", got " + std::string(v);
  *field = static_cast<int>(n);
  return "";
}

std::string set_seconds(int* field, std::string_view v, int min) {
  constexpr int kMax = 24 * 3600;
  int mult = 1;
  std::string_view digits = v;
  if (!v.empty() && (v.back() == 's' || v.back() == 'm' || v.back() == 'h')) {
    mult = v.back() == 's' ? 1 : v.back() == 'm' ? 60 : 3600;
    digits.remove_suffix(1);
  }
  uint64_t n = 0;
  if (!parse_uint(digits, &n))
    return "expected seconds as a whole number (\"30\", \"30s\", \"2m\"), got " + quoted(v);
  if (n > static_cast<uint64_t>(kMax) || n * mult > static_cast<uint64_t>(kMax) ||
      n * mult < static_cast<uint64_t>(min))
    return "expected " + std::to_string(min) + " to " + std::to_string(kMax) + " seconds, got " +
           std::string(v);
  *field = static_cast<int>(n * mult);
  return "";
}

std::string set_size(size_t* field, std::string_view v, uint64_t min, uint64_t max) {
  size_t i = 0;
  while (i < v.size() && v[i] >= '0' && v[i] <= '9') ++i;
  std::string_view digits = v.substr(0, i), unit = v.substr(i);
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  uint64_t mult = 0;
  static constexpr std::pair<std::string_view, uint64_t> kUnits[] = {{"", 1},
                                                                     {"B", 1},
                                                                     {"K", 1ull << 10},
                                                                     {"KB", 1ull << 10},
                                                                     {"KiB", 1ull << 10},
                                                                     {"M", 1ull << 20},
                                                                     {"MB", 1ull << 20},
                                                                     {"MiB", 1ull << 20},
                                                                     {"G", 1ull << 30},
                                                                     {"GB", 1ull << 30},
                                                                     {"GiB", 1ull << 30}};
  for (const auto& [word, m] : kUnits)
    if (word == unit) mult = m;
  uint64_t n = 0;
  if (mult == 0 || !parse_uint(digits, &n))
    return "expected a size in bytes (\"1048576\", \"512K\", \"64M\", \"1G\"), got " + quoted(v);
  if (n > max / mult || n * mult < min || n * mult > max)
    return "expected " + std::to_string(min) + " to " + std::to_string(max) + " bytes, got " +
           std::string(v);
  *field = static_cast<size_t>(n * mult);
  return "";
}

struct Setting {
  std::string_view name;  // flag and file key
  std::string_view env;
  Setter set;
};

const std::vector<Setting>& settings() {
  static const std::vector<Setting> kSettings = {
      {"db", "EBCM_DB",
       [](ServeConfig& c, std::string_view v) -> std::string {
         if (v.empty()) return "expected a database (a file or URL), got nothing";
         c.db = std::string(v);
         return "";
       }},
      {"listen", "EBCM_LISTEN",
       [](ServeConfig& c, std::string_view v) -> std::string {
         auto r = parse_listen(v);
         if (!r) return r.error().message;
         c.listen = std::string(v);
         return "";
       }},
      {"tls-cert", "EBCM_TLS_CERT",
       [](ServeConfig& c, std::string_view v) -> std::string {
         c.tls_cert = std::string(v);
         return "";
       }},
      {"tls-key", "EBCM_TLS_KEY",
       [](ServeConfig& c, std::string_view v) -> std::string {
         c.tls_key = std::string(v);
         return "";
       }},
      {"threads", "EBCM_THREADS",
       [](ServeConfig& c, std::string_view v) { return set_int(&c.threads, v, 0, 1024); }},
      {"log-level", "EBCM_LOG_LEVEL",
       [](ServeConfig& c, std::string_view v) -> std::string {
         Level level;
         if (!parse_log_level(v, &level))
           return "expected trace, debug, info, warn, error or off, got " + quoted(v);
         c.log_level = std::string(v);
         return "";
       }},
      {"body-limit", "EBCM_BODY_LIMIT",
       [](ServeConfig& c, std::string_view v) {
         return set_size(&c.body_limit, v, 1024, 4ull << 30);
       }},
      {"header-limit", "EBCM_HEADER_LIMIT",
       [](ServeConfig& c, std::string_view v) {
         return set_size(&c.header_limit, v, 1024, 1ull << 20);
       }},
      {"read-timeout", "EBCM_READ_TIMEOUT",
       [](ServeConfig& c, std::string_view v) { return set_seconds(&c.read_timeout_s, v, 1); }},
      {"idle-timeout", "EBCM_IDLE_TIMEOUT",
       [](ServeConfig& c, std::string_view v) { return set_seconds(&c.idle_timeout_s, v, 1); }},
      {"shutdown-grace", "EBCM_SHUTDOWN_GRACE",
       [](ServeConfig& c, std::string_view v) { return set_seconds(&c.shutdown_grace_s, v, 0); }},
      {"max-connections", "EBCM_MAX_CONNECTIONS",
       [](ServeConfig& c, std::string_view v) {
         return set_int(&c.max_connections, v, 1, 1000000);
       }},
  };
  return kSettings;
}

const Setting* find_setting(std::string_view name) {
  for (const Setting& s : settings())
    if (s.name == name) return &s;
  return nullptr;
}

std::string did_you_mean(std::string_view word) {
  std::vector<std::string_view> names;
  for (const Setting& s : settings()) names.push_back(s.name);
  std::string best = closest_match(word, names);
  return best.empty() ? "" : " — did you mean '" + best + "'?";
}

std::string known_keys() {
  std::vector<std::string> names;
  for (const Setting& s : settings()) names.emplace_back(s.name);
  return join(names, ", ");
}

// Applies the config file's settings, recording each one's source as "file:line".
void apply_file(const std::string& path, ServeConfig& config,
                std::map<std::string_view, std::string>& source, std::vector<std::string>& errors) {
  std::ifstream in(path);
  if (!in) {
    errors.push_back("cannot read config file " + path + ": " + std::strerror(errno));
    return;
  }
  YAML::Node root;
  try {
    root = YAML::Load(in);
  } catch (const YAML::Exception& e) {
    errors.push_back(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                     std::to_string(e.mark.column + 1) + ": not valid YAML: " + e.msg);
    return;
  }
  if (!root || root.IsNull()) return;  // an empty file sets nothing
  if (!root.IsMap()) {
    errors.push_back(path + ":" + std::to_string(root.Mark().line + 1) +
                     ": expected a mapping of settings (\"listen: 127.0.0.1:8080\")");
    return;
  }
  for (const auto& kv : root) {
    std::string where = path + ":" + std::to_string(kv.first.Mark().line + 1);
    if (!kv.first.IsScalar()) {
      errors.push_back(where + ": expected a setting's name as the key");
      continue;
    }
    const std::string& key = kv.first.Scalar();
    // The sections of other boxes, each read by its own: health/settings.hpp, notify/settings.hpp.
    if (key == "health" || key == "notify") continue;
    const Setting* s = find_setting(key);
    if (!s) {
      std::string hint = did_you_mean(key);
      errors.push_back(where + ": unknown setting '" + key + "'" +
                       (hint.empty() ? " (known: " + known_keys() + ")" : hint));
      continue;
    }
    std::string value;
    if (kv.second.IsScalar()) {
      value = kv.second.Scalar();
    } else if (!kv.second.IsNull()) {
      errors.push_back(where + ": " + key + ": expected a single value, not a list or mapping");
      continue;
    }
    std::string problem = s->set(config, value);
    if (!problem.empty()) {
      errors.push_back(where + ": " + key + ": " + problem);
      continue;
    }
    source[s->name] = where;
  }
}

}  // namespace

Result<std::pair<std::string, uint16_t>> parse_listen(std::string_view text) {
  auto bad = [&](const std::string& why) -> Error {
    return make_error(ErrorCode::kInvalidInput,
                      "expected host:port (\"127.0.0.1:8080\", \"[::1]:8080\", \":8080\"), got " +
                          quoted(text) + why);
  };
  std::string host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find("]:");
    if (close == std::string_view::npos) return bad("");
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    if (host.find(':') == std::string::npos) return bad(": brackets are for IPv6 addresses");
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad(": the port is missing");
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return bad(": put an IPv6 address in brackets, as in [::1]:8080");
    if (host.empty()) host = "0.0.0.0";
  }
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '%' || c == '_';
    if (!ok) return bad(": the host has a character hosts don't have");
  }
  uint64_t n = 0;
  if (port.size() > 5 || !parse_uint(port, &n) || n > 65535)
    return bad(": the port must be a number from 0 to 65535");
  return std::pair<std::string, uint16_t>{host, static_cast<uint16_t>(n)};
}

Result<ServeConfig> resolve_config(const std::map<std::string, std::string>& flags,
                                   const std::map<std::string, std::string>& env,
                                   const std::string& config_file) {
  ServeConfig config;
  std::vector<std::string> errors;
  std::map<std::string_view, std::string> source;  // setting name -> where its value came from

  // Lowest precedence first, so each later source overwrites.
  if (!config_file.empty()) apply_file(config_file, config, source, errors);

  for (const Setting& s : settings()) {
    auto it = env.find(std::string(s.env));
    if (it == env.end()) continue;
    std::string problem = s.set(config, it->second);
    if (!problem.empty())
      errors.push_back(std::string(s.env) + ": " + problem);
    else
      source[s.name] = std::string(s.env);
  }

  for (const auto& [raw_name, value] : flags) {
    std::string_view name = raw_name;
    if (name.starts_with("--")) name.remove_prefix(2);
    if (name == "config") continue;  // the file itself, passed separately
    const Setting* s = find_setting(name);
    if (!s) {
      errors.push_back("--" + std::string(name) + ": unknown setting" + did_you_mean(name));
      continue;
    }
    std::string problem = s->set(config, value);
    if (!problem.empty())
      errors.push_back("--" + std::string(name) + ": " + problem);
    else
      source[s->name] = "--" + std::string(s->name);
  }

  if (errors.empty() && config.tls_cert.empty() != config.tls_key.empty()) {
    bool cert = !config.tls_cert.empty();
    errors.push_back(std::string(cert ? "tls-cert" : "tls-key") + " is set (by " +
                     source[cert ? "tls-cert" : "tls-key"] + ") but " +
                     (cert ? "tls-key" : "tls-cert") +
                     " is not: HTTPS needs both the certificate and its private key");
  }
  if (!errors.empty()) return make_error(ErrorCode::kInvalidInput, join(errors, "\n"));
  return config;
}

Result<ServerOptions> server_options(const ServeConfig& config) {
  auto listen = parse_listen(config.listen);
  if (!listen) return listen.error();
  ServerOptions o;
  o.host = listen->first;
  o.port = listen->second;
  o.threads = config.threads;
  o.tls_cert = config.tls_cert;
  o.tls_key = config.tls_key;
  o.header_limit = config.header_limit;
  o.body_limit = config.body_limit;
  o.read_timeout = std::chrono::seconds(config.read_timeout_s);
  o.idle_timeout = std::chrono::seconds(config.idle_timeout_s);
  o.shutdown_grace = std::chrono::seconds(config.shutdown_grace_s);
  o.max_connections = static_cast<size_t>(config.max_connections);
  return o;
}

}  // namespace ebcm::http
