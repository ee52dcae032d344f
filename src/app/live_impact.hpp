// The live impact: the report of the live disruption (incidents.hpp) on the current model,
// open-ended, as of now (MODEL.md), and beyond it, for each function not up: since when (the
// earliest active incident that takes it out alone, else the hand declaration's start), the time
// left before its RTO and MTPD are breached if nothing changes (down functions only: a breach is
// being down too long), and the people it concerns (owner, business unit, head-count); per active
// incident its own functions not up and whether its update is overdue; per source whether its
// health is known.
//
// Contract: compute_live_impact() is a pure function of its arguments; it runs the engine once
// for the whole and once per active incident. live_impact_to_json() never fails.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/incidents.hpp"
#include "app/live_state.hpp"
#include "app/snapshot.hpp"
#include "impact/report.hpp"

namespace ebcm::app {

struct LiveFunction {
  std::string id, name;
  impact::State state = impact::State::kUp;
  int64_t since_ms = 0;
  std::optional<int64_t> rto_breach_ms, mtpd_breach_ms;  // when breached (past: already)
  std::string owner, owner_name, business_unit;
  std::optional<int64_t> staff;
  std::vector<std::string> incidents;  // the active incidents that take it out alone
};

struct LiveIncident {
  std::string id, title, source;
  std::vector<std::string> down, degraded;  // functions it takes out alone
  std::optional<int64_t> next_update_ms;
  bool overdue = false;
};

struct LiveImpact {
  int64_t as_of_ms = 0;
  impact::DisruptionQuery disruption;
  impact::Report report;
  std::vector<LiveFunction> functions;  // the report's functions not up, in its order
  std::vector<LiveIncident> incidents;  // active ones
  std::vector<SourceState> sources;
};

LiveImpact compute_live_impact(const Snapshot& snap, const StatusDeclaration& declared,
                               const std::vector<Incident>& incidents,
                               const std::vector<SourceState>& sources, int64_t now_ms);
std::string live_impact_to_json(const LiveImpact& live);

// The status page's declaration: the hand-made one with every active incident merged in (the
// live disruption; the earliest start, the soonest next update promised; the incident titles
// as the message when the hand declaration has none).
StatusDeclaration effective_status(const Snapshot& snap, const StatusDeclaration& declared,
                                   const std::vector<Incident>& incidents,
                                   const std::vector<SourceState>& sources);

// The disruption one incident causes alone (a provider issue: mapped with its source's last
// known services; a declared one: what it declares).
impact::DisruptionQuery incident_disruption(const model::Model& m, const Incident& i,
                                            const std::vector<SourceState>& sources);

}  // namespace ebcm::app
