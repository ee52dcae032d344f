#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace ebcm {
namespace {

constexpr auto npos = std::string_view::npos;

TEST(Utf8, AcceptsAsciiAndWellFormedSequences) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8(std::string(100, 'a')));
  EXPECT_TRUE(is_valid_utf8("Växjö \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"));
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));  // U+D7FF, just below the surrogates
}

TEST(Utf8, FindsTheFirstBadByteAfterLongAsciiRuns) {
  std::string text(70, 'a');
  text += "\xFF";
  text += std::string(40, 'b');
  EXPECT_EQ(find_invalid_utf8(text), 70u);
  EXPECT_EQ(find_invalid_utf8(text, 71), npos);
}

TEST(Utf8, RefusesOverlongSurrogatesTruncationAndOutOfRange) {
  for (std::string_view bad : {"\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xF0\x8F\xBF\xBF",
                               "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\x80",
                               "\xC3", "\xE2\x82", "\xF0\x9F\x98", "\xC3(", "\xFE", "\xFF"}) {
    EXPECT_EQ(find_invalid_utf8(bad), 0u) << testing::PrintToString(std::string(bad));
  }
  EXPECT_EQ(find_invalid_utf8("ok\xE2\x82"), 2u);
}

TEST(Utf8, RepairReplacesEachBadByte) {
  EXPECT_EQ(repair_utf8("ok"), "ok");
  EXPECT_EQ(repair_utf8("a\xFF"
                        "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(repair_utf8("\xE2\x82"
                        "A",
                        "?"),
            "??A");
  EXPECT_EQ(repair_utf8("\xFF\xFE", "_"), "__");
  EXPECT_TRUE(is_valid_utf8(repair_utf8("x\xC0\xAF\xED\xA0\x80y")));
}

}  // namespace
}  // namespace ebcm
