// SqliteStore::commit_changes: an edit of the head as the entities it puts and removes, at a
// cost of a few index lookups per entity of the change, whatever the size of the model.
//
// In one IMMEDIATE transaction: each key of the change is looked up at head in entity_key; a
// removed entity's row is closed; a changed one's row is closed and a new row takes the same
// ord (so it keeps its place); a new one gets an ord after the last row of its kind at head
// (entity_head), before the next row. A new entity placed in a run of appends takes 1/4096 of
// the gap left, so about 50,000 appends fit at one spot before the gap is used up; then (and
// only then) the model is read whole and committed by commit(), which renumbers.

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "store/order_plan.hpp"
#include "store/sqlite_store.hpp"

namespace ebcm::store {

using model::Entity;
using model::EntityKind;
using sqlite::Stmt;
using sqlite::Txn;

namespace {

using sqlite::BodyHash;

// A new entity takes this share of the gap it goes in: a run of appends at one spot (the
// server adding functions one by one) lasts about 4096 * ln(gap / 4096) of them.
constexpr int64_t kAppendShare = 4096;

struct HeadRow {
  int64_t rowid = 0;
  int64_t ord = 0;
  bool same_body = false;
};

// One nullable integer from a statement that returns one row.
Result<std::optional<int64_t>> one_optional_int(Stmt& stmt) {
  Result<bool> row = stmt.step();
  if (!row) return row.error();
  std::optional<int64_t> out;
  if (*row && !stmt.is_null(0)) out = stmt.int64(0);
  stmt.reset();
  return out;
}

}  // namespace

Result<std::optional<int64_t>> SqliteStore::ord_for_new(EntityKind kind) {
  Stmt& last = stmts_.last_ord_of;
  auto last_of = [&](int k) {
    last.bind(1, int64_t{k});
    return one_optional_int(last);
  };
  // The last of its kind; failing that, the last of the kinds before it (the greatest ord:
  // a model need not be in kind order).
  Result<std::optional<int64_t>> own = last_of(static_cast<int>(kind));
  if (!own) return own.error();
  std::optional<int64_t> prev = *own;
  for (int k = static_cast<int>(kind) - 1; k >= 0 && !own->has_value(); --k) {
    Result<std::optional<int64_t>> ord = last_of(k);
    if (!ord) return ord.error();
    if (*ord && (!prev || **ord > *prev)) prev = *ord;
  }
  const int64_t lo = prev.value_or(0);
  std::optional<int64_t> next;
  Stmt& above = stmts_.next_ord_of;
  for (int k = 0; k < model::kEntityKindCount; ++k) {
    above.bind(1, int64_t{k});
    above.bind(2, lo);
    Result<std::optional<int64_t>> ord = one_optional_int(above);
    if (!ord) return ord.error();
    if (*ord && (!next || **ord < *next)) next = *ord;
  }
  if (!next) {
    if (lo > std::numeric_limits<int64_t>::max() - kOrdGap) return std::optional<int64_t>();
    return std::optional<int64_t>(lo + kOrdGap);
  }
  const int64_t gap = *next - lo;
  if (gap < 2) return std::optional<int64_t>();
  return std::optional<int64_t>(lo + std::max<int64_t>(1, gap / kAppendShare));
}

Result<RevisionInfo> SqliteStore::commit_changes(const ChangeSet& changes,
                                                 const CommitRequest& req) {
  if (!req.base_revision) {
    return make_error(ErrorCode::kInvalidInput,
                      "a change must say which revision it is based on (base_revision)");
  }
  if (auto r = check_change_set(changes); !r) return r.error();

  bool gap_used_up = false;
  {
    Result<Txn> txn = Txn::begin_immediate(db_);
    if (!txn) return txn.error();
    Result<std::optional<RevisionInfo>> head = read_head();
    if (!head) return head.error();
    const int64_t head_number = *head ? (*head)->number : 0;
    if (*req.base_revision != head_number) {
      return make_error(ErrorCode::kConflict,
                        "the model was changed meanwhile: the edit is based on revision " +
                            std::to_string(*req.base_revision) + ", the store is at revision " +
                            std::to_string(head_number) + "; reload and edit again");
    }

    Stmt& find = stmts_.head_row_of;
    auto head_row = [&](EntityKind kind, std::string_view id,
                        const BodyHash* hash) -> Result<std::optional<HeadRow>> {
      find.bind(1, static_cast<int64_t>(kind));
      find.bind_static(2, id);
      Result<bool> row = find.step();
      if (!row) return row.error();
      std::optional<HeadRow> out;
      if (*row) {
        std::span<const unsigned char> stored = find.blob(1);
        out = HeadRow{find.int64(0), find.int64(2),
                      hash != nullptr && stored.size() == hash->size() &&
                          std::memcmp(stored.data(), hash->data(), hash->size()) == 0};
      }
      find.reset();
      return out;
    };

    std::vector<int64_t> removed;
    removed.reserve(changes.remove.size());
    for (const EntityKey& k : changes.remove) {
      Result<std::optional<HeadRow>> row = head_row(k.kind, k.id, nullptr);
      if (!row) return row.error();
      if (!*row) {
        return make_error(ErrorCode::kNotFound, "cannot remove " + describe(k.kind, k.id) +
                                                    ": revision " + std::to_string(head_number) +
                                                    " has no such entity");
      }
      removed.push_back((*row)->rowid);
    }
    struct Write {
      const Entity* entity;
      BodyHash hash;
      int64_t rowid;  // 0: new
      int64_t ord;    // of a changed entity: its row's
    };
    std::vector<Write> writes;
    for (const Entity& e : changes.put) {
      if (e.body.size() > std::numeric_limits<uint32_t>::max()) {
        return make_error(ErrorCode::kInvalidInput,
                          describe(e.kind, e.id) + " is over the store's size limit");
      }
      const BodyHash hash = sqlite::body_hash(e.body);
      Result<std::optional<HeadRow>> row = head_row(e.kind, e.id, &hash);
      if (!row) return row.error();
      if (*row && (*row)->same_body) continue;
      writes.push_back(Write{&e, hash, *row ? (*row)->rowid : 0, *row ? (*row)->ord : 0});
    }

    RevisionInfo info;
    info.author = req.author;
    info.time_ms = req.time_ms;
    info.message = req.message;
    info.added =
        std::count_if(writes.begin(), writes.end(), [](const Write& w) { return w.rowid == 0; });
    info.changed = static_cast<int64_t>(writes.size()) - info.added;
    info.removed = static_cast<int64_t>(removed.size());
    info.entity_count = (*head ? (*head)->entity_count : 0) + info.added - info.removed;
    if (writes.empty() && removed.empty()) {
      if (!*head) return RevisionInfo{};
      RevisionInfo same = **head;
      same.added = same.changed = same.removed = same.moved = 0;
      return same;
    }
    info.number = head_number + 1;

    if (auto r = insert_revision(stmts_.insert_revision, info); !r) return r.error();

    Stmt& close = stmts_.close_entity;
    auto close_row = [&](int64_t rowid) {
      close.bind(1, info.number);
      close.bind(2, rowid);
      return close.run();
    };
    Stmt& insert = stmts_.insert_entity;
    auto insert_row = [&](const Write& w, int64_t ord) {
      insert.bind(1, static_cast<int64_t>(w.entity->kind));
      insert.bind_static(2, w.entity->id);
      insert.bind(3, info.number);
      insert.bind(4, ord);
      insert.bind_blob_static(5, w.hash);
      insert.bind_static(6, w.entity->body);
      return insert.run();
    };
    // Removals first, so that a new entity's place is among the entities that stay.
    for (int64_t rowid : removed) {
      if (auto r = close_row(rowid); !r) return r.error();
    }
    for (const Write& w : writes) {
      if (w.rowid == 0) continue;
      if (auto r = close_row(w.rowid); !r) return r.error();
      if (auto r = insert_row(w, w.ord); !r) return r.error();
    }
    // New entities by kind (stable: in the order given within a kind), as apply_changes().
    std::vector<const Write*> fresh;
    for (const Write& w : writes) {
      if (w.rowid == 0) fresh.push_back(&w);
    }
    std::stable_sort(fresh.begin(), fresh.end(), [](const Write* a, const Write* b) {
      return a->entity->kind < b->entity->kind;
    });
    for (const Write* w : fresh) {
      Result<std::optional<int64_t>> ord = ord_for_new(w->entity->kind);
      if (!ord) return ord.error();
      if (!*ord) {
        gap_used_up = true;  // the transaction rolls back below
        break;
      }
      if (auto r = insert_row(*w, **ord); !r) return r.error();
    }

    if (!gap_used_up) {
      if (req.audit) {
        const AuditEntry& a = *req.audit;
        const std::string detail =
            "revision " + std::to_string(info.number) + (a.detail.empty() ? "" : ": " + a.detail);
        if (auto r = sqlite::insert_audit(stmts_.insert_audit, a,
                                          a.time_ms ? a.time_ms : info.time_ms, detail);
            !r) {
          return r.error();
        }
      }
      if (auto r = txn->commit(); !r) return r.error();
      return info;
    }
  }

  // No ord left where a new entity goes: the whole model, renumbered by commit(). The head is
  // read outside the transaction; commit() checks base_revision again under its lock, so an
  // edit that came in between makes this one a conflict, as it should.
  Result<RevisionInfo> info = [&]() -> Result<RevisionInfo> {
    Result<std::vector<Entity>> head = *req.base_revision == 0
                                           ? Result<std::vector<Entity>>(std::vector<Entity>{})
                                           : entities(*req.base_revision, {});
    if (!head) return head.error();
    Result<std::vector<Entity>> model = apply_changes(std::move(head).value(), changes);
    if (!model) return model.error();
    return commit(*model, req, {});
  }();
  return info;
}

}  // namespace ebcm::store
