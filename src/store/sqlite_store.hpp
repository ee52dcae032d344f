// SqliteStore: the Store in one SQLite file (WAL, synchronous=NORMAL, foreign keys, 5 s busy
// timeout). The embedded default; several processes may share the file.
//
// Schema (version kSchemaVersion, kept in PRAGMA user_version; migrations.cpp; the tables of
// accounts and the audit trail are sqlite_accounts.cpp's):
//   revision(number PK, author, time_ms, message, added, changed, removed, moved, entity_count)
//   entity(kind, id, rev_from → revision, rev_to → revision NULL, ord, hash, body)
//     index entity_key(kind, id, rev_from, rev_to, ord, hash)
// An entity row is live at revision R when rev_from <= R AND (rev_to IS NULL OR rev_to > R);
// the head is the rows with rev_to IS NULL. Rows are never deleted, and never updated except
// to close them (set rev_to), so old revisions stay readable; a commit inserts rows only for
// the entities that are new, changed or moved, and closes the rows they replace and those of
// removed entities. `hash` is a 128-bit hash of the body, so a commit compares bodies without
// reading them. Order within a revision: `ord`, see order_plan.hpp.
//
// One index serves everything: it finds one entity at any revision (kind, id, rev_from); it
// covers the commit's scan of the head (closed rows' entries are skipped there without
// reading the table); entities(R) walks it and reads the bodies of the rows live at R only,
// then sorts them by ord in memory (faster than SQLite's sorter). A second index (say, on the
// head only) would cost every insert more than it saves. Rows go in in key order, so the
// index grows at its right edge.
//
// Must hold: every revision's live rows have distinct (kind, id) and distinct ords; the
// revision row's counts describe exactly what that commit changed.
// Thread safety: one SqliteStore per thread (the connection is opened NOMUTEX).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/audit.hpp"
#include "store/sqlite_db.hpp"
#include "store/store.hpp"

namespace ebcm::store {

namespace sqlite {

// 1: the model (revision, entity). 2: accounts, API tokens, sessions, audit (accounts.hpp).
// 3: live values, leases, queues (live.hpp); the head index entity_head(kind, ord).
inline constexpr int64_t kSchemaVersion = 3;

// The head's rows by (kind, ord), for commit_changes(); created by migration 3, and built
// again by a commit that writes most of the table (sqlite_commit.cpp). Never change this text
// without a migration.
inline constexpr const char* kEntityHeadIndexSql =
    "CREATE INDEX entity_head ON entity (kind, ord) WHERE rev_to IS NULL";

// Brings the schema up to `target` (tests pass an older version to make an old database),
// one transaction per step. A database of a newer version than this build knows, or a file
// that is some other application's SQLite database → kStorage.
Result<void> migrate(Db& db, int64_t target = kSchemaVersion);

// The connection's settings (busy timeout, page size of a new file, WAL, synchronous=NORMAL,
// foreign keys, cache), for every connection to an ebcm database.
Result<void> configure(Db& db);
// A connection to `path` (a URI when `uri`), configured and migrated to this build's schema:
// how every SQLite interface (store, accounts, live) opens its database.
Result<Db> open_database(const std::string& path, bool uri);

// One statement of an interface's table of SQL: the member of its statements struct S that
// holds it, and the text. prepare_statements() prepares the whole table into an S.
template <class S>
struct NamedSql {
  Stmt S::*stmt;
  std::string sql;
};
template <class S, class Table>
Result<S> prepare_statements(Db& db, const Table& table) {
  S stmts;
  for (const NamedSql<S>& named : table) {
    Result<Stmt> stmt = db.prepare(named.sql);
    if (!stmt) return stmt.error();
    stmts.*named.stmt = std::move(stmt).value();
  }
  return stmts;
}

// Every SQL statement the store runs, prepared once per connection (sqlite_store.cpp).
struct Statements {
  Stmt head_revision;
  Stmt revision_by_number;
  Stmt history;
  Stmt insert_revision;
  Stmt head_rows;      // (rowid, kind, id, hash, ord) of the head, for commit
  Stmt insert_entity;  // a new live row
  Stmt close_entity;   // sets rev_to on one row
  Stmt entities_at;    // the rows live at a revision, in key order
  Stmt entity_at;      // one (kind, id) at a revision
  Stmt insert_audit;   // an entry of the audit trail, with the revision it belongs to
  Stmt head_row_of;    // (rowid, hash, ord) of one (kind, id) at head, for commit_changes
  Stmt last_ord_of;    // the greatest ord of a kind at head (NULL: none)
  Stmt next_ord_of;    // the least ord of a kind at head above ?2 (NULL: none)

  static Result<Statements> prepare(Db& db);
};

// The audit trail's one way in, shared by Accounts::append() and a commit carrying its entry:
// the statement, and binding `e` to it (its time and detail given apart) and running it.
inline constexpr const char* kInsertAuditSql =
    "INSERT INTO audit (time_ms, actor, remote, action, target, before, after, detail) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
Result<void> insert_audit(Stmt& stmt, const AuditEntry& e, int64_t time_ms,
                          std::string_view detail);
// The revisions row of `info` (stmts.insert_revision), for both kinds of commit.
Result<void> insert_revision(Stmt& stmt, const RevisionInfo& info);

// The hash of an entity body that a row keeps beside it (sqlite_commit.cpp), so that a commit
// of either kind tells changed bodies from unchanged ones without reading them.
inline constexpr size_t kBodyHashBytes = 16;
using BodyHash = std::array<unsigned char, kBodyHashBytes>;
BodyHash body_hash(std::string_view body);

// Shared by the read and the commit side.
inline constexpr size_t kProgressEvery = 10'000;
RevisionInfo read_revision_row(const Stmt& stmt);
Error storage_corrupt(const std::string& path, std::string_view what);
std::optional<model::EntityKind> kind_from_int(int64_t value);

}  // namespace sqlite

class SqliteStore final : public Store {
 public:
  // Opens (creating if missing) and migrates the database at `path` (":memory:" works too;
  // `uri`: `path` is an SQLite URI, see Db::open).
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path, bool uri = false);

  Result<RevisionInfo> commit(std::span<const model::Entity> entities, const CommitRequest& req,
                              const ProgressFn& progress) override;
  // sqlite_commit_changes.cpp: a lookup per put and remove in the key index, and per new
  // entity a few in entity_head; when no ord is left in the gap where a new entity goes, the
  // whole model is committed instead (apply_changes + commit; rare, and exact either way).
  Result<RevisionInfo> commit_changes(const ChangeSet& changes, const CommitRequest& req) override;
  Result<std::optional<RevisionInfo>> head() override;
  Result<RevisionInfo> revision(int64_t number) override;
  Result<std::vector<RevisionInfo>> history(int64_t limit) override;
  Result<std::vector<model::Entity>> entities(int64_t revision,
                                              const ProgressFn& progress) override;
  Result<std::optional<model::Entity>> entity(int64_t revision, model::EntityKind kind,
                                              std::string_view id) override;
  std::vector<Repair> take_repairs() override { return std::exchange(repairs_, {}); }
  Result<int64_t> change_mark() override { return db_.data_version(); }

 private:
  SqliteStore(sqlite::Db db, sqlite::Statements stmts)
      : db_(std::move(db)), stmts_(std::move(stmts)) {}

  // The ord a new entity of `kind` gets at head: after the last of its kind (or of an earlier
  // kind), before the next row; nullopt when the gap between them is used up.
  Result<std::optional<int64_t>> ord_for_new(model::EntityKind kind);

  // The newest revision, as the open transaction (if any) sees it.
  Result<std::optional<RevisionInfo>> read_head();
  // A body as read: repaired, and the repair noted, if it is not UTF-8.
  std::string read_body(std::string_view body, int64_t revision, model::EntityKind kind,
                        std::string_view id);

  // Declared first so the statements are finalised before the connection closes.
  sqlite::Db db_;
  sqlite::Statements stmts_;
  std::vector<Repair> repairs_;
};

}  // namespace ebcm::store
