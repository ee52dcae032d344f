// The API's routes in-process (no sockets): http::App over a real SQLite file with real
// accounts — what the answers are for the write path's outcomes, roles, the owner rule,
// features and the status declaration. The functional tests drive the same over TCP.
#include <gtest/gtest.h>

#include "core/test_dir.hpp"
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "core/clock.hpp"
#include "http/app.hpp"
#include "http/request_auth.hpp"
#include "http/status_page.hpp"
#include "model/entities.hpp"
#include "model/load.hpp"

namespace ebcm::http {
namespace {

namespace json = boost::json;

constexpr std::string_view kModel = R"(ebcm: 1
organization: { name: Test }
people:
  - { id: ann, name: Ann }
  - { id: bob, name: Bob }
services:
  - id: mail
    name: Mail
    kind: saas
    features:
      - { id: web, name: Webmail }
functions:
  - { id: pay, name: Payroll, owner: ann, requires: [ mail ] }
  - { id: ship, name: Shipping, owner: bob, requires: [ mail ] }
)";

class ApiRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url = "sqlite:" + (dir_ / "m.db").string();
    {  // the model, as `ebcm import` would commit it
      auto store = store::open_store(url);
      ASSERT_TRUE(store) << store.error().message;
      auto loaded = model::load_text(kModel, model::Format::kYaml, "m.yaml");
      ASSERT_FALSE(loaded.diagnostics.has_errors());
      store::CommitRequest req;
      req.author = "cli:test";
      ASSERT_TRUE((*store)->commit(model::to_entities(loaded.model), req, {}));
    }
    auto accounts = store::Accounts::open(url);
    ASSERT_TRUE(accounts) << accounts.error().message;
    AuthOptions o;
    o.pwhash_opslimit = 1;
    o.pwhash_memlimit = 8192;
    auth_ = Auth::create(std::shared_ptr<store::Accounts>(std::move(*accounts)), clock_, o);
    for (auto [name, role, person] :
         {std::tuple{"carol", store::Role::kCoordinator, ""}, {"ann", store::Role::kOwner, "ann"},
          {"vic", store::Role::kViewer, ""}}) {
      ASSERT_TRUE(auth_->add_user(name, role, "a long password 123", person, "cli:test"));
      auto t = auth_->create_token(name, "test", 0, "cli:test");
      ASSERT_TRUE(t) << t.error().message;
      tokens_[name] = t->second;
    }
    auto app = App::open(url, auth_.get(), nullptr, clock_);
    ASSERT_TRUE(app) << app.error().message;
    app_ = std::move(*app);
  }
  void TearDown() override {
    app_.reset();
    auth_.reset();
  }

  struct Answer {
    int status;
    Response response;
    json::value body;
    std::string header(std::string_view name) const {
      for (const auto& [k, v] : response.headers)
        if (k == name) return v;
      return "";
    }
  };
  Answer call(std::string method, std::string path, std::string_view user, std::string body = "",
              Fields headers = {}) {
    Request r;
    r.method = std::move(method);
    r.target = path;
    const size_t q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) {  // name=value pairs, no escapes in these tests
      std::string_view rest = std::string_view(path).substr(q + 1);
      while (!rest.empty()) {
        const std::string_view pair = rest.substr(0, rest.find('&'));
        const size_t eq = pair.find('=');
        r.query.emplace_back(std::string(pair.substr(0, eq)),
                             eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
        rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
      }
    }
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.remote = "127.0.0.1:4000";
    if (!r.body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    if (!user.empty()) r.headers.emplace_back("Authorization", "Bearer " + tokens_[std::string(user)]);
    Response res = app_->handle(r);
    json::value v;
    boost::system::error_code ec;
    if (!res.payload().empty()) v = json::parse(res.payload(), ec);
    return {res.status, std::move(res), v};
  }
  std::string etag_of_get(const std::string& path) { return call("GET", path, "vic").header("ETag"); }

  FakeClock clock_;
  TestDir dir_{"ebcm-api-routes"};
  std::unique_ptr<Auth> auth_;
  std::unique_ptr<App> app_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(ApiRoutesTest, AnEditNeedsTheETagItWasMadeOn) {
  auto created = call("POST", "/api/v1/people", "carol", R"({"id":"cy","name":"Cy"})");
  EXPECT_EQ(created.status, 201) << created.response.body;
  EXPECT_EQ(created.header("Location"), "/api/v1/people/cy");
  EXPECT_EQ(call("POST", "/api/v1/people", "carol", R"({"id":"cy"})").body.at("error").at("code"),
            "exists");
  const std::string etag = etag_of_get("/api/v1/people/cy");
  EXPECT_EQ(call("PATCH", "/api/v1/people/cy", "carol", R"({"name":"C"})").status, 428);
  auto stale = call("PATCH", "/api/v1/people/cy", "carol", R"({"name":"C"})",
                    {{"If-Match", "\"0000\""}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(stale.header("ETag"), etag);  // the current one, to read again
  auto ok = call("PATCH", "/api/v1/people/cy", "carol", R"({"name":"C"})", {{"If-Match", etag}});
  EXPECT_EQ(ok.status, 200) << ok.response.body;
  EXPECT_EQ(ok.header("X-Ebcm-Revision"), "3");
  EXPECT_EQ(ok.body.at("name"), "C");
  EXPECT_EQ(call("DELETE", "/api/v1/people/nobody", "carol", "", {{"If-Match", "*"}}).status, 404);
}

TEST_F(ApiRoutesTest, AnInvalidChangeIs422WithEveryProblemAndWritesNothing) {
  auto bad = call("PUT", "/api/v1/functions/pay", "carol",
                  R"({"id":"pay","owner":"ann","bia":{"rto":"soon"},"requires":["nope"]})",
                  {{"If-Match", "*"}});
  ASSERT_EQ(bad.status, 422) << bad.response.body;
  EXPECT_EQ(bad.body.at("error").at("code"), "invalid_model");
  EXPECT_EQ(bad.body.at("error").at("diagnostics").as_array().at(0).at("path"), "bia.rto");
  auto unknown = call("PUT", "/api/v1/functions/pay", "carol",
                      R"({"id":"pay","owner":"ann","requires":["nope"]})", {{"If-Match", "*"}});
  ASSERT_EQ(unknown.status, 422) << unknown.response.body;
  EXPECT_NE(unknown.response.body.find("nothing was written"), std::string::npos);
  EXPECT_EQ(app_->snapshot()->revision(), 1);
}

TEST_F(ApiRoutesTest, RolesAndTheOwnerRule) {
  EXPECT_EQ(call("GET", "/api/v1/functions", "").status, 401);
  EXPECT_EQ(call("GET", "/api/v1/functions", "vic").status, 200);
  EXPECT_EQ(call("PATCH", "/api/v1/people/ann", "vic", R"({"name":"A"})", {{"If-Match", "*"}}).status,
            403);
  EXPECT_EQ(call("PATCH", "/api/v1/functions/ship", "ann", R"({"name":"S"})", {{"If-Match", "*"}})
                .status,
            403);
  EXPECT_EQ(call("PATCH", "/api/v1/functions/pay", "ann", R"({"owner":"bob"})", {{"If-Match", "*"}})
                .status,
            403);
  auto mine = call("PATCH", "/api/v1/functions/pay", "ann", R"({"name":"Pay"})", {{"If-Match", "*"}});
  EXPECT_EQ(mine.status, 200) << mine.response.body;
  // The change's audit entry, written with its revision, names who and what.
  auto audit = call("GET", "/api/v1/audit?action=functions_update", "carol");
  ASSERT_EQ(audit.status, 200) << audit.response.body;
  EXPECT_NE(audit.response.body.find("functions/pay"), std::string::npos);
}

TEST_F(ApiRoutesTest, FeaturesAreTheirOwnResources) {
  auto added = call("POST", "/api/v1/services/mail/features", "carol", R"({"id":"imap"})");
  EXPECT_EQ(added.status, 201) << added.response.body;
  EXPECT_EQ(call("POST", "/api/v1/services/mail/features", "carol", R"({"id":"imap"})").status, 409);
  EXPECT_EQ(call("PATCH", "/api/v1/services/mail/features/none", "carol", R"({"name":"x"})",
                 {{"If-Match", "*"}})
                .status,
            404);
  auto renamed = call("PATCH", "/api/v1/services/mail/features/web", "carol",
                      R"({"name":"Outlook on the web"})", {{"If-Match", "*"}});
  EXPECT_EQ(renamed.status, 200) << renamed.response.body;
  EXPECT_EQ(renamed.body.at("name"), "Outlook on the web");
  EXPECT_EQ(call("DELETE", "/api/v1/services/mail/features/imap", "carol", "", {{"If-Match", "*"}})
                .status,
            204);
}

TEST_F(ApiRoutesTest, TheStatusDeclarationIsCheckedAndShown) {
  EXPECT_EQ(call("PUT", "/api/v1/status", "carol", R"({"down":["nope"]})").status, 404);
  auto ok = call("PUT", "/api/v1/status", "carol", R"({"down":["mail"],"message":"Mail is down"})");
  ASSERT_EQ(ok.status, 200) << ok.response.body;
  auto page = call("GET", "/status.json", "");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body.at("message"), "Mail is down");
  auto declared = call("GET", "/api/v1/status", "vic");
  EXPECT_EQ(declared.body.at("declared").at("updated_by"), "carol");
}

TEST_F(ApiRoutesTest, DegradedDisruptionsOnTheImpactAndTheStatus) {
  auto impact = call("GET", "/api/v1/impact?degraded=mail", "vic");
  ASSERT_EQ(impact.status, 200) << impact.response.body;
  for (const auto& f : impact.body.at("functions").as_array()) {
    EXPECT_EQ(f.at("state"), "degraded") << f;
    EXPECT_TRUE(f.at("down_for").is_null() == false) << f;
  }
  EXPECT_EQ(impact.body.at("functions").as_array().size(), 2u);
  EXPECT_EQ(call("GET", "/api/v1/impact?degraded=mial", "vic").status, 404);
  // Down wins where both name the same node.
  auto both = call("GET", "/api/v1/impact?degraded=mail&down=mail", "vic");
  EXPECT_EQ(both.body.at("functions").at(0).at("state"), "down");

  auto ok = call("PUT", "/api/v1/status", "carol",
                 R"({"degraded":["mail"],"message":"Mail is slow"})");
  ASSERT_EQ(ok.status, 200) << ok.response.body;
  auto declared = call("GET", "/api/v1/status", "vic");
  EXPECT_EQ(declared.body.at("declared").at("degraded").at(0), "mail");
  auto page = call("GET", "/status.json", "");
  bool seen = false;
  for (const auto& f : page.body.at("functions").as_array()) {
    if (f.at("id") == "pay") {
      EXPECT_EQ(f.at("state"), "degraded");
      seen = true;
    }
  }
  EXPECT_TRUE(seen) << page.response.body;
  EXPECT_EQ(call("PUT", "/api/v1/status", "carol", R"({"degraded":"mail"})").status, 400);
}

TEST_F(ApiRoutesTest, IncidentsAreDeclaredByRespondersAndReadByViewers) {
  EXPECT_EQ(call("POST", "/api/v1/incidents", "vic", R"({"title":"x","down":["mail"]})").status, 403);
  EXPECT_EQ(call("POST", "/api/v1/incidents", "carol", R"({"title":"x","down":["mial"]})").status, 404);
  EXPECT_EQ(call("POST", "/api/v1/incidents", "carol", R"({"title":"x"})").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/incidents", "carol", R"({"title":"x","colour":1})").status, 400);
  auto made = call("POST", "/api/v1/incidents", "carol",
                   R"({"message":"Mail is slow\nsince 9","degraded":["mail"],"next_update":"30m"})");
  ASSERT_EQ(made.status, 201) << made.response.body;
  EXPECT_EQ(made.body.at("id"), "INC-1");
  EXPECT_EQ(made.body.at("title"), "Mail is slow");
  auto live = call("GET", "/api/v1/impact/live", "vic");
  ASSERT_EQ(live.status, 200);
  EXPECT_EQ(live.body.at("disruption").at("degraded").at(0), "mail");
  EXPECT_EQ(live.body.at("functions").as_array().size(), 2u);
  auto page = call("GET", "/status.json", "");
  EXPECT_EQ(page.body.at("message"), "Mail is slow");
  auto updated = call("PATCH", "/api/v1/incidents/INC-1", "carol",
                      R"({"message":"Vendor engaged","review":{"root_cause":"disk full","actions":[{"text":"alerting","owner":"ann","due":"2026-12-20"}]}})");
  ASSERT_EQ(updated.status, 200) << updated.response.body;
  EXPECT_EQ(call("PATCH", "/api/v1/incidents/INC-1", "carol", R"({"review":{"actions":[{"due":"soon"}]}})").status, 400);
  auto list = call("GET", "/api/v1/incidents?state=active", "vic");
  EXPECT_EQ(list.body.at("incidents").as_array().size(), 1u);
  EXPECT_EQ(call("GET", "/api/v1/incidents?state=open", "vic").status, 400);
  EXPECT_EQ(call("POST", "/api/v1/incidents/INC-1/resolve", "vic", "").status, 403);
  ASSERT_EQ(call("POST", "/api/v1/incidents/INC-1/resolve", "carol", R"({"message":"fixed"})").status, 200);
  EXPECT_EQ(call("POST", "/api/v1/incidents/INC-1/resolve", "carol", "").status, 409);
  EXPECT_EQ(call("GET", "/api/v1/incidents/INC-7", "vic").status, 404);
  auto review = call("GET", "/api/v1/incidents/INC-1/review", "vic");
  ASSERT_EQ(review.status, 200);
  EXPECT_EQ(review.body.at("review").at("root_cause"), "disk full");
  EXPECT_NE(std::string(review.body.at("markdown").as_string()).find("| alerting | ann | 2026-12-20 | no |"),
            std::string::npos);
  EXPECT_TRUE(call("GET", "/api/v1/impact/live", "vic").body.at("disruption").at("degraded").as_array().empty());
  EXPECT_EQ(call("GET", "/api/v1/health", "vic").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/changes", "vic").status, 200);
}

}  // namespace
}  // namespace ebcm::http
