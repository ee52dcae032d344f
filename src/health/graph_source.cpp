#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/strings.hpp"
#include "health/feed_text.hpp"
#include "health/graph.hpp"
#include "health/source_http.hpp"
#include "health/sources.hpp"

namespace ebcm::health {
namespace {

constexpr int64_t kTokenMarginMs = int64_t{5} * 60 * 1000;

std::string strip_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

// "AADSTS7000215" and "invalid_client" from the token endpoint's error body (never its
// description's prose, which may quote what was sent).
std::string token_error(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  const auto& o = v.as_object();
  std::string out;
  if (const auto* d = o.if_contains("error_description"); d != nullptr && d->is_string()) {
    std::string_view text = d->as_string();
    if (text.starts_with("AADSTS")) {
      size_t end = 6;
      while (end < text.size() && end < 16 && std::isdigit(static_cast<unsigned char>(text[end]))) {
        ++end;
      }
      out = std::string(text.substr(0, end));
    }
  }
  if (out.empty()) {
    if (const auto* c = o.if_contains("error_codes");
        c != nullptr && c->is_array() && !c->as_array().empty() && c->as_array()[0].is_int64()) {
      out = "AADSTS" + std::to_string(c->as_array()[0].as_int64());
    }
  }
  if (const auto* e = o.if_contains("error"); e != nullptr && e->is_string()) {
    std::string code(std::string_view(e->as_string()).substr(0, 40));
    bool plain = std::all_of(code.begin(), code.end(), [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
    });
    if (plain && !code.empty()) out += out.empty() ? code : ", " + code;
  }
  return out;
}

}  // namespace

GraphSource::GraphSource(GraphSettings settings, net::HttpClient& http, const Clock& clock)
    : settings_(std::move(settings)), http_(http), clock_(clock) {
  settings_.login_url = strip_slash(settings_.login_url);
  settings_.graph_url = strip_slash(settings_.graph_url);
}

GraphSource::GraphSource(GraphSettings settings, std::unique_ptr<net::HttpClient> http,
                         const Clock& clock)
    : GraphSource(std::move(settings), *http, clock) {
  owned_ = std::move(http);
}

GraphSource::~GraphSource() = default;

Result<void> GraphSource::load_secret() {
  if (secret_loaded_) return {};
  if (!settings_.client_secret_file.empty()) {
    std::ifstream in(settings_.client_secret_file, std::ios::binary);
    if (!in) {
      return make_error(ErrorCode::kInvalidInput, settings_.provider + ": the client secret file " +
                                                      settings_.client_secret_file +
                                                      " cannot be read");
    }
    std::ostringstream text;
    text << in.rdbuf();
    secret_ = text.str();
    while (!secret_.empty() && (secret_.back() == '\n' || secret_.back() == '\r' ||
                                secret_.back() == ' ' || secret_.back() == '\t')) {
      secret_.pop_back();
    }
    if (secret_.empty()) {
      return make_error(ErrorCode::kInvalidInput, settings_.provider + ": the client secret file " +
                                                      settings_.client_secret_file + " is empty");
    }
  } else if (!settings_.client_secret_env.empty()) {
    const char* value = std::getenv(settings_.client_secret_env.c_str());
    if (value == nullptr || *value == '\0') {
      return make_error(ErrorCode::kInvalidInput, settings_.provider +
                                                      ": the environment variable " +
                                                      settings_.client_secret_env + " is not set");
    }
    secret_ = value;
  } else {
    return make_error(ErrorCode::kInvalidInput,
                      settings_.provider + ": no client_secret_file or client_secret_env");
  }
  secret_loaded_ = true;
  return {};
}

Result<std::string> GraphSource::token() {
  int64_t now = clock_.now_ms();
  if (!token_.empty() && now < token_until_ms_) return token_;
  if (auto s = load_secret(); !s) return s.error();
  net::Request req;
  req.method = "POST";
  req.url = settings_.login_url + "/" + form_encode(settings_.tenant) + "/oauth2/v2.0/token";
  req.timeout_ms = settings_.timeout_s * 1000;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"}};
  req.body = "client_id=" + form_encode(settings_.client_id) +
             "&scope=" + form_encode(settings_.graph_url + "/.default") +
             "&client_secret=" + form_encode(secret_) + "&grant_type=client_credentials";
  std::string what = settings_.provider + ": token request";
  Result<net::Response> r = http_.send(req);
  if (!r) return make_error(r.error().code, what + ": " + r.error().message);
  if (r->status == 400 || r->status == 401) {
    secret_loaded_ = false;  // read the file or variable again next time: it may be rotated
    secret_.clear();
    std::string code = token_error(r->body);
    return make_error(ErrorCode::kForbidden, settings_.provider +
                                                 ": the tenant rejected the client credentials" +
                                                 (code.empty() ? "" : " (" + code + ")"));
  }
  if (r->status < 200 || r->status > 299) {
    return status_error(what, req.url, *r, now, retry_after_ms_);
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r->body, ec);
  const boost::json::object* o = !ec && v.is_object() ? &v.as_object() : nullptr;
  const boost::json::value* access = o != nullptr ? o->if_contains("access_token") : nullptr;
  if (access == nullptr || !access->is_string() || access->as_string().empty()) {
    return make_error(ErrorCode::kInvalidInput,
                      what + " " + url_path(req.url) + ": no access_token in the answer");
  }
  int64_t expires_s = 3599;
  if (const auto* e = o->if_contains("expires_in")) {
    if (e->is_int64()) expires_s = e->as_int64();
    if (e->is_string()) expires_s = std::atoll(e->as_string().c_str());
  }
  token_ = std::string(access->as_string());
  token_until_ms_ = now + std::max<int64_t>(0, expires_s * 1000 - kTokenMarginMs);
  return token_;
}

Result<std::string> GraphSource::get(const std::string& url) {
  std::string what = settings_.provider + ": GET";
  for (int attempt = 0;; ++attempt) {
    Result<std::string> t = token();
    if (!t) return t.error();
    net::Request req;
    req.url = url;
    req.timeout_ms = settings_.timeout_s * 1000;
    req.headers = {{"Authorization", "Bearer " + *t}, {"Accept", "application/json"}};
    Result<net::Response> r = http_.send(req);
    if (!r) {
      return make_error(r.error().code, what + " " + url_path(url) + ": " + r.error().message);
    }
    if (r->status == 401 && attempt == 0) {
      token_.clear();  // expired or revoked early: one new token, one more try
      continue;
    }
    if (r->status < 200 || r->status > 299) {
      return status_error(what, url, *r, clock_.now_ms(), retry_after_ms_);
    }
    return std::move(r->body);
  }
}

Result<std::vector<std::string>> GraphSource::get_pages(const std::string& url) {
  std::vector<std::string> pages;
  std::string origin = url_origin(settings_.graph_url);
  std::string next = url;
  while (!next.empty()) {
    if (pages.size() >= settings_.max_pages) {
      return make_error(ErrorCode::kInvalidInput,
                        settings_.provider + ": GET " + url_path(url) + ": more than " +
                            std::to_string(settings_.max_pages) + " pages");
    }
    Result<std::string> body = get(next);
    if (!body) return body.error();
    // Each page names the next; read just that here, the parser reads the rest.
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(*body, ec);
    if (ec || !v.is_object()) {
      return make_error(ErrorCode::kInvalidInput, settings_.provider + ": GET " + url_path(next) +
                                                      ": not valid JSON" +
                                                      (ec ? " (" + ec.message() + ")" : ""));
    }
    std::string link;
    if (const auto* n = v.as_object().if_contains("@odata.nextLink"); n && n->is_string()) {
      link = std::string(n->as_string());
    }
    if (!link.empty() && url_origin(link) != origin) {
      return make_error(ErrorCode::kInvalidInput, settings_.provider + ": GET " + url_path(next) +
                                                      ": @odata.nextLink leads away from " +
                                                      net::url_host(origin) + " (to " +
                                                      net::url_host(link) + "): not followed");
    }
    pages.push_back(std::move(*body));
    next = std::move(link);
  }
  return pages;
}

Result<void> GraphSource::fill_posts(std::vector<ProviderIssue>& issues,
                                     const std::vector<size_t>& which) {
  size_t done = 0;
  for (size_t i : which) {
    if (done++ >= settings_.max_issue_gets) break;
    ProviderIssue& issue = issues[i];
    std::string url =
        settings_.graph_url + "/v1.0/admin/serviceAnnouncement/issues/" + form_encode(issue.id);
    Result<std::string> body = get(url);
    if (!body) return body.error();
    Result<ProviderIssue> full = parse_issue(*body);
    if (!full) {
      return make_error(ErrorCode::kInvalidInput, settings_.provider + ": GET " + url_path(url) +
                                                      ": " + full.error().message);
    }
    std::string service_id = issue.service_id;
    issue = std::move(*full);
    if (issue.service_id.empty()) issue.service_id = service_id;
  }
  return {};
}

Result<Reading> GraphSource::read(std::string_view cursor) {
  retry_after_ms_ = std::nullopt;
  std::optional<int64_t> since;
  if (!cursor.empty()) {
    since = parse_iso_ms(cursor);
    if (!since) {
      return make_error(ErrorCode::kInvalidInput,
                        settings_.provider + ": the cursor is not one this source gave");
    }
  }
  const std::string base = settings_.graph_url + "/v1.0/admin/serviceAnnouncement/";
  Reading reading;
  reading.full = !since.has_value();
  GraphIssues issues;
  auto fail = [&](const std::string& url, const Error& e) {
    return make_error(e.code, settings_.provider + ": GET " + url_path(url) + ": " + e.message);
  };

  std::string overviews_url = base + "healthOverviews" + (since ? "" : "?$expand=issues");
  auto pages = get_pages(overviews_url);
  if (!pages) return pages.error();
  for (const std::string& page : *pages) {
    auto parsed = parse_health_overviews(page);
    if (!parsed) return fail(overviews_url, parsed.error());
    for (auto& s : parsed->services) reading.services.push_back(std::move(s));
    size_t offset = issues.issues.size();
    for (auto& i : parsed->issues.issues) issues.issues.push_back(std::move(i));
    for (size_t k : parsed->issues.without_posts) issues.without_posts.push_back(offset + k);
  }

  std::string filter;
  if (since) filter = "?$filter=lastModifiedDateTime%20ge%20" + format_utc(*since);
  if (since) {
    std::string issues_url = base + "issues" + filter;
    auto issue_pages = get_pages(issues_url);
    if (!issue_pages) return issue_pages.error();
    for (const std::string& page : *issue_pages) {
      auto parsed = parse_issues(page);
      if (!parsed) return fail(issues_url, parsed.error());
      size_t offset = issues.issues.size();
      for (auto& i : parsed->issues) issues.issues.push_back(std::move(i));
      for (size_t k : parsed->without_posts) issues.without_posts.push_back(offset + k);
    }
    assign_service_ids(issues.issues, reading.services);
  }

  std::string messages_url = base + "messages" + filter;
  auto message_pages = get_pages(messages_url);
  if (!message_pages) return message_pages.error();
  for (const std::string& page : *message_pages) {
    auto parsed = parse_messages(page);
    if (!parsed) return fail(messages_url, parsed.error());
    for (auto& c : parsed->changes) reading.changes.push_back(std::move(c));
  }

  if (auto filled = fill_posts(issues.issues, issues.without_posts); !filled) {
    return filled.error();
  }
  reading.issues = std::move(issues.issues);

  int64_t newest = since.value_or(0);
  bool seen = since.has_value();
  for (const auto& i : reading.issues) {
    newest = std::max(newest, i.last_modified_ms);
    seen = seen || i.last_modified_ms > 0;
  }
  for (const auto& c : reading.changes) {
    newest = std::max(newest, c.last_modified_ms);
    seen = seen || c.last_modified_ms > 0;
  }
  // Nothing dated at all: from a little before now (clocks differ), not from the beginning.
  if (!seen) newest = clock_.now_ms() - kTokenMarginMs;
  reading.cursor = format_utc(newest);
  return reading;
}

}  // namespace ebcm::health
