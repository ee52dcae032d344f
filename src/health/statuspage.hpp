// Parsers of Atlassian Statuspage public API v2 payloads: summary.json and
// incidents/unresolved.json.
//
// Contract: pure functions of the body; kInvalidInput naming the payload and what is wrong
// ("summary: components[2]: no 'id'") for anything that is not the documented payload,
// malformed or truncated JSON included. Statuses are stored lower-cased.
// - every component → a ServiceHealth (id, name, status, operational = status "operational");
//   each component not operational → also a ProviderIssue of kind "component", id
//   "component:<id>", service = its name, service_id = its id, title "<name>: <status>";
// - every incident → a ProviderIssue of kind "incident": components = the ids it names (service
//   and service_id: the first of them), impact, its incident_updates as posts (oldest first),
//   resolved when its status is resolved or postmortem, end_ms = resolved_at;
// - every scheduled maintenance → a PlannedChange: category "maintenance", severity = its
//   impact, services = its components' names, tags = [its status], start/end = scheduled_for /
//   scheduled_until, body = its newest update.
// Thread safety: plain functions.
#pragma once

#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "health/health.hpp"

namespace ebcm::health {

// summary.json → services, component and incident issues, planned changes; full = true,
// cursor "".
Result<Reading> parse_summary(std::string_view body);
// incidents/unresolved.json (also incidents.json) → its incidents.
Result<std::vector<ProviderIssue>> parse_unresolved(std::string_view body);

}  // namespace ebcm::health
