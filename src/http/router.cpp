#include "http/router.hpp"

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

std::string Context::actor() const { return who ? who->user : "anonymous"; }

void Router::add(Route route) {
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

Response Router::dispatch(Request& request) const {
  std::string method = request.method == "HEAD" ? "GET" : request.method;
  const Route* found = nullptr;
  std::vector<std::pair<std::string, std::string>> params, scratch;
  std::string allow;
  std::string pattern;
  auto exact = exact_.find(request.path);
  for (size_t i : exact != exact_.end() ? exact->second : patterned_) {
    const Route& r = routes_[i];
    if (!match(r.pattern, request.path, scratch)) continue;
    pattern = r.pattern;
    allow += (allow.empty() ? "" : ", ") + r.method;
    if (r.method == method && !found) {
      found = &r;
      params = scratch;
    }
  }
  if (!found) {
    Response res = pattern.empty()
                       ? error_response(404, "not_found", "no route for " + request.path)
                       : error_response(405, "method_not_allowed",
                                        request.method + " is not allowed on " + request.path +
                                            "; allowed: " + allow);
    if (!pattern.empty()) res.set("Allow", allow);
    res.route = pattern;
    return res;
  }

  Context ctx{request, std::move(params), std::nullopt};
  auto finish = [&](Response res) {
    res.route = found->pattern;
    return res;
  };
  if (auth_) {
    auto who = auth_->authenticate(request);
    if (!who && found->access == Access::kPublic) {
      // A stale cookie must not lock anyone out of a public page: answer as to anyone.
    } else if (!who) {
      Response res = error_response(401, "unauthenticated", who.error().message);
      res.set("WWW-Authenticate", "Bearer realm=\"ebcm\"");
      return finish(std::move(res));
    } else {
      ctx.who = std::move(*who);
    }
  }
  if (found->access != Access::kPublic) {
    if (!ctx.who) {
      Response res = error_response(401, "unauthenticated",
                                    "sign in (POST /api/v1/session) or send an API token "
                                    "(Authorization: Bearer ...)");
      res.set("WWW-Authenticate", "Bearer realm=\"ebcm\"");
      return finish(std::move(res));
    }
    if (!allowed(ctx.who->role, found->access)) {
      return finish(error_response(403, "forbidden",
                                   std::string("the role ") + store::to_string(ctx.who->role) +
                                       " may not " + found->method + " " + found->pattern));
    }
  }
  if (ctx.who && found->access != Access::kPublic && method != "GET" &&
      !Auth::csrf_ok(*ctx.who, request)) {
    return finish(error_response(
        403, "csrf", "missing or wrong X-CSRF-Token header (the token given at sign-in)"));
  }
  if (found->owns && ctx.who && needs_ownership(ctx.who->role, found->access) &&
      !found->owns(ctx)) {
    return finish(error_response(
        403, "forbidden",
        found->access == Access::kEditOwned
            ? "owners may change only the functions they own and their mitigations (person '" +
                  ctx.who->person + "')"
            : std::string("only an admin may act on another account's behalf")));
  }
  return finish(found->handler(ctx));
}

}  // namespace ebcm::http
