// Sign-in, accounts, API tokens and the audit trail over HTTP.
#include <fmt/format.h>

#include <charconv>

#include "core/clock.hpp"
#include "http/api_util.hpp"
#include "http/app.hpp"
#include "http/status_page.hpp"

namespace ebcm::http {
namespace {

json::object user_json(const store::User& u) {
  return json::object{{"name", u.name},
                      {"role", store::to_string(u.role)},
                      {"person", u.person},
                      {"disabled", u.disabled},
                      {"created", format_utc(u.created_ms)}};
}

json::object token_json(const store::ApiToken& t) {
  return json::object{
      {"id", t.id},
      {"user", t.user},
      {"name", t.name},
      {"created", format_utc(t.created_ms)},
      {"expires", t.expires_ms ? json::value(format_utc(t.expires_ms)) : json::value(nullptr)},
      {"revoked", t.revoked},
      {"last_used",
       t.last_used_ms ? json::value(format_utc(t.last_used_ms)) : json::value(nullptr)}};
}

Result<std::string> string_field(const json::value& body, const char* key, bool required) {
  if (!body.is_object()) return make_error(ErrorCode::kInvalidInput, "expected a JSON object");
  auto it = body.as_object().find(key);
  if (it == body.as_object().end() || it->value().is_null()) {
    if (required)
      return make_error(ErrorCode::kInvalidInput, fmt::format("\"{}\" is missing", key));
    return std::string();
  }
  if (!it->value().is_string()) {
    return make_error(ErrorCode::kInvalidInput, fmt::format("\"{}\": expected a string", key));
  }
  return std::string(it->value().as_string());
}

std::string session_cookie(const Request& req, std::string_view value, int64_t max_age_s) {
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kSessionCookie,
                     value, max_age_s, req.tls ? "; Secure" : "");
}

Response sign_in(App& app, const Context& ctx) {
  const auto& body = ctx.json_body();
  if (!body) return error_response(body.error());
  auto user = string_field(*body, "user", true);
  if (!user) return error_response(user.error());
  auto password = string_field(*body, "password", true);
  if (!password) return error_response(password.error());
  int64_t retry_at_ms = 0;
  auto in = app.auth()->sign_in(*user, *password, ctx.request.remote, &retry_at_ms);
  if (!in) {
    // Wrong credentials 401, a lock-out 429; anything else is the store's trouble (concealed).
    if (in.error().code == ErrorCode::kConflict && retry_at_ms != 0) {
      Response r = error_response(429, "locked_out", in.error().message);
      const int64_t wait_ms = std::max<int64_t>(0, retry_at_ms - app.clock().now_ms());
      r.set("Retry-After", std::to_string((wait_ms + 999) / 1000));
      return r;
    }
    if (in.error().code != ErrorCode::kInvalidInput) return error_response(in.error());
    return error_response(401, "unauthenticated", in.error().message);
  }
  const int64_t max_age = std::max<int64_t>(0, (in->expires_ms - app.clock().now_ms()) / 1000);
  json::object o = {{"user", in->principal.user},
                    {"role", store::to_string(in->principal.role)},
                    {"person", in->principal.person},
                    {"csrf", in->csrf},
                    {"expires", format_utc(in->expires_ms)}};
  Response r = json_response(200, json::serialize(o));
  r.set("Set-Cookie", session_cookie(ctx.request, in->session_id, max_age));
  r.set("Cache-Control", "no-store");
  return r;
}

Response who_am_i(const Context& ctx) {
  const auto& w = *ctx.who;
  json::object o{{"user", w.user},
                 {"role", store::to_string(w.role)},
                 {"person", w.person},
                 {"via", w.via_token ? "token" : "session"}};
  if (!w.via_token) o["csrf"] = w.csrf;
  Response r = json_response(200, json::serialize(o));
  r.set("Cache-Control", "no-store");
  return r;
}

Response sign_out(App& app, const Context& ctx) {
  if (auto sid = ctx.request.cookie(kSessionCookie)) app.auth()->sign_out(*sid, ctx.request.remote);
  Response r;
  r.status = 204;
  r.set("Set-Cookie", session_cookie(ctx.request, "", 0));
  return r;
}

Response list_users(App& app) {
  auto users = app.auth()->users();
  if (!users) return error_response(users.error());
  json::array list;
  for (const auto& u : *users) list.push_back(user_json(u));
  return json_response(200, json::serialize(list));
}

Response add_user(App& app, const Context& ctx) {
  const auto& body = ctx.json_body();
  if (!body) return error_response(body.error());
  auto name = string_field(*body, "name", true);
  auto role_text = string_field(*body, "role", true);
  auto password = string_field(*body, "password", true);
  auto person = string_field(*body, "person", false);
  for (const auto* r : {&name, &role_text, &password, &person})
    if (!*r) return error_response(r->error());
  auto role = store::parse_role(*role_text);
  if (!role) {
    return error_response(400, "invalid_input",
                          fmt::format("role '{}': expected admin, coordinator, owner, responder "
                                      "or viewer",
                                      *role_text));
  }
  if (!person->empty() && !app.snapshot()->find(model::EntityKind::kPerson, *person)) {
    return error_response(400, "invalid_input",
                          fmt::format("person '{}' is not in the model", *person));
  }
  auto u = app.auth()->add_user(*name, *role, *password, *person, ctx.actor(), ctx.request.remote);
  if (!u) return error_response(u.error());
  Response r = json_response(201, json::serialize(user_json(*u)));
  r.set("Location", "/api/v1/users/" + u->name);
  return r;
}

Response change_user(App& app, const Context& ctx) {
  const auto& body = ctx.json_body();
  if (!body) return error_response(body.error());
  if (!body->is_object()) return error_response(400, "invalid_input", "expected a JSON object");
  const std::string name(ctx.param("name"));
  for (const auto& [k, v] : body->as_object()) {
    if (k == "disabled") {
      if (!v.is_bool())
        return error_response(400, "invalid_input", "\"disabled\": expected true or false");
      if (auto r = app.auth()->set_disabled(name, v.as_bool(), ctx.actor(), ctx.request.remote); !r)
        return error_response(r.error());
    } else if (k == "password") {
      if (!v.is_string())
        return error_response(400, "invalid_input", "\"password\": expected a string");
      if (auto r = app.auth()->set_password(name, v.as_string(), ctx.actor(), ctx.request.remote);
          !r)
        return error_response(r.error());
    } else {
      return error_response(
          400, "invalid_input",
          fmt::format("unknown key '{}'; expected disabled or password", std::string_view(k)));
    }
  }
  auto users = app.auth()->users();
  if (!users) return error_response(users.error());
  for (const auto& u : *users)
    if (u.name == name) return json_response(200, json::serialize(user_json(u)));
  return error_response(404, "not_found", fmt::format("no user '{}'", name));
}

Response list_tokens(App& app, const Context& ctx) {
  const bool admin = ctx.who->role == store::Role::kAdmin;
  auto tokens = app.auth()->tokens(admin ? "" : ctx.who->user);
  if (!tokens) return error_response(tokens.error());
  json::array list;
  for (const auto& t : *tokens) list.push_back(token_json(t));
  return json_response(200, json::serialize(list));
}

Response create_token(App& app, const Context& ctx) {
  const auto& body = ctx.json_body();
  if (!body) return error_response(body.error());
  auto user = string_field(*body, "user", false);
  auto name = string_field(*body, "name", false);
  auto expires = string_field(*body, "expires", false);
  for (const auto* r : {&user, &name, &expires})
    if (!*r) return error_response(r->error());
  std::string owner = user->empty() ? ctx.who->user : *user;
  // As on the command line: 90 days unless the caller asks for another time or "never".
  int64_t expires_ms = 0;
  const std::string lifetime = expires->empty() ? std::string(kDefaultTokenLifetime) : *expires;
  // Over HTTP a token can make a token: so that a stolen one cannot make itself permanent,
  // only an admin may ask for more than a year, or never.
  const bool admin = ctx.who->role == store::Role::kAdmin;
  constexpr int64_t kMaxLifetimeMinutes = 366LL * 24 * 60;
  if (lifetime == "never" && !admin) {
    return error_response(403, "forbidden",
                          "only an admin may make a token that never expires; ask for at most "
                          "a year (\"expires\": \"365d\")");
  }
  if (lifetime != "never") {
    auto d = parse_duration(lifetime);
    if (!d || d->minutes <= 0) {
      return error_response(
          400, "invalid_input",
          fmt::format("expires '{}': expected a duration such as 30d, 12w or 24h, or never",
                      lifetime));
    }
    if (d->minutes > kMaxLifetimeMinutes && !admin) {
      return error_response(403, "forbidden",
                            fmt::format("expires '{}': only an admin may make a token that "
                                        "lives longer than a year",
                                        lifetime));
    }
    expires_ms = app.clock().now_ms() + d->minutes * 60'000;
  }
  auto t = app.auth()->create_token(owner, name->empty() ? "api" : *name, expires_ms, ctx.actor(),
                                    ctx.request.remote);
  if (!t) return error_response(t.error());
  json::object o = token_json(t->first);
  o["token"] = t->second;  // shown this once
  Response r = json_response(201, json::serialize(o));
  r.set("Cache-Control", "no-store");
  return r;
}

Result<int64_t> id_param(const Context& ctx) {
  int64_t id = 0;
  auto t = ctx.param("id");
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), id);
  if (ec != std::errc() || p != t.data() + t.size()) {
    return make_error(ErrorCode::kInvalidInput, fmt::format("'{}' is not a token id", t));
  }
  return id;
}

// Whether the token of the URL (or the body's "user") is the caller's own. Fails closed:
// whatever cannot be read is not the caller's.
bool owns_token(App& app, const Context& ctx) {
  if (ctx.request.method == "POST") {
    const auto& body = ctx.json_body();
    if (!body || !body->is_object()) return false;
    const auto* user = body->as_object().if_contains("user");
    return !user || user->is_null() || (user->is_string() && user->as_string() == ctx.who->user);
  }
  auto id = id_param(ctx);
  if (!id) return false;
  auto tokens = app.auth()->tokens(ctx.who->user);
  if (!tokens) return false;
  for (const auto& t : *tokens)
    if (t.id == *id) return true;
  return false;
}

Response audit(App& app, const Context& ctx) {
  store::AuditFilter f;
  const auto& q = ctx.request;
  if (auto v = q.param("actor")) f.actor = std::string(*v);
  if (auto v = q.param("action")) f.action = std::string(*v);
  if (auto v = q.param("target")) f.target = std::string(*v);
  for (const char* k : {"since", "until"}) {
    if (auto v = q.param(k)) {
      auto t = parse_utc(*v);
      if (!t) {
        return error_response(
            400, "invalid_input",
            fmt::format("{} '{}': expected a time such as 2026-11-21T09:00:00Z", k, *v));
      }
      (std::string_view(k) == "since" ? f.since_ms : f.until_ms) = *t;
    }
  }
  auto after = int_param(q, "after", 0, 0, INT64_MAX);
  if (!after) return error_response(after.error());
  auto limit = int_param(q, "limit", 100, 1, 10000);
  if (!limit) return error_response(limit.error());
  f.after_id = *after;
  f.limit = *limit;
  auto entries = app.audit_log(f);
  if (!entries) return error_response(entries.error());
  json::array list;
  for (const auto& e : *entries) {
    json::object o{{"id", e.id},         {"time", format_utc(e.time_ms)},
                   {"actor", e.actor},   {"remote", e.remote},
                   {"action", e.action}, {"target", e.target},
                   {"detail", e.detail}};
    for (auto [key, text] : {std::pair{"before", &e.before}, std::pair{"after", &e.after}}) {
      if (text->empty()) continue;
      boost::system::error_code ec;
      json::value v = json::parse(*text, ec);
      o[key] = ec ? json::value(*text) : std::move(v);
    }
    list.push_back(std::move(o));
  }
  json::object out{{"entries", std::move(list)}};
  if (!entries->empty() && static_cast<int64_t>(entries->size()) == *limit) {
    out["next"] = fmt::format("after={}", entries->back().id);
  }
  return json_response(200, json::serialize(out));
}

}  // namespace

void add_account_routes(App& app, Router& r) {
  r.add({"POST",
         "/api/v1/session",
         Access::kPublic,
         [&app](Context& c) { return sign_in(app, c); },
         {},
         "sign in with a user name and password: sets the session cookie, returns the CSRF token",
         kSignInBodyLimit});
  r.add({"GET",
         "/api/v1/session",
         Access::kSignedIn,
         [](Context& c) { return who_am_i(c); },
         {},
         "who is signed in"});
  r.add({"DELETE",
         "/api/v1/session",
         Access::kSignedIn,
         [&app](Context& c) { return sign_out(app, c); },
         {},
         "sign out"});
  r.add({"GET",
         "/api/v1/users",
         Access::kAdmin,
         [&app](Context&) { return list_users(app); },
         {},
         "list the accounts"});
  r.add({"POST",
         "/api/v1/users",
         Access::kAdmin,
         [&app](Context& c) { return add_user(app, c); },
         {},
         "add an account"});
  r.add({"PATCH",
         "/api/v1/users/{name}",
         Access::kAdmin,
         [&app](Context& c) { return change_user(app, c); },
         {},
         "disable or enable an account, or set its password"});
  r.add({"GET",
         "/api/v1/tokens",
         Access::kSignedIn,
         [&app](Context& c) { return list_tokens(app, c); },
         {},
         "API tokens: your own (an admin: everyone's)"});
  r.add({"POST", "/api/v1/tokens", Access::kSignedIn,
         [&app](Context& c) { return create_token(app, c); },
         [&app](const Context& c) { return owns_token(app, c); },
         "create an API token (shown once in the response)"});
  r.add({"DELETE", "/api/v1/tokens/{id}", Access::kSignedIn,
         [&app](Context& c) {
           auto id = id_param(c);
           if (!id) return error_response(id.error());
           if (auto res = app.auth()->revoke_token(*id, c.actor(), c.request.remote); !res)
             return error_response(res.error());
           Response resp;
           resp.status = 204;
           return resp;
         },
         [&app](const Context& c) { return owns_token(app, c); }, "revoke an API token"});
  r.add({"GET",
         "/api/v1/audit",
         Access::kAudit,
         [&app](Context& c) { return audit(app, c); },
         {},
         "the audit trail (?actor=, ?action=, ?target=, ?since=, ?until=, ?after=, ?limit=)"});
}

}  // namespace ebcm::http
