#include "health/sources.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "health/feed_text.hpp"
#include "health/source_http.hpp"
#include "health/test_fixtures.hpp"
#include "net/fake_http_client.hpp"

namespace ebcm::health {
namespace {

using net::FakeHttpClient;
using testing::fixture;
using testing::replaced;

constexpr const char* kSecret = "S3cr3t~Value.42";
constexpr const char* kToken1 = "eyJ0eXAi-token-one";
constexpr const char* kToken2 = "eyJ0eXAi-token-two";
const std::string kLogin = "https://login.microsoftonline.com/contoso/oauth2/v2.0/token";
const std::string kBase = "https://graph.microsoft.com/v1.0/admin/serviceAnnouncement/";

std::string token_body(const char* token) {
  return std::string(
             "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,"
             "\"access_token\":\"") +
         token + "\"}";
}

class GraphSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_file_ = std::filesystem::temp_directory_path() /
                   ("ebcm-graph-secret-" + std::to_string(::getpid()));
    std::ofstream(secret_file_) << kSecret << "\n";
    settings_.provider = "microsoft365";
    settings_.tenant = "contoso";
    settings_.client_id = "11111111-2222-3333-4444-555555555555";
    settings_.client_secret_file = secret_file_.string();
  }
  void TearDown() override { std::filesystem::remove(secret_file_); }

  // A whole tenant: the documented payloads, messages on two pages.
  void script_tenant() {
    http_.script(kLogin, 200, token_body(kToken1));
    http_.script(kBase + "healthOverviews?$expand=issues", 200,
                 fixture("graph-healthOverviews-expand-issues.json"));
    http_.script(kBase + "messages", 200, fixture("graph-messages.json"));
    http_.script(kBase + "messages?$skip=100", 200, "{\"value\": []}");
  }
  GraphSource source() { return GraphSource(settings_, http_, clock_); }

  std::filesystem::path secret_file_;
  GraphSettings settings_;
  FakeHttpClient http_;
  FakeClock clock_;
};

TEST_F(GraphSourceTest, FullRead) {
  script_tenant();
  GraphSource s = source();
  auto r = s.read("");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->full);
  ASSERT_EQ(r->services.size(), 1u);
  ASSERT_EQ(r->issues.size(), 1u);
  EXPECT_EQ(r->issues[0].id, "EX226574");
  EXPECT_EQ(r->issues[0].service_id, "Exchange");
  ASSERT_EQ(r->changes.size(), 1u);
  EXPECT_EQ(r->cursor, "2021-01-08T01:10:06Z");  // the newest lastModifiedDateTime

  const auto& reqs = http_.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].url, kLogin);
  EXPECT_NE(reqs[0].body.find("client_id=11111111-2222-3333-4444-555555555555"), std::string::npos);
  EXPECT_NE(reqs[0].body.find("client_secret=S3cr3t~Value.42"), std::string::npos);
  EXPECT_NE(reqs[0].body.find("grant_type=client_credentials"), std::string::npos);
  EXPECT_NE(reqs[0].body.find("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"),
            std::string::npos);
  EXPECT_EQ(net::header_value(reqs[1].headers, "authorization"), std::string("Bearer ") + kToken1);
  EXPECT_EQ(reqs[1].timeout_ms, 15000);
  EXPECT_EQ(reqs[3].url, kBase + "messages?$skip=100");
}

TEST_F(GraphSourceTest, ReusesTheTokenUntilShortlyBeforeItExpires) {
  script_tenant();
  GraphSource s = source();
  ASSERT_TRUE(s.read("").ok());
  ASSERT_TRUE(s.read("").ok());
  EXPECT_EQ(http_.count(kLogin), 1u);
  clock_.advance(std::chrono::minutes(54));
  ASSERT_TRUE(s.read("").ok());
  EXPECT_EQ(http_.count(kLogin), 1u);
  clock_.advance(std::chrono::minutes(2));  // 56 min: within 5 min of 3599 s
  ASSERT_TRUE(s.read("").ok());
  EXPECT_EQ(http_.count(kLogin), 2u);
}

TEST_F(GraphSourceTest, FollowsNextLinkOverThreePages) {
  http_.script(kLogin, 200, token_body(kToken1));
  std::string page = fixture("graph-healthOverviews.json");
  std::string first = kBase + "healthOverviews?$expand=issues";
  auto with_next = [&](const std::string& body, const std::string& next) {
    return replaced(body, "\"value\":", "\"@odata.nextLink\": \"" + next + "\", \"value\":");
  };
  http_.script(first, 200, with_next(page, first + "&$skiptoken=2"));
  http_.script(first + "&$skiptoken=2", 200,
               with_next(replaced(page, "\"Exchange\"", "\"Exchange2\""), first + "&$skiptoken=3"));
  http_.script(first + "&$skiptoken=3", 200, replaced(page, "\"Exchange\"", "\"Exchange3\""));
  http_.script(kBase + "messages", 200, "{\"value\": []}");
  GraphSource s = source();
  auto r = s.read("");
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->services.size(), 9u);
  EXPECT_EQ(r->services[3].id, "Exchange2");
  EXPECT_EQ(r->services[6].id, "Exchange3");
  EXPECT_EQ(http_.count(first), 3u);
}

TEST_F(GraphSourceTest, RefusesANextLinkToAnotherHost) {
  http_.script(kLogin, 200, token_body(kToken1));
  http_.script(kBase + "healthOverviews", 200,
               replaced(fixture("graph-healthOverviews.json"), "\"value\":",
                        "\"@odata.nextLink\": \"https://graph.evil.example/v1.0/x?$skip=1\", "
                        "\"value\":"));
  GraphSource s = source();
  auto r = s.read("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("graph.evil.example"), std::string::npos) << r.error().message;
  EXPECT_EQ(http_.count("https://graph.evil.example"), 0u);
  // Another port or scheme is another origin too.
  EXPECT_NE(url_origin("https://graph.microsoft.com:8443/x"),
            url_origin("https://graph.microsoft.com/"));
  EXPECT_NE(url_origin("http://graph.microsoft.com/x"), url_origin("https://graph.microsoft.com/"));
  EXPECT_EQ(url_origin("https://GRAPH.microsoft.com:443/x"),
            url_origin("https://graph.microsoft.com"));
}

TEST_F(GraphSourceTest, ThrottledAnswerGivesRetryAfter) {
  http_.script(kLogin, 200, token_body(kToken1));
  http_.script(kBase + "healthOverviews", 429,
               "{\"error\":{\"code\":\"TooManyRequests\",\"message\":\"Too many requests\"}}",
               {{"Retry-After", "7"}});
  GraphSource s = source();
  auto r = s.read("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(s.retry_after_ms(), 7000);
  EXPECT_NE(r.error().message.find("TooManyRequests"), std::string::npos) << r.error().message;

  net::Headers date{{"retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"}};
  EXPECT_EQ(retry_after(date, *parse_iso_ms("2015-10-21T07:27:30Z")), 30000);
  EXPECT_EQ(retry_after(date, *parse_iso_ms("2015-10-21T08:00:00Z")), 0);
  EXPECT_EQ(retry_after({{"Retry-After", "soon"}}, 0), std::nullopt);
}

TEST_F(GraphSourceTest, UnavailableAndServerErrors) {
  http_.script(kLogin, 200, token_body(kToken1));
  http_.script(kBase + "healthOverviews", 503, "", {{"Retry-After", "120"}});
  GraphSource s = source();
  auto r = s.read("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(s.retry_after_ms(), 120000);
  http_.script(kBase + "healthOverviews", 502, "bad gateway");
  r = s.read("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(s.retry_after_ms(), std::nullopt);
}

TEST_F(GraphSourceTest, A401FetchesANewTokenAndRetriesOnce) {
  http_.script(kLogin, 200, token_body(kToken1));
  http_.script(kLogin, 200, token_body(kToken2));
  http_.script(kBase + "healthOverviews", 401,
               "{\"error\":{\"code\":\"InvalidAuthenticationToken\"}}");
  http_.script(kBase + "healthOverviews", 200, fixture("graph-healthOverviews-expand-issues.json"));
  http_.script(kBase + "messages", 200, "{\"value\": []}");
  GraphSource s = source();
  auto r = s.read("");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(http_.count(kLogin), 2u);
  EXPECT_EQ(http_.count(kBase + "healthOverviews"), 2u);
  EXPECT_EQ(net::header_value(http_.requests()[3].headers, "Authorization"),
            std::string("Bearer ") + kToken2);
}

TEST_F(GraphSourceTest, A401AfterTheRetryIsForbidden) {
  http_.script(kLogin, 200, token_body(kToken1));
  http_.script(kBase + "healthOverviews", 401, "");
  GraphSource s = source();
  auto r = s.read("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(http_.count(kBase + "healthOverviews"), 2u);
}

TEST_F(GraphSourceTest, RejectedCredentialsAreForbidden) {
  http_.script(kLogin, 401,
               std::string("{\"error\":\"invalid_client\",\"error_description\":\"AADSTS7000215: "
                           "Invalid client secret provided: ") +
                   kSecret + "\",\"error_codes\":[7000215]}");
  GraphSource s = source();
  auto r = s.read("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
  EXPECT_EQ(r.error().message,
            "microsoft365: the tenant rejected the client credentials (AADSTS7000215, "
            "invalid_client)");
}

TEST_F(GraphSourceTest, ARotatedSecretIsReadAgainAfterARejection) {
  http_.script(kLogin, 401, "{\"error\":\"invalid_client\"}");
  GraphSource s = source();
  ASSERT_EQ(s.read("").error().code, ErrorCode::kForbidden);
  std::ofstream(secret_file_) << "rotated\n";
  script_tenant();
  ASSERT_TRUE(s.read("").ok());
  EXPECT_NE(http_.requests()[1].body.find("client_secret=rotated"), std::string::npos);
}

TEST_F(GraphSourceTest, IncrementalReadFiltersByTheCursorAndFetchesPosts) {
  settings_.max_issue_gets = 2;
  http_.script(kLogin, 200, token_body(kToken1));
  http_.script(kBase + "healthOverviews", 200, fixture("graph-healthOverviews.json"));
  const std::string filter = "?$filter=lastModifiedDateTime%20ge%202021-08-01T00:00:00Z";
  std::string list =
      "{\"value\":["
      "{\"id\":\"EX1\",\"status\":\"serviceDegradation\",\"service\":\"Exchange Online\","
      "\"lastModifiedDateTime\":\"2021-08-06T20:28:36.537Z\"},"
      "{\"id\":\"EX2\",\"status\":\"investigating\",\"service\":\"Exchange Online\"},"
      "{\"id\":\"EX3\",\"status\":\"investigating\",\"service\":\"Exchange Online\"}]}";
  http_.script(kBase + "issues" + filter, 200, list);
  http_.script(kBase + "issues/EX1", 200,
               replaced(fixture("graph-issue.cli-m365-fixture.json"), "CR275975", "EX1"));
  http_.script(kBase + "issues/EX2", 200, replaced(fixture("graph-issue.json"), "MO226784", "EX2"));
  http_.script(kBase + "messages" + filter, 200, "{\"value\": []}");
  GraphSource s = source();
  auto r = s.read("2021-08-01T00:00:00Z");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->full);
  EXPECT_EQ(r->services.size(), 3u);
  ASSERT_EQ(r->issues.size(), 3u);
  EXPECT_EQ(r->issues[0].posts.size(), 3u);
  EXPECT_EQ(r->issues[0].service, "Dynamics 365 Apps");  // as the issue itself says
  EXPECT_EQ(r->issues[1].posts.size(), 1u);
  EXPECT_EQ(r->issues[2].posts.size(), 0u);  // over the bound: what the list gave
  EXPECT_EQ(r->issues[2].service_id, "Exchange");
  EXPECT_EQ(http_.count(kBase + "issues/"), 2u);
  EXPECT_EQ(http_.count(kBase + "healthOverviews?"), 0u);  // no $expand when incremental
  EXPECT_EQ(r->cursor, "2021-08-06T20:28:36Z");

  auto bad = s.read("yesterday");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
}

TEST_F(GraphSourceTest, IncrementalReadWithNothingNewKeepsTheCursor) {
  http_.script(kLogin, 200, token_body(kToken1));
  http_.script(kBase + "healthOverviews", 200, fixture("graph-healthOverviews.json"));
  http_.script(kBase + "issues?", 200, "{\"value\": []}");
  http_.script(kBase + "messages?", 200, "{\"value\": []}");
  GraphSource s = source();
  auto r = s.read("2021-08-01T00:00:00Z");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->cursor, "2021-08-01T00:00:00Z");
}

TEST_F(GraphSourceTest, TruncatedJsonNamesThePath) {
  http_.script(kLogin, 200, token_body(kToken1));
  std::string body = fixture("graph-healthOverviews-expand-issues.json");
  http_.script(kBase + "healthOverviews", 200, body.substr(0, body.size() - 40));
  GraphSource s = source();
  auto r = s.read("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("/v1.0/admin/serviceAnnouncement/healthOverviews"),
            std::string::npos)
      << r.error().message;
  EXPECT_EQ(r.error().message.find("$expand"), std::string::npos) << r.error().message;
}

TEST_F(GraphSourceTest, SecretFromTheEnvironment) {
  settings_.client_secret_file.clear();
  settings_.client_secret_env = "EBCM_TEST_GRAPH_SECRET";
  ::unsetenv("EBCM_TEST_GRAPH_SECRET");
  GraphSource missing(settings_, http_, clock_);
  auto e = missing.read("");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(e.error().message.find("EBCM_TEST_GRAPH_SECRET"), std::string::npos);
  ::setenv("EBCM_TEST_GRAPH_SECRET", "from-env", 1);
  script_tenant();
  GraphSource s(settings_, http_, clock_);
  ASSERT_TRUE(s.read("").ok());
  EXPECT_NE(http_.requests().back().url.find("messages"), std::string::npos);
  bool sent = false;
  for (const auto& req : http_.requests())
    sent = sent || req.body.find("client_secret=from-env") != std::string::npos;
  EXPECT_TRUE(sent);
  ::unsetenv("EBCM_TEST_GRAPH_SECRET");
}

TEST_F(GraphSourceTest, MissingSecretFileIsNamed) {
  settings_.client_secret_file = "/nonexistent/ebcm-secret";
  GraphSource s = source();
  auto r = s.load_secret();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("/nonexistent/ebcm-secret"), std::string::npos);
}

// Every failure path: neither the secret nor a token in any message.
TEST_F(GraphSourceTest, NoSecretOrTokenInAnyError) {
  std::vector<std::string> messages;
  auto run = [&](const std::function<void(FakeHttpClient&)>& script, std::string_view cursor) {
    FakeHttpClient http;
    script(http);
    GraphSource s(settings_, http, clock_);
    auto r = s.read(cursor);
    EXPECT_FALSE(r.ok());
    if (!r.ok()) messages.push_back(r.error().message);
  };
  const std::string echo = std::string(" echo ") + kSecret + " " + kToken1;
  auto token_ok = [](FakeHttpClient& h) { h.script(kLogin, 200, token_body(kToken1)); };
  run(
      [&](FakeHttpClient& h) {
        h.script(
            kLogin, 400,
            "{\"error\":\"invalid_request\",\"error_description\":\"AADSTS900144:" + echo + "\"}");
      },
      "");
  run([&](FakeHttpClient& h) { h.script(kLogin, 500, echo); }, "");
  run(
      [&](FakeHttpClient& h) {
        h.script(kLogin, 200, "{\"token\":\"" + std::string(kToken1) + "\"}");
      },
      "");
  run(
      [&](FakeHttpClient& h) {
        h.script(kLogin, make_error(ErrorCode::kUnavailable,
                                    "login.microsoftonline.com: no answer in time"));
      },
      "");
  for (int status : {401, 403, 404, 429, 500, 503}) {
    run(
        [&](FakeHttpClient& h) {
          token_ok(h);
          h.script(kBase, status, "{\"error\":{\"code\":\"X\",\"message\":\"" + echo + "\"}}");
        },
        "");
  }
  run(
      [&](FakeHttpClient& h) {
        token_ok(h);
        h.script(kBase, 200, "{\"value\":[" + echo);
      },
      "");
  run(
      [&](FakeHttpClient& h) {
        token_ok(h);
        h.script(kBase, 200, "{\"value\":[{\"id\":3}]}");
      },
      "");
  run(
      [&](FakeHttpClient& h) {
        token_ok(h);
        h.script(kBase, 200,
                 "{\"@odata.nextLink\":\"https://evil.example/?t=" + std::string(kToken1) +
                     "\",\"value\":[]}");
      },
      "");
  run(
      [&](FakeHttpClient& h) {
        token_ok(h);
        h.script(kBase,
                 make_error(ErrorCode::kUnavailable, "graph.microsoft.com: connection dropped"));
      },
      "2021-01-01T00:00:00Z");
  run([&](FakeHttpClient&) {}, "not a time");
  {
    GraphSettings no_file = settings_;
    no_file.client_secret_file = "/nonexistent/x";
    FakeHttpClient http;
    GraphSource s(no_file, http, clock_);
    messages.push_back(s.read("").error().message);
  }
  ASSERT_GE(messages.size(), 16u);
  for (const std::string& m : messages) {
    EXPECT_EQ(m.find(kSecret), std::string::npos) << m;
    EXPECT_EQ(m.find("token-one"), std::string::npos) << m;
    EXPECT_FALSE(m.empty());
  }
}

TEST(StatuspageSource, ReadsSummaryAndUnresolved) {
  FakeHttpClient http;
  FakeClock clock;
  http.script("https://discordstatus.com/api/v2/summary.json", 200,
              fixture("statuspage-summary.discord.json"));
  http.script("https://discordstatus.com/api/v2/incidents/unresolved.json", 200,
              replaced(fixture("statuspage-incidents.discord.json"), "\"status\": \"resolved\"",
                       "\"status\": \"identified\""));
  StatuspageSource s({"discord", "https://discordstatus.com/", 15}, http, clock);
  EXPECT_EQ(s.provider(), "discord");
  auto r = s.read("ignored");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->full);
  EXPECT_EQ(r->cursor, "");
  EXPECT_EQ(r->services.size(), 1u);
  ASSERT_EQ(r->issues.size(), 1u);
  EXPECT_EQ(r->issues[0].id, "n4njzfn1mqy0");
  EXPECT_FALSE(r->issues[0].resolved);
  EXPECT_EQ(http.requests().size(), 2u);

  http.script("https://discordstatus.com/api/v2/summary.json", 429, "", {{"Retry-After", "30"}});
  auto t = s.read("");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(s.retry_after_ms(), 30000);
  http.script("https://discordstatus.com/api/v2/summary.json", 200, "{\"components\": [");
  auto cut = s.read("");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(cut.error().message.find("/api/v2/summary.json"), std::string::npos);
}

TEST(FakeSource, HandsOutReadingsAndRecordsCursors) {
  FakeSource s("microsoft365");
  Reading one;
  one.cursor = "c1";
  s.push(one);
  s.push(make_error(ErrorCode::kUnavailable, "down"), 5000);
  EXPECT_EQ(s.provider(), "microsoft365");
  EXPECT_EQ(s.read("")->cursor, "c1");
  EXPECT_FALSE(s.read("c1").ok());
  EXPECT_EQ(s.retry_after_ms(), 5000);
  EXPECT_FALSE(s.read("c1").ok());
  EXPECT_EQ(s.retry_after_ms(), std::nullopt);
  EXPECT_EQ(s.cursors(), (std::vector<std::string>{"", "c1", "c1"}));
}

}  // namespace
}  // namespace ebcm::health
