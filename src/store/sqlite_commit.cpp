// SqliteStore::commit: compare the incoming model with the head by (kind, id) and body hash,
// then, in one IMMEDIATE transaction, write only what differs.
//
// Work is O(n) in the entities plus O(head) to scan the head's covering index; bodies of the
// head are never read. Memory beyond the caller's entities: about 60 bytes per entity.

#include <sodium.h>

#include <array>
#include <cstring>
#include <limits>

#include "store/order_plan.hpp"
#include "store/sqlite_store.hpp"

namespace ebcm::store {

using sqlite::kProgressEvery;
using sqlite::Stmt;
using sqlite::Txn;

namespace {

constexpr size_t kHashBytes = 16;
using BodyHash = std::array<unsigned char, kHashBytes>;
// Bounded so indices fit in uint32_t with room for the table's empty marker.
constexpr size_t kMaxEntities = size_t{1} << 31;

// An open-addressing table from (kind, id) to an index into the caller's entities; it holds
// no strings of its own, only 4-byte indices.
class KeyIndex {
 public:
  explicit KeyIndex(std::span<const model::Entity> entities) : entities_(entities) {
    size_t capacity = 16;
    while (capacity < entities.size() * 2) capacity <<= 1;
    slots_.assign(capacity, kEmpty);
    mask_ = capacity - 1;
  }

  // Adds entity i; returns the index of an earlier entity with the same key, or kEmpty.
  uint32_t insert(uint32_t i) {
    const model::Entity& e = entities_[i];
    for (size_t s = hash(e.kind, e.id) & mask_;; s = (s + 1) & mask_) {
      if (slots_[s] == kEmpty) {
        slots_[s] = i;
        return kEmpty;
      }
      const model::Entity& other = entities_[slots_[s]];
      if (other.kind == e.kind && other.id == e.id) return slots_[s];
    }
  }

  // The index of the entity with this key, or kEmpty.
  uint32_t find(model::EntityKind kind, std::string_view id) const {
    for (size_t s = hash(kind, id) & mask_;; s = (s + 1) & mask_) {
      if (slots_[s] == kEmpty) return kEmpty;
      const model::Entity& e = entities_[slots_[s]];
      if (e.kind == kind && e.id == id) return slots_[s];
    }
  }

  static constexpr uint32_t kEmpty = std::numeric_limits<uint32_t>::max();

 private:
  static size_t hash(model::EntityKind kind, std::string_view id) {
    return std::hash<std::string_view>{}(id) ^
           (static_cast<size_t>(kind) * size_t{0x9E3779B97F4A7C15});
  }

  std::span<const model::Entity> entities_;
  std::vector<uint32_t> slots_;
  size_t mask_ = 0;
};

// What the head holds of each incoming entity.
struct HeadMatch {
  std::vector<int64_t> rowid;    // 0: not at head (added)
  std::vector<int64_t> old_ord;  // 0 unless the body is unchanged (the row may be kept)
  std::vector<int64_t> removed;  // rowids of head rows whose key is not in the commit
  int64_t changed = 0;           // bodies that differ
};

Error duplicate(const model::Entity& e) {
  return make_error(ErrorCode::kInvalidInput,
                    std::string("the model has two ") + model::to_string(e.kind) +
                        (e.id.empty() ? std::string(" entities") : " entities with id '" + e.id + "'") +
                        "; each (kind, id) may appear once");
}

}  // namespace

Result<RevisionInfo> SqliteStore::commit(std::span<const model::Entity> entities,
                                         const CommitRequest& req, const ProgressFn& progress) {
  const size_t n = entities.size();
  if (n >= kMaxEntities) {
    return make_error(ErrorCode::kInvalidInput,
                      "a model of " + std::to_string(n) + " entities is over the store's limit");
  }
  const auto total = static_cast<int64_t>(2 * n);  // hashing, then writing
  auto report = [&](size_t done) {
    if (progress && done % kProgressEvery == 0) progress(static_cast<int64_t>(done), total);
  };

  // Everything that needs no lock comes first, so the write lock is held briefly and bad
  // input never touches the file.
  KeyIndex index(entities);
  std::vector<BodyHash> hashes(n);
  for (size_t i = 0; i < n; ++i) {
    if (uint32_t prev = index.insert(static_cast<uint32_t>(i)); prev != KeyIndex::kEmpty) {
      return duplicate(entities[i]);
    }
    const std::string& body = entities[i].body;
    crypto_generichash(hashes[i].data(), kHashBytes,
                       reinterpret_cast<const unsigned char*>(body.data()), body.size(), nullptr,
                       0);
    report(i);
  }

  Result<Txn> txn = Txn::begin_immediate(db_);
  if (!txn) return txn.error();
  Result<std::optional<RevisionInfo>> head = head_locked();
  if (!head) return head.error();

  HeadMatch match;
  match.rowid.assign(n, 0);
  match.old_ord.assign(n, 0);
  Stmt& rows = stmts_.head_rows;
  while (true) {
    Result<bool> row = rows.step();
    if (!row) return row.error();
    if (!*row) break;
    const int64_t rowid = rows.int64(0);
    std::optional<model::EntityKind> kind = sqlite::kind_from_int(rows.int64(1));
    uint32_t i = kind ? index.find(*kind, rows.text(2)) : KeyIndex::kEmpty;
    if (i == KeyIndex::kEmpty) {
      match.removed.push_back(rowid);
      continue;
    }
    if (match.rowid[i] != 0) {
      rows.reset();
      return sqlite::storage_corrupt(db_.path(), "two head rows for one entity");
    }
    match.rowid[i] = rowid;
    std::span<const unsigned char> hash = rows.blob(3);
    if (hash.size() == kHashBytes && std::memcmp(hash.data(), hashes[i].data(), kHashBytes) == 0) {
      match.old_ord[i] = rows.int64(4);
    } else {
      ++match.changed;
    }
  }
  rows.reset();

  const OrderPlan plan = plan_order(match.old_ord);
  RevisionInfo info;
  info.author = req.author;
  info.time_ms = req.time_ms;
  info.message = req.message;
  for (int64_t rowid : match.rowid) info.added += rowid == 0 ? 1 : 0;
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
  info.number = *head ? (*head)->number + 1 : 1;

  Stmt& rev = stmts_.insert_revision;
  rev.bind(1, info.number);
  rev.bind_static(2, info.author);
  rev.bind(3, info.time_ms);
  rev.bind_static(4, info.message);
  rev.bind(5, info.added);
  rev.bind(6, info.changed);
  rev.bind(7, info.removed);
  rev.bind(8, info.moved);
  rev.bind(9, info.entity_count);
  if (auto r = rev.run(); !r) return r.error();

  Stmt& close = stmts_.close_entity;
  auto close_row = [&](int64_t rowid) {
    close.bind(1, info.number);
    close.bind(2, rowid);
    return close.run();
  };
  for (int64_t rowid : match.removed) {
    if (auto r = close_row(rowid); !r) return r.error();
  }
  Stmt& insert = stmts_.insert_entity;
  for (size_t i = 0; i < n; ++i) {
    report(n + i);
    if (plan.keep[i]) continue;
    if (match.rowid[i] != 0) {
      if (auto r = close_row(match.rowid[i]); !r) return r.error();
    }
    const model::Entity& e = entities[i];
    insert.bind(1, static_cast<int64_t>(e.kind));
    insert.bind_static(2, e.id);
    insert.bind(3, info.number);
    insert.bind(4, plan.ord[i]);
    insert.bind_blob_static(5, hashes[i]);
    insert.bind_static(6, e.body);
    if (auto r = insert.run(); !r) return r.error();
  }

  if (auto r = txn->commit(); !r) return r.error();
  if (progress) progress(total, total);
  return info;
}

}  // namespace ebcm::store
