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
      return 409;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kBusy:
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

// Appends `text` as a JSON string; control characters escaped, invalid UTF-8 replaced by U+FFFD
// so every line stays valid JSON whatever a client sent.
void append_json_quoted(std::string& out, std::string_view text) {
  out += '"';
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A well-formed multi-byte sequence (no overlongs, no surrogates, at most U+10FFFF)?
    size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
    bool ok = len != 0 && c <= 0xf4 && i + len <= text.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    if (ok && len >= 3) {
      auto c1 = static_cast<unsigned char>(text[i + 1]);
      if (c == 0xe0 && c1 < 0xa0) ok = false;
      if (c == 0xed && c1 >= 0xa0) ok = false;
      if (c == 0xf0 && c1 < 0x90) ok = false;
      if (c == 0xf4 && c1 >= 0x90) ok = false;
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  out += '"';
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_quoted(out, text);
  return out;
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
