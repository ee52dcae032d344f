#include "store/sqlite_db.hpp"

#include <sqlite3.h>

#include <utility>

namespace ebcm::store::sqlite {

Error db_error(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  // The connection's message is more specific than the code's, but only when it describes rc.
  message += (db != nullptr && sqlite3_extended_errcode(db) == rc) ? sqlite3_errmsg(db)
                                                                   : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_FULL:
      return make_error(ErrorCode::kIo, std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      // Another connection held the lock for longer than the busy timeout; trying again later
      // may succeed, which is what kBusy tells a caller.
      return make_error(ErrorCode::kBusy, std::move(message));
    default:
      return make_error(ErrorCode::kStorage, std::move(message));
  }
}

// ---- Stmt ----

Stmt::Stmt(Stmt&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), db_(std::exchange(other.db_, nullptr)) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

void Stmt::bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

// A null data pointer would bind SQL NULL, but an empty string_view means the empty text.
static const char* non_null(std::string_view text) { return text.data() ? text.data() : ""; }

void Stmt::bind(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, non_null(text), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void Stmt::bind_static(int index, std::string_view text) {
  sqlite3_bind_text64(stmt_, index, non_null(text), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void Stmt::bind_blob_static(int index, std::span<const unsigned char> bytes) {
  sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC);
}

void Stmt::bind_null(int index) { sqlite3_bind_null(stmt_, index); }

Result<bool> Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  Error error = db_error(db_, rc, "SQLite statement failed");
  reset();
  return error;
}

Result<void> Stmt::run() {
  Result<bool> r = step();
  if (!r) return r.error();
  reset();
  return {};
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  // Static bindings point into the caller's memory; forget them before it goes away.
  sqlite3_clear_bindings(stmt_);
}

int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }

bool Stmt::is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::string_view Stmt::text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  if (p == nullptr) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

std::span<const unsigned char> Stmt::blob(int col) const {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, col));
  if (p == nullptr) return {};
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

// ---- Db ----

Result<Db> Db::open(const std::string& path, bool uri) {
  Db db;
  db.path_ = path;
  int rc = sqlite3_open_v2(path.c_str(), &db.db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                               (uri ? SQLITE_OPEN_URI : 0),
                           nullptr);
  if (rc != SQLITE_OK) return db_error(db.db_, rc, "cannot open SQLite database '" + path + "'");
  sqlite3_extended_result_codes(db.db_, 1);
  return db;
}

Db::Db(Db&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      data_version_(std::move(other.data_version_)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    data_version_ = Stmt();
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    data_version_ = std::move(other.data_version_);
  }
  return *this;
}

Db::~Db() {
  data_version_ = Stmt();  // finalised before the connection closes
  sqlite3_close_v2(db_);
}

Result<void> Db::exec(const char* sql) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return db_error(db_, rc, std::string("SQL failed (") + sql + ")");
  return {};
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) {
    return db_error(db_, rc, "cannot prepare SQL (" + std::string(sql) + ")");
  }
  return Stmt(stmt, db_);
}

Result<int64_t> Db::query_int(const char* sql) {
  Result<Stmt> stmt = prepare(sql);
  if (!stmt) return stmt.error();
  Result<bool> row = stmt->step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kStorage, std::string("no row from ") + sql);
  return stmt->int64(0);
}

Result<int64_t> Db::data_version() {
  if (data_version_.stmt_ == nullptr) {
    Result<Stmt> stmt = prepare("PRAGMA data_version");
    if (!stmt) return stmt.error();
    data_version_ = std::move(stmt).value();
  }
  Result<bool> row = data_version_.step();
  if (!row) return row.error();
  if (!*row) return make_error(ErrorCode::kStorage, "no row from PRAGMA data_version");
  const int64_t version = data_version_.int64(0);
  data_version_.reset();
  return version;
}

// ---- Txn ----

Result<Txn> Txn::begin_immediate(Db& db) {
  if (auto r = db.exec("BEGIN IMMEDIATE"); !r) return r.error();
  return Txn(&db);
}

Result<Txn> Txn::begin_deferred(Db& db) {
  if (auto r = db.exec("BEGIN"); !r) return r.error();
  return Txn(&db);
}

Txn::~Txn() {
  // Nothing useful can be done if the rollback itself fails: SQLite then rolls back on close.
  if (db_ != nullptr) sqlite3_exec(db_->handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

Result<void> Txn::commit() {
  Result<void> r = db_->exec("COMMIT");
  // A failed COMMIT (e.g. SQLITE_BUSY) leaves the transaction open; the destructor rolls back.
  if (r) db_ = nullptr;
  return r;
}

}  // namespace ebcm::store::sqlite
