#include "health/graph.hpp"

#include <gtest/gtest.h>

#include "core/clock.hpp"
#include "health/feed_text.hpp"
#include "health/test_fixtures.hpp"

namespace ebcm::health {
namespace {

using testing::fixture;
using testing::replaced;

int64_t utc(const char* text) { return *parse_iso_ms(text); }

TEST(GraphParse, HealthOverviews) {
  std::string body = fixture("graph-healthOverviews.json");
  ASSERT_FALSE(body.empty());
  auto r = parse_health_overviews(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->services.size(), 3u);
  EXPECT_EQ(r->services[0],
            (ServiceHealth{"Exchange", "Exchange Online", "serviceoperational", true}));
  EXPECT_EQ(r->services[1].id, "OrgLiveID");
  EXPECT_EQ(r->services[1].status, "servicerestored");
  EXPECT_TRUE(r->services[1].operational);
  EXPECT_TRUE(r->issues.issues.empty());
  EXPECT_EQ(r->next_link, "");
}

TEST(GraphParse, HealthOverviewsWithIssues) {
  auto r = parse_health_overviews(fixture("graph-healthOverviews-expand-issues.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->services.size(), 1u);
  ASSERT_EQ(r->issues.issues.size(), 1u);
  const ProviderIssue& i = r->issues.issues[0];
  EXPECT_EQ(i.id, "EX226574");
  EXPECT_EQ(i.kind, "issue");
  EXPECT_EQ(i.service, "Exchange Online");
  EXPECT_EQ(i.service_id, "Exchange");
  EXPECT_EQ(i.status, "servicerestored");
  EXPECT_EQ(i.classification, "advisory");
  EXPECT_EQ(i.feature_group, "Management and Provisioning");
  EXPECT_TRUE(i.resolved);
  EXPECT_EQ(i.start_ms, utc("2020-11-04T00:00:00Z"));
  EXPECT_EQ(i.end_ms, utc("2020-11-20T17:00:00Z"));
  EXPECT_EQ(i.last_modified_ms, utc("2020-11-20T17:56:31.390Z"));
  ASSERT_EQ(i.posts.size(), 1u);
  EXPECT_EQ(i.posts[0].type, "regular");
  EXPECT_EQ(i.posts[0].created_ms, utc("2020-11-12T07:07:38.970Z"));
  EXPECT_EQ(i.next_update_ms, std::nullopt);
  EXPECT_TRUE(r->issues.without_posts.empty());
}

TEST(GraphParse, OverviewIssueOfAnotherServiceKeepsItsOwnName) {
  // One overview (Microsoft 365 suite) listing an Exchange Online issue: no id to give it.
  std::string body = "{\"value\":[" + fixture("graph-healthOverview-get-expand-issues.json") + "]}";
  auto r = parse_health_overviews(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->issues.issues.size(), 1u);
  EXPECT_EQ(r->issues.issues[0].service, "Exchange Online");
  EXPECT_EQ(r->issues.issues[0].service_id, "");
  EXPECT_EQ(r->issues.issues[0].posts[0].text,
            "Users may have been intermittently unable to access some Microsoft 365 services. "
            "We'll provide an update within 30 minutes.");
}

TEST(GraphParse, Issues) {
  auto r = parse_issues(fixture("graph-issues.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->next_link,
            "https://graph.microsoft.com/v1.0/admin/serviceAnnouncement/issues?$skip=100");
  ASSERT_EQ(r->issues.size(), 1u);
  EXPECT_EQ(r->issues[0].id, "EX226792");
  EXPECT_EQ(r->issues[0].classification, "incident");
  EXPECT_TRUE(r->issues[0].resolved);
  EXPECT_EQ(r->issues[0].posts.size(), 1u);
  EXPECT_NE(r->issues[0].posts[0].text.find("\n\nUser Impact:"), std::string::npos);
}

TEST(GraphParse, CliIssues) {
  auto r = parse_issues(fixture("graph-issues.cli-m365-fixture.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_FALSE(r->issues.empty());
  EXPECT_EQ(r->issues[0].id, "CR275975");
  EXPECT_EQ(r->issues[0].status, "servicerestored");
  for (const ProviderIssue& i : r->issues) {
    EXPECT_FALSE(i.id.empty());
    EXPECT_EQ(i.resolved, i.status == "servicerestored" || i.status == "serviceoperational" ||
                              i.status == "postincidentreviewpublished" || i.status == "resolved" ||
                              i.status == "falsepositive" || i.status == "resolvedexternal" ||
                              i.resolved);
  }
}

TEST(GraphParse, OneIssueWithPosts) {
  auto r = parse_issue(fixture("graph-issue.cli-m365-fixture.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->id, "CR275975");
  EXPECT_EQ(r->service, "Dynamics 365 Apps");
  ASSERT_EQ(r->posts.size(), 3u);
  EXPECT_LT(r->posts[0].created_ms, r->posts[2].created_ms);
  // The link's text stays, the tag goes.
  EXPECT_NE(r->posts[1].text.find("Please review the following documentation."), std::string::npos);
  EXPECT_EQ(r->posts[1].text.find("<a"), std::string::npos);
  // The promise is in the middle post; the newest promises nothing.
  EXPECT_EQ(parse_next_update(r->posts[1].text), utc("2021-08-06T21:00:00Z"));
  EXPECT_EQ(r->next_update_ms, std::nullopt);
  EXPECT_EQ(r->review_url, "");  // "review the following documentation" is no review
  auto doc = parse_issue(fixture("graph-issue.json"));
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->id, "MO226784");
  EXPECT_EQ(doc->posts.size(), 1u);
}

TEST(GraphParse, NextUpdateFromTheNewestPost) {
  std::string body = fixture("graph-issue.json");
  body = replaced(body, "\"content\": \"Title:",
                  "\"content\": \"Current status: investigating.<br>Next update by: Wednesday, "
                  "March 17, 2021, at 8:00 PM UTC<br>Title:");
  body = replaced(body, "\"status\": \"ServiceRestored\"",
                  "\"status\": \"PostIncidentReviewPublished\"");
  body = replaced(body, "\"isResolved\": true", "\"isResolved\": false");
  auto r = parse_issue(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->next_update_ms, utc("2021-03-17T20:00:00Z"));
  EXPECT_TRUE(r->review_published);
  EXPECT_TRUE(r->resolved);  // by status alone
  EXPECT_EQ(r->posts[0].text.substr(0, 46), "Current status: investigating.\nNext update by:");
}

TEST(GraphParse, NextUpdateForms) {
  EXPECT_EQ(parse_next_update("Next update by: Wednesday, March 17, 2021, at 8:00 PM UTC"),
            utc("2021-03-17T20:00:00Z"));
  EXPECT_EQ(parse_next_update("x. Next Update: Friday, August 6, 2021, at 9:00 AM UTC, to"),
            utc("2021-08-06T09:00:00Z"));
  EXPECT_EQ(parse_next_update("Next update by: Monday, January 4, 2021, at 12:30 AM UTC"),
            utc("2021-01-04T00:30:00Z"));
  EXPECT_EQ(parse_next_update("Next update by: 2021-03-17T20:00:00Z."),
            utc("2021-03-17T20:00:00Z"));
  EXPECT_EQ(parse_next_update("Next update by: 2021-03-17T20:00:00.500+01:00"),
            utc("2021-03-17T19:00:00.500Z"));
  EXPECT_EQ(parse_next_update("We'll provide an update within 30 minutes."), std::nullopt);
  EXPECT_EQ(parse_next_update("Next update by: soon"), std::nullopt);
  EXPECT_EQ(parse_next_update("This is the final update on the incident."), std::nullopt);
}

TEST(GraphParse, HtmlToText) {
  EXPECT_EQ(html_to_text("<p>One &amp; two</p><p>&lt;three&gt; &quot;4&quot; &#39;5&#39;&nbsp;6"
                         "</p><ul><li>a</li><li>b<br/>c</li></ul>"),
            "One & two\n<three> \"4\" '5' 6\na\nb\nc");
  EXPECT_EQ(html_to_text("a &unknown; &#233; <b>bold</b>"), "a &unknown; \xc3\xa9 bold");
  EXPECT_EQ(html_to_text("x\n\n\n\ny"), "x\n\ny");
}

TEST(GraphParse, ReviewUrl) {
  EXPECT_EQ(find_review_url("The post-incident review is at https://aka.ms/pir/EX1 now."),
            "https://aka.ms/pir/EX1");
  EXPECT_EQ(find_review_url("See https://example.com/reviews/EX1."),
            "https://example.com/reviews/EX1");
  EXPECT_EQ(find_review_url("<a href=\"https://docs.microsoft.com/x\">review the docs</a>"), "");
}

TEST(GraphParse, Messages) {
  auto r = parse_messages(fixture("graph-messages.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->changes.size(), 1u);
  const PlannedChange& c = r->changes[0];
  EXPECT_EQ(c.id, "MC172851");
  EXPECT_EQ(c.category, "stayinformed");
  EXPECT_EQ(c.severity, "normal");
  EXPECT_TRUE(c.major_change);
  EXPECT_EQ(c.services, (std::vector<std::string>{"SharePoint Online", "OneDrive for Business"}));
  EXPECT_EQ(c.tags, (std::vector<std::string>{"Updated message"}));
  EXPECT_EQ(c.action_required_ms, std::nullopt);
  EXPECT_EQ(c.last_modified_ms, utc("2021-01-08T01:10:06.843Z"));
  EXPECT_FALSE(r->next_link.empty());

  auto cli = parse_messages(fixture("graph-messages.cli-m365-fixture.json"));
  ASSERT_TRUE(cli.ok()) << cli.error().message;
  ASSERT_FALSE(cli->changes.empty());
  EXPECT_EQ(cli->changes[0].id, "MC237349");
  EXPECT_EQ(cli->changes[0].category, "planforchange");
  EXPECT_EQ(cli->changes[0].action_required_ms, utc("2021-07-31T07:00:00Z"));
  EXPECT_EQ(cli->changes[0].body.find("<p>"), std::string::npos);
  EXPECT_NE(cli->changes[0].body.find("Please note:\nNeither"), std::string::npos);
}

TEST(GraphParse, EnumsAreCaseInsensitive) {
  std::string body =
      replaced(fixture("graph-issues.json"), "\"ServiceRestored\"", "\"SERVICEDEGRADATION\"");
  body = replaced(body, "\"isResolved\": true", "\"isResolved\": false");
  body = replaced(body, "\"Incident\"", "\"INCIDENT\"");
  auto r = parse_issues(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->issues[0].status, "servicedegradation");
  EXPECT_EQ(r->issues[0].classification, "incident");
  EXPECT_FALSE(r->issues[0].resolved);
  EXPECT_TRUE(graph_status_resolved("SERVICERESTORED"));
  EXPECT_TRUE(graph_status_resolved("falsePositive"));
  EXPECT_FALSE(graph_status_resolved("extendedRecovery"));
}

TEST(GraphParse, TruncatedOrWrongIsInvalidInput) {
  std::string body = fixture("graph-issues.json");
  auto cut = parse_issues(body.substr(0, body.size() / 2));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(cut.error().message.find("not valid JSON"), std::string::npos) << cut.error().message;

  auto no_id = parse_health_overviews(
      replaced(fixture("graph-healthOverviews-expand-issues.json"), "\"id\": \"EX226574\",", ""));
  ASSERT_FALSE(no_id.ok());
  EXPECT_EQ(no_id.error().message, "healthOverviews: value[0].issues[0]: no 'id'");

  auto bad_time = parse_issues(replaced(body, "2020-11-13T21:00:00Z", "yesterday"));
  ASSERT_FALSE(bad_time.ok());
  EXPECT_NE(bad_time.error().message.find("value[0]: 'startDateTime' is not an ISO 8601 time"),
            std::string::npos)
      << bad_time.error().message;

  EXPECT_FALSE(parse_messages("{\"value\": 3}").ok());
  EXPECT_FALSE(parse_messages("[]").ok());
  EXPECT_EQ(parse_issues("{}").error().message, "issues: no 'value'");
}

TEST(GraphParse, ListWithoutPostsIsMarked) {
  std::string body =
      "{\"value\":[{\"id\":\"EX1\",\"status\":\"serviceDegradation\","
      "\"service\":\"Exchange Online\"}]}";
  auto r = parse_issues(body);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->without_posts, (std::vector<size_t>{0}));
  std::vector<ServiceHealth> services{{"Exchange", "exchange online", "servicedegradation", false}};
  assign_service_ids(r->issues, services);
  EXPECT_EQ(r->issues[0].service_id, "Exchange");
}

}  // namespace
}  // namespace ebcm::health
