#include "health/mapping.hpp"

#include <gtest/gtest.h>

#include "model/load.hpp"

namespace ebcm::health {
namespace {

constexpr std::string_view kModel = R"(ebcm: 1
services:
  - id: exo
    name: Exchange Online
    provider: microsoft365
    provider_service: exchange            # the healthOverview id, in another case
    features:
      - { id: smtp, name: SMTP, provider_feature: [ e-mail timely delivery ] }
      - { id: owa, name: OWA, provider_feature: [ Outlook on the web ] }
  - id: teams
    name: Teams
    provider: microsoft365
    provider_service: Microsoft Teams     # the display name
  - id: voice
    name: Voice
    provider: bridge-status
    provider_service: Voice               # a Statuspage component name
  - id: api
    name: API
    provider: bridge-status
    provider_service: rhznvxg4v7yh        # a Statuspage component id
functions:
  - { id: mail, name: Mail, requires: [ exo ] }
)";

model::Model load() {
  auto l = model::load_text(kModel, model::Format::kYaml, "m.yaml");
  EXPECT_FALSE(l.diagnostics.has_errors());
  return l.model;
}

ProviderIssue graph_issue(std::string id, std::string service, std::string status,
                          std::string classification = "advisory") {
  ProviderIssue i;
  i.id = std::move(id);
  i.kind = "issue";
  i.service = std::move(service);
  i.status = std::move(status);
  i.classification = std::move(classification);
  return i;
}

const std::vector<ServiceHealth> kGraph = {
    {"Exchange", "Exchange Online", "servicedegradation", false},
    {"microsoftteams", "Microsoft Teams", "serviceoperational", true},
    {"Intune", "Microsoft Intune", "serviceoperational", true},
};

TEST(Mapping, AnIncidentInterruptionIsDownEverythingElseDegraded) {
  auto i = graph_issue("EX1", "Exchange Online", "serviceinterruption", "incident");
  EXPECT_TRUE(disrupts_down(i));
  i.classification = "advisory";
  EXPECT_FALSE(disrupts_down(i));  // serviceInterruption as an advisory
  for (const char* s : {"servicedegradation", "extendedrecovery", "investigating",
                        "restoringservice", "verifyingservice", "mitigated"}) {
    EXPECT_FALSE(disrupts_down(graph_issue("x", "y", s, "incident"))) << s;
  }
  ProviderIssue c;
  c.kind = "component";
  c.status = "major_outage";
  EXPECT_TRUE(disrupts_down(c));
  for (const char* s : {"partial_outage", "degraded_performance", "under_maintenance"}) {
    c.status = s;
    EXPECT_FALSE(disrupts_down(c)) << s;
  }
}

TEST(Mapping, AnIssueByDisplayNameReachesTheServiceNamedById) {
  const auto m = load();
  auto i = graph_issue("EX1", "Exchange Online", "serviceinterruption", "incident");
  const auto e = map_provider(m, "microsoft365", kGraph, {i});
  ASSERT_EQ(e.issues.size(), 1u);
  EXPECT_EQ(e.issues[0].services, std::vector<std::string>{"exo"});
  EXPECT_EQ(e.issues[0].nodes, (std::vector<NodeDisruption>{{"exo", false}}));
  EXPECT_EQ(e.unmapped, std::vector<std::string>{"Microsoft Intune"});
}

TEST(Mapping, ProviderFeatureNarrowsTheIssueToFeatures) {
  const auto m = load();
  auto i = graph_issue("EX2", "Exchange Online", "servicedegradation", "incident");
  i.feature = "Mailflow - delayed delivery from Internet";
  i.feature_group = "E-Mail Timely Delivery";  // another case than the model's
  const auto e = map_provider(m, "microsoft365", kGraph, {i});
  ASSERT_EQ(e.issues.size(), 1u);
  EXPECT_EQ(e.issues[0].nodes, (std::vector<NodeDisruption>{{"exo/smtp", true}}));
}

TEST(Mapping, ResolvedIssuesDisruptNothing) {
  const auto m = load();
  auto i = graph_issue("EX3", "Exchange Online", "serviceinterruption", "incident");
  i.resolved = true;
  auto healthy = kGraph;
  healthy[0].operational = true;
  const auto e = map_provider(m, "microsoft365", healthy, {i});
  EXPECT_TRUE(e.issues.empty());
  EXPECT_TRUE(e.nodes().empty());
}

TEST(Mapping, ANonOperationalServiceWithoutAMappedIssueIsAnAdvisory) {
  const auto m = load();
  const auto e = map_provider(m, "microsoft365", kGraph, {});
  ASSERT_EQ(e.issues.size(), 1u);
  EXPECT_EQ(e.issues[0].issue_id, "service:Exchange");
  EXPECT_EQ(e.issues[0].nodes, (std::vector<NodeDisruption>{{"exo", true}}));
  // With an active issue of it mapped, no advisory besides it.
  const auto with = map_provider(m, "microsoft365", kGraph,
                                 {graph_issue("EX4", "Exchange Online", "investigating")});
  ASSERT_EQ(with.issues.size(), 1u);
  EXPECT_EQ(with.issues[0].issue_id, "EX4");
}

TEST(Mapping, AnIssueOfAServiceNoModelServiceNamesIsUnmapped) {
  const auto m = load();
  auto healthy = kGraph;
  healthy[0].operational = true;
  const auto e = map_provider(m, "microsoft365", healthy,
                              {graph_issue("PL1", "Planner", "servicedegradation")});
  ASSERT_EQ(e.issues.size(), 1u);
  EXPECT_TRUE(e.issues[0].nodes.empty());
  EXPECT_EQ(e.unmapped, (std::vector<std::string>{"Microsoft Intune", "Planner"}));
}

TEST(Mapping, OtherProvidersServicesAreNotTouched) {
  const auto m = load();
  // A feed for bridge-status whose component is called "Exchange Online": exo is not its own.
  const auto e = map_provider(m, "bridge-status", {{"c1", "Exchange Online", "major_outage", false}},
                              {});
  EXPECT_TRUE(e.issues.empty());
  EXPECT_EQ(e.unmapped, std::vector<std::string>{"Exchange Online"});
}

TEST(Mapping, StatuspageComponentsByNameOrIdAndIncidentsThroughTheirComponents) {
  const auto m = load();
  const std::vector<ServiceHealth> comps = {
      {"v01", "Voice", "partial_outage", false},
      {"rhznvxg4v7yh", "API", "major_outage", false},
  };
  ProviderIssue voice;
  voice.id = "component:v01";
  voice.kind = "component";
  voice.service = "Voice";
  voice.service_id = "v01";
  voice.status = "partial_outage";
  ProviderIssue api = voice;
  api.id = "component:rhznvxg4v7yh";
  api.service = "API";
  api.service_id = "rhznvxg4v7yh";
  api.status = "major_outage";
  ProviderIssue incident;
  incident.id = "inc1";
  incident.kind = "incident";
  incident.status = "investigating";
  incident.components = {"v01", "rhznvxg4v7yh"};
  const auto e = map_provider(m, "bridge-status", comps, {voice, api, incident});
  ASSERT_EQ(e.issues.size(), 3u);
  EXPECT_EQ(e.issues[2].services, (std::vector<std::string>{"api", "voice"}));
  EXPECT_TRUE(e.issues[2].nodes.empty());
  EXPECT_EQ(e.nodes(), (std::vector<NodeDisruption>{{"api", false}, {"voice", true}}));
  EXPECT_TRUE(e.unmapped.empty());
}

TEST(Mapping, DownWinsOverDegradedForTheSameNode) {
  const auto m = load();
  const auto e = map_provider(
      m, "microsoft365", kGraph,
      {graph_issue("A", "Exchange Online", "servicedegradation"),
       graph_issue("B", "Exchange Online", "serviceinterruption", "incident")});
  EXPECT_EQ(e.nodes(), (std::vector<NodeDisruption>{{"exo", false}}));
}

}  // namespace
}  // namespace ebcm::health
