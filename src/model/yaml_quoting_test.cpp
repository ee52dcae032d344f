// The quoting rule of YAML export (docs/model.md, "How ebcm writes YAML"): what another YAML
// reader would take for a number, a date, a boolean, a null or a structure is quoted; the rest
// stays plain, and every scalar reads back as the same string.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "model/write.hpp"

namespace ebcm::model {
namespace {

struct Case {
  const char* text;
  bool quoted;
};

// Every text a reader of YAML 1.1 or 1.2 could read as something else.
const Case kTricky[] = {
    {"+46701234567", true},
    {"46701234567", true},
    {"-12", true},
    {"007", true},
    {"0x1F", true},
    {"0o17", true},
    {"0b101", true},
    {"1_000", true},
    {"1.5", true},
    {".5", true},
    {"1e3", true},
    {"1E-3", true},
    {"1:20", true},
    {"190:20:30", true},
    {"1:20.5", true},
    {".inf", true},
    {"-.inf", true},
    {".NaN", true},
    {"yes", true},
    {"No", true},
    {"ON", true},
    {"off", true},
    {"y", true},
    {"n", true},
    {"True", true},
    {"FALSE", true},
    {"null", true},
    {"Null", true},
    {"~", true},
    {"", true},
    {"2026-12-02", true},
    {"2026-12-02T10:00:00Z", true},
    {"2026-12-02 10:00", true},
    {" leading", true},
    {"trailing ", true},
    {"a # b", true},
    {"# comment", true},
    {"key: value", true},
    {"ends:", true},
    {"- item", true},
    {"-", true},
    {"?", true},
    {":", true},
    {",", true},
    {"[x]", true},
    {"{x}", true},
    {"&anchor", true},
    {"*alias", true},
    {"!tag", true},
    {"|", true},
    {">", true},
    {"'single'", true},
    {"\"double\"", true},
    {"%directive", true},
    {"@at", true},
    {"`tick", true},
    {"line\nbreak", true},
    {"tab\there", true},
    {"bell\a", true},
    {"del\x7f", true},
    {"nel\xc2\x85", true},
    {"ls\xe2\x80\xa8", true},
    {"bom\xef\xbb\xbf", true},
    {"=", true},
    {"<<", true},
    {"...", true},
    {"---", true},
};

// What stays plain, so that exports stay readable.
const Case kSafe[] = {
    {"payroll", false},
    {"exo/mapi", false},
    {"Stockholm HQ (Kungsholmen)", false},
    {"Legal & Compliance", false},
    {"4h", false},
    {"2d", false},
    {"1w", false},
    {"40%", false},
    {"alice@example.com", false},
    {"https://example.com/hook", false},
    {"a#b", false},
    {"a:b", false},
    {"Smith, John", false},
    {"what?", false},
    {"Gärtnerei Müller", false},
    {"3cx-phones", false},
    {"x-1", false},
};

std::string read_back(const std::string& yaml) { return YAML::Load(yaml)["k"].as<std::string>(); }
std::string read_back_flow(const std::string& yaml) {
  return YAML::Load(yaml)["k"][0]["v"].as<std::string>();
}

TEST(YamlQuoting, TrickyScalarsAreQuotedAndReadBackAsTheSameText) {
  for (const auto& c : kTricky) {
    SCOPED_TRACE(c.text);
    const std::string out = yaml_scalar(c.text);
    EXPECT_EQ(out.front(), '"') << out;
    EXPECT_EQ(read_back("k: " + out + "\n"), c.text);
    EXPECT_EQ(read_back_flow("k: [{v: " + yaml_scalar(c.text, true) + "}]\n"), c.text);
  }
}

TEST(YamlQuoting, SafeScalarsStayPlainInBlocks) {
  for (const auto& c : kSafe) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(yaml_scalar(c.text), c.text);
    EXPECT_EQ(read_back("k: " + yaml_scalar(c.text) + "\n"), c.text);
    EXPECT_EQ(read_back_flow("k: [{v: " + yaml_scalar(c.text, true) + "}]\n"), c.text);
  }
}

TEST(YamlQuoting, FlowIndicatorsAreQuotedOnlyInsideBrackets) {
  for (const char* s : {"Smith, John", "what?", "a:b", "https://example.com/hook", "x]"}) {
    SCOPED_TRACE(s);
    EXPECT_EQ(yaml_scalar(s, true).front(), '"');
  }
  EXPECT_EQ(yaml_scalar("Smith, John", false), "Smith, John");
}

TEST(YamlQuoting, ControlCharactersAreEscaped) {
  EXPECT_EQ(yaml_scalar("a\nb"), "\"a\\nb\"");
  EXPECT_EQ(yaml_scalar("a\x7f"), "\"a\\x7F\"");
  EXPECT_EQ(yaml_scalar("a\xe2\x80\xa8"), "\"a\\u2028\"");
  EXPECT_EQ(yaml_scalar("say \"hi\"\\"), "say \"hi\"\\");  // plain: quotes inside are safe
  EXPECT_EQ(yaml_scalar("\"hi\"\\"), "\"\\\"hi\\\"\\\\\"");
}

}  // namespace
}  // namespace ebcm::model
