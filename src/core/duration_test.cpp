#include "core/duration.hpp"

#include <gtest/gtest.h>

namespace ebcm {

TEST(Duration, ParsesEachUnit) {
  EXPECT_EQ(parse_duration("90m")->minutes, 90);
  EXPECT_EQ(parse_duration("4h")->minutes, 240);
  EXPECT_EQ(parse_duration("2d")->minutes, 2880);
  EXPECT_EQ(parse_duration("1w")->minutes, 10080);
  EXPECT_EQ(parse_duration("0m")->minutes, 0);
}

TEST(Duration, RejectsMalformed) {
  for (const char* bad : {"", "h", "4", "4x", "-1h", "1.5h", "4 h", "h4", "99999999999w", "4H"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Duration, FormatsWithTheLargestEvenUnit) {
  EXPECT_EQ(format_duration(Duration{90}), "90m");
  EXPECT_EQ(format_duration(Duration{120}), "2h");
  EXPECT_EQ(format_duration(Duration{1440}), "1d");
  EXPECT_EQ(format_duration(Duration{10080}), "1w");
  EXPECT_EQ(format_duration(Duration{0}), "0m");
  for (const char* s : {"15m", "1h", "3d", "2w", "25h"}) {
    EXPECT_EQ(parse_duration(format_duration(*parse_duration(s))), parse_duration(s));
  }
}

TEST(Percent, ParsesWholePercentages) {
  EXPECT_EQ(parse_percent("40%"), 40);
  EXPECT_EQ(parse_percent("0%"), 0);
  EXPECT_EQ(parse_percent("100%"), 100);
  for (const char* bad : {"40", "101%", "-1%", "4.5%", "%", "x%"}) {
    EXPECT_FALSE(parse_percent(bad).has_value()) << bad;
  }
}

}  // namespace ebcm
