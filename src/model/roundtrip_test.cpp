// Round trips: what ebcm writes loads back to the same model, in every form it writes.
#include <gtest/gtest.h>

#include <algorithm>

#include "model/entities.hpp"
#include "model/load.hpp"
#include "model/write.hpp"

namespace ebcm::model {
namespace {

Model load_example() {
  auto l = load_and_validate({std::string(EBCM_SOURCE_DIR) + "/examples/contoso.yaml"});
  EXPECT_FALSE(l.diagnostics.has_errors()) << format_text(l.diagnostics, false);
  EXPECT_EQ(l.diagnostics.warning_count(), 0u) << format_text(l.diagnostics, false);
  return std::move(l.model);
}

void expect_clean_equal(const Loaded& again, const Model& original) {
  EXPECT_FALSE(again.diagnostics.has_errors()) << format_text(again.diagnostics, false);
  EXPECT_TRUE(again.model == original);
}

TEST(RoundTrip, ExampleThroughYaml) {
  Model m = load_example();
  std::string text = to_yaml(m);
  auto again = load_text(text, Format::kYaml, "again.yaml");
  expect_clean_equal(again, m);
  EXPECT_EQ(to_yaml(again.model), text);  // writing is stable
}

TEST(RoundTrip, ExampleThroughJson) {
  Model m = load_example();
  for (bool pretty : {true, false}) {
    auto again = load_text(to_json(m, pretty), Format::kJson, "again.json");
    expect_clean_equal(again, m);
  }
}

TEST(RoundTrip, ExampleThroughEntities) {
  Model m = load_example();
  auto entities = to_entities(m);
  auto back = from_entities(entities);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(*back == m);
  EXPECT_EQ(to_entities(*back), entities);  // bodies are canonical
}

// Reading only what changed gives the model that reading everything gives: an entity changed,
// one added, one removed, two swapped.
TEST(RoundTrip, FromEntitiesReusingABaseEqualsReadingAll) {
  const Model base = load_example();
  const auto before = to_entities(base);
  auto after = before;
  for (auto& e : after) {
    if (e.kind == EntityKind::kFunction && e.id == "payroll") {
      e.body.replace(e.body.find("\"Payroll\""), 9, "\"Pay day\"");
    }
  }
  after.erase(after.begin() + 3);
  std::swap(after[5], after[6]);
  Model extra;
  extra.functions.push_back(base.functions.front());
  extra.functions.back().id = "brand-new";
  after.push_back(to_entities(extra).back());
  auto all = from_entities(after);
  ASSERT_TRUE(all) << all.error().message;
  auto reused = from_entities(after, base, before);
  ASSERT_TRUE(reused) << reused.error().message;
  EXPECT_EQ(*reused, *all);
  EXPECT_NE(*reused, base);
  EXPECT_EQ(reused->functions.back().id, "brand-new");
}

TEST(RoundTrip, EqualityNoticesAChange) {
  Model m = load_example();
  Model changed = m;
  changed.functions[0].bia->rto = Duration{changed.functions[0].bia->rto->minutes + 1};
  EXPECT_FALSE(changed == m);
  Model other = m;
  other.functions[0].requires_.pop_back();
  EXPECT_FALSE(other == m);
}

TEST(RoundTrip, AwkwardTextSurvivesYaml) {
  auto l = load_text(R"(ebcm: 1
organization: { name: "null", language: en, timezone: UTC }
functions:
  - id: "007"
    name: "Payroll: run # 1, 'quoted' and \"double\""
    description: "line one\nline two"
)",
                     Format::kYaml, "m.yaml");
  ASSERT_FALSE(l.diagnostics.has_errors()) << format_text(l.diagnostics, false);
  EXPECT_EQ(l.model.organization.name, "null");
  auto again = load_text(to_yaml(l.model), Format::kYaml, "again.yaml");
  expect_clean_equal(again, l.model);
  EXPECT_EQ(again.model.functions[0].id, "007");
  EXPECT_EQ(again.model.functions[0].description, "line one\nline two");
}

TEST(RoundTrip, NamesInOtherLanguagesSurviveYamlAndJson) {
  Model m = load_example();
  ASSERT_EQ(m.locations[0].names.at("sv"), "Stockholm HK (Kungsholmen)");
  const auto& exo = *std::find_if(m.services.begin(), m.services.end(),
                                  [](const Service& s) { return s.id == "exo"; });
  EXPECT_EQ(exo.features[1].names.at("sv"), "Outlook på webben");
  auto yaml = load_text(to_yaml(m), Format::kYaml, "again.yaml");
  expect_clean_equal(yaml, m);
  auto json = load_text(to_json(m, false), Format::kJson, "again.json");
  expect_clean_equal(json, m);
  EXPECT_NE(to_yaml(m).find("names: {sv: Outlook på webben}"), std::string::npos) << to_yaml(m);
}

TEST(RoundTrip, NamesNeedALanguageCodeAndText) {
  auto l = load_text(R"(ebcm: 1
services:
  - { id: a, names: { SV: x } }
  - { id: b, names: { sv: [x] } }
  - { id: c, names: { de: Dienst } }
  - { id: d, names: [sv] }
)",
                     Format::kYaml, "m.yaml");
  const std::string text = format_text(l.diagnostics, false);
  EXPECT_NE(text.find("services[a].names.SV: 'SV' is not a language code"), std::string::npos)
      << text;
  EXPECT_NE(text.find("services[b].names.sv: expected text"), std::string::npos) << text;
  EXPECT_NE(text.find("services[c].names.de: ebcm has no translation for 'de'"), std::string::npos)
      << text;
  EXPECT_NE(text.find("services[d].names: expected 'names' (language code: name)"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace ebcm::model
