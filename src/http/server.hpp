// The HTTP server: Boost.Beast + Asio with C++20 coroutines, HTTP/1.1 keep-alive, optional TLS.
// Beast and Asio stay inside server.cpp; callers see message.hpp's Request and Response.
//
// Contract: start() binds and listens (errors, such as an address in use, are returned, not
// thrown) and serves on `threads` threads; each request is parsed with the header and body
// limits, read within the timeouts (a slow or silent client is cut off), handed to the handler,
// and answered; every failure the server itself detects (malformed request, too large, timed
// out, handler threw) is answered with error_response()'s JSON body where the connection still
// allows it. stop() (also on SIGTERM/SIGINT when `handle_signals`) stops accepting, lets requests
// in flight finish within `shutdown_grace`, then closes every connection; wait() returns then.
// Thread safety: the handler is called concurrently from the server's threads (I/O threads and
// workers).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "http/message.hpp"

namespace ebcm {
class Metrics;
}

namespace ebcm::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;           // 0: any free port (port() tells which)
  int threads = 0;                // 0: one per core
  std::string tls_cert, tls_key;  // both set: HTTPS only
  size_t header_limit = 16 * 1024;
  size_t body_limit = 64 * 1024 * 1024;  // the most any route takes (on_head may lower it)
  // Open connections beyond this are answered 503 at once and closed (logged, counted).
  size_t max_connections = 4096;
  std::chrono::seconds read_timeout{30};  // to receive one whole request
  std::chrono::seconds idle_timeout{75};  // keep-alive connection with no request
  std::chrono::seconds shutdown_grace{10};
  bool handle_signals = true;
  // When set, the requests it accepts are answered on the connection's I/O thread (cheap ones:
  // the status page, one entity); all others on a pool of `threads` workers, so a slow handler
  // never stalls the connections of an I/O thread. Unset: every request on its I/O thread.
  std::function<bool(const Request&)> inline_if;
  // Asked when a request's head is read and its framing checked (request_head.hpp), before
  // any of its body is read (the Request has no body yet): an answer to send at once — an
  // unknown route, no credentials, a role without access — or nothing, having set
  // `body_limit` to what the route takes. A body over it is answered 413 unread.
  std::function<std::optional<Response>(const Request& head, size_t& body_limit)> on_head;
  // When set, the requests it accepts (sign-ins: argon2id takes a tenth of a second or more by
  // design) run on a pool of their own: `isolated_threads` threads (0: half the cores, at least
  // one, so they can never take every core), with at most `isolated_queue` more waiting. A
  // request beyond that is answered at once with 429 and Retry-After: 1, never queued. So they
  // never hold up the workers (writes, analyses) nor the I/O threads (health, the status page),
  // whatever arrives. (Not at a lower CPU priority: these handlers take locks that writes take
  // too, and a starved holder would make the writes wait.)
  std::function<bool(const Request&)> isolate_if;
  int isolated_threads = 0;
  int isolated_queue = 8;
};

using Handler = std::function<Response(Request&)>;

class Server {
 public:
  virtual ~Server() = default;
  // Binds, listens and starts the threads. `metrics` may be null; when set, every request is
  // counted and timed in it by method, route and status.
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options, Handler handler,
                                               Metrics* metrics);
  virtual uint16_t port() const = 0;
  // Blocks until stop() or a signal, and until the connections have drained.
  virtual void wait() = 0;
  virtual void stop() = 0;
};

}  // namespace ebcm::http
