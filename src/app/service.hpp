// The application: what ebcm is while it runs, below any protocol. It owns the current model as
// an immutable snapshot (readers never wait for writers), the one write path that turns an edit
// into a new revision, the live state (today's status declaration), and reaches the accounts and
// the audit trail through Auth. http/ is a thin adapter over it; later the health poller and the
// notifier are others.
//
// Contract: every model change goes through commit(): under one write lock it first catches up
// with revisions others committed (refresh), applies the edit to the current snapshot, rebuilds
// and validates the model (invalid → kInvalidInput with every problem in the Error's details,
// nothing written), enforces the owner rule for owners (kForbidden), commits with the snapshot's
// revision as the base (a concurrent writer elsewhere → kConflict) with its audit entry in the
// same transaction, swaps the new snapshot in, and calls the observers. declare_status() does
// the same for the live state. refresh() (also run every `watch` interval by watch()) loads what
// another process committed, so a server sees `ebcm import` within a second.
// Thread safety: every member may be called from any thread; observers are called one at a time,
// in the order of the changes, from the thread that made the change (or the watcher).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app/auth.hpp"
#include "app/incidents.hpp"
#include "app/live_impact.hpp"
#include "app/live_state.hpp"
#include "app/snapshot.hpp"
#include "core/clock.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "model/entities.hpp"
#include "notify/audience.hpp"
#include "store/accounts.hpp"
#include "store/live.hpp"
#include "store/store.hpp"

namespace ebcm::app {

// Who makes a change, and from where.
struct Actor {
  std::string name;    // an account name, "cli:<os user>", "anonymous"
  std::string remote;  // a client address, "cli", ""
  std::optional<store::Role> role;  // nullopt: no account (the machine itself, tests)
  std::string person;               // the account's person (owners: whose functions)
};

struct AuditNote {
  std::string action;  // "functions_update", "model_import", ...
  std::string target;  // "functions/payroll", "model"
  // The entity whose body before and after the change the audit entry records, if one.
  std::optional<std::pair<model::EntityKind, std::string>> entity;
};

// An edit: from the current snapshot, the whole new entity list (model order), or why not
// (kNotFound, kExists, kStale, kInvalidInput with details...), passed on as is.
using Edit = std::function<Result<std::vector<model::Entity>>(const Snapshot&)>;

// A new incident, declared by hand.
struct IncidentDeclaration {
  std::string title, message, owner;
  impact::DisruptionQuery disruption;     // what it disrupts; must name something
  std::optional<int64_t> next_update_ms;  // default: now + the cadence
  // How the caller names the disruption's fields in errors: "" (a request body's "down"),
  // "--" (the command line's --down).
  std::string field_prefix;
};

// A change to an incident: only what is given changes; `message` goes to the timeline.
struct IncidentUpdate {
  std::string message;
  std::optional<std::string> title, owner;
  std::optional<int64_t> next_update_ms;
  std::optional<impact::DisruptionQuery> disruption;  // declared incidents only
  std::optional<Review> review;
  std::string field_prefix;  // as IncidentDeclaration's
};

// What one poll of a source changed: an incident opened, changed or resolved.
struct IncidentChange {
  std::string id, what;  // "opened", "changed", "resolved"
  std::string title;
};

enum class ChangeKind { kSnapshot, kLiveState };
// Called after each change with the state after it.
using Observer =
    std::function<void(ChangeKind, const Snapshot&, const StatusDeclaration&)>;

class Service {
 public:
  ~Service();
  // Opens the store at `db_url`, loads the head and the live state. `auth` (may be null, as in
  // tests of the routes alone: nothing is audited outside commits and the trail reads empty)
  // and `metrics` (may be null) must outlive the Service.
  static Result<std::unique_ptr<Service>> open(const std::string& db_url, Auth* auth,
                                               Metrics* metrics, const Clock& clock);

  std::shared_ptr<const Snapshot> snapshot() const { return snapshot_.load(); }
  Result<store::RevisionInfo> commit(const Actor& actor, const Edit& edit, std::string message,
                                     AuditNote note);

  StatusDeclaration status() const;
  // Checks `d` against the model (unknown ids → an error naming them), stamps it (updated, by), keeps
  // it with its audit entry, and tells the observers. Returns it as kept.
  Result<StatusDeclaration> declare_status(const Actor& actor, StatusDeclaration d);

  // --- incidents (service_incidents.cpp) ---
  // Every incident, by id; the sources' states, by provider.
  std::vector<Incident> incidents() const;
  std::vector<SourceState> sources() const;
  Result<Incident> incident(std::string_view id) const;  // kNotFound naming it
  // The hand-declared disruption as the status page shows it merged with every active
  // incident (the live disruption; effective_status()).
  StatusDeclaration effective_status() const;
  LiveImpact live_impact() const;
  Result<Incident> declare_incident(const Actor& actor, IncidentDeclaration d);
  Result<Incident> update_incident(const Actor& actor, std::string_view id, IncidentUpdate u);
  Result<Incident> resolve_incident(const Actor& actor, std::string_view id, std::string message);
  // The poller's write: one read of `provider`'s feed, or why it failed. A reading syncs every
  // issue it carries onto its incident (full: an active incident the feed no longer lists is
  // resolved), keeps the source's services, changes and cursor; a failure keeps all of that
  // and marks the source unknown since the first failure. One transaction. Returns what changed.
  Result<std::vector<IncidentChange>> record_reading(std::string_view provider,
                                                     const Result<health::Reading>& reading);
  // Who the incident tells: notify::select_audience() on the report of the incident's own
  // disruption, open-ended (the same audience while it lasts and for its all-clear).
  Result<notify::Audience> notification_preview(std::string_view id, bool widen) const;
  // Adds `text` to the incident's timeline as `kind` ("notification", "acknowledged") with its
  // audit entry (`action`), without counting as an update (the cadence stays).
  Result<Incident> note_incident(const Actor& actor, std::string_view id, std::string kind,
                                 std::string text, std::string action);
  // The live store under the service's lock (the notifier's outbox and escalations).
  template <class Fn>
  auto with_live(Fn&& fn) {
    std::lock_guard write(write_mutex_);
    return fn(*live_);
  }
  // The store's leases (store::Live::try_lease) on this service's clock: which of several
  // instances on one database does a piece of background work (the poll of one source).
  Result<bool> try_lease(std::string_view name, std::string_view holder, int64_t ttl_ms);
  Result<void> release_lease(std::string_view name, std::string_view holder);
  // The next update due after a change, when none is given (default 1 h).
  void set_cadence_ms(int64_t ms) { cadence_ms_ = ms; }
  int64_t cadence_ms() const { return cadence_ms_; }

  // Adds an observer and calls it once at once with the current state.
  void observe(Observer observer);

  // Loads what others committed since the snapshot (a newer head revision, a newer status);
  // true when something changed. Cheap when nothing did (the store's change marks, no I/O).
  Result<bool> refresh();
  // Calls refresh() every `interval` on a thread of its own until the Service is destroyed.
  void watch(std::chrono::milliseconds interval);

  // The audit trail, through Auth (model changes are recorded in their commit's transaction).
  void audit(const Actor& actor, store::AuditEntry entry);
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
  // Without waiting: when the store is free, whether it answers a read; when someone is using
  // it (a commit), ready unless that has lasted longer than `busy_limit_ms`.
  Result<void> store_ready(int64_t busy_limit_ms = 5000);

  Auth* auth() const { return auth_; }
  Metrics* metrics() const { return metrics_; }
  const Clock& clock() const { return clock_; }

 private:
  Service(Auth* auth, Metrics* metrics, const Clock& clock);
  static int64_t steady_ms();
  Result<bool> refresh_locked();  // under write_mutex_
  Result<bool> load_incidents_locked();  // under write_mutex_: true when they changed
  Result<Incident> store_incident_locked(const Actor& actor, Incident i, std::string action,
                                         std::string detail);
  StatusDeclaration effective_locked() const;
  Result<std::shared_ptr<const Snapshot>> load_revision(int64_t revision);
  void notify_locked(ChangeKind kind);  // under write_mutex_

  Auth* auth_;
  Metrics* metrics_;
  const Clock& clock_;

  std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
  mutable std::mutex write_mutex_;  // one writer at a time; guards what follows
  StatusDeclaration status_;
  int64_t status_version_ = 0;  // of the live value "status" (0: none stored yet)
  std::vector<Incident> incidents_;  // by id
  std::map<std::string, int64_t> incident_versions_;
  std::vector<SourceState> sources_;  // by provider
  std::map<std::string, int64_t> source_versions_;
  std::atomic<int64_t> cadence_ms_{3'600'000};
  std::vector<Observer> observers_;
  std::unique_ptr<store::Live> live_;  // used under write_mutex_
  int64_t store_mark_ = -1, live_mark_ = -1;  // change_mark()s at the last refresh

  std::mutex store_mutex_;
  std::atomic<int64_t> store_since_ms_{0};  // steady_ms() when with_store() took it, 0: free
  std::unique_ptr<store::Store> store_;

  std::mutex watch_mutex_;
  std::condition_variable watch_cv_;
  bool stopping_ = false;  // guarded by watch_mutex_
  std::thread watcher_;
};

}  // namespace ebcm::app
