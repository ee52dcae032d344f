#include "http/app.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "core/strings.hpp"
#include "core/utf8.hpp"
#include "http/api_util.hpp"
#include "http/log.hpp"
#include "http/metrics.hpp"
#include "http/status_page.hpp"
#include "model/validate.hpp"

namespace ebcm::http {
namespace {

constexpr size_t kMaxMessageBytes = 1000;

// A revision message as anyone may send it (X-Ebcm-Message): UTF-8, no control characters,
// at most `limit` bytes, so that the history and the audit trail stay readable and valid JSON.
std::string plain_text(std::string_view text, size_t limit) {
  std::string out = repair_utf8(text.substr(0, limit));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

// The owner role's rule, checked on the change itself (the routes' ownership checks are the
// first line; this one holds whatever a route let through): an owner may change only the
// functions whose owner is their person, keeping them theirs, and the mitigations for those
// functions; nothing else, and no function removed. Returns why not, or nothing.
std::optional<std::string> owner_change_refused(const Snapshot& before,
                                                const std::vector<model::Entity>& after,
                                                const model::Model& next, const std::string& me) {
  using model::EntityKind;
  if (me.empty()) return "this owner account is tied to no person of the model";
  auto owner_of = [](const model::Model& m, std::string_view function) -> std::string_view {
    for (const auto& f : m.functions)
      if (f.id == function) return f.owner;
    return {};
  };
  auto allowed = [&](const model::Model& m, EntityKind kind, std::string_view id) {
    if (kind == EntityKind::kFunction) return owner_of(m, id) == me;
    if (kind != EntityKind::kMitigation) return false;
    for (const auto& x : m.mitigations)
      if (x.id == id) return !x.for_.target.empty() && owner_of(m, x.for_.target) == me;
    return false;
  };
  auto refuse = [&](EntityKind kind, std::string_view id) {
    return fmt::format("owners may change only the functions they own and their mitigations "
                       "(person '{}'); this change touches {} '{}'",
                       me, noun_of(kind), id);
  };
  size_t kept = 0;
  for (const auto& e : after) {
    const auto pos = before.find(e.kind, e.id);
    if (pos) ++kept;
    if (pos && before.entities()[*pos].body == e.body) continue;
    if ((pos && !allowed(before.model(), e.kind, e.id)) || !allowed(next, e.kind, e.id))
      return refuse(e.kind, e.id);
  }
  if (kept != before.entities().size()) {  // something was removed
    std::set<std::pair<EntityKind, std::string_view>> present;
    for (const auto& e : after) present.emplace(e.kind, e.id);
    for (const auto& e : before.entities()) {
      if (present.count({e.kind, e.id})) continue;
      if (e.kind != EntityKind::kMitigation || !allowed(before.model(), e.kind, e.id))
        return refuse(e.kind, e.id);
    }
  }
  return std::nullopt;
}

}  // namespace

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
    for (const store::Repair& r : app->store_->take_repairs()) {
      log_event(Level::kWarn, "store_repaired", {{"detail", store::describe(r)}});
    }
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
          "base-uri 'none'; form-action 'none'");
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
  if (ctx.who && ctx.who->role == store::Role::kOwner) {
    if (auto why = owner_change_refused(*snap, entities, *m, ctx.who->person))
      return error_response(403, "forbidden", *why);
  }
  store::CommitRequest req;
  req.author = ctx.actor();
  req.message = plain_text(message, kMaxMessageBytes);
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
