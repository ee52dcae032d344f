#include "http/router.hpp"

#include <algorithm>

#include "http/api_util.hpp"

namespace ebcm::http {

const char* to_string(Access a) {
  switch (a) {
    case Access::kPublic:
      return "public";
    case Access::kRead:
      return "read";
    case Access::kRespond:
      return "respond";
    case Access::kEditOwned:
      return "edit-owned";
    case Access::kEditModel:
      return "edit-model";
    case Access::kAudit:
      return "audit";
    case Access::kAdmin:
      return "admin";
    case Access::kSignedIn:
      return "signed-in";
  }
  return "?";
}

bool allowed(store::Role role, Access access) {
  using store::Role;
  if (role == Role::kAdmin) return true;
  switch (access) {
    case Access::kPublic:
    case Access::kRead:
    case Access::kSignedIn:
      return true;
    case Access::kRespond:
      return role == Role::kResponder || role == Role::kCoordinator;
    case Access::kEditOwned:
      return role == Role::kOwner || role == Role::kCoordinator;
    case Access::kEditModel:
    case Access::kAudit:
      return role == Role::kCoordinator;
    case Access::kAdmin:
      return false;
  }
  return false;
}

bool needs_ownership(store::Role role, Access access) {
  if (access == Access::kEditOwned) return role == store::Role::kOwner;
  if (access == Access::kSignedIn) return role != store::Role::kAdmin;
  return false;
}

std::string_view Context::param(std::string_view name) const {
  for (const auto& [k, v] : params)
    if (k == name) return v;
  return {};
}

const Result<boost::json::value>& Context::json_body() const {
  if (!parsed_body) parsed_body.emplace(parse_json_body(request));
  return *parsed_body;
}

std::string Context::actor() const { return who ? who->user : "anonymous"; }

void Router::add(Route route) {
  if (route.method == "GET" || route.method == "DELETE") route.body_limit = 0;
  const size_t i = routes_.size();
  if (route.pattern.find('{') == std::string::npos) {
    exact_[route.pattern].push_back(i);
  } else {
    patterned_.push_back(i);
  }
  routes_.push_back(std::move(route));
}

bool Router::match(std::string_view pattern, std::string_view path,
                   std::vector<std::pair<std::string, std::string>>& params) {
  params.clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern.front() != '/' || path.front() != '/')
      return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const size_t pe = pattern.find('/');
    const size_t xe = path.find('/');
    std::string_view pseg = pattern.substr(0, pe), xseg = path.substr(0, xe);
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (xseg.empty()) return false;
      params.emplace_back(std::string(pseg.substr(1, pseg.size() - 2)), std::string(xseg));
    } else if (pseg != xseg) {
      return false;
    }
    pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
    path = xe == std::string_view::npos ? std::string_view() : path.substr(xe);
  }
  return true;
}

Router::Admission Router::admit(const Request& request) const {
  Admission a;
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  std::vector<std::pair<std::string, std::string>> scratch;
  std::string allow;
  std::string pattern;
  auto exact = exact_.find(request.path);
  for (size_t i : exact != exact_.end() ? exact->second : patterned_) {
    const Route& r = routes_[i];
    if (!match(r.pattern, request.path, scratch)) continue;
    pattern = r.pattern;
    allow += (allow.empty() ? "" : ", ") + r.method;
    if (r.method == method && !a.route) {
      a.route = &r;
      a.params = scratch;
    }
  }
  auto refuse = [&](Response res) {
    res.route = pattern;
    a.refusal = std::move(res);
    return std::move(a);
  };
  if (!a.route) {
    if (pattern.empty()) return refuse(error_response(404, "not_found", "no route for " + request.path));
    Response res = error_response(
        405, "method_not_allowed",
        request.method + " is not allowed on " + request.path + "; allowed: " + allow);
    res.set("Allow", allow);
    return refuse(std::move(res));
  }
  const Route& found = *a.route;
  if (auth_) {
    auto who = authenticate(*auth_, request);
    if (!who && found.access == Access::kPublic) {
      // A stale cookie must not lock anyone out of a public page: answer as to anyone.
    } else if (!who && who.error().code != ErrorCode::kInvalidInput) {
      return refuse(error_response(who.error()));  // the store's trouble, not the caller's
    } else if (!who) {
      Response res = error_response(401, "unauthenticated", who.error().message);
      res.set("WWW-Authenticate", "Bearer realm=\"ebcm\"");
      return refuse(std::move(res));
    } else {
      a.who = std::move(*who);
    }
  }
  if (found.access != Access::kPublic) {
    if (!a.who) {
      Response res = error_response(401, "unauthenticated",
                                    "sign in (POST /api/v1/session) or send an API token "
                                    "(Authorization: Bearer ...)");
      res.set("WWW-Authenticate", "Bearer realm=\"ebcm\"");
      return refuse(std::move(res));
    }
    if (!allowed(a.who->role, found.access)) {
      return refuse(error_response(403, "forbidden",
                                   std::string("the role ") + store::to_string(a.who->role) +
                                       " may not " + found.method + " " + found.pattern));
    }
    if (method != "GET" && !csrf_ok(*a.who, request)) {
      return refuse(error_response(
          403, "csrf", "missing or wrong X-CSRF-Token header (the token given at sign-in)"));
    }
  }
  return a;
}

std::optional<Response> Router::check_head(const Request& head, size_t& body_limit) const {
  Admission a = admit(head);
  if (a.refusal) return std::move(a.refusal);
  body_limit = std::min(body_limit, a.route->body_limit);
  return std::nullopt;
}

Response Router::dispatch(Request& request) const {
  Admission a = admit(request);
  if (a.refusal) return std::move(*a.refusal);
  const Route& found = *a.route;
  Context ctx{request, std::move(a.params), std::move(a.who)};
  auto finish = [&](Response res) {
    res.route = found.pattern;
    return res;
  };
  if (!found.owns && ctx.who && found.access == Access::kEditOwned &&
      needs_ownership(ctx.who->role, found.access)) {
    // An owner-scoped route that cannot tell what the owner owns lets no owner through.
    return finish(error_response(403, "forbidden", "this route takes no owner's changes"));
  }
  const bool ask_owns = found.owns && ctx.who && needs_ownership(ctx.who->role, found.access);
  if (ask_owns && request.method != "DELETE" && !ctx.json_body()) {
    return finish(error_response(ctx.json_body().error()));
  }
  if (ask_owns && !found.owns(ctx)) {
    return finish(error_response(
        403, "forbidden",
        found.access == Access::kEditOwned
            ? "owners may change only the functions they own and their mitigations (person '" +
                  ctx.who->person + "')"
            : std::string("only an admin may act on another account's behalf")));
  }
  return finish(found.handler(ctx));
}

}  // namespace ebcm::http
