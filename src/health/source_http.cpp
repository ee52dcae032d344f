#include "health/source_http.hpp"

#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "core/strings.hpp"
#include "health/feed_text.hpp"

namespace ebcm::health {

std::string url_path(std::string_view url) {
  size_t scheme_end = url.find("://");
  std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  size_t slash = rest.find_first_of("/?#");
  if (slash == std::string_view::npos) return "/";
  rest = rest.substr(slash);
  rest = rest.substr(0, rest.find_first_of("?#"));
  return rest.empty() ? "/" : std::string(rest);
}

std::string url_origin(std::string_view url) {
  std::string authority = lower(net::url_host(url));
  if (authority.empty()) return "";
  std::string scheme = lower(url.substr(0, url.find("://")));
  bool has_port = authority.rfind(':') != std::string::npos && authority.back() != ']';
  if (!has_port) authority += scheme == "https" ? ":443" : ":80";
  return scheme + "://" + authority;
}

std::optional<int64_t> retry_after(const net::Headers& headers, int64_t now_ms) {
  std::optional<std::string> value = net::header_value(headers, "Retry-After");
  if (!value) return std::nullopt;
  std::string_view v = trim_blanks(*value);
  if (v.empty()) return std::nullopt;
  bool digits = true;
  for (char c : v) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits) {
    if (v.size() > 9) return std::nullopt;
    return std::stoll(std::string(v)) * 1000;
  }
  // IMF-fixdate: "Wed, 21 Oct 2015 07:28:00 GMT".
  char wday[4] = {}, mon[4] = {}, zone[4] = {};
  int day = 0, year = 0, h = 0, m = 0, s = 0;
  std::string text(v);
  if (std::sscanf(text.c_str(), "%3[A-Za-z], %d %3s %d %d:%d:%d %3s", wday, &day, mon, &year, &h,
                  &m, &s, zone) != 8) {
    return std::nullopt;
  }
  static constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                            "jul", "aug", "sep", "oct", "nov", "dec"};
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (iequals(mon, kMonths[i])) month = i + 1;
  }
  if (month == 0 || !iequals(zone, "gmt")) return std::nullopt;
  char iso[32];
  std::snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, h, m, s);
  std::optional<int64_t> at = parse_iso_ms(iso);
  if (!at) return std::nullopt;
  return *at > now_ms ? *at - now_ms : 0;
}


std::string graph_error_code(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  const boost::json::value* e = v.as_object().if_contains("error");
  if (e == nullptr || !e->is_object()) return "";
  const boost::json::value* code = e->as_object().if_contains("code");
  if (code == nullptr || !code->is_string()) return "";
  std::string c(code->as_string());
  // An identifier, not prose: keep it short and plain.
  if (c.size() > 64) c.resize(64);
  for (char& ch : c) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.') ch = '_';
  }
  return c;
}

Error status_error(const std::string& what, const std::string& url, const net::Response& r,
                   int64_t now_ms, std::optional<int64_t>& retry_after_ms) {
  std::string head = what + " " + url_path(url) + ": HTTP " + std::to_string(r.status);
  std::string code = graph_error_code(r.body);
  if (!code.empty()) head += " (" + code + ")";
  if (r.status == 429 || r.status == 503) {
    retry_after_ms = retry_after(r.headers, now_ms);
    std::string when =
        retry_after_ms ? ", asked to come back in " + std::to_string(*retry_after_ms / 1000) + " s"
                       : "";
    return make_error(ErrorCode::kUnavailable,
                      head + (r.status == 429 ? ": throttled" : ": unavailable") + when);
  }
  if (r.status >= 500) return make_error(ErrorCode::kUnavailable, head);
  if (r.status == 401 || r.status == 403) {
    return make_error(ErrorCode::kForbidden, head + ": access refused");
  }
  return make_error(ErrorCode::kInvalidInput, head + ": not an answer the feed documents");
}

}  // namespace ebcm::health
