#include "http/message.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <random>

#include "core/strings.hpp"

namespace ebcm::http {
namespace {

const char* code_word(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "invalid_input";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kExists:
      return "exists";
    case ErrorCode::kStale:
      return "stale";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kStorage:
      return "storage";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

std::optional<std::string_view> Request::param(std::string_view name) const {
  for (const auto& [k, v] : query)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

std::optional<std::string_view> Request::cookie(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (!iequals(k, "cookie")) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view pair = trim_blanks(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos && trim_blanks(pair.substr(0, eq)) == name)
        return trim_blanks(pair.substr(eq + 1));
    }
  }
  return std::nullopt;
}

int http_status(ErrorCode code, bool unprocessable) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return unprocessable ? 422 : 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
    case ErrorCode::kExists:
      return 409;
    case ErrorCode::kStale:
      return 412;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kBusy:
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kUnsupported:
      return 501;
    case ErrorCode::kIo:
    case ErrorCode::kStorage:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string http_date(int64_t unix_ms) {
  std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string request_id_of(const Request& request) {
  if (auto given = request.header("X-Request-Id")) {
    bool ok = !given->empty() && given->size() <= 64;
    for (char c : *given) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-');
    }
    if (ok) return std::string(*given);
  }
  static const uint32_t prefix = std::random_device{}();
  static std::atomic<uint32_t> counter{0};
  char buf[20];
  std::snprintf(buf, sizeof buf, "%08x%08x", prefix, counter.fetch_add(1) + 1);
  return buf;
}

Response error_response(int status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  r.body = "{\"error\":{\"status\":" + std::to_string(status) + ",\"code\":" + json_quote(code) +
           ",\"message\":" + json_quote(message) + "}}";
  return r;
}

Response error_response(const Error& error) {
  if (error.code == ErrorCode::kInvalidInput && !error.details.empty()) {
    // {"error": {"status": 422, "code": "invalid_model", "message", "diagnostics": [...]}}
    std::string list;
    for (const auto& d : error.details) {
      if (!list.empty()) list += ',';
      list += "{\"path\":" + json_quote(d.path) + ",\"message\":" + json_quote(d.message);
      if (d.line) {
        list += ",\"line\":" + std::to_string(d.line) + ",\"column\":" + std::to_string(d.column);
      }
      if (!d.hint.empty()) list += ",\"hint\":" + json_quote(d.hint);
      list += '}';
    }
    Response r;
    r.status = 422;
    r.body = "{\"error\":{\"status\":422,\"code\":\"invalid_model\",\"message\":" +
             json_quote(error.message) + ",\"diagnostics\":[" + list + "]}}";
    return r;
  }
  const int status = http_status(error.code);
  if (status == 500) return concealed_error(500, error.message);
  if (error.code == ErrorCode::kBusy) {
    Response r = concealed_error(503, error.message);
    r.set("Retry-After", "1");
    return r;
  }
  return error_response(status, code_word(error.code), error.message);
}

Response concealed_error(int status, std::string detail) {
  Response r;
  r.status = status;
  r.body = concealed_body(status, "");
  r.conceal = true;
  r.log_note = std::move(detail);
  return r;
}

std::string concealed_body(int status, std::string_view request_id) {
  std::string text = status == 503
                         ? "The server cannot answer this now: its store is busy or does not "
                           "respond; try again shortly."
                         : "The server could not complete this request.";
  std::string body = error_response(status, status == 503 ? "unavailable" : "internal", "").body;
  if (!request_id.empty()) {
    text += " Its log has the details under request id ";
    text += request_id;
    text += '.';
  }
  // {"error":{"status":N,"code":"...","message":""}} → the sentence, then the id.
  body.erase(body.size() - 4);
  body += json_quote(text);
  if (!request_id.empty()) body += ",\"request_id\":" + json_quote(request_id);
  body += "}}";
  return body;
}

std::vector<std::string_view> list_items(std::string_view value) {
  std::vector<std::string_view> items;
  for (;;) {
    const size_t comma = value.find(',');
    const std::string_view item = trim_blanks(value.substr(0, comma));
    if (!item.empty()) items.push_back(item);
    if (comma == std::string_view::npos) return items;
    value.remove_prefix(comma + 1);
  }
}

}  // namespace ebcm::http
