// Store: the versioned home of the model, as a list of model::Entity per revision.
//
// Contract: every commit that changes anything makes a new revision numbered 1, 2, 3, ...;
// a revision, once made, never changes, and entities(R) returns exactly the entities, in
// exactly the order, passed to the commit that made R. A commit is all or nothing. Entities
// unchanged since the previous revision are not copied, so a one-entity edit of a large model
// writes O(1) rows. The store never looks inside entity bodies; equal bodies are byte-equal
// (model::to_entities guarantees that), which is how "unchanged" is decided.
// Thread safety: one Store object per thread; open another for another thread. Several
// Stores (threads or processes) may share one database: commits are serialised by it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/entities.hpp"
#include "store/audit.hpp"

namespace ebcm::store {

struct RevisionInfo {
  int64_t number = 0;  // 1, 2, 3, ...
  std::string author;
  int64_t time_ms = 0;  // Unix ms
  std::string message;
  // Entities, relative to the previous revision. An entity whose body is the same but whose
  // place among the kept entities moved counts as changed (the model differs), and also in
  // `moved`; so added = changed = removed = 0 means "nothing differs".
  int64_t added = 0, changed = 0, removed = 0;
  int64_t moved = 0;         // of `changed`, the ones whose body is the same
  int64_t entity_count = 0;  // entities in the model at this revision
};

struct CommitRequest {
  std::string author;
  std::string message;
  int64_t time_ms = 0;
  // When set, the commit fails with kConflict unless the head is still this revision (0: the
  // store is empty), so an edit made on a stale model does not undo someone else's commit.
  std::optional<int64_t> base_revision;
  // When set, appended to the audit trail in the same transaction as the revision (so a change
  // is never stored without its entry, nor the reverse); its `detail` is prefixed with
  // "revision N: ". Nothing is appended when the commit makes no revision.
  std::optional<AuditEntry> audit;
};

// A stored body that is not UTF-8 (written before ebcm checked, or damaged in the file), read
// with U+FFFD in place of each bad byte so that the revision still reads back; the next commit
// of the model then stores good text (docs/model.md, "Damaged revisions").
struct Repair {
  int64_t revision = 0;  // the revision being read
  model::EntityKind kind = model::EntityKind::kOrganization;
  std::string id;
};
// "revision 3: the stored person 'ann' is not valid UTF-8; read with U+FFFD in place of the
// bad bytes (import or edit the model to store good text)".
std::string describe(const Repair& r);

// Progress: called now and then with (done, total) during long work; may be empty.
using ProgressFn = std::function<void(int64_t done, int64_t total)>;

class Store {
 public:
  virtual ~Store() = default;

  // Makes `entities` (a whole model, in model order) the new head revision, all or nothing.
  // When nothing differs from the head (same entities, same bodies, same order), no revision
  // is made and the head's info is returned with added = changed = removed = 0 (so callers
  // can say "no changes"). Two entities with the same (kind, id) → kInvalidInput.
  virtual Result<RevisionInfo> commit(std::span<const model::Entity> entities,
                                      const CommitRequest& req, const ProgressFn& progress) = 0;
  // nullopt: empty store.
  virtual Result<std::optional<RevisionInfo>> head() = 0;
  // kNotFound if there is no such revision.
  virtual Result<RevisionInfo> revision(int64_t number) = 0;
  // Newest first; limit <= 0: all.
  virtual Result<std::vector<RevisionInfo>> history(int64_t limit) = 0;
  // The whole model at a revision, in the order of the commit that made it. kNotFound for an
  // unknown revision.
  virtual Result<std::vector<model::Entity>> entities(int64_t revision,
                                                      const ProgressFn& progress) = 0;
  // One entity at a revision; nullopt when it does not exist there. kNotFound for an unknown
  // revision.
  virtual Result<std::optional<model::Entity>> entity(int64_t revision, model::EntityKind kind,
                                                      std::string_view id) = 0;
  // The bodies entities() and entity() have repaired (see Repair) since the last call, in the
  // order read; the caller tells the user. A commit refuses a body that is not UTF-8
  // (kInvalidInput naming the entity), so only old or damaged files hold such bodies.
  virtual std::vector<Repair> take_repairs() = 0;
};

// {"revision", "time" (ISO, UTC), "time_ms", "author", "message", "added", "changed",
// "removed", "entities"}: one revision as `ebcm history --json` and the HTTP API print it.
std::string revision_to_json(const RevisionInfo& r);

// What a store URL names. Only SQLite exists today.
struct StoreUrl {
  enum class Backend { kSqlite };
  Backend backend = Backend::kSqlite;
  std::string path;  // for SQLite: a file path, or ":memory:"
};

// "sqlite:PATH", "sqlite://PATH" or a bare path ending in .db → SQLite; "postgres://..." or
// "postgresql://..." → kUnsupported (PostgreSQL is planned); anything else → kInvalidInput
// naming the URL and the accepted forms.
Result<StoreUrl> parse_store_url(std::string_view url);

// Parses `url` and opens the store, running the schema migrations (creating the file if
// missing). A database written by a newer ebcm (a schema this build does not know) → kStorage.
Result<std::unique_ptr<Store>> open_store(std::string_view url);

}  // namespace ebcm::store
