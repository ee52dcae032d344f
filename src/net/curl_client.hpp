// CurlClient: the HttpClient over libcurl (OpenSSL), the only file of ebcm that sees libcurl.
//
// Contract: http and https only; system CA certificates (OpenSSL's default paths), peers and
// host names verified; no redirects followed (a 3xx is returned as it is); connect timeout and
// total timeout from Request::timeout_ms; gzip/deflate answers accepted and decoded; a body over
// max_body_bytes → kInvalidInput "answer too large"; User-Agent "ebcm/0.1" unless the request
// sets one. Errors as http_client.hpp says (kUnavailable, naming the host and curl's reason).
// Thread safety: one CurlClient per thread (it reuses one easy handle and its connections).
#pragma once

#include <cstddef>
#include <memory>

#include "net/http_client.hpp"

namespace ebcm::net {

class CurlClient final : public HttpClient {
 public:
  static constexpr size_t kDefaultMaxBody = size_t{8} << 20;  // 8 MiB
  explicit CurlClient(size_t max_body_bytes = kDefaultMaxBody);
  ~CurlClient() override;
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  Result<Response> send(const Request& request) override;

 private:
  struct Handle;
  // Constant after construction.
  size_t max_body_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace ebcm::net
