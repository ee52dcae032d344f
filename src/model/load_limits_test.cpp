// Hostile and broken input: whatever the text, loading ends with diagnostics, never with a
// crash, a stack overflow or memory in proportion to anything but the text.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "model/load.hpp"

namespace ebcm::model {
namespace {

Loaded yaml(std::string_view text) { return load_text(text, Format::kYaml, "m.yaml"); }
Loaded json_text(std::string_view text) { return load_text(text, Format::kJson, "m.json"); }

const Diagnostic* find(const Diagnostics& d, std::string_view needle) {
  for (const auto& x : d.items()) {
    if (x.message.find(needle) != std::string::npos) return &x;
  }
  return nullptr;
}

std::string all(const Loaded& l) { return format_text(l.diagnostics, false); }

constexpr std::string_view kOrg =
    "organization: { name: Contoso, language: en, timezone: Europe/Stockholm }\n";

TEST(LoadLimits, SelfReferringAliasIsAnErrorNotAStackOverflow) {
  auto l = yaml("ebcm: 1\nx: &a [*a]\n");
  const Diagnostic* d = find(l.diagnostics, "inside the value its anchor names");
  ASSERT_NE(d, nullptr) << all(l);
  EXPECT_EQ(d->line, 2u);
  EXPECT_EQ(d->col, 8u);  // the alias
  auto nested = yaml("ebcm: 1\nx: &a { y: [ 1, { z: *a } ] }\n");
  EXPECT_NE(find(nested.diagnostics, "inside the value its anchor names"), nullptr) << all(nested);
}

TEST(LoadLimits, BillionLaughsStopsAtTheValueBudgetNamingTheAlias) {
  std::string text = "ebcm: 1\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 10; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) text += (k ? ", *a" : "*a") + std::to_string(i - 1);
    text += "]\n";
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto l = yaml(text);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  const Diagnostic* d = find(l.diagnostics, "aliases expand the file to more than");
  ASSERT_NE(d, nullptr) << all(l);
  EXPECT_EQ(d->severity, Severity::kError);
  EXPECT_GE(d->line, 6u);  // an alias of the levels that go over, not the first anchor
  EXPECT_GT(d->col, 1u);
  EXPECT_NE(d->hint.find("use fewer aliases"), std::string::npos);
}

TEST(LoadLimits, ALongTextAliasedManyTimesCountsItsBytes) {
  std::string text = "ebcm: 1\ns: &s \"" + std::string(100'000, 'x') + "\"\nlist: [";
  for (int k = 0; k < 5000; ++k) text += k ? ", *s" : "*s";  // 500 MB if copied
  text += "]\n";
  auto l = yaml(text);
  EXPECT_NE(find(l.diagnostics, "aliases expand the file"), nullptr) << all(l);
}

TEST(LoadLimits, AliasesWithinTheBudgetReadAsCopiesWithPositions) {
  auto l = yaml(std::string("ebcm: 1\n") + std::string(kOrg) +
                "locations:\n"
                "  - &office { id: a, name: A, kind: office, colour: red }\n"
                "  - *office\n");
  // Both copies are read, each with the unknown key where the anchored value is written.
  EXPECT_FALSE(l.diagnostics.has_errors()) << all(l);
  ASSERT_EQ(l.model.locations.size(), 2u);
  EXPECT_EQ(l.model.locations[1].id, "a");
  size_t unknown = 0;
  for (const auto& d : l.diagnostics.items()) {
    if (d.message.find("unknown key") != std::string::npos) {
      ++unknown;
      EXPECT_EQ(d.line, 4u) << all(l);  // where the aliased value is written
    }
  }
  EXPECT_EQ(unknown, 2u) << all(l);
}

TEST(LoadLimits, DeepFlowNestingIsAnErrorNotAStackOverflow) {
  for (bool closed : {false, true}) {
    std::string text = "ebcm: 1\nx: " + std::string(100'000, '[');
    if (closed) text += std::string(100'000, ']') + "\n";
    auto l = yaml(text);
    const Diagnostic* d = find(l.diagnostics, "nests more than 64 levels");
    ASSERT_NE(d, nullptr) << all(l);
    EXPECT_EQ(d->line, 2u);
  }
}

TEST(LoadLimits, DeepBlockMappingsAreAnError) {
  std::string text = "ebcm: 1\n";
  for (int depth = 0; depth < 3000; ++depth) text += std::string(depth, ' ') + "a:\n";
  auto l = yaml(text);
  EXPECT_TRUE(l.diagnostics.has_errors());
  EXPECT_NE(find(l.diagnostics, "nests more than 64 levels"), nullptr) << all(l).substr(0, 500);
}

TEST(LoadLimits, DeepJsonNestingIsAnErrorWithItsPlace) {
  for (bool closed : {false, true}) {
    std::string text = "{\"ebcm\": 1,\n\"x\": " + std::string(100'000, '[');
    if (closed) text += std::string(100'000, ']') + "}";
    auto l = json_text(text);
    ASSERT_TRUE(l.diagnostics.has_errors());
    const auto& d = l.diagnostics.items().front();
    EXPECT_EQ(d.line, 2u) << all(l);
    EXPECT_GT(d.col, 0u);
  }
  // In a section (the streaming reader's path) too.
  auto l = json_text("{\"ebcm\": 1, \"functions\": [" + std::string(50'000, '[') +
                     std::string(50'000, ']') + "]}");
  EXPECT_NE(find(l.diagnostics, "nests too deep"), nullptr) << all(l);
}

TEST(LoadLimits, ASecondYamlDocumentIsAnErrorAtItsMarker) {
  auto l = yaml(std::string("ebcm: 1\n") + std::string(kOrg) + "---\nthis: [is not, read\n");
  const Diagnostic* d = find(l.diagnostics, "a second one starts here");
  ASSERT_NE(d, nullptr) << all(l);
  EXPECT_EQ(d->line, 3u);
  EXPECT_EQ(d->col, 1u);
  EXPECT_EQ(l.diagnostics.error_count(), 1u) << all(l);
  // A well-formed second document, after comments, and one after "...".
  auto tidy = yaml("ebcm: 1\n---\n# more\n\nfoo: 1\n");
  d = find(tidy.diagnostics, "a second one starts here");
  ASSERT_NE(d, nullptr) << all(tidy);
  EXPECT_EQ(d->line, 2u);
  auto after_end = yaml("ebcm: 1\n...\nfoo: 1\n");
  d = find(after_end.diagnostics, "a second one starts here");
  ASSERT_NE(d, nullptr) << all(after_end);
  EXPECT_EQ(d->line, 3u);
}

TEST(LoadLimits, ALeadingMarkerAndATrailingEndAreFine) {
  auto l = yaml(std::string("---\nebcm: 1\n") + std::string(kOrg) + "...\n");
  EXPECT_FALSE(l.diagnostics.has_errors()) << all(l);
  auto empty = yaml("---\n...\n");
  EXPECT_NE(find(empty.diagnostics, "the file is empty"), nullptr) << all(empty);
  EXPECT_NE(find(yaml("").diagnostics, "the file is empty"), nullptr);
}

TEST(LoadLimits, InvalidUtf8IsAnErrorAtItsPlaceAndTheRestIsStillRead) {
  const std::string body = std::string("ebcm: 1\n") + std::string(kOrg) +
                           "locations: [ { id: vxo, name: V\xE4xj\xF6, kind: office } ]\n"
                           "functions: [ { id: payroll, name: Payroll, bia: { rto: soon } } ]\n";
  auto l = yaml(body);
  const Diagnostic* d = find(l.diagnostics, "invalid UTF-8 byte 0xE4");
  ASSERT_NE(d, nullptr) << all(l);
  EXPECT_EQ(d->line, 3u);
  EXPECT_EQ(d->col, 32u);
  EXPECT_EQ(d->hint, "save the file as UTF-8");
  EXPECT_EQ(find(l.diagnostics, "0xF6"), nullptr) << "one per line";
  EXPECT_NE(find(l.diagnostics, "duration"), nullptr) << all(l);

  auto j = json_text("{\"ebcm\": 1,\n \"organization\": {\"name\": \"Caf\xE9\"}}");
  d = find(j.diagnostics, "invalid UTF-8 byte 0xE9");
  ASSERT_NE(d, nullptr) << all(j);
  EXPECT_EQ(d->line, 2u);
  EXPECT_EQ(d->col, 31u);
}

TEST(LoadLimits, ManyLinesOfInvalidUtf8AreSummed) {
  std::string text = "ebcm: 1\n";
  for (int i = 0; i < 100; ++i) text += "k" + std::to_string(i) + ": \xFF\xFF\n";
  auto l = yaml(text);
  EXPECT_EQ(l.diagnostics.error_count(), 21u) << all(l);
  EXPECT_NE(find(l.diagnostics, "80 more lines"), nullptr) << all(l);
}

TEST(LoadLimits, AYamlEscapeThatIsNoCharacterIsAnError) {
  auto l =
      yaml(std::string("ebcm: 1\norganization: { name: \"a\\uD800b\", language: en, "
                       "timezone: Europe/Stockholm }\n"));
  EXPECT_TRUE(l.diagnostics.has_errors()) << all(l);
  for (const auto& d : l.diagnostics.items()) EXPECT_GT(d.line, 0u);
}

}  // namespace
}  // namespace ebcm::model
