// LoopbackServer: a tiny HTTP/1.1 stand-in on 127.0.0.1 for tests of the network sources (an
// identity provider, Graph, a Statuspage), one connection at a time, each closed after one answer.
//
// Contract (tests only): a handler gets each request (method, target with query, headers, body)
// and returns what to do: answer with raw bytes (status line, headers, body), close the
// connection without answering, or never answer (the connection is held until the client gives
// up or the server stops). Every request is recorded. The destructor stops the accept thread.
// Thread safety: handler and records run on the server's thread; read requests() only while no
// client is talking to it (after the call under test returned).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.hpp"

namespace ebcm::net {

struct LoopbackRequest {
  std::string method, target;
  Headers headers;
  std::string body;
};

struct LoopbackAnswer {
  enum Kind { kRespond, kDrop, kHang } kind = kRespond;
  std::string raw;  // for kRespond: the whole answer as sent
  // A complete answer with Content-Length and Connection: close.
  static LoopbackAnswer respond(int status, const std::string& body, const Headers& headers = {}) {
    std::string raw = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
    for (const auto& [k, v] : headers) raw += k + ": " + v + "\r\n";
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    return {kRespond, raw + body};
  }
  static LoopbackAnswer drop() { return {kDrop, ""}; }
  static LoopbackAnswer hang() { return {kHang, ""}; }
};

class LoopbackServer {
 public:
  using Handler = std::function<LoopbackAnswer(const LoopbackRequest&)>;

  explicit LoopbackServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { run(); });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<LoopbackRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }

  // Waits up to 50 ms at a time for data, giving up when stopped; false when the peer left.
  bool receive(int c, std::string& into) {
    char buf[8192];
    while (!stop_) {
      pollfd q{c, POLLIN, 0};
      int ready = ::poll(&q, 1, 50);
      if (ready < 0) return false;
      if (ready == 0) continue;
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return false;
      into.append(buf, static_cast<size_t>(n));
      return true;
    }
    return false;
  }

  void serve(int c) {
    std::string data;
    size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      if (!receive(c, data)) return;
    }
    LoopbackRequest req;
    std::string_view head(data.data(), head_end);
    size_t line_end = head.find("\r\n");
    std::string_view first = head.substr(0, line_end);
    size_t sp1 = first.find(' '), sp2 = first.rfind(' ');
    req.method = std::string(first.substr(0, sp1));
    req.target = std::string(first.substr(sp1 + 1, sp2 - sp1 - 1));
    size_t length = 0;
    for (size_t at = line_end; at != std::string_view::npos && at < head.size();) {
      size_t next = head.find("\r\n", at + 2);
      std::string_view line = head.substr(
          at + 2, next == std::string_view::npos ? std::string_view::npos : next - at - 2);
      size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        std::string name(line.substr(0, colon));
        std::string value(line.substr(colon + 1));
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        if (name == "Content-Length" || name == "content-length") length = std::stoul(value);
        req.headers.emplace_back(std::move(name), std::move(value));
      }
      at = next;
    }
    while (data.size() < head_end + 4 + length) {
      if (!receive(c, data)) return;
    }
    req.body = data.substr(head_end + 4, length);
    LoopbackAnswer answer = handler_(req);
    {
      std::lock_guard lock(mu_);
      requests_.push_back(req);
    }
    if (answer.kind == LoopbackAnswer::kRespond) {
      ::send(c, answer.raw.data(), answer.raw.size(), MSG_NOSIGNAL);
    } else if (answer.kind == LoopbackAnswer::kHang) {
      std::string ignored;
      while (receive(c, ignored)) {
      }
    }
  }

  Handler handler_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<LoopbackRequest> requests_;  // guarded by mu_
};

}  // namespace ebcm::net
