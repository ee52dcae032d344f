// The implementation of app::Auth, shared by auth.cpp (the caches, sign-in, authentication)
// and auth_accounts.cpp (account changes, API tokens, the audit trail). Internal to app/auth*:
// include it from nowhere else.
//
// Must hold: the caches hold every unrevoked token and every unexpired session of the store
// (as of the last reload) by the hash of its secret, and every user by id; a secret's
// plaintext is never kept. Thread safety: as Auth; mu_ guards the store and the caches.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/auth.hpp"
#include "app/signin_throttle.hpp"

namespace ebcm::app::auth_detail {

inline constexpr size_t kSecretBytes = 32;
inline constexpr std::string_view kTokenPrefix = "ebcm_";
inline constexpr size_t kMaxCredential = 256;  // a session id or token is 43 or 48 characters
inline constexpr size_t kMinPassword = 12;     // characters
inline constexpr size_t kMaxPassword = 1024;   // characters
inline constexpr size_t kMaxUserName = 64;
inline constexpr size_t kMaxTokenName = 200;
inline constexpr int64_t kLockBaseMs = 60'000;
inline constexpr int64_t kLockMaxMs = 3'600'000;
inline constexpr const char* kWrongCredentials = "wrong user name or password";
// Failed sign-ins from one client address: from the 20th within 15 minutes of each other, its
// sign-ins are refused for 1 s, doubling with each further failure up to 5 min (an office
// behind one NAT address mistyping now and then never gets there). At most 10,000 addresses
// and 10,000 unknown names are remembered (about 1 MB each at most).
inline constexpr BackOffRule kAddressRule{20, 1000, 300'000, 15 * 60'000, 10'000};
BackOffRule unknown_name_rule(const AuthOptions& options);

// auth.cpp
bool sodium_ready();  // sodium_init() once per process
Error sodium_failed();
std::string random_secret();                       // 32 random bytes, URL-safe base64
std::string secret_hash(std::string_view secret);  // BLAKE2b-256, hex
bool valid_user_name(std::string_view name);
Error invalid_credentials(std::string message);

// auth_accounts.cpp
Result<void> check_user_name(std::string_view name);
Result<void> check_password(std::string_view password);
// The records as the audit trail shows them: never a hash, nor the lock-out counters.
std::string user_json(const store::User& u);
std::string token_json(const store::ApiToken& t);
// What may leave app/auth: the hash fields emptied.
store::User without_secrets(store::User u);
store::ApiToken without_secrets(store::ApiToken t);

class AuthImpl final : public Auth {
 public:
  AuthImpl(std::shared_ptr<store::Accounts> accounts, const Clock& clock, AuthOptions options)
      : accounts_(std::move(accounts)),
        clock_(clock),
        options_(options),
        unknown_names_(unknown_name_rule(options)) {
    std::lock_guard lock(mu_);
    (void)load_locked();  // a failure is tried again (and reported) by the next call
  }

  ~AuthImpl() override {
    std::lock_guard lock(mu_);
    flush_locked();
  }
  AuthImpl(const AuthImpl&) = delete;
  AuthImpl& operator=(const AuthImpl&) = delete;

  Result<SignedIn> sign_in(std::string_view name, std::string_view password,
                           std::string_view remote, int64_t* retry_at_ms) override;
  void sign_out(std::string_view session_id, std::string_view remote) override;
  Result<Principal> authenticate_token(std::string_view token) override;
  Result<Principal> authenticate_session(std::string_view session_id) override;

  Result<store::User> add_user(std::string_view name, store::Role role, std::string_view password,
                               std::string_view person, std::string_view actor,
                               std::string_view remote) override;
  Result<std::vector<store::User>> users() override;
  Result<void> set_disabled(std::string_view name, bool disabled, std::string_view actor,
                            std::string_view remote) override;
  Result<void> set_password(std::string_view name, std::string_view password,
                            std::string_view actor, std::string_view remote) override;
  Result<std::pair<store::ApiToken, std::string>> create_token(std::string_view user,
                                                               std::string_view name,
                                                               int64_t expires_ms,
                                                               std::string_view actor,
                                                               std::string_view remote) override;
  Result<std::vector<store::ApiToken>> tokens(std::string_view user) override;
  Result<void> revoke_token(int64_t token_id, std::string_view actor,
                            std::string_view remote) override;
  Result<store::AuditEntry> record(store::AuditEntry entry) override;
  Result<std::vector<store::AuditEntry>> audit(const store::AuditFilter& filter) override;

 private:
  // What authenticate() needs of a user, so it runs no SQL.
  struct CachedUser {
    std::string name;
    store::Role role = store::Role::kViewer;
    std::string person;
    bool disabled = false;
  };
  struct CachedSession {
    store::Session session;
    int64_t written_ms = 0;  // the last_seen_ms the store has
  };
  struct CachedToken {
    store::ApiToken token;
    int64_t written_ms = 0;  // the last_used_ms the store has
  };

  // argon2id, outside the mutex (it takes a tenth of a second or more by design).
  Result<std::string> hash_password(std::string_view password) const;
  const std::string& dummy_hash();

  Result<void> load_locked();
  Result<void> reload_locked();
  Result<void> refresh_locked(int64_t now);
  void flush_locked();
  Result<store::User> find_user_locked(std::string_view name);
  // Whether `actor` may act on `owner`'s tokens: the owner themself, an enabled admin, or the
  // machine's operator ("cli:<os user>", "serve:..."). The check below the router's, so that a
  // route that lets a request through by mistake still cannot mint another account's token.
  Result<void> may_act_for_locked(std::string_view actor, const store::User& owner);
  void cache_user_locked(const store::User& u);
  int end_sessions_locked(int64_t user_id);
  Result<void> audit_locked(std::string_view action, std::string_view actor,
                            std::string_view remote, std::string target, std::string before,
                            std::string after, std::string detail);

  // Constant after construction.
  const std::shared_ptr<store::Accounts> accounts_;
  const Clock& clock_;
  const AuthOptions options_;
  std::once_flag dummy_once_;
  std::string dummy_hash_;  // written once under dummy_once_

  std::mutex mu_;
  // Protected by mu_: the store and everything below.
  bool loaded_ = false;
  int64_t data_version_ = 0;
  int64_t checked_ms_ = 0;
  std::unordered_map<int64_t, CachedUser> users_;            // by user id
  std::unordered_map<std::string, CachedSession> sessions_;  // by hash of the session id
  std::unordered_map<std::string, CachedToken> tokens_;      // by hash; unrevoked ones only
  BackOff by_address_{kAddressRule};                         // by client_key(remote)
  BackOff unknown_names_;                                    // names tried that are no account
};

}  // namespace ebcm::app::auth_detail
