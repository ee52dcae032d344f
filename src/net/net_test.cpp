#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "net/curl_client.hpp"
#include "net/fake_http_client.hpp"
#include "net/http_client.hpp"

namespace ebcm::net {
namespace {

// A loopback server for one connection: answers `canned` after reading the request head, or
// closes at once (kDrop), or never answers (kHang: waits until the client goes away).
class OneShotServer {
 public:
  enum Mode { kAnswer, kDrop, kHang };
  OneShotServer(Mode mode, std::string canned = "") : mode_(mode), canned_(std::move(canned)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(::listen(fd_, 4), 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~OneShotServer() {
    thread_.join();
    ::close(fd_);
  }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  const std::string& request_seen() const { return request_; }

 private:
  void serve() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return;
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    char buf[4096];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      pollfd q{c, POLLIN, 0};
      if (::poll(&q, 1, 5000) <= 0) break;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<size_t>(n));
    }
    if (mode_ == kAnswer) {
      ::send(c, canned_.data(), canned_.size(), MSG_NOSIGNAL);
    } else if (mode_ == kHang) {
      pollfd q{c, POLLIN, 0};
      while (::poll(&q, 1, 10000) > 0 && ::recv(c, buf, sizeof buf, 0) > 0) {
      }
    }
    ::close(c);
  }

  Mode mode_;
  std::string canned_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string request_;
};

TEST(HeaderValue, IsCaseInsensitiveAndTakesTheFirst) {
  Headers h{{"Content-Type", "application/json"}, {"retry-after", "7"}, {"Retry-After", "9"}};
  EXPECT_EQ(header_value(h, "content-type"), "application/json");
  EXPECT_EQ(header_value(h, "RETRY-AFTER"), "7");
  EXPECT_EQ(header_value(h, "Location"), std::nullopt);
  EXPECT_EQ(header_value({}, "x"), std::nullopt);
}

TEST(UrlHost, KeepsHostAndPortOnly) {
  EXPECT_EQ(url_host("https://graph.microsoft.com/v1.0/x?secret=1"), "graph.microsoft.com");
  EXPECT_EQ(url_host("http://user:pw@127.0.0.1:8080/a"), "127.0.0.1:8080");
  EXPECT_EQ(url_host("ftp://example.com/"), "");
  EXPECT_EQ(url_host("no url"), "");
}

TEST(CurlClient, ReadsStatusHeadersAndBody) {
  OneShotServer server(OneShotServer::kAnswer,
                       "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Extra:  two \r\n"
                       "Content-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}");
  CurlClient client;
  Request req;
  req.url = server.url("/api/v2/summary.json");
  req.headers = {{"Authorization", "Bearer abc"}};
  auto r = client.send(req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"ok\":true}");
  EXPECT_EQ(header_value(r->headers, "content-type"), "application/json");
  EXPECT_EQ(header_value(r->headers, "x-extra"), "two");
  EXPECT_NE(server.request_seen().find("GET /api/v2/summary.json HTTP/1.1"), std::string::npos);
  EXPECT_NE(server.request_seen().find("User-Agent: ebcm/0.1"), std::string::npos);
  EXPECT_NE(server.request_seen().find("Authorization: Bearer abc"), std::string::npos);
}

TEST(CurlClient, ReturnsErrorStatusesAsAnswersAndDoesNotFollowRedirects) {
  OneShotServer server(OneShotServer::kAnswer,
                       "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n"
                       "Content-Length: 0\r\nConnection: close\r\n\r\n");
  CurlClient client;
  auto r = client.send(Request{"GET", server.url("/x")});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 302);
}

TEST(CurlClient, PostsTheBody) {
  OneShotServer server(OneShotServer::kAnswer,
                       "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 2\r\n"
                       "Connection: close\r\n\r\n{}");
  CurlClient client;
  Request req{
      "POST", server.url("/token"), {{"Content-Type", "application/x-www-form-urlencoded"}}, "a=b"};
  auto r = client.send(req);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(header_value(r->headers, "Retry-After"), "7");
  EXPECT_NE(server.request_seen().find("POST /token HTTP/1.1"), std::string::npos);
}

TEST(CurlClient, TimeoutIsUnavailableWithinAboutTheTimeout) {
  OneShotServer server(OneShotServer::kHang);
  CurlClient client;
  Request req{"GET", server.url("/slow?client_secret=hunter2")};
  req.timeout_ms = 300;
  auto start = std::chrono::steady_clock::now();
  auto r = client.send(req);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("127.0.0.1"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("no answer in time"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find("hunter2"), std::string::npos);
  EXPECT_GE(took, std::chrono::milliseconds(250));
  EXPECT_LT(took, std::chrono::milliseconds(3000));
}

TEST(CurlClient, RefusedPortIsUnavailable) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  uint16_t port = ntohs(addr.sin_port);
  ::close(fd);  // bound, never listened, closed: nobody there
  CurlClient client;
  auto r = client.send(Request{"GET", "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("127.0.0.1"), std::string::npos) << r.error().message;
}

TEST(CurlClient, DroppedConnectionIsUnavailable) {
  OneShotServer server(OneShotServer::kDrop);
  CurlClient client;
  auto r = client.send(Request{"GET", server.url("/")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("127.0.0.1"), std::string::npos) << r.error().message;
}

TEST(CurlClient, TruncatedBodyIsUnavailable) {
  OneShotServer server(OneShotServer::kAnswer,
                       "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"a\"");
  CurlClient client;
  auto r = client.send(Request{"GET", server.url("/")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
}

TEST(CurlClient, CapsTheBody) {
  std::string body(4096, 'x');
  OneShotServer server(
      OneShotServer::kAnswer,
      "HTTP/1.1 200 OK\r\nContent-Length: 4096\r\nConnection: close\r\n\r\n" + body);
  CurlClient client(1024);
  auto r = client.send(Request{"GET", server.url("/")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("answer too large"), std::string::npos) << r.error().message;
}

TEST(CurlClient, RefusesOtherSchemes) {
  CurlClient client;
  auto r = client.send(Request{"GET", "file:///etc/passwd"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
}

TEST(FakeHttpClient, AnswersByLongestPrefixAndRepeatsTheLast) {
  FakeHttpClient fake;
  fake.script("https://a/", 200, "short");
  fake.script("https://a/long", 200, "one");
  fake.script("https://a/long", 503, "two");
  fake.script("https://b/", make_error(ErrorCode::kUnavailable, "down"));
  EXPECT_EQ(fake.send(Request{"GET", "https://a/x"})->body, "short");
  EXPECT_EQ(fake.send(Request{"GET", "https://a/long/1"})->body, "one");
  EXPECT_EQ(fake.send(Request{"GET", "https://a/long/2"})->status, 503);
  EXPECT_EQ(fake.send(Request{"GET", "https://a/long/3"})->status, 503);
  EXPECT_FALSE(fake.send(Request{"GET", "https://b/"}).ok());
  EXPECT_FALSE(fake.send(Request{"GET", "https://c/"}).ok());
  EXPECT_EQ(fake.requests().size(), 6u);
  EXPECT_EQ(fake.count("https://a/long"), 3u);
}

}  // namespace
}  // namespace ebcm::net
