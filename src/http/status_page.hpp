// The status page: which services are up, which business functions run degraded or down and
// since when, and the incident manager's message, with the time of this update and of the next.
//
// Contract: render() runs the declared disruption on a snapshot and builds the whole page —
// JSON and HTML in English and Swedish — once; page() hands out the rendered bytes without
// copying, so serving it costs almost nothing. A function keeps its `since` across renders as
// long as it stays not up. declare() checks the disruption against the model first (unknown
// ids → an error naming them) and changes nothing when it fails.
// Thread safety: page() is lock-free (an atomic shared pointer); render(), declare() and
// restore() are serialised by an internal mutex.
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
#include "impact/query.hpp"

namespace ebcm::http {

class Snapshot;

struct StatusDeclaration {
  std::string message;                    // from the incident manager, "" when none
  std::optional<int64_t> next_update_ms;  // when the next update is promised
  impact::DisruptionQuery disruption;     // what is down now; empty: all clear
  int64_t updated_ms = 0;
  std::string updated_by;
};

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
