#include "http/request_auth.hpp"

#include "core/strings.hpp"

namespace ebcm::http {

Result<std::optional<Principal>> authenticate(Auth& auth, const Request& request) {
  if (std::optional<std::string_view> header = request.header("Authorization")) {
    if (!starts_with_nocase(*header, "bearer ")) {
      return make_error(ErrorCode::kInvalidInput,
                        "the Authorization header must be 'Bearer TOKEN'");
    }
    Result<Principal> who = auth.authenticate_token(trim_blanks(header->substr(7)));
    if (!who) return who.error();
    return std::optional<Principal>(std::move(*who));
  }
  std::optional<std::string_view> cookie = request.cookie(kSessionCookie);
  if (!cookie || cookie->empty()) return std::optional<Principal>();  // anonymous
  Result<Principal> who = auth.authenticate_session(*cookie);
  if (!who) return who.error();
  return std::optional<Principal>(std::move(*who));
}

bool csrf_ok(const Principal& who, const Request& request) {
  if (who.via_token) return true;
  const std::string_view m = request.method;
  if (m == "GET" || m == "HEAD" || m == "OPTIONS") return true;
  std::optional<std::string_view> sent = request.header(kCsrfHeader);
  return sent && Auth::csrf_matches(who, *sent);
}

}  // namespace ebcm::http
