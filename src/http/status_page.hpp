// The status page: which services are up, which business functions run degraded or down and
// since when, and the incident manager's message, with the time of this update and of the next.
//
// Contract: render() runs the declared disruption (app::StatusDeclaration, the live state of
// app::Service, which calls render() as an observer) on a snapshot and builds the whole page —
// JSON and HTML in English and Swedish — once; page() hands out the rendered bytes without
// copying, so serving it costs almost nothing. A function keeps its `since` across renders as
// long as it stays not up.
// Thread safety: page() is lock-free (an atomic shared pointer); render() calls are serialised
// by an internal mutex.
#pragma once

#include <cstdint>
#include <atomic>
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
#include "impact/query.hpp"

namespace ebcm::http {

using app::Snapshot;
using app::StatusDeclaration;

struct RenderedStatus {
  std::shared_ptr<const std::string> json, html_en, html_sv;
  std::string etag;           // of the JSON (the HTML pages derive theirs from it)
  std::string last_modified;  // HTTP-date of the last change
  int64_t changed_ms = 0;
};

class StatusPage {
 public:
  explicit StatusPage(const Clock& clock);
  ~StatusPage();

  std::shared_ptr<const RenderedStatus> page() const;
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
