#include "model/validate.hpp"

#include <gtest/gtest.h>

#include "model/load.hpp"

namespace ebcm::model {
namespace {

Diagnostics check(std::string_view text) {
  auto l = load_text(text, Format::kYaml, "m.yaml");
  validate(l.model, l.diagnostics);
  l.diagnostics.sort();
  return l.diagnostics;
}

const Diagnostic* find(const Diagnostics& d, std::string_view needle) {
  for (const auto& x : d.items()) {
    if (x.message.find(needle) != std::string::npos) return &x;
  }
  return nullptr;
}

constexpr const char* kBase = R"(ebcm: 1
business_units: [ { id: it, name: IT } ]
people:
  - { id: alice, business_unit: it, contacts: [ { channel: email, address: a@x.example } ] }
locations:
  - { id: hq, kind: office }
services:
  - id: exo
    features: [ { id: mapi }, { id: owa } ]
    requires: [ internet ]
  - { id: internet, kind: network }
  - { id: pstn, kind: network }
)";

TEST(Validate, CleanModelHasNothingToSay) {
  auto d = check(std::string(kBase) + R"(functions:
  - { id: f, owner: alice, business_unit: it, requires: [ { any: [exo/mapi, exo/owa] }, hq ] }
mitigations:
  - { id: m, for: f, replaces: exo, with: [pstn], status: implemented }
)");
  EXPECT_TRUE(d.empty()) << format_text(d, false);
}

TEST(Validate, UnknownReferenceSuggestsTheLikelyOne) {
  auto d = check(std::string(kBase) + R"(functions:
  - id: f
    requires:
      - { any: [exo/mapy, exo/owa] }
)");
  const auto* x = find(d, "unknown 'exo/mapy'");
  ASSERT_NE(x, nullptr) << format_text(d, false);
  EXPECT_EQ(x->hint, "did you mean 'exo/mapi'?");
  EXPECT_EQ(x->line, 16u);
  EXPECT_EQ(x->path, "functions[f].requires[0].any[0]");
}

TEST(Validate, DuplicateIdsAcrossTheNodeNamespace) {
  auto d = check(std::string(kBase) + "functions: [ { id: hq } ]\n");
  const auto* x = find(d, "id 'hq' is already used by");
  ASSERT_NE(x, nullptr) << format_text(d, false);
  EXPECT_EQ(x->line, 13u);  // on the later of the two, in reading order
  EXPECT_NE(x->message.find("locations[hq] at"), std::string::npos) << x->message;
}

TEST(Validate, ReplacesMustBeAmongTheRequirements) {
  auto d = check(std::string(kBase) + R"(functions:
  - { id: f, requires: [ exo/owa ] }
  - { id: g, requires: [ hq ] }
mitigations:
  - { id: ok, for: f, replaces: exo, with: [pstn] }
  - { id: bad, for: g, replaces: exo, with: [pstn] }
)");
  EXPECT_EQ(d.error_count(), 1u) << format_text(d, false);
  const auto* x = find(d, "does not require it");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->path, "mitigations[bad].replaces");
  EXPECT_EQ(x->line, 18u);
}

TEST(Validate, FeatureMitigationMayReplaceWhatItsServiceRequires) {
  auto d = check(std::string(kBase) + R"(mitigations:
  - { id: m, for: exo/owa, replaces: internet, with: [pstn] }
)");
  EXPECT_FALSE(d.has_errors()) << format_text(d, false);
}

TEST(Validate, CyclesAreWarningsNamingTheLoop) {
  auto d = check(R"(ebcm: 1
services:
  - { id: a, requires: [ b ] }
  - { id: b, requires: [ { any: [ c, x ] } ] }
  - { id: c, requires: [ a ] }
  - { id: x }
  - { id: self, requires: [ self ] }
)");
  EXPECT_FALSE(d.has_errors()) << format_text(d, false);
  ASSERT_EQ(d.warning_count(), 2u) << format_text(d, false);
  EXPECT_NE(find(d, "a → b → c require one another"), nullptr) << format_text(d, false);
  EXPECT_NE(find(d, "cycle: self"), nullptr) << format_text(d, false);
}

TEST(Validate, HierarchiesMustEnd) {
  auto d = check(R"(ebcm: 1
business_units:
  - { id: a, parent: b }
  - { id: b, parent: a }
functions:
  - { id: f, parent: g }
  - { id: g, parent: f }
  - { id: h, parent: hq }
locations: [ { id: hq } ]
)");
  EXPECT_NE(find(d, "business unit 'a' is its own ancestor"), nullptr) << format_text(d, false);
  EXPECT_NE(find(d, "function 'f' is its own ancestor"), nullptr);
  EXPECT_NE(find(d, "a location, as its parent"), nullptr);
}

TEST(Validate, ScenariosAndPeople) {
  auto d = check(std::string(kBase) + R"(  - { id: x }
scenarios:
  - { id: empty, disrupt: [] }
  - { id: w, disrupt: [ { workforce: 10%, location: exo }, { workforce: 5%, business_unit: itt } ] }
)");
  EXPECT_NE(find(d, "disrupts nothing"), nullptr) << format_text(d, false);
  EXPECT_NE(find(d, "a service, where a location is expected"), nullptr);
  const auto* bu = find(d, "unknown business unit 'itt'");
  ASSERT_NE(bu, nullptr);
  EXPECT_EQ(bu->hint, "did you mean 'it'?");
}

TEST(Validate, CallTreesNameKnownPeopleUnitsAndLocationsWithTheirPaths) {
  auto d = check(std::string(kBase) + R"(  - { id: hq2 }
functions:
  - { id: f, requires: [ exo ], call_tree: it-majr }
call_trees:
  - id: it-major
    levels:
      - { targets: [ alicee, { business_unit: itt }, { location: exo } ], ack_timeout: 10m }
      - { targets: [] }
  - { id: empty, levels: [] }
  - { id: lonely, levels: [ { targets: [ { location: hq } ] } ] }
)");
  const auto* tree = find(d, "unknown call tree 'it-majr'");
  ASSERT_NE(tree, nullptr) << format_text(d, false);
  EXPECT_EQ(tree->hint, "did you mean 'it-major'?");
  const auto* person = find(d, "unknown person 'alicee'");
  ASSERT_NE(person, nullptr);
  // The path is built for the message and outlives it (it once pointed at a freed string).
  EXPECT_EQ(person->path, "call_trees[it-major].levels[0].targets[0]");
  EXPECT_EQ(person->hint, "did you mean 'alice'?");
  const auto* unit = find(d, "unknown business unit 'itt'");
  ASSERT_NE(unit, nullptr);
  EXPECT_EQ(unit->path, "call_trees[it-major].levels[0].targets[1]");
  EXPECT_NE(find(d, "a service, where a location is expected"), nullptr);
  EXPECT_NE(find(d, "level 2 of call tree 'it-major' engages nobody"), nullptr);
  EXPECT_NE(find(d, "call tree 'empty' has no levels"), nullptr);
  const auto* lonely = find(d, "level 1 of call tree 'lonely' reaches no one");
  ASSERT_NE(lonely, nullptr);
  EXPECT_EQ(lonely->severity, Severity::kWarning);
  EXPECT_EQ(find(d, "level 1 of call tree 'it-major' reaches no one"), nullptr);  // errors say it
}

TEST(Validate, CallTreeTimeoutsAndTargetsAreReadStrictly) {
  auto d = check(std::string(kBase) + R"(call_trees:
  - id: t
    repeat: -1
    levels:
      - { targets: [ alice ], ack_timeout: 0m }
      - { targets: [ { person: alice, location: hq } ], ack_timeout: 10 minutes }
)");
  EXPECT_NE(find(d, "'repeat' is -1"), nullptr) << format_text(d, false);
  EXPECT_NE(find(d, "an 'ack_timeout' of zero"), nullptr);
  EXPECT_NE(find(d, "'10 minutes' is not a duration"), nullptr);
  EXPECT_NE(find(d, "names one person, business_unit or location"), nullptr);
}

}  // namespace
}  // namespace ebcm::model
