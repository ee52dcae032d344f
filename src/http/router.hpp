// The route table and the one place where access is decided.
//
// Contract: a Route is a method, a path pattern ("/api/v1/functions/{id}": a `{name}` segment
// matches one non-empty path segment), the Access it needs, and a handler. dispatch() finds the
// route (unknown path → 404, known path but another method → 405 with Allow), authenticates the
// caller (bad credentials → 401), decides access by role in allowed() (→ 401 when anonymous,
// 403 otherwise), checks the CSRF token of a session on unsafe methods (→ 403), asks an
// owner-scoped route whether the caller owns the resource (→ 403), and only then calls the
// handler. Every answer carries a JSON error body when it is an error. Handlers never check
// roles themselves.
// Thread safety: routes are added before serving; dispatch() is called concurrently.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/request_auth.hpp"
#include "http/message.hpp"

namespace ebcm::http {

// What a route needs. Roles get (admin has everything):
//   kPublic      anyone, signed in or not
//   kRead        viewer, responder, owner, coordinator, admin
//   kRespond     responder, coordinator, admin (incidents, the status message, acknowledgements)
//   kEditOwned   owner (only what they own: Route::owns decides), coordinator, admin
//   kEditModel   coordinator, admin (the whole model)
//   kAudit       coordinator, admin (the audit trail)
//   kAdmin       admin (users, tokens of others, settings)
//   kSignedIn    any signed-in account (their own session and tokens)
enum class Access { kPublic, kRead, kRespond, kEditOwned, kEditModel, kAudit, kAdmin, kSignedIn };
const char* to_string(Access a);

// Whether `role` may use a route needing `access` (kEditOwned: before the ownership check).
bool allowed(store::Role role, Access access);
// Whether the route's `owns` check applies: owners on kEditOwned routes, everyone but admins on
// kSignedIn routes (their own session, tokens).
bool needs_ownership(store::Role role, Access access);

struct Context {
  Request& request;
  std::vector<std::pair<std::string, std::string>> params;  // from the pattern, decoded
  std::optional<Principal> who;                             // nullopt: anonymous
  std::string_view param(std::string_view name) const;
  // The request body as JSON, parsed on first use and kept: the ownership check and the
  // handler decide on the same value (a second parse could disagree with the first).
  const Result<boost::json::value>& json_body() const;
  mutable std::optional<Result<boost::json::value>> parsed_body;  // json_body()'s cache
  // The account name for revisions and the audit trail ("anonymous" when none).
  std::string actor() const;
};

// What a route's body may weigh: a small JSON document unless it says otherwise (a model
// import takes the server's whole limit, signing in a few KiB); GET and DELETE take none.
inline constexpr size_t kSmallBodyLimit = 1 << 20;
inline constexpr size_t kSignInBodyLimit = 8 << 10;
inline constexpr size_t kServerBodyLimit = SIZE_MAX;

struct Route {
  std::string method;
  std::string pattern;
  Access access = Access::kRead;
  std::function<Response(Context&)> handler;
  // Whether the caller owns what the request touches, asked when needs_ownership() says so.
  // It reads the body through Context::json_body() and must answer false whenever it cannot
  // decide (fail closed); the router answers a body that is not JSON with 400 before asking.
  std::function<bool(const Context&)> owns;
  std::string summary;  // one line, for people
  size_t body_limit = kSmallBodyLimit;
};

class Router {
 public:
  explicit Router(Auth* auth) : auth_(auth) {}
  void add(Route route);
  Response dispatch(Request& request) const;
  // The part of dispatch() that needs only the head, asked before the body is read: the
  // answer when the route is unknown or the caller may not use it (401/403/404/405, CSRF), or
  // nothing, having lowered `body_limit` to the route's.
  std::optional<Response> check_head(const Request& head, size_t& body_limit) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  // The route of a request and the caller, or the refusal to answer instead.
  struct Admission {
    const Route* route = nullptr;
    std::vector<std::pair<std::string, std::string>> params;
    std::optional<Principal> who;
    std::optional<Response> refusal;
  };
  Admission admit(const Request& request) const;
  static bool match(std::string_view pattern, std::string_view path,
                    std::vector<std::pair<std::string, std::string>>& params);

  Auth* auth_;  // may be null: everyone anonymous (tests)
  std::vector<Route> routes_;
  // Patterns without parameters, by path: found without scanning (the status page's hot path).
  std::unordered_map<std::string, std::vector<size_t>> exact_;
  std::vector<size_t> patterned_;  // the others, in the order added
};

}  // namespace ebcm::http
