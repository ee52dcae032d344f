// The health poller: reads every configured source and records each reading (or its failure)
// through Service::record_reading(), which keeps incidents in sync and marks a source that
// cannot be read "health unknown since T" (its last known state kept).
//
// Contract: poll_once() reads every source at once, each on a thread of its own, and returns
// when all have answered or failed (each bounds its own time: its requests time out) — one
// failing or slow source never stops the others from being stored. start() runs a loop per
// source: every `interval`, or after a failure later by exponential back-off with jitter
// (interval × 2^failures, at most 16 × interval, ±20 %), never sooner than the provider's
// Retry-After; each failure is one warning log line naming the source and the error (never a
// secret). The cursor comes from the stored source state, so a restart continues incrementally
// and re-reads nothing it would announce again. Several instances on one database poll each
// source once: a loop reads only while it holds the store's lease "health-poll/<provider>"
// (renewed every round, 3 × the interval and at least a minute long, given up by stop()); the
// others stand by and take over when it lapses. poll_once() (a command run by hand) takes none.
// Thread safety: poll_once() and start()/stop() from one thread; the loops run on their own.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/service.hpp"
#include "health/health.hpp"

namespace ebcm::app {

struct PollResult {
  std::string provider;
  bool ok = false;
  std::string error;                     // when not ok
  std::vector<IncidentChange> changes;   // when ok
};

class Poller {
 public:
  // `instance` names this poller in the leases beside the host name (ebcm serve: its listen
  // address, so a restarted server takes its own lease back at once); "" gives a random name.
  Poller(Service& service, std::vector<std::unique_ptr<health::HealthSource>> sources,
         int64_t interval_ms, const std::string& instance = "");
  ~Poller();
  std::vector<PollResult> poll_once();
  void start();
  void stop();

 private:
  PollResult poll(health::HealthSource& source);
  void loop(health::HealthSource& source);

  Service& service_;
  std::vector<std::unique_ptr<health::HealthSource>> sources_;
  const int64_t interval_ms_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  const std::string holder_;  // in the leases: "<host>:<instance>" or "<host>:<pid>:<random>"
};

}  // namespace ebcm::app
