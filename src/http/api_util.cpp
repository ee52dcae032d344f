#include "http/api_util.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/clock.hpp"
#include "core/duration.hpp"
#include "core/strings.hpp"
#include "http/app.hpp"

namespace ebcm::http {

Response json_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

bool not_modified(const Request& request, std::string_view etag) {
  auto inm = request.header("If-None-Match");
  if (!inm) return false;
  auto opaque = [](std::string_view t) {  // compared weakly: W/ does not count
    t = trim_blanks(t);
    if (t.starts_with("W/")) t.remove_prefix(2);
    return t;
  };
  const std::string_view want = opaque(etag);
  for (std::string_view one : list_items(*inm)) {
    if (one == "*" || opaque(one) == want) return true;
  }
  return false;
}

Response not_modified_response(const std::string& etag) {
  Response r;
  r.status = 304;
  r.set("ETag", etag);
  return r;
}

Response revision_wide(const Request& request, int64_t revision,
                       const std::function<Response()>& compute) {
  const std::string etag = revision_etag(revision);
  Response r = not_modified(request, etag) ? not_modified_response(etag) : compute();
  if ((r.status >= 200 && r.status < 300) || r.status == 304) {
    if (r.status != 304) r.set("ETag", etag);
    r.set("X-Ebcm-Revision", std::to_string(revision));
  }
  return r;
}

Result<json::value> parse_json_body(const Request& request) {
  if (request.body.empty()) {
    return make_error(ErrorCode::kInvalidInput, "the request has no body; expected JSON");
  }
  boost::system::error_code ec;
  json::parse_options opt;
  opt.max_depth = 64;
  json::stream_parser p({}, opt);
  size_t n = p.write_some(request.body.data(), request.body.size(), ec);
  if (!ec) p.finish(ec);
  if (ec) {
    // Line and column of the offset where parsing stopped.
    size_t line = 1, col = 1;
    for (size_t i = 0; i < n && i < request.body.size(); ++i) {
      if (request.body[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return make_error(ErrorCode::kInvalidInput,
                      fmt::format("the body is not valid JSON: {} at line {}, column {}",
                                  ec.message(), line, col));
  }
  return p.release();
}

std::optional<model::EntityKind> kind_of_collection(std::string_view word) {
  for (const auto& k : model::entity_kinds())
    if (word == k.collection) return k.kind;
  return std::nullopt;
}

const char* collection_of(model::EntityKind kind) { return model::info(kind).collection; }

const char* noun_of(model::EntityKind kind) { return model::info(kind).noun; }

Result<int64_t> int_param(const Request& request, std::string_view name, int64_t fallback,
                          int64_t lo, int64_t hi) {
  auto v = request.param(name);
  if (!v) return fallback;
  int64_t x = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
  if (ec != std::errc() || p != v->data() + v->size() || x < lo || x > hi) {
    return make_error(ErrorCode::kInvalidInput,
                      fmt::format("query parameter {}: expected a whole number from {} to {}, got "
                                  "'{}'",
                                  name, lo, hi, *v));
  }
  return x;
}

std::vector<std::string> list_param(const Request& request, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : request.query) {
    if (k != name) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      size_t c = rest.find(',');
      if (c) out.emplace_back(rest.substr(0, c));
      if (c == std::string_view::npos) break;
      rest.remove_prefix(c + 1);
    }
  }
  return out;
}

// "30m" from now, or an ISO time.
std::optional<int64_t> parse_when(std::string_view text, int64_t now) {
  if (auto d = parse_duration(text)) return now + d->minutes * 60'000;
  return parse_utc(text);
}

Result<std::vector<std::string>> string_list(const json::object& o, const char* key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return out;
  if (!it->value().is_array()) {
    return make_error(ErrorCode::kInvalidInput, fmt::format("{}: expected a list of strings", key));
  }
  for (const auto& x : it->value().as_array()) {
    if (!x.is_string()) {
      return make_error(ErrorCode::kInvalidInput,
                        fmt::format("{}: expected a list of strings", key));
    }
    out.emplace_back(x.as_string());
  }
  return out;
}

// The message is shown on the page, in logs and exports: control characters (C0 and DEL) have
// no place there, except line breaks and tabs. A sentence naming the first one, if any.
std::optional<std::string> control_character(std::string_view text) {
  size_t position = 0;  // in characters (UTF-8 code points), from 1
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++position;
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
      return fmt::format(
          "message: control character U+{:04X} at character {} is not allowed (line breaks "
          "and tabs are)",
          static_cast<unsigned>(c), position);
    }
  }
  return std::nullopt;
}

}  // namespace ebcm::http
