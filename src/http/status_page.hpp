// The status page: what works and what does not right now — services (and their features),
// locations, business functions — the way to keep working where the model has one, the
// incident manager's message, and the times of this update and of the next.
//
// Contract: render_status() is the whole rendering, a pure function of its arguments: it runs the
// declared disruption as it stands `now_ms - started_ms` after it began (a mitigation with a
// 2h activation is not in use before 2h: MODEL.md rule 7) and builds JSON and HTML in English and
// Swedish, every word from the message catalog (core/catalog.hpp). The result knows when it will
// next change by itself (next_change_ms: a mitigation's activation, the promised next update).
// StatusPage holds the declaration and the last rendering: page() hands out the rendered bytes
// without copying; current() re-renders first when next_change_ms has passed. A node keeps its
// `since` across renders as long as it stays not up. declare() checks the disruption against the
// model first (unknown ids → an error naming them) and changes nothing when it fails.
// Thread safety: render_status() and disruption_start() are pure. page() is lock-free (an atomic
// shared pointer); render(), current() (when stale), declare() and restore() are serialised by an
// internal mutex.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "impact/compiled_graph.hpp"
#include "impact/query.hpp"
#include "model/model.hpp"

namespace ebcm::http {

class Snapshot;

struct StatusDeclaration {
  std::string message;                    // from the incident manager, "" when none
  std::optional<int64_t> next_update_ms;  // when the next update is promised
  impact::DisruptionQuery disruption;     // what is down now; empty: all clear
  int64_t updated_ms = 0;
  std::string updated_by;
  // When the disruption began: kept by an update that declares the same disruption (a new
  // message, a new next update, a new expected duration), reset by one that declares another;
  // 0 when all clear. See disruption_start().
  int64_t started_ms = 0;
};

// The start of `after` given the declaration before it (rules above; `after.updated_ms` is the
// moment of the update).
int64_t disruption_start(const StatusDeclaration& before, const StatusDeclaration& after);

struct RenderedStatus {
  std::shared_ptr<const std::string> json, html_en, html_sv;
  std::string etag;           // of the JSON (the HTML pages derive theirs from it)
  std::string last_modified;  // HTTP-date of the last change
  int64_t changed_ms = 0;
  // When the page changes without a new declaration or model (a mitigation comes into use, the
  // next update is overdue); nullopt: not before one.
  std::optional<int64_t> next_change_ms;
  std::map<std::string, int64_t> since;  // every node not up → since when (ms)
};

// The page for `declared` on model `m` (compiled as `g`, at `revision`) at `now_ms`; `since`
// is the previous rendering's (nodes still not up keep theirs; others get the declaration's
// update time).
RenderedStatus render_status(const model::Model& m, const impact::CompiledGraph& g,
                             const StatusDeclaration& declared,
                             const std::map<std::string, int64_t>& since, int64_t now_ms,
                             int64_t revision);

class StatusPage {
 public:
  explicit StatusPage(const Clock& clock);
  ~StatusPage();

  std::shared_ptr<const RenderedStatus> page() const;
  // page(), rendered again on `snapshot` first if its next_change_ms has passed.
  std::shared_ptr<const RenderedStatus> current(const Snapshot& snapshot);
  void render(const Snapshot& snapshot);
  Result<void> declare(const Snapshot& snapshot, StatusDeclaration d);
  // Restores a declaration from its JSON (as declaration_json() wrote it); ignores bad input.
  void restore(std::string_view json);
  std::string declaration_json() const;

 private:
  void render_locked(const Snapshot& snapshot);

  const Clock& clock_;
  mutable std::mutex mutex_;
  StatusDeclaration declared_;                  // guarded by mutex_
  std::map<std::string, int64_t> since_;        // guarded by mutex_: not-up node → since (ms)
  std::shared_ptr<const RenderedStatus> page_;  // atomic_load/atomic_store
};

}  // namespace ebcm::http
