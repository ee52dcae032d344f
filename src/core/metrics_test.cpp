#include "core/metrics.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace ebcm {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

TEST(MetricsTest, CountsRequestsByMethodRouteAndStatus) {
  Metrics m;
  m.observe_request("GET", "/api/v1/functions/{id}", 200, 0.0004);
  m.observe_request("GET", "/api/v1/functions/{id}", 200, 0.003);
  m.observe_request("GET", "/api/v1/functions/{id}", 404, 0.02);
  m.observe_request("BREW", "", 405, 0.0001);
  std::string t = m.render();
  EXPECT_TRUE(has_line(t, "# TYPE ebcm_http_requests_total counter")) << t;
  EXPECT_TRUE(has_line(
      t,
      "ebcm_http_requests_total{method=\"GET\",route=\"/api/v1/functions/{id}\",status=\"200\"} 2"))
      << t;
  EXPECT_TRUE(has_line(t,
                       "ebcm_http_requests_total{method=\"GET\",route=\"/api/v1/functions/"
                       "{id}\",status=\"404\"} 1"));
  EXPECT_TRUE(has_line(
      t, "ebcm_http_requests_total{method=\"other\",route=\"unmatched\",status=\"405\"} 1"));
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics m;
  m.observe_request("GET", "/x", 200, 0.0004);  // <= 0.0005
  m.observe_request("GET", "/x", 200, 0.003);   // <= 0.005
  m.observe_request("GET", "/x", 200, 20);      // only +Inf
  std::string t = m.render();
  std::string p = "ebcm_http_request_duration_seconds";
  std::string l = "method=\"GET\",route=\"/x\"";
  EXPECT_TRUE(has_line(t, "# TYPE " + p + " histogram"));
  EXPECT_TRUE(has_line(t, p + "_bucket{" + l + ",le=\"0.0005\"} 1")) << t;
  EXPECT_TRUE(has_line(t, p + "_bucket{" + l + ",le=\"0.0025\"} 1"));
  EXPECT_TRUE(has_line(t, p + "_bucket{" + l + ",le=\"0.005\"} 2"));
  EXPECT_TRUE(has_line(t, p + "_bucket{" + l + ",le=\"10\"} 2"));
  EXPECT_TRUE(has_line(t, p + "_bucket{" + l + ",le=\"+Inf\"} 3"));
  EXPECT_TRUE(has_line(t, p + "_count{" + l + "} 3"));
  EXPECT_NE(t.find(p + "_sum{" + l + "} 20.0034"), std::string::npos);
}

TEST(MetricsTest, StoreOperationsAndGauges) {
  Metrics m;
  m.observe_store("commit", 0.012);
  m.set_gauge("ebcm_model_revision", 7);
  m.set_gauge("ebcm_model_revision", 8);
  m.set_gauge("bad name", 1);
  std::string t = m.render();
  EXPECT_TRUE(has_line(t, "ebcm_store_operation_duration_seconds_count{op=\"commit\"} 1")) << t;
  EXPECT_TRUE(
      has_line(t, "ebcm_store_operation_duration_seconds_bucket{op=\"commit\",le=\"0.025\"} 1"));
  EXPECT_TRUE(has_line(t, "# TYPE ebcm_model_revision gauge"));
  EXPECT_TRUE(has_line(t, "ebcm_model_revision 8"));
  EXPECT_EQ(t.find("bad name"), std::string::npos);
  EXPECT_NE(t.find("\nprocess_start_time_seconds "), std::string::npos);
  EXPECT_NE(t.find("\nebcm_uptime_seconds "), std::string::npos);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Metrics m;
  m.observe_request("GET", "/a\"b\\c\nd", 200, 0.001);
  std::string t = m.render();
  EXPECT_NE(t.find("route=\"/a\\\"b\\\\c\\nd\""), std::string::npos) << t;
}

TEST(MetricsTest, EveryLineIsACommentOrASample) {
  Metrics m;
  m.observe_request("POST", "/api/v1/functions", 201, 0.01);
  m.observe_store("read", 0.001);
  std::istringstream in(m.render());
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# HELP ", 0) == 0 || l.rfind("# TYPE ", 0) == 0) continue;
    size_t space = l.rfind(' ');
    ASSERT_NE(space, std::string::npos) << l;
    std::string value = l.substr(space + 1);
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    EXPECT_TRUE(*end == '\0' || value == "+Inf") << l;
  }
}

// Issue 8, finding 10: the gauges had # TYPE but no # HELP.
TEST(MetricsTest, EveryFamilyHasHelpAndType) {
  Metrics m;
  m.observe_request("GET", "/x", 200, 0.01);
  m.observe_store("commit", 0.01);
  m.set_gauge("ebcm_model_revision", 3);
  m.set_gauge("ebcm_http_open_connections", 1);
  m.set_gauge("some_new_gauge", 1);
  std::set<std::string> help, type, samples;
  std::istringstream in(m.render());
  for (std::string l; std::getline(in, l);) {
    if (l.rfind("# HELP ", 0) == 0) {
      help.insert(l.substr(7, l.find(' ', 7) - 7));
    } else if (l.rfind("# TYPE ", 0) == 0) {
      type.insert(l.substr(7, l.find(' ', 7) - 7));
    } else {
      std::string name = l.substr(0, l.find_first_of("{ "));
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        if (name.ends_with(suffix) && help.count(name.substr(0, name.size() - strlen(suffix))))
          name.resize(name.size() - strlen(suffix));
      }
      samples.insert(name);
    }
  }
  for (const auto& family : samples) {
    EXPECT_TRUE(help.count(family)) << family;
    EXPECT_TRUE(type.count(family)) << family;
  }
  EXPECT_TRUE(samples.count("some_new_gauge"));
  EXPECT_EQ(help, type);
}

TEST(MetricsTest, ConcurrentObservationsAreAllCounted) {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 10000; ++i)
        m.observe_request("GET", "/r" + std::to_string(i % 3), 200 + t, 0.001);
    });
  for (auto& t : threads) t.join();
  std::string text = m.render();
  uint64_t total = 0;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l.rfind("ebcm_http_requests_total{", 0) == 0) total += std::stoull(l.substr(l.rfind(' ')));
  EXPECT_EQ(total, 40000u);
}

}  // namespace
}  // namespace ebcm
