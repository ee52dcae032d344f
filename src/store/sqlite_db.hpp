// A thin RAII layer over the sqlite3 C API: a connection (Db), a prepared statement (Stmt) and a
// transaction guard (Txn). It owns handles and turns result codes into Error; nothing more.
//
// Contract: a Stmt must not outlive the Db that prepared it. A Txn that is not commit()ed rolls
// back when it goes out of scope, so every early return of a failed operation leaves the
// database as it was. Columns read as text/blob views stay valid only until the next step().
// Thread safety: none; one Db (and its statements) per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace ebcm::store::sqlite {

class Db;

// An Error of code kStorage (kIo for files that cannot be opened) carrying SQLite's message.
Error db_error(sqlite3* db, int rc, std::string_view what);

class Stmt {
 public:
  Stmt() = default;
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based, as in SQL. Text and blobs are copied (SQLITE_TRANSIENT) unless
  // bind_*_static is used, which requires the bytes to outlive the next step()/reset().
  void bind(int index, int64_t value);
  void bind(int index, std::string_view text);
  void bind_static(int index, std::string_view text);
  void bind_blob_static(int index, std::span<const unsigned char> bytes);
  void bind_null(int index);

  // true: a row is ready; false: done. An error resets the statement.
  Result<bool> step();
  // Steps a statement that returns no rows (or whose rows are ignored) and resets it.
  Result<void> run();
  // Rewinds so the statement can run again and drops bindings held beyond it.
  void reset();

  int64_t int64(int col) const;
  bool is_null(int col) const;
  std::string_view text(int col) const;
  std::span<const unsigned char> blob(int col) const;

 private:
  friend class Db;
  Stmt(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}

  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;
};

class Db {
 public:
  // Opens (creating if missing) the database file at `path`; `uri`: `path` is an SQLite URI
  // ("file:/name?vfs=memdb", an in-memory database shared by the connections of a process).
  static Result<Db> open(const std::string& path, bool uri = false);

  Db() = default;
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more statements that return no rows of interest.
  Result<void> exec(const char* sql);
  Result<Stmt> prepare(std::string_view sql);
  // The single integer a query such as "PRAGMA user_version" returns.
  Result<int64_t> query_int(const char* sql);
  // PRAGMA data_version: moves when another connection has committed since this one last
  // looked; never for this connection's own commits. No I/O in WAL mode (the WAL index is in
  // shared memory). What every SQLite interface's change_mark() answers.
  Result<int64_t> data_version();

  sqlite3* handle() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  Stmt data_version_;  // prepared on first use
};

// Rolls back on destruction unless commit() succeeded.
class Txn {
 public:
  // "BEGIN IMMEDIATE" takes the write lock at once, so a writer never fails half way through
  // on a lock another connection took after our reads.
  static Result<Txn> begin_immediate(Db& db);
  static Result<Txn> begin_deferred(Db& db);

  Txn(Txn&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Txn& operator=(Txn&&) = delete;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn();

  Result<void> commit();

 private:
  explicit Txn(Db* db) : db_(db) {}
  Db* db_;  // null once committed or moved from
};

}  // namespace ebcm::store::sqlite
