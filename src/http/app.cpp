#include "http/app.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>

#include "core/strings.hpp"
#include "http/api_util.hpp"
#include "http/log.hpp"
#include "http/metrics.hpp"
#include "http/status_page.hpp"
#include "model/validate.hpp"

namespace ebcm::http {

Snapshot::Snapshot(int64_t revision, std::vector<model::Entity> entities, model::Model model)
    : revision_(revision), entities_(std::move(entities)), model_(std::move(model)) {
  for (size_t i = 0; i < entities_.size(); ++i) {
    const auto& e = entities_[i];
    index_[static_cast<size_t>(e.kind)].emplace(e.id, i);
  }
}

std::optional<size_t> Snapshot::find(model::EntityKind kind, std::string_view id) const {
  const auto& m = index_[static_cast<size_t>(kind)];
  auto it = m.find(id);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

const impact::CompiledGraph& Snapshot::graph() const {
  std::call_once(graph_once_, [&] {
    graph_ = std::make_unique<impact::CompiledGraph>(impact::CompiledGraph::compile(model_));
  });
  return *graph_;
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
  if (sodium_init() < 0) return make_error(ErrorCode::kInternal, "libsodium failed to start");
  std::unique_ptr<App> app(new App(auth, metrics, clock));
  auto store = store::open_store(db_url);
  if (!store) return store.error();
  app->store_ = std::move(*store);

  auto head = app->store_->head();
  if (!head) return head.error();
  std::vector<model::Entity> entities;
  model::Model model;
  int64_t rev = 0;
  if (*head) {
    rev = (*head)->number;
    auto e = app->store_->entities(rev, {});
    if (!e) return e.error();
    auto m = model::from_entities(*e);
    if (!m) return m.error();
    entities = std::move(*e);
    model = std::move(*m);
  }
  app->status_ = std::make_unique<StatusPage>(clock);
  app->set_snapshot(std::make_shared<Snapshot>(rev, std::move(entities), std::move(model)));
  // The incident manager's last status survives a restart: it is the newest status entry of
  // the audit trail.
  {
    store::AuditFilter f;
    f.action = "status_update";
    f.limit = 0;
    auto entries = app->audit_log(f);
    if (entries && !entries->empty()) app->status_->restore(entries->back().after);
  }
  app->status_->render(*app->snapshot());

  add_model_routes(*app, app->router_);
  add_revision_routes(*app, app->router_);
  add_analysis_routes(*app, app->router_);
  add_account_routes(*app, app->router_);
  add_status_routes(*app, app->router_);
  add_ops_routes(*app, app->router_);
  return app;
}

Response App::handle(Request& request) const {
  Response r = router_.dispatch(request);
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
          "base-uri 'none'; form-action 'none'");
    r.set("Referrer-Policy", "no-referrer");
  }
  return r;
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

int64_t App::steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
             .count() +
         1;  // never 0, which means free
}

Result<void> App::store_ready(int64_t busy_limit_ms) {
  std::unique_lock lock(store_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) {
    const int64_t since = store_since_ms_.load(std::memory_order_relaxed);
    const int64_t busy = since == 0 ? 0 : steady_ms() - since;
    if (busy <= busy_limit_ms) return {};
    return make_error(ErrorCode::kStorage,
                      fmt::format("one operation has held the store for {} ms", busy));
  }
  auto head = store_->head();
  if (!head) return head.error();
  return {};
}

void App::set_snapshot(std::shared_ptr<const Snapshot> s) {
  std::atomic_store(&snapshot_, std::move(s));
}

std::variant<store::RevisionInfo, Response> App::commit(const Context& ctx, const Edit& edit,
                                                        std::string message, AuditNote note) {
  std::lock_guard write(write_mutex_);
  auto snap = snapshot();
  auto edited = edit(*snap);
  if (auto* r = std::get_if<Response>(&edited)) return std::move(*r);
  auto& entities = std::get<std::vector<model::Entity>>(edited);

  auto m = model::from_entities(entities, snap->model(), snap->entities());
  if (!m) return error_response(m.error());
  model::Diagnostics diags;
  model::validate(*m, diags);
  if (diags.has_errors()) {
    return invalid_model_response("the change would make the model invalid; nothing was written",
                                  diags);
  }
  store::CommitRequest req;
  req.author = ctx.actor();
  req.message = std::move(message);
  req.time_ms = clock_.now_ms();
  req.base_revision = snap->revision();
  // The audit entry goes into the same transaction as the revision.
  store::AuditEntry& a = req.audit.emplace();
  a.time_ms = req.time_ms;
  a.actor = req.author;
  a.remote = ctx.request.remote;
  a.action = std::move(note.action);
  a.target = std::move(note.target);
  a.detail = req.message;
  if (note.entity) {
    const auto& [kind, id] = *note.entity;
    if (auto pos = snap->find(kind, id)) a.before = snap->entities()[*pos].body;
    for (const auto& e : entities) {
      if (e.kind == kind && e.id == id) a.after = e.body;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto info = with_store([&](store::Store& s) { return s.commit(entities, req, {}); });
  if (metrics_) {
    metrics_->observe_store(
        "commit", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  if (!info) {
    if (info.error().code == ErrorCode::kConflict) {
      return error_response(409, "conflict", info.error().message);
    }
    return error_response(info.error());
  }
  if (info->number != snap->revision()) {
    auto next = std::make_shared<Snapshot>(info->number, std::move(entities), std::move(*m));
    set_snapshot(next);
    status_->render(*next);
  }
  return *info;
}

void App::audit(const Context& ctx, store::AuditEntry entry) {
  entry.time_ms = clock_.now_ms();
  entry.actor = ctx.actor();
  entry.remote = ctx.request.remote;
  if (!auth_) return;
  const std::string action = entry.action, target = entry.target;
  if (auto r = auth_->record(std::move(entry)); !r) {
    log_event(Level::kError, "audit_append_failed",
              {{"action", action}, {"target", target}, {"error", r.error().message}});
  }
}

Result<std::vector<store::AuditEntry>> App::audit_log(const store::AuditFilter& filter) {
  if (!auth_) return std::vector<store::AuditEntry>{};
  return auth_->audit(filter);
}

}  // namespace ebcm::http
