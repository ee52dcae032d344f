#include "net/curl_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>
#include <string>

#include "core/strings.hpp"

namespace ebcm::net {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
  Response* response;
  size_t max_body;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  if (sink->response->body.size() + n > sink->max_body) {
    sink->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  sink->response->body.append(data, n);
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    sink->response->headers.clear();  // a new head (after 100 Continue): keep the last one only
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return n;
  sink->response->headers.emplace_back(std::string(trim_blanks(line.substr(0, colon))),
                                       std::string(trim_blanks(line.substr(colon + 1))));
  return n;
}

// What happened, in words, for the error message (curl's strerror, without the URL).
std::string describe(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return "no answer in time";
    case CURLE_COULDNT_CONNECT:
      return "connection refused or unreachable";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "host name not found";
    case CURLE_GOT_NOTHING:
      return "connection closed without an answer";
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
      return "connection dropped";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
      return std::string("TLS failed: ") + curl_easy_strerror(code);
    default:
      return curl_easy_strerror(code);
  }
}

}  // namespace

struct CurlClient::Handle {
  CURL* easy = nullptr;
  ~Handle() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }
};

CurlClient::CurlClient(size_t max_body_bytes)
    : max_body_(max_body_bytes), handle_(std::make_unique<Handle>()) {
  global_init();
}

CurlClient::~CurlClient() = default;

Result<Response> CurlClient::send(const Request& request) {
  std::string host = url_host(request.url);
  if (host.empty()) {
    return make_error(ErrorCode::kUnsupported, "only http and https URLs can be read");
  }
  if (handle_->easy == nullptr) {
    handle_->easy = curl_easy_init();
    if (handle_->easy == nullptr) return make_error(ErrorCode::kInternal, "curl_easy_init failed");
  } else {
    curl_easy_reset(handle_->easy);  // keeps the connection cache
  }
  CURL* easy = handle_->easy;

  Response response;
  Sink sink{&response, max_body_};
  int64_t timeout_ms = std::max<int64_t>(1, request.timeout_ms);
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms));
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
  // Refused before the body comes when the answer announces its size (checked again on write).
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_body_));
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "ebcm/0.1");
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &sink);

  if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }

  curl_slist* list = nullptr;
  for (const auto& [name, value] : request.headers) {
    std::string line = name;
    line += ": ";
    line += value;
    list = curl_slist_append(list, line.c_str());
  }
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for small bodies
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);

  CURLcode code = curl_easy_perform(easy);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(list);

  if (sink.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    return make_error(ErrorCode::kInvalidInput, host + ": answer too large (over " +
                                                    std::to_string(max_body_ >> 10) + " KiB)");
  }
  if (code == CURLE_UNSUPPORTED_PROTOCOL) {
    return make_error(ErrorCode::kUnsupported, host + ": only http and https URLs can be read");
  }
  if (code != CURLE_OK) {
    std::string what = describe(code);
    if (code == CURLE_OPERATION_TIMEDOUT) {
      what += " (" + std::to_string(timeout_ms) + " ms)";
    }
    return make_error(ErrorCode::kUnavailable, host + ": " + what);
  }
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace ebcm::net
