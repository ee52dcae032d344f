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

// An entity's identity within a revision.
struct EntityKey {
  model::EntityKind kind = model::EntityKind::kOrganization;
  std::string id;  // "" for the organization
  bool operator==(const EntityKey&) const = default;
};

// An edit of the head, given as what it changes rather than as the whole model.
//   put:    new or changed entities. A changed one (its key is at head) keeps its place; a new
//           one goes after the last entity of its kind in model order (or, when its kind has
//           none, after the last entity of an earlier kind; or first), several new ones of a
//           kind in the order given. An entity equal to the head's changes nothing.
//   remove: entities to drop; each must be at head (kNotFound otherwise).
// A key may appear only once in the whole change set (kInvalidInput otherwise).
struct ChangeSet {
  std::vector<model::Entity> put;
  std::vector<EntityKey> remove;
};

// kInvalidInput when a key appears twice in `changes` (in put, in remove, or in both) or a
// put's body is not UTF-8; what every backend's commit_changes() checks first.
Result<void> check_change_set(const ChangeSet& changes);
// "the service 'mail'", "the organization": an entity as messages name it.
std::string describe(model::EntityKind kind, std::string_view id);

// The model `head` (a revision's entities in model order) with `changes` applied, exactly as
// commit_changes() stores it: the reference meaning of a ChangeSet, for backends that need the
// whole model (and for tests). Fails as commit_changes() does on a bad change set.
Result<std::vector<model::Entity>> apply_changes(std::vector<model::Entity> head,
                                                 const ChangeSet& changes);

class Store {
 public:
  virtual ~Store() = default;

  // Makes `entities` (a whole model, in model order) the new head revision, all or nothing.
  // When nothing differs from the head (same entities, same bodies, same order), no revision
  // is made and the head's info is returned with added = changed = removed = 0 (so callers
  // can say "no changes"). Two entities with the same (kind, id) → kInvalidInput.
  virtual Result<RevisionInfo> commit(std::span<const model::Entity> entities,
                                      const CommitRequest& req, const ProgressFn& progress) = 0;
  // Makes the head with `changes` applied (see ChangeSet) the new head revision, all or
  // nothing, at a cost that grows with the size of the change, not of the model (the server's
  // write path). req.base_revision is required (kInvalidInput without it; kConflict when the
  // head has moved on). A change set that changes nothing (empty, or every put equal to the
  // head's) makes no revision and returns the head's info with added = changed = removed = 0.
  // The revision's counts are those commit() would give for the same model (moved is 0).
  virtual Result<RevisionInfo> commit_changes(const ChangeSet& changes,
                                              const CommitRequest& req) = 0;
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

  // A number that is greater than an earlier answer of this object when another connection
  // (another interface object, another process) has changed anything in the database since:
  // the model, accounts, sessions, the audit trail, the live state. This object's own writes
  // may move it or not (SQLite's do not; its caller knows them anyway). Cheap (no I/O with SQLite):
  // a cache may ask several times a second and reload only when it moved. Answers of different
  // objects are not comparable.
  virtual Result<int64_t> change_mark() = 0;
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
// The model part of open_backend() (backend.hpp), for callers that need only it.
Result<std::unique_ptr<Store>> open_store(std::string_view url);

}  // namespace ebcm::store
