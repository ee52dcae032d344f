// SqliteAccounts: users, tokens, sessions, the audit trail and its filters, the append-only
// triggers, and the migration of a model-only database.

#include "store/sqlite_accounts.hpp"

#include <gtest/gtest.h>

#include "store/accounts.hpp"
#include "store/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_util.hpp"

namespace ebcm::store {
namespace {

using testing_util::svc;
using testing_util::TempDb;

std::unique_ptr<Accounts> open_ok(std::string_view url) {
  Result<std::unique_ptr<Accounts>> accounts = Accounts::open(url);
  EXPECT_TRUE(accounts) << accounts.error().message;
  return accounts ? std::move(accounts).value() : nullptr;
}

User make_user(std::string name, Role role = Role::kViewer) {
  User u;
  u.name = std::move(name);
  u.role = role;
  u.created_ms = 1000;
  u.password_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA";
  return u;
}

AuditEntry entry(int64_t time_ms, std::string actor, std::string action, std::string target) {
  AuditEntry e;
  e.time_ms = time_ms;
  e.actor = std::move(actor);
  e.remote = "cli";
  e.action = std::move(action);
  e.target = std::move(target);
  return e;
}

std::vector<int64_t> ids(const Result<std::vector<AuditEntry>>& entries) {
  EXPECT_TRUE(entries) << entries.error().message;
  std::vector<int64_t> out;
  if (entries) {
    for (const AuditEntry& e : *entries) out.push_back(e.id);
  }
  return out;
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

TEST(SqliteAccounts, UsersCrud) {
  auto accounts = open_ok(":memory:");
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

TEST(SqliteAccounts, Tokens) {
  auto accounts = open_ok(":memory:");
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

TEST(SqliteAccounts, Sessions) {
  auto accounts = open_ok(":memory:");
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

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
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

  std::unique_ptr<Accounts> accounts_ = open_ok(":memory:");
  int64_t last_id_ = 0;
};

TEST_F(AuditTest, AppendAssignsIncreasingIdsAndKeepsEveryField) {
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

TEST_F(AuditTest, EveryFilter) {
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

TEST_F(AuditTest, PagesByAfterId) {
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

TEST(SqliteAccountsFile, SharesTheFileWithTheModelStore) {
  TempDb db;
  auto store = open_store(db.url());
  ASSERT_TRUE(store);
  ASSERT_TRUE((*store)->commit(std::vector<model::Entity>{svc("a")}, {"ann", "m", 1}, {}));
  auto accounts = open_ok(db.url());
  ASSERT_TRUE(accounts);
  ASSERT_TRUE(accounts->add_user(make_user("ann")));
  Result<int64_t> v1 = accounts->data_version();
  ASSERT_TRUE(v1);
  EXPECT_EQ(*accounts->data_version(), *v1);  // nothing written by others in between
  ASSERT_TRUE((*store)->commit(std::vector<model::Entity>{svc("b")}, {"ann", "m", 2}, {}));
  EXPECT_NE(*accounts->data_version(), *v1);
  EXPECT_EQ((*(*store)->head())->number, 2);
}

// A commit's audit entry is written in the revision's transaction: with it, never without it.
TEST(SqliteAccountsFile, CommitWritesItsAuditEntryAtomically) {
  TempDb db;
  auto store = open_store(db.url());
  ASSERT_TRUE(store);
  CommitRequest req{"ann", "add a", 1};
  req.audit =
      AuditEntry{0, 0, "ann", "127.0.0.1:1", "services_create", "services/a", "", "{}", "add a"};
  ASSERT_TRUE((*store)->commit(std::vector<model::Entity>{svc("a")}, req, {}));
  // The same model again: no revision, so no entry; a stale base: refused, no entry.
  ASSERT_TRUE((*store)->commit(std::vector<model::Entity>{svc("a")}, req, {}));
  req.base_revision = 0;
  EXPECT_FALSE((*store)->commit(std::vector<model::Entity>{svc("b")}, req, {}));
  auto accounts = open_ok(db.url());
  ASSERT_TRUE(accounts);
  auto entries = accounts->audit(AuditFilter{});
  ASSERT_TRUE(entries);
  ASSERT_EQ(entries->size(), 1u);
  const AuditEntry& e = (*entries)[0];
  EXPECT_EQ(e.detail, "revision 1: add a");
  EXPECT_EQ(e.time_ms, 1);  // the revision's time when the entry gives none
  EXPECT_EQ(e.target, "services/a");
  EXPECT_EQ(e.after, "{}");
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

}  // namespace
}  // namespace ebcm::store
