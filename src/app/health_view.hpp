// What the health feeds say, as people read it: per source its last answer and whether its
// health is known, per mapped model service its provider state, the unmapped provider services;
// and the planned changes (message-center posts, scheduled maintenances) mapped onto the model
// with the business functions that depend on what they change.
//
// Contract: pure functions of the snapshot and the stored source states. A planned change names
// provider services by display name or id (compared case-insensitively); the functions that
// depend on it are those not up when those model services are down (the engine, open-ended),
// the critical ones counted apart.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/incidents.hpp"
#include "app/snapshot.hpp"

namespace ebcm::app {

// {"sources": [{provider, last_success, unknown_since, last_error, failures, services:
// [{service, provider_service, state, known}], unmapped: [...]}]}
std::string health_to_json(const Snapshot& snap, const std::vector<SourceState>& sources,
                           const std::vector<Incident>& incidents);

struct ChangeImpact {
  std::string provider;
  health::PlannedChange change;
  std::vector<std::string> services;   // model services it touches
  std::vector<std::string> functions;  // functions not up if those services were down
  std::vector<std::string> critical;   // the critical ones among them
};

// Every planned change of every source, soonest first.
std::vector<ChangeImpact> planned_changes(const Snapshot& snap,
                                          const std::vector<SourceState>& sources);
// {"changes": [{provider, id, title, category, severity, start, end, action_required,
// services (as the provider names them), model_services, functions, critical, summary}]}
std::string changes_to_json(const std::vector<ChangeImpact>& changes);
// "MC123456 changes Exchange Online on 2026-12-15: 4 critical functions depend on it"
std::string change_summary(const ChangeImpact& c);

}  // namespace ebcm::app
