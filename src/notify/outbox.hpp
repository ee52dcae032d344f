// The outbox: every message of an incident kept in the store from the moment it is queued until
// it is delivered or has failed, and the delivery engine that works it off; and the call trees'
// escalation deadlines, kept there too.
//
// Contract:
//   - An entry's key is its idempotency key, "outbox/<incident>/<round>/<person>/<channel>"
//     (a second contact of one channel: "<channel>.2"); queue() creates each entry and its
//     queue item ("notify") once (store::Live::create_with_work): asking again for the same
//     round queues nothing twice. An entry keeps what is sent (composed once), its state
//     (queued, sending, retrying, delivered, failed), the provider that took it or answered
//     last, its attempts and the provider's last answer.
//   - Deliverer::run_once() claims up to a batch of due items, marks their entries "sending",
//     sends them in parallel (each through its channel's providers in order:
//     send_with_failover()), and records each outcome: delivered; a temporary refusal or every
//     provider unreachable → retried with back-off (30 s doubling to 15 min; failed after 20
//     attempts), a temporary refusal at the same provider, otherwise from the first again;
//     every provider refusing lastingly, or no provider configured for the channel → failed.
//     A delivered entry is never sent again. An entry found "sending" (its worker died between
//     the send and the record) is sent again to the same provider with the same Message-ID
//     and Idempotency-Key, so the provider or the recipient's mail system can recognise it:
//     at most one message per channel reaches a recipient who de-duplicates, and none is lost.
//     Per-channel rate limits space the sends (messages per second; 0: none).
//   - Escalation: one entry per incident and call tree, "escalation/<incident>/<tree>", with
//     the tree's levels resolved to people when it starts, and one item in queue "escalate"
//     due at the next level's deadline (the store keeps it: a restart resumes on time).
//     Escalator::run_once() takes the due ones: an acknowledged (stopped) tree ends; otherwise
//     the next level's people are queued (through the caller's `compose`, on every contact
//     method), and the next deadline is set from the one just passed (no drift); after the last
//     level the tree runs again from level 1 `repeat` times, then ends ("exhausted").
//     acknowledge_trees() stops every escalation of the incident whose levels so far name the
//     person; writes use the entries' versions, so a stop and an escalation never overwrite
//     one another.
// Times are the caller's (a Clock). Thread safety: one Live per thread, as store::Live; the
// Deliverer's sends run on threads of its own, its store calls on the caller's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "notify/audience.hpp"
#include "notify/transport.hpp"
#include "store/live.hpp"

namespace ebcm::notify {

inline constexpr const char* kNotifyQueue = "notify";
inline constexpr const char* kEscalateQueue = "escalate";

struct OutboxEntry {
  std::string key;  // outbox_key()
  std::string incident, round, person, name;
  std::vector<std::string> roles;
  std::string tree;  // an escalation's tree ("" for a round's message)
  Message message;   // channel, address, language, what is sent
  std::string state = "queued";  // queued, sending, retrying, delivered, failed
  size_t provider = 0;           // the provider to try first / that took it
  std::string provider_name;     // as the transport names it ("" before the first attempt)
  int64_t attempts = 0;
  std::string answer;     // the last provider's answer, in words
  std::string reference;  // the provider's id of the delivered message
  int64_t queued_ms = 0, updated_ms = 0;
  std::optional<int64_t> delivered_ms, next_attempt_ms;
};

// "<32 hex digits of the key's hash@domain>": the same message keeps one Message-ID however
// often it is tried (queue_messages() gives one with domain "ebcm.invalid" when none is set).
std::string message_id_for(std::string_view key, std::string_view domain);
std::string outbox_key(std::string_view incident, std::string_view round, std::string_view person,
                       std::string_view channel);
std::string to_json(const OutboxEntry& e);
std::optional<OutboxEntry> outbox_entry_from_json(std::string_view text);

// Queues what is not queued yet; returns how many entries are new.
Result<size_t> queue_messages(store::Live& live, const std::vector<OutboxEntry>& entries,
                              int64_t now_ms, std::string_view by);
// Every entry of an incident, by key.
Result<std::vector<OutboxEntry>> outbox_entries(store::Live& live, std::string_view incident);

// The transport of each channel (null: no provider configured for it).
struct Transports {
  Transport* email = nullptr;
  Transport* sms = nullptr;
  Transport* voice = nullptr;
  Transport* webhook = nullptr;
  Transport* of(model::Channel c) const;
};

struct DeliveryOptions {
  std::string worker = "ebcm";  // names this deliverer's claims
  size_t batch = 200;           // items claimed at once
  size_t parallel = 20;         // sends at once
  int64_t claim_ms = 120'000;   // a claim lasts; a dead worker's items come back after it
  int64_t retry_first_ms = 30'000, retry_max_ms = 15 * 60'000;
  int64_t max_attempts = 20;
  std::map<model::Channel, double> rate_per_s;  // per channel; absent or 0: no limit
};

struct DeliveryCounts {
  size_t claimed = 0, delivered = 0, retrying = 0, failed = 0;
};

// `live` is used from the caller's thread only; it is passed on each call so the caller can
// hold it under its own lock (app::Service::with_live).
using LiveAccess = std::function<void(const std::function<void(store::Live&)>&)>;

class Deliverer {
 public:
  Deliverer(LiveAccess live, Transports transports, const Clock& clock, DeliveryOptions options);
  // One batch; counts what it did (claimed 0: nothing was due).
  Result<DeliveryCounts> run_once();

 private:
  void pace(model::Channel c);  // waits for the channel's rate limit

  LiveAccess live_;
  Transports transports_;
  const Clock& clock_;
  DeliveryOptions options_;
  std::mutex rate_mutex_;
  std::map<model::Channel, int64_t> next_send_us_;  // steady time the next send may go
};

// ---- escalation ----

struct EscalationLevel {
  std::vector<std::string> people;
  int64_t ack_timeout_ms = 0;
};

struct Escalation {
  std::string key;  // "escalation/<incident>/<tree>"
  std::string incident, tree, name;
  std::vector<EscalationLevel> levels;
  int64_t repeat = 0;
  int64_t step = 1;      // the next level to start, counting level 1 of the first run as 0
  int64_t due_ms = 0;    // when it starts
  std::string state = "running";  // running, stopped (acknowledged), exhausted, ended
  std::string acknowledged_by;    // the person whose acknowledgement stopped it
  std::optional<int64_t> acknowledged_ms;
  struct Started {
    int64_t step = 0, level = 0, at_ms = 0;
  };
  std::vector<Started> started;  // the levels started so far (level 1 at the round)
};

std::string escalation_key(std::string_view incident, std::string_view tree);
std::string to_json(const Escalation& e);
std::optional<Escalation> escalation_from_json(std::string_view text);

// Starts the escalation of each engaged tree that has a level after the first (or repeats):
// level 1 was told with the round at now_ms; the next is due at its ack_timeout. Once per
// incident and tree. Returns how many started.
Result<size_t> start_escalations(store::Live& live, std::string_view incident,
                                 const std::vector<EngagedTree>& trees, int64_t now_ms,
                                 std::string_view by);
Result<std::vector<Escalation>> escalations(store::Live& live, std::string_view incident);

// Stops the incident's running escalations whose started levels name `person`; returns the
// trees stopped.
Result<std::vector<std::string>> acknowledge_trees(store::Live& live, std::string_view incident,
                                                   std::string_view person, int64_t now_ms,
                                                   std::string_view by);

// The messages of one escalated level: for `people` of the tree `e` at `round`
// ("<tree>.<step>"). kNotFound ends the escalation ("ended": the incident was resolved); other
// errors leave the deadline to be retried in 30 s.
using ComposeLevel = std::function<Result<std::vector<OutboxEntry>>(
    const Escalation& e, const std::vector<std::string>& people, const std::string& round)>;

class Escalator {
 public:
  Escalator(LiveAccess live, ComposeLevel compose, const Clock& clock, std::string worker);
  // Every deadline due now; returns how many levels were started.
  Result<size_t> run_once();
  // The lateness of each level started by run_once() calls so far (now - due), in ms.
  const std::vector<int64_t>& lateness_ms() const { return lateness_; }

 private:
  LiveAccess live_;
  ComposeLevel compose_;
  const Clock& clock_;
  std::string worker_;
  std::vector<int64_t> lateness_;
};

}  // namespace ebcm::notify
