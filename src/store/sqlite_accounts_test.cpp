// SqliteAccounts: users, tokens, sessions, the audit trail and its filters, the append-only
// triggers, and the migration of a model-only database.

#include "store/sqlite_accounts.hpp"

#include <gtest/gtest.h>

#include "store/accounts.hpp"
#include "store/backend.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_util.hpp"

namespace ebcm::store {
namespace {

using testing_util::entry;
using testing_util::make_user;
using testing_util::svc;
using testing_util::TempDb;

std::unique_ptr<Accounts> open_ok(std::string_view url) {
  Result<std::unique_ptr<Accounts>> accounts = Accounts::open(url);
  EXPECT_TRUE(accounts) << accounts.error().message;
  return accounts ? std::move(accounts).value() : nullptr;
}

TEST(Roles, NamesRoundTrip) {
  for (Role r : {Role::kAdmin, Role::kCoordinator, Role::kOwner, Role::kResponder, Role::kViewer}) {
    EXPECT_EQ(parse_role(to_string(r)), r);
  }
  EXPECT_EQ(parse_role("Admin"), std::nullopt);
  EXPECT_EQ(parse_role(""), std::nullopt);
  EXPECT_STREQ(to_string(Role::kCoordinator), "coordinator");
}

TEST(SqliteAccounts, OpensInMemoryForms) {
  EXPECT_NE(open_ok(":memory:"), nullptr);
  EXPECT_NE(open_ok("sqlite::memory:"), nullptr);
  EXPECT_EQ(Accounts::open("nonsense").error().code, ErrorCode::kInvalidInput);
}

// The file opened beside the accounts, to run SQL the interface does not offer.
sqlite::Db raw(const TempDb& db) {
  Result<sqlite::Db> raw = sqlite::Db::open(db.path());
  EXPECT_TRUE(raw) << raw.error().message;
  return std::move(raw).value();
}

TEST(SqliteAccountsFile, AuditRefusesUpdateAndDelete) {
  TempDb db;
  {
    auto accounts = open_ok(db.url());
    ASSERT_TRUE(accounts);
    ASSERT_TRUE(accounts->append(entry(1, "ann", "sign_in", "user/ann")));
  }
  sqlite::Db file = raw(db);
  for (const char* sql : {"UPDATE audit SET actor = 'mallory'", "DELETE FROM audit",
                          "DELETE FROM audit WHERE id = 1"}) {
    Result<void> r = file.exec(sql);
    ASSERT_FALSE(r) << sql;
    EXPECT_NE(r.error().message.find("the audit trail is append-only"), std::string::npos)
        << r.error().message;
  }
  Result<int64_t> n = file.query_int("SELECT count(*) FROM audit WHERE actor = 'ann'");
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 1);
}

TEST(SqliteAccountsFile, ReopeningKeepsEverything) {
  TempDb db;
  int64_t bob_id = 0;
  {
    auto accounts = open_ok(db.url());
    ASSERT_TRUE(accounts);
    bob_id = accounts->add_user(make_user("bob", Role::kCoordinator))->id;
    ApiToken t;
    t.user_id = bob_id;
    t.name = "ci";
    t.hash = "aa";
    ASSERT_TRUE(accounts->add_token(t));
    ASSERT_TRUE(accounts->put_session({"h", bob_id, "c", 1, 2, 3, "r"}));
    ASSERT_TRUE(accounts->append(entry(1, "bob", "sign_in", "user/bob")));
  }
  auto accounts = open_ok(db.url());
  ASSERT_TRUE(accounts);
  auto bob = accounts->user("bob");
  ASSERT_TRUE(bob && *bob);
  EXPECT_EQ((*bob)->id, bob_id);
  EXPECT_EQ((*bob)->role, Role::kCoordinator);
  EXPECT_EQ(accounts->tokens()->size(), 1u);
  EXPECT_EQ(accounts->sessions()->size(), 1u);
  AuditFilter f;
  auto audit = accounts->audit(f);
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ(audit->front().actor, "bob");
  // Ids go on from where they were.
  EXPECT_EQ(accounts->append(entry(2, "bob", "sign_out", "user/bob"))->id, 2);
}

TEST(SqliteAccountsFile, MigratesAModelOnlyDatabase) {
  TempDb db;
  {
    // A database as the previous release left it: schema version 1, the model only.
    sqlite::Db file = raw(db);
    ASSERT_TRUE(sqlite::configure(file));
    ASSERT_TRUE(sqlite::migrate(file, 1));
    ASSERT_EQ(*file.query_int("PRAGMA user_version"), 1);
    ASSERT_EQ(*file.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'users'"), 0);
    ASSERT_TRUE(
        file.exec("INSERT INTO revision VALUES (1, 'ann', 5, 'first', 1, 0, 0, 0, 1);"
                  "INSERT INTO entity (kind, id, rev_from, ord, hash, body) "
                  "VALUES (4, 'a', 1, 100, x'00', '{\"id\":\"a\"}');"));
  }
  auto accounts = open_ok(db.url());
  ASSERT_TRUE(accounts);
  ASSERT_TRUE(accounts->add_user(make_user("ann")));
  {
    sqlite::Db file = raw(db);
    EXPECT_EQ(*file.query_int("PRAGMA user_version"), sqlite::kSchemaVersion);
    EXPECT_EQ(*file.query_int("SELECT count(*) FROM sqlite_schema WHERE name IN "
                              "('users', 'api_tokens', 'sessions', 'audit', 'audit_no_update', "
                              "'audit_no_delete')"),
              6);
  }
  auto store = open_store(db.url());
  ASSERT_TRUE(store) << store.error().message;
  auto head = (*store)->head();
  ASSERT_TRUE(head && *head);
  EXPECT_EQ((*head)->message, "first");
  EXPECT_EQ((*store)->entities(1, {})->size(), 1u);
}

// Live::put's audit entry is written in the value's transaction: when the entry cannot be
// written, neither is the value.
TEST(SqliteLiveFile, AFailedAuditEntryLeavesTheValueAlone) {
  TempDb db;
  Result<Backend> backend = open_backend(db.url());
  ASSERT_TRUE(backend) << backend.error().message;
  ASSERT_TRUE(backend->live->put("status", R"({"level":"normal"})", 1, "ann", 0, std::nullopt));
  {
    sqlite::Db file = raw(db);
    ASSERT_TRUE(
        file.exec("CREATE TRIGGER fail BEFORE INSERT ON audit "
                  "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"));
  }
  backend = open_backend(db.url());  // statements prepared before the trigger would not see it
  ASSERT_TRUE(backend);
  Result<LiveValue> r = backend->live->put("status", R"({"level":"incident"})", 2, "ann", 1,
                                           entry(2, "ann", "status_declare", "status"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("injected failure"), std::string::npos);
  Result<std::optional<LiveValue>> now = backend->live->get("status");
  ASSERT_TRUE(now && *now);
  EXPECT_EQ((*now)->version, 1);
  EXPECT_EQ((*now)->json, R"({"level":"normal"})");
}

// "sqlite::memory:" through open_backend: the three objects share one database, and two
// backends are two databases.
TEST(SqliteBackend, InMemoryBackendsShareOneDatabaseEach) {
  Result<Backend> a = open_backend("sqlite::memory:");
  Result<Backend> b = open_backend("sqlite::memory:");
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->store->commit(std::vector<model::Entity>{svc("x")}, {"ann", "m", 1}, {}));
  ASSERT_TRUE(a->accounts->add_user(make_user("ann")));
  Result<std::optional<User>> ann = a->accounts->user("ann");
  ASSERT_TRUE(ann && *ann);
  EXPECT_FALSE(b->accounts->user("ann")->has_value());
  EXPECT_EQ(*b->store->head(), std::nullopt);
  EXPECT_EQ((*(*a->store->head())).number, 1);
}

}  // namespace
}  // namespace ebcm::store
