// The OpenAPI document lists exactly the router's routes, and is valid JSON of version 3.1; every
// operation has a unique operationId, every array schema its items (tests/openapi runs the real
// linter and checks real answers; these run without node).
#include "http/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>
#include <vector>

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

// Every schema that may be an array says what it holds.
void arrays_have_items(const json::value& v, const std::string& where,
                       std::vector<std::string>& bad) {
  if (v.is_array()) {
    for (size_t i = 0; i < v.as_array().size(); ++i)
      arrays_have_items(v.as_array()[i], where + "/" + std::to_string(i), bad);
    return;
  }
  if (!v.is_object()) return;
  const auto& o = v.as_object();
  bool array = false;
  if (const auto* t = o.if_contains("type")) {
    if (t->is_string()) array = t->as_string() == "array";
    if (t->is_array())
      for (const auto& x : t->as_array())
        array = array || (x.is_string() && x.as_string() == "array");
  }
  if (array && !o.contains("items") && !o.contains("prefixItems")) bad.push_back(where);
  for (const auto& [k, x] : o) {
    if (k != "enum" && k != "const" && k != "examples")
      arrays_have_items(x, where + "/" + std::string(k), bad);
  }
}

TEST(OpenApiTest, EveryOperationHasAUniqueOperationId) {
  const json::value doc = json::parse(openapi_document());
  std::set<std::string> ids;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (!op.is_object() || !op.as_object().contains("responses")) continue;
      const auto* id = op.as_object().if_contains("operationId");
      ASSERT_TRUE(id && id->is_string()) << method << " " << path;
      EXPECT_TRUE(ids.insert(std::string(id->as_string())).second) << "twice: " << id->as_string();
    }
  }
}

TEST(OpenApiTest, TheLicenseHasAnSpdxIdentifier) {
  const json::value doc = json::parse(openapi_document());
  EXPECT_EQ(doc.at("info").at("license").at("identifier").as_string(), "Apache-2.0");
}

TEST(OpenApiTest, EveryArraySaysWhatItHolds) {
  std::vector<std::string> bad;
  arrays_have_items(json::parse(openapi_document()), "", bad);
  for (const auto& b : bad) ADD_FAILURE() << "an array without items at " << b;
}

}  // namespace
}  // namespace ebcm::http
