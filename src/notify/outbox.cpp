#include "notify/outbox.hpp"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <thread>

namespace ebcm::notify {

namespace json = boost::json;

namespace {

std::string str(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
int64_t num(const json::object& o, std::string_view k, int64_t dflt = 0) {
  const json::value* v = o.if_contains(k);
  return v && v->is_int64() ? v->as_int64() : dflt;
}
std::optional<int64_t> opt_num(const json::object& o, std::string_view k) {
  const json::value* v = o.if_contains(k);
  if (v && v->is_int64()) return v->as_int64();
  return std::nullopt;
}
json::array str_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
std::vector<std::string> strs(const json::object& o, std::string_view k) {
  std::vector<std::string> out;
  if (const json::value* v = o.if_contains(k); v && v->is_array())
    for (const auto& x : v->as_array())
      if (x.is_string()) out.emplace_back(x.as_string());
  return out;
}
std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::string hex_digest(std::string_view text, size_t bytes) {
  unsigned char h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                     nullptr, 0);
  std::string out(bytes * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), h, std::min(bytes, sizeof h));
  out.pop_back();
  return out;
}

}  // namespace

std::string message_id_for(std::string_view key, std::string_view domain) {
  return "<" + hex_digest(key, 16) + "@" + std::string(domain) + ">";
}

std::string outbox_key(std::string_view incident, std::string_view round, std::string_view person,
                       std::string_view channel) {
  std::string k = "outbox/";
  k.append(incident).append("/").append(round).append("/").append(person).append("/").append(channel);
  return k;
}

std::string to_json(const OutboxEntry& e) {
  const Message& m = e.message;
  json::object email{{"to", m.email.to},           {"to_name", m.email.to_name},
                     {"subject", m.email.subject}, {"text", m.email.text},
                     {"html", m.email.html},       {"language", m.email.language},
                     {"message_id", m.email.message_id}};
  json::array headers;
  for (const auto& [k, v] : m.email.headers) headers.push_back(json::array{json::string(k), json::string(v)});
  email["headers"] = std::move(headers);
  json::object o{{"incident", e.incident},
                 {"round", e.round},
                 {"person", e.person},
                 {"name", e.name},
                 {"roles", str_array(e.roles)},
                 {"tree", e.tree},
                 {"channel", model::to_string(m.channel)},
                 {"address", m.address},
                 {"language", m.language},
                 {"text", m.text},
                 {"voice_action", m.voice_action},
                 {"state", e.state},
                 {"provider", static_cast<int64_t>(e.provider)},
                 {"provider_name", e.provider_name},
                 {"attempts", e.attempts},
                 {"answer", e.answer},
                 {"reference", e.reference},
                 {"queued_ms", e.queued_ms},
                 {"updated_ms", e.updated_ms}};
  if (m.channel == model::Channel::kEmail || m.channel == model::Channel::kWebhook) {
    o["email"] = std::move(email);  // a webhook carries the full text too
  }
  if (e.delivered_ms) o["delivered_ms"] = *e.delivered_ms;
  if (e.next_attempt_ms) o["next_attempt_ms"] = *e.next_attempt_ms;
  return json::serialize(o);
}

std::optional<OutboxEntry> outbox_entry_from_json(std::string_view text) {
  auto parsed = parse_object(text);
  if (!parsed) return std::nullopt;
  const json::object& o = *parsed;
  OutboxEntry e;
  e.incident = str(o, "incident");
  e.round = str(o, "round");
  e.person = str(o, "person");
  e.name = str(o, "name");
  e.roles = strs(o, "roles");
  e.tree = str(o, "tree");
  auto channel = model::parse_channel(str(o, "channel"));
  if (!channel) return std::nullopt;
  Message& m = e.message;
  m.channel = *channel;
  m.address = str(o, "address");
  m.language = str(o, "language");
  m.text = str(o, "text");
  m.voice_action = str(o, "voice_action");
  if (const json::value* ev = o.if_contains("email"); ev && ev->is_object()) {
    const json::object& em = ev->as_object();
    m.email.to = str(em, "to");
    m.email.to_name = str(em, "to_name");
    m.email.subject = str(em, "subject");
    m.email.text = str(em, "text");
    m.email.html = str(em, "html");
    m.email.language = str(em, "language");
    m.email.message_id = str(em, "message_id");
    if (const json::value* h = em.if_contains("headers"); h && h->is_array())
      for (const auto& pair : h->as_array())
        if (pair.is_array() && pair.as_array().size() == 2 && pair.as_array()[0].is_string() &&
            pair.as_array()[1].is_string())
          m.email.headers.emplace_back(pair.as_array()[0].as_string(), pair.as_array()[1].as_string());
  }
  e.state = str(o, "state");
  e.provider = static_cast<size_t>(std::max<int64_t>(0, num(o, "provider")));
  e.provider_name = str(o, "provider_name");
  e.attempts = num(o, "attempts");
  e.answer = str(o, "answer");
  e.reference = str(o, "reference");
  e.queued_ms = num(o, "queued_ms");
  e.updated_ms = num(o, "updated_ms");
  e.delivered_ms = opt_num(o, "delivered_ms");
  e.next_attempt_ms = opt_num(o, "next_attempt_ms");
  return e;
}

Result<size_t> queue_messages(store::Live& live, const std::vector<OutboxEntry>& entries,
                              int64_t now_ms, std::string_view by) {
  std::vector<store::NewWork> work;
  work.reserve(entries.size());
  for (OutboxEntry e : entries) {
    e.state = "queued";
    e.queued_ms = e.updated_ms = now_ms;
    e.message.key = e.key;
    if (e.message.channel == model::Channel::kEmail && e.message.email.message_id.empty()) {
      // The same message keeps one Message-ID however often it is tried.
      e.message.email.message_id = message_id_for(e.key, "ebcm.invalid");
    }
    work.push_back({e.key, to_json(e), e.key, now_ms});
  }
  return live.create_with_work(kNotifyQueue, work, now_ms, by, std::nullopt);
}

Result<std::vector<OutboxEntry>> outbox_entries(store::Live& live, std::string_view incident) {
  auto values = live.list("outbox/" + std::string(incident) + "/");
  if (!values) return values.error();
  std::vector<OutboxEntry> out;
  out.reserve(values->size());
  for (const auto& v : *values) {
    auto e = outbox_entry_from_json(v.json);
    if (!e) continue;
    e->key = v.key;
    e->message.key = v.key;
    out.push_back(std::move(*e));
  }
  return out;
}

Transport* Transports::of(model::Channel c) const {
  switch (c) {
    case model::Channel::kEmail: return email;
    case model::Channel::kSms: return sms;
    case model::Channel::kVoice: return voice;
    case model::Channel::kWebhook: return webhook;
  }
  return nullptr;
}

// ---- delivery ----

Deliverer::Deliverer(LiveAccess live, Transports transports, const Clock& clock,
                     DeliveryOptions options)
    : live_(std::move(live)), transports_(transports), clock_(clock), options_(std::move(options)) {}

void Deliverer::pace(model::Channel c) {
  auto it = options_.rate_per_s.find(c);
  if (it == options_.rate_per_s.end() || it->second <= 0) return;
  const auto gap_us = static_cast<int64_t>(1e6 / it->second);
  int64_t wait_us = 0;
  {
    std::lock_guard lock(rate_mutex_);
    const int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    int64_t& next = next_send_us_[c];
    if (next < now_us) next = now_us;
    wait_us = next - now_us;
    next += gap_us;
  }
  if (wait_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(wait_us));
}

Result<DeliveryCounts> Deliverer::run_once() {
  DeliveryCounts counts;
  struct Work {
    store::QueueItem item;
    OutboxEntry entry;
    std::vector<Attempt> attempts;
    bool skip = false;  // already delivered or failed: only complete the item
  };
  std::vector<Work> work;
  std::optional<Error> failure;
  const int64_t now = clock_.now_ms();
  live_([&](store::Live& live) {
    auto items = live.claim(kNotifyQueue, options_.worker, now, options_.claim_ms, options_.batch);
    if (!items) {
      failure = items.error();
      return;
    }
    std::vector<store::LiveWrite> marks;
    for (auto& item : *items) {
      Work w;
      w.item = item;
      auto v = live.get(item.payload);
      if (!v) {
        failure = v.error();
        return;
      }
      std::optional<OutboxEntry> e = *v ? outbox_entry_from_json((*v)->json) : std::nullopt;
      if (!e) {
        w.skip = true;  // the entry is gone or unreadable: nothing to send
      } else {
        e->key = e->message.key = item.payload;
        w.skip = e->state == "delivered" || e->state == "failed";
        if (!w.skip) {
          if (e->state == "sending") {
            e->answer = "the last attempt was interrupted; sent again with the same identity";
          }
          e->state = "sending";
          e->attempts += 1;
          e->updated_ms = now;
          marks.push_back({e->key, to_json(*e), std::nullopt});
        }
        w.entry = std::move(*e);
      }
      work.push_back(std::move(w));
    }
    if (!marks.empty()) {
      if (auto r = live.put_many(marks, now, options_.worker, std::nullopt); !r) failure = r.error();
    }
  });
  if (failure) return *failure;
  counts.claimed = work.size();
  if (work.empty()) return counts;

  // Send, in parallel.
  std::atomic<size_t> next{0};
  auto sender = [&] {
    for (size_t i; (i = next.fetch_add(1)) < work.size();) {
      Work& w = work[i];
      if (w.skip) continue;
      Transport* t = transports_.of(w.entry.message.channel);
      if (!t || t->providers() == 0) continue;
      pace(w.entry.message.channel);
      size_t first = w.entry.provider < t->providers() ? w.entry.provider : 0;
      w.attempts = send_with_failover(*t, first, w.entry.message);
    }
  };
  const size_t threads = std::min(options_.parallel == 0 ? 1 : options_.parallel, work.size());
  if (threads <= 1) {
    sender();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (size_t i = 0; i < threads; ++i) pool.emplace_back(sender);
    for (auto& th : pool) th.join();
  }

  // Record.
  const int64_t done = clock_.now_ms();
  std::vector<store::LiveWrite> writes;
  std::vector<store::Live::End> ends;
  using Kind = net::SendOutcome::Kind;
  for (Work& w : work) {
    if (w.skip) {
      ends.push_back({w.item.id, std::nullopt});
      continue;
    }
    OutboxEntry& e = w.entry;
    Transport* t = transports_.of(e.message.channel);
    e.updated_ms = done;
    e.next_attempt_ms.reset();
    std::optional<int64_t> retry_at;
    if (!t || t->providers() == 0) {
      e.state = "failed";
      e.answer = std::string("no ") + model::to_string(e.message.channel) +
                 " provider is configured (notify." + model::to_string(e.message.channel) + ")";
    } else {
      const Attempt& last = w.attempts.back();
      e.provider = last.provider;
      e.provider_name = t->provider_name(last.provider);
      e.answer = last.outcome.detail;
      if (w.attempts.size() > 1) {
        std::string tried;
        for (size_t a = 0; a + 1 < w.attempts.size(); ++a) {
          tried += (a ? "; " : "") + t->provider_name(w.attempts[a].provider) + ": " +
                   w.attempts[a].outcome.detail;
        }
        e.answer += " (before: " + tried + ")";
      }
      const bool all_lasting = std::all_of(w.attempts.begin(), w.attempts.end(), [](const Attempt& a) {
        return a.outcome.kind == Kind::kLasting;
      });
      if (last.outcome.kind == Kind::kDelivered) {
        e.state = "delivered";
        e.delivered_ms = done;
        e.reference = last.outcome.reference;
      } else if (all_lasting && w.attempts.front().provider == 0) {
        e.state = "failed";
      } else if (e.attempts >= options_.max_attempts) {
        e.state = "failed";
        e.answer += " (gave up after " + std::to_string(e.attempts) + " attempts)";
      } else {
        e.state = "retrying";
        if (last.outcome.kind != Kind::kTemporary) e.provider = 0;  // all down: from the first
        int64_t wait = options_.retry_first_ms;
        for (int64_t a = 1; a < e.attempts && wait < options_.retry_max_ms; ++a) wait *= 2;
        retry_at = done + std::min(wait, options_.retry_max_ms);
        e.next_attempt_ms = retry_at;
      }
    }
    if (e.state == "delivered") ++counts.delivered;
    else if (e.state == "failed") ++counts.failed;
    else ++counts.retrying;
    writes.push_back({e.key, to_json(e), std::nullopt});
    ends.push_back({w.item.id, retry_at});
  }
  // Recorded and the claims ended together: a claim that ran out meanwhile belongs to another
  // worker now, which finds the entry done.
  live_([&](store::Live& live) {
    if (auto r = live.record_and_end(writes, ends, options_.worker, done, options_.worker); !r) {
      failure = r.error();
    }
  });
  if (failure) return *failure;
  return counts;
}

// ---- escalation ----

std::string escalation_key(std::string_view incident, std::string_view tree) {
  std::string k = "escalation/";
  k.append(incident).append("/").append(tree);
  return k;
}

std::string to_json(const Escalation& e) {
  json::array levels;
  for (const auto& l : e.levels) {
    levels.push_back(json::object{{"people", str_array(l.people)}, {"ack_timeout_ms", l.ack_timeout_ms}});
  }
  json::array started;
  for (const auto& s : e.started) {
    started.push_back(json::object{{"step", s.step}, {"level", s.level}, {"at_ms", s.at_ms}});
  }
  json::object o{{"incident", e.incident}, {"tree", e.tree},     {"name", e.name},
                 {"levels", levels},       {"repeat", e.repeat}, {"step", e.step},
                 {"due_ms", e.due_ms},     {"state", e.state},   {"acknowledged_by", e.acknowledged_by},
                 {"started", started}};
  if (e.acknowledged_ms) o["acknowledged_ms"] = *e.acknowledged_ms;
  return json::serialize(o);
}

std::optional<Escalation> escalation_from_json(std::string_view text) {
  auto parsed = parse_object(text);
  if (!parsed) return std::nullopt;
  const json::object& o = *parsed;
  Escalation e;
  e.incident = str(o, "incident");
  e.tree = str(o, "tree");
  e.name = str(o, "name");
  if (const json::value* v = o.if_contains("levels"); v && v->is_array()) {
    for (const auto& l : v->as_array()) {
      if (!l.is_object()) continue;
      e.levels.push_back({strs(l.as_object(), "people"), num(l.as_object(), "ack_timeout_ms")});
    }
  }
  e.repeat = num(o, "repeat");
  e.step = num(o, "step", 1);
  e.due_ms = num(o, "due_ms");
  e.state = str(o, "state");
  e.acknowledged_by = str(o, "acknowledged_by");
  e.acknowledged_ms = opt_num(o, "acknowledged_ms");
  if (const json::value* v = o.if_contains("started"); v && v->is_array()) {
    for (const auto& s : v->as_array()) {
      if (!s.is_object()) continue;
      e.started.push_back({num(s.as_object(), "step"), num(s.as_object(), "level"),
                           num(s.as_object(), "at_ms")});
    }
  }
  if (e.levels.empty()) return std::nullopt;
  return e;
}

Result<size_t> start_escalations(store::Live& live, std::string_view incident,
                                 const std::vector<EngagedTree>& trees, int64_t now_ms,
                                 std::string_view by) {
  std::vector<store::NewWork> work;
  for (const auto& t : trees) {
    if (t.levels.empty() || (t.levels.size() < 2 && t.repeat <= 0)) continue;
    Escalation e;
    e.key = escalation_key(incident, t.id);
    e.incident = std::string(incident);
    e.tree = t.id;
    e.name = t.name;
    for (const auto& l : t.levels) e.levels.push_back({l.people, l.ack_timeout.minutes * 60'000});
    e.repeat = t.repeat;
    e.step = 1;
    e.due_ms = now_ms + e.levels.front().ack_timeout_ms;
    e.started.push_back({0, 0, now_ms});
    work.push_back({e.key, to_json(e), e.key, e.due_ms});
  }
  if (work.empty()) return size_t{0};
  return live.create_with_work(kEscalateQueue, work, now_ms, by, std::nullopt);
}

Result<std::vector<Escalation>> escalations(store::Live& live, std::string_view incident) {
  auto values = live.list(escalation_key(incident, ""));
  if (!values) return values.error();
  std::vector<Escalation> out;
  for (const auto& v : *values) {
    auto e = escalation_from_json(v.json);
    if (!e) continue;
    e->key = v.key;
    out.push_back(std::move(*e));
  }
  return out;
}

Result<std::vector<std::string>> acknowledge_trees(store::Live& live, std::string_view incident,
                                                   std::string_view person, int64_t now_ms,
                                                   std::string_view by) {
  std::vector<std::string> stopped;
  auto values = live.list(escalation_key(incident, ""));
  if (!values) return values.error();
  for (auto v : *values) {
    for (int tries = 0; tries < 5; ++tries) {
      auto e = escalation_from_json(v.json);
      if (!e || e->state != "running") break;
      bool named = false;
      for (const auto& s : e->started) {
        const auto& people = e->levels[static_cast<size_t>(s.level) % e->levels.size()].people;
        if (std::find(people.begin(), people.end(), person) != people.end()) named = true;
      }
      if (!named) break;
      e->state = "stopped";
      e->acknowledged_by = std::string(person);
      e->acknowledged_ms = now_ms;
      auto put = live.put(v.key, to_json(*e), now_ms, by, v.version, std::nullopt);
      if (put) {
        stopped.push_back(e->tree);
        break;
      }
      if (put.error().code != ErrorCode::kConflict) return put.error();
      auto again = live.get(v.key);  // escalated meanwhile: look again
      if (!again) return again.error();
      if (!*again) break;
      v = **again;
    }
  }
  return stopped;
}

Escalator::Escalator(LiveAccess live, ComposeLevel compose, const Clock& clock, std::string worker)
    : live_(std::move(live)), compose_(std::move(compose)), clock_(clock), worker_(std::move(worker)) {}

Result<size_t> Escalator::run_once() {
  struct Due {
    store::QueueItem item;
    std::optional<Escalation> e;  // nullopt: gone or unreadable
    int64_t version = 0;
    Result<std::vector<OutboxEntry>> entries = std::vector<OutboxEntry>{};
    size_t level = 0;
  };
  std::vector<Due> due;
  std::optional<Error> failure;
  const int64_t now = clock_.now_ms();
  // 1. What is due, read under the caller's lock.
  live_([&](store::Live& live) {
    auto items = live.claim(kEscalateQueue, worker_, now, 60'000, 500);
    if (!items) {
      failure = items.error();
      return;
    }
    for (const auto& item : *items) {
      auto v = live.get(item.payload);
      if (!v) {
        failure = v.error();
        return;
      }
      Due d{item, *v ? escalation_from_json((*v)->json) : std::nullopt, *v ? (*v)->version : 0};
      if (d.e) d.e->key = item.payload;
      due.push_back(std::move(d));
    }
  });
  if (failure) return *failure;
  // 2. The levels' messages, composed outside it (the caller's compose may take locks of its own).
  for (Due& d : due) {
    if (!d.e || d.e->state != "running") continue;
    const auto n = static_cast<int64_t>(d.e->levels.size());
    if (d.e->step / n > d.e->repeat) continue;  // exhausted: nothing to compose
    d.level = static_cast<size_t>(d.e->step % n);
    d.entries = compose_(*d.e, d.e->levels[d.level].people, d.e->tree + "." + std::to_string(d.e->step));
  }
  // 3. Queued and the deadlines moved on, each write against the version read (an
  //    acknowledgement meanwhile wins).
  size_t started = 0;
  live_([&](store::Live& live) {
    for (Due& d : due) {
      if (!d.e || d.e->state != "running") {
        (void)live.complete(d.item.id, worker_);
        continue;
      }
      Escalation& e = *d.e;
      const auto n = static_cast<int64_t>(e.levels.size());
      auto finish = [&](const char* state) {
        e.state = state;
        auto r = live.put(e.key, to_json(e), now, worker_, d.version, std::nullopt);
        if (!r && r.error().code != ErrorCode::kConflict) failure = r.error();
        (void)live.complete(d.item.id, worker_);
      };
      if (e.step / n > e.repeat) {
        finish("exhausted");
      } else if (!d.entries && d.entries.error().code == ErrorCode::kNotFound) {
        finish("ended");  // the incident was resolved
      } else if (!d.entries) {
        (void)live.retry(d.item.id, worker_, now + 30'000);
      } else {
        auto current = live.get(e.key);
        if (!current) {
          failure = current.error();
          return;
        }
        if (!*current || (*current)->version != d.version) {  // acknowledged meanwhile
          (void)live.complete(d.item.id, worker_);
          continue;
        }
        if (auto q = queue_messages(live, *d.entries, now, worker_); !q) {
          failure = q.error();
          return;
        }
        lateness_.push_back(now - e.due_ms);
        e.started.push_back({e.step, static_cast<int64_t>(d.level), now});
        e.due_ms += e.levels[d.level].ack_timeout_ms;
        e.step += 1;
        auto put = live.put(e.key, to_json(e), now, worker_, d.version, std::nullopt);
        if (!put) {
          failure = put.error();
          return;
        }
        ++started;
        (void)live.retry(d.item.id, worker_, e.due_ms);
      }
      if (failure) return;
    }
  });
  if (failure) return *failure;
  return started;
}

}  // namespace ebcm::notify
