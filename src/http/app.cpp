#include "http/app.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>

#include "core/log.hpp"
#include "core/strings.hpp"
#include "http/api_util.hpp"
#include "http/status_page.hpp"

namespace ebcm::http {

app::Actor actor_of(const Context& ctx) {
  app::Actor a;
  a.name = ctx.actor();
  a.remote = ctx.request.remote;
  if (ctx.who) {
    a.role = ctx.who->role;
    a.person = ctx.who->person;
  }
  return a;
}

std::string etag_of(std::string_view body) {
  unsigned char h[16];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(body.data()), body.size(),
                     nullptr, 0);
  char hex[33];
  sodium_bin2hex(hex, sizeof hex, h, sizeof h);
  return std::string("\"") + hex + "\"";
}

std::string revision_etag(int64_t revision) { return fmt::format("W/\"rev-{}\"", revision); }

App::App(Auth* auth, Metrics* metrics, const Clock& clock)
    : auth_(auth), metrics_(metrics), clock_(clock), router_(auth) {}

App::~App() = default;

Result<std::unique_ptr<App>> App::open(const std::string& db_url, Auth* auth, Metrics* metrics,
                                       const Clock& clock) {
  std::unique_ptr<App> app(new App(auth, metrics, clock));
  auto service = app::Service::open(db_url, auth, metrics, clock);
  if (!service) return service.error();
  app->service_ = std::move(*service);
  app->status_ = std::make_unique<StatusPage>(clock);
  app->service_->observe([page = app->status_.get()](app::ChangeKind, const Snapshot& snapshot,
                                                     const app::StatusDeclaration& declared) {
    page->render(snapshot, declared);
  });
  app->events_ = std::make_unique<app::EventHub>(*app->service_);
  // Without channels: the outbox, acknowledgements and links still work; sending does not.
  app->notifier_ = std::make_unique<app::Notifier>(*app->service_, notify::Settings{},
                                                   notify::Templates{}, notify::Transports{});
  add_model_routes(*app, app->router_);
  add_revision_routes(*app, app->router_);
  add_analysis_routes(*app, app->router_);
  add_account_routes(*app, app->router_);
  add_incident_routes(*app, app->router_);
  add_event_routes(*app, app->router_);
  add_notify_routes(*app, app->router_);
  add_status_routes(*app, app->router_);
  add_ops_routes(*app, app->router_);
  return app;
}

Response App::handle(Request& request) const {
  if (request.id.empty()) request.id = request_id_of(request);
  Response r = router_.dispatch(request);
  finish(request, r);
  return r;
}

std::optional<Response> App::check_head(const Request& head, size_t& body_limit) const {
  auto r = router_.check_head(head, body_limit);
  if (r) finish(head, *r);
  return r;
}

void App::finish(const Request& request, Response& r) const {
  if (r.conceal) {
    // The detail (SQL text, a path...) goes to the log under the request id; the client gets
    // the fixed sentence and the id to quote.
    log_event(Level::kError, "request_failed",
              {{"request_id", request.id},
               {"method", request.method},
               {"route", r.route},
               {"status", r.status},
               {"detail", r.log_note}});
    r.body = concealed_body(r.status, request.id);
    r.log_note = "concealed";
  }
  r.set("X-Request-Id", request.id);
  r.set("X-Content-Type-Options", "nosniff");
  const bool has_cache_control = std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
    return iequals(h.first, "Cache-Control");
  });
  if (!has_cache_control && request.path.rfind("/api/", 0) == 0) {
    r.set("Cache-Control", "private, no-cache");
  }
  if (r.content_type.rfind("text/html", 0) == 0) {
    r.set("Content-Security-Policy",
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
          "base-uri 'none'; form-action 'self'");
    r.set("Referrer-Policy", "no-referrer");
  }
}

bool App::answers_quickly(const Request& request) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  const std::string_view p = request.path;
  if (p == "/status" || p == "/status.json" || p == "/healthz" || p == "/readyz" ||
      p == "/metrics" || p == "/api/v1/openapi.json" || p == "/api/v1/session" ||
      p == "/api/v1/organization") {
    return true;
  }
  // /api/v1/{collection}/{id}: one entity from the snapshot.
  constexpr std::string_view kPrefix = "/api/v1/";
  if (p.substr(0, kPrefix.size()) != kPrefix) return false;
  const std::string_view rest = p.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  return slash != std::string_view::npos && rest.find('/', slash + 1) == std::string_view::npos &&
         kind_of_collection(rest.substr(0, slash)).has_value();
}

bool App::signs_in(const Request& request) {
  return request.method == "POST" && request.path == "/api/v1/session";
}

std::variant<store::RevisionInfo, Response> App::commit(const Context& ctx, const app::Edit& edit,
                                                        std::string message, AuditNote note) {
  auto info = service_->commit(actor_of(ctx), edit, std::move(message), std::move(note));
  if (!info) return error_response(info.error());
  return *info;
}

}  // namespace ebcm::http
