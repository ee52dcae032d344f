// SqliteAccounts: accounts, tokens, sessions and the audit trail in the model's SQLite file.

#include "store/sqlite_accounts.hpp"

#include <sqlite3.h>

#include <utility>
#include <vector>

#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"

namespace ebcm::store {

namespace {

using sqlite::Db;
using sqlite::Stmt;

// Every statement but the audit query (whose WHERE clause depends on the filter), by name.
struct Statements {
  Stmt insert_user;
  Stmt user_by_name;
  Stmt user_by_id;
  Stmt all_users;
  Stmt update_user;
  Stmt insert_token;
  Stmt all_tokens;
  Stmt update_token;
  Stmt put_session;
  Stmt delete_session;
  Stmt all_sessions;
  Stmt insert_audit;
};

constexpr const char* kUserColumns =
    "id, name, role, person, disabled, created_ms, password_hash, failed_signins, "
    "locked_until_ms";
constexpr const char* kAuditColumns =
    "id, time_ms, actor, remote, action, target, before, after, detail";

std::vector<sqlite::NamedSql<Statements>> named_sql() {
  const std::string user_cols = kUserColumns;
  return {
      {&Statements::insert_user,
       "INSERT INTO users (name, role, person, disabled, created_ms, password_hash, "
       "failed_signins, locked_until_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&Statements::user_by_name, "SELECT " + user_cols + " FROM users WHERE name = ?1"},
      {&Statements::user_by_id, "SELECT " + user_cols + " FROM users WHERE id = ?1"},
      {&Statements::all_users, "SELECT " + user_cols + " FROM users ORDER BY name"},
      {&Statements::update_user,
       "UPDATE users SET role = ?2, person = ?3, disabled = ?4, password_hash = ?5, "
       "failed_signins = ?6, locked_until_ms = ?7 WHERE id = ?1"},
      {&Statements::insert_token,
       "INSERT INTO api_tokens (user_id, name, hash, created_ms, expires_ms, revoked, "
       "last_used_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
      {&Statements::all_tokens,
       "SELECT t.id, t.user_id, u.name, t.name, t.hash, t.created_ms, t.expires_ms, t.revoked, "
       "t.last_used_ms FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id"},
      {&Statements::update_token,
       "UPDATE api_tokens SET revoked = ?2, last_used_ms = ?3 WHERE id = ?1"},
      {&Statements::put_session,
       "INSERT OR REPLACE INTO sessions (hash, user_id, csrf, created_ms, expires_ms, "
       "last_seen_ms, remote) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
      {&Statements::delete_session, "DELETE FROM sessions WHERE hash = ?1"},
      {&Statements::all_sessions,
       "SELECT hash, user_id, csrf, created_ms, expires_ms, last_seen_ms, remote FROM sessions"},
      {&Statements::insert_audit, sqlite::kInsertAuditSql},
  };
}

// Collects every row of a statement already bound, then resets it.
template <class T, class ReadRow>
Result<std::vector<T>> collect(Stmt& stmt, ReadRow read_row) {
  std::vector<T> out;
  while (true) {
    Result<bool> row = stmt.step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read_row(stmt));
  }
  stmt.reset();
  return out;
}

class SqliteAccounts final : public Accounts {
 public:
  SqliteAccounts(Db db, Statements stmts) : db_(std::move(db)), stmts_(std::move(stmts)) {}

  Result<User> add_user(const User& user) override {
    // Checked first for a clear answer; the UNIQUE constraint still guards against a race
    // with another process, and the name is looked up again when the insert fails.
    Result<std::optional<User>> existing = this->user(user.name);
    if (!existing) return existing.error();
    if (*existing) return taken(user.name);
    Stmt& stmt = stmts_.insert_user;
    stmt.bind(1, user.name);
    stmt.bind(2, std::string_view(to_string(user.role)));
    stmt.bind(3, user.person);
    stmt.bind(4, int64_t{user.disabled});
    stmt.bind(5, user.created_ms);
    stmt.bind(6, user.password_hash);
    stmt.bind(7, int64_t{user.failed_signins});
    stmt.bind(8, user.locked_until_ms);
    if (Result<void> r = stmt.run(); !r) {
      Result<std::optional<User>> again = this->user(user.name);
      if (again && *again) return taken(user.name);
      return r.error();
    }
    User added = user;
    added.id = sqlite3_last_insert_rowid(db_.handle());
    return added;
  }

  Result<std::optional<User>> user(std::string_view name) override {
    stmts_.user_by_name.bind(1, name);
    return one_user(stmts_.user_by_name);
  }

  Result<std::optional<User>> user_by_id(int64_t id) override {
    stmts_.user_by_id.bind(1, id);
    return one_user(stmts_.user_by_id);
  }

  Result<std::vector<User>> users() override {
    std::optional<Error> bad;
    auto users = collect<User>(stmts_.all_users, [&](const Stmt& s) { return read_user(s, bad); });
    if (bad) return *bad;
    return users;
  }

  Result<void> update_user(const User& user) override {
    Stmt& stmt = stmts_.update_user;
    stmt.bind(1, user.id);
    stmt.bind(2, std::string_view(to_string(user.role)));
    stmt.bind(3, user.person);
    stmt.bind(4, int64_t{user.disabled});
    stmt.bind(5, user.password_hash);
    stmt.bind(6, int64_t{user.failed_signins});
    stmt.bind(7, user.locked_until_ms);
    if (Result<void> r = stmt.run(); !r) return r.error();
    if (sqlite3_changes(db_.handle()) == 0) {
      return make_error(ErrorCode::kNotFound,
                        "there is no user with id " + std::to_string(user.id));
    }
    return {};
  }

  Result<ApiToken> add_token(const ApiToken& token) override {
    Stmt& stmt = stmts_.insert_token;
    stmt.bind(1, token.user_id);
    stmt.bind(2, token.name);
    stmt.bind(3, token.hash);
    stmt.bind(4, token.created_ms);
    stmt.bind(5, token.expires_ms);
    stmt.bind(6, int64_t{token.revoked});
    stmt.bind(7, token.last_used_ms);
    if (Result<void> r = stmt.run(); !r) return r.error();
    ApiToken added = token;
    added.id = sqlite3_last_insert_rowid(db_.handle());
    return added;
  }

  Result<std::vector<ApiToken>> tokens() override {
    return collect<ApiToken>(stmts_.all_tokens, [](const Stmt& s) {
      ApiToken t;
      t.id = s.int64(0);
      t.user_id = s.int64(1);
      t.user = s.text(2);
      t.name = s.text(3);
      t.hash = s.text(4);
      t.created_ms = s.int64(5);
      t.expires_ms = s.int64(6);
      t.revoked = s.int64(7) != 0;
      t.last_used_ms = s.int64(8);
      return t;
    });
  }

  Result<void> update_token(const ApiToken& token) override {
    Stmt& stmt = stmts_.update_token;
    stmt.bind(1, token.id);
    stmt.bind(2, int64_t{token.revoked});
    stmt.bind(3, token.last_used_ms);
    if (Result<void> r = stmt.run(); !r) return r.error();
    if (sqlite3_changes(db_.handle()) == 0) {
      return make_error(ErrorCode::kNotFound, "there is no token " + std::to_string(token.id));
    }
    return {};
  }

  Result<void> put_session(const Session& session) override {
    Stmt& stmt = stmts_.put_session;
    stmt.bind(1, session.hash);
    stmt.bind(2, session.user_id);
    stmt.bind(3, session.csrf);
    stmt.bind(4, session.created_ms);
    stmt.bind(5, session.expires_ms);
    stmt.bind(6, session.last_seen_ms);
    stmt.bind(7, session.remote);
    return stmt.run();
  }

  Result<void> delete_session(std::string_view hash) override {
    stmts_.delete_session.bind(1, hash);
    return stmts_.delete_session.run();
  }

  Result<std::vector<Session>> sessions() override {
    return collect<Session>(stmts_.all_sessions, [](const Stmt& s) {
      Session x;
      x.hash = s.text(0);
      x.user_id = s.int64(1);
      x.csrf = s.text(2);
      x.created_ms = s.int64(3);
      x.expires_ms = s.int64(4);
      x.last_seen_ms = s.int64(5);
      x.remote = s.text(6);
      return x;
    });
  }

  Result<AuditEntry> append(AuditEntry entry) override {
    if (Result<void> r =
            sqlite::insert_audit(stmts_.insert_audit, entry, entry.time_ms, entry.detail);
        !r) {
      return r.error();
    }
    entry.id = sqlite3_last_insert_rowid(db_.handle());
    return entry;
  }

  Result<std::vector<AuditEntry>> audit(const AuditFilter& filter) override;

  Result<int64_t> change_mark() override { return db_.data_version(); }

 private:
  static Error taken(std::string_view name) {
    return make_error(ErrorCode::kConflict,
                      "there is already a user named '" + std::string(name) + "'");
  }

  User read_user(const Stmt& s, std::optional<Error>& bad) const {
    User u;
    u.id = s.int64(0);
    u.name = s.text(1);
    std::optional<Role> role = parse_role(s.text(2));
    if (!role && !bad) {
      bad = sqlite::storage_corrupt(
          db_.path(), "user '" + u.name + "' has an unknown role '" + std::string(s.text(2)) + "'");
    }
    u.role = role.value_or(Role::kViewer);
    u.person = s.text(3);
    u.disabled = s.int64(4) != 0;
    u.created_ms = s.int64(5);
    u.password_hash = s.text(6);
    u.failed_signins = static_cast<int>(s.int64(7));
    u.locked_until_ms = s.int64(8);
    return u;
  }

  Result<std::optional<User>> one_user(Stmt& stmt) {
    std::optional<Error> bad;
    Result<std::vector<User>> found =
        collect<User>(stmt, [&](const Stmt& s) { return read_user(s, bad); });
    if (!found) return found.error();
    if (bad) return *bad;
    if (found->empty()) return std::optional<User>();
    return std::optional<User>(std::move(found->front()));
  }

  // Declared first so the statements are finalised before the connection closes.
  Db db_;
  Statements stmts_;
};

// The query is built from the filter's parts; each part is a range or equality on one of the
// audit indexes, so SQLite can seek rather than scan. Entries are returned by increasing id.
Result<std::vector<AuditEntry>> SqliteAccounts::audit(const AuditFilter& filter) {
  std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit WHERE id > ?1";
  std::vector<std::string> texts;  // bound in order from ?2
  std::vector<int64_t> numbers;    // bound after the texts
  if (filter.actor) {
    texts.push_back(*filter.actor);
    sql += " AND actor = ?" + std::to_string(1 + texts.size());
  }
  if (filter.action) {
    texts.push_back(*filter.action);
    sql += " AND action = ?" + std::to_string(1 + texts.size());
  }
  if (filter.target) {
    const std::string& t = *filter.target;
    if (t.size() > 1 && t.back() == '/') {
      // A prefix "user/" is the range ["user/", "user0"): '0' follows '/' in every collation
      // SQLite's BINARY uses.
      std::string upper = t;
      upper.back() = '0';
      texts.push_back(t);
      sql += " AND target >= ?" + std::to_string(1 + texts.size());
      texts.push_back(upper);
      sql += " AND target < ?" + std::to_string(1 + texts.size());
    } else {
      texts.push_back(t);
      sql += " AND target = ?" + std::to_string(1 + texts.size());
    }
  }
  const size_t first_number = 2 + texts.size();
  if (filter.since_ms) {
    numbers.push_back(*filter.since_ms);
    sql += " AND time_ms >= ?" + std::to_string(first_number + numbers.size() - 1);
  }
  if (filter.until_ms) {
    numbers.push_back(*filter.until_ms);
    sql += " AND time_ms < ?" + std::to_string(first_number + numbers.size() - 1);
  }
  sql += " ORDER BY id LIMIT ?" + std::to_string(first_number + numbers.size());

  Result<Stmt> stmt = db_.prepare(sql);
  if (!stmt) return stmt.error();
  int index = 1;
  stmt->bind(index++, filter.after_id);
  for (const std::string& t : texts) stmt->bind(index++, std::string_view(t));
  for (int64_t n : numbers) stmt->bind(index++, n);
  stmt->bind(index, filter.limit <= 0 ? int64_t{-1} : filter.limit);  // LIMIT -1: no limit
  return collect<AuditEntry>(*stmt, [](const Stmt& s) {
    AuditEntry e;
    e.id = s.int64(0);
    e.time_ms = s.int64(1);
    e.actor = s.text(2);
    e.remote = s.text(3);
    e.action = s.text(4);
    e.target = s.text(5);
    e.before = s.text(6);
    e.after = s.text(7);
    e.detail = s.text(8);
    return e;
  });
}

}  // namespace

Result<std::unique_ptr<Accounts>> open_sqlite_accounts(const std::string& path, bool uri) {
  Result<Db> db = sqlite::open_database(path, uri);
  if (!db) return db.error();
  Result<Statements> stmts = sqlite::prepare_statements<Statements>(*db, named_sql());
  if (!stmts) return stmts.error();
  return std::unique_ptr<Accounts>(
      std::make_unique<SqliteAccounts>(std::move(db).value(), std::move(stmts).value()));
}

}  // namespace ebcm::store
