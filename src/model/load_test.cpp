#include "model/load.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "model/validate.hpp"
#include "model/write.hpp"

namespace ebcm::model {
namespace {

Loaded yaml(std::string_view text) { return load_text(text, Format::kYaml, "m.yaml"); }

const Diagnostic* find(const Diagnostics& d, std::string_view needle) {
  for (const auto& x : d.items()) {
    if (x.message.find(needle) != std::string::npos) return &x;
  }
  return nullptr;
}

TEST(Load, ReadsTheModelMdExample) {
  auto l = yaml(R"(ebcm: 1
organization: { name: Contoso, language: en, timezone: Europe/Stockholm }
business_units:
  - { id: it-ops, name: IT Operations }
locations:
  - { id: hq, name: Stockholm HQ, kind: office }
services:
  - id: exo
    name: Exchange Online
    kind: cloud
    provider: microsoft365
    provider_service: Exchange
    features:
      - { id: mapi, name: Outlook desktop (MAPI) }
      - { id: owa, name: Outlook on the web }
    requires: [ internet ]
  - { id: internet, name: Internet egress, kind: network }
functions:
  - id: incident-mgmt
    name: Incident management
    parent: null
    business_unit: it-ops
    staff: { normal: 12, minimum: 4 }
    bia:
      rto: 1h
      mtpd: 4h
      impacts:
        operational: { 1h: 3, 4h: 5 }
    requires:
      - any: [ exo/mapi, exo/owa ]
      - hq
scenarios:
  - id: pandemic
    category: [people]
    disrupt: [ { workforce: 40%, location: hq } ]
    duration: 30d
)");
  ASSERT_FALSE(l.diagnostics.has_errors()) << format_text(l.diagnostics, false);
  const auto& m = l.model;
  EXPECT_EQ(m.organization.timezone, "Europe/Stockholm");
  ASSERT_EQ(m.services.size(), 2u);
  EXPECT_EQ(m.services[0].features[1].id, "owa");
  EXPECT_EQ(m.services[0].provider_service, "Exchange");
  ASSERT_EQ(m.functions.size(), 1u);
  const auto& f = m.functions[0];
  EXPECT_EQ(f.parent, "");
  EXPECT_EQ(f.staff->normal, 12);
  EXPECT_EQ(f.bia->rto->minutes, 60);
  EXPECT_EQ(f.bia->impacts[0].points[1].level, 5);
  ASSERT_EQ(f.requires_.size(), 2u);
  EXPECT_EQ(f.requires_[0].kind, Requirement::Kind::kAny);
  EXPECT_EQ(f.requires_[0].items[1].ref, "exo/owa");
  EXPECT_EQ(f.requires_[1].pos.line, 31u);
  EXPECT_EQ(m.scenarios[0].disrupt[0].percent, 40);
  EXPECT_EQ(m.scenarios[0].disrupt[0].location, "hq");
}

TEST(Load, ReportsEverySyntaxProblemWithItsLine) {
  auto l = yaml(R"(ebcm: 1
functions:
  - id: Payroll
    bia: { rto: 4 hours, mtpd: 1d }
    staff: { normal: 3, minimum: 5 }
    colour: blue
  - id: ok
    bia: { rto: 2d, mtpd: 1d }
scenarios:
  - { id: s, disrupt: [ { workforce: 140% } ] }
)");
  const auto& d = l.diagnostics;
  EXPECT_EQ(d.error_count(), 5u) << format_text(d, false);
  EXPECT_EQ(find(d, "not a valid id")->line, 3u);
  EXPECT_EQ(find(d, "not a duration")->line, 4u);
  EXPECT_EQ(find(d, "not a duration")->path, "functions[0].bia.rto");  // no valid id: its place
  EXPECT_EQ(find(d, "minimum staff")->line, 5u);
  EXPECT_EQ(find(d, "unknown key 'colour'")->severity, Severity::kWarning);
  EXPECT_EQ(find(d, "longer than the MTPD")->line, 8u);
  EXPECT_EQ(find(d, "not a percentage")->path, "scenarios[s].disrupt[0].workforce");
}

TEST(Load, DegradedDisruptionReadsAndWritesBack) {
  auto l = yaml(R"(ebcm: 1
services: [ { id: teams, name: Teams } ]
scenarios:
  - { id: slow, disrupt: [ { node: teams, state: degraded }, { node: teams, state: down } ] }
)");
  ASSERT_FALSE(l.diagnostics.has_errors()) << format_text(l.diagnostics, false);
  EXPECT_TRUE(l.model.scenarios[0].disrupt[0].degraded);
  EXPECT_FALSE(l.model.scenarios[0].disrupt[1].degraded);
  const std::string text = to_yaml(l.model);
  EXPECT_NE(text.find("state: degraded"), std::string::npos) << text;
  auto again = yaml(text);
  ASSERT_EQ(again.model.scenarios.size(), 1u);
  ASSERT_EQ(again.model.scenarios[0].disrupt.size(), 2u);
  EXPECT_TRUE(again.model.scenarios[0].disrupt[0].degraded);
  EXPECT_FALSE(again.model.scenarios[0].disrupt[1].degraded);
}

TEST(Load, ProviderFeatureIsANameOrAListAndWritesBack) {
  auto l = yaml(R"(ebcm: 1
services:
  - id: exo
    name: Exchange
    provider: microsoft365
    provider_service: Exchange
    features:
      - { id: smtp, name: SMTP, provider_feature: [ E-Mail timely delivery, Mailflow ] }
      - { id: owa, name: OWA, provider_feature: Outlook on the web }
      - { id: bad, name: Bad, provider_feature: [ [ nested ] ] }
)");
  const auto& f = l.model.services[0].features;
  EXPECT_EQ(f[0].provider_feature, (std::vector<std::string>{"E-Mail timely delivery", "Mailflow"}));
  EXPECT_EQ(f[1].provider_feature, (std::vector<std::string>{"Outlook on the web"}));
  EXPECT_TRUE(l.diagnostics.has_errors());  // the nested list
  const std::string text = to_yaml(l.model);
  auto again = yaml(text);
  EXPECT_EQ(again.model.services[0].features[0].provider_feature, f[0].provider_feature) << text;
}

TEST(Load, DisruptionStateMustBeDownOrDegraded) {
  auto l = yaml(R"(ebcm: 1
services: [ { id: teams, name: Teams } ]
scenarios:
  - { id: s, disrupt: [ { node: teams, state: slow }, { workforce: 10%, state: degraded } ] }
)");
  const auto& d = l.diagnostics;
  ASSERT_NE(find(d, "'slow' is not a disruption state"), nullptr) << format_text(d, false);
  EXPECT_EQ(find(d, "'slow' is not a disruption state")->line, 4u);
  EXPECT_NE(find(d, "a workforce disruption has none"), nullptr) << format_text(d, false);
}

TEST(Load, JsonDiagnosticsGetTheirLineFromThePath) {
  // Through load_and_validate, which finds JSON positions again.
  const char* text =
      "{\"ebcm\": 1,\n \"functions\": [\n  {\"id\": \"a\"},\n  {\"id\": \"b\",\n   \"bia\": "
      "{\"rto\": \"soon\"}}\n ]\n}\n";
  std::string path = testing::TempDir() + "/loc.json";
  FILE* f = fopen(path.c_str(), "w");
  fputs(text, f);
  fclose(f);
  auto l = load_and_validate({path});
  const auto* d = find(l.diagnostics, "not a duration");
  ASSERT_NE(d, nullptr) << format_text(l.diagnostics, false);
  EXPECT_EQ(d->path, "functions[b].bia.rto");  // named by id, found by position
  EXPECT_EQ(d->index_path, "functions[1].bia.rto");
  EXPECT_EQ(d->line, 5u);
  EXPECT_EQ(d->col, 19u);
}

TEST(Load, BadSyntaxNamesThePlace) {
  auto l = yaml("ebcm: 1\nfunctions:\n  - id: a\n    name: [unclosed\n");
  ASSERT_TRUE(l.diagnostics.has_errors());
  EXPECT_EQ(l.diagnostics.items()[0].message, "the '[' at line 4 column 11 is not closed");
  EXPECT_EQ(l.diagnostics.items()[0].line, 4u);
  auto j = load_text("{\"ebcm\": 1,\n\"functions\": [}", Format::kJson, "m.json");
  ASSERT_TRUE(j.diagnostics.has_errors());
  EXPECT_EQ(j.diagnostics.items()[0].line, 2u);
}

TEST(Load, MissingVersionAndWrongVersion) {
  EXPECT_NE(find(yaml("functions: []\n").diagnostics, "format version is missing"), nullptr);
  EXPECT_NE(find(yaml("ebcm: 2\n").diagnostics, "version 2 is not supported"), nullptr);
}

TEST(Load, MissingVersionIsReportedWithTheOtherProblems) {
  auto d = yaml("functions:\n  - { id: a, bia: { rto: soon } }\n").diagnostics;
  EXPECT_NE(find(d, "format version is missing"), nullptr) << format_text(d, false);
  EXPECT_NE(find(d, "not a duration"), nullptr) << format_text(d, false);
}

TEST(Load, AfterASyntaxErrorTheOtherItemsAreStillChecked) {
  auto l = yaml(
      "ebcm: 1\nfunctions:\n  - id: a\n    name: A\n     owner: x\n  - id: b\n    bia: { rto: "
      "soon }\nscenarios:\n  - { id: s, disrupt: [ { workforce: 140% } ] }\n");
  const auto& d = l.diagnostics;
  EXPECT_EQ(d.error_count(), 3u) << format_text(d, false);
  const auto* syntax = find(d, "indentation of line 5 (5 spaces) does not match line 4");
  ASSERT_NE(syntax, nullptr) << format_text(d, false);
  EXPECT_EQ(syntax->line, 5u);
  EXPECT_EQ(find(d, "not a duration")->path, "functions[b].bia.rto");
  EXPECT_EQ(find(d, "not a percentage")->line, 9u);
  ASSERT_EQ(l.model.functions.size(), 1u);  // b; a did not parse
  EXPECT_EQ(find(d, "format version is missing"), nullptr);
}

TEST(Load, RecoveryReadsListItemsWrittenAtTheStartOfTheLine) {
  // gen-model.py and many editors write "- id:" in column 0.
  auto l =
      yaml("ebcm: 1\nfunctions:\n- id: a\n  name: A\n owner: x\n- id: b\n  bia: { rto: soon }\n");
  const auto& d = l.diagnostics;
  EXPECT_EQ(d.error_count(), 2u) << format_text(d, false);
  EXPECT_NE(find(d, "indentation of line 5 (1 space) does not match line 4 (2 spaces)"), nullptr)
      << format_text(d, false);
  EXPECT_EQ(find(d, "not a duration")->path, "functions[b].bia.rto");
}

TEST(Load, AKnownKeyInTheWrongPlaceIsAnError) {
  auto d =
      yaml("ebcm: 1\nfunctions:\n  - id: f\n    bia: { rto: 4h, requires: [x] }\n").diagnostics;
  const auto* x = find(d, "'requires' belongs to the function, not to 'bia'");
  ASSERT_NE(x, nullptr) << format_text(d, false);
  EXPECT_EQ(x->severity, Severity::kError);
  EXPECT_EQ(x->path, "functions[f].bia.requires");
  EXPECT_EQ(x->hint, "move it up one level, into the function");
  auto c = yaml("ebcm: 1\nfunctions:\n  - { id: f, bia: { RTO: 4h } }\n").diagnostics;
  ASSERT_NE(find(c, "written in capitals"), nullptr) << format_text(c, false);
  EXPECT_EQ(find(c, "written in capitals")->hint, "did you mean 'rto'?");
}

TEST(Load, UnknownKeysAreRefusedWhenAsked) {
  const char* text = "{\"ebcm\": 1, \"functions\": [{\"id\": \"f\", \"colour\": \"blue\"}]}";
  auto warned = load_text(text, Format::kJson, "m.json");
  EXPECT_EQ(find(warned.diagnostics, "is ignored")->severity, Severity::kWarning);
  auto refused = load_text(text, Format::kJson, "m.json", UnknownKeys::kRefuse);
  const auto* x = find(refused.diagnostics, "unknown key 'colour' in a function is refused");
  ASSERT_NE(x, nullptr) << format_text(refused.diagnostics, false);
  EXPECT_EQ(x->severity, Severity::kError);
}

TEST(Load, DuplicateKeysAreErrors) {
  auto l = yaml("ebcm: 1\nfunctions:\n  - id: a\n    id: b\n");
  auto* d = find(l.diagnostics, "given twice");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->line, 4u);
}

void write(const std::string& path, std::string_view text) {
  FILE* f = fopen(path.c_str(), "w");
  fwrite(text.data(), 1, text.size(), f);
  fclose(f);
}

TEST(Load, AFolderOfFilesMergesInNameOrder) {
  std::string dir = testing::TempDir() + "/ebcm-folder";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/teams");
  write(dir + "/00-org.yaml",
        "ebcm: 1\norganization: { name: Contoso }\nlocations: [ { id: hq } ]\n");
  write(dir + "/teams/it.yaml", "functions:\n  - { id: it, requires: [ hq, mail ] }\n");
  write(dir + "/services.json", R"({"services": [{"id": "mail"}]})");
  write(dir + "/notes.txt", "not a model");
  auto l = load_and_validate({dir});
  EXPECT_FALSE(l.diagnostics.has_errors()) << format_text(l.diagnostics, false);
  EXPECT_EQ(l.model.organization.name, "Contoso");
  ASSERT_EQ(l.model.sources.size(), 3u);  // 00-org.yaml, services.json, teams/it.yaml
  EXPECT_EQ(l.model.functions.size(), 1u);
  EXPECT_EQ(l.model.services.size(), 1u);

  write(dir + "/zz-org.yaml", "organization: { name: Other }\n");
  auto twice = load_and_validate({dir});
  const Diagnostic* d = find(twice.diagnostics, "already described in");
  ASSERT_NE(d, nullptr) << format_text(twice.diagnostics, false);
  EXPECT_NE(d->file.find("zz-org.yaml"), std::string::npos);
  EXPECT_EQ(d->line, 1u);
}

TEST(Load, UnreadableAndEmptyInputsAreErrorsNotCrashes) {
  auto missing = load_and_validate({testing::TempDir() + "/no-such-model.yaml"});
  ASSERT_TRUE(missing.diagnostics.has_errors());
  EXPECT_NE(missing.diagnostics.items()[0].message.find("cannot read"), std::string::npos);
  EXPECT_TRUE(yaml("").diagnostics.has_errors());
  EXPECT_TRUE(yaml("- just\n- a list\n").diagnostics.has_errors());
  EXPECT_TRUE(load_text("[1, 2]", Format::kJson, "m.json").diagnostics.has_errors());
  EXPECT_TRUE(load_text("{\"ebcm\": 1, \"functions\": [{\"id\": 7}]}", Format::kJson, "m.json")
                  .diagnostics.has_errors());
}

}  // namespace
}  // namespace ebcm::model
