#include "health/settings.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ebcm::health {
namespace {

Result<Settings> parse(const std::string& yaml) {
  YAML::Node root = YAML::Load(yaml);
  return parse_settings(root["health"], "ebcm.yaml");
}

std::string all_messages(const Error& e) {
  std::string out = e.message + "\n";
  for (const ErrorDetail& d : e.details) {
    out += d.file + ":" + std::to_string(d.line) + ":" + std::to_string(d.column) + " " + d.path +
           ": " + d.message + (d.hint.empty() ? "" : " (" + d.hint + ")") + "\n";
  }
  return out;
}

TEST(HealthSettings, TheIssuesExample) {
  auto r = parse(R"(
health:
  interval: 60s
  sources:
    - provider: microsoft365
      kind: microsoft-graph
      tenant: contoso.onmicrosoft.com
      client_id: 11111111-2222-3333-4444-555555555555
      client_secret_file: /etc/ebcm/graph-secret
      login_url: https://login.microsoftonline.com
      graph_url: https://graph.microsoft.com
    - provider: bridge-status
      kind: statuspage
      url: https://status.bridge.example
      timeout: 5s
)");
  ASSERT_TRUE(r.ok()) << all_messages(r.error());
  EXPECT_EQ(r->interval_ms, 60000);
  ASSERT_EQ(r->sources.size(), 2u);
  const SourceSettings& g = r->sources[0];
  EXPECT_EQ(g.provider, "microsoft365");
  EXPECT_EQ(g.kind, "microsoft-graph");
  EXPECT_EQ(g.tenant, "contoso.onmicrosoft.com");
  EXPECT_EQ(g.client_secret_file, "/etc/ebcm/graph-secret");
  EXPECT_EQ(g.graph_url, "https://graph.microsoft.com");
  EXPECT_EQ(g.timeout_s, 15);
  EXPECT_EQ(r->sources[1].url, "https://status.bridge.example");
  EXPECT_EQ(r->sources[1].timeout_s, 5);
}

TEST(HealthSettings, DefaultsWhenAbsent) {
  auto r = parse("serve: {}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->interval_ms, 60000);
  EXPECT_TRUE(r->sources.empty());
  auto minutes = parse("health:\n  interval: 5m\n");
  ASSERT_TRUE(minutes.ok()) << all_messages(minutes.error());
  EXPECT_EQ(minutes->interval_ms, 300000);
  auto env = parse(
      "health:\n  sources:\n    - {provider: m, kind: microsoft-graph, tenant: t, client_id: c,"
      " client_secret_env: EBCM_GRAPH_SECRET, graph_url: 'http://127.0.0.1:9000/'}\n");
  ASSERT_TRUE(env.ok()) << all_messages(env.error());
  EXPECT_EQ(env->sources[0].client_secret_env, "EBCM_GRAPH_SECRET");
  EXPECT_EQ(env->sources[0].login_url, "https://login.microsoftonline.com");
}

TEST(HealthSettings, EveryProblemAtOnceWithPlaces) {
  auto r = parse(R"(health:
  interval: 5s
  sources:
    - provider: microsoft365
      kind: microsoft-graph
      tenant: contoso
      clientid: abc
      client_secret: hunter2
    - provider: microsoft365
      kind: statuspag
    - provider: other
      kind: statuspage
      url: ftp://status.example
    - kind: microsoft-graph
      tenant: t
      client_id: c
      client_secret_file: /a
      client_secret_env: B
)");
  ASSERT_FALSE(r.ok());
  const Error& e = r.error();
  EXPECT_EQ(e.code, ErrorCode::kInvalidInput);
  std::string all = all_messages(e);
  for (const char* want : {
           "ebcm.yaml:2:13 health.interval: 'interval' must be at least 10s",
           "health.sources[0].clientid: unknown setting 'clientid' (did you mean 'client_id'?)",
           "ebcm.yaml:8:22 health.sources[0].client_secret: put the secret in a file "
           "(client_secret_file) or an environment variable (client_secret_env), never in the "
           "settings",
           "health.sources[0].client_id: microsoft-graph needs 'client_id'",
           "health.sources[1].provider: provider 'microsoft365' has a source already",
           "health.sources[1].kind: unknown kind 'statuspag' (did you mean 'statuspage'?)",
           "health.sources[2].url: 'url' must be an http(s) URL",
           "health.sources[3].provider: a source needs 'provider'",
           "health.sources[3]: microsoft-graph needs exactly one of",
       }) {
    EXPECT_NE(all.find(want), std::string::npos) << "missing: " << want << "\nin:\n" << all;
  }
  EXPECT_EQ(all.find("hunter2"), std::string::npos) << all;
  EXPECT_EQ(e.details.size(), 9u) << all;
}

TEST(HealthSettings, WrongShapes) {
  EXPECT_FALSE(parse("health: 3\n").ok());
  EXPECT_FALSE(parse("health:\n  sources: {a: 1}\n").ok());
  EXPECT_FALSE(parse("health:\n  interval: soon\n").ok());
  EXPECT_FALSE(parse("health:\n  sources:\n    - provider: s\n      kind: statuspage\n").ok());
  auto typo = parse("health:\n  intervall: 60s\n");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.error().details.at(0).hint, "did you mean 'interval'?");
  EXPECT_EQ(typo.error().details.at(0).line, 2u);
}

TEST(HealthSettings, MakeSource) {
  FakeClock clock;
  SourceSettings s;
  s.provider = "microsoft365";
  s.kind = "microsoft-graph";
  s.tenant = "t";
  s.client_id = "c";
  s.client_secret_file = "/nonexistent/graph-secret";
  auto missing = make_source(s, clock);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(missing.error().message.find("/nonexistent/graph-secret"), std::string::npos);

  auto file = std::filesystem::temp_directory_path() / "ebcm-settings-test-secret";
  std::ofstream(file) << "value\n";
  s.client_secret_file = file.string();
  auto graph = make_source(s, clock);
  ASSERT_TRUE(graph.ok()) << graph.error().message;
  EXPECT_EQ((*graph)->provider(), "microsoft365");
  std::filesystem::remove(file);

  SourceSettings p;
  p.provider = "bridge";
  p.kind = "statuspage";
  p.url = "http://127.0.0.1:1";
  p.timeout_s = 1;
  auto page = make_source(p, clock);
  ASSERT_TRUE(page.ok());
  auto read = (*page)->read("");  // nobody listens there
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kUnavailable) << read.error().message;
}

}  // namespace
}  // namespace ebcm::health
