// Beast and Asio live here and nowhere else (each translation unit including them costs ~14 s).
//
// One io_context per thread, each run by its thread alone; connections are handed to them in
// turn, so a connection's coroutines need no strand and the threads never contend for a queue.
// Requests that ServerOptions::inline_if accepts are answered on the connection's thread; the
// others (writes, analyses: anything that may take a while) on a pool of worker threads, so an
// I/O thread never stalls its other connections. One coroutine per connection reads requests
// with a Beast parser and answers them. The response head is written by hand into a buffer reused
// per connection and sent with the body in one gathered write: no per-request allocation for the
// head, and the body (a string of the Response, or its shared_body) is never copied.
// Timeouts come from one watchdog coroutine per connection that sleeps until the connection's
// deadline and then cancels the socket's operations, which — unlike beast::tcp_stream's timeouts,
// that close the socket — leaves the connection able to answer 408.
#include "http/server.hpp"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/strings.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/request_head.hpp"

namespace ebcm::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using error_code = boost::system::error_code;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kFirstRead = 8192;
// After an answer that closes the connection, what the client still sends is read and dropped
// for up to this long / this much, so that closing does not reset the connection (and destroy
// the answer in the client's buffers) while the client is still sending, e.g. a too-large body.
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerBytes = 1 << 20;

// "Sun, 06 Nov 1994 08:49:37 GMT", formatted once per second per thread.
std::string_view http_date_now() {
  thread_local std::time_t cached_second = -1;
  thread_local char buf[40];
  thread_local size_t len = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    const std::string text = http_date(int64_t{now} * 1000);
    len = text.copy(buf, sizeof buf);
    cached_second = now;
  }
  return {buf, len};
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

// A handler's extra header is sent only if it cannot break the framing of the response: a
// token for a name, no CR/LF/NUL in the value, and none of the headers the server owns.
bool header_allowed(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name)
    if (!is_token_char(c)) return false;
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  for (std::string_view own :
       {"content-length", "transfer-encoding", "connection", "date", "server", "content-type"})
    if (iequals(name, own)) return false;
  return true;
}

std::string endpoint_text(const tcp::endpoint& ep) {
  std::string addr = ep.address().to_string();
  if (ep.address().is_v6()) addr = "[" + addr + "]";
  return addr + ":" + std::to_string(ep.port());
}

std::string host_port(const std::string& host, uint16_t port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// The path of a target without its query string, for the access log: queries may hold secrets.
std::string_view log_path(std::string_view target) { return target.substr(0, target.find('?')); }

bool readable(const std::string& path, std::string* why) {
  std::ifstream in(path);
  if (in) return true;
  *why = std::strerror(errno);
  return false;
}

class ServerImpl;

// What the server knows of a connection, to stop it; both run on the connection's strand.
struct ConnectionBase {
  virtual ~ConnectionBase() = default;
  virtual asio::any_io_executor executor() = 0;
  virtual void on_stop() = 0;      // close it if it is idle; otherwise its answer closes it
  virtual void force_close() = 0;  // close it now, whatever it is doing
};

class ServerImpl final : public Server {
 public:
  ServerImpl(const ServerOptions& options, Handler handler, Metrics* metrics)
      : options_(options),
        handler_(std::move(handler)),
        metrics_(metrics),
        threads_count_(options.threads > 0
                           ? options.threads
                           : std::max(1, static_cast<int>(std::thread::hardware_concurrency()))),
        ioc_(1),
        strand_(asio::make_strand(ioc_)),
        acceptor_(strand_),
        signals_(strand_),
        timer_(strand_) {}

  ~ServerImpl() override {
    stop();
    wait();
    std::lock_guard lock(mutex_);
    connections_.clear();
  }

  Result<void> listen();
  void launch();

  uint16_t port() const override { return port_; }
  void wait() override;
  void stop() override;

  // Used by connections.
  const ServerOptions& options() const { return options_; }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  Response call_handler(Request& request);
  // call_handler on the worker pool, unless options().inline_if says to answer it here.
  asio::awaitable<Response> answer(Request& request);
  asio::awaitable<Response> call_on(asio::any_io_executor executor, Request& request);
  int isolated_count() const {
    return options_.isolated_threads > 0 ? options_.isolated_threads
                                         : std::max(1, threads_count_ / 2);
  }
  void record(std::string_view method, std::string_view target, std::string_view id, int status,
              size_t bytes, Clock::time_point start, std::string_view remote,
              std::string_view route, std::string_view note);
  // A handler (or on_head) threw: logged under the request id, answered with a concealed 500.
  static Response handler_failed(const Request& request, std::string_view what);
  // Calls on_head (see ServerOptions), answering 500 if it throws.
  std::optional<Response> ask(
      const std::function<std::optional<Response>(const Request&, size_t&)>& on_head,
      const Request& head, size_t& body_limit);
  void remove(ConnectionBase* connection);
  size_t open_connections() {
    std::lock_guard lock(mutex_);
    return connections_.size();
  }

 private:
  // Over max_connections: a fixed 503 without reading the request (plain HTTP; a TLS client
  // is just closed), counted, and logged at most once a second. On strand_.
  void refuse(tcp::socket& socket);
  Clock::time_point refused_logged_{};
  size_t refused_unlogged_ = 0;
  asio::awaitable<void> accept_loop();
  void spawn(std::shared_ptr<ConnectionBase> connection, asio::any_io_executor executor,
             asio::awaitable<void> run);
  void begin_shutdown();  // on strand_
  void on_timer();        // on strand_

  // Constant after construction.
  const ServerOptions options_;
  const Handler handler_;
  Metrics* const metrics_;
  const int threads_count_;
  std::string address_;  // "127.0.0.1:8080", set by listen()
  uint16_t port_ = 0;    // set by listen()

  // ioc_ (the acceptor, signals, the shutdown timer and its share of connections) and one more
  // io_context per further thread; the guards keep those running until shutdown releases them.
  asio::io_context ioc_;
  std::vector<std::unique_ptr<asio::io_context>> pool_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  size_t next_ = 0;  // on strand_: the io_context of the next connection
  // On strand_, once no connection is left and the acceptor is closed: lets the connection
  // threads run out of work. It must run in the same strand_ handler that cancels the grace
  // timer: posted separately, ioc_ could run out of work (and return) between the two, and the
  // pool threads would wait for good.
  void release() {
    timer_.cancel();
    for (auto& g : guards_) g.reset();
    if (isolated_guard_) isolated_guard_->reset();
  }
  std::optional<asio::thread_pool> workers_;  // handlers not run inline; set by launch()
  // Requests options_.isolate_if accepts, on threads of their own (launch()); isolated_in_
  // counts those running or waiting, never above isolated_threads + isolated_queue.
  std::optional<asio::io_context> isolated_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> isolated_guard_;
  std::vector<std::thread> isolated_threads_;
  std::atomic<int> isolated_in_{0};
  std::optional<asio::ssl::context> ssl_;  // set by listen() when TLS is configured
  // The acceptor, the signals and the shutdown timer are used on strand_ only.
  asio::strand<asio::io_context::executor_type> strand_;
  tcp::acceptor acceptor_;
  asio::signal_set signals_;
  asio::steady_timer timer_;
  int shutdown_phase_ = 0;  // on strand_: 1 grace running, 2 forced close done

  std::atomic<bool> stopping_{false};
  std::mutex wait_mutex_;  // serialises wait()
  std::vector<std::thread> threads_;

  std::mutex mutex_;
  std::unordered_set<std::shared_ptr<ConnectionBase>> connections_;  // protected by mutex_
  std::unordered_set<ConnectionBase*> live_;                         // protected by mutex_
};

template <class Stream>
class Connection final : public ConnectionBase,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  Connection(ServerImpl& server, Stream stream, std::string remote)
      : server_(server),
        stream_(std::move(stream)),
        timer_(stream_.get_executor()),
        remote_(std::move(remote)) {}

  asio::any_io_executor executor() override { return stream_.get_executor(); }

  void on_stop() override {
    if (idle_) cancel();
    if (streaming_) {  // an endless answer ends at once
      stream_done_ = true;
      wake_timer_.cancel();
    }
  }
  void force_close() override {
    error_code ec;
    beast::get_lowest_layer(stream_).close(ec);
  }

  static asio::awaitable<void> run(std::shared_ptr<Connection> self) {
    asio::co_spawn(self->executor(), watchdog(self), asio::detached);
    try {
      co_await self->serve();
    } catch (const std::exception& e) {
      log_event(Level::kError, "http_connection_failed",
                {{"remote", self->remote_}, {"error", e.what()}});
    }
    self->done_ = true;
    self->timer_.cancel();
    self->force_close();
    self->server_.remove(self.get());
  }

 private:
  // Sleeps until the deadline and cancels the socket's operations then. Moving the deadline
  // later costs nothing (the watchdog wakes at the old one and sleeps again); moving it earlier
  // wakes the watchdog to re-arm.
  static asio::awaitable<void> watchdog(std::shared_ptr<Connection> self) {
    while (!self->done_) {
      self->timer_.expires_at(self->deadline_);
      co_await self->timer_.async_wait(kNoThrow);
      if (self->done_) break;
      if (Clock::now() >= self->deadline_) {
        self->timed_out_ = true;
        self->deadline_ = Clock::time_point::max();
        self->cancel();
      }
    }
  }

  void set_deadline(Clock::duration from_now) {
    deadline_ = Clock::now() + from_now;
    timed_out_ = false;
    if (deadline_ < timer_.expiry()) timer_.cancel();
  }

  void cancel() {
    error_code ec;
    beast::get_lowest_layer(stream_).cancel(ec);
  }

  asio::awaitable<void> serve() {
    const ServerOptions& opt = server_.options();
    if constexpr (kTls) {
      set_deadline(opt.read_timeout);
      auto [ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kNoThrow);
      if (ec) {
        log_event(Level::kDebug, "tls_handshake_failed",
                  {{"remote", remote_}, {"error", ec.message()}});
        co_return;
      }
    }
    for (;;) {
      // Between requests: wait up to idle_timeout for the first bytes of the next one.
      if (buffer_.size() == 0) {
        if (server_.stopping()) co_return;
        idle_ = true;
        set_deadline(opt.idle_timeout);
        auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kFirstRead), kNoThrow);
        idle_ = false;
        if (ec) co_return;  // closed, idle too long, or shutting down: nothing to answer
        buffer_.commit(n);
      }
      Clock::time_point start = Clock::now();
      set_deadline(opt.read_timeout);
      parser_.emplace();
      parser_->header_limit(static_cast<std::uint32_t>(
          std::min<size_t>(opt.header_limit, std::numeric_limits<std::uint32_t>::max())));
      parser_->body_limit(opt.body_limit);

      auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, *parser_, kNoThrow);
      if (ec) {
        co_await answer_failure(ec, start);
        co_return;
      }

      // The head alone first: framing, then whether the route exists and the caller may use
      // it, so that nobody makes the server read (and hold) a body it would refuse anyway.
      auto& msg = parser_->get();
      const bool head = msg.method() == bhttp::verb::head;
      Request request;
      request.method = std::string(msg.method_string());
      request.target = std::string(msg.target());
      request.version = static_cast<int>(msg.version());
      for (const auto& f : msg)
        request.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      request.remote = remote_;
      request.tls = kTls;
      request.id = request_id_of(request);
      bool keep_alive = msg.keep_alive();
      bool body_unread = !parser_->is_done();
      std::optional<Response> early;
      if (auto bad = check_head(request)) {
        early = std::move(bad->response);
        early->set("X-Request-Id", request.id);
        // A request whose framing is not trusted ends the connection.
        if (bad->framing) keep_alive = false;
      } else {
        size_t limit = opt.body_limit;
        if (opt.on_head) early = server_.ask(opt.on_head, request, limit);
        if (!early && parser_->content_length() && *parser_->content_length() > limit) {
          early = error_response(413, "body_too_large",
                                 "The request's body is larger than this route accepts (" +
                                     std::to_string(limit) + " bytes).");
        }
        if (!early && body_unread) {
          parser_->body_limit(limit);
          // HTTP/1.0 knows no 100 Continue (RFC 9110 10.1.1): such a client just sends.
          if (request.version >= 11 && iequals(msg[bhttp::field::expect], "100-continue")) {
            static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
            auto [wec, wn] = co_await asio::async_write(
                stream_, asio::buffer(kContinue.data(), kContinue.size()), kNoThrow);
            if (wec) co_return;
          }
          std::tie(ec, n) = co_await bhttp::async_read(stream_, buffer_, *parser_, kNoThrow);
          if (ec) {
            co_await answer_failure(ec, start);
            co_return;
          }
          body_unread = false;
        }
      }
      Response response;
      if (early) {
        response = std::move(*early);
        if (body_unread) keep_alive = false;
      } else {
        request.body = std::move(msg.body());
        response = co_await server_.answer(request);
      }
      parser_.reset();

      if (server_.stopping()) keep_alive = false;  // a request in flight at stop() is the last
      if (response.stream) keep_alive = false;     // its end is the connection's close
      set_deadline(opt.read_timeout);
      size_t sent = co_await write(response, request.version, keep_alive, head);
      if (!response.stream) {
        server_.record(request.method, request.target, request.id, response.status, sent, start,
                       remote_, response.route, response.log_note);
      }
      if (sent == 0) co_return;  // the write failed
      if (response.stream) {
        const size_t more = head ? 0 : co_await stream(*response.stream);
        server_.record(request.method, request.target, request.id, response.status, sent + more,
                       start, remote_, response.route, "stream");
        co_return;
      }
      if (!keep_alive) {
        co_await linger(/*always=*/body_unread);
        co_return;
      }
    }
  }

  // A request that could not be read: answer it when that makes sense, then close.
  asio::awaitable<void> answer_failure(error_code ec, Clock::time_point start) {
    int status = 0;
    std::string_view code, message;
    if (timed_out_ && ec == asio::error::operation_aborted) {
      status = 408;
      code = "request_timeout";
      message = "The request was not received in time.";
    } else if (ec == bhttp::error::header_limit) {
      // The parser has no target yet: it is the request line, the target, that is too long.
      if (!parser_ || parser_->get().target().empty()) {
        status = 414;
        code = "uri_too_long";
        message = "The request target is longer than this server accepts.";
      } else {
        status = 431;
        code = "header_too_large";
        message = "The request's header is larger than this server accepts.";
      }
    } else if (ec == bhttp::error::body_limit) {
      status = 413;
      code = "body_too_large";
      message = "The request's body is larger than this server accepts.";
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      status = 400;
      code = "bad_request";
      message = "The request is not valid HTTP/1.1.";
    }
    if (status == 0) co_return;  // the client went away or the server is closing: no answer

    std::string method, target;
    if (parser_ && parser_->is_header_done()) {
      method = std::string(parser_->get().method_string());
      target = std::string(parser_->get().target());
    }
    parser_.reset();
    Response response = error_response(status, code, message);
    response.log_note = ec.message();
    set_deadline(server_.options().read_timeout);
    size_t sent = co_await write(response, 11, /*keep_alive=*/false, /*head=*/false);
    server_.record(method, target, "", status, sent, start, remote_, "", response.log_note);
    if (sent != 0) co_await linger(/*always=*/true);
  }

  // Writes the response, always as HTTP/1.1 (RFC 9110 2.5: a server sends its own version;
  // `version` is the client's, for the keep-alive header an HTTP/1.0 client needs); returns the
  // bytes sent, 0 if the write failed.
  asio::awaitable<size_t> write(const Response& r, int version, bool keep_alive, bool head) {
    int status = r.status >= 100 && r.status <= 999 ? r.status : 500;
    const bool no_body = (status >= 100 && status < 200) || status == 204 || status == 304;
    const std::string& payload = r.payload();

    head_.clear();
    head_ += "HTTP/1.1 ";
    char num[24];
    head_.append(num, static_cast<size_t>(std::to_chars(num, num + sizeof num, status).ptr - num));
    head_ += ' ';
    auto reason = bhttp::obsolete_reason(bhttp::int_to_status(static_cast<unsigned>(status)));
    if (bhttp::int_to_status(static_cast<unsigned>(status)) != bhttp::status::unknown)
      head_.append(reason.data(), reason.size());
    head_ += "\r\nServer: ebcm\r\nDate: ";
    head_ += http_date_now();
    head_ += "\r\n";
    if (!no_body) {
      if (!r.content_type.empty() && header_allowed("x", r.content_type)) {
        head_ += "Content-Type: ";
        head_ += r.content_type;
        head_ += "\r\n";
      }
      if (!r.stream) {
        head_ += "Content-Length: ";
        head_.append(num, static_cast<size_t>(
                              std::to_chars(num, num + sizeof num, payload.size()).ptr - num));
        head_ += "\r\n";
      }
    }
    for (const auto& [name, value] : r.headers) {
      if (!header_allowed(name, value)) {
        log_event(Level::kWarn, "http_header_dropped", {{"header", name}});
        continue;
      }
      head_ += name;
      head_ += ": ";
      head_ += value;
      head_ += "\r\n";
    }
    if (!keep_alive)
      head_ += "Connection: close\r\n";
    else if (version == 10)
      head_ += "Connection: keep-alive\r\n";
    head_ += "\r\n";

    std::array<asio::const_buffer, 2> buffers = {
        asio::buffer(head_), asio::buffer(payload.data(), head || no_body ? 0 : payload.size())};
    auto [ec, n] = co_await asio::async_write(stream_, buffers, kNoThrow);
    co_return ec ? 0 : n;
  }

  // The rest of an endless answer: what `s` gives, written as it comes, until it completes,
  // a write fails (the client went away, or stopped reading for read_timeout) or the server
  // stops. Returns the bytes written.
  asio::awaitable<size_t> stream(ResponseStream& s) {
    streaming_ = true;
    std::weak_ptr<Connection> weak = this->shared_from_this();
    s.on_more([weak, executor = executor()] {
      asio::post(executor, [weak] {
        if (auto self = weak.lock()) {
          self->woken_ = true;
          self->wake_timer_.cancel();
        }
      });
    });
    size_t total = 0;
    while (!stream_done_ && !server_.stopping()) {
      woken_ = false;
      std::optional<std::string> chunk = s.next();
      if (!chunk) break;
      if (!chunk->empty()) {
        set_deadline(server_.options().read_timeout);
        auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(*chunk), kNoThrow);
        if (ec) break;
        total += n;
        continue;
      }
      if (woken_) continue;  // more came while next() ran
      deadline_ = Clock::time_point::max();  // waiting for news is not a slow client
      wake_timer_.expires_after(s.idle_wait());
      co_await wake_timer_.async_wait(kNoThrow);
    }
    streaming_ = false;
    co_return total;
  }

  // Closes our side, then reads and drops what the client still sends, for a while: `always`
  // after an answer to a request not read to its end; otherwise only if more has arrived.
  asio::awaitable<void> linger(bool always) {
    error_code ec;
    auto& socket = beast::get_lowest_layer(stream_);
    socket.shutdown(tcp::socket::shutdown_send, ec);
    if (ec) co_return;
    if (!always && buffer_.size() == 0 && socket.available(ec) == 0) co_return;
    set_deadline(kLingerTime);
    size_t drained = 0;
    while (drained < kLingerBytes) {
      auto [rec, n] =
          co_await beast::get_lowest_layer(stream_).async_read_some(asio::buffer(sink_), kNoThrow);
      if (rec) break;
      drained += n;
    }
  }

  ServerImpl& server_;
  // Used only on the connection's strand (the coroutines and the posted stop/close calls).
  Stream stream_;
  asio::steady_timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  bool timed_out_ = false;
  bool idle_ = false;  // waiting for the first byte of a request
  bool done_ = false;
  // An endless answer (stream()): under way; ended by stop(); news arrived; waiting for news.
  bool streaming_ = false, stream_done_ = false, woken_ = false;
  asio::steady_timer wake_timer_{stream_.get_executor()};
  std::string remote_;
  beast::flat_buffer buffer_;  // reused for every request of the connection
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string head_;  // the response head, reused
  std::array<char, 4096> sink_;
};

using TlsStream = beast::ssl_stream<tcp::socket>;

Result<void> ServerImpl::listen() {
  const ServerOptions& o = options_;
  if (o.tls_cert.empty() != o.tls_key.empty())
    return make_error(ErrorCode::kInvalidInput,
                      "HTTPS needs both a certificate and a private key; only the " +
                          std::string(o.tls_cert.empty() ? "key" : "certificate") + " is set");
  if (!o.tls_cert.empty()) {
    std::string why;
    if (!readable(o.tls_cert, &why))
      return make_error(ErrorCode::kIo, "cannot read TLS certificate " + o.tls_cert + ": " + why);
    if (!readable(o.tls_key, &why))
      return make_error(ErrorCode::kIo, "cannot read TLS private key " + o.tls_key + ": " + why);
    ssl_.emplace(asio::ssl::context::tls_server);
    ssl_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    error_code ec;
    ssl_->use_certificate_chain_file(o.tls_cert, ec);
    if (ec)
      return make_error(ErrorCode::kInvalidInput, "TLS certificate " + o.tls_cert +
                                                      " is not a PEM certificate: " + ec.message());
    ssl_->use_private_key_file(o.tls_key, asio::ssl::context::pem, ec);
    if (ec)
      return make_error(ErrorCode::kInvalidInput, "TLS private key " + o.tls_key +
                                                      " is not a PEM private key: " + ec.message());
    if (SSL_CTX_check_private_key(ssl_->native_handle()) != 1)
      return make_error(
          ErrorCode::kInvalidInput,
          "TLS private key " + o.tls_key + " does not belong to the certificate " + o.tls_cert);
  }

  address_ = host_port(o.host, o.port);
  error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(o.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, o.port);
  } else {
    tcp::resolver resolver(ioc_);
    auto results = resolver.resolve(o.host, std::to_string(o.port), ec);
    if (ec || results.empty())
      return make_error(ErrorCode::kInvalidInput,
                        "cannot listen on " + address_ + ": unknown host (" + ec.message() + ")");
    endpoint = results.begin()->endpoint();
  }
  auto fail = [&](const error_code& e) {
    return make_error(ErrorCode::kIo, "cannot listen on " + address_ + ": " + e.message());
  };
  if (acceptor_.open(endpoint.protocol(), ec); ec) return fail(ec);
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec) return fail(ec);
  if (acceptor_.bind(endpoint, ec); ec) return fail(ec);
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) return fail(ec);
  port_ = acceptor_.local_endpoint(ec).port();
  address_ = host_port(o.host, port_);
  return {};
}

void ServerImpl::launch() {
  asio::co_spawn(strand_, accept_loop(), asio::detached);
  if (options_.handle_signals) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.async_wait([this](const error_code& ec, int signal) {
      if (ec) return;
      log_event(Level::kInfo, "signal", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
      stop();
    });
  }
  log_event(Level::kInfo, "http_listening",
            {{"address", address_}, {"tls", ssl_.has_value()}, {"threads", threads_count_}});
  threads_.reserve(static_cast<size_t>(threads_count_));
  for (int i = 1; i < threads_count_; ++i) {
    pool_.push_back(std::make_unique<asio::io_context>(1));
    guards_.push_back(asio::make_work_guard(*pool_.back()));
  }
  threads_.emplace_back([this] { ioc_.run(); });
  for (auto& p : pool_) threads_.emplace_back([ctx = p.get()] { ctx->run(); });
  if (options_.inline_if) workers_.emplace(static_cast<size_t>(threads_count_));
  if (options_.isolate_if) {
    isolated_.emplace(1);
    isolated_guard_.emplace(asio::make_work_guard(*isolated_));
    for (int i = 0; i < isolated_count(); ++i)
      isolated_threads_.emplace_back([this] { isolated_->run(); });
  }
}

asio::awaitable<void> ServerImpl::accept_loop() {
  for (;;) {
    size_t k = next_++ % (pool_.size() + 1);
    tcp::socket socket(k == 0 ? ioc_ : *pool_[k - 1]);
    auto [ec] = co_await acceptor_.async_accept(socket, kNoThrow);
    if (!acceptor_.is_open() || stopping()) co_return;
    if (ec) {
      // Out of file descriptors, most likely: say so and breathe, rather than spin.
      log_event(Level::kWarn, "http_accept_failed", {{"error", ec.message()}});
      asio::steady_timer pause(strand_, std::chrono::milliseconds(50));
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    error_code ignored;
    if (open_connections() >= options_.max_connections) {
      refuse(socket);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    auto peer = socket.remote_endpoint(ignored);
    std::string remote = ignored ? "?" : endpoint_text(peer);
    asio::any_io_executor executor = socket.get_executor();
    if (ssl_) {
      auto c = std::make_shared<Connection<TlsStream>>(*this, TlsStream(std::move(socket), *ssl_),
                                                       std::move(remote));
      spawn(c, executor, Connection<TlsStream>::run(c));
    } else {
      auto c =
          std::make_shared<Connection<tcp::socket>>(*this, std::move(socket), std::move(remote));
      spawn(c, executor, Connection<tcp::socket>::run(c));
    }
  }
}

void ServerImpl::refuse(tcp::socket& socket) {
  error_code ignored;
  if (!ssl_) {
    static const std::string kBusy = [] {
      const std::string body =
          error_response(503, "busy", "The server has too many open connections; try again.")
              .body;
      return "HTTP/1.1 503 Service Unavailable\r\nServer: ebcm\r\nContent-Type: "
             "application/json\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" +
             body;
    }();
    // Non-blocking, once: the answer fits in the socket's buffer of a new connection. What the
    // client sent already is read first, so that closing does not reset the connection.
    socket.non_blocking(true, ignored);
    char sink[4096];
    socket.read_some(asio::buffer(sink), ignored);
    socket.write_some(asio::buffer(kBusy), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
  }
  socket.close(ignored);
  if (metrics_) metrics_->observe_request("", "over_connection_limit", 503, 0);
  ++refused_unlogged_;
  const auto now = Clock::now();
  if (now - refused_logged_ >= std::chrono::seconds(1)) {
    log_event(Level::kWarn, "http_connection_refused",
              {{"refused", refused_unlogged_}, {"max_connections", options_.max_connections}});
    refused_logged_ = now;
    refused_unlogged_ = 0;
  }
}

void ServerImpl::spawn(std::shared_ptr<ConnectionBase> connection, asio::any_io_executor executor,
                       asio::awaitable<void> run) {
  size_t open;
  {
    std::lock_guard lock(mutex_);
    live_.insert(connection.get());
    connections_.insert(std::move(connection));
    open = connections_.size();
  }
  if (metrics_) metrics_->set_gauge("ebcm_http_open_connections", static_cast<double>(open));
  asio::co_spawn(executor, std::move(run), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log_event(Level::kError, "http_connection_failed", {{"error", ex.what()}});
    }
  });
}

void ServerImpl::remove(ConnectionBase* connection) {
  std::shared_ptr<ConnectionBase> keep;  // released outside the lock
  size_t open;
  {
    std::lock_guard lock(mutex_);
    live_.erase(connection);
    for (auto it = connections_.begin(); it != connections_.end(); ++it) {
      if (it->get() == connection) {
        keep = *it;
        connections_.erase(it);
        break;
      }
    }
    open = connections_.size();
  }
  if (metrics_) metrics_->set_gauge("ebcm_http_open_connections", static_cast<double>(open));
  if (open == 0 && stopping()) asio::post(strand_, [this] { release(); });
}

asio::awaitable<Response> ServerImpl::answer(Request& request) {
  if (isolated_ && options_.isolate_if(request)) {
    const int limit = isolated_count() + std::max(0, options_.isolated_queue);
    if (isolated_in_.fetch_add(1) >= limit) {
      isolated_in_.fetch_sub(1);
      Response busy = error_response(429, "too_many_requests",
                                     "Too many of these requests are in progress; try again "
                                     "in a second.");
      busy.set("Retry-After", "1");
      busy.route = "(isolated pool full)";
      busy.log_note = "isolated pool full";
      co_return busy;
    }
    struct Leave {
      std::atomic<int>& in;
      ~Leave() { in.fetch_sub(1); }
    } leave{isolated_in_};
    co_return co_await call_on(isolated_->get_executor(), request);
  }
  if (!workers_ || (options_.inline_if && options_.inline_if(request))) {
    co_return call_handler(request);
  }
  co_return co_await call_on(workers_->get_executor(), request);
}

asio::awaitable<Response> ServerImpl::call_on(asio::any_io_executor executor, Request& request) {
  co_return co_await asio::co_spawn(
      executor,
      [this, &request]() -> asio::awaitable<Response> { co_return call_handler(request); },
      asio::use_awaitable);
}

Response ServerImpl::call_handler(Request& request) {
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    return handler_failed(request, e.what());
  } catch (...) {
    return handler_failed(request, "unknown exception");
  }
}

Response ServerImpl::handler_failed(const Request& request, std::string_view what) {
  log_event(Level::kError, "http_handler_failed",
            {{"request_id", request.id},
             {"method", request.method},
             {"path", log_path(request.target)},
             {"error", what}});
  Response r;
  r.status = 500;
  r.body = concealed_body(500, request.id);
  return r;
}

std::optional<Response> ServerImpl::ask(
    const std::function<std::optional<Response>(const Request&, size_t&)>& on_head,
    const Request& head, size_t& body_limit) {
  try {
    return on_head(head, body_limit);
  } catch (const std::exception& e) {
    return handler_failed(head, e.what());
  } catch (...) {
    return handler_failed(head, "unknown exception");
  }
}

void ServerImpl::record(std::string_view method, std::string_view target, std::string_view id,
                        int status, size_t bytes, Clock::time_point start,
                        std::string_view remote, std::string_view route,
                        std::string_view note) {
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (metrics_) metrics_->observe_request(method, route, status, seconds);
  if (!log_enabled(Level::kInfo)) return;
  std::string_view route_label = route.empty() ? std::string_view("unmatched") : route;
  if (note.empty())
    log_event(Level::kInfo, "http_request",
              {{"method", method},
               {"path", log_path(target)},
               {"status", status},
               {"bytes", bytes},
               {"duration_ms", seconds * 1000},
               {"remote", remote},
               {"request_id", id},
               {"route", route_label}});
  else
    log_event(Level::kInfo, "http_request",
              {{"method", method},
               {"path", log_path(target)},
               {"status", status},
               {"bytes", bytes},
               {"duration_ms", seconds * 1000},
               {"remote", remote},
               {"request_id", id},
               {"route", route_label},
               {"note", note}});
}

void ServerImpl::stop() {
  if (stopping_.exchange(true)) return;
  asio::post(strand_, [this] { begin_shutdown(); });
}

void ServerImpl::begin_shutdown() {
  error_code ignored;
  acceptor_.close(ignored);
  // Back to the default disposition: a second Ctrl-C ends the process at once.
  signals_.cancel(ignored);
  signals_.clear(ignored);
  std::vector<std::shared_ptr<ConnectionBase>> open;
  {
    std::lock_guard lock(mutex_);
    open.assign(connections_.begin(), connections_.end());
  }
  log_event(Level::kInfo, "http_stopping", {{"open_connections", open.size()}});
  for (auto& c : open) asio::post(c->executor(), [c] { c->on_stop(); });
  if (open.empty()) {
    release();
    return;
  }
  shutdown_phase_ = 1;
  timer_.expires_after(options_.shutdown_grace);
  timer_.async_wait([this](const error_code& ec) {
    if (!ec) on_timer();
  });
}

void ServerImpl::on_timer() {
  if (shutdown_phase_ == 1) {
    std::vector<std::shared_ptr<ConnectionBase>> open;
    {
      std::lock_guard lock(mutex_);
      open.assign(connections_.begin(), connections_.end());
    }
    if (open.empty()) {
      release();
      return;
    }
    log_event(Level::kWarn, "http_forced_close", {{"open_connections", open.size()}});
    for (auto& c : open) asio::post(c->executor(), [c] { c->force_close(); });
    // A handler that never returns would hold its thread: give the rest a moment, then stop.
    shutdown_phase_ = 2;
    timer_.expires_after(std::chrono::seconds(2));
    timer_.async_wait([this](const error_code& ec) {
      if (!ec) on_timer();
    });
  } else {
    ioc_.stop();
    for (auto& p : pool_) p->stop();
    if (isolated_) isolated_->stop();
  }
}

void ServerImpl::wait() {
  std::lock_guard lock(wait_mutex_);
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  if (workers_) workers_->join();
  for (auto& t : isolated_threads_)
    if (t.joinable()) t.join();
  if (!threads_.empty()) {
    threads_.clear();
    log_event(Level::kInfo, "http_stopped", {{"address", address_}});
  }
}

}  // namespace

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, Handler handler,
                                              Metrics* metrics) {
  auto server = std::make_unique<ServerImpl>(options, std::move(handler), metrics);
  if (auto r = server->listen(); !r) return r.error();
  server->launch();
  return std::unique_ptr<Server>(std::move(server));
}

}  // namespace ebcm::http
