#include "core/catalog.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "core/messages.hpp"

namespace ebcm::catalog {
namespace {

namespace json = boost::json;

// "status.title" → text, read from the source file itself (not from the compiled table).
std::map<std::string, std::string> read_messages(const std::string& code) {
  const std::string path = std::string(EBCM_MESSAGES_DIR) + "/" + code + ".json";
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  std::map<std::string, std::string> out;
  json::value v = json::parse(ss.str());
  for (const auto& [area, keys] : v.as_object())
    for (const auto& [key, text] : keys.as_object())
      out[std::string(area) + "." + std::string(key)] = std::string(text.as_string());
  return out;
}

TEST(Catalog, EveryLanguageFileHasTheKeysAndPlaceholdersOfEnglish) {
  const auto en = read_messages("en");
  ASSERT_FALSE(en.empty());
  for (size_t l = 1; l < language_count(); ++l) {
    const std::string c(code(Language{static_cast<uint8_t>(l)}));
    const auto other = read_messages(c);
    for (const auto& [key, text] : en) {
      auto it = other.find(key);
      ASSERT_NE(it, other.end()) << c << ".json lacks " << key;
      EXPECT_EQ(placeholders(it->second), placeholders(text)) << c << ".json, " << key;
    }
    for (const auto& [key, text] : other) EXPECT_TRUE(en.count(key)) << c << ".json: extra " << key;
  }
}

TEST(Catalog, CompiledTextsAreThoseOfTheFiles) {
  for (size_t l = 0; l < language_count(); ++l) {
    const Language lang{static_cast<uint8_t>(l)};
    const auto file = read_messages(std::string(code(lang)));
    EXPECT_EQ(file.size(), key_count()) << code(lang);
    for (uint32_t k = 0; k < key_count(); ++k) {
      auto it = file.find(std::string(key_name(Key{k})));
      ASSERT_NE(it, file.end()) << key_name(Key{k});
      EXPECT_EQ(text(lang, Key{k}), it->second) << key_name(Key{k});
    }
  }
}

TEST(Catalog, LanguagesByCode) {
  EXPECT_EQ(language("en"), msg::lang::en);
  EXPECT_EQ(language("sv"), msg::lang::sv);
  EXPECT_FALSE(language("de"));
  EXPECT_EQ(code(msg::lang::sv), "sv");
}

TEST(Catalog, FormatFillsNamedPlaceholders) {
  EXPECT_EQ(format(msg::lang::en, msg::status::since, {{"time", "10:15"}}), "since 10:15");
  EXPECT_EQ(format(msg::lang::sv, msg::status::since, {{"time", "10:15"}}), "sedan 10:15");
  EXPECT_EQ(format(msg::lang::en, msg::status::title), "Service status");
  EXPECT_EQ(key_name(msg::status::title), "status.title");
}

TEST(Catalog, FormatRefusesAMissingOrUnusedArgumentNamingTheKey) {
  try {
    (void)format(msg::lang::en, msg::status::since);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "catalog: status.since (en) needs the argument {time}");
  }
  try {
    (void)format(msg::lang::sv, msg::status::title, {{"time", "x"}});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "catalog: status.title (sv) has no placeholder {time}");
  }
}

TEST(Catalog, PlaceholdersAreDistinctAndSorted) {
  using V = std::vector<std::string>;
  EXPECT_EQ(placeholders("{b} and {a}, {b}"), (V{"a", "b"}));
  EXPECT_EQ(placeholders("no {} {Upper} { spaced }"), V{});
}

}  // namespace
}  // namespace ebcm::catalog
