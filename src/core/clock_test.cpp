// format_utc and parse_utc: the one way ebcm writes and reads times for people.
#include "core/clock.hpp"

#include <gtest/gtest.h>

namespace ebcm {
namespace {

TEST(Clock, ParseUtcReadsWhatPeopleTypeAndWhatFormatUtcWrites) {
  const int64_t t = 1'795'252'440'000;  // 2026-11-21T09:14:00Z
  EXPECT_EQ(format_utc(t), "2026-11-21T09:14:00Z");
  EXPECT_EQ(parse_utc(format_utc(t)), t);
  EXPECT_EQ(parse_utc("2026-11-21T09:14"), t);
  EXPECT_EQ(parse_utc("2026-11-21 09:14:00"), t);
  EXPECT_EQ(parse_utc("2026-11-21T09:14:00.123Z"), t);
  EXPECT_EQ(parse_utc("2026-11-21T10:14:00+01:00"), t);
  EXPECT_EQ(parse_utc("2026-11-21T04:14:00-05:00"), t);
  EXPECT_EQ(parse_utc("2026-11-21"), t - (9 * 60 + 14) * 60'000);
}

TEST(Clock, ParseUtcRefusesWhatIsNotATime) {
  for (const char* bad : {"", "yesterday", "2026-11-21T09", "2026-02-30", "2026-13-01",
                          "2026-11-21T24:00", "2026-11-21T09:14:00.Z", "2026-11-21T09:14Zz",
                          "2026-11-21T09:14+1", "21/11/2026"}) {
    EXPECT_FALSE(parse_utc(bad)) << bad;
  }
}

}  // namespace
}  // namespace ebcm
