// Fuzz target: raw bytes into the real HTTP server, in process. LLVMFuzzerInitialize starts
// http::Server on 127.0.0.1 (a free port) with the real App::handle, over a SQLite store in a
// scratch folder holding examples/contoso.yaml and two accounts; each input is then written to
// a fresh loopback connection, the write side shut, and the answer read until the server closes
// (ASan and UBSan watch the server's threads meanwhile). In the input, "@ADMIN@" and "@VIEWER@"
// stand for the two accounts' API tokens, so the fuzzer reaches past sign-in.
// State carries over between inputs (an accepted PUT changes the model), so a crash found late
// in a run may need the run's earlier inputs to happen again; the reproducer alone usually does.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "core/clock.hpp"
#include "fuzz/fuzz_util.hpp"
#include "http/app.hpp"
#include "http/request_auth.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/server.hpp"
#include "model/entities.hpp"
#include "model/load.hpp"
#include "store/accounts.hpp"
#include "store/store.hpp"

namespace {

using namespace ebcm;

// How long one input may take to be answered and closed: the server's own read timeout is 2 s,
// so a connection still open after this is a server that forgot it.
constexpr int kAnswerTimeoutS = 15;

struct World {
  SystemClock clock;
  Metrics metrics;
  std::unique_ptr<http::Auth> auth;
  std::unique_ptr<http::App> app;
  std::unique_ptr<http::Server> server;
  std::string admin_token, viewer_token;
};

World* world = nullptr;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "http_request fuzz setup: %s\n", what.c_str());
  std::abort();
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message);
  return std::move(*r);
}

void start_world() {
  world = new World;  // lives until exit: the server's threads use it to the end
  init_logging("off");
  const std::string db = (fuzz::scratch_dir() / "fuzz.db").string();

  model::Loaded l = model::load_and_validate({EBCM_SOURCE_DIR "/examples/contoso.yaml"});
  if (l.diagnostics.has_errors()) die("examples/contoso.yaml does not validate");
  auto store = must(store::open_store(db), "open store");
  store::CommitRequest req{.author = "fuzz", .message = "import contoso", .time_ms = 1};
  must((*store).commit(model::to_entities(l.model), req, {}), "import");
  store.reset();

  http::AuthOptions ao;
  ao.pwhash_opslimit = 1;  // the minimum: sign-in attempts stay fast
  ao.pwhash_memlimit = 8192;
  auto accounts = must(store::Accounts::open(db), "open accounts");
  world->auth = http::Auth::create(std::shared_ptr<store::Accounts>(std::move(accounts)),
                                   world->clock, ao);
  const std::string password = "fuzz-password-1";
  must(world->auth->add_user("admin", store::Role::kAdmin, password, "", "cli:fuzz"), "admin");
  must(world->auth->add_user("viewer", store::Role::kViewer, password, "", "cli:fuzz"), "viewer");
  world->admin_token = must(world->auth->create_token("admin", "fuzz", 0, "cli:fuzz"), "token").second;
  world->viewer_token =
      must(world->auth->create_token("viewer", "fuzz", 0, "cli:fuzz"), "token").second;

  world->app = must(http::App::open(db, world->auth.get(), &world->metrics, world->clock), "app");
  http::ServerOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.threads = 2;
  o.header_limit = 16 * 1024;
  o.body_limit = 1024 * 1024;
  o.read_timeout = std::chrono::seconds(2);
  o.idle_timeout = std::chrono::seconds(2);
  o.shutdown_grace = std::chrono::seconds(1);
  o.handle_signals = false;
  o.inline_if = &http::App::answers_quickly;
  http::App* app = world->app.get();
  world->server = must(
      http::Server::start(o, [app](http::Request& r) { return app->handle(r); }, &world->metrics),
      "start server");
}

void replace_all(std::string& s, std::string_view what, const std::string& with) {
  for (size_t at = 0; (at = s.find(what, at)) != std::string::npos; at += with.size()) {
    s.replace(at, what.size(), with);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  start_world();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(fuzz::as_text(data, size));
  replace_all(bytes, "@ADMIN@", world->admin_token);
  replace_all(bytes, "@VIEWER@", world->viewer_token);

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  timeval tv{kAnswerTimeoutS, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  // Closing first (the write side is shut before the server answers), this side keeps each
  // connection in TIME_WAIT for a minute: at ~800 inputs a second one source address runs out
  // of ephemeral ports (connect fails with EADDRNOTAVAIL, which a first run took for a crash).
  // So the connections come from 127.0.0.2 .. 127.0.1.1, 256 loopback addresses in turn.
  static uint32_t next_source = 0;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + (next_source++ % 256));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    die(std::string("bind: ") + std::strerror(errno));
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(world->server->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    die(std::string("connect: ") + std::strerror(errno));
  }
  // The server may answer and close before it has read everything (a bad request line): a
  // failed send is then fine, what matters is that the server survives.
  for (size_t off = 0; off < bytes.size();) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      std::fprintf(stderr, "http_request: no end of the answer within %d s\n", kAnswerTimeoutS);
      std::abort();  // a hang: the reproducer is this input
    }
    break;  // closed (0) or reset
  }
  ::close(fd);
  return 0;
}
