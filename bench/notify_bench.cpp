// Benchmark (bench/notify_100k.sh): the notification outbox end to end, and the escalation
// deadlines. Not a test: prints figures.
//
//   build/notify_bench email SMTP_URL COUNT DB     COUNT emails queued in one round (one
//       transaction), then delivered by the Deliverer (its default batch and parallelism) to the
//       SMTP server at SMTP_URL: messages per second from the first claim to the last record.
//   build/notify_bench escalate COUNT DB           COUNT open escalations whose deadlines fall
//       over the next 10 s, worked by the Escalator every 200 ms as ebcm serve does (each level
//       queues one message): lateness p50/p99/max; beside the lateness of the same deadlines
//       kept in memory (a heap) and checked on the same period, in the same run.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <queue>
#include <random>
#include <thread>

#include "core/clock.hpp"
#include "notify/outbox.hpp"
#include "store/backend.hpp"

using namespace ebcm;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

Result<store::Backend> fresh(const std::string& path) {
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return store::open_backend(path);
}

int email(const std::string& url, int count, const std::string& db) {
  auto b = fresh(db);
  if (!b) {
    fmt::print(stderr, "{}\n", b.error().message);
    return 1;
  }
  SystemClock clock;
  std::vector<notify::OutboxEntry> entries;
  entries.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    notify::OutboxEntry e;
    e.incident = "INC-1";
    e.round = "r1";
    e.person = fmt::format("p{}", i);
    e.key = notify::outbox_key(e.incident, e.round, e.person, "email");
    e.message.channel = model::Channel::kEmail;
    e.message.address = fmt::format("person{}@example.com", i);
    e.message.language = "en";
    e.message.email.to = e.message.address;
    e.message.email.to_name = fmt::format("Person {}", i);
    e.message.email.subject = "[INC-1] Exchange Online down — ongoing";
    e.message.email.text = std::string(600, 'x');
    e.message.email.html = "<p>" + std::string(600, 'x') + "</p>";
    entries.push_back(std::move(e));
  }
  auto t0 = std::chrono::steady_clock::now();
  auto q = notify::queue_messages(*b->live, entries, clock.now_ms(), "bench");
  if (!q) {
    fmt::print(stderr, "{}\n", q.error().message);
    return 1;
  }
  const double queue_ms = ms_since(t0);
  notify::EmailProvider p;
  p.server.url = url;
  p.server.tls = "none";
  p.from = "continuity@example.com";
  notify::EmailTransport smtp({p});
  notify::FakeTransport fake;  // url "fake": the outbox alone, nothing sent
  notify::Transport& transport = url == "fake" ? static_cast<notify::Transport&>(fake) : smtp;
  notify::DeliveryOptions o;
  o.worker = "bench";
  if (const char* v = std::getenv("BATCH")) o.batch = std::stoul(v);
  if (const char* v = std::getenv("PARALLEL")) o.parallel = std::stoul(v);
  notify::Deliverer d([&](const std::function<void(store::Live&)>& fn) { fn(*b->live); },
                      notify::Transports{&transport, nullptr, nullptr, nullptr}, clock, o);
  size_t delivered = 0, other = 0;
  t0 = std::chrono::steady_clock::now();
  for (;;) {
    auto c = d.run_once();
    if (!c) {
      fmt::print(stderr, "{}\n", c.error().message);
      return 1;
    }
    if (c->claimed == 0) break;
    delivered += c->delivered;
    other += c->retrying + c->failed;
  }
  const double send_ms = ms_since(t0);
  fmt::print("queued {} emails in one round: {:.0f} ms ({:.0f}/s)\n", count, queue_ms,
             count / (queue_ms / 1000));
  fmt::print("delivered {} (not delivered: {}) in {:.2f} s: {:.0f} messages/s (batch {}, {} at once)\n",
             delivered, other, send_ms / 1000, delivered / (send_ms / 1000), o.batch, o.parallel);
  return other == 0 ? 0 : 1;
}

struct Stats {
  double p50, p99, max;
};
Stats stats(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return static_cast<double>(v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))]); };
  return {at(0.5), at(0.99), static_cast<double>(v.back())};
}

int escalate(int count, const std::string& db) {
  auto b = fresh(db);
  if (!b) {
    fmt::print(stderr, "{}\n", b.error().message);
    return 1;
  }
  SystemClock clock;
  const int64_t start = clock.now_ms() + 1000;
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> spread(0, 10'000);
  std::vector<int64_t> due;
  std::vector<store::NewWork> work;
  for (int i = 0; i < count; ++i) {
    notify::Escalation e;
    e.incident = fmt::format("INC-{}", i);
    e.tree = "it-major";
    e.key = notify::escalation_key(e.incident, e.tree);
    e.levels = {{{"erik"}, 600'000}, {{"johan"}, 600'000}};
    e.step = 1;
    e.due_ms = start + spread(rng);
    e.started.push_back({0, 0, start});
    due.push_back(e.due_ms);
    work.push_back({e.key, notify::to_json(e), e.key, e.due_ms});
  }
  if (auto r = b->live->create_with_work(notify::kEscalateQueue, work, clock.now_ms(), "bench", std::nullopt); !r) {
    fmt::print(stderr, "{}\n", r.error().message);
    return 1;
  }
  // The baseline: the same deadlines in memory, checked on the same period.
  std::vector<int64_t> base;
  {
    std::priority_queue<int64_t, std::vector<int64_t>, std::greater<>> heap(due.begin(), due.end());
    while (!heap.empty()) {
      const int64_t now = clock.now_ms();
      while (!heap.empty() && heap.top() <= now) {
        base.push_back(now - heap.top());
        heap.pop();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  // The same again, from the store (deadlines moved on by the time the baseline took).
  auto moved = fresh(db);
  if (!moved) return 1;
  b = std::move(moved);
  const int64_t start2 = clock.now_ms() + 1000;
  for (size_t i = 0; i < work.size(); ++i) {
    auto e = notify::escalation_from_json(work[i].json);
    e->due_ms = due[i] - start + start2;
    work[i].json = notify::to_json(*e);
    work[i].available_ms = e->due_ms;
  }
  if (auto r = b->live->create_with_work(notify::kEscalateQueue, work, clock.now_ms(), "bench", std::nullopt); !r) {
    return 1;
  }
  notify::Escalator x(
      [&](const std::function<void(store::Live&)>& fn) { fn(*b->live); },
      [](const notify::Escalation& e, const std::vector<std::string>& people,
         const std::string& round) -> Result<std::vector<notify::OutboxEntry>> {
        std::vector<notify::OutboxEntry> out;
        for (const auto& p : people) {
          notify::OutboxEntry m;
          m.incident = e.incident;
          m.round = round;
          m.person = p;
          m.key = notify::outbox_key(e.incident, round, p, "sms");
          m.message.channel = model::Channel::kSms;
          m.message.address = "+46700000000";
          m.message.text = "INC: level 2";
          out.push_back(std::move(m));
        }
        return out;
      },
      clock, "bench");
  while (x.lateness_ms().size() < static_cast<size_t>(count)) {
    auto t0 = std::chrono::steady_clock::now();
    if (auto r = x.run_once(); !r) {
      fmt::print(stderr, "{}\n", r.error().message);
      return 1;
    }
    const double took = ms_since(t0);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::max<int64_t>(0, 200 - static_cast<int64_t>(took))));
  }
  const Stats s = stats(x.lateness_ms()), m = stats(base);
  fmt::print("{} open escalations over 10 s, worked every 200 ms\n", count);
  fmt::print("  from the store (Escalator): lateness p50 {:.0f} ms, p99 {:.0f} ms, max {:.0f} ms\n", s.p50, s.p99, s.max);
  fmt::print("  in memory (baseline heap):  lateness p50 {:.0f} ms, p99 {:.0f} ms, max {:.0f} ms\n", m.p50, m.p99, m.max);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 4 && a[0] == "email") return email(a[1], std::stoi(a[2]), a[3]);
  if (a.size() == 3 && a[0] == "escalate") return escalate(std::stoi(a[1]), a[2]);
  fmt::print(stderr, "usage: notify_bench email SMTP_URL COUNT DB | escalate COUNT DB\n");
  return 2;
}
