// The server over real loopback TCP, talked to with plain POSIX sockets (and OpenSSL for TLS).
#include "http/server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/metrics.hpp"
#include "http/test_client.hpp"

namespace ebcm::http {
namespace {

using namespace std::chrono_literals;
using testing::Client;
using testing::Reply;

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

// Echoes what it saw; a few paths do something special.
Response echo(Request& req) {
  if (req.path == "/missing") return error_response(404, "not_found", "No such thing.");
  if (req.path == "/throw") throw std::runtime_error("secret detail of the failure");
  Response r;
  r.content_type = "text/plain";
  r.body = req.method + " " + req.path;
  for (const auto& [k, v] : req.query) r.body += " [" + k + "=" + v + "]";
  if (!req.body.empty()) r.body += " body=" + req.body;
  if (req.tls) r.body += " tls";
  r.set("X-Remote-Set", req.remote.empty() ? "no" : "yes");
  r.route = "/echo";
  return r;
}

ServerOptions test_options() { return testing::loopback_options(); }

std::unique_ptr<Server> start(const ServerOptions& o, Handler h = echo, Metrics* m = nullptr) {
  auto r = Server::start(o, std::move(h), m);
  if (!r) ADD_FAILURE() << r.error().message;
  return r ? std::move(r.value()) : nullptr;
}

TEST(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  auto server = start(test_options());
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(get("/a%20b/c?x=1&y=hello+world&z=%C3%A5")));
  Reply r1 = c.read();
  ASSERT_TRUE(r1.ok);
  EXPECT_EQ(r1.status, 200);
  EXPECT_EQ(r1.body, "GET /a b/c [x=1] [y=hello world] [z=\xC3\xA5]");
  EXPECT_EQ(r1.headers["server"], "ebcm");
  EXPECT_FALSE(r1.headers["date"].empty());
  EXPECT_EQ(r1.headers["content-type"], "text/plain");
  EXPECT_EQ(r1.headers["x-remote-set"], "yes");
  EXPECT_EQ(r1.headers.count("connection"), 0u);

  ASSERT_TRUE(c.send("POST /second HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc"));
  Reply r2 = c.read();
  ASSERT_TRUE(r2.ok);
  EXPECT_EQ(r2.body, "POST /second body=abc");
  server->stop();
  server->wait();
}

TEST(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  auto server = start(test_options());
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.send(get("/one") + get("/two")));
  EXPECT_EQ(c.read().body, "GET /one");
  EXPECT_EQ(c.read().body, "GET /two");
}

TEST(ServerTest, HeadSendsHeadersOnly) {
  auto server = start(test_options());
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.send("HEAD /thing HTTP/1.1\r\nHost: test\r\n\r\n"));
  Reply r = c.read(/*head=*/true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-length"], std::to_string(std::string("HEAD /thing").size()));
  // Had a body been sent, it would be read as the start of this response.
  ASSERT_TRUE(c.send(get("/after")));
  Reply r2 = c.read();
  ASSERT_TRUE(r2.ok);
  EXPECT_EQ(r2.status, 200);
  EXPECT_EQ(r2.body, "GET /after");
}

TEST(ServerTest, HandlerStatusPassesThrough) {
  auto server = start(test_options());
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.send(get("/missing")));
  Reply r = c.read();
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_NE(r.body.find("\"not_found\""), std::string::npos);
}

TEST(ServerTest, Http10ClosesAfterTheResponse) {
  auto server = start(test_options());
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.send("GET /old HTTP/1.0\r\n\r\n"));
  Reply r = c.read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.body, "GET /old");
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, ConnectionCloseIsHonoured) {
  auto server = start(test_options());
  ASSERT_TRUE(server);
  Client c(server->port());
  ASSERT_TRUE(c.send(get("/bye", "Connection: close\r\n")));
  Reply r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, OversizedBodyGets413AndClose) {
  ServerOptions o = test_options();
  o.body_limit = 1024;
  auto server = start(o);
  ASSERT_TRUE(server);
  Client c(server->port());
  std::string body(5000, 'x');
  c.send("POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 5000\r\n\r\n" + body);
  Reply r = c.read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_NE(r.body.find("\"body_too_large\""), std::string::npos);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, OversizedChunkedBodyGets413) {
  ServerOptions o = test_options();
  o.body_limit = 1024;
  auto server = start(o);
  ASSERT_TRUE(server);
  Client c(server->port());
  std::string chunk(800, 'y');
  c.send("POST /upload HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" +
         chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  Reply r = c.read();
  EXPECT_EQ(r.status, 413);
}

TEST(ServerTest, OversizedHeaderGets431) {
  ServerOptions o = test_options();
  o.header_limit = 1024;
  auto server = start(o);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(get("/", "X-Big: " + std::string(4000, 'h') + "\r\n"));
  Reply r = c.read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 431);
  EXPECT_NE(r.body.find("\"header_too_large\""), std::string::npos);
  EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, MalformedRequestGets400AndClose) {
  auto server = start(test_options());
  ASSERT_TRUE(server);
  for (std::string bad : {"HELLO THERE\r\n\r\n", "GET / HTTP/1.1\r\nNo colon here\r\n\r\n",
                          "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"}) {
    Client c(server->port());
    c.send(bad);
    Reply r = c.read();
    ASSERT_TRUE(r.ok) << bad;
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.headers["content-type"], "application/json");
    EXPECT_NE(r.body.find("\"bad_request\""), std::string::npos);
    EXPECT_TRUE(c.closed_by_server());
  }
}

TEST(ServerTest, InvalidTargetGets400) {
  auto server = start(test_options());
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(get("/bad%zz"));
  Reply r = c.read();
  EXPECT_EQ(r.status, 400);
  c.send(get("/fine"));
  EXPECT_EQ(c.read().body, "GET /fine");  // a well-framed request keeps its connection
}

TEST(ServerTest, SlowClientIsCutOffWith408) {
  ServerOptions o = test_options();
  o.read_timeout = 1s;
  auto server = start(o);
  ASSERT_TRUE(server);
  Client c(server->port());
  auto t0 = std::chrono::steady_clock::now();
  c.send("GET /slow HTTP/1.1\r\nHost: te");  // ... and nothing more
  Reply r = c.read();
  auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 408);
  EXPECT_NE(r.body.find("\"request_timeout\""), std::string::npos);
  EXPECT_GE(waited, 900ms);
  EXPECT_LT(waited, 3s);
  EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerTest, SlowLorisTricklingBytesIsCutOff) {
  ServerOptions o = test_options();
  o.read_timeout = 1s;
  auto server = start(o);
  ASSERT_TRUE(server);
  Client c(server->port());
  auto t0 = std::chrono::steady_clock::now();
  c.send("GET / HTTP/1.1\r\n");
  bool cut = false;
  for (int i = 0; i < 40 && !cut; ++i) {
    std::this_thread::sleep_for(100ms);
    cut = !c.send("X-A: b\r\n");
    if (std::chrono::steady_clock::now() - t0 > 1500ms) break;
  }
  Reply r = c.read();
  EXPECT_EQ(r.status, 408);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST(ServerTest, IdleConnectionIsClosedSilently) {
  ServerOptions o = test_options();
  o.idle_timeout = 1s;
  auto server = start(o);
  ASSERT_TRUE(server);
  Client c(server->port());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_server());  // EOF, no 408: nothing was asked
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST(ServerTest, HandlerExceptionGets500WithoutItsText) {
  auto server = start(test_options());
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(get("/throw"));
  Reply r = c.read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_NE(r.body.find("\"internal\""), std::string::npos);
  c.send(get("/still-up"));
  EXPECT_EQ(c.read().body, "GET /still-up");
}

TEST(ServerTest, SharedBodyIsSent) {
  auto page = std::make_shared<const std::string>(100000, 's');
  auto server = start(test_options(), [page](Request&) {
    Response r;
    r.shared_body = page;
    r.body = "ignored";
    return r;
  });
  ASSERT_TRUE(server);
  Client c(server->port());
  for (int i = 0; i < 3; ++i) {
    c.send(get("/status.json"));
    Reply r = c.read();
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.body, *page);
  }
}

TEST(ServerTest, HeadersThatWouldBreakFramingAreDropped) {
  auto server = start(test_options(), [](Request&) {
    Response r;
    r.body = "{}";
    r.set("X-Evil", "a\r\nSet-Cookie: x=1");
    r.set("Content-Length", "99");
    r.set("X-Good", "fine");
    return r;
  });
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(get("/"));
  Reply r = c.read();
  EXPECT_EQ(r.body, "{}");
  EXPECT_EQ(r.headers.count("set-cookie"), 0u);
  EXPECT_EQ(r.headers.count("x-evil"), 0u);
  EXPECT_EQ(r.headers["x-good"], "fine");
}

// An endless answer for the tests: sends what is pushed, ends when told.
struct PushedStream final : ResponseStream {
  struct State {
    std::mutex mutex;
    std::vector<std::string> queue;
    std::function<void()> wake;
    bool end = false;
    std::atomic<int> polls{0};
    void push(std::string s) {
      std::function<void()> w;
      {
        std::lock_guard lock(mutex);
        queue.push_back(std::move(s));
        w = wake;
      }
      if (w) w();
    }
  };
  explicit PushedStream(std::shared_ptr<State> s) : state(std::move(s)) {}
  void on_more(std::function<void()> wake) override {
    std::lock_guard lock(state->mutex);
    state->wake = std::move(wake);
  }
  std::optional<std::string> next() override {
    ++state->polls;
    std::lock_guard lock(state->mutex);
    if (state->end && state->queue.empty()) return std::nullopt;
    std::string out;
    for (auto& q : state->queue) out += q;
    state->queue.clear();
    return out;
  }
  std::chrono::milliseconds idle_wait() const override { return 50ms; }
  std::shared_ptr<State> state;
};

// Reads from `c` until `needle` has arrived (or 5 s); all read so far.
std::string read_until(Client& c, std::string& seen, std::string_view needle) {
  char tmp[4096];
  while (seen.find(needle) == std::string::npos) {
    ssize_t n = ::recv(c.fd(), tmp, sizeof tmp, 0);
    if (n <= 0) break;
    seen.append(tmp, static_cast<size_t>(n));
  }
  return seen;
}

Handler streaming(std::shared_ptr<PushedStream::State> state) {
  return [state](Request&) {
    Response r;
    r.content_type = "text/event-stream";
    r.body = "first\n";
    r.stream = std::make_shared<PushedStream>(state);
    return r;
  };
}

TEST(ServerTest, AStreamedAnswerSendsWhatComesAsItComesAndEndsAtStop) {
  auto state = std::make_shared<PushedStream::State>();
  auto server = start(test_options(), streaming(state));
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(get("/events"));
  std::string seen;
  read_until(c, seen, "first\n");
  ASSERT_NE(seen.find("first\n"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("Content-Length"), std::string::npos) << seen;  // ended by the close
  EXPECT_NE(seen.find("Connection: close"), std::string::npos) << seen;
  state->push("second\n");
  read_until(c, seen, "second\n");
  EXPECT_NE(seen.find("second\n"), std::string::npos);
  // Without news the stream is asked again after its idle wait (for a heartbeat).
  const int polls = state->polls;
  std::this_thread::sleep_for(300ms);
  EXPECT_GE(state->polls - polls, 2);
  auto t0 = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_TRUE(c.closed_by_server());
  server->wait();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);  // not held for the grace period
}

TEST(ServerTest, AStreamedAnswerThatCompletesClosesTheConnection) {
  auto state = std::make_shared<PushedStream::State>();
  auto server = start(test_options(), streaming(state));
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send(get("/events"));
  std::string seen;
  read_until(c, seen, "first\n");
  auto t0 = std::chrono::steady_clock::now();
  // The last bytes and the end together: were the end set first, an idle poll in between
  // would complete the answer before "last" is queued (a race this test once lost in CI).
  std::function<void()> wake;
  {
    std::lock_guard lock(state->mutex);
    state->queue.push_back("last\n");
    state->end = true;
    wake = state->wake;
  }
  if (wake) wake();
  seen += c.read_raw_until_closed();  // returns at the close (or after the client's 5 s)
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_NE(seen.find("last\n"), std::string::npos) << seen;
}

TEST(ServerTest, StopLetsARunningHandlerFinish) {
  std::atomic<bool> started{false};
  auto server = start(test_options(), [&](Request&) {
    started = true;
    std::this_thread::sleep_for(500ms);
    Response r;
    r.body = "done";
    return r;
  });
  ASSERT_TRUE(server);
  Client busy(server->port());
  Client idle(server->port());
  ASSERT_TRUE(idle.connected());
  busy.send(get("/slow"));
  while (!started) std::this_thread::sleep_for(5ms);
  auto t0 = std::chrono::steady_clock::now();
  server->stop();
  Reply r = busy.read();
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "done");
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(idle.closed_by_server());
  server->wait();
  // Drained, not cut off by the 5 s grace.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  Client late(server->port());
  EXPECT_FALSE(late.connected());
}

// With one I/O thread, a slow handler sent to the workers does not hold up a cheap request
// answered inline, even on a connection of the same thread; and stop() still waits for it.
TEST(ServerTest, SlowHandlersRunOnWorkersAndDoNotStallTheIoThread) {
  ServerOptions o = test_options();
  o.threads = 1;
  o.inline_if = [](const Request& r) { return r.path != "/slow"; };
  std::atomic<bool> started{false};
  auto server = start(o, [&](Request& req) {
    if (req.path == "/slow") {
      started = true;
      std::this_thread::sleep_for(1500ms);
    }
    return echo(req);
  });
  ASSERT_TRUE(server);
  Client slow(server->port());
  Client fast(server->port());
  slow.send(get("/slow"));
  while (!started) std::this_thread::sleep_for(5ms);
  const auto t0 = std::chrono::steady_clock::now();
  fast.send(get("/fast"));
  Reply f = fast.read();
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(f.body, "GET /fast");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1000ms);
  server->stop();
  Reply s = slow.read();
  ASSERT_TRUE(s.ok);
  EXPECT_EQ(s.body, "GET /slow");
  server->wait();
}

// Finding 5 of issue 8: sign-ins (argon2id) ran on the workers that serve writes. Isolated ones
// get their own bounded pool: a flood of them fills it and the rest are answered 429 at once,
// while a request for the workers and one answered inline both go through at once.
TEST(ServerTest, IsolatedRequestsHaveABoundedPoolAndNeverHoldUpWorkers) {
  ServerOptions o = test_options();
  o.threads = 1;
  o.inline_if = [](const Request& r) { return r.path == "/fast"; };
  o.isolate_if = [](const Request& r) { return r.path == "/slow"; };
  o.isolated_threads = 1;
  o.isolated_queue = 1;
  std::atomic<int> started{0};
  auto server = start(o, [&](Request& req) {
    if (req.path == "/slow") {
      ++started;
      std::this_thread::sleep_for(1500ms);
    }
    return echo(req);
  });
  ASSERT_TRUE(server);
  Client first(server->port()), second(server->port()), third(server->port());
  first.send(get("/slow"));
  while (started == 0) std::this_thread::sleep_for(5ms);
  second.send(get("/slow"));  // waits in the queue
  std::this_thread::sleep_for(50ms);
  auto t0 = std::chrono::steady_clock::now();
  third.send(get("/slow"));  // beyond the queue: refused at once
  Reply refused = third.read();
  ASSERT_TRUE(refused.ok);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.headers["retry-after"], "1");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);

  Client worker(server->port()), fast(server->port());
  t0 = std::chrono::steady_clock::now();
  worker.send(get("/write"));
  fast.send(get("/fast"));
  Reply w = worker.read(), f = fast.read();
  ASSERT_TRUE(w.ok);
  ASSERT_TRUE(f.ok);
  EXPECT_EQ(w.body, "GET /write");
  EXPECT_EQ(f.body, "GET /fast");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);

  Reply a = first.read(), b = second.read();
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(started, 2);
  server->stop();
  server->wait();
}

TEST(ServerTest, GraceEndsWithAForcedClose) {
  ServerOptions o = test_options();
  o.shutdown_grace = 1s;
  auto server = start(o);
  ASSERT_TRUE(server);
  Client c(server->port());
  c.send("GET / HTTP/1.1\r\n");  // a request in progress, never finished
  std::this_thread::sleep_for(100ms);
  auto t0 = std::chrono::steady_clock::now();
  server->stop();
  server->wait();
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 4s);
}

TEST(ServerTest, BindErrorNamesTheAddress) {
  auto first = start(test_options());
  ASSERT_TRUE(first);
  ServerOptions o = test_options();
  o.port = first->port();
  auto second = Server::start(o, echo, nullptr);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message,
            "cannot listen on 127.0.0.1:" + std::to_string(o.port) + ": Address already in use");
}

TEST(ServerTest, MissingTlsFilesAreNamed) {
  ServerOptions o = test_options();
  o.tls_cert = "/nonexistent/cert.pem";
  o.tls_key = "/nonexistent/key.pem";
  auto r = Server::start(o, echo, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/cert.pem"), std::string::npos)
      << r.error().message;
}

TEST(ServerTest, MetricsCountRequests) {
  Metrics metrics;
  auto server = start(test_options(), echo, &metrics);
  ASSERT_TRUE(server);
  {
    Client c(server->port());
    c.send(get("/a"));
    c.read();
    c.send(get("/missing"));
    c.read();
  }
  server->stop();
  server->wait();
  std::string text = metrics.render();
  EXPECT_NE(text.find("ebcm_http_requests_total{method=\"GET\",route=\"/echo\",status=\"200\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("ebcm_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"),
      std::string::npos)
      << text;
}

// --- TLS ---------------------------------------------------------------------------------

bool have_openssl() { return std::system("command -v openssl > /dev/null 2>&1") == 0; }

TEST(ServerTest, ServesHttpsWithASelfSignedCertificate) {
  if (!have_openssl()) GTEST_SKIP() << "the openssl command is missing";
  auto dir = std::filesystem::temp_directory_path() / ("ebcm-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost -days 1 -keyout " + key +
      " -out " + cert + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);

  ServerOptions o = test_options();
  o.tls_cert = cert;
  o.tls_key = key;
  auto server = start(o);
  ASSERT_TRUE(server);

  Client tcp(server->port());
  ASSERT_TRUE(tcp.connected());
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, tcp.fd());
  ASSERT_EQ(SSL_connect(ssl), 1);
  std::string response;
  for (int i = 0; i < 2; ++i) {  // keep-alive over TLS too
    std::string req = get("/secure?i=" + std::to_string(i));
    ASSERT_EQ(SSL_write(ssl, req.data(), static_cast<int>(req.size())),
              static_cast<int>(req.size()));
    std::string want = "GET /secure [i=" + std::to_string(i) + "] tls";
    response.clear();
    char buf[4096];
    while (response.find(want) == std::string::npos) {
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) break;
      response.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
    EXPECT_NE(response.find(want), std::string::npos) << response;
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);

  // Plain HTTP to the HTTPS port is not served.
  Client plain(server->port(), 2);
  plain.send(get("/"));
  Reply r = plain.read();
  EXPECT_NE(r.status, 200);
  server->stop();
  server->wait();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ebcm::http
