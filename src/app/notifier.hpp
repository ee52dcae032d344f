// The notifier: an incident's rounds of messages from its audience to the outbox, their
// delivery, the call trees' escalation and the acknowledgements, over the Service.
//
// Contract:
//   - send_round() queues one round: the incident's audience now (Service::notification_preview),
//     each recipient's messages composed in their language with their ways to acknowledge, under
//     the round of the incident's latest update ("r<N>": N counts the timeline's updates, so the
//     same update is never sent twice, and a new message, a state change or the all-clear is a
//     new round to the audience recomputed); and starts the escalation of each engaged call tree
//     (once per incident). The incident's timeline and the audit trail record the round.
//   - Acknowledging: a signed link (HMAC-SHA256 with the store's key "notify/ack-key", made
//     once and shared by every instance; valid 7 days, used once), an SMS reply with the
//     recipient's code (6 digits, derived from the same key), a voice keypress, the API or `ebcm
//     ack`. acknowledge() records it once per person and incident ("ack/<incident>/<person>"),
//     stops every escalation whose started levels name the person, and puts it on the timeline
//     and in the audit trail. Only someone told about the incident can acknowledge it.
//   - deliver_once() / escalate_once() do one round of background work; start() runs both every
//     200 ms on a thread of its own, and holds the lease "notify-deliver" while it runs so
//     `ebcm notify send` knows a server delivers; drain() (a command without a server) delivers
//     what is due until nothing is left to send now.
// Thread safety: every member from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/service.hpp"
#include "notify/compose.hpp"
#include "notify/outbox.hpp"
#include "notify/settings.hpp"
#include "notify/templates.hpp"

namespace ebcm::app {

struct RoundSummary {
  std::string incident, round;
  size_t recipients = 0, messages = 0, queued = 0;  // queued: new now (0 when sent already)
  size_t escalations = 0;                           // call trees whose escalation started now
  notify::Audience audience;
};

struct Acknowledgement {
  std::string incident, person, name, channel;  // channel: link, sms, voice, api, cli
  std::string by;
  int64_t at_ms = 0;
  std::vector<std::string> trees;  // the escalations it stopped
  bool already = false;            // acknowledged before (this one changed nothing)
};

struct NotificationStatus {
  std::string incident;
  std::vector<notify::OutboxEntry> entries;  // by key
  std::vector<notify::Escalation> escalations;
  std::vector<Acknowledgement> acks;
  size_t queued = 0, sending = 0, retrying = 0, delivered = 0, failed = 0;
};

// {incident, counts: {queued, sending, retrying, delivered, failed}, messages: [{key, round,
// person, name, roles, tree, channel, address, language, state, provider, attempts, answer,
// reference, queued, updated, delivered, next_attempt}], escalations: [{tree, name, state,
// step, due, acknowledged_by, acknowledged, levels: [{people, ack_timeout_ms}], started:
// [{step, level, at}]}], acknowledgements: [{person, name, channel, by, at, trees}]}; times UTC.
std::string to_json(const NotificationStatus& s);
// {incident, round, recipients, messages, queued, escalations}.
std::string to_json(const RoundSummary& s);
std::string to_json(const Acknowledgement& a);

// Who a link, code or keypress acknowledges for.
struct AckTarget {
  std::string incident, person;
  int64_t expires_ms = 0;
};

class Notifier {
 public:
  // Reads the providers' secrets; kInvalidInput naming what is missing.
  static Result<std::unique_ptr<Notifier>> create(Service& service, notify::Settings settings,
                                                  notify::Templates templates,
                                                  notify::HttpClientFactory http = {});
  // For tests: the given transports (not owned; must outlive the Notifier).
  Notifier(Service& service, notify::Settings settings, notify::Templates templates,
           notify::Transports transports);
  ~Notifier();

  Result<RoundSummary> send_round(const Actor& actor, std::string_view incident, bool widen);
  Result<NotificationStatus> status(std::string_view incident);
  Result<Acknowledgement> acknowledge(const Actor& actor, std::string_view incident,
                                      std::string_view person, std::string channel);

  // The acknowledgement link's token for a person, and its check (kInvalidInput: not one of
  // ours or tampered with; kStale: expired or used).
  Result<std::string> ack_token(std::string_view incident, std::string_view person);
  Result<AckTarget> check_token(std::string_view token);
  // Uses the token once and acknowledges (`channel`: "link", "voice").
  Result<Acknowledgement> acknowledge_token(std::string_view token, std::string channel,
                                            std::string remote);
  // An SMS reply from `from` (an E.164 number) saying `body`: the person whose number it is and
  // whose code for an active incident it carries. kNotFound when none matches.
  Result<Acknowledgement> acknowledge_sms(std::string_view from, std::string_view body);
  Result<std::string> sms_code(std::string_view incident, std::string_view person);

  Result<notify::DeliveryCounts> deliver_once();
  Result<size_t> escalate_once();
  struct Drained {
    size_t delivered = 0, retrying = 0, failed = 0;
  };
  // Delivers what is due now until nothing is left (retries due later are left to a server or
  // the next command); at most `max_ms` of the clock.
  Result<Drained> drain(int64_t max_ms = 600'000);
  // Whether a running server delivers (it holds the lease "notify-deliver").
  Result<bool> server_delivers(const std::string& me);

  void start(const std::string& instance);
  void stop();

  // Whether any channel has a provider (otherwise send_round() is refused).
  bool can_send() const {
    return transports_.email || transports_.sms || transports_.voice || webhooks_;
  }
  const notify::Settings& settings() const { return settings_; }
  const notify::Templates& templates() const { return templates_; }
  const std::vector<int64_t>& escalation_lateness_ms() const { return escalator_.lateness_ms(); }

 private:
  Result<std::string> key();  // the acknowledgement key, made once
  Result<std::vector<notify::OutboxEntry>> compose_level(const notify::Escalation& e,
                                                         const std::vector<std::string>& people,
                                                         const std::string& round);
  Result<std::vector<notify::OutboxEntry>> entries_for(const Incident& i,
                                                       const notify::Recipient& r,
                                                       const std::string& round,
                                                       const std::string& tree);
  notify::LiveAccess live_access();
  void loop(std::string holder);

  Service& service_;
  notify::Settings settings_;
  notify::Templates templates_;
  std::vector<std::unique_ptr<notify::Transport>> owned_;
  notify::Transports transports_;
  bool webhooks_ = false;  // a webhook secret is set (Teams and Slack need none)
  std::string worker_;
  notify::Deliverer deliverer_;
  notify::Escalator escalator_;
  std::mutex key_mutex_;
  std::string key_;  // cached once read

  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ebcm::app
