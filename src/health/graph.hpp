// Parsers of Microsoft Graph v1.0 service communications payloads (admin/serviceAnnouncement):
// healthOverviews (optionally with $expand=issues), issues, issues/{id}, messages.
//
// Contract: pure functions of the body. Each returns the payload in health.hpp's shapes or
// kInvalidInput naming the payload and what is wrong ("healthOverviews: value[3].issues[0]: no
// 'id'"); malformed or truncated JSON is kInvalidInput. Enum values (status, classification,
// category, severity, postType) are compared case-insensitively and stored lower-cased. An issue
// is resolved by MODEL.md's rule (isResolved, or a status of serviceOperational,
// serviceRestored, postIncidentReviewPublished, resolved, resolvedExternal, falsePositive); a
// serviceHealth is operational when its status is one of those. Posts are sorted oldest first
// with their HTML turned into text; next_update_ms is read from the newest post.
// Thread safety: plain functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "health/health.hpp"

namespace ebcm::health {

struct GraphIssues {
  std::vector<ProviderIssue> issues;
  // Indexes into `issues` of those the payload gave without a "posts" array (a list may leave
  // them out): their posts are read with issues/{id}.
  std::vector<size_t> without_posts;
  std::string next_link;  // "@odata.nextLink", "" on the last page
};

struct GraphOverviews {
  std::vector<ServiceHealth> services;  // id (e.g. "Exchange"), name (display name), status
  // With $expand=issues: every issue of every overview, service_id set to its overview's id.
  GraphIssues issues;
  std::string next_link;
};

struct GraphMessages {
  std::vector<PlannedChange> changes;
  std::string next_link;
};

Result<GraphOverviews> parse_health_overviews(std::string_view body);
Result<GraphIssues> parse_issues(std::string_view body);
// One serviceHealthIssue (GET issues/{id}), with its posts.
Result<ProviderIssue> parse_issue(std::string_view body);
Result<GraphMessages> parse_messages(std::string_view body);

// MODEL.md's rule for a Graph status (any case).
bool graph_status_resolved(std::string_view status);
// Sets the service_id of each issue whose `service` (a display name) is the name of one of
// `services` (case-insensitively) and that has none yet.
void assign_service_ids(std::vector<ProviderIssue>& issues,
                        const std::vector<ServiceHealth>& services);

}  // namespace ebcm::health
