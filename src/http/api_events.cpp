// GET /api/v1/events: app::EventHub's events as Server-Sent Events (the WHATWG HTML standard's
// text/event-stream), resumable with Last-Event-ID.
//
// The answer opens with `retry:` and one `hello` event whose id is where the stream goes on
// from (the newest event's, or the Last-Event-ID resumed from) and whose data says which:
//   {"last_event_id": "...", "resumed": true|false}
// A Last-Event-ID header (or ?last_event_id=, for clients that cannot set headers) the hub can
// resume from replays the events after it; one it cannot (too old, from an earlier process, not
// a number) gets a `resync` event instead: the client must reload what it shows. Then each event
// as it comes, a comment line every 15 s without one (proxies keep the connection), until the
// client goes away or the server stops. A client that fell so far behind that the hub no longer
// keeps its next event gets `resync` too.
#include <fmt/format.h>

#include <charconv>

#include "http/api_util.hpp"
#include "http/app.hpp"

namespace ebcm::http {
namespace {

std::string event_text(std::string_view id, std::string_view type, std::string_view data) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", id, type, data);
}

class EventStream final : public ResponseStream {
 public:
  EventStream(app::EventHub& hub, int64_t after) : hub_(hub), after_(after) {}
  ~EventStream() override {
    if (handle_) hub_.unsubscribe(handle_);
  }
  void on_more(std::function<void()> wake) override { handle_ = hub_.subscribe(std::move(wake)); }

  std::optional<std::string> next() override {
    const auto now = std::chrono::steady_clock::now();
    app::EventHub::Since s = hub_.since(after_);
    std::string out;
    if (s.missed) {
      after_ = hub_.last_id();
      out = event_text(std::to_string(after_), "resync", R"({"reason":"events were missed"})");
    }
    for (const auto& e : s.events) {
      out += event_text(std::to_string(e.id), e.type, e.data);
      after_ = e.id;
    }
    if (out.empty() && now - last_sent_ >= idle_wait() - std::chrono::milliseconds(200)) {
      out = ":\n\n";  // a comment: keeps proxies from closing an idle connection
    }
    if (!out.empty()) last_sent_ = now;
    return out;
  }

 private:
  app::EventHub& hub_;
  int64_t after_;
  uint64_t handle_ = 0;
  std::chrono::steady_clock::time_point last_sent_ = std::chrono::steady_clock::now();
};

std::optional<int64_t> event_id(std::string_view text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

Response events(App& app, Context& c) {
  app::EventHub& hub = app.events();
  std::optional<std::string_view> given = c.request.header("Last-Event-ID");
  if (!given) given = c.request.param("last_event_id");
  const int64_t newest = hub.last_id();
  int64_t after = newest;
  bool resumed = false, missed = false;
  if (given && !given->empty()) {
    auto id = event_id(*given);
    if (id && !hub.since(*id).missed) {
      after = *id;
      resumed = true;
    } else {
      missed = true;
    }
  }
  Response r;
  r.content_type = "text/event-stream; charset=utf-8";
  r.set("Cache-Control", "no-cache, no-transform");
  r.set("X-Accel-Buffering", "no");  // nginx: pass events on as they come
  // The hello event carries the id the stream goes on from: a resumed one replays from there
  // at once, so a connection lost during the replay resumes where it was.
  r.body = "retry: 3000\n\n" +
           event_text(std::to_string(after), "hello",
                      fmt::format(R"({{"last_event_id":"{}","resumed":{}}})", after,
                                  resumed ? "true" : "false"));
  if (missed) {
    r.body += event_text(std::to_string(newest), "resync",
                         R"({"reason":"the Last-Event-ID given cannot be resumed from"})");
  }
  r.stream = std::make_shared<EventStream>(hub, after);
  return r;
}

}  // namespace

void add_event_routes(App& app, Router& r) {
  r.add({"GET", "/api/v1/events", Access::kRead, [&app](Context& c) { return events(app, c); },
         {},
         "the live event stream (Server-Sent Events): incident.opened, incident.changed, "
         "incident.resolved, impact.changed, update.overdue, health.changed; resumable with "
         "Last-Event-ID"});
}

}  // namespace ebcm::http
