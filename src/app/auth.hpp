// Sign-in and roles: local accounts (argon2id through libsodium), sessions carried by a cookie
// with a CSRF token for writes, API tokens for scripts, and back-off after failed sign-ins.
//
// Contract: secrets (passwords, session ids, API tokens) are only ever held as hashes outside
// the moment they are created; the plaintext of a session id or token is returned exactly once,
// to be handed to the client. No function here logs or returns a hash. Every sign-in, failed or
// not, and every account change is written to the audit trail (store::Accounts).
// Thread safety: all member functions may be called concurrently (one mutex around the store;
// sessions and tokens are checked from an in-memory cache, without SQL, on the hot path; the
// argon2id work of sign_in/add_user/set_password runs outside the mutex). The Accounts object
// given to create() must not be used by anyone else afterwards; `clock` must outlive the Auth.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "store/accounts.hpp"

namespace ebcm::app {

// Who is asking, once authenticated.
struct Principal {
  int64_t user_id = 0;
  std::string user;  // the account name
  store::Role role = store::Role::kViewer;
  std::string person;      // the model person this account is (owners: whose functions), or ""
  bool via_token = false;  // an API token (no CSRF needed) rather than a session cookie
  std::string csrf;        // the session's CSRF token (sessions only)
};

struct SignedIn {
  Principal principal;
  std::string session_id;  // plaintext, for the Set-Cookie header, once
  std::string csrf;        // for the client to send back in X-CSRF-Token on writes
  int64_t expires_ms = 0;
};

struct AuthOptions {
  int64_t session_ttl_ms = 12LL * 3600 * 1000;  // absolute
  int64_t session_idle_ms = 2LL * 3600 * 1000;  // since last use
  int failures_before_lockout = 5;              // then back off: 1 min, doubling, max 1 h
  // argon2id cost (libsodium's crypto_pwhash_OPSLIMIT/MEMLIMIT_INTERACTIVE by default; tests
  // use the minimum, 1 and 8192, to stay fast). Hashes keep their own cost, so changing these
  // affects new passwords only.
  uint64_t pwhash_opslimit = 2;
  size_t pwhash_memlimit = 64u << 20;
  // How often (at most) the caches ask the store whether another process (`ebcm user ...`)
  // changed accounts or tokens, and reload them if so.
  int64_t refresh_ms = 1000;
  // A session's last use / a token's last use is written to the store at most this often.
  int64_t write_back_ms = 60'000;
};

// How long an API token lives unless its maker says otherwise (`ebcm user token`, the API).
inline constexpr std::string_view kDefaultTokenLifetime = "90d";

class Auth {
 public:
  virtual ~Auth() = default;
  // Loads the users, tokens and sessions into the caches (if the store fails here, the next
  // call that needs them tries again and returns the error). Unsaved last-use times are
  // written back when the Auth is destroyed.
  static std::unique_ptr<Auth> create(std::shared_ptr<store::Accounts> accounts, const Clock& clock,
                                      AuthOptions options = {});

  // Checks the password (constant work whether or not the user exists). Wrong password, unknown
  // or disabled user → kInvalidInput "wrong user name or password"; locked out → kConflict
  // saying when to try again (then *retry_at_ms, if given, is that time). Audited either way
  // with `remote`, except a refusal for the client address's back-off (that address's failure
  // which started it is). Back-off, before any password is checked:
  // - an account: AuthOptions::failures_before_lockout failures in a row lock it (in the store)
  //   for 1 min, doubling with each further failure up to 1 h;
  // - a name that is no account: the same, in memory (unknown_name_rule()), with the same answer;
  // - a client address (IPv4, or IPv6 /64): kAddressRule (auth_impl.hpp).
  virtual Result<SignedIn> sign_in(std::string_view user, std::string_view password,
                                   std::string_view remote, int64_t* retry_at_ms = nullptr) = 0;
  virtual void sign_out(std::string_view session_id, std::string_view remote) = 0;

  // Who an API token or a session id (the plaintext a client sends back) belongs to. Invalid,
  // expired, revoked or of a disabled user → an Error (kInvalidInput) saying which; http/
  // answers it 401. Where the credentials come from (headers, cookies) is http/'s business.
  virtual Result<Principal> authenticate_token(std::string_view token) = 0;
  virtual Result<Principal> authenticate_session(std::string_view session_id) = 0;
  // Whether `sent` is the session's CSRF token (compared in constant time; never for "").
  static bool csrf_matches(const Principal& who, std::string_view sent);

  // Accounts (also used by `ebcm user`). User names: [a-z0-9._-]{1,64}; passwords: 12 to 1024
  // characters; person: a model id or "". Bad input → kInvalidInput, unknown user →
  // kNotFound, a taken name → kConflict. `actor` is who does it (an account name, or
  // "cli:<os user>"), `remote` where from; "" for remote means "cli" when the actor starts
  // with "cli:". Every change is audited with the user record before and after (never a hash);
  // asking for what already holds (disabling a disabled user) changes and records nothing.
  // Users and tokens returned here have their hash fields emptied.
  virtual Result<store::User> add_user(std::string_view name, store::Role role,
                                       std::string_view password, std::string_view person,
                                       std::string_view actor, std::string_view remote = "") = 0;
  virtual Result<std::vector<store::User>> users() = 0;
  // Disabling also ends the user's sessions; their tokens stop working until enabled again.
  virtual Result<void> set_disabled(std::string_view name, bool disabled, std::string_view actor,
                                    std::string_view remote = "") = 0;
  // Also clears a lock-out and ends the user's sessions (sign in again with the new password).
  virtual Result<void> set_password(std::string_view name, std::string_view password,
                                    std::string_view actor, std::string_view remote = "") = 0;
  // A new API token for `user`: returns the plaintext once ("ebcm_" + random), stores its hash.
  // expires_ms: a time (Unix ms) after now, or 0 for never.
  virtual Result<std::pair<store::ApiToken, std::string>> create_token(
      std::string_view user, std::string_view name, int64_t expires_ms, std::string_view actor,
      std::string_view remote = "") = 0;
  // The tokens of `user` ("" : of everyone), with revoked ones, by id.
  virtual Result<std::vector<store::ApiToken>> tokens(std::string_view user) = 0;
  virtual Result<void> revoke_token(int64_t token_id, std::string_view actor,
                                    std::string_view remote = "") = 0;

  // The audit trail, through the same lock as everything else (the Accounts object is not
  // shared with other threads): record() appends an entry of another part of ebcm (a model
  // change, ...), with the clock's time when entry.time_ms is 0; audit() reads it.
  virtual Result<store::AuditEntry> record(store::AuditEntry entry) = 0;
  virtual Result<std::vector<store::AuditEntry>> audit(const store::AuditFilter& filter) = 0;
};

// A random password of 20 characters from an unambiguous alphabet (the first admin's).
std::string random_password();

}  // namespace ebcm::app
