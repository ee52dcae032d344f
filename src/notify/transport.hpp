// Transport: every channel (email, SMS, voice, webhook) behind one interface, each with its
// providers in the order they are tried; and the failover between them.
//
// Contract: Transport::send() hands one message to one provider and says what happened, in the
// terms of net::SendOutcome: delivered (with the provider's reference, e.g. a Twilio SID), the
// provider unreachable or down (connect failure, time-out, HTTP 5xx: try the next), a
// temporary refusal (SMTP 4xx, HTTP 429: retry this provider later), a lasting one (SMTP 5xx,
// HTTP 4xx, rejected credentials: try the next). It never throws and never puts a secret in
// the detail. send_with_failover() tries the providers from `first` on and stops at the first
// that delivers or refuses for now; so a message is handed to one provider after another only
// while none has taken it, and never to two that both took it.
//   - EmailTransport: SMTP (notify/email.hpp's MIME, net/smtp_client.hpp).
//   - PhoneTransport: SMS or voice through a Twilio-compatible REST API: POST
//     {base_url}/2010-04-01/Accounts/{account}/Messages.json (To, From, Body) or Calls.json (To,
//     From, Twiml: the text read by text-to-speech in the recipient's language, inside a Gather
//     of one keypress posted to the message's `voice_action` URL), HTTP Basic with the account
//     and its token, an Idempotency-Key header carrying the outbox key.
//   - WebhookTransport: the recipient's address is the URL. Microsoft Teams incoming webhooks
//     (a host under webhook.office.com or logic.azure.com) get a MessageCard, Slack's
//     (hooks.slack.com) {"text": ...}; any other URL gets ebcm's JSON signed with HMAC-SHA256
//     over "<timestamp>.<body>" (X-Ebcm-Timestamp: Unix seconds; X-Ebcm-Signature: v1=<hex>),
//     so a receiver can refuse a forged or replayed call (an old timestamp, a key seen before:
//     Idempotency-Key carries the outbox key). Without a secret, generic webhooks are refused
//     as a lasting failure; Teams and Slack URLs carry their own secret.
//   - FakeTransport: records what it is given and answers as scripted (unit tests).
// Thread safety: send() may be called from several threads at once on one transport
// (PhoneTransport makes an HTTP client per call; FakeTransport locks).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "model/model.hpp"
#include "net/http_client.hpp"
#include "net/smtp_client.hpp"
#include "notify/email.hpp"

namespace ebcm::notify {

// One message to one contact method, as the outbox keeps it.
struct Message {
  std::string key;  // the outbox key: incident, round, person, channel (the idempotency key)
  model::Channel channel = model::Channel::kEmail;
  std::string address;   // an email address, an E.164 number, a URL
  std::string language;  // en, sv
  Email email;           // channel email: the whole message but From (the provider's)
  std::string text;      // sms, voice, webhook: the short text
  std::string voice_action;  // voice: where the keypress is posted ("" gathers none)
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual size_t providers() const = 0;
  // For the outbox and the log: "smtp://127.0.0.1:2525", "twilio AC123 at https://...".
  virtual std::string provider_name(size_t provider) const = 0;
  virtual net::SendOutcome send(size_t provider, const Message& m) = 0;
};

struct Attempt {
  size_t provider = 0;
  net::SendOutcome outcome;
};
// The attempts made, in order (none when `first` is past the last provider).
std::vector<Attempt> send_with_failover(Transport& t, size_t first, const Message& m);

class EmailTransport final : public Transport {
 public:
  explicit EmailTransport(std::vector<EmailProvider> providers) : providers_(std::move(providers)) {}
  size_t providers() const override { return providers_.size(); }
  std::string provider_name(size_t provider) const override;
  net::SendOutcome send(size_t provider, const Message& m) override;

 private:
  std::vector<EmailProvider> providers_;
};

struct EmailResult {
  net::SendOutcome outcome;  // the last provider's answer
  size_t provider = 0;       // which provider it was (index into the list)
};
// One email through the providers from `first` on (send_with_failover over EmailTransport).
EmailResult send_email(const std::vector<EmailProvider>& providers, size_t first, Email email);

struct PhoneProvider {
  std::string base_url, account, token, from;
  int64_t timeout_ms = 15'000;
};

using HttpClientFactory = std::function<std::unique_ptr<net::HttpClient>()>;

class PhoneTransport final : public Transport {
 public:
  // `voice`: calls instead of text messages.
  PhoneTransport(bool voice, std::vector<PhoneProvider> providers, HttpClientFactory http)
      : voice_(voice), providers_(std::move(providers)), http_(std::move(http)) {}
  size_t providers() const override { return providers_.size(); }
  std::string provider_name(size_t provider) const override;
  net::SendOutcome send(size_t provider, const Message& m) override;

 private:
  bool voice_;
  std::vector<PhoneProvider> providers_;
  HttpClientFactory http_;
};

class WebhookTransport final : public Transport {
 public:
  WebhookTransport(std::string secret, HttpClientFactory http, const Clock& clock)
      : secret_(std::move(secret)), http_(std::move(http)), clock_(clock) {}
  size_t providers() const override { return 1; }
  std::string provider_name(size_t) const override { return "webhook"; }
  net::SendOutcome send(size_t provider, const Message& m) override;

 private:
  std::string secret_;
  HttpClientFactory http_;
  const Clock& clock_;
};

// "v1=<hex HMAC-SHA256 of "<timestamp>.<body>">": what a generic webhook's receiver checks.
std::string webhook_signature(const std::string& secret, int64_t timestamp_s, std::string_view body);

// The TwiML a call reads: the text in the language's voice, one keypress gathered.
std::string voice_twiml(const Message& m);

class FakeTransport final : public Transport {
 public:
  explicit FakeTransport(size_t providers = 1) : count_(providers) {}
  size_t providers() const override { return count_; }
  std::string provider_name(size_t provider) const override {
    return "fake " + std::to_string(provider);
  }
  net::SendOutcome send(size_t provider, const Message& m) override {
    std::lock_guard lock(mutex_);
    sent_.push_back({provider, m});
    auto it = answers_.find(provider);
    if (it == answers_.end()) return {net::SendOutcome::Kind::kDelivered, 250, "ok"};
    return it->second;
  }
  // From now on, `provider` answers so.
  void answer(size_t provider, net::SendOutcome outcome) {
    std::lock_guard lock(mutex_);
    answers_[provider] = std::move(outcome);
  }
  std::vector<std::pair<size_t, Message>> sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
  }

 private:
  size_t count_;
  mutable std::mutex mutex_;
  std::map<size_t, net::SendOutcome> answers_;
  std::vector<std::pair<size_t, Message>> sent_;
};

}  // namespace ebcm::notify
