// SqliteStore: opening, the named SQL statements, and the read side. commit() is in
// sqlite_commit.cpp.

#include "store/sqlite_store.hpp"

#include <sodium.h>

#include <algorithm>
#include <numeric>
#include <utility>

#include "core/utf8.hpp"

namespace ebcm::store {

using sqlite::Db;
using sqlite::Stmt;

namespace sqlite {

namespace {

// All the SQL the store runs, by name, in one place.
constexpr const char* kRevisionColumns =
    "number, author, time_ms, message, added, changed, removed, moved, entity_count";

std::vector<NamedSql<Statements>> named_sql() {
  const std::string cols = kRevisionColumns;
  return {
      {&Statements::head_revision,
       "SELECT " + cols + " FROM revision ORDER BY number DESC LIMIT 1"},
      {&Statements::revision_by_number, "SELECT " + cols + " FROM revision WHERE number = ?1"},
      {&Statements::history, "SELECT " + cols + " FROM revision ORDER BY number DESC LIMIT ?1"},
      {&Statements::insert_revision,
       "INSERT INTO revision (" + cols + ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"},
      {&Statements::head_rows,
       "SELECT rowid, kind, id, hash, ord FROM entity INDEXED BY entity_key "
       "WHERE rev_to IS NULL"},
      {&Statements::insert_entity,
       "INSERT INTO entity (kind, id, rev_from, ord, hash, body) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&Statements::close_entity, "UPDATE entity SET rev_to = ?1 WHERE rowid = ?2"},
      {&Statements::entities_at,
       "SELECT kind, id, body, ord FROM entity INDEXED BY entity_key "
       "WHERE rev_from <= ?1 AND (rev_to IS NULL OR rev_to > ?1)"},
      {&Statements::entity_at,
       "SELECT kind, id, body FROM entity INDEXED BY entity_key "
       "WHERE kind = ?1 AND id = ?2 AND rev_from <= ?3 AND (rev_to IS NULL OR rev_to > ?3)"},
      {&Statements::insert_audit, kInsertAuditSql},
      {&Statements::head_row_of,
       "SELECT rowid, hash, ord FROM entity INDEXED BY entity_key "
       "WHERE kind = ?1 AND id = ?2 AND rev_to IS NULL"},
      {&Statements::last_ord_of,
       "SELECT max(ord) FROM entity INDEXED BY entity_head WHERE kind = ?1 AND rev_to IS NULL"},
      {&Statements::next_ord_of,
       "SELECT min(ord) FROM entity INDEXED BY entity_head "
       "WHERE kind = ?1 AND rev_to IS NULL AND ord > ?2"},
  };
}

}  // namespace

Result<void> insert_revision(Stmt& rev, const RevisionInfo& info) {
  rev.bind(1, info.number);
  rev.bind_static(2, info.author);
  rev.bind(3, info.time_ms);
  rev.bind_static(4, info.message);
  rev.bind(5, info.added);
  rev.bind(6, info.changed);
  rev.bind(7, info.removed);
  rev.bind(8, info.moved);
  rev.bind(9, info.entity_count);
  return rev.run();
}

Result<void> insert_audit(Stmt& stmt, const AuditEntry& e, int64_t time_ms,
                          std::string_view detail) {
  stmt.bind(1, time_ms);
  stmt.bind_static(2, e.actor);
  stmt.bind_static(3, e.remote);
  stmt.bind_static(4, e.action);
  stmt.bind_static(5, e.target);
  stmt.bind_static(6, e.before);
  stmt.bind_static(7, e.after);
  stmt.bind_static(8, detail);
  return stmt.run();
}

Result<Statements> Statements::prepare(Db& db) {
  return prepare_statements<Statements>(db, named_sql());
}

Result<Db> open_database(const std::string& path, bool uri) {
  Result<Db> db = Db::open(path, uri);
  if (!db) return db.error();
  if (auto r = configure(*db); !r) return r.error();
  if (auto r = migrate(*db); !r) return r.error();
  return db;
}

// Settings of the connection, not of the file (journal_mode=WAL sticks to the file).
Result<void> configure(Db& db) {
  // Before anything that may need a lock, so that a busy database is waited for, not failed.
  if (auto r = db.exec("PRAGMA busy_timeout = 5000"); !r) return r.error();
  // Only a new, empty file takes the page size (so it comes before WAL mode). 16 KiB pages
  // hold ~45 rows of a typical entity instead of ~11: a million-entity commit then makes a
  // quarter of the page writes and system calls (about 1.3 s of 5.7 s saved, measured), and
  // a one-entity commit still writes only a few pages.
  if (auto r = db.exec("PRAGMA page_size = 16384"); !r) return r.error();
  // WAL lets readers go on while a commit runs; an in-memory database stays "memory".
  Result<Stmt> wal = db.prepare("PRAGMA journal_mode = WAL");
  if (!wal) return wal.error();
  if (auto r = wal->step(); !r) return r.error();
  // NORMAL is durable in WAL mode except for the last commits on power loss (not on a crash
  // of the process). 64 MiB of cache holds what a large commit revisits (the B-trees' right
  // edges, as rows go in in key order); the rest spills to the WAL, so memory stays bounded.
  return db.exec(
      "PRAGMA synchronous = NORMAL;"
      "PRAGMA foreign_keys = ON;"
      "PRAGMA cache_size = -65536;"
      "PRAGMA temp_store = MEMORY;");
}

RevisionInfo read_revision_row(const Stmt& stmt) {
  RevisionInfo info;
  info.number = stmt.int64(0);
  info.author = stmt.text(1);
  info.time_ms = stmt.int64(2);
  info.message = stmt.text(3);
  info.added = stmt.int64(4);
  info.changed = stmt.int64(5);
  info.removed = stmt.int64(6);
  info.moved = stmt.int64(7);
  info.entity_count = stmt.int64(8);
  return info;
}

Error storage_corrupt(const std::string& path, std::string_view what) {
  return make_error(ErrorCode::kStorage,
                    "the database '" + path + "' is corrupt: " + std::string(what));
}

std::optional<model::EntityKind> kind_from_int(int64_t value) {
  if (value < 0 || value >= model::kEntityKindCount) return std::nullopt;
  return static_cast<model::EntityKind>(value);
}

}  // namespace sqlite

using sqlite::kind_from_int;
using sqlite::kProgressEvery;
using sqlite::read_revision_row;
using sqlite::storage_corrupt;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, bool uri) {
  // libsodium must be started before use; this is safe more than once, from any thread.
  if (sodium_init() < 0) return make_error(ErrorCode::kInternal, "libsodium failed to start");
  Result<Db> db = sqlite::open_database(path, uri);
  if (!db) return db.error();
  Result<sqlite::Statements> stmts = sqlite::Statements::prepare(*db);
  if (!stmts) return stmts.error();
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(db).value(), std::move(stmts).value()));  // private constructor
}

Result<std::optional<RevisionInfo>> SqliteStore::read_head() {
  Stmt& stmt = stmts_.head_revision;
  Result<bool> row = stmt.step();
  if (!row) return row.error();
  std::optional<RevisionInfo> info;
  if (*row) info = read_revision_row(stmt);
  stmt.reset();
  return info;
}

std::string SqliteStore::read_body(std::string_view body, int64_t revision, model::EntityKind kind,
                                   std::string_view id) {
  if (is_valid_utf8(body)) return std::string(body);
  // Bounded: a caller that never asks (a server reading old revisions) must not grow it.
  if (repairs_.size() < 1000) repairs_.push_back(Repair{revision, kind, std::string(id)});
  return repair_utf8(body);
}

Result<std::optional<RevisionInfo>> SqliteStore::head() { return read_head(); }

Result<RevisionInfo> SqliteStore::revision(int64_t number) {
  Stmt& stmt = stmts_.revision_by_number;
  stmt.bind(1, number);
  Result<bool> row = stmt.step();
  if (!row) return row.error();
  if (!*row) {
    stmt.reset();
    return make_error(ErrorCode::kNotFound, "there is no revision " + std::to_string(number));
  }
  RevisionInfo info = read_revision_row(stmt);
  stmt.reset();
  return info;
}

Result<std::vector<RevisionInfo>> SqliteStore::history(int64_t limit) {
  Stmt& stmt = stmts_.history;
  stmt.bind(1, limit <= 0 ? int64_t{-1} : limit);  // LIMIT -1: no limit
  std::vector<RevisionInfo> out;
  while (true) {
    Result<bool> row = stmt.step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(read_revision_row(stmt));
  }
  stmt.reset();
  return out;
}

Result<std::vector<model::Entity>> SqliteStore::entities(int64_t revision,
                                                         const ProgressFn& progress) {
  Result<RevisionInfo> info = this->revision(revision);
  if (!info) return info.error();
  const int64_t total = info->entity_count;
  // Rows come in key order (the index walk reads the bodies of live rows only, however long
  // the history) and are sorted by ord here, which beats SQLite's sorter.
  std::vector<model::Entity> rows;
  std::vector<int64_t> ords;
  rows.reserve(static_cast<size_t>(total));
  ords.reserve(static_cast<size_t>(total));
  Stmt& stmt = stmts_.entities_at;
  stmt.bind(1, revision);
  while (true) {
    Result<bool> row = stmt.step();
    if (!row) return row.error();
    if (!*row) break;
    std::optional<model::EntityKind> kind = kind_from_int(stmt.int64(0));
    if (!kind) {
      const int64_t bad = stmt.int64(0);
      stmt.reset();
      return storage_corrupt(db_.path(), "unknown entity kind " + std::to_string(bad));
    }
    rows.push_back(model::Entity{*kind, std::string(stmt.text(1)),
                                 read_body(stmt.text(2), revision, *kind, stmt.text(1))});
    ords.push_back(stmt.int64(3));
    if (progress && rows.size() % kProgressEvery == 0) {
      progress(static_cast<int64_t>(rows.size()), total);
    }
  }
  stmt.reset();
  if (static_cast<int64_t>(rows.size()) != total) {
    return storage_corrupt(db_.path(), "revision " + std::to_string(revision) + " has " +
                                           std::to_string(rows.size()) +
                                           " entities, its record says " + std::to_string(total));
  }
  std::vector<uint32_t> order(rows.size());
  std::iota(order.begin(), order.end(), uint32_t{0});
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return ords[a] < ords[b]; });
  std::vector<model::Entity> out;
  out.reserve(rows.size());
  for (uint32_t i : order) out.push_back(std::move(rows[i]));
  if (progress) progress(total, total);
  return out;
}

Result<std::optional<model::Entity>> SqliteStore::entity(int64_t revision, model::EntityKind kind,
                                                         std::string_view id) {
  Result<RevisionInfo> info = this->revision(revision);
  if (!info) return info.error();
  Stmt& stmt = stmts_.entity_at;
  stmt.bind(1, static_cast<int64_t>(kind));
  stmt.bind_static(2, id);
  stmt.bind(3, revision);
  Result<bool> row = stmt.step();
  if (!row) return row.error();
  std::optional<model::Entity> out;
  if (*row) {
    out = model::Entity{kind, std::string(stmt.text(1)),
                        read_body(stmt.text(2), revision, kind, stmt.text(1))};
  }
  stmt.reset();
  return out;
}

}  // namespace ebcm::store
