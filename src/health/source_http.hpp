// What the network sources (graph_source.cpp, statuspage_source.cpp) share: URL pieces for
// messages and checks, Retry-After, and the meaning of an HTTP status for a feed.
// Thread safety: plain functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/http_client.hpp"

namespace ebcm::health {

// The path of a URL without scheme, host and query ("/v1.0/admin/serviceAnnouncement/issues"),
// for error messages: a query may carry what should not be shown.
std::string url_path(std::string_view url);
// "https://host:port" with the scheme and host lower-cased and the default port made explicit;
// "" when not an http(s) URL. Two URLs may share a connection's trust when their origins agree.
std::string url_origin(std::string_view url);
// Retry-After (delta-seconds or an HTTP-date) → ms from `now_ms`, at least 0; nullopt if absent
// or unreadable.
std::optional<int64_t> retry_after(const net::Headers& headers, int64_t now_ms);
using net::form_encode;
// The `error.code` of a Graph (OData) error body, or "" (never its message: it may quote input).
std::string graph_error_code(std::string_view body);

// The Error for a non-2xx answer of `url` ("GET /path: HTTP 503"): 429 and 5xx → kUnavailable
// (setting `retry_after_ms` for 429/503), 401/403 → kForbidden, others kInvalidInput.
Error status_error(const std::string& what, const std::string& url, const net::Response& r,
                   int64_t now_ms, std::optional<int64_t>& retry_after_ms);

}  // namespace ebcm::health
