// SqliteStore against real files: schema, revisions, exact models at old revisions, rows
// written per commit, all-or-nothing.

#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "core/clock.hpp"
#include "store/store.hpp"
#include "store/store_test_util.hpp"

namespace ebcm::store {
namespace {

using model::Entity;
using model::EntityKind;
using testing_util::ent;
using testing_util::open_ok;
using testing_util::services;
using testing_util::svc;
using testing_util::TempDb;

// The file opened beside the store, to look at rows the interface does not show.
sqlite::Db raw(const TempDb& db) {
  Result<sqlite::Db> raw = sqlite::Db::open(db.path());
  EXPECT_TRUE(raw) << raw.error().message;
  return std::move(raw).value();
}

int64_t count(sqlite::Db& db, const std::string& sql) {
  Result<int64_t> n = db.query_int(sql.c_str());
  EXPECT_TRUE(n) << n.error().message;
  return n ? *n : -1;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  RevisionInfo commit(const std::vector<Entity>& entities, std::string message = "edit") {
    clock_.advance(std::chrono::seconds(1));
    Result<RevisionInfo> info =
        store_->commit(entities, CommitRequest{"ann", std::move(message), clock_.now_ms()}, {});
    EXPECT_TRUE(info) << info.error().message;
    return info ? *info : RevisionInfo{};
  }
  std::vector<Entity> at(int64_t revision) {
    Result<std::vector<Entity>> entities = store_->entities(revision, {});
    EXPECT_TRUE(entities) << entities.error().message;
    return entities ? *entities : std::vector<Entity>{};
  }

  TempDb db_;
  FakeClock clock_;
  std::unique_ptr<Store> store_ = open_ok(db_);
};

TEST_F(SqliteStoreTest, OpenCreatesTheSchema) {
  sqlite::Db file = raw(db_);
  EXPECT_EQ(count(file, "PRAGMA user_version"), sqlite::kSchemaVersion);
  EXPECT_EQ(count(file,
                  "SELECT count(*) FROM sqlite_schema WHERE name IN "
                  "('revision', 'entity', 'entity_key')"),
            3);
  EXPECT_EQ(count(file, "PRAGMA page_size"), 16384);
  Result<sqlite::Stmt> mode = file.prepare("PRAGMA journal_mode");
  ASSERT_TRUE(mode);
  ASSERT_TRUE(*mode->step());
  EXPECT_EQ(mode->text(0), "wal");
  EXPECT_EQ(*store_->head(), std::nullopt);
  EXPECT_TRUE(store_->history(0)->empty());
}

TEST_F(SqliteStoreTest, OpeningAgainMigratesNothing) {
  commit({svc("a")});
  store_.reset();
  auto second = open_ok(db_);
  auto third = open_ok(db_);  // two at once, too
  ASSERT_TRUE(second && third);
  EXPECT_EQ((*second->head())->number, 1);
  EXPECT_EQ(*third->entities(1, {}), std::vector<Entity>{svc("a")});
  sqlite::Db file = raw(db_);
  EXPECT_EQ(count(file, "PRAGMA user_version"), sqlite::kSchemaVersion);
}

TEST_F(SqliteStoreTest, CommitHeadHistoryRevision) {
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

TEST_F(SqliteStoreTest, EveryRevisionReadsBackExactly) {
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

TEST_F(SqliteStoreTest, RandomEditsReadBackExactly) {
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

TEST_F(SqliteStoreTest, InsertsAtOneSpotOutlastTheGaps) {
  // Each insert halves the gap between two ords, so some commit here has to renumber.
  std::vector<Entity> model = services(10);
  std::vector<std::vector<Entity>> models;
  for (int round = 0; round < 40; ++round) {
    model.insert(model.begin() + 1, svc("i" + std::to_string(round)));
    commit(model);
    models.push_back(model);
  }
  for (size_t r = 0; r < models.size(); ++r) {
    ASSERT_EQ(at(static_cast<int64_t>(r + 1)), models[r]) << "revision " << r + 1;
  }
  EXPECT_EQ(store_->revision(40)->added, 1);
  EXPECT_EQ(store_->revision(40)->changed, 0);
  sqlite::Db file = raw(db_);
  EXPECT_GT(count(file, "SELECT count(*) FROM entity"), 10 + 40) << "no renumbering happened";
}

TEST_F(SqliteStoreTest, UnchangedCommitMakesNoRevision) {
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

TEST_F(SqliteStoreTest, EmptyModelIntoEmptyStoreMakesNoRevision) {
  RevisionInfo info = commit({});
  EXPECT_EQ(info.number, 0);
  EXPECT_EQ(*store_->head(), std::nullopt);
}

TEST_F(SqliteStoreTest, OneChangeWritesOneRow) {
  std::vector<Entity> model = services(1000);
  commit(model);
  sqlite::Db file = raw(db_);
  EXPECT_EQ(count(file, "SELECT count(*) FROM entity"), 1000);

  model[500] = svc("s500", 2);
  RevisionInfo info = commit(model);
  EXPECT_EQ(info.changed, 1);
  EXPECT_EQ(count(file, "SELECT count(*) FROM entity"), 1001);
  EXPECT_EQ(count(file, "SELECT count(*) FROM entity WHERE rev_to = 2"), 1);

  model.insert(model.begin() + 10, svc("new"));  // an insert in the middle: one row too
  info = commit(model);
  EXPECT_EQ(info.added, 1);
  EXPECT_EQ(count(file, "SELECT count(*) FROM entity"), 1002);
  EXPECT_EQ(count(file, "SELECT count(*) FROM entity WHERE rev_to = 3"), 0);
}

TEST_F(SqliteStoreTest, DuplicateKeysFailAndLeaveTheFileAlone) {
  commit({svc("a"), svc("b")});
  store_.reset();
  ASSERT_FALSE(db_.has_wal());
  const std::string before = db_.bytes();

  store_ = open_ok(db_);
  const std::vector<Entity> twice = {svc("c"), svc("a", 2), svc("c", 2)};
  Result<RevisionInfo> r = store_->commit(twice, {}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("'c'"), std::string::npos) << r.error().message;
  store_.reset();
  EXPECT_EQ(db_.bytes(), before);
}

TEST_F(SqliteStoreTest, FailureHalfWayRollsBack) {
  std::vector<Entity> model = services(5000);
  commit(model);
  {
    sqlite::Db file = raw(db_);
    ASSERT_TRUE(
        file.exec("CREATE TRIGGER fail BEFORE INSERT ON entity WHEN NEW.id = 'boom' "
                  "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"));
  }
  store_ = open_ok(db_);  // statements prepared before the trigger would not see it
  std::vector<Entity> edited = model;
  for (Entity& e : edited) e.body += " ";
  edited.push_back(svc("boom"));
  Result<RevisionInfo> r = store_->commit(edited, {}, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kStorage);
  EXPECT_NE(r.error().message.find("injected failure"), std::string::npos);

  EXPECT_EQ((*store_->head())->number, 1);
  EXPECT_EQ(at(1), model);
  sqlite::Db file = raw(db_);
  EXPECT_EQ(count(file, "SELECT count(*) FROM entity"), 5000);
  EXPECT_EQ(count(file, "SELECT count(*) FROM revision"), 1);
  ASSERT_TRUE(file.exec("DROP TRIGGER fail"));
  store_ = open_ok(db_);
  EXPECT_EQ(commit(edited).number, 2);
}

TEST_F(SqliteStoreTest, TwoStoresShareOneFile) {
  auto other = open_ok(db_);
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

TEST_F(SqliteStoreTest, UnknownRevisionIsNotFound) {
  commit({svc("a")});
  for (int64_t rev : {0, 2, -1}) {
    EXPECT_EQ(store_->revision(rev).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(store_->entities(rev, {}).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(store_->entity(rev, EntityKind::kService, "a").error().code, ErrorCode::kNotFound);
  }
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  store_.reset();
  {
    sqlite::Db file = raw(db_);
    ASSERT_TRUE(file.exec("PRAGMA user_version = 99"));
  }
  Result<std::unique_ptr<Store>> store = open_store(db_.url());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kStorage);
  EXPECT_NE(store.error().message.find("newer"), std::string::npos) << store.error().message;
}

TEST(SqliteStoreOpen, AnotherApplicationsDatabaseIsRefused) {
  TempDb db;
  {
    sqlite::Db file = raw(db);
    ASSERT_TRUE(file.exec("CREATE TABLE t (x)"));
  }
  Result<std::unique_ptr<Store>> store = open_store(db.url());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kStorage);
}

TEST_F(SqliteStoreTest, ProgressCountsUp) {
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

}  // namespace
}  // namespace ebcm::store
