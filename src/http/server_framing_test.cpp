// The server's framing over real sockets (RFC 9112/9110 MUSTs of an external conformance run),
// the head-first checks that keep unread bodies out of memory, and the connection cap.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/server.hpp"
#include "http/test_client.hpp"

namespace ebcm::http {
namespace {

using namespace std::chrono_literals;
using testing::Client;
using testing::Reply;

ServerOptions options() { return testing::loopback_options(); }

struct Served {
  std::atomic<int> calls{0};
  std::unique_ptr<Server> server;
};

// A server whose handler says what it was asked, counting its calls.
std::unique_ptr<Served> serve(ServerOptions o = options()) {
  auto s = std::make_unique<Served>();
  auto* calls = &s->calls;
  auto r = Server::start(
      o,
      [calls](Request& req) {
        ++*calls;
        Response res;
        res.content_type = "text/plain";
        res.body = req.method + " " + req.path + (req.body.empty() ? "" : " body=" + req.body);
        return res;
      },
      nullptr);
  if (!r) ADD_FAILURE() << r.error().message;
  if (r) s->server = std::move(*r);
  return s;
}

TEST(ServerFramingTest, RequestSmuggledAfterABadTransferEncodingIsNeverRun) {
  auto s = serve();
  ASSERT_TRUE(s->server);
  const std::string smuggled = "GET /api/v1/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n";
  for (const char* te : {"xchunked", "identity", "gzip", "chunked, identity"}) {
    s->calls = 0;
    Client c(s->server->port());
    ASSERT_TRUE(c.send(std::string("POST /api/v1/session HTTP/1.1\r\nHost: x\r\n") +
                       "Transfer-Encoding: " + te + "\r\nContent-Length: " +
                       std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled));
    Reply r = c.read();
    ASSERT_TRUE(r.ok) << te;
    EXPECT_EQ(r.status, 400) << te;
    EXPECT_EQ(r.headers["connection"], "close") << te;
    EXPECT_TRUE(c.closed_by_server()) << te;
    EXPECT_EQ(s->calls.load(), 0) << te;  // neither the POST nor the GET inside it
  }
  // Without Content-Length too (what a proxy that takes the TE would forward).
  Client c(s->server->port());
  ASSERT_TRUE(c.send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n" +
                     smuggled));
  Reply r = c.read();
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(c.closed_by_server());
}

TEST(ServerFramingTest, ChunkedBodiesStillWork) {
  auto s = serve();
  ASSERT_TRUE(s->server);
  Client c(s->server->port());
  ASSERT_TRUE(c.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nabc\r\n0\r\n\r\n"));
  Reply r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST /up body=abc");
}

TEST(ServerFramingTest, Http11WithoutOrWithTwoHostsGets400) {
  auto s = serve();
  ASSERT_TRUE(s->server);
  for (const char* req : {"GET /a HTTP/1.1\r\n\r\n", "GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"}) {
    Client c(s->server->port());
    ASSERT_TRUE(c.send(req));
    Reply r = c.read();
    EXPECT_EQ(r.status, 400) << req;
    EXPECT_NE(r.body.find("Host"), std::string::npos) << r.body;
  }
  EXPECT_EQ(s->calls.load(), 0);
}

TEST(ServerFramingTest, Http10GetsNo100ContinueAndAnHttp11StatusLine) {
  auto s = serve();
  ASSERT_TRUE(s->server);
  Client c(s->server->port());
  ASSERT_TRUE(c.send("POST /a HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  std::this_thread::sleep_for(200ms);
  ASSERT_TRUE(c.send("hi"));
  std::string raw = c.read_raw_until_closed();
  EXPECT_EQ(raw.find("100 Continue"), std::string::npos) << raw;
  EXPECT_EQ(raw.rfind("HTTP/1.1 200", 0), 0u) << raw;
  EXPECT_NE(raw.find("POST /a body=hi"), std::string::npos) << raw;
}

TEST(ServerFramingTest, Http11Gets100Continue) {
  auto s = serve();
  ASSERT_TRUE(s->server);
  Client c(s->server->port());
  ASSERT_TRUE(c.send("POST /a HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                     "Content-Length: 2\r\n\r\n"));
  Reply cont = c.read();
  EXPECT_EQ(cont.status, 100);
  ASSERT_TRUE(c.send("hi"));
  EXPECT_EQ(c.read().body, "POST /a body=hi");
}

TEST(ServerFramingTest, AbsoluteFormTargetIsServed) {
  auto s = serve();
  ASSERT_TRUE(s->server);
  Client c(s->server->port());
  ASSERT_TRUE(c.send("GET http://example.org/healthz HTTP/1.1\r\nHost: example.org\r\n\r\n"));
  Reply r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "GET /healthz");
}

TEST(ServerFramingTest, TooLongTargetGets414) {
  auto s = serve();
  ASSERT_TRUE(s->server);
  // Within the header limit, and beyond it (the request line alone too long).
  for (size_t n : {size_t{9000}, size_t{40000}}) {
    Client c(s->server->port());
    c.send("GET /" + std::string(n, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    Reply r = c.read();
    EXPECT_EQ(r.status, 414) << n;
  }
  // A long header (not the target) is still 431.
  Client c(s->server->port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(40000, 'b') + "\r\n\r\n");
  EXPECT_EQ(c.read().status, 431);
}

TEST(ServerFramingTest, HeadRefusedBeforeTheBodyIsRead) {
  ServerOptions o = options();
  std::atomic<int> asked{0};
  o.on_head = [&asked](const Request& head, size_t& limit) -> std::optional<Response> {
    ++asked;
    if (head.path == "/unknown") return error_response(404, "not_found", "no such route");
    limit = head.path == "/small" ? 10 : limit;
    return std::nullopt;
  };
  auto s = serve(o);
  ASSERT_TRUE(s->server);
  {
    // The 404 comes back while the client is still to send its 50 MB.
    Client c(s->server->port());
    ASSERT_TRUE(c.send("POST /unknown HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n"));
    Reply r = c.read();
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.headers["connection"], "close");
  }
  {
    Client c(s->server->port());
    ASSERT_TRUE(c.send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n"));
    Reply r = c.read();
    EXPECT_EQ(r.status, 413);
    EXPECT_NE(r.body.find("10 bytes"), std::string::npos) << r.body;
  }
  {
    // Chunked past the route's limit: 413 as the chunks arrive.
    Client c(s->server->port());
    ASSERT_TRUE(c.send("POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "8\r\n12345678\r\n8\r\n12345678\r\n0\r\n\r\n"));
    EXPECT_EQ(c.read().status, 413);
  }
  {
    // An early answer to a request without a body keeps the connection.
    Client c(s->server->port());
    ASSERT_TRUE(c.send("GET /unknown HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(c.read().status, 404);
    EXPECT_EQ(c.read().body, "GET /small");
  }
  EXPECT_EQ(s->calls.load(), 1);
  EXPECT_EQ(asked.load(), 5);
}

TEST(ServerFramingTest, ConnectionsOverTheCapGet503) {
  ServerOptions o = options();
  o.max_connections = 3;
  auto s = serve(o);
  ASSERT_TRUE(s->server);
  std::vector<std::unique_ptr<Client>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<Client>(s->server->port()));
    ASSERT_TRUE(held.back()->send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(held.back()->read().status, 200);
  }
  Client over(s->server->port());
  over.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  Reply r = over.read();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers["retry-after"], "1");
  EXPECT_TRUE(over.closed_by_server());
  held.pop_back();
  // Once one closes, a new connection is served again (the server notices the close first).
  for (int tries = 0; tries < 50; ++tries) {
    Client again(s->server->port());
    again.send("GET /y HTTP/1.1\r\nHost: x\r\n\r\n");
    Reply ok = again.read();
    if (ok.status == 200) return;
    std::this_thread::sleep_for(20ms);
  }
  ADD_FAILURE() << "no connection was accepted after one closed";
}

}  // namespace
}  // namespace ebcm::http
