// HttpClient: one HTTP exchange as plain values, so the feeds above (health/) never see libcurl
// and unit tests give them a scripted fake (fake_http_client.hpp).
//
// Contract: send() performs exactly one request (no redirects followed, no retries) and returns
// the answer whatever its status, or an Error: kUnavailable when the peer could not be reached,
// did not answer within the request's timeout, or dropped the connection; kInvalidInput when the
// answer is larger than the client accepts; kUnsupported for a URL scheme other than http(s).
// An Error message names the host and what happened, never the query string, a header value or
// the request body (they may carry secrets).
// Thread safety: an HttpClient is used by one thread at a time (one client per thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"

namespace ebcm::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The value of the first header called `name` (ASCII case-insensitive), else nullopt.
std::optional<std::string> header_value(const Headers& headers, std::string_view name);

struct Request {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
  int64_t timeout_ms = 15000;  // the whole exchange, connecting included
};

struct Response {
  int status = 0;
  Headers headers;  // as received, in order; names as the server spelled them
  std::string body;
};

// "host" or "host:port" of an http(s) URL, for error messages (no user info, path or query);
// "" when `url` is not one.
std::string url_host(std::string_view url);

// application/x-www-form-urlencoded (and URL query) encoding of one value.
std::string form_encode(std::string_view value);

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<Response> send(const Request& request) = 0;
};

}  // namespace ebcm::net
