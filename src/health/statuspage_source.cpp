#include "health/source_http.hpp"
#include "health/sources.hpp"
#include "health/statuspage.hpp"

namespace ebcm::health {

StatuspageSource::StatuspageSource(StatuspageSettings settings, net::HttpClient& http,
                                   const Clock& clock)
    : settings_(std::move(settings)), http_(http), clock_(clock) {
  while (!settings_.url.empty() && settings_.url.back() == '/') settings_.url.pop_back();
}

StatuspageSource::StatuspageSource(StatuspageSettings settings,
                                   std::unique_ptr<net::HttpClient> http, const Clock& clock)
    : StatuspageSource(std::move(settings), *http, clock) {
  owned_ = std::move(http);
}

StatuspageSource::~StatuspageSource() = default;

Result<std::string> StatuspageSource::get(const std::string& path) {
  net::Request req;
  req.url = settings_.url + path;
  req.timeout_ms = settings_.timeout_s * 1000;
  req.headers = {{"Accept", "application/json"}};
  std::string what = settings_.provider + ": GET";
  Result<net::Response> r = http_.send(req);
  if (!r) {
    return make_error(r.error().code, what + " " + url_path(req.url) + ": " + r.error().message);
  }
  if (r->status < 200 || r->status > 299) {
    return status_error(what, req.url, *r, clock_.now_ms(), retry_after_ms_);
  }
  return std::move(r->body);
}

Result<Reading> StatuspageSource::read(std::string_view /*cursor: the feed is a snapshot*/) {
  retry_after_ms_ = std::nullopt;
  auto fail = [&](const char* path, const Error& e) {
    return make_error(
        e.code, settings_.provider + ": GET " + url_path(settings_.url + path) + ": " + e.message);
  };
  static constexpr const char* kSummary = "/api/v2/summary.json";
  static constexpr const char* kUnresolved = "/api/v2/incidents/unresolved.json";
  Result<std::string> summary_body = get(kSummary);
  if (!summary_body) return summary_body.error();
  Result<Reading> reading = parse_summary(*summary_body);
  if (!reading) return fail(kSummary, reading.error());

  Result<std::string> unresolved_body = get(kUnresolved);
  if (!unresolved_body) return unresolved_body.error();
  auto unresolved = parse_unresolved(*unresolved_body);
  if (!unresolved) return fail(kUnresolved, unresolved.error());
  // The two were read at different moments: the later answer (unresolved) wins for an id.
  for (ProviderIssue& incident : *unresolved) {
    bool replaced = false;
    for (ProviderIssue& known : reading->issues) {
      if (known.kind == "incident" && known.id == incident.id) {
        known = incident;
        replaced = true;
        break;
      }
    }
    if (!replaced) reading->issues.push_back(std::move(incident));
  }
  reading->full = true;
  reading->cursor.clear();
  return reading;
}

}  // namespace ebcm::health
