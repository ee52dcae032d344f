// The HealthSources (health.hpp) over the network: Microsoft Graph service communications and
// Atlassian Statuspage, and an in-memory FakeSource for the layers above.
//
// GraphSource contract:
// - OAuth2 client credentials: POST {login_url}/{tenant}/oauth2/v2.0/token; the token is kept
//   until 5 minutes before it expires; a 401 from Graph drops it, fetches a new one and retries
//   that request once. The token endpoint answering 400/401 → kForbidden "the tenant rejected
//   the client credentials (AADSTS...)".
// - read(""): a full read, healthOverviews?$expand=issues and messages, every page;
//   Reading.full = true. read(cursor): healthOverviews (service states), then issues and messages
//   with $filter=lastModifiedDateTime ge {cursor}; full = false. Issues read without posts get
//   them from issues/{id} (at most max_issue_gets per read). The new cursor is the newest
//   lastModifiedDateTime seen (never older than the one given).
// - @odata.nextLink is followed only to graph_url's scheme, host and port (else kInvalidInput),
//   at most max_pages pages per list.
// - 429/503 → kUnavailable with retry_after_ms() from Retry-After (seconds or an HTTP-date);
//   other 5xx → kUnavailable; 403 → kForbidden; a payload that is not Graph's → kInvalidInput
//   naming the URL's path (never its query).
// - The client secret comes from client_secret_file (trailing newline trimmed) or the
//   environment variable client_secret_env, read by load_secret() or the first read(); missing
//   → kInvalidInput naming the file or variable. Neither the secret nor a token is ever in an
//   Error message.
// StatuspageSource: {url}/api/v2/summary.json and {url}/api/v2/incidents/unresolved.json (their
// incidents merged by id), always full = true, cursor "".
// Thread safety: each source is used by one thread at a time (health.hpp); the HttpClient it is
// given must not be used by another thread meanwhile.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "health/health.hpp"
#include "net/http_client.hpp"

namespace ebcm::health {

struct GraphSettings {
  std::string provider;  // the model's `provider` value ("microsoft365")
  std::string tenant, client_id;
  std::string client_secret_file, client_secret_env;  // exactly one of them
  std::string login_url = "https://login.microsoftonline.com";
  std::string graph_url = "https://graph.microsoft.com";
  int64_t timeout_s = 15;  // per request
  size_t max_issue_gets = 50;
  size_t max_pages = 100;
};

class GraphSource final : public HealthSource {
 public:
  // `http` and `clock` must outlive the source.
  GraphSource(GraphSettings settings, net::HttpClient& http, const Clock& clock);
  // The source owns its client.
  GraphSource(GraphSettings settings, std::unique_ptr<net::HttpClient> http, const Clock& clock);
  ~GraphSource() override;

  const std::string& provider() const override { return settings_.provider; }
  Result<Reading> read(std::string_view cursor) override;
  std::optional<int64_t> retry_after_ms() const override { return retry_after_ms_; }
  // Reads the client secret now (read() does it when not done yet).
  Result<void> load_secret();

 private:
  Result<std::string> token();
  Result<std::string> get(const std::string& url);
  Result<std::vector<std::string>> get_pages(const std::string& url);
  Result<void> fill_posts(std::vector<ProviderIssue>& issues, const std::vector<size_t>& which);

  // Constant after construction.
  GraphSettings settings_;
  std::unique_ptr<net::HttpClient> owned_;
  net::HttpClient& http_;
  const Clock& clock_;
  // State between reads (one thread at a time).
  std::string secret_;
  bool secret_loaded_ = false;
  std::string token_;
  int64_t token_until_ms_ = 0;
  std::optional<int64_t> retry_after_ms_;
};

struct StatuspageSettings {
  std::string provider;
  std::string url;  // the page's base URL: "https://discordstatus.com"
  int64_t timeout_s = 15;
};

class StatuspageSource final : public HealthSource {
 public:
  StatuspageSource(StatuspageSettings settings, net::HttpClient& http, const Clock& clock);
  StatuspageSource(StatuspageSettings settings, std::unique_ptr<net::HttpClient> http,
                   const Clock& clock);
  ~StatuspageSource() override;

  const std::string& provider() const override { return settings_.provider; }
  Result<Reading> read(std::string_view cursor) override;
  std::optional<int64_t> retry_after_ms() const override { return retry_after_ms_; }

 private:
  Result<std::string> get(const std::string& path);

  StatuspageSettings settings_;
  std::unique_ptr<net::HttpClient> owned_;
  net::HttpClient& http_;
  const Clock& clock_;
  std::optional<int64_t> retry_after_ms_;
};

// An in-memory HealthSource for tests of the layers above: read() hands out the pushed results
// in order (then kUnavailable "no scripted reading") and records the cursors it was given.
class FakeSource final : public HealthSource {
 public:
  explicit FakeSource(std::string provider) : provider_(std::move(provider)) {}
  // `retry_after_ms`: what retry_after_ms() says after this result was handed out.
  void push(Result<Reading> result, std::optional<int64_t> retry_after_ms = std::nullopt) {
    queue_.push_back(Scripted{std::move(result), retry_after_ms});
  }
  const std::string& provider() const override { return provider_; }
  Result<Reading> read(std::string_view cursor) override {
    cursors_.emplace_back(cursor);
    if (queue_.empty()) {
      retry_after_ = std::nullopt;
      return make_error(ErrorCode::kUnavailable, provider_ + ": no scripted reading");
    }
    Scripted next = std::move(queue_.front());
    queue_.pop_front();
    retry_after_ = next.retry_after_ms;
    return std::move(next.result);
  }
  std::optional<int64_t> retry_after_ms() const override { return retry_after_; }
  const std::vector<std::string>& cursors() const { return cursors_; }
  size_t pending() const { return queue_.size(); }

 private:
  struct Scripted {
    Result<Reading> result;
    std::optional<int64_t> retry_after_ms;
  };
  std::string provider_;
  std::deque<Scripted> queue_;
  std::vector<std::string> cursors_;
  std::optional<int64_t> retry_after_;
};

}  // namespace ebcm::health
