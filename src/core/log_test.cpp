#include "core/log.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <sstream>

namespace ebcm {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(LogTest, EveryLineIsOneJsonObject) {
  std::ostringstream out;
  init_logging_to(out, "info");
  log_event(Level::kInfo, "http_request",
            {{"method", "GET"},
             {"path", "/a \"quoted\"\nnext line\t\\ \x01 \xff end"},
             {"status", 200},
             {"bytes", size_t{6123}},
             {"duration_ms", 0.25},
             {"tls", false}});
  log_event(Level::kWarn, "say \"hi\"");
  log_event(Level::kDebug, "dropped");
  init_logging("info");  // back to stderr before `out` goes away

  auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u) << out.str();
  boost::system::error_code ec;
  auto v = boost::json::parse(lines[0], ec);
  ASSERT_FALSE(ec) << lines[0];
  const auto& o = v.as_object();
  EXPECT_EQ(o.at("level").as_string(), "info");
  EXPECT_EQ(o.at("event").as_string(), "http_request");
  EXPECT_EQ(o.at("method").as_string(), "GET");
  EXPECT_EQ(o.at("path").as_string(), "/a \"quoted\"\nnext line\t\\ \x01 \xEF\xBF\xBD end");
  EXPECT_EQ(o.at("status").as_int64(), 200);
  EXPECT_EQ(o.at("bytes").as_int64(), 6123);
  EXPECT_DOUBLE_EQ(o.at("duration_ms").as_double(), 0.25);
  EXPECT_EQ(o.at("tls").as_bool(), false);
  // "2024-05-01T12:34:56.789Z"
  std::string time(o.at("time").as_string());
  ASSERT_EQ(time.size(), 24u) << time;
  EXPECT_EQ(time[10], 'T');
  EXPECT_EQ(time[19], '.');
  EXPECT_EQ(time.back(), 'Z');
  // Keys in the order given, after time, level and event.
  EXPECT_EQ(lines[0].rfind("{\"time\":", 0), 0u);

  auto w = boost::json::parse(lines[1], ec);
  ASSERT_FALSE(ec) << lines[1];
  EXPECT_EQ(w.as_object().at("event").as_string(), "say \"hi\"");
  EXPECT_EQ(w.as_object().at("level").as_string(), "warn");
}

TEST(LogTest, LevelsFilter) {
  std::ostringstream out;
  init_logging_to(out, "error");
  EXPECT_FALSE(log_enabled(Level::kWarn));
  EXPECT_TRUE(log_enabled(Level::kError));
  log_event(Level::kWarn, "no");
  log_event(Level::kError, "yes");
  init_logging_to(out, "off");
  log_event(Level::kError, "no");
  init_logging("info");
  EXPECT_EQ(lines_of(out.str()).size(), 1u);
}

TEST(LogTest, ParsesLevels) {
  Level l;
  EXPECT_TRUE(parse_log_level("debug", &l));
  EXPECT_EQ(l, Level::kDebug);
  EXPECT_TRUE(parse_log_level("off", &l));
  EXPECT_FALSE(parse_log_level("loud", &l));
}

TEST(LogTest, NonFiniteNumbersAreNull) {
  std::string line = format_log_line(Level::kInfo, "x", {{"v", 0.0 / 0.0 + 1e308 * 10}});
  boost::system::error_code ec;
  auto v = boost::json::parse(line, ec);
  ASSERT_FALSE(ec) << line;
  EXPECT_TRUE(v.as_object().at("v").is_null());
}

}  // namespace
}  // namespace ebcm
