// For tests of the server over real loopback TCP: a blocking client over plain POSIX sockets
// that sends raw bytes and reads HTTP/1.1 responses.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "http/server.hpp"

namespace ebcm::http::testing {

// A server on 127.0.0.1, any free port, two threads, no signal handling.
inline ServerOptions loopback_options() {
  ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.handle_signals = false;
  o.shutdown_grace = std::chrono::seconds(5);
  return o;
}

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool ok = false;  // a whole response was read
};

class Client {
 public:
  explicit Client(uint16_t port, int timeout_s = 5) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{timeout_s, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  bool send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one response; `head` when it answers a HEAD request (no body follows).
  Reply read(bool head = false) {
    Reply r;
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return r;
    std::string head_text = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head_text.find("\r\n");
    std::string status_line = head_text.substr(0, line_end);
    if (status_line.size() < 12) return r;
    r.status = std::atoi(status_line.c_str() + 9);
    size_t pos = line_end;
    while (pos != std::string::npos && pos < head_text.size()) {
      size_t next = head_text.find("\r\n", pos + 2);
      std::string line =
          head_text.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        r.headers[name] = value;
      }
      pos = next;
    }
    size_t length = 0;
    if (r.headers.count("content-length")) length = std::stoul(r.headers["content-length"]);
    if (head) length = 0;
    while (buf_.size() < length)
      if (!fill()) return r;
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    r.ok = true;
    return r;
  }

  // True when the server closed the connection (EOF or reset) before `timeout`.
  bool closed_by_server() {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

  // Everything the server sends until it closes the connection (or the timeout).
  std::string read_raw_until_closed() {
    while (fill()) {
    }
    std::string all;
    all.swap(buf_);
    return all;
  }

 private:
  bool fill() {
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

}  // namespace ebcm::http::testing
