#include "health/statuspage.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "health/feed_text.hpp"
#include "health/test_fixtures.hpp"

namespace ebcm::health {
namespace {

using testing::fixture;
using testing::replaced;
namespace json = boost::json;

int64_t utc(const char* text) { return *parse_iso_ms(text); }

// The Discord summary with the incidents and maintenances of the other captures, and its one
// component in `status`.
std::string composed_summary(const std::string& status) {
  json::object summary = json::parse(fixture("statuspage-summary.discord.json")).as_object();
  summary["components"].as_array()[0].as_object()["status"] = status;
  summary["incidents"] = json::parse(fixture("statuspage-incidents.discord.json")).at("incidents");
  summary["scheduled_maintenances"] =
      json::parse(fixture("statuspage-scheduled-maintenances.discord.json"))
          .at("scheduled_maintenances");
  return json::serialize(summary);
}

TEST(StatuspageParse, DiscordSummary) {
  auto r = parse_summary(fixture("statuspage-summary.discord.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->full);
  EXPECT_EQ(r->cursor, "");
  ASSERT_EQ(r->services.size(), 1u);
  EXPECT_EQ(r->services[0], (ServiceHealth{"qk867vbbh84x", "South Korea", "operational", true}));
  EXPECT_TRUE(r->issues.empty());
  EXPECT_TRUE(r->changes.empty());
}

TEST(StatuspageParse, ComponentsIncidentsAndMaintenances) {
  auto r = parse_summary(composed_summary("MAJOR_OUTAGE"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->services.size(), 1u);
  EXPECT_EQ(r->services[0].status, "major_outage");
  EXPECT_FALSE(r->services[0].operational);
  ASSERT_EQ(r->issues.size(), 2u);

  const ProviderIssue& c = r->issues[0];
  EXPECT_EQ(c.kind, "component");
  EXPECT_EQ(c.id, "component:qk867vbbh84x");
  EXPECT_EQ(c.service, "South Korea");
  EXPECT_EQ(c.service_id, "qk867vbbh84x");
  EXPECT_EQ(c.status, "major_outage");
  EXPECT_EQ(c.title, "South Korea: major outage");
  EXPECT_FALSE(c.resolved);

  const ProviderIssue& i = r->issues[1];
  EXPECT_EQ(i.kind, "incident");
  EXPECT_EQ(i.id, "n4njzfn1mqy0");
  EXPECT_EQ(i.title, "Messaging issues");
  EXPECT_EQ(i.status, "resolved");
  EXPECT_TRUE(i.resolved);
  EXPECT_EQ(i.impact, "minor");
  EXPECT_EQ(i.components, (std::vector<std::string>{"rhznvxg4v7yh"}));
  EXPECT_EQ(i.service, "API");
  EXPECT_EQ(i.start_ms, utc("2022-02-15T13:14:17.737-08:00"));
  EXPECT_EQ(i.end_ms, utc("2022-02-15T13:37:37.388-08:00"));
  ASSERT_EQ(i.posts.size(), 1u);
  EXPECT_EQ(i.posts[0].type, "investigating");
  EXPECT_EQ(i.posts[0].text, "We're investigating high latency related to channels and messages.");

  ASSERT_EQ(r->changes.size(), 1u);
  const PlannedChange& m = r->changes[0];
  EXPECT_EQ(m.id, "chkt3cr0jf7b");
  EXPECT_EQ(m.category, "maintenance");
  EXPECT_EQ(m.severity, "major");
  EXPECT_EQ(m.tags, (std::vector<std::string>{"completed"}));
  EXPECT_EQ(m.start_ms, utc("2015-09-22T01:00:00.000-07:00"));
  EXPECT_EQ(m.end_ms, utc("2015-09-22T01:30:00.000-07:00"));
  EXPECT_NE(m.body.find("our servers"), std::string::npos);
}

TEST(StatuspageParse, UpdatesOldestFirstAndPostmortemIsResolved) {
  json::object incidents = json::parse(fixture("statuspage-incidents.discord.json")).as_object();
  json::object& incident = incidents["incidents"].as_array()[0].as_object();
  incident["status"] = "postmortem";
  json::array& updates = incident["incident_updates"].as_array();
  json::object newer = updates[0].as_object();
  newer["status"] = "monitoring";
  newer["display_at"] = "2022-02-15T13:21:55.183-08:00";
  newer["body"] = "A fix is in place. Next update by: 2022-02-15T22:30:00Z";
  updates.insert(updates.begin(), newer);  // the feed lists the newest first
  auto r = parse_unresolved(json::serialize(incidents));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].resolved);
  ASSERT_EQ((*r)[0].posts.size(), 2u);
  EXPECT_EQ((*r)[0].posts[0].type, "investigating");
  EXPECT_EQ((*r)[0].posts[1].type, "monitoring");
  EXPECT_EQ((*r)[0].next_update_ms, utc("2022-02-15T22:30:00Z"));
}

TEST(StatuspageParse, Unresolved) {
  auto r = parse_unresolved(fixture("statuspage-incidents-unresolved.discord.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->empty());
  auto active =
      parse_unresolved(replaced(fixture("statuspage-incidents.discord.json"),
                                "\"status\": \"resolved\"", "\"status\": \"Identified\""));
  ASSERT_TRUE(active.ok()) << active.error().message;
  EXPECT_EQ((*active)[0].status, "identified");
  EXPECT_FALSE((*active)[0].resolved);
}

TEST(StatuspageParse, TruncatedOrWrongIsInvalidInput) {
  std::string body = fixture("statuspage-summary.discord.json");
  auto cut = parse_summary(body.substr(0, 200));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, ErrorCode::kInvalidInput);
  auto no_id = parse_summary(replaced(body, "\"id\": \"qk867vbbh84x\",", ""));
  ASSERT_FALSE(no_id.ok());
  EXPECT_EQ(no_id.error().message, "summary: components[0]: no 'id'");
  EXPECT_EQ(parse_summary("{\"incidents\": []}").error().message, "summary: no 'components'");
  EXPECT_FALSE(parse_unresolved("{\"incidents\": {}}").ok());
}

}  // namespace
}  // namespace ebcm::health
