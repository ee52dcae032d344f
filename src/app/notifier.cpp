#include "app/notifier.hpp"

#include <fmt/format.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstring>
#include <random>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "net/curl_client.hpp"

namespace ebcm::app {

namespace json = boost::json;

namespace {

constexpr int64_t kTokenLifeMs = 7LL * 24 * 3'600'000;
constexpr const char* kAckKey = "notify/ack-key";
constexpr const char* kDeliverLease = "notify-deliver";

std::string worker_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}:{:08x}", host, ::getpid(), static_cast<uint32_t>(std::random_device{}()));
}

std::string b64url(std::string_view in) {
  std::string out(sodium_base64_encoded_len(in.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(in.data()),
                    in.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::optional<std::string> un_b64url(std::string_view in) {
  std::string out(in.size(), '\0');
  size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), in.data(),
                        in.size(), nullptr, &len, nullptr,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  out.resize(len);
  return out;
}

std::string hmac(const std::string& key, std::string_view text) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  crypto_auth_hmacsha256_final(&st, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof mac);
}

std::string ack_value_key(std::string_view incident, std::string_view person) {
  std::string k = "ack/";
  k.append(incident).append("/").append(person);
  return k;
}

std::string ack_to_json(const Acknowledgement& a) {
  json::array trees;
  for (const auto& t : a.trees) trees.emplace_back(t);
  return json::serialize(json::object{{"incident", a.incident}, {"person", a.person},
                                      {"name", a.name},         {"channel", a.channel},
                                      {"by", a.by},             {"at_ms", a.at_ms},
                                      {"trees", trees}});
}

std::optional<Acknowledgement> ack_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  auto s = [&](const char* k) {
    const json::value* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  Acknowledgement a;
  a.incident = s("incident");
  a.person = s("person");
  a.name = s("name");
  a.channel = s("channel");
  a.by = s("by");
  if (const json::value* x = o.if_contains("at_ms"); x && x->is_int64()) a.at_ms = x->as_int64();
  if (const json::value* x = o.if_contains("trees"); x && x->is_array())
    for (const auto& t : x->as_array())
      if (t.is_string()) a.trees.emplace_back(t.as_string());
  return a;
}

// The rounds count the updates: a new message, a state change, the all-clear; not the
// notifications and acknowledgements themselves.
std::string round_of(const Incident& i) {
  size_t n = 0;
  for (const auto& t : i.timeline)
    if (t.kind != "notification" && t.kind != "acknowledged" && t.kind != "review") ++n;
  return "r" + std::to_string(std::max<size_t>(n, 1));
}

std::string count_of(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

const model::Person* find_person(const model::Model& m, std::string_view id) {
  for (const auto& p : m.people)
    if (p.id == id) return &p;
  return nullptr;
}

std::string host_of(const std::string& url) {
  std::string h = net::url_host(url);
  if (auto colon = h.find(':'); colon != std::string::npos) h.resize(colon);
  return h.empty() ? std::string("ebcm.invalid") : h;
}

}  // namespace

Result<std::unique_ptr<Notifier>> Notifier::create(Service& service, notify::Settings settings,
                                                   notify::Templates templates,
                                                   notify::HttpClientFactory http) {
  if (!http) http = [] { return std::make_unique<net::CurlClient>(); };
  auto email = notify::email_providers(settings);
  if (!email) return email.error();
  auto sms = notify::phone_providers(settings.sms, "sms");
  if (!sms) return sms.error();
  auto voice = notify::phone_providers(settings.voice, "voice");
  if (!voice) return voice.error();
  std::vector<std::unique_ptr<notify::Transport>> owned;
  notify::Transports t;
  if (!email->empty()) {
    owned.push_back(std::make_unique<notify::EmailTransport>(std::move(*email)));
    t.email = owned.back().get();
  }
  if (!sms->empty()) {
    owned.push_back(std::make_unique<notify::PhoneTransport>(false, std::move(*sms), http));
    t.sms = owned.back().get();
  }
  if (!voice->empty()) {
    owned.push_back(std::make_unique<notify::PhoneTransport>(true, std::move(*voice), http));
    t.voice = owned.back().get();
  }
  auto secret = notify::read_secret(settings.webhook_secret_file, settings.webhook_secret_env,
                                   "notify.webhook secret");
  if (!secret) return secret.error();
  // Teams and Slack URLs need no secret of ours; generic webhooks are refused without one.
  owned.push_back(std::make_unique<notify::WebhookTransport>(*secret, http, service.clock()));
  t.webhook = owned.back().get();
  const bool webhooks = !secret->empty();
  auto n = std::make_unique<Notifier>(service, std::move(settings), std::move(templates), t);
  n->webhooks_ = webhooks;
  n->owned_ = std::move(owned);
  return n;
}

Notifier::Notifier(Service& service, notify::Settings settings, notify::Templates templates,
                   notify::Transports transports)
    : service_(service),
      settings_(std::move(settings)),
      templates_(std::move(templates)),
      transports_(transports),
      worker_(worker_name()),
      deliverer_(live_access(), transports_, service.clock(),
                 [&] {
                   notify::DeliveryOptions o;
                   o.worker = worker_;
                   o.rate_per_s = settings_.rate_per_s;
                   o.claim_ms = settings_.claim_s * 1000;
                   return o;
                 }()),
      escalator_(
          live_access(),
          [this](const notify::Escalation& e, const std::vector<std::string>& people,
                 const std::string& round) { return compose_level(e, people, round); },
          service.clock(), worker_) {}

Notifier::~Notifier() { stop(); }

notify::LiveAccess Notifier::live_access() {
  return [this](const std::function<void(store::Live&)>& fn) {
    service_.with_live([&](store::Live& live) { fn(live); });
  };
}

Result<std::string> Notifier::key() {
  std::lock_guard lock(key_mutex_);
  if (!key_.empty()) return key_;
  return service_.with_live([&](store::Live& live) -> Result<std::string> {
    for (int tries = 0; tries < 2; ++tries) {
      auto v = live.get(kAckKey);
      if (!v) return v.error();
      if (*v) {
        boost::system::error_code ec;
        json::value j = json::parse((*v)->json, ec);
        if (!ec && j.is_object() && j.as_object().contains("key") && j.as_object().at("key").is_string()) {
          const std::string hex(j.as_object().at("key").as_string());
          std::string bin(hex.size() / 2, '\0');
          size_t len = 0;
          if (sodium_hex2bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), hex.data(),
                             hex.size(), nullptr, &len, nullptr) == 0 && len >= 32) {
            bin.resize(len);
            key_ = bin;
            return key_;
          }
        }
        return make_error(ErrorCode::kStorage, "the acknowledgement key in the store is unreadable");
      }
      unsigned char raw[32];
      randombytes_buf(raw, sizeof raw);
      char hex[65];
      sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
      auto put = live.put(kAckKey, json::serialize(json::object{{"key", hex}}),
                          service_.clock().now_ms(), "ebcm", 0, std::nullopt);
      if (!put && put.error().code != ErrorCode::kConflict) return put.error();
      // Made now, or by another instance meanwhile: read it back.
    }
    return make_error(ErrorCode::kStorage, "the acknowledgement key could not be made");
  });
}

Result<std::string> Notifier::ack_token(std::string_view incident, std::string_view person) {
  auto k = key();
  if (!k) return k.error();
  const std::string payload = std::string(incident) + "\n" + std::string(person) + "\n" +
                              std::to_string(service_.clock().now_ms() + kTokenLifeMs);
  return b64url(payload) + "." + b64url(hmac(*k, "link\n" + payload));
}

Result<AckTarget> Notifier::check_token(std::string_view token) {
  auto bad = [] {
    return make_error(ErrorCode::kInvalidInput,
                      "this acknowledgement link is not valid (it may have been cut short: open "
                      "the whole link from the message)");
  };
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > 2000) return bad();
  auto payload = un_b64url(token.substr(0, dot));
  auto mac = un_b64url(token.substr(dot + 1));
  if (!payload || !mac) return bad();
  auto k = key();
  if (!k) return k.error();
  const std::string expect = hmac(*k, "link\n" + *payload);
  if (mac->size() != expect.size() || sodium_memcmp(mac->data(), expect.data(), expect.size()) != 0) {
    return bad();
  }
  std::vector<std::string> parts;
  for (size_t at = 0;;) {
    const size_t nl = payload->find('\n', at);
    parts.push_back(payload->substr(at, nl == std::string::npos ? std::string::npos : nl - at));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  if (parts.size() != 3) return bad();
  AckTarget t{std::string(parts[0]), std::string(parts[1]), 0};
  try {
    t.expires_ms = std::stoll(std::string(parts[2]));
  } catch (...) {
    return bad();
  }
  if (t.expires_ms <= service_.clock().now_ms()) {
    return make_error(ErrorCode::kStale, "this acknowledgement link has expired");
  }
  return t;
}

Result<Acknowledgement> Notifier::acknowledge_token(std::string_view token, std::string channel,
                                                    std::string remote) {
  auto t = check_token(token);
  if (!t) return t.error();
  // Used once: the token's hash is kept.
  const std::string used = "ack-used/" + notify::message_id_for(token, "t");
  auto first = service_.with_live([&](store::Live& live) {
    return live.put(used, "{}", service_.clock().now_ms(), "ebcm", 0, std::nullopt);
  });
  if (!first) {
    if (first.error().code != ErrorCode::kConflict) return first.error();
    auto existing = service_.with_live([&](store::Live& live) {
      return live.get(ack_value_key(t->incident, t->person));
    });
    if (existing && *existing) {
      if (auto a = ack_from_json((**existing).json)) {
        a->already = true;
        return *a;
      }
    }
    return make_error(ErrorCode::kStale, "this acknowledgement link was used already");
  }
  Actor actor{t->person, std::move(remote), std::nullopt, t->person};
  return acknowledge(actor, t->incident, t->person, std::move(channel));
}

Result<std::string> Notifier::sms_code(std::string_view incident, std::string_view person) {
  auto k = key();
  if (!k) return k.error();
  const std::string mac = hmac(*k, "sms\n" + std::string(incident) + "\n" + std::string(person));
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(mac[static_cast<size_t>(i)]);
  return fmt::format("{:06}", n % 1'000'000);
}

Result<Acknowledgement> Notifier::acknowledge_sms(std::string_view from, std::string_view body) {
  std::string code;
  for (size_t i = 0; i < body.size(); ++i) {  // the first run of 6 digits
    size_t j = i;
    while (j < body.size() && std::isdigit(static_cast<unsigned char>(body[j]))) ++j;
    if (j - i == 6) {
      code = std::string(body.substr(i, 6));
      break;
    }
    if (j > i) i = j;
  }
  auto none = [] {
    return make_error(ErrorCode::kNotFound, "no acknowledgement matches this number and code");
  };
  if (code.empty()) return none();
  auto compact = [](std::string_view s) {
    std::string out;
    for (char c : s)
      if (c != ' ' && c != '-') out += c;
    return out;
  };
  const std::string number = compact(from);
  const auto snap = service_.snapshot();
  for (const auto& p : snap->model().people) {
    const bool theirs = std::any_of(p.contacts.begin(), p.contacts.end(), [&](const model::Contact& c) {
      return c.channel == model::Channel::kSms && compact(c.address) == number;
    });
    if (!theirs) continue;
    for (const auto& i : service_.incidents()) {
      if (!i.active) continue;
      auto c = sms_code(i.id, p.id);
      if (!c) return c.error();
      if (*c == code) {
        Actor actor{p.id, "sms", std::nullopt, p.id};
        return acknowledge(actor, i.id, p.id, "sms");
      }
    }
  }
  return none();
}

Result<Acknowledgement> Notifier::acknowledge(const Actor& actor, std::string_view incident,
                                              std::string_view person, std::string channel) {
  auto i = service_.incident(incident);
  if (!i) return i.error();
  const auto snap = service_.snapshot();
  const model::Person* p = find_person(snap->model(), person);
  if (!p) {
    return make_error(ErrorCode::kInvalidInput, "no person '" + std::string(person) + "'");
  }
  std::optional<Error> failure;
  Acknowledgement a;
  bool told = false;
  service_.with_live([&](store::Live& live) {
    auto values = live.list("outbox/" + std::string(incident) + "/");
    if (!values) {
      failure = values.error();
      return;
    }
    for (const auto& v : *values) {
      if (v.key.find("/" + std::string(person) + "/") != std::string::npos) told = true;
    }
    if (!told) return;
    const std::string k = ack_value_key(incident, person);
    auto existing = live.get(k);
    if (!existing) {
      failure = existing.error();
      return;
    }
    if (*existing) {
      if (auto old = ack_from_json((**existing).json)) {
        a = *old;
        a.already = true;
        return;
      }
    }
    const int64_t now = service_.clock().now_ms();
    auto trees = notify::acknowledge_trees(live, incident, person, now, actor.name);
    if (!trees) {
      failure = trees.error();
      return;
    }
    a = Acknowledgement{std::string(incident), std::string(person), p->name, channel, actor.name,
                        now, *trees, false};
    if (auto r = live.put(k, ack_to_json(a), now, actor.name, 0, std::nullopt); !r) failure = r.error();
  });
  if (failure) return *failure;
  if (!told) {
    return make_error(ErrorCode::kInvalidInput,
                      "'" + std::string(person) + "' was not told about incident '" +
                          std::string(incident) + "': only someone told can acknowledge it");
  }
  if (a.already) return a;
  std::string text = fmt::format("Acknowledged by {} ({})", p->name.empty() ? p->id : p->name, channel);
  if (!a.trees.empty()) text += "; escalation of " + join(a.trees, ", ") + " stopped";
  if (auto n = service_.note_incident(actor, incident, "acknowledged", text, "incident_ack"); !n) {
    return n.error();
  }
  return a;
}

Result<std::vector<notify::OutboxEntry>> Notifier::entries_for(const Incident& i,
                                                               const notify::Recipient& r,
                                                               const std::string& round,
                                                               const std::string& tree) {
  const auto snap = service_.snapshot();
  notify::IncidentFacts f;
  f.id = i.id;
  f.title = i.title;
  f.active = i.active;
  for (auto t = i.timeline.rbegin(); t != i.timeline.rend(); ++t) {
    if (t->kind != "notification" && t->kind != "acknowledged" && t->kind != "review") {
      f.update = t->text;
      break;
    }
  }
  f.next_update_ms = i.next_update_ms;
  notify::AckWays ways;
  std::string voice_action;
  if (i.active) {
    auto code = sms_code(i.id, r.person);
    if (!code) return code.error();
    ways.sms_code = *code;
    ways.voice = !settings_.public_url.empty();
    if (!settings_.public_url.empty()) {
      auto token = ack_token(i.id, r.person);
      if (!token) return token.error();
      ways.link = settings_.public_url + "/api/v1/ack/" + *token;
      voice_action = settings_.public_url + "/api/v1/inbound/voice?token=" + *token;
    }
  }
  std::vector<notify::OutboxEntry> out;
  std::map<std::string, int> seen;  // a second contact of one channel: "<channel>.2"
  for (auto& c : notify::compose(templates_, snap->model(), f, r, settings_.public_url, ways)) {
    const std::string channel = model::to_string(c.to.channel);
    const int n = ++seen[channel];
    notify::OutboxEntry e;
    e.incident = i.id;
    e.round = round;
    e.person = r.person;
    e.name = r.name;
    e.roles = r.roles;
    e.tree = tree;
    e.key = notify::outbox_key(i.id, round, r.person, n == 1 ? channel : channel + "." + std::to_string(n));
    e.message.key = e.key;
    e.message.channel = c.to.channel;
    e.message.address = c.to.address;
    e.message.language = r.language;
    e.message.text = std::move(c.short_text);
    e.message.email = std::move(c.email);
    if (c.to.channel == model::Channel::kEmail) {
      e.message.email.message_id = notify::message_id_for(e.key, host_of(settings_.public_url));
    }
    if (c.to.channel == model::Channel::kVoice) e.message.voice_action = voice_action;
    out.push_back(std::move(e));
  }
  return out;
}

Result<RoundSummary> Notifier::send_round(const Actor& actor, std::string_view id, bool widen) {
  if (!can_send()) {
    return make_error(ErrorCode::kConflict,
                      "notifications are not configured: no channel has a provider (the notify: "
                      "section of the settings, docs/notifications.md)");
  }
  auto i = service_.incident(id);
  if (!i) return i.error();
  auto audience = service_.notification_preview(id, widen);
  if (!audience) return audience.error();
  RoundSummary s;
  s.incident = i->id;
  s.round = round_of(*i);
  std::vector<notify::OutboxEntry> entries;
  for (const auto& r : audience->recipients) {
    auto e = entries_for(*i, r, s.round, "");
    if (!e) return e.error();
    for (auto& x : *e) entries.push_back(std::move(x));
  }
  s.recipients = audience->recipients.size();
  s.messages = entries.size();
  const int64_t now = service_.clock().now_ms();
  std::optional<Error> failure;
  service_.with_live([&](store::Live& live) {
    auto q = notify::queue_messages(live, entries, now, actor.name);
    if (!q) {
      failure = q.error();
      return;
    }
    s.queued = *q;
    if (i->active) {
      auto e = notify::start_escalations(live, i->id, audience->trees, now, actor.name);
      if (!e) {
        failure = e.error();
        return;
      }
      s.escalations = *e;
    }
  });
  if (failure) return *failure;
  if (s.queued > 0) {
    const std::string text =
        fmt::format("Notified (round {}{}): {} to {}", s.round, audience->widened ? ", widened to everyone" : "",
                    count_of(s.queued, "message", "messages"),
                    count_of(s.recipients, "person", "people"));
    if (auto n = service_.note_incident(actor, i->id, "notification", text, "incident_notify"); !n) {
      return n.error();
    }
  }
  s.audience = std::move(*audience);
  return s;
}

Result<std::vector<notify::OutboxEntry>> Notifier::compose_level(
    const notify::Escalation& e, const std::vector<std::string>& people, const std::string& round) {
  auto i = service_.incident(e.incident);
  if (!i || !i->active) return make_error(ErrorCode::kNotFound, "the incident is over");
  std::vector<std::string> functions;
  if (auto a = service_.notification_preview(e.incident, false)) {
    for (const auto& t : a->trees)
      if (t.id == e.tree) functions = t.functions;
  }
  const auto snap = service_.snapshot();
  const model::Model& m = snap->model();
  std::vector<notify::OutboxEntry> out;
  for (const auto& id : people) {
    const model::Person* p = find_person(m, id);
    if (!p) continue;  // left the model meanwhile
    notify::Recipient r;
    r.person = p->id;
    r.name = p->name;
    r.language = p->language.empty() ? m.organization.language : p->language;
    r.roles = {"responder"};
    r.functions = functions;
    r.call_trees = {e.tree};
    r.channels = p->contacts;
    auto entries = entries_for(*i, r, round, e.tree);
    if (!entries) return entries.error();
    for (auto& x : *entries) out.push_back(std::move(x));
  }
  return out;
}

Result<NotificationStatus> Notifier::status(std::string_view id) {
  auto i = service_.incident(id);
  if (!i) return i.error();
  NotificationStatus s;
  s.incident = i->id;
  std::optional<Error> failure;
  service_.with_live([&](store::Live& live) {
    auto e = notify::outbox_entries(live, i->id);
    if (!e) {
      failure = e.error();
      return;
    }
    s.entries = std::move(*e);
    auto x = notify::escalations(live, i->id);
    if (!x) {
      failure = x.error();
      return;
    }
    s.escalations = std::move(*x);
    auto acks = live.list(ack_value_key(i->id, ""));
    if (!acks) {
      failure = acks.error();
      return;
    }
    for (const auto& v : *acks)
      if (auto a = ack_from_json(v.json)) s.acks.push_back(std::move(*a));
  });
  if (failure) return *failure;
  for (const auto& e : s.entries) {
    if (e.state == "delivered") ++s.delivered;
    else if (e.state == "failed") ++s.failed;
    else if (e.state == "retrying") ++s.retrying;
    else if (e.state == "sending") ++s.sending;
    else ++s.queued;
  }
  return s;
}

Result<notify::DeliveryCounts> Notifier::deliver_once() { return deliverer_.run_once(); }
Result<size_t> Notifier::escalate_once() { return escalator_.run_once(); }

Result<Notifier::Drained> Notifier::drain(int64_t max_ms) {
  Drained d;
  const int64_t until = service_.clock().now_ms() + max_ms;
  while (service_.clock().now_ms() < until) {
    auto c = deliver_once();
    if (!c) return c.error();
    if (c->claimed == 0) break;
    d.delivered += c->delivered;
    d.failed += c->failed;
    d.retrying += c->retrying;
  }
  return d;
}

Result<bool> Notifier::server_delivers(const std::string& me) {
  auto free = service_.try_lease(kDeliverLease, me, 1);
  if (!free) return free.error();
  if (*free) (void)service_.release_lease(kDeliverLease, me);
  return !*free;
}

void Notifier::start(const std::string& instance) {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this, holder = worker_ + (instance.empty() ? "" : ":" + instance)] { loop(holder); });
}

void Notifier::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Notifier::loop(std::string holder) {
  int64_t last_lease = 0;
  std::string last_error;
  while (true) {
    const int64_t now = service_.clock().now_ms();
    if (now - last_lease >= 10'000) {
      (void)service_.try_lease(kDeliverLease, holder, 30'000);
      last_lease = now;
    }
    std::string error;
    for (;;) {  // catch up while whole batches come
      auto c = deliver_once();
      if (!c) {
        error = c.error().message;
        break;
      }
      if (c->claimed < notify::DeliveryOptions{}.batch) break;
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    if (auto e = escalate_once(); !e) error = e.error().message;
    if (!error.empty() && error != last_error) {
      log_event(Level::kWarn, "notify_outbox_failed", {{"error", error}});
    }
    last_error = error;
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; })) break;
  }
  (void)service_.release_lease(kDeliverLease, holder);
}

namespace {
json::value utc_or_null(std::optional<int64_t> ms) {
  if (!ms) return nullptr;
  return json::string(format_utc(*ms));
}
json::array strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& x : v) a.emplace_back(x);
  return a;
}
json::object ack_object(const Acknowledgement& a) {
  return {{"incident", a.incident}, {"person", a.person}, {"name", a.name},
          {"channel", a.channel},   {"by", a.by},         {"at", format_utc(a.at_ms)},
          {"trees", strings(a.trees)}, {"already", a.already}};
}
}  // namespace

std::string to_json(const Acknowledgement& a) { return json::serialize(ack_object(a)); }

std::string to_json(const RoundSummary& s) {
  return json::serialize(json::object{{"incident", s.incident},
                                      {"round", s.round},
                                      {"recipients", s.recipients},
                                      {"messages", s.messages},
                                      {"queued", s.queued},
                                      {"escalations", s.escalations}});
}

std::string to_json(const NotificationStatus& s) {
  json::array messages;
  for (const auto& e : s.entries) {
    messages.push_back(json::object{{"key", e.key},
                                    {"round", e.round},
                                    {"person", e.person},
                                    {"name", e.name},
                                    {"roles", strings(e.roles)},
                                    {"tree", e.tree},
                                    {"channel", model::to_string(e.message.channel)},
                                    {"address", e.message.address},
                                    {"language", e.message.language},
                                    {"state", e.state},
                                    {"provider", e.provider_name},
                                    {"attempts", e.attempts},
                                    {"answer", e.answer},
                                    {"reference", e.reference},
                                    {"queued", format_utc(e.queued_ms)},
                                    {"updated", format_utc(e.updated_ms)},
                                    {"delivered", utc_or_null(e.delivered_ms)},
                                    {"next_attempt", utc_or_null(e.next_attempt_ms)}});
  }
  json::array escalations;
  for (const auto& e : s.escalations) {
    json::array levels, started;
    for (const auto& l : e.levels)
      levels.push_back(json::object{{"people", strings(l.people)}, {"ack_timeout_ms", l.ack_timeout_ms}});
    for (const auto& x : e.started)
      started.push_back(json::object{{"step", x.step}, {"level", x.level + 1}, {"at", format_utc(x.at_ms)}});
    escalations.push_back(json::object{{"tree", e.tree},
                                       {"name", e.name},
                                       {"state", e.state},
                                       {"step", e.step},
                                       {"due", e.state == "running" ? json::value(format_utc(e.due_ms)) : nullptr},
                                       {"acknowledged_by", e.acknowledged_by},
                                       {"acknowledged", utc_or_null(e.acknowledged_ms)},
                                       {"levels", levels},
                                       {"started", started}});
  }
  json::array acks;
  for (const auto& a : s.acks) acks.push_back(ack_object(a));
  return json::serialize(json::object{
      {"incident", s.incident},
      {"counts", json::object{{"queued", s.queued},
                              {"sending", s.sending},
                              {"retrying", s.retrying},
                              {"delivered", s.delivered},
                              {"failed", s.failed}}},
      {"messages", messages},
      {"escalations", escalations},
      {"acknowledgements", acks}});
}

}  // namespace ebcm::app
