// Provider health: what a provider's service-health feed says, in one shape for every kind of
// feed (Microsoft Graph service communications, Atlassian Statuspage), and the interface each
// feed is read through. The meaning (which issue disrupts which node of the model) is in
// mapping.hpp, after ../shared/MODEL.md "Provider health becomes disruptions".
//
// Contract: a HealthSource reads its feed once per read() call and returns a Reading, or an
// Error (kUnavailable: it did not answer in time, answered 5xx/429, or dropped the connection;
// kInvalidInput: it answered something that is not the documented payload; kForbidden: the
// credentials were rejected). A source never throws, never logs a secret, and bounds its own
// time (every request has a timeout). Times are Unix ms (UTC).
// Thread safety: a HealthSource is used by one thread at a time; different sources may be read
// on different threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ebcm::health {

// One entry of an issue's timeline (Graph: a post; Statuspage: an incident update).
struct Post {
  int64_t created_ms = 0;
  std::string type;  // Graph postType ("regular", "quick", "strategic"); Statuspage status
  std::string text;  // plain text (HTML turned into text)
  bool operator==(const Post&) const = default;
};

// One thing the provider reports: a Graph serviceHealthIssue, a Statuspage incident, or a
// Statuspage component that is not operational (kind "component"; id "component:<id>").
struct ProviderIssue {
  std::string id;        // the provider's id: "EX226792", a Statuspage incident id
  std::string kind;      // "issue" (Graph), "incident" (Statuspage), "component" (Statuspage)
  std::string service;   // as the feed names it: Graph display name "Exchange Online";
                         // Statuspage: the component's name
  std::string service_id;  // Graph: the healthOverview id when known ("Exchange"); Statuspage:
                           // the component id
  std::vector<std::string> components;  // Statuspage incident: the component ids it names
  std::string feature, feature_group;   // Graph
  std::string status;          // as written by the provider, lower-cased ("servicedegradation")
  std::string classification;  // lower-cased: "incident", "advisory"; "" when none
  std::string impact;          // Statuspage incident: none|minor|major|critical; Graph: ""
  std::string title, impact_description;
  int64_t start_ms = 0;
  std::optional<int64_t> end_ms;
  int64_t last_modified_ms = 0;
  bool resolved = false;  // by MODEL.md's rule for this kind of feed
  std::vector<Post> posts;  // oldest first
  // The provider's promise of its next update ("Next update by: ..." in the newest post).
  std::optional<int64_t> next_update_ms;
  bool review_published = false;  // Graph status postIncidentReviewPublished
  std::string review_url;         // where the provider's post-incident review is, when known
  bool operator==(const ProviderIssue&) const = default;
};

// A service (Graph healthOverview) or component (Statuspage) with its current status.
struct ServiceHealth {
  std::string id, name;
  std::string status;  // lower-cased as the provider writes it ("serviceoperational", "major_outage")
  bool operational = true;  // by MODEL.md's rule
  bool operator==(const ServiceHealth&) const = default;
};

// A planned change: a Graph message-center post (serviceUpdateMessage) or a Statuspage
// scheduled maintenance.
struct PlannedChange {
  std::string id;        // "MC123456"
  std::string title;
  std::string category;  // lower-cased: "planforchange", "stayinformed", "preventorfixissue"
  std::string severity;  // lower-cased: "normal", "high", "critical"
  std::vector<std::string> services;  // as the feed names them ("Exchange Online")
  std::vector<std::string> tags;
  bool major_change = false;
  int64_t start_ms = 0;
  std::optional<int64_t> end_ms;
  std::optional<int64_t> action_required_ms;
  int64_t last_modified_ms = 0;
  std::string body;  // plain text
  bool operator==(const PlannedChange&) const = default;
};

struct Reading {
  std::vector<ServiceHealth> services;  // every service of the feed, each read
  // Issues changed since the cursor given to read(); every issue the feed lists when `full`.
  std::vector<ProviderIssue> issues;
  bool full = false;
  std::vector<PlannedChange> changes;  // changed since the cursor; all when `full`
  std::string cursor;  // opaque; give it to the next read() to read only what changed since
  bool operator==(const Reading&) const = default;
};

class HealthSource {
 public:
  virtual ~HealthSource() = default;
  // The model's `provider` value this source reports for ("microsoft365").
  virtual const std::string& provider() const = 0;
  // One read of the feed. `cursor` is what the last stored Reading gave ("" : none: read all).
  virtual Result<Reading> read(std::string_view cursor) = 0;
  // After a failed read: when the provider asked us to come back (429/503 Retry-After), else
  // nullopt.
  virtual std::optional<int64_t> retry_after_ms() const { return std::nullopt; }
};

}  // namespace ebcm::health
