#include "app/service.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <set>

#include "app/ownership.hpp"
#include "core/log.hpp"
#include "core/utf8.hpp"
#include "model/edit.hpp"
#include "model/validate.hpp"
#include "store/backend.hpp"

namespace ebcm::app {
namespace {

constexpr size_t kMaxMessageBytes = 1000;

// A revision message as anyone may send it: UTF-8, no control characters, at most `limit`
// bytes, so that the history and the audit trail stay readable and valid JSON.
std::string plain_text(std::string_view text, size_t limit) {
  std::string out = repair_utf8(text.substr(0, limit));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

// `after` as the changes from `before`'s entities, if that is what it is: the kept entities in
// their order, new ones where commit_changes() puts them (after the last of their kind).
std::optional<store::ChangeSet> change_set(const Snapshot& before,
                                           const std::vector<model::Entity>& after) {
  store::ChangeSet changes;
  size_t kept = 0;
  int64_t last = -1;  // the place in `before` of the previous kept entity
  for (size_t i = 0; i < after.size(); ++i) {
    const model::Entity& e = after[i];
    if (auto pos = before.find(e.kind, e.id)) {
      if (static_cast<int64_t>(*pos) <= last) return std::nullopt;  // moved
      last = static_cast<int64_t>(*pos);
      ++kept;
      if (before.entities()[*pos].body != e.body) changes.put.push_back(e);
      continue;
    }
    // New: only after the last of its kind, before the next kind.
    if (i > 0 && after[i - 1].kind > e.kind) return std::nullopt;
    if (i + 1 < after.size()) {
      const model::Entity& next = after[i + 1];
      if (next.kind < e.kind) return std::nullopt;
      if (next.kind == e.kind && before.find(next.kind, next.id)) return std::nullopt;
    }
    changes.put.push_back(e);
  }
  // A change of most of the model (an import) is cheaper as a whole-model commit.
  if (changes.put.size() > 64 && changes.put.size() * 4 > after.size()) return std::nullopt;
  if (kept != before.entities().size()) {
    std::set<std::pair<model::EntityKind, std::string_view>> present;
    for (const auto& e : after) present.emplace(e.kind, e.id);
    for (const auto& e : before.entities())
      if (!present.count({e.kind, e.id})) changes.remove.push_back({e.kind, e.id});
  }
  return changes;
}

}  // namespace

Service::Service(Auth* auth, Metrics* metrics, const Clock& clock)
    : auth_(auth), metrics_(metrics), clock_(clock) {}

Service::~Service() {
  {
    std::lock_guard lock(watch_mutex_);
    stopping_ = true;
  }
  watch_cv_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

Result<std::unique_ptr<Service>> Service::open(const std::string& db_url, Auth* auth,
                                               Metrics* metrics, const Clock& clock) {
  if (sodium_init() < 0) return make_error(ErrorCode::kInternal, "libsodium failed to start");
  std::unique_ptr<Service> s(new Service(auth, metrics, clock));
  auto backend = store::open_backend(db_url);
  if (!backend) return backend.error();
  s->store_ = std::move(backend->store);
  s->live_ = std::move(backend->live);
  s->snapshot_.store(std::make_shared<Snapshot>(0, std::vector<model::Entity>{}, model::Model{}));
  std::lock_guard write(s->write_mutex_);
  if (auto r = s->refresh_locked(); !r) return r.error();
  return s;
}

Result<std::shared_ptr<const Snapshot>> Service::load_revision(int64_t revision) {
  auto e = with_store([&](store::Store& st) { return st.entities(revision, {}); });
  if (!e) return e.error();
  for (const store::Repair& r : with_store([](store::Store& st) { return st.take_repairs(); })) {
    log_event(Level::kWarn, "store_repaired", {{"detail", store::describe(r)}});
  }
  auto m = model::from_entities(*e);
  if (!m) return m.error();
  return std::shared_ptr<const Snapshot>(
      std::make_shared<Snapshot>(revision, std::move(*e), std::move(*m)));
}

Result<bool> Service::refresh() {
  std::lock_guard write(write_mutex_);
  return refresh_locked();
}

Result<bool> Service::refresh_locked() {
  auto store_mark = with_store([](store::Store& st) { return st.change_mark(); });
  if (!store_mark) return store_mark.error();
  auto live_mark = live_->change_mark();
  if (!live_mark) return live_mark.error();
  if (*store_mark == store_mark_ && *live_mark == live_mark_) return false;  // nothing new

  bool model_changed = false, status_changed = false;
  auto head = with_store([](store::Store& st) { return st.head(); });
  if (!head) return head.error();
  const int64_t rev = *head ? (*head)->number : 0;
  if (rev != snapshot()->revision()) {
    auto next = load_revision(rev);
    if (!next) return next.error();
    snapshot_.store(std::move(*next));
    model_changed = true;
  }
  // Today's declaration, if another process (or instance) made one since ours.
  auto stored = live_->get("status");
  if (!stored) return stored.error();
  if (*stored && (*stored)->version != status_version_) {
    if (auto d = status_from_json((*stored)->json)) {
      status_changed = *d != status_;
      status_ = std::move(*d);
    }
    status_version_ = (*stored)->version;
  } else if (!*stored && status_version_ == 0 && store_mark_ == -1 && auth_) {
    // A database from before the live state had a table: its last declaration is the newest
    // status entry of the audit trail.
    store::AuditFilter f;
    f.action = "status_update";
    f.limit = 0;
    auto entries = auth_->audit(f);
    if (entries && !entries->empty()) {
      if (auto d = status_from_json(entries->back().after)) {
        status_ = std::move(*d);
        status_changed = true;
      }
    }
  }
  // The incidents and the sources' states, when the live state changed at all.
  if (*live_mark != live_mark_) {
    auto incidents = load_incidents_locked();
    if (!incidents) return incidents.error();
    status_changed = status_changed || *incidents;
  }
  store_mark_ = *store_mark;
  live_mark_ = *live_mark;
  if (model_changed) notify_locked(ChangeKind::kSnapshot);
  else if (status_changed) notify_locked(ChangeKind::kLiveState);
  return model_changed || status_changed;
}

void Service::watch(std::chrono::milliseconds interval) {
  if (watcher_.joinable()) return;
  watcher_ = std::thread([this, interval] {
    std::unique_lock lock(watch_mutex_);
    while (!watch_cv_.wait_for(lock, interval, [&] { return stopping_; })) {
      lock.unlock();
      if (auto r = refresh(); !r) {
        log_event(Level::kWarn, "store_refresh_failed", {{"error", r.error().message}});
      }
      lock.lock();
    }
  });
}

void Service::notify_locked(ChangeKind kind) {
  auto snap = snapshot();
  const StatusDeclaration effective = effective_locked();
  for (const auto& o : observers_) o(kind, *snap, effective);
}

void Service::observe(Observer observer) {
  std::lock_guard write(write_mutex_);
  observer(ChangeKind::kSnapshot, *snapshot(), effective_locked());
  observers_.push_back(std::move(observer));
}

Result<store::RevisionInfo> Service::commit(const Actor& actor, const Edit& edit,
                                            std::string message, AuditNote note) {
  std::lock_guard write(write_mutex_);
  // Another process may have committed: edit what is there now, not a stale copy.
  if (auto r = refresh_locked(); !r) return r.error();
  auto snap = snapshot();
  auto edited = edit(*snap);
  if (!edited) return edited.error();
  auto& entities = *edited;

  auto m = model::from_entities(entities, snap->model(), snap->entities());
  if (!m) return m.error();
  model::Diagnostics diags;
  model::validate(*m, diags);
  if (diags.has_errors()) {
    return model::invalid_model("the change would make the model invalid; nothing was written",
                                diags);
  }
  if (actor.role == store::Role::kOwner) {
    if (auto why = owner_change_refused(*snap, entities, *m, actor.person))
      return make_error(ErrorCode::kForbidden, *why);
  }
  store::CommitRequest req;
  req.author = actor.name;
  req.message = plain_text(message, kMaxMessageBytes);
  req.time_ms = clock_.now_ms();
  req.base_revision = snap->revision();
  // The audit entry goes into the same transaction as the revision.
  store::AuditEntry& a = req.audit.emplace();
  a.time_ms = req.time_ms;
  a.actor = req.author;
  a.remote = actor.remote;
  a.action = std::move(note.action);
  a.target = std::move(note.target);
  a.detail = req.message;
  if (note.entity) {
    const auto& [kind, id] = *note.entity;
    if (const auto* e = snap->entity(kind, id)) a.before = e->body;
    for (const auto& e : entities) {
      if (e.kind == kind && e.id == id) a.after = e.body;
    }
  }
  // An edit of a few entities is committed as just those (O(changed) in the store); an edit
  // that reorders (an import) as the whole model.
  std::optional<store::ChangeSet> changes = change_set(*snap, entities);
  const auto t0 = std::chrono::steady_clock::now();
  auto info = with_store([&](store::Store& s) {
    return changes ? s.commit_changes(*changes, req) : s.commit(entities, req, {});
  });
  if (metrics_) {
    metrics_->observe_store(
        "commit", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  if (!info) return info.error();
  if (info->number != snap->revision()) {
    snapshot_.store(std::make_shared<Snapshot>(info->number, std::move(entities), std::move(*m)));
    notify_locked(ChangeKind::kSnapshot);
  }
  return *info;
}

StatusDeclaration Service::status() const {
  std::lock_guard write(write_mutex_);
  return status_;
}

Result<StatusDeclaration> Service::declare_status(const Actor& actor, StatusDeclaration d) {
  std::lock_guard write(write_mutex_);
  if (auto r = refresh_locked(); !r) return r.error();
  if (auto r = check_declaration(*snapshot(), d); !r) return r.error();
  d.updated_ms = clock_.now_ms();
  d.updated_by = actor.name;
  d.started_ms = disruption_start(status_, d);
  store::AuditEntry a;  // in the same transaction as the value
  a.time_ms = d.updated_ms;
  a.actor = actor.name;
  a.remote = actor.remote;
  a.action = "status_update";
  a.target = "status";
  const std::string json = to_json(d);
  a.after = json;
  a.detail = "status page updated";
  auto kept = live_->put("status", json, d.updated_ms, actor.name, status_version_, std::move(a));
  if (!kept) return kept.error();
  status_version_ = kept->version;
  status_ = d;
  notify_locked(ChangeKind::kLiveState);
  return d;
}

void Service::audit(const Actor& actor, store::AuditEntry entry) {
  entry.time_ms = clock_.now_ms();
  entry.actor = actor.name;
  entry.remote = actor.remote;
  if (!auth_) return;
  const std::string action = entry.action, target = entry.target;
  if (auto r = auth_->record(std::move(entry)); !r) {
    log_event(Level::kError, "audit_append_failed",
              {{"action", action}, {"target", target}, {"error", r.error().message}});
  }
}

Result<std::vector<store::AuditEntry>> Service::audit_log(const store::AuditFilter& filter) {
  if (!auth_) return std::vector<store::AuditEntry>{};
  return auth_->audit(filter);
}

int64_t Service::steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
             .count() +
         1;  // never 0, which means free
}

Result<void> Service::store_ready(int64_t busy_limit_ms) {
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

}  // namespace ebcm::app
