// The schema's history: an ordered list of steps, step k taking user_version from k-1 to k.
// Steps are only ever appended; an existing step never changes once released, because
// databases out there have already run it.

#include <array>
#include <string>

#include "store/sqlite_store.hpp"

namespace ebcm::store::sqlite {

namespace {

// Marks the file as ebcm's ("EBCM"), so another application's database is not migrated.
constexpr int64_t kApplicationId = 0x4542434d;

struct Migration {
  int64_t version;
  const char* sql;
};

constexpr std::array kMigrations{
    Migration{1, R"sql(
CREATE TABLE revision (
  number       INTEGER PRIMARY KEY,
  author       TEXT    NOT NULL,
  time_ms      INTEGER NOT NULL,
  message      TEXT    NOT NULL,
  added        INTEGER NOT NULL,
  changed      INTEGER NOT NULL,
  removed      INTEGER NOT NULL,
  moved        INTEGER NOT NULL,
  entity_count INTEGER NOT NULL
);
CREATE TABLE entity (
  kind     INTEGER NOT NULL,
  id       TEXT    NOT NULL,
  rev_from INTEGER NOT NULL REFERENCES revision (number),
  rev_to   INTEGER REFERENCES revision (number),
  ord      INTEGER NOT NULL,
  hash     BLOB    NOT NULL,
  body     TEXT    NOT NULL,
  CHECK (rev_to IS NULL OR rev_to > rev_from)
);
CREATE INDEX entity_key ON entity (kind, id, rev_from, rev_to, ord, hash);
)sql"},
    // Accounts and the audit trail (accounts.hpp). Users are never deleted (disabled instead),
    // so tokens, sessions and audit entries always name an existing account. Only hashes of
    // secrets are stored. The audit trail refuses UPDATE and DELETE; AUTOINCREMENT keeps ids
    // increasing and never reused.
    Migration{2, R"sql(
CREATE TABLE users (
  id              INTEGER PRIMARY KEY,
  name            TEXT    NOT NULL UNIQUE,
  role            TEXT    NOT NULL,
  person          TEXT    NOT NULL,
  disabled        INTEGER NOT NULL,
  created_ms      INTEGER NOT NULL,
  password_hash   TEXT    NOT NULL,
  failed_signins  INTEGER NOT NULL,
  locked_until_ms INTEGER NOT NULL
);
CREATE TABLE api_tokens (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users (id),
  name         TEXT    NOT NULL,
  hash         TEXT    NOT NULL UNIQUE,
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL,
  revoked      INTEGER NOT NULL,
  last_used_ms INTEGER NOT NULL
);
CREATE TABLE sessions (
  hash         TEXT    PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users (id),
  csrf         TEXT    NOT NULL,
  created_ms   INTEGER NOT NULL,
  expires_ms   INTEGER NOT NULL,
  last_seen_ms INTEGER NOT NULL,
  remote       TEXT    NOT NULL
) WITHOUT ROWID;
CREATE TABLE audit (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  time_ms INTEGER NOT NULL,
  actor   TEXT    NOT NULL,
  remote  TEXT    NOT NULL,
  action  TEXT    NOT NULL,
  target  TEXT    NOT NULL,
  before  TEXT    NOT NULL,
  after   TEXT    NOT NULL,
  detail  TEXT    NOT NULL
);
CREATE INDEX audit_time ON audit (time_ms);
CREATE INDEX audit_actor ON audit (actor, id);
CREATE INDEX audit_action ON audit (action, id);
CREATE INDEX audit_target ON audit (target, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
)sql"},
    // Live state, leases and queues (live.hpp); and the head's entities by (kind, ord), so that
    // commit_changes() places a new entity after the last of its kind without a scan. Partial:
    // only live rows, so closing a row takes its entry out and the index stays the head's size.
    Migration{3, R"sql(
CREATE TABLE live_value (
  key        TEXT    PRIMARY KEY,
  json       TEXT    NOT NULL,
  version    INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  updated_by TEXT    NOT NULL
) WITHOUT ROWID;
CREATE TABLE lease (
  name       TEXT    PRIMARY KEY,
  holder     TEXT    NOT NULL,
  expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE queue_item (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  queue          TEXT    NOT NULL,
  payload        TEXT    NOT NULL,
  available_ms   INTEGER NOT NULL,
  claimed_by     TEXT    NOT NULL,
  claim_until_ms INTEGER NOT NULL,
  attempts       INTEGER NOT NULL
);
CREATE INDEX queue_ready ON queue_item (queue, available_ms, id);
CREATE INDEX entity_head ON entity (kind, ord) WHERE rev_to IS NULL;
)sql"},
};

static_assert(kMigrations.back().version == kSchemaVersion);

Error too_new(const Db& db, int64_t version) {
  return make_error(ErrorCode::kStorage,
                    "the database '" + db.path() + "' has schema version " +
                        std::to_string(version) + ", newer than this build of ebcm knows (" +
                        std::to_string(kSchemaVersion) + "); use a newer ebcm");
}

}  // namespace

Result<void> migrate(Db& db, int64_t target) {
  Result<int64_t> version = db.query_int("PRAGMA user_version");
  if (!version) return version.error();
  if (*version == target) return {};  // the usual case: no write lock needed
  if (*version > kSchemaVersion) return too_new(db, *version);

  for (const Migration& step : kMigrations) {
    if (step.version > target) break;
    Result<Txn> txn = Txn::begin_immediate(db);
    if (!txn) return txn.error();
    // Read again under the write lock: another process may have migrated meanwhile.
    version = db.query_int("PRAGMA user_version");
    if (!version) return version.error();
    if (*version > kSchemaVersion) return too_new(db, *version);
    if (*version >= step.version) continue;

    Result<int64_t> app_id = db.query_int("PRAGMA application_id");
    if (!app_id) return app_id.error();
    if (*app_id != 0 && *app_id != kApplicationId) {
      return make_error(ErrorCode::kStorage,
                        "'" + db.path() + "' is an SQLite database of another application");
    }
    if (*version == 0) {
      Result<int64_t> tables = db.query_int("SELECT count(*) FROM sqlite_schema");
      if (!tables) return tables.error();
      if (*tables != 0 && *app_id == 0) {
        return make_error(ErrorCode::kStorage, "'" + db.path() +
                                                   "' is an SQLite database but not ebcm's "
                                                   "(it has tables and no ebcm schema version)");
      }
    }

    if (auto r = db.exec(step.sql); !r) return r.error();
    const std::string pragmas = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                                "; PRAGMA user_version = " + std::to_string(step.version);
    if (auto r = db.exec(pragmas.c_str()); !r) return r.error();
    if (auto r = txn->commit(); !r) return r.error();
  }
  return {};
}

}  // namespace ebcm::store::sqlite
