// serve: the HTTP API, sign-in, the status page (src/http/).
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "app/auth.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/app.hpp"
#include "app/poller.hpp"
#include "cli/service_access.hpp"
#include "http/config.hpp"
#include "http/server.hpp"

extern char** environ;

namespace ebcm::cli {
namespace {

struct ServeOptions {
  std::map<std::string, std::string> flags;
  std::string config;
};

std::map<std::string, std::string> environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("EBCM_", 0) != 0) continue;
    const auto eq = kv.find('=');
    if (eq != std::string_view::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return env;
}

// The first admin: created with a random password, printed once, when there is no account.
Result<void> bootstrap_admin(app::Auth& auth) {
  auto users = auth.users();
  if (!users) return users.error();
  if (!users->empty()) return {};
  const std::string password = app::random_password();
  auto u = auth.add_user("admin", store::Role::kAdmin, password, "", "serve:bootstrap");
  if (!u) return u.error();
  std::cout << fmt::format(
                   "No account existed: created the first admin.\n  user: admin\n  password: {}  "
                   "(shown once; change it with `ebcm user password admin`)\n",
                   password)
            << std::flush;
  return {};
}

int run_serve(const ServeOptions& o) {
  auto config = http::resolve_config(o.flags, environment(), o.config);
  if (!config) return report(config.error());
  auto options = http::server_options(*config);
  if (!options) return report(options.error());
  init_logging(config->log_level);
  // The health sources of the same file (bad settings stop the start, exit 2).
  health::Settings health_settings;
  notify::Settings notify_settings;
  if (!o.config.empty()) {
    auto hs = load_health_settings(o.config);
    if (!hs) return report(hs.error());
    health_settings = std::move(*hs);
    auto ns = load_notify_settings(o.config);
    if (!ns) return report(ns.error());
    notify_settings = std::move(*ns);
  }

  // An SQLite file is created (with its schema) when missing: serving an empty model is fine.
  auto accounts = store::Accounts::open(config->db);
  if (!accounts) return report(accounts.error());
  static SystemClock clock;
  auto auth = app::Auth::create(std::shared_ptr<store::Accounts>(std::move(*accounts)), clock);
  if (auto b = bootstrap_admin(*auth); !b) return report(b.error());
  Metrics metrics;
  auto app = http::App::open(config->db, auth.get(), &metrics, clock);
  if (!app) return report(app.error());
  // Revisions committed by others (`ebcm import` into the same database, another instance)
  // are served within a second.
  (*app)->service().watch(std::chrono::milliseconds(250));
  std::unique_ptr<app::Poller> poller;
  if (!health_settings.sources.empty()) {
    auto sources = make_sources(health_settings, clock);
    if (!sources) return report(sources.error());
    // Named by the listen address: restarted after a crash, it takes its own lease back at
    // once instead of waiting for it to lapse (any free port: a name of its own).
    const std::string instance =
        options->port ? fmt::format("{}:{}", options->host, options->port) : "";
    poller = std::make_unique<app::Poller>((*app)->service(), std::move(*sources),
                                           health_settings.interval_ms, instance);
    poller->start();
  }
  // The notifier delivers the outbox and runs the escalation deadlines (every instance on the
  // database shares the work through the store's queues).
  if (notify_settings.any_channel()) {
    auto templates = notify::Templates::load(notify_settings.templates);
    if (!templates) return report(templates.error());
    auto n = app::Notifier::create((*app)->service(), std::move(notify_settings), std::move(*templates));
    if (!n) return report(n.error());
    (*app)->set_notifier(std::move(*n));
    (*app)->notifier().start(options->port ? fmt::format("{}:{}", options->host, options->port) : "");
  }
  options->inline_if = &http::App::answers_quickly;
  options->on_head = [&app](const http::Request& head, size_t& body_limit) {
    return (*app)->check_head(head, body_limit);
  };
  options->isolate_if = &http::App::signs_in;
  auto server = http::Server::start(
      *options, [&](http::Request& r) { return (*app)->handle(r); }, &metrics);
  if (!server) return report(server.error());
  const bool tls = !config->tls_cert.empty();
  std::cout << fmt::format("ebcm serving {}://{}:{}/ (model revision {}; status page at /status)\n",
                           tls ? "https" : "http", options->host, (*server)->port(),
                           (*app)->snapshot()->revision())
            << std::flush;
  log_event(Level::kInfo, "serve_start",
                  {{"listen", fmt::format("{}:{}", options->host, (*server)->port())},
                   {"revision", std::to_string((*app)->snapshot()->revision())}});
  (*server)->wait();
  if (poller) poller->stop();
  (*app)->notifier().stop();
  log_event(Level::kInfo, "serve_stop", {});
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& root, Commands& out) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = root.add_subcommand("serve", "Serve the HTTP API, sign-in and the status page");
  for (const auto& [name, type, help] :
       std::initializer_list<std::tuple<const char*, const char*, const char*>>{
           {"db", "URL", "the store (default ebcm.db; created when missing)"},
           {"listen", "HOST:PORT", "where to listen (default 127.0.0.1:8080)"},
           {"tls-cert", "FILE", "serve HTTPS with this certificate (PEM; with --tls-key)"},
           {"tls-key", "FILE", "the certificate's private key (PEM)"},
           {"threads", "N", "threads serving requests (default: one per core)"},
           {"log-level", "LEVEL", "trace, debug, info (default), warn, error or off"},
           {"body-limit", "BYTES", "largest request body (default 64M)"},
           {"header-limit", "BYTES", "largest request header (default 16K; 1K to 1M)"},
           {"read-timeout", "SECONDS", "to receive a whole request (default 30)"},
           {"idle-timeout", "SECONDS",
            "keep-alive connections idle this long are closed (default 75)"},
           {"max-connections", "N",
            "open connections beyond this are answered 503 (default 4096)"},
           {"shutdown-grace", "SECONDS",
            "on SIGTERM/SIGINT, how long requests in flight may finish (default 10)"},
       }) {
    std::string key = name;
    cmd->add_option_function<std::string>(
           std::string("--") + name, [o, key](const std::string& v) { o->flags[key] = v; }, help)
        ->type_name(type);
  }
  cmd->add_option("--config", o->config, "a YAML file of the same settings")->type_name("FILE");
  set_help(*cmd,
           {.usage = "ebcm serve [--db URL] [--listen HOST:PORT] [--config FILE] [--tls-cert FILE "
                     "--tls-key FILE]",
            .details = "Serves the JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json), "
                       "sign-in with roles, the audit trail, the public status page at /status "
                       "and /status.json, and /healthz, /readyz, /metrics. Settings come from "
                       "the flags, else the environment (EBCM_DB, EBCM_LISTEN, ...), else the "
                       "config file. When the store has no account yet, an admin is created and "
                       "its password printed once. SIGTERM or SIGINT stops it gracefully: no new "
                       "connections, requests in flight finish.",
            .examples = {{"ebcm serve", "the model in ./ebcm.db on 127.0.0.1:8080"},
                         {"ebcm serve --db /var/lib/ebcm/ebcm.db --listen :8443 --tls-cert "
                          "cert.pem --tls-key key.pem",
                          "HTTPS on every interface"}},
            .exit_statuses = {{0, "stopped by a signal, after finishing the requests in flight"},
                              {2, "bad settings (named with where they came from)"},
                              {3, "the store could not be opened, or the address is in use"}}});
  out.push_back({cmd, [o] { return run_serve(*o); }});
}

}  // namespace ebcm::cli
