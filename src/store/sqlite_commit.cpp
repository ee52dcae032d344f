// SqliteStore::commit: compare the incoming model with the head by (kind, id) and body hash,
// then, in one IMMEDIATE transaction, write only what differs.
//
// The incoming entities are sorted once by key, which finds duplicates, matches the head's
// rows as they come out of the key index (in the same order, so mostly without a search) and
// gives the order to insert new rows in (the key index then grows at its end). Bodies of the
// head are never read. Memory beyond the caller's entities: about 100 bytes per entity.

#include <sodium.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <thread>

#include "core/utf8.hpp"
#include "store/order_plan.hpp"
#include "store/sqlite_store.hpp"

namespace ebcm::store {

using model::Entity;
using model::EntityKind;
using sqlite::kProgressEvery;
using sqlite::Stmt;
using sqlite::Txn;

namespace {

using sqlite::BodyHash;
constexpr size_t kHashBytes = sqlite::kBodyHashBytes;

// Bounded so that indices and sizes fit in uint32_t.
constexpr size_t kMaxEntities = size_t{1} << 31;
constexpr size_t kMaxBodyBytes = std::numeric_limits<uint32_t>::max();
constexpr size_t kPrefetchAhead = 4;
constexpr uint32_t kValidUtf8 = std::numeric_limits<uint32_t>::max();
// From this many entities on, the bodies are hashed and checked, and the keys sorted, in two
// halves on two threads (then merged): 0.2 s of the 1M model's commit.
constexpr size_t kTwoThreadsMinEntities = 50'000;

// An entity's key in a form that sorts and matches without touching the entity: the kind
// and the first 15 bytes of the id, big-endian and zero-padded, and the id's length; only
// ids longer than that are read when the prefixes tie. The order is SQLite's for
// (kind INTEGER, id TEXT BINARY): bytes compared unsigned, a proper prefix first.
// The body and its hash ride along, so that the scan of the head and the inserts read these
// in order and nothing else (a random read per entity costs more than SQLite's insert here).
struct KeyRef {
  uint64_t hi = 0;
  uint64_t lo = 0;
  const char* id = nullptr;
  uint32_t id_size = 0;
  uint32_t index = 0;  // into the commit's entities
  const char* body = nullptr;
  uint32_t body_size = 0;
  uint32_t bad_utf8 = kValidUtf8;  // the offset of the body's first byte that is not UTF-8
  BodyHash hash{};

  KeyRef(EntityKind kind, std::string_view id_view, uint32_t i)
      : id(id_view.data()), id_size(static_cast<uint32_t>(id_view.size())), index(i) {
    std::array<unsigned char, 16> bytes{};
    bytes[0] = static_cast<unsigned char>(kind);
    std::memcpy(bytes.data() + 1, id_view.data(), std::min<size_t>(id_view.size(), 15));
    for (size_t b = 0; b < 8; ++b) {
      hi = hi << 8 | bytes[b];
      lo = lo << 8 | bytes[b + 8];
    }
  }

  EntityKind kind() const { return static_cast<EntityKind>(hi >> 56); }
  std::string_view id_view() const { return {id, id_size}; }

  // <0, 0, >0 as SQLite would order the two keys.
  friend int compare(const KeyRef& a, const KeyRef& b) {
    if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
    if (a.id_size <= 15 && b.id_size <= 15) {
      // Equal prefixes: the shorter id is the longer one's prefix (padded with NULs).
      return a.id_size == b.id_size ? 0 : (a.id_size < b.id_size ? -1 : 1);
    }
    const int c = std::string_view(a.id, a.id_size).compare(std::string_view(b.id, b.id_size));
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
};

// The incoming entities sorted by key, with their bodies' hashes.
class SortedKeys {
 public:
  // Hashes and checks every body; calls progress(i) now and then.
  template <class Progress>
  SortedKeys(std::span<const Entity> entities, const Progress& progress) {
    const size_t n = entities.size();
    keys_.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      const Entity& e = entities[i];
      KeyRef& key = keys_.emplace_back(e.kind, e.id, static_cast<uint32_t>(i));
      key.body = e.body.data();
      key.body_size = static_cast<uint32_t>(e.body.size());
    }
    const auto less = [](const KeyRef& a, const KeyRef& b) { return compare(a, b) < 0; };
    // Hashes and sorts keys_[from, to); only the first half reports progress (one thread).
    auto half = [&](size_t from, size_t to, bool report) {
      for (size_t i = from; i < to; ++i) {
        KeyRef& key = keys_[i];
        const std::string_view body(key.body, key.body_size);
        key.hash = sqlite::body_hash(body);
        if (size_t bad = find_invalid_utf8(body); bad != std::string_view::npos) {
          key.bad_utf8 = static_cast<uint32_t>(bad);
        }
        if (report) progress(i);
      }
      std::sort(keys_.begin() + static_cast<std::ptrdiff_t>(from),
                keys_.begin() + static_cast<std::ptrdiff_t>(to), less);
    };
    if (n < kTwoThreadsMinEntities) {
      half(0, n, true);
      return;
    }
    const size_t mid = n / 2;
    std::thread second([&] { half(mid, n, false); });
    half(0, mid, true);
    second.join();
    std::inplace_merge(keys_.begin(), keys_.begin() + static_cast<std::ptrdiff_t>(mid), keys_.end(),
                       less);
  }

  size_t size() const { return keys_.size(); }
  const KeyRef& operator[](size_t pos) const { return keys_[pos]; }

  // The index of an entity whose key another entity has too, if any.
  std::optional<uint32_t> duplicate() const {
    for (size_t pos = 1; pos < keys_.size(); ++pos) {
      if (compare(keys_[pos - 1], keys_[pos]) == 0) return keys_[pos].index;
    }
    return std::nullopt;
  }

  // The position of (kind, id), or size() if absent. Looks at `hint` first: rows read in key
  // order find their match there, so the usual cost is one comparison, not a search.
  size_t find(EntityKind kind, std::string_view id, size_t hint) const {
    const KeyRef probe(kind, id, 0);
    if (hint < keys_.size() && compare(keys_[hint], probe) == 0) return hint;
    auto it = std::lower_bound(keys_.begin(), keys_.end(), probe,
                               [](const KeyRef& a, const KeyRef& b) { return compare(a, b) < 0; });
    return it != keys_.end() && compare(*it, probe) == 0 ? static_cast<size_t>(it - keys_.begin())
                                                         : keys_.size();
  }

 private:
  std::vector<KeyRef> keys_;
};

// What the head holds of each incoming entity.
struct HeadMatch {
  std::vector<int64_t> rowid;    // by key position; 0: not at head (added)
  std::vector<int64_t> old_ord;  // by commit index; 0 unless the body is unchanged (the row
                                 // may be kept)
  std::vector<int64_t> removed;  // rowids of head rows whose key is not in the commit
  int64_t changed = 0;           // bodies that differ
};

// EBCM_TIMING=1: how long each step of a commit took, on stderr, as model/load.cpp prints the
// phases of loading (for benchmarks and profiling).
class Laps {
 public:
  void lap(const char* what) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "timing: store %s %.3f s\n", what,
                 std::chrono::duration<double>(now - t0_).count());
    t0_ = now;
  }

 private:
  bool enabled_ = std::getenv("EBCM_TIMING") != nullptr;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

// A first commit of a large model into a database nobody else has open is written once, in
// rollback-journal mode, instead of twice (into the WAL, then by the checkpoint into the file):
// about a quarter of the commit's time on a million entities. Rollback mode is as safe
// (synchronous=FULL while it lasts); the file is back in WAL mode afterwards. When another
// connection has the file open the switch fails at once (no busy wait) and the commit goes
// through the WAL as usual; a connection opened meanwhile waits for the commit, as a writer
// would make it wait anyway; if it keeps the file open, the switch back fails and the next
// open (configure) puts the file in WAL mode again.
constexpr size_t kWriteOnceMinEntities = 20'000;
// See the rebuild of entity_head in commit().
constexpr int64_t kRebuildHeadIndexMinRows = 50'000;

class WriteOnce {
 public:
  explicit WriteOnce(sqlite::Db& db) : db_(db) {
    if (!set_mode("DELETE", "delete")) return;
    active_ = static_cast<bool>(db_.exec("PRAGMA synchronous = FULL"));
  }
  ~WriteOnce() {
    if (!active_) return;
    (void)db_.exec("PRAGMA synchronous = NORMAL");
    (void)set_mode("WAL", "wal");
  }
  WriteOnce(const WriteOnce&) = delete;
  WriteOnce& operator=(const WriteOnce&) = delete;
  bool active() const { return active_; }

 private:
  // true when the file is in mode `want` afterwards.
  bool set_mode(const char* mode, std::string_view want) {
    if (!db_.exec("PRAGMA busy_timeout = 0")) return false;
    bool ok = false;
    if (Result<Stmt> stmt = db_.prepare(std::string("PRAGMA journal_mode = ") + mode); stmt) {
      Result<bool> row = stmt->step();
      ok = row && *row && stmt->text(0) == want;
    }
    (void)db_.exec("PRAGMA busy_timeout = 5000");  // as configure() sets it
    return ok;
  }

  sqlite::Db& db_;
  bool active_ = false;
};

Error duplicate_error(const Entity& e) {
  std::string what = e.id.empty() ? std::string(" entities") : " entities with id '" + e.id + "'";
  return make_error(ErrorCode::kInvalidInput, std::string("the model has two ") +
                                                  model::to_string(e.kind) + what +
                                                  "; each (kind, id) may appear only once");
}

Error not_utf8_error(const Entity& e, size_t offset) {
  char byte[8];
  std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(e.body[offset]));
  return make_error(ErrorCode::kInvalidInput,
                    std::string("the ") + model::to_string(e.kind) +
                        (e.id.empty() ? std::string() : " '" + e.id + "'") +
                        " holds text that is not UTF-8 (byte " + byte + " at offset " +
                        std::to_string(offset) +
                        " of its body) and would not read back; nothing was stored");
}

}  // namespace

Result<RevisionInfo> SqliteStore::commit(std::span<const Entity> entities, const CommitRequest& req,
                                         const ProgressFn& progress) {
  const size_t n = entities.size();
  if (n >= kMaxEntities) {
    return make_error(ErrorCode::kInvalidInput,
                      "a model of " + std::to_string(n) + " entities is over the store's limit");
  }
  for (const Entity& e : entities) {
    if (e.body.size() > kMaxBodyBytes || e.id.size() > kMaxBodyBytes) {
      return make_error(ErrorCode::kInvalidInput, std::string("the ") + model::to_string(e.kind) +
                                                      " '" + e.id.substr(0, 100) +
                                                      "' is over the store's size limit");
    }
  }
  // Progress counts each entity twice: once hashed, once written (or found unchanged).
  const auto total = static_cast<int64_t>(2 * n);

  // Everything that needs no lock comes first, so that the write lock is held briefly and
  // bad input never touches the file.
  Laps laps;
  const SortedKeys keys(entities, [&](size_t i) {
    if (progress && i % kProgressEvery == 0) progress(static_cast<int64_t>(i), total);
  });
  if (std::optional<uint32_t> dup = keys.duplicate()) return duplicate_error(entities[*dup]);
  laps.lap("hash and sort");

  std::optional<WriteOnce> write_once;
  if (n >= kWriteOnceMinEntities) {
    Result<std::optional<RevisionInfo>> before = read_head();
    if (!before) return before.error();
    if (!*before) write_once.emplace(db_);
  }
  Result<Txn> txn = Txn::begin_immediate(db_);
  if (!txn) return txn.error();
  Result<std::optional<RevisionInfo>> head = read_head();
  if (!head) return head.error();
  const int64_t head_number = *head ? (*head)->number : 0;
  if (req.base_revision && *req.base_revision != head_number) {
    return make_error(ErrorCode::kConflict,
                      "the model was changed meanwhile: the edit is based on revision " +
                          std::to_string(*req.base_revision) + ", the store is at revision " +
                          std::to_string(head_number) + "; reload and edit again");
  }

  HeadMatch match;
  match.rowid.assign(n, 0);
  match.old_ord.assign(n, 0);
  Stmt& rows = stmts_.head_rows;
  size_t hint = 0;
  while (true) {
    Result<bool> row = rows.step();
    if (!row) return row.error();
    if (!*row) break;
    const int64_t rowid = rows.int64(0);
    std::optional<EntityKind> kind = sqlite::kind_from_int(rows.int64(1));
    if (!kind) {
      rows.reset();
      return sqlite::storage_corrupt(db_.path(), "an entity row has an unknown kind");
    }
    const size_t pos = keys.find(*kind, rows.text(2), hint);
    if (pos == keys.size()) {
      match.removed.push_back(rowid);
      continue;
    }
    hint = pos + 1;
    if (match.rowid[pos] != 0) {
      rows.reset();
      return sqlite::storage_corrupt(db_.path(), "two head rows for one entity");
    }
    match.rowid[pos] = rowid;
    std::span<const unsigned char> hash = rows.blob(3);
    if (hash.size() == kHashBytes &&
        std::memcmp(hash.data(), keys[pos].hash.data(), kHashBytes) == 0) {
      match.old_ord[keys[pos].index] = rows.int64(4);
    } else {
      ++match.changed;
    }
  }
  rows.reset();

  laps.lap("scan of the head");
  const OrderPlan plan = plan_order(match.old_ord);
  RevisionInfo info;
  info.author = req.author;
  info.time_ms = req.time_ms;
  info.message = req.message;
  info.added = std::count(match.rowid.begin(), match.rowid.end(), 0);
  info.changed = match.changed + plan.moved;
  info.removed = static_cast<int64_t>(match.removed.size());
  info.moved = plan.moved;
  info.entity_count = static_cast<int64_t>(n);
  if (info.added == 0 && info.changed == 0 && info.removed == 0) {
    // Nothing differs (an empty model into an empty store included): no revision. The
    // transaction only read, so letting it roll back changes nothing.
    if (!*head) return RevisionInfo{};
    RevisionInfo same = **head;
    same.added = same.changed = same.removed = same.moved = 0;
    return same;
  }
  info.number = head_number + 1;

  // The new rows' ords by key position (0: the row is kept), gathered in a loop of their own
  // where the random reads overlap instead of stalling one insert each. A body that is not
  // UTF-8 would never read back (Boost.JSON refuses it), so it is refused before anything is
  // written; only the rows written are refused (every body was checked while it was hashed).
  std::vector<int64_t> new_ord(n, 0);
  int64_t inserts = 0;
  for (size_t pos = 0; pos < n; ++pos) {
    const uint32_t i = keys[pos].index;
    if (plan.keep[i]) continue;
    new_ord[pos] = plan.ord[i];
    ++inserts;
    if (keys[pos].bad_utf8 != kValidUtf8) return not_utf8_error(entities[i], keys[pos].bad_utf8);
  }

  if (auto r = insert_revision(stmts_.insert_revision, info); !r) return r.error();

  Stmt& close = stmts_.close_entity;
  auto close_row = [&](int64_t rowid) {
    close.bind(1, info.number);
    close.bind(2, rowid);
    return close.run();
  };
  for (int64_t rowid : match.removed) {
    if (auto r = close_row(rowid); !r) return r.error();
  }
  // The head index by (kind, ord) takes rows in model order, which is not key order: one
  // random B-tree insert per row. When the rows written are most of the table (a first import),
  // building it again after the inserts (one sort) costs half as much; the drop is part of the
  // transaction, so no other connection ever sees the table without it.
  bool rebuild_head_index = false;
  if (inserts >= kRebuildHeadIndexMinRows) {
    Result<int64_t> rows_ever = db_.query_int("SELECT coalesce(max(rowid), 0) FROM entity");
    if (!rows_ever) return rows_ever.error();
    rebuild_head_index = inserts * 2 >= *rows_ever;
  }
  if (rebuild_head_index) {
    if (auto r = db_.exec("DROP INDEX entity_head"); !r) return r.error();
  }
  Stmt& insert = stmts_.insert_entity;
  for (size_t pos = 0; pos < n; ++pos) {
    if (progress && pos % kProgressEvery == 0) progress(static_cast<int64_t>(n + pos), total);
    if (new_ord[pos] == 0) continue;
    if (match.rowid[pos] != 0) {
      if (auto r = close_row(match.rowid[pos]); !r) return r.error();
    }
    const KeyRef& key = keys[pos];
    // Bodies lie all over the heap in model order; ask for one a few inserts ahead.
    if (pos + kPrefetchAhead < n) __builtin_prefetch(keys[pos + kPrefetchAhead].body);
    insert.bind(1, static_cast<int64_t>(key.kind()));
    insert.bind_static(2, key.id_view());
    insert.bind(3, info.number);
    insert.bind(4, new_ord[pos]);
    insert.bind_blob_static(5, key.hash);
    insert.bind_static(6, std::string_view(key.body, key.body_size));
    if (auto r = insert.run(); !r) return r.error();
  }

  if (rebuild_head_index) {
    laps.lap(write_once && write_once->active() ? "writes (rollback journal)" : "writes (WAL)");
    // Two threads for the sort of the index build.
    if (auto r = db_.exec("PRAGMA threads = 2"); !r) return r.error();
    if (auto r = db_.exec(sqlite::kEntityHeadIndexSql); !r) return r.error();
    (void)db_.exec("PRAGMA threads = 0");
    laps.lap("head index built");
  }

  if (req.audit) {
    const AuditEntry& a = *req.audit;
    const std::string detail =
        "revision " + std::to_string(info.number) + (a.detail.empty() ? "" : ": " + a.detail);
    if (auto r = insert_audit(stmts_.insert_audit, a, a.time_ms ? a.time_ms : info.time_ms, detail);
        !r) {
      return r.error();
    }
  }

  const char* writes_lap =
      write_once && write_once->active() ? "writes (rollback journal)" : "writes (WAL)";
  laps.lap(rebuild_head_index ? "audit entry" : writes_lap);
  if (auto r = txn->commit(); !r) return r.error();
  laps.lap("COMMIT");
  if (progress) progress(total, total);
  return info;
}

namespace sqlite {

// SipHash-128 with a fixed key: it tells an edited body from the stored one with a chance of
// error of 2^-128, and runs 3.5 times as fast as BLAKE2b here (0.2 s against 0.7 s for a
// million 320-byte bodies). Resistance to deliberate collisions is not needed: the only
// body a user could forge is their own edit.
BodyHash body_hash(std::string_view body) {
  static_assert(kBodyHashBytes == crypto_shorthash_siphashx24_BYTES);
  static constexpr std::array<unsigned char, crypto_shorthash_siphashx24_KEYBYTES> kKey{
      'e', 'b', 'c', 'm', '-', 'e', 'n', 't', 'i', 't', 'y', '-', 'b', 'o', 'd', 'y'};
  BodyHash hash{};
  crypto_shorthash_siphashx24(hash.data(), reinterpret_cast<const unsigned char*>(body.data()),
                              body.size(), kKey.data());
  return hash;
}

}  // namespace sqlite

}  // namespace ebcm::store
