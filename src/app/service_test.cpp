// app::Service in-process, on real SQLite stores: the write path, its errors, the owner rule,
// observers, the live state, and catching up with revisions another process committed.
#include "app/service.hpp"

#include <gtest/gtest.h>

#include "core/test_dir.hpp"

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <unistd.h>

#include "app/ownership.hpp"
#include "model/edit.hpp"
#include "model/load.hpp"

namespace ebcm::app {
namespace {

namespace json = boost::json;
using model::Entity;
using model::EntityKind;

constexpr std::string_view kModel = R"(ebcm: 1
organization: { name: Test }
people:
  - { id: ann, name: Ann }
  - { id: bob, name: Bob }
services:
  - { id: mail, name: Mail, kind: saas }
functions:
  - { id: pay, name: Payroll, owner: ann, requires: [ mail ] }
  - { id: ship, name: Shipping, owner: bob, requires: [ mail ] }
mitigations:
  - { id: pay-paper, for: pay, replaces: mail, description: Paper forms }
)";

std::vector<Entity> entities_of(std::string_view text) {
  auto loaded = model::load_text(text, model::Format::kYaml, "test.yaml");
  EXPECT_FALSE(loaded.diagnostics.has_errors()) << model::format_text(loaded.diagnostics, false);
  return model::to_entities(loaded.model);
}

// An edit that replaces (kind, id) by `body` (JSON).
Edit replace(EntityKind kind, std::string id, std::string body) {
  return [=](const Snapshot& s) -> Result<std::vector<Entity>> {
    auto pos = s.find(kind, id);
    if (!pos) return make_error(ErrorCode::kNotFound, "no " + id);
    auto made = model::canonical_entity(kind, json::parse(body));
    if (!made) return made.error();
    auto list = s.entities();
    list[*pos] = std::move(*made);
    return list;
  };
}

Edit whole(std::vector<Entity> entities) {
  return [=](const Snapshot&) -> Result<std::vector<Entity>> { return entities; };
}

Actor coordinator() { return {"carol", "10.0.0.1", store::Role::kCoordinator, ""}; }

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = "sqlite:" + (dir_ / "m.db").string();
    auto s = Service::open(url_, nullptr, nullptr, clock_);
    ASSERT_TRUE(s) << s.error().message;
    service_ = std::move(*s);
    auto first = service_->commit(coordinator(), whole(entities_of(kModel)), "import", {"model_import", "model", {}});
    ASSERT_TRUE(first) << first.error().message;
  }
  void TearDown() override {
    service_.reset();
  }

  FakeClock clock_;
  TestDir dir_{"ebcm-service-test"};
  std::string url_;
  std::unique_ptr<Service> service_;
};

TEST_F(ServiceTest, AValidEditMakesARevisionAndTellsTheObservers) {
  std::vector<std::pair<ChangeKind, int64_t>> seen;
  service_->observe([&](ChangeKind k, const Snapshot& s, const StatusDeclaration&) {
    seen.emplace_back(k, s.revision());
  });
  ASSERT_EQ(seen.size(), 1u);  // at once, with the state now
  EXPECT_EQ(seen[0].second, 1);
  auto info = service_->commit(coordinator(),
                               replace(EntityKind::kPerson, "bob", R"({"id":"bob","name":"Robert"})"),
                               "rename", {"people_update", "people/bob", std::pair{EntityKind::kPerson, "bob"}});
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->number, 2);
  EXPECT_EQ(info->changed, 1);
  EXPECT_EQ(info->author, "carol");
  EXPECT_EQ(service_->snapshot()->revision(), 2);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], std::make_pair(ChangeKind::kSnapshot, int64_t{2}));
}

TEST_F(ServiceTest, AnInvalidChangeListsEveryProblemAndWritesNothing) {
  // A function requiring two services that do not exist.
  auto info = service_->commit(
      coordinator(),
      replace(EntityKind::kFunction, "pay", R"({"id":"pay","requires":["nope","nada"]})"), "x",
      {"functions_update", "functions/pay", std::nullopt});
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kInvalidInput);
  // Both unknown services, and the mitigation that now replaces what its function no longer uses.
  EXPECT_EQ(info.error().details.size(), 3u) << info.error().message;
  for (const auto& d : info.error().details) EXPECT_FALSE(d.path.empty()) << d.message;
  EXPECT_NE(info.error().message.find("nothing was written"), std::string::npos);
  EXPECT_EQ(service_->snapshot()->revision(), 1);
}

TEST_F(ServiceTest, AnEditsOwnErrorIsPassedOnAsIs) {
  auto info = service_->commit(coordinator(), replace(EntityKind::kPerson, "zed", "{}"), "x", {});
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(info.error().message, "no zed");
}

TEST_F(ServiceTest, OwnersChangeOnlyTheirFunctionsAndTheirMitigations) {
  Actor ann{"ann", "", store::Role::kOwner, "ann"};
  auto theirs = service_->commit(
      ann, replace(EntityKind::kFunction, "pay", R"({"id":"pay","name":"Pay","owner":"ann","requires":["mail"]})"),
      "x", {});
  EXPECT_TRUE(theirs) << theirs.error().message;
  auto other = service_->commit(
      ann, replace(EntityKind::kFunction, "ship", R"({"id":"ship","name":"S","owner":"bob","requires":["mail"]})"),
      "x", {});
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kForbidden);
  EXPECT_NE(other.error().message.find("function 'ship'"), std::string::npos);
  auto give_away = service_->commit(
      ann, replace(EntityKind::kFunction, "pay", R"({"id":"pay","owner":"bob","requires":["mail"]})"),
      "x", {});
  EXPECT_FALSE(give_away);
  const auto& m = service_->snapshot()->model();
  const json::value patch = json::parse(R"({"name":"P"})");
  EXPECT_TRUE(owner_may_edit_function(m, "ann", "pay", EditKind::kPatch, &patch));
  EXPECT_FALSE(owner_may_edit_function(m, "ann", "ship", EditKind::kPatch, &patch));
  EXPECT_FALSE(owner_may_edit_function(m, "ann", "pay", EditKind::kDelete, nullptr));
  const json::value to_bob = json::parse(R"({"owner":"bob"})");
  EXPECT_FALSE(owner_may_edit_function(m, "ann", "pay", EditKind::kPatch, &to_bob));
  EXPECT_TRUE(owner_may_edit_mitigation(m, "ann", "pay-paper", EditKind::kDelete, nullptr));
  EXPECT_FALSE(owner_may_edit_mitigation(m, "bob", "pay-paper", EditKind::kDelete, nullptr));
  const json::value for_ship = json::parse(R"({"id":"x","for":"ship"})");
  EXPECT_FALSE(owner_may_edit_mitigation(m, "ann", "x", EditKind::kCreate, &for_ship));
  EXPECT_FALSE(owner_may_edit_function(m, "", "pay", EditKind::kPatch, &patch));
}

TEST_F(ServiceTest, RevisionsCommittedByAnotherProcessAreSeenAndEditedUpon) {
  // Another writer on the same database (as `ebcm import` would be).
  auto other = store::open_store(url_);
  ASSERT_TRUE(other) << other.error().message;
  auto list = service_->snapshot()->entities();
  list[*service_->snapshot()->find(EntityKind::kPerson, "ann")] =
      *model::canonical_entity(EntityKind::kPerson, json::parse(R"({"id":"ann","name":"Anna"})"));
  store::CommitRequest req;
  req.author = "cli:root";
  req.base_revision = 1;
  ASSERT_TRUE((*other)->commit(list, req, {}));

  // An edit before any refresh is made on revision 2, not refused as stale.
  auto info = service_->commit(coordinator(),
                               replace(EntityKind::kPerson, "bob", R"({"id":"bob","name":"Rob"})"),
                               "rename", {});
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->number, 3);
  EXPECT_EQ(service_->snapshot()->model().people[0].name, "Anna");  // the other's change kept

  req.base_revision = 3;
  list = service_->snapshot()->entities();
  list.pop_back();  // drop the mitigation
  ASSERT_TRUE((*other)->commit(list, req, {}));
  auto changed = service_->refresh();
  ASSERT_TRUE(changed);
  EXPECT_TRUE(*changed);
  EXPECT_EQ(service_->snapshot()->revision(), 4);
  EXPECT_TRUE(service_->snapshot()->model().mitigations.empty());
  EXPECT_FALSE(*service_->refresh());  // nothing new
}

TEST_F(ServiceTest, AStatusDeclarationIsCheckedStampedAndObserved) {
  std::vector<ChangeKind> seen;
  service_->observe([&](ChangeKind k, const Snapshot&, const StatusDeclaration&) { seen.push_back(k); });
  StatusDeclaration bad;
  bad.disruption.down = {"nope"};  // no such node: kNotFound naming it
  auto refused = service_->declare_status(coordinator(), bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  EXPECT_NE(refused.error().message.find("nope"), std::string::npos);
  EXPECT_EQ(seen.size(), 1u);

  StatusDeclaration d;
  d.message = "Mail is down";
  d.disruption.down = {"mail"};
  auto kept = service_->declare_status(coordinator(), d);
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(kept->updated_by, "carol");
  EXPECT_EQ(kept->updated_ms, clock_.now_ms());
  EXPECT_EQ(service_->status(), *kept);
  EXPECT_EQ(seen.back(), ChangeKind::kLiveState);
  auto back = status_from_json(to_json(*kept));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *kept);
}

TEST_F(ServiceTest, TheDeclarationIsKeptInTheStoreAndSeenByAnotherInstance) {
  StatusDeclaration d;
  d.message = "Mail is down";
  d.disruption.down = {"mail"};
  ASSERT_TRUE(service_->declare_status(coordinator(), d));
  // Another instance on the same database (or this one after a restart) reads it back.
  auto other = Service::open(url_, nullptr, nullptr, clock_);
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_EQ((*other)->status(), service_->status());
  EXPECT_EQ((*other)->status().started_ms, clock_.now_ms());

  // The all-clear declared there reaches this one at its next refresh.
  clock_.advance(std::chrono::minutes(5));
  auto clear = (*other)->declare_status(coordinator(), StatusDeclaration{});
  ASSERT_TRUE(clear) << clear.error().message;
  EXPECT_EQ(clear->started_ms, 0);
  auto changed = service_->refresh();
  ASSERT_TRUE(changed) << changed.error().message;
  EXPECT_TRUE(*changed);
  EXPECT_TRUE(service_->status().disruption.down.empty());
  // Each declaration catches up first, so this one follows the other's all-clear.
  d.message = "Mail is down again";
  auto again = service_->declare_status(coordinator(), d);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->started_ms, clock_.now_ms());  // a new disruption after the all-clear
}

}  // namespace
}  // namespace ebcm::app
