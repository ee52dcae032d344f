// The server's application: a thin adapter over app::Service (the snapshot, the one write
// path, the live state, the audit trail) — the route table, the status page, and the mapping of
// the layer's errors to HTTP answers (kInvalidInput with details → 422, kConflict → 409, kStale →
// 412, ...). Routes live in api_*.cpp, each adding its own to the Router.
// Thread safety: handle() is called concurrently from the server's threads; see app::Service.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "app/events.hpp"
#include "app/notifier.hpp"
#include "app/service.hpp"
#include "app/snapshot.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "http/message.hpp"
#include "http/request_auth.hpp"
#include "http/router.hpp"
#include "model/entities.hpp"
#include "store/store.hpp"

namespace ebcm::http {

class StatusPage;
using app::AuditNote;
using app::Snapshot;

// A strong ETag for a body: "\"<32 hex>\"" (BLAKE2b-128 of the bytes).
std::string etag_of(std::string_view body);
// W/"rev-N": the ETag of anything computed from a whole revision.
std::string revision_etag(int64_t revision);

// The actor of a request: its account (or "anonymous"), role, person and address.
app::Actor actor_of(const Context& ctx);

class App {
 public:
  ~App();
  // Opens the application over the store at `db_url` (see app::Service::open) and renders
  // the status page on every change of the model or of the declaration.
  static Result<std::unique_ptr<App>> open(const std::string& db_url, Auth* auth, Metrics* metrics,
                                           const Clock& clock);
  // Routes the request, then adds the headers every answer carries: X-Content-Type-Options:
  // nosniff everywhere; on /api/ answers without their own, Cache-Control: private, no-cache
  // (no shared cache keeps what an account may read; clients revalidate with the ETag); on
  // HTML, a Content-Security-Policy allowing nothing but its own inline style, no framing.
  Response handle(Request& request) const;
  // For ServerOptions::on_head: the router's check of the head alone (unknown route, no
  // access, the route's body limit), the answer finished as handle() finishes it.
  std::optional<Response> check_head(const Request& head, size_t& body_limit) const;
  // Whether a request is answered in microseconds, from memory (the status page, health, one
  // entity): what the server may run on its I/O threads rather than its workers.
  // /readyz is among them: it never waits for the store's lock (store_ready()).
  static bool answers_quickly(const Request& request);
  // Whether a request is a sign-in (argon2id, a tenth of a second or more by design): what the
  // server runs on a small bounded pool of its own (ServerOptions::isolate_if).
  static bool signs_in(const Request& request);
  const Router& router() const { return router_; }

  app::Service& service() const { return *service_; }
  std::shared_ptr<const Snapshot> snapshot() const { return service_->snapshot(); }
  // app::Service::commit() with the request's actor; its error as the answer to send.
  std::variant<store::RevisionInfo, Response> commit(const Context& ctx, const app::Edit& edit,
                                                     std::string message, AuditNote note);
  void audit(const Context& ctx, store::AuditEntry entry) {
    service_->audit(actor_of(ctx), std::move(entry));
  }
  Result<std::vector<store::AuditEntry>> audit_log(const store::AuditFilter& filter) {
    return service_->audit_log(filter);
  }
  template <class Fn>
  auto with_store(Fn&& fn) {
    return service_->with_store(std::forward<Fn>(fn));
  }
  // For /readyz, without waiting (app::Service::store_ready).
  Result<void> store_ready(int64_t busy_limit_ms = 5000) {
    return service_->store_ready(busy_limit_ms);
  }

  Auth* auth() const { return auth_; }
  Metrics* metrics() const { return metrics_; }
  const Clock& clock() const { return clock_; }
  StatusPage& status() const { return *status_; }
  app::EventHub& events() const { return *events_; }
  // The notifier: one with the channels of ebcm serve's notify: section, set before serving;
  // until then one without (sending answers 409 saying so; the outbox and acknowledgements
  // work).
  void set_notifier(std::unique_ptr<app::Notifier> n) { notifier_ = std::move(n); }
  app::Notifier& notifier() const { return *notifier_; }

 private:
  App(Auth* auth, Metrics* metrics, const Clock& clock);
  // The headers every answer carries, and a concealed error's body (see handle()).
  void finish(const Request& request, Response& r) const;

  Auth* auth_;
  Metrics* metrics_;
  const Clock& clock_;
  Router router_;
  std::unique_ptr<StatusPage> status_;
  std::unique_ptr<app::Service> service_;
  std::unique_ptr<app::EventHub> events_;  // after service_: observes it, gone before it
  std::unique_ptr<app::Notifier> notifier_;  // after service_: uses it, gone before it
};

// Route groups (api_*.cpp).
void add_model_routes(App& app, Router& r);     // entities: list, get, create, update, delete
void add_revision_routes(App& app, Router& r);  // revisions, diff, export, import
void add_analysis_routes(App& app, Router& r);  // impact, scenarios, spof
void add_account_routes(App& app, Router& r);   // session, users, tokens, audit
void add_incident_routes(App& app, Router& r);  // incidents, health, live impact, changes
void add_event_routes(App& app, Router& r);     // /api/v1/events (Server-Sent Events)
void add_notify_routes(App& app, Router& r);    // notifications, acknowledgements, inbound
void add_status_routes(App& app, Router& r);    // /status, /status.json, /api/v1/status
void add_ops_routes(App& app, Router& r);       // /healthz, /readyz, /metrics, openapi.json

}  // namespace ebcm::http
