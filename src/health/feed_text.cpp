#include "health/feed_text.hpp"

#include <array>
#include <cctype>
#include <ctime>

#include "core/clock.hpp"
#include "core/strings.hpp"

namespace ebcm::health {
namespace json = boost::json;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<int64_t> parse_iso_ms(std::string_view text) {
  std::optional<int64_t> ms = parse_utc(text);
  if (!ms) return std::nullopt;
  // parse_utc drops the fraction: add its first three digits back.
  if (text.size() > 20 && text[19] == '.') {
    int64_t frac = 0;
    int digits = 0;
    for (size_t i = 20;
         i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && digits < 3;
         ++i, ++digits) {
      frac = frac * 10 + (text[i] - '0');
    }
    while (digits++ < 3) frac *= 10;
    *ms += frac;
  }
  return ms;
}

namespace {

void append_utf8(std::string& out, uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the entity starting at html[i] == '&' into `out`; returns the length consumed (0: not
// an entity, the '&' is kept as it is).
size_t decode_entity(std::string_view html, size_t i, std::string& out) {
  size_t semi = html.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10) return 0;
  std::string_view name = html.substr(i + 1, semi - i - 1);
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kNamed{{
      {"amp", "&"},
      {"lt", "<"},
      {"gt", ">"},
      {"quot", "\""},
      {"apos", "'"},
      {"nbsp", " "},
      {"#39", "'"},
  }};
  for (const auto& [n, v] : kNamed) {
    if (name == n) {
      out += v;
      return semi - i + 1;
    }
  }
  if (name.size() >= 2 && name[0] == '#') {
    bool hex = name[1] == 'x' || name[1] == 'X';
    std::string_view digits = name.substr(hex ? 2 : 1);
    if (digits.empty()) return 0;
    uint32_t cp = 0;
    for (char c : digits) {
      int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
              : hex && std::isxdigit(static_cast<unsigned char>(c))
                  ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                  : -1;
      if (d < 0 || cp > 0x10FFFF) return 0;
      cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    append_utf8(out, cp);
    return semi - i + 1;
  }
  return 0;
}

bool breaks_line(std::string_view tag) {
  // tag: the lower-cased name without '<', '/' and attributes.
  static constexpr std::array<std::string_view, 13> kBlock{
      "br", "p", "div", "li", "ul", "ol", "tr", "h1", "h2", "h3", "h4", "h5", "h6"};
  for (std::string_view b : kBlock) {
    if (tag == b) return true;
  }
  return false;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string raw;
  raw.reserve(html.size());
  for (size_t i = 0; i < html.size();) {
    char c = html[i];
    if (c == '<') {
      size_t close = html.find('>', i);
      if (close == std::string_view::npos) break;  // an unclosed tag: drop the rest
      std::string_view inside = html.substr(i + 1, close - i - 1);
      if (!inside.empty() && inside[0] == '/') inside.remove_prefix(1);
      size_t end = inside.find_first_of(" \t\r\n/");
      std::string tag = lower(inside.substr(0, end));
      // <br> always breaks; a block tag ends the line unless it has just ended (</p><p>).
      if (tag == "br" || (breaks_line(tag) && !raw.empty() && raw.back() != '\n')) raw += '\n';
      i = close + 1;
    } else if (c == '&') {
      size_t used = decode_entity(html, i, raw);
      if (used == 0) {
        raw += '&';
        ++i;
      } else {
        i += used;
      }
    } else if (c == '\r') {
      ++i;
    } else {
      raw += c;
      ++i;
    }
  }
  // Trim each line's trailing blanks, squeeze blank-line runs to one, trim the whole.
  std::string out;
  size_t newlines = 0;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t nl = raw.find('\n', start);
    if (nl == std::string::npos) nl = raw.size();
    std::string_view line = trim_blanks(std::string_view(raw).substr(start, nl - start));
    if (line.empty()) {
      ++newlines;
    } else {
      if (!out.empty()) out.append(newlines >= 2 ? 2 : 1, '\n');
      out += line;
      newlines = 1;
    }
    start = nl + 1;
  }
  return out;
}

namespace {

size_t find_nocase(std::string_view text, std::string_view lower_needle, size_t from = 0) {
  if (lower_needle.size() > text.size()) return std::string_view::npos;
  for (size_t i = from; i + lower_needle.size() <= text.size(); ++i) {
    if (starts_with_nocase(text.substr(i), lower_needle)) return i;
  }
  return std::string_view::npos;
}

void skip_spaces(std::string_view s, size_t& at) {
  while (at < s.size() && (s[at] == ' ' || s[at] == '\t' || s[at] == ',')) ++at;
}

std::string_view word(std::string_view s, size_t& at) {
  skip_spaces(s, at);
  size_t b = at;
  while (at < s.size() && std::isalpha(static_cast<unsigned char>(s[at]))) ++at;
  return s.substr(b, at - b);
}

std::optional<int> number(std::string_view s, size_t& at) {
  skip_spaces(s, at);
  size_t b = at;
  int v = 0;
  while (at < s.size() && std::isdigit(static_cast<unsigned char>(s[at])) && at - b < 5) {
    v = v * 10 + (s[at++] - '0');
  }
  if (at == b) return std::nullopt;
  return v;
}

int month_of(std::string_view w) {
  static constexpr std::array<std::string_view, 12> kMonths{
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (w.size() < 3) return 0;
  for (size_t m = 0; m < kMonths.size(); ++m) {
    if (starts_with_nocase(w, kMonths[m])) return static_cast<int>(m) + 1;
  }
  return 0;
}

// "Wednesday, March 17, 2021, at 8:00 PM UTC" (weekday optional, "at" optional, 24-hour clock
// without AM/PM accepted) → Unix ms.
std::optional<int64_t> parse_spoken_time(std::string_view s) {
  size_t at = 0;
  std::string_view w = word(s, at);
  int month = month_of(w);
  if (month == 0) {  // a weekday first
    w = word(s, at);
    month = month_of(w);
  }
  if (month == 0) return std::nullopt;
  auto day = number(s, at);
  auto year = number(s, at);
  if (!day || !year) return std::nullopt;
  size_t save = at;
  if (!iequals(word(s, at), "at")) at = save;
  auto hour = number(s, at);
  if (!hour || at >= s.size() || s[at] != ':') return std::nullopt;
  ++at;
  auto minute = number(s, at);
  if (!minute) return std::nullopt;
  save = at;
  std::string_view ampm = word(s, at);
  int h = *hour;
  if (iequals(ampm, "pm") || iequals(ampm, "am")) {
    if (h < 1 || h > 12) return std::nullopt;
    h = h % 12 + (iequals(ampm, "pm") ? 12 : 0);
  } else {
    at = save;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:00Z", *year, month, *day, h, *minute);
  return parse_utc(buf);
}

}  // namespace

std::optional<int64_t> parse_next_update(std::string_view text) {
  for (size_t at = find_nocase(text, "next update"); at != std::string_view::npos;
       at = find_nocase(text, "next update", at + 1)) {
    size_t p = at + std::string_view("next update").size();
    skip_spaces(text, p);
    if (starts_with_nocase(text.substr(p), "by")) p += 2;
    skip_spaces(text, p);
    if (p >= text.size() || text[p] != ':') continue;
    ++p;
    skip_spaces(text, p);
    std::string_view rest = text.substr(p, 80);
    size_t end = rest.find_first_of(" \t\r\n,;");
    std::string_view token = rest.substr(0, end);
    while (!token.empty() && token.back() == '.') token.remove_suffix(1);
    if (auto iso = parse_iso_ms(token)) return iso;
    if (auto spoken = parse_spoken_time(rest)) return spoken;
  }
  return std::nullopt;
}

std::string find_review_url(std::string_view text) {
  for (size_t at = find_nocase(text, "https://"); at != std::string_view::npos;
       at = find_nocase(text, "https://", at + 1)) {
    size_t end = at;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != '"' && text[end] != '\'' && text[end] != '<' && text[end] != '>') {
      ++end;
    }
    std::string_view url = text.substr(at, end - at);
    while (!url.empty() && (url.back() == '.' || url.back() == ',' || url.back() == ')')) {
      url.remove_suffix(1);
    }
    std::string before = lower(text.substr(at >= 160 ? at - 160 : 0, at >= 160 ? 160 : at));
    std::string addr = lower(url);
    bool review =
        addr.find("review") != std::string::npos || addr.find("/pir") != std::string::npos ||
        before.find("post-incident") != std::string::npos ||
        before.find("post incident") != std::string::npos ||
        before.find("incident report") != std::string::npos ||
        before.find(" pir") != std::string::npos || before.find("(pir") != std::string::npos;
    if (review && url.size() > 8) return std::string(url);
  }
  return "";
}

const json::object* JsonReader::parse(std::string_view body) {
  boost::system::error_code ec;
  root_ = json::parse(body, ec);
  if (ec) {
    fail("", "not valid JSON (" + ec.message() + ")");
    return nullptr;
  }
  if (!root_.is_object()) {
    fail("", "not a JSON object");
    return nullptr;
  }
  return &root_.as_object();
}

void JsonReader::fail(const std::string& path, const std::string& problem) {
  if (error_) return;
  error_ = make_error(ErrorCode::kInvalidInput,
                      what_ + ": " + (path.empty() ? "" : path + ": ") + problem);
}

std::string JsonReader::required(const json::object& o, std::string_view key,
                                 const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    fail(path, "no '" + std::string(key) + "'");
    return "";
  }
  return text(o, key, path);
}

std::string JsonReader::text(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return "";
  if (!v->is_string()) {
    fail(path, "'" + std::string(key) + "' is not a string");
    return "";
  }
  return std::string(v->as_string());
}

std::optional<int64_t> JsonReader::time(const json::object& o, std::string_view key,
                                        const std::string& path) {
  std::string s = text(o, key, path);
  if (s.empty()) return std::nullopt;
  auto ms = parse_iso_ms(s);
  if (!ms) fail(path, "'" + std::string(key) + "' is not an ISO 8601 time: " + s.substr(0, 40));
  return ms;
}

bool JsonReader::boolean(const json::object& o, std::string_view key, const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return false;
  if (!v->is_bool()) {
    fail(path, "'" + std::string(key) + "' is not true or false");
    return false;
  }
  return v->as_bool();
}

const json::array* JsonReader::array(const json::object& o, std::string_view key,
                                     const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_array()) {
    fail(path, "'" + std::string(key) + "' is not an array");
    return nullptr;
  }
  return &v->as_array();
}

const json::object* JsonReader::object(const json::object& o, std::string_view key,
                                       const std::string& path) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return nullptr;
  if (!v->is_object()) {
    fail(path, "'" + std::string(key) + "' is not an object");
    return nullptr;
  }
  return &v->as_object();
}

std::vector<std::string> JsonReader::strings(const json::object& o, std::string_view key,
                                             const std::string& path) {
  std::vector<std::string> out;
  const json::array* a = array(o, key, path);
  if (a == nullptr) return out;
  for (size_t i = 0; i < a->size(); ++i) {
    if (!(*a)[i].is_string()) {
      fail(path + "." + std::string(key) + "[" + std::to_string(i) + "]", "not a string");
      return out;
    }
    out.emplace_back((*a)[i].as_string());
  }
  return out;
}

const json::object* JsonReader::element(const json::array& a, size_t i, const std::string& path) {
  if (!a[i].is_object()) {
    fail(path + "[" + std::to_string(i) + "]", "not an object");
    return nullptr;
  }
  return &a[i].as_object();
}

}  // namespace ebcm::health
