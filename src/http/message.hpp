// Request and Response as plain values: what handlers see and return. Beast never appears in a
// header of http/ (it costs ~14 s per translation unit); server.cpp converts to and from these.
//
// Contract: header names are compared case-insensitively; `path` is the target's path, percent-
// decoded, without the query; `query` holds the decoded query parameters in order. A handler
// returns a Response; the server adds Date, Server, Content-Length and Connection.
// Thread safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "core/utf8.hpp"

namespace ebcm::http {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // as sent: "/api/v1/functions?limit=5"
  std::string path;    // decoded, no query: "/api/v1/functions"
  Fields query;        // decoded, in order
  Fields headers;      // as sent
  std::string body;
  int version = 11;    // HTTP/1.1: 11, HTTP/1.0: 10
  std::string remote;  // peer address "127.0.0.1:53422"
  bool tls = false;
  std::string id;  // the request id of the log lines about it, sent back as X-Request-Id

  // First header / query parameter of that name (header names case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
  std::optional<std::string_view> param(std::string_view name) const;
  // The value of cookie `name` from the Cookie header(s), if any.
  std::optional<std::string_view> cookie(std::string_view name) const;
};

// The rest of an answer that goes on (Server-Sent Events), produced as it comes: see
// Response::stream.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Called by the server before the first next(): `wake` is to be called (from any thread,
  // cheaply: it only signals) whenever next() may have more to send.
  virtual void on_more(std::function<void()> wake) = 0;
  // Never blocks: the bytes to send now ("" when nothing yet), or nullopt when the answer is
  // complete. Called after each wake, and after idle_wait() without one (a heartbeat is due).
  virtual std::optional<std::string> next() = 0;
  virtual std::chrono::milliseconds idle_wait() const { return std::chrono::seconds(15); }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  Fields headers;  // extra headers (ETag, Set-Cookie, Location, Cache-Control, ...)
  std::string body;
  // When set, sent instead of `body` without copying (the status page, served from memory).
  std::shared_ptr<const std::string> shared_body;
  // When set, the answer goes on after `body`: the server sends the head without a length
  // (the connection's close ends the answer; it is never reused), then `body`, then what the
  // stream gives until it completes, the client goes away or the server stops.
  std::shared_ptr<ResponseStream> stream;
  // For the access log and metrics only, never sent: the route's pattern ("/api/v1/functions/{id}")
  // as the router matched it ("" when none did), and a note for operators.
  std::string route;
  std::string log_note;
  // A storage, I/O or internal failure (concealed_error()): the client gets a fixed sentence
  // and the request id; `log_note` holds the detail, which goes to the log only.
  bool conceal = false;

  Response& set(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  const std::string& payload() const { return shared_body ? *shared_body : body; }
};

// The one mapping of ErrorCode to an HTTP status: kInvalidInput 400 (422 when `unprocessable`),
// kNotFound 404, kConflict 409, kForbidden 403, kIo/kStorage/kInternal 500, kBusy 503,
// kUnsupported 501.
int http_status(ErrorCode code, bool unprocessable = false);

// {"error": {"status": 404, "code": "not_found", "message": "..."}} with that status. `code` is
// a short machine-readable word; `message` a sentence for people.
Response error_response(int status, std::string_view code, std::string_view message);
// For kIo/kStorage/kInternal: concealed_error(500, error.message), for kBusy a concealed 503
// with Retry-After — SQL text, paths and the like never reach a client.
Response error_response(const Error& error);
// A 500 (or 503) whose body says only a fixed sentence; `detail` is kept in log_note for the
// log. App::handle adds the request id to the body and logs the detail under it.
Response concealed_error(int status, std::string detail);
// The id of a request for the log and X-Request-Id: the client's own X-Request-Id when it is
// 1 to 64 of [A-Za-z0-9._:-] (a proxy's), otherwise a new one ("1f3a9c2e00000007": a random
// per-process prefix and a counter).
std::string request_id_of(const Request& request);

// The body of a concealed error: {"error": {status, code, the fixed sentence naming the
// request id, "request_id"}} (no id: neither).
std::string concealed_body(int status, std::string_view request_id);

// The elements of an HTTP list header value (RFC 9110 5.6.1): split at commas, blanks
// trimmed, empty elements dropped.
std::vector<std::string_view> list_items(std::string_view value);

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110's IMF-fixdate) for a Unix time in milliseconds.
std::string http_date(int64_t unix_ms);

}  // namespace ebcm::http
