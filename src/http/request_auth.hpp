// Who sent a request: the credentials of an HTTP request (the Authorization: Bearer header, the
// session cookie, the CSRF header) handed to app::Auth, which knows the accounts.
// Thread safety: as app::Auth.
#pragma once

#include <optional>
#include <string_view>

#include "app/auth.hpp"
#include "core/result.hpp"
#include "http/message.hpp"

namespace ebcm::http {

using app::Auth;
using app::AuthOptions;
using app::Principal;
using app::SignedIn;
using app::kDefaultTokenLifetime;

inline constexpr std::string_view kSessionCookie = "ebcm_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// From the Authorization: Bearer <token> header, else the session cookie. nullopt: anonymous
// (no credentials). Credentials present but invalid, expired, revoked or of a disabled user, or
// an Authorization header of another scheme → an Error (kInvalidInput), answered 401.
Result<std::optional<Principal>> authenticate(Auth& auth, const Request& request);
// For unsafe methods with a session: the X-CSRF-Token header must equal the session's token.
bool csrf_ok(const Principal& who, const Request& request);

}  // namespace ebcm::http
