// Auth's account side: adding and changing accounts, API tokens, and the audit trail, each
// change recorded with the record before and after (never a hash).

#include <algorithm>

#include "core/strings.hpp"
#include "core/utf8.hpp"
#include "app/auth_impl.hpp"

namespace ebcm::app::auth_detail {

namespace {

size_t utf8_length(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

}  // namespace

Result<void> check_user_name(std::string_view name) {
  if (valid_user_name(name)) return {};
  return make_error(ErrorCode::kInvalidInput,
                    "user name '" + std::string(name) +
                        "' is not valid: use 1 to 64 of a-z, 0-9, '.', '_' and '-'");
}

Result<void> check_password(std::string_view password) {
  const size_t n = utf8_length(password);
  if (n < kMinPassword) {
    return make_error(ErrorCode::kInvalidInput, "the password is too short (" + std::to_string(n) +
                                                    " characters); use at least " +
                                                    std::to_string(kMinPassword));
  }
  if (n > kMaxPassword) {
    return make_error(ErrorCode::kInvalidInput, "the password is too long; use at most " +
                                                    std::to_string(kMaxPassword) + " characters");
  }
  return {};
}

// The user record as the audit trail shows it: never the hash, nor the lock-out counters.
std::string user_json(const store::User& u) {
  return "{\"name\":" + json_quote(u.name) + ",\"role\":" + json_quote(store::to_string(u.role)) +
         ",\"person\":" + json_quote(u.person) +
         ",\"disabled\":" + (u.disabled ? "true" : "false") + "}";
}

std::string token_json(const store::ApiToken& t) {
  return "{\"id\":" + std::to_string(t.id) + ",\"user\":" + json_quote(t.user) +
         ",\"name\":" + json_quote(t.name) + ",\"expires\":" +
         (t.expires_ms == 0 ? std::string("null") : json_quote(format_utc(t.expires_ms))) +
         ",\"revoked\":" + (t.revoked ? "true" : "false") + "}";
}

store::User without_secrets(store::User u) {
  u.password_hash.clear();
  return u;
}
store::ApiToken without_secrets(store::ApiToken t) {
  t.hash.clear();
  return t;
}

// ---- accounts -----------------------------------------------------------------------------

Result<store::User> AuthImpl::add_user(std::string_view name, store::Role role,
                                       std::string_view password, std::string_view person,
                                       std::string_view actor, std::string_view remote) {
  if (auto r = check_user_name(name); !r) return r.error();
  if (auto r = check_password(password); !r) return r.error();
  if (!person.empty() && !is_valid_id(person)) {
    return make_error(ErrorCode::kInvalidInput,
                      "person '" + std::string(person) + "' is not a valid model id");
  }
  Result<std::string> hash = hash_password(password);
  if (!hash) return hash.error();
  std::lock_guard lock(mu_);
  store::User u;
  u.name = name;
  u.role = role;
  u.person = person;
  u.created_ms = clock_.now_ms();
  u.password_hash = std::move(*hash);
  Result<store::User> added = accounts_->add_user(u);
  if (!added) return added.error();
  cache_user_locked(*added);
  if (auto r =
          audit_locked("user_add", actor, remote, "user/" + added->name, "", user_json(*added), "");
      !r) {
    return r.error();
  }
  return without_secrets(std::move(*added));
}

Result<std::vector<store::User>> AuthImpl::users() {
  std::lock_guard lock(mu_);
  Result<std::vector<store::User>> users = accounts_->users();
  if (!users) return users.error();
  for (store::User& u : *users) u = without_secrets(std::move(u));
  return users;
}

Result<void> AuthImpl::set_disabled(std::string_view name, bool disabled, std::string_view actor,
                                    std::string_view remote) {
  std::lock_guard lock(mu_);
  Result<store::User> u = find_user_locked(name);
  if (!u) return u.error();
  if (u->disabled == disabled) return {};
  const std::string before = user_json(*u);
  u->disabled = disabled;
  if (auto r = accounts_->update_user(*u); !r) return r;
  cache_user_locked(*u);
  std::string detail;
  if (disabled) {
    const int ended = end_sessions_locked(u->id);
    if (ended > 0) detail = "ended " + std::to_string(ended) + " session(s)";
  }
  return audit_locked(disabled ? "user_disable" : "user_enable", actor, remote, "user/" + u->name,
                      before, user_json(*u), std::move(detail));
}

Result<void> AuthImpl::set_password(std::string_view name, std::string_view password,
                                    std::string_view actor, std::string_view remote) {
  if (auto r = check_password(password); !r) return r;
  {
    // Before the expensive hash: is there such a user at all?
    std::lock_guard lock(mu_);
    if (Result<store::User> u = find_user_locked(name); !u) return u.error();
  }
  Result<std::string> hash = hash_password(password);
  if (!hash) return hash.error();
  std::lock_guard lock(mu_);
  Result<store::User> u = find_user_locked(name);
  if (!u) return u.error();
  u->password_hash = std::move(*hash);
  u->failed_signins = 0;
  u->locked_until_ms = 0;
  if (auto r = accounts_->update_user(*u); !r) return r;
  const int ended = end_sessions_locked(u->id);
  const std::string record = user_json(*u);
  return audit_locked("password_set", actor, remote, "user/" + u->name, record, record,
                      "password changed; ended " + std::to_string(ended) + " session(s)");
}

Result<std::pair<store::ApiToken, std::string>> AuthImpl::create_token(std::string_view user,
                                                                       std::string_view name,
                                                                       int64_t expires_ms,
                                                                       std::string_view actor,
                                                                       std::string_view remote) {
  if (!sodium_ready()) return sodium_failed();
  if (name.size() > kMaxTokenName) {
    return make_error(ErrorCode::kInvalidInput, "the token's name is longer than " +
                                                    std::to_string(kMaxTokenName) + " bytes");
  }
  const int64_t now = clock_.now_ms();
  if (expires_ms != 0 && expires_ms <= now) {
    return make_error(
        ErrorCode::kInvalidInput,
        "the token would expire at " + format_utc(expires_ms) + ", which is not in the future");
  }
  std::lock_guard lock(mu_);
  Result<store::User> u = find_user_locked(user);
  if (!u) return u.error();
  if (auto may = may_act_for_locked(actor, *u); !may) return may.error();
  if (u->disabled) {
    return make_error(ErrorCode::kInvalidInput,
                      "the account '" + u->name + "' is disabled; enable it first");
  }
  std::string plaintext = std::string(kTokenPrefix) + random_secret();
  store::ApiToken t;
  t.user_id = u->id;
  t.user = u->name;
  t.name = name;
  t.hash = secret_hash(plaintext);
  t.created_ms = now;
  t.expires_ms = expires_ms;
  Result<store::ApiToken> added = accounts_->add_token(t);
  if (!added) return added.error();
  added->user = u->name;
  if (auto r = audit_locked("token_create", actor, remote, "token/" + std::to_string(added->id), "",
                            token_json(*added), "for user/" + u->name);
      !r) {
    return r.error();
  }
  std::string key = added->hash;
  tokens_.emplace(std::move(key), CachedToken{*added, 0});
  return std::pair(without_secrets(std::move(*added)), std::move(plaintext));
}

Result<std::vector<store::ApiToken>> AuthImpl::tokens(std::string_view user) {
  std::lock_guard lock(mu_);
  if (!user.empty()) {
    if (Result<store::User> u = find_user_locked(user); !u) return u.error();
  }
  Result<std::vector<store::ApiToken>> all = accounts_->tokens();
  if (!all) return all.error();
  std::vector<store::ApiToken> out;
  for (store::ApiToken& t : *all) {
    if (!user.empty() && t.user != user) continue;
    // The cache knows of uses not yet written.
    if (auto it = tokens_.find(t.hash); it != tokens_.end()) {
      t.last_used_ms = std::max(t.last_used_ms, it->second.token.last_used_ms);
    }
    out.push_back(without_secrets(std::move(t)));
  }
  return out;
}

Result<void> AuthImpl::revoke_token(int64_t token_id, std::string_view actor,
                                    std::string_view remote) {
  std::lock_guard lock(mu_);
  Result<std::vector<store::ApiToken>> all = accounts_->tokens();
  if (!all) return all.error();
  auto t = std::find_if(all->begin(), all->end(),
                        [&](const store::ApiToken& x) { return x.id == token_id; });
  if (t == all->end()) {
    return make_error(ErrorCode::kNotFound, "there is no API token " + std::to_string(token_id));
  }
  {
    Result<store::User> owner = find_user_locked(t->user);
    if (!owner) return owner.error();
    if (auto may = may_act_for_locked(actor, *owner); !may) return may;
  }
  if (t->revoked) return {};
  const std::string before = token_json(*t);
  t->revoked = true;
  if (auto it = tokens_.find(t->hash); it != tokens_.end()) {
    t->last_used_ms = std::max(t->last_used_ms, it->second.token.last_used_ms);
    tokens_.erase(it);
  }
  if (auto r = accounts_->update_token(*t); !r) return r;
  return audit_locked("token_revoke", actor, remote, "token/" + std::to_string(t->id), before,
                      token_json(*t), "of user/" + t->user);
}

Result<void> AuthImpl::may_act_for_locked(std::string_view actor, const store::User& owner) {
  if (actor.starts_with("cli:") || actor.starts_with("serve:")) return {};
  if (actor == owner.name && !owner.disabled) return {};
  Result<std::optional<store::User>> a = accounts_->user(actor);
  if (!a) return a.error();
  if (*a && (*a)->role == store::Role::kAdmin && !(*a)->disabled) return {};
  return make_error(ErrorCode::kForbidden,
                    "only an admin may act on the tokens of another account ('" + owner.name +
                        "')");
}

Result<store::AuditEntry> AuthImpl::record(store::AuditEntry entry) {
  std::lock_guard lock(mu_);
  if (entry.time_ms == 0) entry.time_ms = clock_.now_ms();
  return accounts_->append(std::move(entry));
}

Result<std::vector<store::AuditEntry>> AuthImpl::audit(const store::AuditFilter& filter) {
  std::lock_guard lock(mu_);
  return accounts_->audit(filter);
}

}  // namespace ebcm::app::auth_detail
