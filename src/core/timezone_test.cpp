// Our TZif reader agrees with the C library (TZ set in this single-threaded test) across years
// and daylight saving changes, in zones east and west of Greenwich and in UTC.
#include "core/timezone.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace ebcm {
namespace {

TEST(TimeZone, AgreesWithTheCLibrary) {
  for (const char* name : {"Europe/Stockholm", "America/New_York", "Asia/Kolkata", "UTC"}) {
    setenv("TZ", name, 1);
    tzset();
    // Every 7 days and 13 hours from 2020 to 2030, and the seconds around a DST change.
    std::vector<int64_t> times;
    for (int64_t t = 1577836800; t < 1893456000; t += 7 * 86400 + 13 * 3600) times.push_back(t);
    for (int64_t t = 1774742400 - 3; t < 1774746000 + 3; ++t) times.push_back(t);  // 2026-03-29
    for (int64_t t : times) {
      auto mine = to_local(t, name);
      ASSERT_TRUE(mine) << name;
      std::time_t tt = static_cast<std::time_t>(t);
      std::tm lib{};
      localtime_r(&tt, &lib);
      char abbr[16];
      std::strftime(abbr, sizeof abbr, "%Z", &lib);
      ASSERT_EQ(mine->tm.tm_hour, lib.tm_hour) << name << " " << t;
      ASSERT_EQ(mine->tm.tm_min, lib.tm_min) << name << " " << t;
      ASSERT_EQ(mine->tm.tm_mday, lib.tm_mday) << name << " " << t;
      ASSERT_EQ(mine->tm.tm_wday, lib.tm_wday) << name << " " << t;
      ASSERT_EQ(mine->zone, abbr) << name << " " << t;
    }
  }
  unsetenv("TZ");
  tzset();
}

TEST(TimeZone, UnknownZonesAndPathsAreRefused) {
  EXPECT_FALSE(to_local(0, "Mars/Olympus_Mons"));
  EXPECT_FALSE(to_local(0, "../../etc/passwd"));
  EXPECT_FALSE(to_local(0, "/etc/passwd"));
  EXPECT_FALSE(to_local(0, ""));
}

}  // namespace
}  // namespace ebcm
