// The settings of `ebcm serve`, resolved from flags, the environment and a YAML config file.
//
// Contract: a setting given as a flag wins over the environment (EBCM_<NAME>, the flag's name in
// upper case with '_' for '-'), which wins over the config file (the flag's name as the key:
// `listen: 127.0.0.1:8080`, `tls-cert: /etc/ebcm/cert.pem`), which wins over the defaults below.
// Every problem names where the value came from: "--threads: ...", "EBCM_THREADS: ...",
// "serve.yaml:3: threads: ...". An unknown key in the file is an error with a "did you mean";
// unknown EBCM_* variables are ignored (other parts of ebcm read some).
// Thread safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "core/result.hpp"
#include "http/server.hpp"

namespace ebcm::http {

struct ServeConfig {
  std::string db = "ebcm.db";             // db, EBCM_DB
  std::string listen = "127.0.0.1:8080";  // listen, EBCM_LISTEN
  std::string tls_cert, tls_key;          // tls-cert, tls-key: both or neither
  int threads = 0;                        // threads: 0 = one per core
  std::string log_level = "info";         // log-level: trace|debug|info|warn|error|off
  size_t body_limit = 64 * 1024 * 1024;   // body-limit: bytes, or with K/M/G (KiB/MiB/GiB)
  size_t header_limit = 16 * 1024;        // header-limit
  int read_timeout_s = 30;                // read-timeout: seconds ("30" or "30s", "2m")
  int idle_timeout_s = 75;                // idle-timeout
  int shutdown_grace_s = 10;              // shutdown-grace
  int max_connections = 4096;             // max-connections: then 503
};

// `flags` and `env` map names to values: flags by the flag's name with or without the leading
// "--" ("listen", "--tls-cert"), env by variable name (the whole environment may be passed).
// `config_file` "" means none; a named file that cannot be read is an error.
Result<ServeConfig> resolve_config(const std::map<std::string, std::string>& flags,
                                   const std::map<std::string, std::string>& env,
                                   const std::string& config_file);

// "host:port", "[v6 address]:port" or ":port" (every IPv4 interface, host "0.0.0.0"). The port
// is 0..65535 (0: any free port).
Result<std::pair<std::string, uint16_t>> parse_listen(std::string_view text);

// The server's options from a resolved config (handle_signals left at its default).
Result<ServerOptions> server_options(const ServeConfig& config);

}  // namespace ebcm::http
