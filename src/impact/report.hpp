// The impact report (MODEL.md "The impact report"): what a disruption does, in the shape every
// front end (command line, HTTP, web) shows, and its JSON form.
//
// Contract: make_report() lists every function, service, feature and location in `states`
// (model order), every function that is not up at the end of the duration in `functions`, and
// every requirement cycle. `down_for` and `duration` are nullopt for an open-ended disruption
// (JSON null). report_to_json() never fails.
// Thread safety: pure functions over plain values.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/duration.hpp"
#include "impact/compiled_graph.hpp"
#include "impact/engine.hpp"

namespace ebcm::impact {

// A counting mitigation that would have carried a failing requirement but could not.
struct BlockedMitigation {
  std::string mitigation;
  std::vector<std::string> with_down;  // its `with` nodes that are down
  // Empty `with_down`: it comes into effect only after the end of the duration (this long).
  std::optional<Duration> activation;
};

struct FunctionReport {
  std::string id;
  State state = State::kUp;
  std::vector<std::string> because, mitigations_used, mitigation_gaps;
  std::vector<BlockedMitigation> mitigations_blocked;
  std::optional<Duration> down_for;  // nullopt: open-ended and still down
  bool rto_breached = false, mtpd_breached = false;
  std::optional<int64_t> staff_available;
  std::optional<int64_t> staff;  // staff.normal, where given
};

// One line of the recovery order: the functions to bring back first come first.
struct RecoveryStep {
  std::string function;
  State state = State::kUp;
  std::optional<Duration> rto;
  std::string criticality;  // "" when not given
};

// The people a business unit has in the functions not up, and how many of them can work.
// Head-counts count each person once: a process's staff are part of its parent function's, so
// a process whose parent (or a further ancestor) with staff is not up adds nobody; its people
// are counted with that ancestor (and its unit). staff = available + absent (rule 6), and
// available = working + idle: idle are the available people of a function that is down (or of
// a process that is down under the counted ancestor), working the others.
struct UnitImpact {
  std::string business_unit;
  std::vector<std::string> functions;
  int64_t staff = 0, staff_available = 0, staff_working = 0;
};

struct Report {
  std::string scenario;
  std::optional<Duration> duration;
  std::vector<std::pair<std::string, State>> states;
  std::vector<FunctionReport> functions;
  std::vector<std::vector<std::string>> cycles;
  // Head-count of the functions not up (their `staff.normal`, where given, each person once as
  // in UnitImpact), how many of those people are available, and how many of those can work (are
  // not in a function that is down).
  int64_t staff_affected = 0, staff_available = 0, staff_working = 0;
  // Functions not up, most urgent first: down before degraded, then by RTO (none last), then
  // by criticality (critical first), then by id.
  std::vector<RecoveryStep> recovery_order;
  // Business units with a function not up (by unit id), and locations not up (model order).
  std::vector<UnitImpact> business_units;
  std::vector<std::pair<std::string, State>> locations;
};

Report make_report(const CompiledGraph& g, const Impact& impact, std::string scenario);
std::string report_to_json(const Report& r);

}  // namespace ebcm::impact
