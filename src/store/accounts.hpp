// Accounts, API tokens, sessions and the audit trail, kept in the same database as the model.
//
// Contract: only hashes of secrets are stored (the caller hashes: argon2id for passwords, a
// keyed/generic hash for session ids and tokens). The audit trail is append-only: the schema
// refuses UPDATE and DELETE on it (triggers), and append() is the only way in.
// Thread safety: one Accounts object per thread, as Store; http/ wraps one in a mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "store/audit.hpp"

namespace ebcm::store {

enum class Role { kAdmin, kCoordinator, kOwner, kResponder, kViewer };
// "admin", "coordinator", "owner", "responder", "viewer".
const char* to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

struct User {
  int64_t id = 0;
  std::string name;
  Role role = Role::kViewer;
  std::string person;  // model person id, or ""
  bool disabled = false;
  int64_t created_ms = 0;
  std::string password_hash;  // argon2id string; never leaves http/auth
  int failed_signins = 0;     // since the last success
  int64_t locked_until_ms = 0;
};

struct ApiToken {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string user;                        // name, for listing
  std::string name;                        // what the token is for
  std::string hash;                        // never leaves http/auth
  int64_t created_ms = 0, expires_ms = 0;  // expires_ms 0: never
  bool revoked = false;
  int64_t last_used_ms = 0;
};

struct Session {
  std::string hash;  // of the session id
  int64_t user_id = 0;
  std::string csrf;
  int64_t created_ms = 0, expires_ms = 0, last_seen_ms = 0;
  std::string remote;
};

struct AuditFilter {
  std::optional<std::string> actor, action, target;  // target: exact or prefix ending in '/'
  std::optional<int64_t> since_ms, until_ms;         // inclusive, exclusive
  int64_t after_id = 0;                              // for paging: entries with id > after_id
  int64_t limit = 100;                               // <= 0: all
};

class Accounts {
 public:
  virtual ~Accounts() = default;
  // Same URL forms as open_store() (also a bare ":memory:"); runs the migrations, so the
  // model and the accounts share one database and one schema version. The accounts part of
  // open_backend() (backend.hpp). A bare ":memory:" is a database of its own.
  static Result<std::unique_ptr<Accounts>> open(std::string_view url);

  // kConflict when the name is taken.
  virtual Result<User> add_user(const User& user) = 0;
  virtual Result<std::optional<User>> user(std::string_view name) = 0;
  virtual Result<std::optional<User>> user_by_id(int64_t id) = 0;
  virtual Result<std::vector<User>> users() = 0;  // ordered by name
  // Writes every field of `user` but id/name/created_ms, found by id. kNotFound when absent.
  virtual Result<void> update_user(const User& user) = 0;

  virtual Result<ApiToken> add_token(const ApiToken& token) = 0;
  virtual Result<std::vector<ApiToken>> tokens() = 0;            // all, with revoked ones, by id
  virtual Result<void> update_token(const ApiToken& token) = 0;  // revoked, last_used_ms

  virtual Result<void> put_session(const Session& session) = 0;    // insert or replace
  virtual Result<void> delete_session(std::string_view hash) = 0;  // absent: no error
  // All stored sessions; the caller (which knows the time and the idle limit) drops the
  // expired ones.
  virtual Result<std::vector<Session>> sessions() = 0;

  virtual Result<AuditEntry> append(AuditEntry entry) = 0;
  // Matching entries in increasing id order, at most filter.limit of them.
  virtual Result<std::vector<AuditEntry>> audit(const AuditFilter& filter) = 0;

  // As Store::change_mark(): greater when another connection (another process such as
  // `ebcm user`, or the model Store or Live of this one) has changed anything in the database
  // since an earlier answer of this object (its own writes may move it or not). Cheap, so a cache
  // of this data can ask several times a second and reload only then.
  virtual Result<int64_t> change_mark() = 0;
};

}  // namespace ebcm::store
