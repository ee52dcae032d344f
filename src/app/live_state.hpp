// The live state: what is true today rather than in the model — first the incident manager's
// status declaration (what is down, the message, the next update). Kept in the store (one
// record, rewritten on each declaration, its audit entry in the same transaction) so it survives
// a restart and every instance serving the database sees the same.
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/snapshot.hpp"
#include "core/result.hpp"
#include "impact/query.hpp"

namespace ebcm::app {

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
  bool operator==(const StatusDeclaration&) const = default;
};

// Whether the declaration names anything down.
bool disrupts(const StatusDeclaration& d);
// The start of `after` given the declaration before it (rules above; `after.updated_ms` is the
// moment of the update).
int64_t disruption_start(const StatusDeclaration& before, const StatusDeclaration& after);
// {"message", "updated" (ISO UTC or null), "updated_by", "started", "next_update", "scenario"?, "down",
// "workforce", "duration"?}: as the API shows it and the store keeps it.
std::string to_json(const StatusDeclaration& d);
// The inverse of to_json(); nullopt when `text` is not such a document.
std::optional<StatusDeclaration> status_from_json(std::string_view text);
// The declaration's disruption resolves in the snapshot's model (an unknown id → an error
// naming it).
Result<void> check_declaration(const Snapshot& snapshot, const StatusDeclaration& d);

}  // namespace ebcm::app
