// The server's application: the current model as an immutable snapshot behind an atomic
// pointer (readers never wait for writers), the one write path that turns an edit into a new
// revision, the route table, and the status page.
//
// Contract: every model change goes through App::commit(): under one write lock it applies the
// edit to the current snapshot's entities, rebuilds and validates the model (an invalid result
// is answered 422 with every problem and nothing is written), commits to the store with the
// snapshot's revision as the base (a concurrent writer elsewhere → 409), appends the audit
// entry, swaps the new snapshot in and re-renders the status page. Routes live in api_*.cpp,
// each adding its own to the Router.
// Thread safety: handle() is called concurrently from the server's threads; snapshots are
// immutable and shared; the store is used under its mutex, the audit trail through Auth's.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "http/auth.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "impact/compiled_graph.hpp"
#include "model/entities.hpp"
#include "model/model.hpp"
#include "store/accounts.hpp"
#include "store/store.hpp"

namespace ebcm::http {

class Metrics;
class StatusPage;

// One revision of the model, immutable once built.
class Snapshot {
 public:
  Snapshot(int64_t revision, std::vector<model::Entity> entities, model::Model model);
  int64_t revision() const { return revision_; }  // 0: the store is empty
  const std::vector<model::Entity>& entities() const { return entities_; }
  const model::Model& model() const { return model_; }
  // Position in entities() of (kind, id), if present.
  std::optional<size_t> find(model::EntityKind kind, std::string_view id) const;
  // Compiled on first use (once), shared by every reader of this snapshot.
  const impact::CompiledGraph& graph() const;

 private:
  int64_t revision_;
  std::vector<model::Entity> entities_;
  model::Model model_;
  std::array<std::unordered_map<std::string_view, size_t>, model::kEntityKindCount> index_;
  mutable std::once_flag graph_once_;
  mutable std::unique_ptr<impact::CompiledGraph> graph_;
};

// A strong ETag for a body: "\"<32 hex>\"" (BLAKE2b-128 of the bytes).
std::string etag_of(std::string_view body);
// W/"rev-N": the ETag of anything computed from a whole revision.
std::string revision_etag(int64_t revision);

struct AuditNote {
  std::string action;  // "functions_update", "model_import", ...
  std::string target;  // "functions/payroll", "model"
  // The entity whose body before and after the change the audit entry records, if one.
  std::optional<std::pair<model::EntityKind, std::string>> entity;
};

class App {
 public:
  ~App();
  // Opens the store and loads the head; the audit trail is reached through `auth`.
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

  std::shared_ptr<const Snapshot> snapshot() const { return std::atomic_load(&snapshot_); }
  // The edit gets the current snapshot and returns the whole new entity list (model order),
  // or an error response to send as is. The result: 200-style info on success, or the error
  // response (422 with diagnostics, 409, 500...).
  using Edit = std::function<std::variant<std::vector<model::Entity>, Response>(const Snapshot&)>;
  std::variant<store::RevisionInfo, Response> commit(const Context& ctx, const Edit& edit,
                                                     std::string message, AuditNote note);

  // The audit trail, through Auth's connection (without Auth, as in tests of the routes alone:
  // nothing is recorded and the trail reads empty). Model changes are not recorded here but
  // in their commit's transaction (commit()).
  void audit(const Context& ctx, store::AuditEntry entry);
  Result<std::vector<store::AuditEntry>> audit_log(const store::AuditFilter& filter);

  // Reads from the store under its lock (revisions, diff, export of old revisions).
  template <class Fn>
  auto with_store(Fn&& fn) {
    std::lock_guard lock(store_mutex_);
    struct Held {  // for store_ready(): since when the store has been in use
      std::atomic<int64_t>& since;
      ~Held() { since.store(0, std::memory_order_relaxed); }
    } held{store_since_ms_};
    store_since_ms_.store(steady_ms(), std::memory_order_relaxed);
    return fn(*store_);
  }
  // For /readyz, without waiting: when the store is free, whether it answers a read; when
  // someone is using it (a commit), ready unless that has lasted longer than `busy_limit_ms`.
  Result<void> store_ready(int64_t busy_limit_ms = 5000);

  Auth* auth() const { return auth_; }
  Metrics* metrics() const { return metrics_; }
  const Clock& clock() const { return clock_; }
  StatusPage& status() const { return *status_; }

 private:
  App(Auth* auth, Metrics* metrics, const Clock& clock);
  void set_snapshot(std::shared_ptr<const Snapshot> s);
  // The headers every answer carries, and a concealed error's body (see handle()).
  void finish(const Request& request, Response& r) const;

  Auth* auth_;
  Metrics* metrics_;
  const Clock& clock_;
  Router router_;
  std::unique_ptr<StatusPage> status_;

  std::shared_ptr<const Snapshot> snapshot_;  // atomic_load/atomic_store only
  std::mutex write_mutex_;                    // one writer at a time
  static int64_t steady_ms();
  std::mutex store_mutex_;
  std::atomic<int64_t> store_since_ms_{0};  // steady_ms() when with_store() took it, 0: free
  std::unique_ptr<store::Store> store_;
};

// Route groups (api_*.cpp).
void add_model_routes(App& app, Router& r);     // entities: list, get, create, update, delete
void add_revision_routes(App& app, Router& r);  // revisions, diff, export, import
void add_analysis_routes(App& app, Router& r);  // impact, scenarios, spof
void add_account_routes(App& app, Router& r);   // session, users, tokens, audit
void add_status_routes(App& app, Router& r);    // /status, /status.json, /api/v1/status
void add_ops_routes(App& app, Router& r);       // /healthz, /readyz, /metrics, openapi.json

}  // namespace ebcm::http
