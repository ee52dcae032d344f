// What provider health means for the organisation: the rules of ../shared/MODEL.md "Provider
// health becomes disruptions", from one provider's feed (its services and issues) to the nodes of
// the model it disrupts, down or degraded, and the provider services no model service names.
//
// Contract: map_provider() is a pure function of the model and one reading of one provider.
//   - A model service belongs to the feed when its `provider` is the provider's name; it is named
//     by `provider_service`, which may give the provider's service id or its display name (Graph
//     `serviceHealth` id or display name, Statuspage component id or name). Every name compares
//     case-insensitively.
//   - An active (not resolved) Graph issue disrupts down when its status is serviceInterruption
//     and its classification incident; every other active issue degraded. A Statuspage component
//     that is not operational disrupts down for major_outage, degraded otherwise. A Statuspage
//     incident disrupts nothing by itself — its components' states say what is hit — but it is
//     mapped to the services of its components, for the timeline and who is told.
//   - The nodes an issue disrupts: the features of the service whose `provider_feature` names the
//     issue's `feature` or `featureGroup`; where none does, the whole service.
//   - A provider service whose own status is not operational while no active issue of it maps
//     anywhere counts as an advisory issue of that service (degraded, id "service:<id>").
//   - `unmapped`: the provider's services (and services named by active issues) that no model
//     service names, each once, sorted — never ignored silently.
// Thread safety: a pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "health/health.hpp"
#include "model/model.hpp"

namespace ebcm::health {

struct NodeDisruption {
  std::string ref;        // "exo" or "exo/smtp"
  bool degraded = false;  // at best degraded; else down
  bool operator==(const NodeDisruption&) const = default;
};

struct IssueEffect {
  std::string issue_id;               // ProviderIssue::id, or "service:<id>" for an advisory
  std::vector<std::string> services;  // the model services it belongs to (ids, sorted)
  std::vector<NodeDisruption> nodes;  // what it disrupts (empty: a Statuspage incident, or
                                      // its service is unmapped)
  bool operator==(const IssueEffect&) const = default;
};

struct ProviderEffect {
  std::vector<IssueEffect> issues;     // one per active issue (and advisory), in feed order
  std::vector<std::string> unmapped;   // provider service names no model service names
  // Every node disrupted, once, down winning over degraded; sorted by ref.
  std::vector<NodeDisruption> nodes() const;
};

// The down-or-degraded rule of one active issue (MODEL.md's status table).
bool disrupts_down(const ProviderIssue& issue);

ProviderEffect map_provider(const model::Model& m, std::string_view provider,
                            const std::vector<ServiceHealth>& services,
                            const std::vector<ProviderIssue>& issues);

}  // namespace ebcm::health
