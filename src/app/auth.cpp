// Auth: argon2id passwords, sessions and API tokens checked from memory, lock-out with
// back-off. Account changes and tokens are in auth_accounts.cpp.
//
// Secrets: a session id or API token is 32 random bytes in URL-safe base64 (tokens prefixed
// "ebcm_"); the store and the caches hold only BLAKE2b-256 of it in hex. A hash lookup in a
// map needs no constant-time comparison (the attacker does not know the stored hashes, and
// learning how a guess's hash compares with them does not help find a preimage); the CSRF
// token, compared with a value the client sends, is compared in constant time.

#include "app/auth.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "core/strings.hpp"
#include "core/utf8.hpp"
#include "app/auth_impl.hpp"

namespace ebcm::app {

namespace auth_detail {

static_assert(crypto_pwhash_OPSLIMIT_INTERACTIVE == 2, "AuthOptions' default opslimit");
static_assert(crypto_pwhash_MEMLIMIT_INTERACTIVE == (64u << 20), "AuthOptions' default memlimit");

// sodium_init() once per process (libsodium allows more, but once is enough).
bool sodium_ready() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

Error sodium_failed() { return make_error(ErrorCode::kInternal, "libsodium failed to start"); }

std::string random_secret() {
  unsigned char bytes[kSecretBytes];
  randombytes_buf(bytes, sizeof bytes);
  char text[sodium_base64_ENCODED_LEN(kSecretBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, bytes, sizeof bytes,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(bytes, sizeof bytes);
  return text;
}

// BLAKE2b-256 of a session id or token, in hex: what the store and the caches keep.
std::string secret_hash(std::string_view secret) {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  char hex[2 * sizeof digest + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

namespace {

bool equal_constant_time(std::string_view a, std::string_view b) {
  // The length of a CSRF token is public; only its bytes are compared in constant time.
  if (a.size() != b.size() || a.empty()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

bool valid_user_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxUserName) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

Error invalid_credentials(std::string message) {
  return make_error(ErrorCode::kInvalidInput, std::move(message));
}

Result<std::string> AuthImpl::hash_password(std::string_view password) const {
  if (!sodium_ready()) return sodium_failed();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), options_.pwhash_opslimit,
                        options_.pwhash_memlimit) != 0) {
    return make_error(ErrorCode::kInternal, "argon2id failed (out of memory?)");
  }
  return std::string(out);
}

// A hash of a random password, verified against when the user does not exist, so that a
// sign-in takes as long whether the name is known or not.
const std::string& AuthImpl::dummy_hash() {
  std::call_once(dummy_once_, [this] {
    Result<std::string> h = hash_password(random_password());
    dummy_hash_ = h ? *h : std::string();
  });
  return dummy_hash_;
}

// Reads users, tokens and sessions, keeping what only the cache knows (uses not yet written).
// A token or session gone from the store (revoked, or ended by `ebcm user` in another process)
// leaves the cache; an expired session is deleted.
Result<void> AuthImpl::reload_locked() {
  Result<std::vector<store::User>> users = accounts_->users();
  if (!users) return users.error();
  Result<std::vector<store::ApiToken>> tokens = accounts_->tokens();
  if (!tokens) return tokens.error();
  Result<std::vector<store::Session>> sessions = accounts_->sessions();
  if (!sessions) return sessions.error();
  const int64_t now = clock_.now_ms();

  users_.clear();
  for (const store::User& u : *users) cache_user_locked(u);

  std::unordered_map<std::string, CachedToken> fresh_tokens;
  for (store::ApiToken& t : *tokens) {
    if (t.revoked) continue;
    CachedToken entry{t, t.last_used_ms};
    if (auto old = tokens_.find(t.hash); old != tokens_.end()) {
      entry.token.last_used_ms = std::max(t.last_used_ms, old->second.token.last_used_ms);
    }
    std::string hash = entry.token.hash;
    fresh_tokens.emplace(std::move(hash), std::move(entry));
  }
  tokens_ = std::move(fresh_tokens);

  std::unordered_map<std::string, CachedSession> fresh_sessions;
  for (store::Session& s : *sessions) {
    int64_t seen = s.last_seen_ms;
    if (auto old = sessions_.find(s.hash); old != sessions_.end()) {
      seen = std::max(seen, old->second.session.last_seen_ms);
    }
    if (now >= s.expires_ms || now - seen >= options_.session_idle_ms) {
      (void)accounts_->delete_session(s.hash);  // tried again at the next reload if it fails
      continue;
    }
    const int64_t written = s.last_seen_ms;
    s.last_seen_ms = seen;
    std::string hash = s.hash;
    fresh_sessions.emplace(std::move(hash), CachedSession{std::move(s), written});
  }
  sessions_ = std::move(fresh_sessions);
  return {};
}

Result<void> AuthImpl::load_locked() {
  Result<int64_t> version = accounts_->change_mark();
  if (!version) return version.error();
  if (auto r = reload_locked(); !r) return r;
  data_version_ = *version;
  checked_ms_ = clock_.now_ms();
  loaded_ = true;
  return {};
}

// Accounts, tokens and sessions may also change through `ebcm user` in another process, which
// data_version notices; this process's own writes do not change it.
Result<void> AuthImpl::refresh_locked(int64_t now) {
  if (!loaded_) return load_locked();
  if (now - checked_ms_ < options_.refresh_ms && now >= checked_ms_) return {};
  checked_ms_ = now;
  Result<int64_t> version = accounts_->change_mark();
  // A busy or failing store does not stop sign-ins that the cache can answer.
  if (!version || *version == data_version_) return {};
  if (auto r = reload_locked(); r) data_version_ = *version;
  return {};
}

void AuthImpl::flush_locked() {
  for (auto& [hash, entry] : sessions_) {
    if (entry.session.last_seen_ms > entry.written_ms && accounts_->put_session(entry.session)) {
      entry.written_ms = entry.session.last_seen_ms;
    }
  }
  for (auto& [hash, entry] : tokens_) {
    if (entry.token.last_used_ms > entry.written_ms && accounts_->update_token(entry.token)) {
      entry.written_ms = entry.token.last_used_ms;
    }
  }
}

void AuthImpl::cache_user_locked(const store::User& u) {
  users_[u.id] = CachedUser{u.name, u.role, u.person, u.disabled};
}

Result<store::User> AuthImpl::find_user_locked(std::string_view name) {
  Result<std::optional<store::User>> u = accounts_->user(name);
  if (!u) return u.error();
  if (!*u) {
    return make_error(ErrorCode::kNotFound, "there is no user named '" + std::string(name) + "'");
  }
  return std::move(**u);
}

// In the store too, for sessions another process made that this cache has not seen.
int AuthImpl::end_sessions_locked(int64_t user_id) {
  std::set<std::string> ended;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.session.user_id == user_id) {
      ended.insert(it->first);
      it = sessions_.erase(it);
    } else {
      ++it;
    }
  }
  if (Result<std::vector<store::Session>> stored = accounts_->sessions(); stored) {
    for (const store::Session& s : *stored) {
      if (s.user_id == user_id) ended.insert(s.hash);
    }
  }
  for (const std::string& hash : ended) {
    // A failed delete (a failing store) leaves a row the next reload would bring back; it
    // still expires by itself.
    (void)accounts_->delete_session(hash);
  }
  return static_cast<int>(ended.size());
}

Result<void> AuthImpl::audit_locked(std::string_view action, std::string_view actor,
                                    std::string_view remote, std::string target, std::string before,
                                    std::string after, std::string detail) {
  store::AuditEntry e;
  e.time_ms = clock_.now_ms();
  e.actor = actor;
  e.remote = !remote.empty()             ? std::string(remote)
             : actor.starts_with("cli:") ? std::string("cli")
                                         : std::string();
  e.action = action;
  e.target = std::move(target);
  e.before = std::move(before);
  e.after = std::move(after);
  e.detail = std::move(detail);
  Result<store::AuditEntry> r = accounts_->append(std::move(e));
  if (!r) return r.error();
  return {};
}

// ---- sign-in ------------------------------------------------------------------------------

BackOffRule unknown_name_rule(const AuthOptions& options) {
  return {options.failures_before_lockout, kLockBaseMs, kLockMaxMs, 0, 10'000};
}

Result<SignedIn> AuthImpl::sign_in(std::string_view name, std::string_view password,
                                   std::string_view remote, int64_t* retry_at_ms) {
  if (!sodium_ready()) return sodium_failed();
  // What a failed attempt records of the name tried: bounded, as it is anyone's input.
  // (Cut at a byte count, then repaired: the audit trail holds only UTF-8.)
  const std::string tried = repair_utf8(name.substr(0, kMaxUserName));
  const std::string target = "user/" + tried;
  const std::string address = client_key(remote);
  auto refuse = [&](int64_t until, std::string message) -> Error {
    if (retry_at_ms) *retry_at_ms = until;
    return make_error(ErrorCode::kConflict, std::move(message));
  };

  std::optional<store::User> user;
  {
    std::lock_guard lock(mu_);
    if (auto r = refresh_locked(clock_.now_ms()); !r) return r.error();
    const int64_t now = clock_.now_ms();
    // Not audited one by one: the address's failure that started the back-off was, and an
    // attacker could otherwise make every refusal cost a write.
    if (const int64_t until = by_address_.refused_until(address, now)) {
      return refuse(until, "too many failed sign-ins from this address; try again after " +
                               format_utc(until));
    }
    if (valid_user_name(name)) {
      Result<std::optional<store::User>> found = accounts_->user(name);
      if (!found) return found.error();
      user = std::move(*found);
    }
    // A name that is no account backs off like one, so the answer does not tell them apart.
    const int64_t locked_until =
        user ? user->locked_until_ms : unknown_names_.refused_until(tried, now);
    if (locked_until > now) {
      const std::string until = format_utc(locked_until);
      if (auto r = audit_locked("sign_in_failed", tried, remote, target, "", "",
                                "locked out until " + until);
          !r) {
        return r.error();
      }
      return refuse(locked_until,
                    "too many failed sign-ins for '" + tried + "'; try again after " + until);
    }
  }

  // The expensive part, outside the lock; the same work whether or not the user exists.
  const std::string& hash = user ? user->password_hash : dummy_hash();
  const bool match = password.size() <= 4 * kMaxPassword &&
                     crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;

  std::lock_guard lock(mu_);
  const int64_t now = clock_.now_ms();
  // Every failure below counts for the address; what it adds to the audit entry's detail.
  auto count_address = [&]() -> std::string {
    const BackOff::Counted c = by_address_.failure(address, now);
    if (c.refused_until == 0) return "";
    return "; " + std::to_string(c.failures) + " failures from " + address +
           ", its sign-ins refused until " + format_utc(c.refused_until);
  };
  if (!user) {
    std::string detail = "no such user";
    if (const BackOff::Counted c = unknown_names_.failure(tried, now); c.refused_until != 0) {
      detail += "; " + std::to_string(c.failures) + " failures in a row, locked until " +
                format_utc(c.refused_until);
    }
    detail += count_address();
    if (auto r = audit_locked("sign_in_failed", tried, remote, target, "", "", detail); !r) {
      return r.error();
    }
    return invalid_credentials(kWrongCredentials);
  }
  // Read again: another sign-in may have counted a failure meanwhile.
  Result<std::optional<store::User>> fresh = accounts_->user_by_id(user->id);
  if (!fresh) return fresh.error();
  if (!*fresh) return invalid_credentials(kWrongCredentials);
  store::User u = std::move(**fresh);

  if (!match || u.disabled) {
    std::string detail = u.disabled ? "the account is disabled" : "wrong password";
    detail += count_address();
    if (!match) {
      ++u.failed_signins;
      if (u.failed_signins >= options_.failures_before_lockout) {
        const int doublings = std::min(u.failed_signins - options_.failures_before_lockout, 6);
        u.locked_until_ms = now + std::min(kLockBaseMs << doublings, kLockMaxMs);
        detail += "; " + std::to_string(u.failed_signins) + " failures in a row, locked until " +
                  format_utc(u.locked_until_ms);
      }
      if (auto r = accounts_->update_user(u); !r) return r.error();
    }
    if (auto r = audit_locked("sign_in_failed", u.name, remote, target, "", "", detail); !r) {
      return r.error();
    }
    return invalid_credentials(kWrongCredentials);
  }

  if (u.failed_signins != 0 || u.locked_until_ms != 0) {
    u.failed_signins = 0;
    u.locked_until_ms = 0;
    if (auto r = accounts_->update_user(u); !r) return r.error();
  }
  const std::string session_id = random_secret();
  store::Session s;
  s.hash = secret_hash(session_id);
  s.user_id = u.id;
  s.csrf = random_secret();
  s.created_ms = now;
  s.expires_ms = now + options_.session_ttl_ms;
  s.last_seen_ms = now;
  s.remote = remote;
  if (auto r = accounts_->put_session(s); !r) return r.error();
  if (auto r = audit_locked("sign_in", u.name, remote, target, "", "",
                            "signed in; the session ends by " + format_utc(s.expires_ms));
      !r) {
    (void)accounts_->delete_session(s.hash);
    return r.error();
  }
  cache_user_locked(u);
  SignedIn out;
  out.principal = Principal{u.id, u.name, u.role, u.person, false, s.csrf};
  out.session_id = session_id;
  out.csrf = s.csrf;
  out.expires_ms = s.expires_ms;
  std::string key = s.hash;
  sessions_.emplace(std::move(key), CachedSession{std::move(s), now});
  return out;
}

void AuthImpl::sign_out(std::string_view session_id, std::string_view remote) {
  if (session_id.empty() || session_id.size() > kMaxCredential || !sodium_ready()) return;
  const std::string hash = secret_hash(session_id);
  std::lock_guard lock(mu_);
  auto it = sessions_.find(hash);
  if (it == sessions_.end()) return;
  const int64_t user_id = it->second.session.user_id;
  sessions_.erase(it);
  (void)accounts_->delete_session(hash);
  auto u = users_.find(user_id);
  const std::string name = u != users_.end() ? u->second.name : std::string();
  (void)audit_locked("sign_out", name, remote, "user/" + name, "", "", "signed out");
}

// ---- authenticate -------------------------------------------------------------------------

Result<Principal> AuthImpl::authenticate_token(std::string_view token) {
  if (!token.starts_with(kTokenPrefix) || token.size() > kMaxCredential) {
    return invalid_credentials("the API token is not valid");
  }
  if (!sodium_ready()) return sodium_failed();
  const std::string hash = secret_hash(token);
  const int64_t now = clock_.now_ms();
  std::lock_guard lock(mu_);
  if (auto r = refresh_locked(now); !r) return r.error();
  auto it = tokens_.find(hash);
  if (it == tokens_.end()) return invalid_credentials("the API token is not valid or was revoked");
  store::ApiToken& t = it->second.token;
  if (t.expires_ms != 0 && now >= t.expires_ms) {
    return invalid_credentials("the API token expired at " + format_utc(t.expires_ms));
  }
  auto u = users_.find(t.user_id);
  if (u == users_.end() || u->second.disabled) {
    return invalid_credentials("the account '" + t.user + "' is disabled");
  }
  t.last_used_ms = now;
  if (now - it->second.written_ms >= options_.write_back_ms && accounts_->update_token(t)) {
    it->second.written_ms = now;
  }
  return Principal{t.user_id, u->second.name, u->second.role, u->second.person, true, ""};
}

Result<Principal> AuthImpl::authenticate_session(std::string_view session_id) {
  if (session_id.size() > kMaxCredential) return invalid_credentials("the session is not valid");
  if (!sodium_ready()) return sodium_failed();
  const std::string hash = secret_hash(session_id);
  const int64_t now = clock_.now_ms();
  std::lock_guard lock(mu_);
  if (auto r = refresh_locked(now); !r) return r.error();
  auto it = sessions_.find(hash);
  if (it == sessions_.end()) {
    return invalid_credentials("the session is not valid (signed out or expired); sign in again");
  }
  store::Session& s = it->second.session;
  if (now >= s.expires_ms || now - s.last_seen_ms >= options_.session_idle_ms) {
    (void)accounts_->delete_session(hash);
    sessions_.erase(it);
    return invalid_credentials("the session has expired; sign in again");
  }
  auto u = users_.find(s.user_id);
  if (u == users_.end() || u->second.disabled) {
    (void)accounts_->delete_session(hash);
    sessions_.erase(it);
    return invalid_credentials("the account is disabled");
  }
  s.last_seen_ms = now;
  if (now - it->second.written_ms >= options_.write_back_ms && accounts_->put_session(s)) {
    it->second.written_ms = now;
  }
  return Principal{s.user_id, u->second.name, u->second.role, u->second.person, false, s.csrf};
}

}  // namespace auth_detail

using auth_detail::AuthImpl;
using auth_detail::sodium_ready;

std::unique_ptr<Auth> Auth::create(std::shared_ptr<store::Accounts> accounts, const Clock& clock,
                                   AuthOptions options) {
  (void)sodium_ready();
  return std::make_unique<AuthImpl>(std::move(accounts), clock, options);
}

bool Auth::csrf_matches(const Principal& who, std::string_view sent) {
  return !who.csrf.empty() && auth_detail::equal_constant_time(sent, who.csrf);
}

std::string random_password() {
  // No 0/O/o, 1/l/I: read aloud or copied from a screen without mistakes. 55 symbols, 20 of
  // them: about 115 bits.
  static constexpr std::string_view kAlphabet =
      "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
  if (!sodium_ready()) std::abort();  // no randomness: nothing safe to return
  std::string out;
  out.reserve(20);
  for (int i = 0; i < 20; ++i) {
    out += kAlphabet[randombytes_uniform(static_cast<uint32_t>(kAlphabet.size()))];
  }
  return out;
}

}  // namespace ebcm::app
