// The status page: what works and what does not right now — services (and their features),
// locations, business functions — the way to keep working where the model has one, the
// incident manager's message, and the times of this update and of the next.
//
// Contract: render_status() is the whole rendering, a pure function of its arguments: it runs the
// declared disruption as it stands `now_ms - started_ms` after it began (a mitigation with a
// 2h activation is not in use before 2h: MODEL.md rule 7) and builds JSON and HTML in English and
// Swedish, every word from the message catalog (core/catalog.hpp). The result knows when it will
// next change by itself (next_change_ms: a mitigation's activation, the promised next update).
// StatusPage keeps the last rendering of the declaration app::Service holds (it is the service's
// observer: render() on each change of the model or the declaration): page() hands out the
// rendered bytes without copying; current() re-renders first when next_change_ms has passed. A
// node keeps its `since` across renders as long as it stays not up.
// Thread safety: render_status() is pure. page() is lock-free (an atomic shared pointer);
// render() and current() (when stale) are serialised by an internal mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "app/live_state.hpp"
#include "app/snapshot.hpp"
#include "impact/compiled_graph.hpp"
#include "impact/query.hpp"
#include "model/model.hpp"

namespace ebcm::http {

using app::Snapshot;
using app::StatusDeclaration;


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
  // Renders `declared` (app::Service's live state: StatusPage is its observer) on `snapshot`.
  void render(const Snapshot& snapshot, const StatusDeclaration& declared);

 private:
  void render_locked(const Snapshot& snapshot);

  const Clock& clock_;
  mutable std::mutex mutex_;
  StatusDeclaration declared_;                  // guarded by mutex_: as last rendered
  std::map<std::string, int64_t> since_;        // guarded by mutex_: not-up node → since (ms)
  std::atomic<std::shared_ptr<const RenderedStatus>> page_;
};

}  // namespace ebcm::http
