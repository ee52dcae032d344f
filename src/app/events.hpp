// The event stream of the live half: what changed, as numbered events a client follows (over
// Server-Sent Events, GET /api/v1/events) and resumes after a lost connection.
//
// Contract: EventHub observes a Service. After every change the service reports (a model
// revision, a status declaration, an incident declared, updated or resolved, a feed reading),
// it compares the incidents, the live impact and the sources with what it saw last (every
// second in any case the incidents alone, for updates falling due) and appends, in this order:
//   incident.opened    an active incident it had not seen
//   incident.changed   an incident whose title, owner, state, next update or timeline changed
//   incident.resolved  an incident that became resolved
//   impact.changed     functions whose live state changed (down, degraded, back up)
//   update.overdue     an active incident whose next update is now overdue (once per due time)
//   health.changed     a source that could not be read (health unknown since T), or answers again
// The first look (at construction) only records what is there: a restart announces nothing
// that was already known. Event ids increase through the life of the process and across
// restarts (the first id is the start time in ms × 1000), so a client's Last-Event-ID from an
// earlier process is recognised as such. The last `keep` events are kept in memory.
// Thread safety: every member may be called from any thread. Wake callbacks are called under
// the hub's lock (so none runs once unsubscribe() has returned) and must only signal, never
// block or call back into the hub.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/service.hpp"

namespace ebcm::app {

struct Event {
  int64_t id = 0;
  std::string type;  // "incident.opened", ...
  std::string data;  // one JSON object, on one line
};

class EventHub {
 public:
  // Takes the first look now; `start_thread` false leaves evaluation to evaluate() (tests).
  EventHub(Service& service, size_t keep = 1000, bool start_thread = true);
  ~EventHub();
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // What a client resuming after `last_id` gets: the events after it, or — when `last_id` is
  // not one this hub can resume from (older than what it keeps, from an earlier process, not
  // yet given out) — `missed` and no events (the client reloads what it shows).
  struct Since {
    std::vector<Event> events;
    bool missed = false;
  };
  Since since(int64_t last_id) const;
  // The id of the newest event (the first id minus one before any).
  int64_t last_id() const;

  // `wake` is called whenever new events are appended, until unsubscribe(); returns a handle.
  uint64_t subscribe(std::function<void()> wake);
  void unsubscribe(uint64_t handle);

  // One look now, on the calling thread: appends what changed since the last look.
  void evaluate();

 private:
  struct Seen {  // of one incident
    bool active = false;
    int64_t updated_ms = 0;
    std::optional<int64_t> next_update_ms;
    std::string title, owner;
    size_t timeline_size = 0;
    std::optional<int64_t> overdue_announced;  // the next_update_ms announced overdue
  };
  // What the service's observer shares with the hub's thread: the observer may outlive the hub
  // (a Service keeps its observers), so it holds this, not the hub.
  struct Signal {
    std::mutex mutex;
    std::condition_variable cv;
    bool dirty = false, stopping = false;
  };
  // Under look_mutex_: the incidents, and with `impact` the live impact and the sources.
  void look(bool announce, bool impact);
  void append(std::string type, std::string data);  // under look_mutex_

  Service& service_;
  const size_t keep_;
  std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();

  std::mutex look_mutex_;  // one look at a time; guards the seen state
  std::map<std::string, Seen> incidents_;
  std::map<std::string, impact::State> functions_;  // not up
  std::map<std::string, std::optional<int64_t>> sources_;  // unknown since

  mutable std::mutex mutex_;  // guards what follows
  std::deque<Event> events_;
  int64_t first_id_ = 0, next_id_ = 0;
  std::map<uint64_t, std::function<void()>> subscribers_;
  uint64_t next_handle_ = 1;
  std::thread thread_;
};

}  // namespace ebcm::app
