// The OpenAPI document lists exactly the router's routes, and is valid JSON of version 3.1.
#include "http/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "core/clock.hpp"
#include "http/app.hpp"

namespace ebcm::http {
namespace {

namespace json = boost::json;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(OpenApiTest, ListsExactlyTheRoutesOfTheRouter) {
  FakeClock clock;
  auto app = App::open("sqlite::memory:", nullptr, nullptr, clock);
  ASSERT_TRUE(app) << app.error().message;
  std::set<std::string> routes, documented;
  for (const auto& r : (*app)->router().routes()) routes.insert(lower(r.method) + " " + r.pattern);

  const json::value doc = json::parse(openapi_document());
  EXPECT_EQ(doc.at("openapi").as_string(), "3.1.0");
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (method == "parameters" || method == "summary") continue;
      documented.insert(std::string(method) + " " + std::string(path));
      EXPECT_TRUE(op.as_object().contains("summary")) << method << " " << path;
      EXPECT_TRUE(op.as_object().contains("responses")) << method << " " << path;
    }
  }
  for (const auto& r : routes) EXPECT_TRUE(documented.count(r)) << "not in openapi.json: " << r;
  for (const auto& d : documented) EXPECT_TRUE(routes.count(d)) << "no such route: " << d;
}

}  // namespace
}  // namespace ebcm::http
