#include "core/local_time.hpp"

#include <fmt/format.h>

#include <ctime>

#include "core/clock.hpp"
#include "core/messages.hpp"
#include "core/timezone.hpp"

namespace ebcm {

std::string local_time(int64_t ms, const std::string& zone, catalog::Language lang,
                       std::optional<int64_t> today_ms) {
  static constexpr catalog::Key kDays[] = {msg::time::sun, msg::time::mon, msg::time::tue,
                                           msg::time::wed, msg::time::thu, msg::time::fri,
                                           msg::time::sat};
  static constexpr catalog::Key kMonths[] = {msg::time::jan, msg::time::feb, msg::time::mar,
                                             msg::time::apr, msg::time::may, msg::time::jun,
                                             msg::time::jul, msg::time::aug, msg::time::sep,
                                             msg::time::oct, msg::time::nov, msg::time::dec};
  auto local = to_local(ms / 1000, zone);
  if (!local) local = to_local(ms / 1000, "UTC");
  if (!local) return format_utc(ms);
  const std::tm& tm = local->tm;
  const std::string hour_ = fmt::format("{:02}", tm.tm_hour),
                    minute_ = fmt::format("{:02}", tm.tm_min);
  if (today_ms) {
    auto today = to_local(*today_ms / 1000, zone);
    if (!today) today = to_local(*today_ms / 1000, "UTC");
    if (today && today->tm.tm_year == tm.tm_year && today->tm.tm_yday == tm.tm_yday) {
      return catalog::format(lang, msg::time::format_today,
                             {{"hour", hour_}, {"minute", minute_}, {"zone", local->zone}});
    }
  }
  const std::string day = std::to_string(tm.tm_mday), year = std::to_string(tm.tm_year + 1900);
  return catalog::format(lang, msg::time::format,
                         {{"weekday", catalog::text(lang, kDays[tm.tm_wday])},
                          {"day", day},
                          {"month", catalog::text(lang, kMonths[tm.tm_mon])},
                          {"year", year},
                          {"hour", hour_},
                          {"minute", minute_},
                          {"zone", local->zone}});
}

}  // namespace ebcm
