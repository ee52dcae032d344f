// The contract of the store's interfaces (Store, Accounts, Live), written once and run over
// every backend of testing_util::backend_factories(): what any backend must do, seen only
// through the interfaces. What one backend does in its own way (files, SQL, schema) is tested
// beside it (sqlite_*_test.cpp).

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/clock.hpp"
#include "store/backend.hpp"
#include "store/store_test_util.hpp"

namespace ebcm::store {
namespace {

using model::Entity;
using model::EntityKind;
using testing_util::BackendFactory;
using testing_util::commit_ok;
using testing_util::entities_ok;
using testing_util::ent;
using testing_util::entry;
using testing_util::ids;
using testing_util::make_user;
using testing_util::services;
using testing_util::svc;

class StoreContract : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    Result<Backend> backend = db_->open();
    ASSERT_TRUE(backend) << backend.error().message;
    store_ = std::move(backend->store);
    accounts_ = std::move(backend->accounts);
    live_ = std::move(backend->live);
    ASSERT_TRUE(store_ && accounts_ && live_);
  }
  // Another Backend on the same database (only when GetParam().shareable).
  Backend open_again() {
    Result<Backend> backend = db_->open();
    EXPECT_TRUE(backend) << backend.error().message;
    return backend ? std::move(backend).value() : Backend{};
  }
  RevisionInfo commit(const std::vector<Entity>& entities, std::string message = "edit") {
    return commit_ok(*store_, clock_, entities, std::move(message));
  }
  std::vector<Entity> at(int64_t revision) { return entities_ok(*store_, revision); }
  int64_t head_number() {
    Result<std::optional<RevisionInfo>> head = store_->head();
    EXPECT_TRUE(head) << head.error().message;
    return head && *head ? (*head)->number : 0;
  }
  // commit_changes based on the head, checked against apply_changes() on the head's model.
  RevisionInfo change(const ChangeSet& changes, std::string message = "change") {
    const int64_t base = head_number();
    std::vector<Entity> before = base == 0 ? std::vector<Entity>{} : at(base);
    Result<std::vector<Entity>> expected = apply_changes(before, changes);
    EXPECT_TRUE(expected) << expected.error().message;
    if (!expected) return RevisionInfo{};
    clock_.advance(std::chrono::seconds(1));
    CommitRequest req{"ann", std::move(message), clock_.now_ms(), base};
    Result<RevisionInfo> info = store_->commit_changes(changes, req);
    EXPECT_TRUE(info) << info.error().message;
    if (!info || !expected) return RevisionInfo{};
    if (info->number != 0) {
      EXPECT_EQ(at(info->number), *expected);
    }
    return *info;
  }

  std::unique_ptr<testing_util::TestDatabase> db_ = GetParam().make();
  FakeClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<Live> live_;
};

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract,
                         ::testing::ValuesIn(testing_util::backend_factories()),
                         testing_util::factory_name);

// ---- Store: whole-model commits ----

TEST_P(StoreContract, CommitHeadHistoryRevision) {
  RevisionInfo r1 = commit({svc("a"), svc("b")}, "first");
  EXPECT_EQ(r1.number, 1);
  EXPECT_EQ(r1.added, 2);
  EXPECT_EQ(r1.entity_count, 2);
  RevisionInfo r2 = commit({svc("a", 2), svc("c")}, "second");
  EXPECT_EQ(r2.number, 2);
  EXPECT_EQ(r2.added, 1);
  EXPECT_EQ(r2.changed, 1);
  EXPECT_EQ(r2.removed, 1);
  RevisionInfo r3 = commit({svc("a", 2)}, "third");
  EXPECT_EQ(r3.number, 3);

  Result<std::optional<RevisionInfo>> head = store_->head();
  ASSERT_TRUE(head && *head);
  EXPECT_EQ((*head)->number, 3);
  EXPECT_EQ((*head)->message, "third");
  EXPECT_EQ((*head)->removed, 1);

  Result<RevisionInfo> two = store_->revision(2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->author, "ann");
  EXPECT_EQ(two->message, "second");
  EXPECT_EQ(two->time_ms, r2.time_ms);
  EXPECT_EQ(two->added, 1);
  EXPECT_EQ(two->changed, 1);
  EXPECT_EQ(two->removed, 1);
  EXPECT_EQ(two->entity_count, 2);

  Result<std::vector<RevisionInfo>> all = store_->history(0);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].number, 3);
  EXPECT_EQ((*all)[2].number, 1);
  EXPECT_EQ((*all)[2].message, "first");
  EXPECT_EQ(store_->history(2)->size(), 2u);
  EXPECT_EQ(store_->history(-1)->size(), 3u);
}

TEST_P(StoreContract, EveryRevisionReadsBackExactly) {
  const Entity org = ent(EntityKind::kOrganization, "", R"({"name":"Acme"})");
  const Entity loc = ent(EntityKind::kLocation, "hq", R"({"id":"hq"})");
  // Same id, another kind: a different entity.
  const Entity fn_a = ent(EntityKind::kFunction, "a", R"({"id":"a","fn":1})");
  std::vector<std::vector<Entity>> models = {
      {org, loc, svc("a"), svc("b"), svc("c")},
      {org, loc, svc("a"), svc("b", 2), svc("c")},                                // change
      {svc("z"), org, loc, svc("a"), svc("x"), svc("b", 2), svc("c"), svc("y")},  // adds
      {org, svc("a"), svc("x"), svc("c"), svc("y")},                              // removals
      {org, svc("y"), svc("a"), svc("x"), svc("c")},                              // one moved
      {svc("c"), svc("x"), svc("a"), svc("y"), org},                              // reversed
      {svc("c"), svc("x"), svc("a"), svc("y"), org, svc("b"), fn_a},  // "b" back, as it was
      {fn_a, svc("c", 3), org},                                       // mixed
      {},                                                             // empty model
      {org},
  };
  for (const auto& model : models) commit(model);
  for (size_t r = 0; r < models.size(); ++r) {
    const auto rev = static_cast<int64_t>(r + 1);
    EXPECT_EQ(at(rev), models[r]) << "revision " << rev;
    EXPECT_EQ(store_->revision(rev)->entity_count, static_cast<int64_t>(models[r].size()));
    for (const Entity& e : models[r]) {
      Result<std::optional<Entity>> one = store_->entity(rev, e.kind, e.id);
      ASSERT_TRUE(one) << one.error().message;
      EXPECT_EQ(*one, e) << "revision " << rev << " " << e.id;
    }
  }
  EXPECT_EQ(*store_->entity(4, EntityKind::kLocation, "hq"), std::nullopt);
  EXPECT_EQ(*store_->entity(9, EntityKind::kOrganization, ""), std::nullopt);
  EXPECT_EQ(store_->revision(5)->moved, 1);
  EXPECT_EQ(store_->revision(5)->changed, 1);
}

TEST_P(StoreContract, RandomEditsReadBackExactly) {
  std::mt19937_64 rng(7);
  std::vector<std::vector<Entity>> models;
  std::vector<Entity> model;
  int next_id = 0;
  for (int round = 0; round < 120; ++round) {
    std::vector<Entity> edited;
    for (const Entity& e : model) {
      switch (rng() % 12) {
        case 0:
          break;  // removed
        case 1:
          edited.push_back(svc(e.id, static_cast<int>(rng() % 1000)));
          break;
        case 2:
          edited.push_back(svc("n" + std::to_string(next_id++)));
          edited.push_back(e);
          break;
        default:
          edited.push_back(e);
      }
    }
    // Hammer one spot, so that gaps run out and the store has to renumber.
    edited.insert(edited.begin() + static_cast<long>(std::min<size_t>(edited.size(), 3)),
                  svc("n" + std::to_string(next_id++)));
    if (rng() % 3 == 0 && edited.size() > 1) {
      std::swap(edited[rng() % edited.size()], edited[rng() % edited.size()]);
    }
    model = edited;
    RevisionInfo info = commit(model);
    models.push_back(model);
    ASSERT_EQ(info.number, static_cast<int64_t>(models.size()));
  }
  for (size_t r = 0; r < models.size(); ++r) {
    ASSERT_EQ(at(static_cast<int64_t>(r + 1)), models[r]) << "revision " << r + 1;
  }
}

TEST_P(StoreContract, UnchangedCommitMakesNoRevision) {
  commit({svc("a"), svc("b")}, "first");
  RevisionInfo again = commit({svc("a"), svc("b")}, "again");
  EXPECT_EQ(again.number, 1);
  EXPECT_EQ(again.message, "first");
  EXPECT_EQ(again.added + again.changed + again.removed, 0);
  EXPECT_EQ(store_->history(0)->size(), 1u);

  // Only the order differs: that is a change.
  RevisionInfo swapped = commit({svc("b"), svc("a")});
  EXPECT_EQ(swapped.number, 2);
  EXPECT_EQ(swapped.changed, 1);
  EXPECT_EQ(swapped.moved, 1);
}

TEST_P(StoreContract, EmptyModelIntoEmptyStoreMakesNoRevision) {
  RevisionInfo info = commit({});
  EXPECT_EQ(info.number, 0);
  EXPECT_EQ(*store_->head(), std::nullopt);
}

TEST_P(StoreContract, TwoStoresShareOneDatabase) {
  if (!GetParam().shareable) GTEST_SKIP() << "one connection only";
  Backend second = open_again();
  Store* other = second.store.get();
  ASSERT_TRUE(other);
  commit({svc("a")});
  Result<RevisionInfo> r =
      other->commit(std::vector<Entity>{svc("a"), svc("b")}, {"bo", "", 0, 1}, {});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->number, 2);
  EXPECT_EQ(r->added, 1);
  EXPECT_EQ((*store_->head())->author, "bo");

  // Based on revision 1, but the head is 2 now: refused, and nothing written.
  r = store_->commit(std::vector<Entity>{svc("c")}, {"ann", "", 0, 1}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ((*other->head())->number, 2);
  EXPECT_EQ(store_->commit(std::vector<Entity>{svc("c")}, {"ann", "", 0, 2}, {})->number, 3);
  EXPECT_EQ(store_->commit(std::vector<Entity>{svc("d")}, {"ann", "", 0, 0}, {}).error().code,
            ErrorCode::kConflict);
}

TEST_P(StoreContract, UnknownRevisionIsNotFound) {
  commit({svc("a")});
  for (int64_t rev : {0, 2, -1}) {
    EXPECT_EQ(store_->revision(rev).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(store_->entities(rev, {}).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(store_->entity(rev, EntityKind::kService, "a").error().code, ErrorCode::kNotFound);
  }
}

TEST_P(StoreContract, ProgressCountsUp) {
  std::vector<Entity> model = services(25'000);
  std::vector<std::pair<int64_t, int64_t>> calls;
  auto record = [&](int64_t done, int64_t total) { calls.emplace_back(done, total); };
  ASSERT_TRUE(store_->commit(model, {}, record));
  ASSERT_GE(calls.size(), 4u);
  for (size_t i = 1; i < calls.size(); ++i) EXPECT_LE(calls[i - 1].first, calls[i].first);
  EXPECT_EQ(calls.back(), std::make_pair(int64_t{50'000}, int64_t{50'000}));

  calls.clear();
  ASSERT_TRUE(store_->entities(1, record));
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls.back(), std::make_pair(int64_t{25'000}, int64_t{25'000}));
}

// ---- Accounts ----

TEST_P(StoreContract, AccountsUsersCrud) {
  Accounts* accounts = accounts_.get();
  ASSERT_TRUE(accounts);
  Result<User> bob = accounts->add_user(make_user("bob", Role::kOwner));
  ASSERT_TRUE(bob) << bob.error().message;
  EXPECT_GT(bob->id, 0);
  Result<User> ann = accounts->add_user(make_user("ann", Role::kAdmin));
  ASSERT_TRUE(ann);
  EXPECT_NE(ann->id, bob->id);

  Result<User> again = accounts->add_user(make_user("bob"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_NE(again.error().message.find("'bob'"), std::string::npos);

  auto found = accounts->user("bob");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->role, Role::kOwner);
  EXPECT_EQ((*found)->password_hash, make_user("x").password_hash);
  auto by_id = accounts->user_by_id(ann->id);
  ASSERT_TRUE(by_id && *by_id);
  EXPECT_EQ((*by_id)->name, "ann");
  EXPECT_EQ((*by_id)->role, Role::kAdmin);
  EXPECT_EQ(*accounts->user("nobody"), std::nullopt);
  EXPECT_EQ(*accounts->user_by_id(999), std::nullopt);

  auto all = accounts->users();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "ann");  // by name
  EXPECT_EQ((*all)[1].name, "bob");

  User changed = **found;
  changed.role = Role::kResponder;
  changed.person = "p-bob";
  changed.disabled = true;
  changed.failed_signins = 3;
  changed.locked_until_ms = 5000;
  changed.password_hash = "$argon2id$other";
  changed.name = "ignored";
  changed.created_ms = 42;
  ASSERT_TRUE(accounts->update_user(changed));
  User after = **accounts->user("bob");
  EXPECT_EQ(after.role, Role::kResponder);
  EXPECT_EQ(after.person, "p-bob");
  EXPECT_TRUE(after.disabled);
  EXPECT_EQ(after.failed_signins, 3);
  EXPECT_EQ(after.locked_until_ms, 5000);
  EXPECT_EQ(after.password_hash, "$argon2id$other");
  EXPECT_EQ(after.created_ms, 1000);  // not written by update_user

  changed.id = 999;
  EXPECT_EQ(accounts->update_user(changed).error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContract, AccountsTokens) {
  Accounts* accounts = accounts_.get();
  ASSERT_TRUE(accounts);
  User bob = *accounts->add_user(make_user("bob"));
  ApiToken t;
  t.user_id = bob.id;
  t.name = "ci";
  t.hash = "aa";
  t.created_ms = 10;
  t.expires_ms = 20;
  Result<ApiToken> added = accounts->add_token(t);
  ASSERT_TRUE(added) << added.error().message;
  t.hash = "bb";
  t.name = "backup";
  ASSERT_TRUE(accounts->add_token(t));

  auto all = accounts->tokens();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, added->id);
  EXPECT_EQ((*all)[0].user, "bob");
  EXPECT_EQ((*all)[0].name, "ci");
  EXPECT_EQ((*all)[0].hash, "aa");
  EXPECT_EQ((*all)[0].expires_ms, 20);
  EXPECT_FALSE((*all)[0].revoked);

  ApiToken used = (*all)[0];
  used.revoked = true;
  used.last_used_ms = 15;
  ASSERT_TRUE(accounts->update_token(used));
  all = accounts->tokens();
  EXPECT_TRUE((*all)[0].revoked);
  EXPECT_EQ((*all)[0].last_used_ms, 15);
  EXPECT_FALSE((*all)[1].revoked);

  used.id = 999;
  EXPECT_EQ(accounts->update_token(used).error().code, ErrorCode::kNotFound);
  // A token of a user that does not exist is refused by the foreign key.
  t.user_id = 999;
  t.hash = "cc";
  EXPECT_FALSE(accounts->add_token(t));
}

TEST_P(StoreContract, AccountsSessions) {
  Accounts* accounts = accounts_.get();
  ASSERT_TRUE(accounts);
  User bob = *accounts->add_user(make_user("bob"));
  Session s{"h1", bob.id, "csrf1", 1, 100, 1, "127.0.0.1:1"};
  ASSERT_TRUE(accounts->put_session(s));
  ASSERT_TRUE(accounts->put_session({"h2", bob.id, "csrf2", 2, 200, 2, "127.0.0.1:2"}));
  s.last_seen_ms = 50;  // replace
  ASSERT_TRUE(accounts->put_session(s));
  auto all = accounts->sessions();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  const Session& h1 = (*all)[0].hash == "h1" ? (*all)[0] : (*all)[1];
  EXPECT_EQ(h1.last_seen_ms, 50);
  EXPECT_EQ(h1.csrf, "csrf1");
  EXPECT_EQ(h1.remote, "127.0.0.1:1");
  ASSERT_TRUE(accounts->delete_session("h1"));
  ASSERT_TRUE(accounts->delete_session("absent"));
  all = accounts->sessions();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].hash, "h2");
}

// A commit's audit entry is written in the revision's transaction: with it, never without it.
TEST_P(StoreContract, CommitWritesItsAuditEntryAtomically) {
  CommitRequest req{"ann", "add a", 1};
  req.audit =
      AuditEntry{0, 0, "ann", "127.0.0.1:1", "services_create", "services/a", "", "{}", "add a"};
  ASSERT_TRUE(store_->commit(std::vector<model::Entity>{svc("a")}, req, {}));
  // The same model again: no revision, so no entry; a stale base: refused, no entry.
  ASSERT_TRUE(store_->commit(std::vector<model::Entity>{svc("a")}, req, {}));
  req.base_revision = 0;
  EXPECT_FALSE(store_->commit(std::vector<model::Entity>{svc("b")}, req, {}));
  auto entries = accounts_->audit(AuditFilter{});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  const AuditEntry& e = (*entries)[0];
  EXPECT_EQ(e.detail, "revision 1: add a");
  EXPECT_EQ(e.time_ms, 1);  // the revision's time when the entry gives none
  EXPECT_EQ(e.target, "services/a");
  EXPECT_EQ(e.after, "{}");
}

class AuditContract : public StoreContract {
 protected:
  void SetUp() override {
    StoreContract::SetUp();
    ASSERT_TRUE(accounts_);
    // id: 1..6
    append(entry(1000, "ann", "sign_in", "user/ann"));
    append(entry(2000, "ann", "user_add", "user/bob"));
    append(entry(3000, "bob", "sign_in", "user/bob"));
    append(entry(4000, "bob", "model_update", "function/payroll"));
    append(entry(5000, "ann", "token_create", "token/1"));
    append(entry(6000, "", "sign_in_failed", "user/eve"));
  }
  void append(AuditEntry e) {
    Result<AuditEntry> r = accounts_->append(std::move(e));
    ASSERT_TRUE(r) << r.error().message;
    last_id_ = r->id;
  }
  std::vector<int64_t> query(AuditFilter f) { return ids(accounts_->audit(f)); }

  int64_t last_id_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Backends, AuditContract,
                         ::testing::ValuesIn(testing_util::backend_factories()),
                         testing_util::factory_name);

TEST_P(AuditContract, AppendAssignsIncreasingIdsAndKeepsEveryField) {
  AuditEntry e = entry(7000, "ann", "model_update", "function/hr");
  e.before = R"({"id":"hr","v":1})";
  e.after = R"({"id":"hr","v":2})";
  e.detail = "revision 4: rto 1d";
  e.remote = "10.0.0.1:4000";
  Result<AuditEntry> r = accounts_->append(e);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, last_id_ + 1);
  AuditFilter f;
  f.after_id = last_id_;
  auto got = accounts_->audit(f);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  const AuditEntry& g = got->front();
  EXPECT_EQ(g.id, r->id);
  EXPECT_EQ(g.time_ms, 7000);
  EXPECT_EQ(g.actor, "ann");
  EXPECT_EQ(g.remote, "10.0.0.1:4000");
  EXPECT_EQ(g.action, "model_update");
  EXPECT_EQ(g.target, "function/hr");
  EXPECT_EQ(g.before, e.before);
  EXPECT_EQ(g.after, e.after);
  EXPECT_EQ(g.detail, e.detail);
}

TEST_P(AuditContract, EveryFilter) {
  AuditFilter all;
  all.limit = 0;
  EXPECT_EQ(query(all), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));

  AuditFilter f;
  f.actor = "ann";
  EXPECT_EQ(query(f), (std::vector<int64_t>{1, 2, 5}));
  f = {};
  f.actor = "";  // anonymous
  EXPECT_EQ(query(f), (std::vector<int64_t>{6}));
  f = {};
  f.action = "sign_in";
  EXPECT_EQ(query(f), (std::vector<int64_t>{1, 3}));
  f = {};
  f.target = "user/bob";
  EXPECT_EQ(query(f), (std::vector<int64_t>{2, 3}));
  f = {};
  f.target = "user/";  // prefix
  EXPECT_EQ(query(f), (std::vector<int64_t>{1, 2, 3, 6}));
  f = {};
  f.target = "user";  // exact only: nothing
  EXPECT_EQ(query(f), (std::vector<int64_t>{}));
  f = {};
  f.since_ms = 3000;  // inclusive
  EXPECT_EQ(query(f), (std::vector<int64_t>{3, 4, 5, 6}));
  f = {};
  f.until_ms = 3000;  // exclusive
  EXPECT_EQ(query(f), (std::vector<int64_t>{1, 2}));
  f = {};
  f.since_ms = 2000;
  f.until_ms = 5000;
  f.actor = "bob";
  EXPECT_EQ(query(f), (std::vector<int64_t>{3, 4}));
  f = {};
  f.actor = "ann";
  f.action = "user_add";
  f.target = "user/";
  EXPECT_EQ(query(f), (std::vector<int64_t>{2}));
}

TEST_P(AuditContract, PagesByAfterId) {
  AuditFilter f;
  f.limit = 4;
  EXPECT_EQ(query(f), (std::vector<int64_t>{1, 2, 3, 4}));
  f.after_id = 4;
  EXPECT_EQ(query(f), (std::vector<int64_t>{5, 6}));
  f.after_id = 6;
  EXPECT_EQ(query(f), (std::vector<int64_t>{}));
  f = {};
  f.actor = "ann";
  f.limit = 1;
  f.after_id = 1;
  EXPECT_EQ(query(f), (std::vector<int64_t>{2}));
}

TEST_P(StoreContract, DuplicateKeysFailAndChangeNothing) {
  commit({svc("a"), svc("b")});
  const std::vector<Entity> twice = {svc("c"), svc("a", 2), svc("c", 2)};
  Result<RevisionInfo> r = store_->commit(twice, {}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("'c'"), std::string::npos) << r.error().message;
  EXPECT_EQ(head_number(), 1);
  EXPECT_EQ(at(1), (std::vector<Entity>{svc("a"), svc("b")}));
}

// ---- Store: commit_changes ----

const Entity kOrg = ent(EntityKind::kOrganization, "", R"({"name":"Acme"})");
Entity loc(const std::string& id) {
  return ent(EntityKind::kLocation, id, R"({"id":")" + id + "\"}");
}
Entity fn(const std::string& id, int v = 1) {
  return ent(EntityKind::kFunction, id, R"({"id":")" + id + R"(","v":)" + std::to_string(v) + "}");
}
EntityKey key(const Entity& e) { return EntityKey{e.kind, e.id}; }

TEST_P(StoreContract, ChangesPutInPlaceAppendAfterTheirKindAndRemove) {
  commit({kOrg, loc("hq"), svc("a"), svc("b"), svc("c"), fn("x")});
  ChangeSet changes;
  changes.put = {svc("b", 2), fn("y"), svc("d"), loc("dc"), svc("e")};
  changes.remove = {key(svc("a"))};
  RevisionInfo info = change(changes);
  EXPECT_EQ(info.number, 2);
  EXPECT_EQ(info.added, 4);
  EXPECT_EQ(info.changed, 1);
  EXPECT_EQ(info.removed, 1);
  EXPECT_EQ(info.moved, 0);
  EXPECT_EQ(info.entity_count, 9);
  EXPECT_EQ(at(2), (std::vector<Entity>{kOrg, loc("hq"), loc("dc"), svc("b", 2), svc("c"), svc("d"),
                                        svc("e"), fn("x"), fn("y")}));
  EXPECT_EQ(at(1), (std::vector<Entity>{kOrg, loc("hq"), svc("a"), svc("b"), svc("c"), fn("x")}));
  Result<RevisionInfo> two = store_->revision(2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->added, 4);
  EXPECT_EQ(two->entity_count, 9);
  EXPECT_EQ(two->message, "change");
  EXPECT_EQ(*store_->entity(2, EntityKind::kService, "a"), std::nullopt);
  EXPECT_EQ(*store_->entity(2, EntityKind::kService, "b"), svc("b", 2));
  // The same as a whole-model commit of that model would have counted.
  EXPECT_EQ(commit(at(2)).number, 2);
}

TEST_P(StoreContract, ANewKindGoesAfterTheEarlierKinds) {
  // Into an empty store: in kind order, whatever the order given.
  ChangeSet first;
  first.put = {fn("x"), svc("a"), kOrg};
  EXPECT_EQ(change(first).number, 1);
  EXPECT_EQ(at(1), (std::vector<Entity>{kOrg, svc("a"), fn("x")}));
  ChangeSet second;
  const Entity person = ent(EntityKind::kPerson, "p", R"({"id":"p"})");
  const Entity scenario = ent(EntityKind::kScenario, "z", R"({"id":"z"})");
  second.put = {scenario, loc("hq"), person};
  change(second);
  EXPECT_EQ(at(2), (std::vector<Entity>{kOrg, loc("hq"), person, svc("a"), fn("x"), scenario}));
  // A model not in kind order: after the last of the kind, whatever follows it.
  commit({svc("a"), kOrg, fn("x"), svc("b")});
  ChangeSet third;
  third.put = {svc("c"), fn("y")};
  change(third);
  EXPECT_EQ(at(4), (std::vector<Entity>{svc("a"), kOrg, fn("x"), fn("y"), svc("b"), svc("c")}));
}

TEST_P(StoreContract, AChangeThatChangesNothingMakesNoRevision) {
  CommitRequest req{"ann", "nothing", 1, 0};
  Result<RevisionInfo> empty = store_->commit_changes({}, req);
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(empty->number, 0);
  EXPECT_EQ(head_number(), 0);
  commit({svc("a"), svc("b")}, "first");
  ChangeSet same;
  same.put = {svc("b")};
  req.base_revision = 1;
  req.audit = entry(5, "ann", "model_update", "services/b");
  for (const ChangeSet& changes : {ChangeSet{}, same}) {
    Result<RevisionInfo> r = store_->commit_changes(changes, req);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->number, 1);
    EXPECT_EQ(r->message, "first");
    EXPECT_EQ(r->added + r->changed + r->removed, 0);
  }
  EXPECT_EQ(store_->history(0)->size(), 1u);
  EXPECT_TRUE(accounts_->audit(AuditFilter{})->empty()) << "no revision, no audit entry";
}

TEST_P(StoreContract, ABadChangeIsRefusedAndChangesNothing) {
  commit({svc("a"), svc("b")});
  auto refused = [&](const ChangeSet& changes, std::optional<int64_t> base, ErrorCode code,
                     const std::string& words) {
    CommitRequest req{"ann", "bad", 1, base};
    req.audit = entry(5, "ann", "model_update", "services");
    Result<RevisionInfo> r = store_->commit_changes(changes, req);
    ASSERT_FALSE(r) << words;
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  };
  ChangeSet ok;
  ok.put = {svc("c")};
  refused(ok, std::nullopt, ErrorCode::kInvalidInput, "base_revision");
  refused(ok, 0, ErrorCode::kConflict, "based on revision 0");
  refused(ok, 2, ErrorCode::kConflict, "store is at revision 1");
  ChangeSet missing;
  missing.put = {svc("c")};
  missing.remove = {key(svc("zz"))};
  refused(missing, 1, ErrorCode::kNotFound, "the service 'zz'");
  ChangeSet twice;
  twice.put = {svc("c"), svc("c", 2)};
  refused(twice, 1, ErrorCode::kInvalidInput, "puts the service 'c' twice");
  ChangeSet both;
  both.put = {svc("a", 2)};
  both.remove = {key(svc("a"))};
  refused(both, 1, ErrorCode::kInvalidInput, "puts and removes the service 'a'");
  ChangeSet removed_twice;
  removed_twice.remove = {key(svc("a")), key(svc("a"))};
  refused(removed_twice, 1, ErrorCode::kInvalidInput, "removes the service 'a' twice");
  ChangeSet bad_text;
  bad_text.put = {ent(EntityKind::kService, "c", "{\"id\":\"c\xff\"}")};
  refused(bad_text, 1, ErrorCode::kInvalidInput, "not UTF-8");
  EXPECT_EQ(head_number(), 1);
  EXPECT_EQ(at(1), (std::vector<Entity>{svc("a"), svc("b")}));
  EXPECT_TRUE(accounts_->audit(AuditFilter{})->empty());
}

TEST_P(StoreContract, AChangeWritesItsAuditEntryInItsTransaction) {
  commit({svc("a")});
  ChangeSet changes;
  changes.put = {svc("a", 2)};
  CommitRequest req{"ann", "edit a", 77, 1};
  req.audit = entry(0, "ann", "services_update", "services/a");
  req.audit->detail = "rto 2h";
  Result<RevisionInfo> r = store_->commit_changes(changes, req);
  ASSERT_TRUE(r) << r.error().message;
  // Stale now: refused, and no entry.
  EXPECT_EQ(store_->commit_changes(changes, req).error().code, ErrorCode::kConflict);
  Result<std::vector<AuditEntry>> entries = accounts_->audit(AuditFilter{});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].detail, "revision 2: rto 2h");
  EXPECT_EQ((*entries)[0].time_ms, 77);
}

// Whole-model inserts at one spot use its gap up; appends by commit_changes there must stay
// exact (they fall back to a whole commit when no ord is left), and so must the commits after.
TEST_P(StoreContract, ChangesAtACrowdedSpotStayExact) {
  std::vector<Entity> model = {svc("s0"), fn("f0")};
  commit(model);
  for (int round = 0; round < 45; ++round) {
    model.insert(model.end() - 1, svc("w" + std::to_string(round)));
    commit(model);
    ChangeSet changes;
    changes.put = {svc("c" + std::to_string(round)), fn("f0", round + 2)};
    RevisionInfo info = change(changes);
    ASSERT_EQ(info.added, 1) << "round " << round;
    ASSERT_EQ(info.changed, 1) << "round " << round;
    model = at(info.number);
  }
  Result<std::optional<RevisionInfo>> head = store_->head();
  ASSERT_TRUE(head && *head);
  for (int64_t rev = 1; rev <= (*head)->number; ++rev) {
    EXPECT_EQ(store_->revision(rev)->entity_count, static_cast<int64_t>(at(rev).size()));
  }
}

TEST_P(StoreContract, RandomChangesMatchApplyChanges) {
  std::mt19937_64 rng(11);
  commit(services(30));
  int next_id = 0;
  for (int round = 0; round < 80; ++round) {
    std::vector<Entity> head = at(head_number());
    ChangeSet changes;
    std::set<std::string> used;
    for (const Entity& e : head) {
      const uint64_t dice = rng() % 10;
      if (dice == 0) {
        changes.remove.push_back(key(e));
      } else if (dice == 1) {
        changes.put.push_back(ent(e.kind, e.id, e.body + std::to_string(rng() % 100)));
      } else if (dice == 2) {
        changes.put.push_back(e);  // unchanged
      }
    }
    for (uint64_t i = rng() % 3; i > 0; --i) {
      changes.put.push_back(rng() % 2 ? svc("n" + std::to_string(next_id++))
                                      : fn("n" + std::to_string(next_id++)));
    }
    change(changes);  // checks the model against apply_changes
  }
}

TEST_P(StoreContract, TwoWritersOfChangesConflict) {
  if (!GetParam().shareable) GTEST_SKIP() << "one connection only";
  Backend second = open_again();
  commit({svc("a")});
  ChangeSet mine, theirs;
  mine.put = {svc("a", 2)};
  theirs.put = {svc("b")};
  ASSERT_TRUE(second.store->commit_changes(theirs, CommitRequest{"bo", "b", 1, 1}));
  Result<RevisionInfo> r = store_->commit_changes(mine, CommitRequest{"ann", "a", 2, 1});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_EQ(at(2), (std::vector<Entity>{svc("a"), svc("b")}));
}

// ---- change_mark ----

TEST_P(StoreContract, ChangeMarkMovesWhenAnotherObjectWrites) {
  auto marks = [&] {
    return std::array<int64_t, 3>{*store_->change_mark(), *accounts_->change_mark(),
                                  *live_->change_mark()};
  };
  const auto m0 = marks();
  EXPECT_EQ(marks(), m0) << "nothing written";
  ASSERT_TRUE(accounts_->add_user(make_user("ann")));
  const auto m1 = marks();
  EXPECT_GT(m1[0], m0[0]);
  EXPECT_GT(m1[2], m0[2]);
  commit({svc("a")});
  const auto m2 = marks();
  EXPECT_GT(m2[1], m1[1]);
  EXPECT_GT(m2[2], m1[2]);
  ASSERT_TRUE(live_->put("status", R"({"level":"normal"})", 1, "ann", std::nullopt, std::nullopt));
  const auto m3 = marks();
  EXPECT_GT(m3[0], m2[0]);
  EXPECT_GT(m3[1], m2[1]);
  ASSERT_TRUE(accounts_->put_session({"h", 1, "c", 1, 2, 3, "r"}));
  EXPECT_GT(*live_->change_mark(), m3[2]);
  ASSERT_TRUE(live_->enqueue("mail", "{}", 0));
  EXPECT_GT(*accounts_->change_mark(), m3[1]);
}

TEST_P(StoreContract, ChangeMarkSeesAnotherBackend) {
  if (!GetParam().shareable) GTEST_SKIP() << "one connection only";
  Backend other = open_again();
  const int64_t before = *accounts_->change_mark();
  ASSERT_TRUE(other.live->try_lease("poller", "b", 0, 100));
  const int64_t after = *accounts_->change_mark();
  EXPECT_GT(after, before);
  ASSERT_TRUE(other.accounts->append(entry(1, "bo", "sign_in", "user/bo")));
  EXPECT_GT(*store_->change_mark(), 0);
  EXPECT_GT(*accounts_->change_mark(), after);
}

// ---- Live: values ----

TEST_P(StoreContract, LiveValuesAreVersioned) {
  EXPECT_EQ(*live_->get("status"), std::nullopt);
  Result<LiveValue> v1 = live_->put("status", R"({"level":"normal"})", 10, "ann", 0, std::nullopt);
  ASSERT_TRUE(v1) << v1.error().message;
  EXPECT_EQ(*v1, (LiveValue{"status", R"({"level":"normal"})", 1, 10, "ann"}));
  EXPECT_EQ(*live_->get("status"), *v1);
  // Must not exist yet: it does.
  Result<LiveValue> again = live_->put("status", "{}", 11, "bo", 0, std::nullopt);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_NE(again.error().message.find("at version 1"), std::string::npos);
  Result<LiveValue> v2 = live_->put("status", R"({"level":"incident"})", 12, "bo", 1, std::nullopt);
  ASSERT_TRUE(v2);
  EXPECT_EQ(v2->version, 2);
  Result<LiveValue> stale = live_->put("status", "{}", 13, "cy", 1, std::nullopt);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_EQ(live_->put("other", "{}", 13, "cy", 4, std::nullopt).error().code,
            ErrorCode::kConflict);
  Result<LiveValue> v3 = live_->put("status", "[1]", 14, "cy", std::nullopt, std::nullopt);
  ASSERT_TRUE(v3);
  EXPECT_EQ(v3->version, 3);
  EXPECT_EQ(*live_->get("status"), (LiveValue{"status", "[1]", 3, 14, "cy"}));
  EXPECT_EQ(*live_->get("other"), std::nullopt);
  EXPECT_EQ(live_->put("", "{}", 1, "a", std::nullopt, std::nullopt).error().code,
            ErrorCode::kInvalidInput);
  Result<LiveValue> not_json = live_->put("x", "{oops", 1, "a", std::nullopt, std::nullopt);
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(not_json.error().message.find("'x' is not JSON"), std::string::npos);
}

TEST_P(StoreContract, LivePutWritesItsAuditEntryInItsTransaction) {
  AuditEntry a = entry(0, "ann", "status_declare", "status");
  a.after = R"({"level":"incident"})";
  ASSERT_TRUE(live_->put("status", R"({"level":"incident"})", 50, "ann", 0, a));
  // Refused (stale version): neither the value nor the entry.
  a.after = R"({"level":"normal"})";
  EXPECT_FALSE(live_->put("status", R"({"level":"normal"})", 60, "ann", 0, a));
  Result<std::vector<AuditEntry>> entries = accounts_->audit(AuditFilter{});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].time_ms, 50);
  EXPECT_EQ((*entries)[0].after, R"({"level":"incident"})");
  EXPECT_EQ(live_->get("status")->value().json, R"({"level":"incident"})");
}

TEST_P(StoreContract, LivePutManyIsAllOrNothing) {
  ASSERT_TRUE(live_->put("incident/b", R"({"n":1})", 5, "poller", 0, std::nullopt));
  Result<std::vector<LiveValue>> both = live_->put_many(
      {{"incident/a", R"({"n":2})", 0}, {"incident/b", R"({"n":3})", 1}}, 10, "poller",
      std::nullopt);
  ASSERT_TRUE(both) << both.error().message;
  ASSERT_EQ(both->size(), 2u);
  EXPECT_EQ((*both)[1], (LiveValue{"incident/b", R"({"n":3})", 2, 10, "poller"}));
  // The second write's version is stale: the first is not written either.
  Result<std::vector<LiveValue>> stale = live_->put_many(
      {{"incident/c", "{}", std::nullopt}, {"incident/b", "{}", 1}}, 20, "poller", std::nullopt);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kConflict);
  EXPECT_NE(stale.error().message.find("'incident/b'"), std::string::npos);
  EXPECT_EQ(*live_->get("incident/c"), std::nullopt);
  Result<std::vector<LiveValue>> bad =
      live_->put_many({{"incident/d", "{}", std::nullopt}, {"incident/e", "{no", std::nullopt}},
                      20, "poller", std::nullopt);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(*live_->get("incident/d"), std::nullopt);
}

TEST_P(StoreContract, LiveListGivesTheKeysWithAPrefixInOrder) {
  for (const char* k : {"incident/b", "incident/a", "incidents", "incident", "health/x",
                        "incident/\xc3\xa5"}) {
    ASSERT_TRUE(live_->put(k, "{}", 1, "t", std::nullopt, std::nullopt));
  }
  Result<std::vector<LiveValue>> got = live_->list("incident/");
  ASSERT_TRUE(got) << got.error().message;
  std::vector<std::string> keys;
  for (const auto& v : *got) keys.push_back(v.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"incident/a", "incident/b", "incident/\xc3\xa5"}));
  EXPECT_TRUE(live_->list("nothing/")->empty());
  EXPECT_EQ(live_->list("")->size(), 6u);
}

// ---- Live: leases ----

TEST_P(StoreContract, ALeaseHasOneHolderUntilItExpires) {
  EXPECT_TRUE(*live_->try_lease("poller", "a", 1000, 100));
  EXPECT_FALSE(*live_->try_lease("poller", "b", 1050, 100));
  EXPECT_TRUE(*live_->try_lease("other", "b", 1050, 100)) << "another name, another lease";
  EXPECT_TRUE(*live_->try_lease("poller", "a", 1090, 100)) << "renewed to 1190";
  EXPECT_FALSE(*live_->try_lease("poller", "b", 1150, 100));
  EXPECT_TRUE(*live_->try_lease("poller", "b", 1190, 100)) << "expired: taken over";
  EXPECT_FALSE(*live_->try_lease("poller", "a", 1200, 100));
  Result<void> not_mine = live_->release_lease("poller", "a");
  ASSERT_FALSE(not_mine);
  EXPECT_EQ(not_mine.error().code, ErrorCode::kConflict);
  ASSERT_TRUE(live_->release_lease("poller", "b"));
  ASSERT_TRUE(live_->release_lease("poller", "b")) << "released already: nothing to do";
  EXPECT_TRUE(*live_->try_lease("poller", "a", 1201, 100)) << "free at once";
  EXPECT_EQ(live_->try_lease("poller", "a", 1, 0).error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(live_->try_lease("", "a", 1, 10).error().code, ErrorCode::kInvalidInput);
}

TEST_P(StoreContract, TwoConnectionsRacingForALeaseNeverBothWin) {
  if (!GetParam().shareable) GTEST_SKIP() << "one connection only";
  constexpr int kRounds = 150;
  Backend a = open_again(), b = open_again();
  ASSERT_TRUE(a.live && b.live);
  std::vector<int> wins(kRounds, 0);
  std::atomic<int> errors{0};
  // Each round starts after the last one's lease expired (round * 100 >= the previous
  // round's + 50); both try at the same "time"; a barrier between rounds.
  std::atomic<int> arrived{0};
  auto stepped = [&](Live& live, const char* holder) {
    for (int round = 0; round < kRounds; ++round) {
      Result<bool> won = live.try_lease("poller", holder, int64_t{round} * 100, 50);
      if (!won) {
        ++errors;
      } else if (*won) {
        std::atomic_ref<int>(wins[static_cast<size_t>(round)]).fetch_add(1);
      }
      arrived.fetch_add(1);
      while (arrived.load() < 2 * (round + 1)) std::this_thread::yield();
    }
  };
  std::thread ta(stepped, std::ref(*a.live), "a");
  std::thread tb(stepped, std::ref(*b.live), "b");
  ta.join();
  tb.join();
  EXPECT_EQ(errors.load(), 0);
  for (int round = 0; round < kRounds; ++round) {
    EXPECT_EQ(wins[static_cast<size_t>(round)], 1) << "round " << round;
  }
}

// ---- Live: queues ----

TEST_P(StoreContract, QueueItemsAreClaimedCompletedAndRetried) {
  const int64_t i1 = *live_->enqueue("mail", R"({"to":"ann"})", 0);
  const int64_t i2 = *live_->enqueue("mail", R"({"to":"bo"})", 0);
  const int64_t i3 = *live_->enqueue("mail", R"({"to":"cy"})", 500);
  const int64_t other = *live_->enqueue("sms", "{}", 0);
  EXPECT_LT(i1, i2);
  EXPECT_LT(i2, i3);
  Result<std::vector<QueueItem>> got = live_->claim("mail", "w1", 100, 1000, 10);
  ASSERT_TRUE(got) << got.error().message;
  ASSERT_EQ(got->size(), 2u) << "the third is not available before 500";
  EXPECT_EQ((*got)[0], (QueueItem{i1, "mail", R"({"to":"ann"})", 0, 1, 1100}));
  EXPECT_EQ((*got)[1].id, i2);
  EXPECT_TRUE(live_->claim("mail", "w2", 200, 1000, 10)->empty()) << "claimed by w1";
  EXPECT_EQ(live_->complete(i1, "w2").error().code, ErrorCode::kConflict);
  ASSERT_TRUE(live_->complete(i1, "w1"));
  EXPECT_EQ(live_->complete(i1, "w1").error().code, ErrorCode::kNotFound);
  // Handed back for later: not claimable before, then claimable with one more attempt.
  Result<void> handed_back = live_->retry(i2, "w1", 300);
  ASSERT_TRUE(handed_back) << handed_back.error().message;
  EXPECT_EQ(live_->retry(i2, "w1", 300).error().code, ErrorCode::kConflict) << "not w1's now";
  EXPECT_TRUE(live_->claim("mail", "w2", 299, 1000, 10)->empty());
  got = live_->claim("mail", "w2", 300, 100, 1);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].id, i2);
  EXPECT_EQ((*got)[0].attempts, 2);
  EXPECT_EQ((*got)[0].claim_until_ms, 400);
  // w2's claim expires at 400: w1 may take it over, and w2 can then no longer complete it.
  EXPECT_TRUE(live_->claim("mail", "w1", 399, 100, 10)->empty());
  got = live_->claim("mail", "w1", 400, 1000, 1);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].id, i2);
  EXPECT_EQ((*got)[0].attempts, 3);
  EXPECT_EQ(live_->complete(i2, "w2").error().code, ErrorCode::kConflict);
  ASSERT_TRUE(live_->complete(i2, "w1"));
  // The earliest available first; other queues apart.
  got = live_->claim("mail", "w1", 10'000, 1000, 10);
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].id, i3);
  got = live_->claim("sms", "w1", 0, 1000, 10);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].id, other);
  EXPECT_EQ(live_->claim("sms", "w1", 0, 0, 10).error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(live_->complete(999'999, "w1").error().code, ErrorCode::kNotFound);
}

TEST_P(StoreContract, WorkKeyedByWhatItIsIsCreatedOnce) {
  std::vector<NewWork> work{{"outbox/a", R"({"to":"ann"})", "outbox/a", 0},
                            {"outbox/b", R"({"to":"bo"})", "outbox/b", 50}};
  Result<size_t> made = live_->create_with_work("notify", work, 10, "test", std::nullopt);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(*made, 2u);
  // Asked again, with one more: only the new one is created and queued.
  work.push_back({"outbox/c", "{}", "outbox/c", 0});
  made = live_->create_with_work("notify", work, 20, "test", std::nullopt);
  ASSERT_TRUE(made);
  EXPECT_EQ(*made, 1u);
  EXPECT_EQ(live_->get("outbox/a")->value().version, 1);
  EXPECT_EQ(live_->get("outbox/a")->value().updated_ms, 10);
  Result<std::vector<QueueItem>> got = live_->claim("notify", "w", 100, 1000, 10);
  ASSERT_TRUE(got);
  std::vector<std::string> payloads;
  for (const auto& i : *got) payloads.push_back(i.payload);
  EXPECT_EQ(payloads, (std::vector<std::string>{"outbox/a", "outbox/c", "outbox/b"}));
  // All or nothing: one bad value and nothing is written.
  made = live_->create_with_work("notify", {{"outbox/d", "{}", "d", 0}, {"outbox/e", "{", "e", 0}},
                                 30, "test", std::nullopt);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, ErrorCode::kInvalidInput);
  EXPECT_FALSE(live_->get("outbox/d")->has_value());
  EXPECT_EQ(live_->create_with_work("", work, 0, "t", std::nullopt).error().code,
            ErrorCode::kInvalidInput);
}

TEST_P(StoreContract, OutcomesAreRecordedAndClaimsEndedTogether) {
  const int64_t a = *live_->enqueue("notify", "a", 0);
  const int64_t b = *live_->enqueue("notify", "b", 0);
  const int64_t c = *live_->enqueue("notify", "c", 0);
  ASSERT_EQ(live_->claim("notify", "w1", 0, 100, 2)->size(), 2u);  // a, b
  ASSERT_EQ(live_->claim("notify", "w2", 0, 1000, 1)->size(), 1u);  // c
  Result<size_t> ended = live_->record_and_end(
      {{"outbox/a", R"({"state":"delivered"})", std::nullopt}},
      {{a, std::nullopt}, {b, int64_t{500}}, {c, std::nullopt}, {999'999, std::nullopt}}, "w1", 10, "w1");
  ASSERT_TRUE(ended) << ended.error().message;
  EXPECT_EQ(*ended, 2u) << "c is w2's, 999999 is gone: skipped";
  EXPECT_EQ(live_->get("outbox/a")->value().json, R"({"state":"delivered"})");
  EXPECT_EQ(live_->complete(a, "w1").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(live_->claim("notify", "w3", 499, 100, 10)->empty()) << "b waits for 500, c is w2's";
  auto got = live_->claim("notify", "w3", 500, 100, 10);
  ASSERT_EQ(got->size(), 1u);
  EXPECT_EQ((*got)[0].id, b);
  // All or nothing: a bad value leaves the claims as they were.
  EXPECT_FALSE(live_->record_and_end({{"outbox/x", "{", std::nullopt}}, {{c, std::nullopt}}, "w2", 20, "w2"));
  EXPECT_TRUE(live_->complete(c, "w2"));
}

TEST_P(StoreContract, TwoConnectionsNeverClaimTheSameItem) {
  if (!GetParam().shareable) GTEST_SKIP() << "one connection only";
  constexpr int kItems = 400;
  for (int i = 0; i < kItems; ++i) ASSERT_TRUE(live_->enqueue("mail", std::to_string(i), 0));
  Backend a = open_again(), b = open_again();
  std::vector<int64_t> got_a, got_b;
  std::atomic<int> errors{0};
  auto work = [&](Live& live, const char* worker, std::vector<int64_t>& got) {
    while (true) {
      Result<std::vector<QueueItem>> items = live.claim("mail", worker, 1000, 60'000, 7);
      if (!items) {
        ++errors;
        return;
      }
      if (items->empty()) return;
      for (const QueueItem& item : *items) {
        got.push_back(item.id);
        // Half are completed, half handed back for much later (still never claimed twice).
        Result<void> r =
            item.id % 2 ? live.complete(item.id, worker) : live.retry(item.id, worker, 1'000'000);
        if (!r) ++errors;
      }
    }
  };
  std::thread ta(work, std::ref(*a.live), "a", std::ref(got_a));
  std::thread tb(work, std::ref(*b.live), "b", std::ref(got_b));
  ta.join();
  tb.join();
  EXPECT_EQ(errors.load(), 0);
  std::set<int64_t> all(got_a.begin(), got_a.end());
  all.insert(got_b.begin(), got_b.end());
  EXPECT_EQ(all.size(), got_a.size() + got_b.size()) << "an item was claimed twice";
  EXPECT_EQ(all.size(), static_cast<size_t>(kItems));
  // The handed-back half comes back when its time comes, once.
  Result<std::vector<QueueItem>> later = live_->claim("mail", "c", 1'000'000, 1000, 1000);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->size(), static_cast<size_t>(kItems / 2));
}

}  // namespace
}  // namespace ebcm::store
