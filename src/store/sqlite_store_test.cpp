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
using testing_util::commit_ok;
using testing_util::ent;
using testing_util::entities_ok;
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

std::string text_of(sqlite::Db& db, const std::string& sql) {
  Result<sqlite::Stmt> stmt = db.prepare(sql);
  EXPECT_TRUE(stmt) << stmt.error().message;
  if (!stmt) return "";
  Result<bool> row = stmt->step();
  EXPECT_TRUE(row && *row) << sql;
  return row && *row ? std::string(stmt->text(0)) : "";
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  RevisionInfo commit(const std::vector<Entity>& entities, std::string message = "edit") {
    return commit_ok(*store_, clock_, entities, std::move(message));
  }
  std::vector<Entity> at(int64_t revision) { return entities_ok(*store_, revision); }

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
  EXPECT_EQ(text_of(file, "SELECT sql FROM sqlite_schema WHERE name = 'entity_head'"),
            sqlite::kEntityHeadIndexSql)
      << "migration 3 and kEntityHeadIndexSql must say the same";
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

// No ord left between the last service and the function after it: commit_changes falls back
// to a whole commit, which renumbers, and the model is still exactly right.
TEST_F(SqliteStoreTest, ChangesFallBackToAWholeCommitWhenTheGapIsUsedUp) {
  const Entity f0 = ent(EntityKind::kFunction, "f0", R"({"id":"f0"})");
  commit({svc("s0"), f0});
  {
    sqlite::Db file = raw(db_);
    ASSERT_TRUE(file.exec(
        "UPDATE entity SET ord = (SELECT ord + 1 FROM entity WHERE id = 's0') WHERE id = 'f0'"));
  }
  ChangeSet changes;
  changes.put = {svc("s1")};
  Result<RevisionInfo> r = store_->commit_changes(changes, CommitRequest{"ann", "add", 5, 1});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->number, 2);
  EXPECT_EQ(r->added, 1);
  EXPECT_EQ(r->changed, 0);
  EXPECT_EQ(at(2), (std::vector<Entity>{svc("s0"), svc("s1"), f0}));
  EXPECT_EQ(at(1), (std::vector<Entity>{svc("s0"), f0}));
  sqlite::Db file = raw(db_);
  // Renumbered: f0's row rewritten at its new ord (the fast path never rewrites an unchanged row).
  EXPECT_EQ(count(file, "SELECT count(*) FROM entity WHERE rev_from = 2 AND id = 'f0'"), 1);
}

// A one-entity change writes one row and closes one, whatever the model's size.
TEST_F(SqliteStoreTest, AOneEntityChangeWritesOneRow) {
  commit(services(1000));
  ChangeSet changes;
  changes.put = {svc("s500", 2), svc("new")};
  changes.remove = {EntityKey{EntityKind::kService, "s7"}};
  Result<RevisionInfo> r = store_->commit_changes(changes, CommitRequest{"ann", "edit", 5, 1});
  ASSERT_TRUE(r) << r.error().message;
  sqlite::Db file = raw(db_);
  EXPECT_EQ(count(file, "SELECT count(*) FROM entity"), 1002);
  EXPECT_EQ(count(file, "SELECT count(*) FROM entity WHERE rev_to = 2"), 2);
  EXPECT_EQ(count(file, "SELECT count(*) FROM entity WHERE rev_to IS NULL"), 1000);
}

// The entity_head index the placement of new entities relies on holds the head exactly.
TEST_F(SqliteStoreTest, TheHeadIndexHoldsTheHead) {
  commit(services(50));
  std::vector<Entity> model = services(40);
  model.push_back(svc("s45", 9));
  commit(model);
  sqlite::Db file = raw(db_);
  EXPECT_EQ(count(file,
                  "SELECT count(*) FROM entity INDEXED BY entity_head WHERE rev_to IS NULL "
                  "AND kind = 4 AND ord > 0"),
            41);
}

// A first import of a large model: written in rollback-journal mode (the file back in WAL
// mode after), the head index dropped and built again in the transaction; all as if written
// the usual way. With another connection open, the usual way it is.
TEST_F(SqliteStoreTest, AFirstLargeCommitIsWrittenOnceAndLeavesTheUsualFile) {
  for (bool alone : {true, false}) {
    TempDb db;
    std::unique_ptr<Store> store = open_ok(db);
    std::unique_ptr<Store> other = alone ? nullptr : open_ok(db);
    if (other) {
      ASSERT_EQ(*other->head(), std::nullopt);  // holds the file open
    }
    std::vector<Entity> model = services(60'000);
    model.insert(model.begin(), ent(EntityKind::kOrganization, "", "{}"));
    model.push_back(ent(EntityKind::kFunction, "f", "{}"));
    Result<RevisionInfo> r = store->commit(model, CommitRequest{"ann", "big", 1}, {});
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->added, 60'002);
    sqlite::Db file = raw(db);
    EXPECT_EQ(text_of(file, "PRAGMA journal_mode"), "wal") << "alone: " << alone;
    EXPECT_EQ(text_of(file, "SELECT sql FROM sqlite_schema WHERE name = 'entity_head'"),
              sqlite::kEntityHeadIndexSql);
    EXPECT_EQ(count(file,
                    "SELECT count(*) FROM entity INDEXED BY entity_head "
                    "WHERE kind = 4 AND rev_to IS NULL AND ord > 0"),
              60'000);
    ChangeSet changes;
    changes.put = {svc("last")};
    ASSERT_TRUE(store->commit_changes(changes, CommitRequest{"ann", "one", 2, 1}));
    model.insert(model.end() - 1, svc("last"));
    Result<std::vector<Entity>> back = (other ? other : store)->entities(2, {});
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, model);
  }
}

}  // namespace
}  // namespace ebcm::store
