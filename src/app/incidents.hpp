// Incidents: what is going wrong now, each with an owner, a cadence of updates and a timeline —
// the provider issues the health feeds report (kept in sync with the feed) and the incidents a
// responder declares for what no feed reports (a WAN outage, a snowstorm, a pandemic). Together
// with the hand-made status declaration they make the live disruption (../shared/MODEL.md): the
// union of every active provider issue (through health/mapping.hpp, on the current model) and
// every active declared incident.
//
// Contract: plain values, their JSON form (as the API shows them and the store keeps them, one
// live value "incident/<id>" each; "health/<provider>" per source), and pure functions:
//   - sync_issue(): a provider issue read from a feed onto its stored incident (new: opened;
//     known: status, title, end and the posts not yet in the timeline appended) — re-reading the
//     same issue changes nothing, so a restart never re-announces.
//   - live_disruption(): the union above, as a DisruptionQuery (down wins over degraded).
// Times are Unix ms. Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "health/health.hpp"
#include "health/mapping.hpp"
#include "impact/compiled_graph.hpp"
#include "impact/query.hpp"
#include "model/model.hpp"

namespace ebcm::app {

struct TimelineEntry {
  int64_t time_ms = 0;
  std::string by;    // an account, "provider", "ebcm"
  std::string kind;  // "opened", "update", "provider", "status", "resolved", "reopened", "review"
  std::string text;
  bool operator==(const TimelineEntry&) const = default;
};

struct ActionItem {
  std::string text, owner;
  std::optional<int64_t> due_ms;
  bool done = false;
  bool operator==(const ActionItem&) const = default;
};

// The post-incident review (the six sections of the guidance). Empty sections are prefilled on
// export from what ebcm knows (review.hpp).
struct Review {
  std::string user_impact, scope, start_end, root_cause, actions_taken, next_steps;
  std::vector<ActionItem> actions;
  bool operator==(const Review&) const = default;
};

struct Incident {
  std::string id;      // a provider issue's id ("EX226792"), or "INC-<n>" when declared
  std::string source;  // "declared", or the provider ("microsoft365")
  std::string title;
  bool active = true;
  std::string owner;  // an account or person; "" when nobody took it
  impact::DisruptionQuery disruption;  // declared: what it disrupts; provider: empty (mapped)
  std::optional<health::ProviderIssue> issue;  // provider: as last read
  int64_t opened_ms = 0, updated_ms = 0;
  std::optional<int64_t> resolved_ms;
  std::optional<int64_t> next_update_ms;
  bool next_update_from_provider = false;  // the provider promised it ("Next update by: ...")
  std::vector<TimelineEntry> timeline;     // oldest first
  Review review;
  bool operator==(const Incident&) const = default;
};

// Whether the update promised is late at `now_ms`.
bool update_overdue(const Incident& i, int64_t now_ms);

std::string to_json(const Incident& i);
std::optional<Incident> incident_from_json(std::string_view text);
std::string incident_key(std::string_view id);  // "incident/<id>"

// One source's state: when it last answered, since when it has not, what it said of its
// services (kept through failures: last known), the cursor for the next incremental read.
struct SourceState {
  std::string provider;
  int64_t last_success_ms = 0;
  std::optional<int64_t> unknown_since_ms;  // the first failed read since the last success
  std::string last_error;                    // for operators (never a secret)
  int64_t failures = 0;                      // consecutive
  std::string cursor;
  std::vector<health::ServiceHealth> services;
  std::vector<health::PlannedChange> changes;
  bool operator==(const SourceState&) const = default;
};

std::string to_json(const SourceState& s);
std::optional<SourceState> source_state_from_json(std::string_view text);
std::string source_key(std::string_view provider);  // "health/<provider>"

// A provider issue read from a feed onto its incident (`existing`: the stored one, or nullopt).
// Returns the incident to store, or nullopt when nothing changed. `cadence_ms`: the next update
// due after a change when the provider promises none.
std::optional<Incident> sync_issue(const std::optional<Incident>& existing,
                                   std::string_view provider, const health::ProviderIssue& issue,
                                   int64_t now_ms, int64_t cadence_ms);

// The active provider issues of `provider` among `incidents`.
std::vector<health::ProviderIssue> active_issues(const std::vector<Incident>& incidents,
                                                 std::string_view provider);

// The live disruption: the hand declaration (may be empty), every active declared incident and
// every active provider issue mapped onto `m` with the services each source last reported.
// Refs that no longer resolve in `m` are left out (looked up in `g`, `m` compiled, when given:
// that spares building a set of every ref of the model on each call).
impact::DisruptionQuery live_disruption(const model::Model& m,
                                        const impact::DisruptionQuery& declared,
                                        const std::vector<Incident>& incidents,
                                        const std::vector<SourceState>& sources,
                                        const impact::CompiledGraph* g = nullptr);

}  // namespace ebcm::app
