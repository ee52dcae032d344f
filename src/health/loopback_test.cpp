// The network sources over libcurl against loopback stand-ins serving the real payloads.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "health/sources.hpp"
#include "health/test_fixtures.hpp"
#include "net/curl_client.hpp"
#include "net/loopback_server.hpp"

namespace ebcm::health {
namespace {

using net::LoopbackAnswer;
using net::LoopbackRequest;
using net::LoopbackServer;
using testing::fixture;
using testing::replaced;

constexpr const char* kSecret = "loopback-S3cret";
const std::string kApi = "/graph/v1.0/admin/serviceAnnouncement/";

struct Tenant {
  std::string base;  // the server's base URL, known once it runs
  int token_posts = 0;
  bool hang_messages = false, drop_messages = false;

  LoopbackAnswer answer(const LoopbackRequest& r) {
    if (r.method == "POST" && r.target == "/login/contoso/oauth2/v2.0/token") {
      ++token_posts;
      if (r.body.find(std::string("client_secret=") + "loopback-S3cret") == std::string::npos) {
        return LoopbackAnswer::respond(401, "{\"error\":\"invalid_client\"}");
      }
      return LoopbackAnswer::respond(
          200, "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"access_token\":\"tok-loop\"}");
    }
    if (net::header_value(r.headers, "Authorization") != "Bearer tok-loop") {
      return LoopbackAnswer::respond(401, "{\"error\":{\"code\":\"InvalidAuthenticationToken\"}}");
    }
    if (r.target == kApi + "healthOverviews?$expand=issues") {
      return LoopbackAnswer::respond(200, fixture("graph-healthOverviews-expand-issues.json"),
                                     {{"Content-Type", "application/json"}});
    }
    if (r.target == kApi + "healthOverviews") {
      return LoopbackAnswer::respond(200, fixture("graph-healthOverviews.json"));
    }
    if (r.target.starts_with(kApi + "messages")) {
      if (hang_messages) return LoopbackAnswer::hang();
      if (drop_messages) return LoopbackAnswer::drop();
      if (r.target.find("$skip=100") != std::string::npos) {
        return LoopbackAnswer::respond(200, "{\"value\":[]}");
      }
      std::string body =
          replaced(fixture("graph-messages.json"), "https://graph.microsoft.com", base + "/graph");
      return LoopbackAnswer::respond(200, body);
    }
    if (r.target.starts_with(kApi + "issues?$filter=")) {
      return LoopbackAnswer::respond(200, fixture("graph-issues.cli-m365-fixture.json"));
    }
    return LoopbackAnswer::respond(404, "{\"error\":{\"code\":\"NotFound\"}}");
  }
};

class LoopbackGraph : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_ = std::filesystem::temp_directory_path() /
              ("ebcm-loopback-secret-" + std::to_string(::getpid()));
    std::ofstream(secret_) << kSecret << "\n";
    tenant_.base = server_.base_url();
    settings_.provider = "microsoft365";
    settings_.tenant = "contoso";
    settings_.client_id = "client";
    settings_.client_secret_file = secret_.string();
    settings_.login_url = server_.base_url() + "/login";
    settings_.graph_url = server_.base_url() + "/graph";
    settings_.timeout_s = 1;
  }
  void TearDown() override { std::filesystem::remove(secret_); }

  Tenant tenant_;
  LoopbackServer server_{[this](const LoopbackRequest& r) { return tenant_.answer(r); }};
  std::filesystem::path secret_;
  GraphSettings settings_;
  net::CurlClient curl_;
  FakeClock clock_;
};

TEST_F(LoopbackGraph, FullThenIncrementalRead) {
  GraphSource source(settings_, curl_, clock_);
  auto full = source.read("");
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_TRUE(full->full);
  ASSERT_EQ(full->issues.size(), 1u);
  EXPECT_EQ(full->issues[0].id, "EX226574");
  EXPECT_EQ(full->changes.size(), 1u);
  EXPECT_EQ(server_.requests().size(), 4u);  // token, overviews, messages on two pages

  auto next = source.read(full->cursor);
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_FALSE(next->full);
  EXPECT_EQ(next->services.size(), 3u);
  ASSERT_FALSE(next->issues.empty());
  EXPECT_EQ(next->issues[0].id, "CR275975");
  EXPECT_EQ(tenant_.token_posts, 1);
  bool filtered = false;
  for (const auto& r : server_.requests()) {
    filtered =
        filtered || r.target == kApi + "issues?$filter=lastModifiedDateTime%20ge%20" + full->cursor;
  }
  EXPECT_TRUE(filtered);
}

TEST_F(LoopbackGraph, NeverAnsweringTimesOut) {
  tenant_.hang_messages = true;
  GraphSource source(settings_, curl_, clock_);
  auto start = std::chrono::steady_clock::now();
  auto r = source.read("");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("no answer in time"), std::string::npos) << r.error().message;
  EXPECT_LT(took, std::chrono::seconds(4));
}

TEST_F(LoopbackGraph, DroppedConnectionIsUnavailable) {
  tenant_.drop_messages = true;
  GraphSource source(settings_, curl_, clock_);
  auto r = source.read("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
  EXPECT_EQ(r.error().message.find(kSecret), std::string::npos);
}

TEST_F(LoopbackGraph, WrongSecretIsForbidden) {
  std::ofstream(secret_) << "wrong\n";
  GraphSource source(settings_, curl_, clock_);
  auto r = source.read("");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
  EXPECT_NE(r.error().message.find("invalid_client"), std::string::npos) << r.error().message;
}

TEST(LoopbackStatuspage, ReadsTheDiscordPayloads) {
  LoopbackServer server([](const LoopbackRequest& r) {
    if (r.target == "/api/v2/summary.json") {
      return LoopbackAnswer::respond(200, fixture("statuspage-summary.discord.json"));
    }
    if (r.target == "/api/v2/incidents/unresolved.json") {
      return LoopbackAnswer::respond(200, fixture("statuspage-incidents-unresolved.discord.json"));
    }
    return LoopbackAnswer::respond(404, "");
  });
  FakeClock clock;
  StatuspageSource source({"discord", server.base_url(), 2}, std::make_unique<net::CurlClient>(),
                          clock);
  auto r = source.read("");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->full);
  ASSERT_EQ(r->services.size(), 1u);
  EXPECT_TRUE(r->services[0].operational);
  EXPECT_TRUE(r->issues.empty());
}

}  // namespace
}  // namespace ebcm::health
