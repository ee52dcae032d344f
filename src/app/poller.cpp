#include "app/poller.hpp"

#include <algorithm>
#include <chrono>
#include <random>

#include <fmt/format.h>
#include <unistd.h>

#include "core/log.hpp"

namespace ebcm::app {

namespace {

std::string holder_name(const std::string& instance) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  if (!instance.empty()) return fmt::format("{}:{}", host, instance);
  return fmt::format("{}:{}:{:08x}", host, ::getpid(),
                     static_cast<uint32_t>(std::random_device{}()));
}

}  // namespace

Poller::Poller(Service& service, std::vector<std::unique_ptr<health::HealthSource>> sources,
               int64_t interval_ms, const std::string& instance)
    : service_(service),
      sources_(std::move(sources)),
      interval_ms_(interval_ms),
      holder_(holder_name(instance)) {}

Poller::~Poller() { stop(); }

PollResult Poller::poll(health::HealthSource& source) {
  PollResult out{source.provider(), false, "", {}};
  std::string cursor;
  for (const auto& s : service_.sources())
    if (s.provider == source.provider()) cursor = s.cursor;
  Result<health::Reading> reading = source.read(cursor);
  if (!reading) {
    out.error = reading.error().message;
    log_event(Level::kWarn, "health_source_failed",
              {{"provider", source.provider()}, {"error", out.error}});
  }
  auto kept = service_.record_reading(source.provider(), reading);
  if (!kept) {
    out.ok = false;
    out.error = "could not store the reading: " + kept.error().message;
    log_event(Level::kError, "health_store_failed",
              {{"provider", source.provider()}, {"error", kept.error().message}});
    return out;
  }
  out.ok = reading.ok();
  out.changes = std::move(*kept);
  for (const auto& c : out.changes) {
    log_event(Level::kInfo, "incident_" + c.what,
              {{"provider", source.provider()}, {"incident", c.id}, {"title", c.title}});
  }
  return out;
}

std::vector<PollResult> Poller::poll_once() {
  std::vector<PollResult> out(sources_.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < sources_.size(); ++i) {
    threads.emplace_back([this, i, &out] { out[i] = poll(*sources_[i]); });
  }
  for (auto& t : threads) t.join();
  return out;
}

void Poller::loop(health::HealthSource& source) {
  std::mt19937_64 rng(std::random_device{}());
  int failures = 0;
  const std::string lease = "health-poll/" + source.provider();
  const int64_t ttl = std::max<int64_t>(3 * interval_ms_, 60'000);
  bool leading = false;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    auto held = service_.try_lease(lease, holder_, ttl);
    if (!held) {
      log_event(Level::kWarn, "health_lease_failed",
                {{"provider", source.provider()}, {"error", held.error().message}});
    }
    const bool lead = held && *held;
    if (lead != leading) {
      log_event(Level::kInfo, lead ? "health_poll_leading" : "health_poll_standby",
                {{"provider", source.provider()}});
      leading = lead;
    }
    if (!lead) {  // another instance polls this source (or the store is away): wait a round
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stopping_; });
      continue;
    }
    const PollResult r = poll(source);
    int64_t wait = interval_ms_;
    if (!r.ok) {
      failures = std::min(failures + 1, 4);
      wait = interval_ms_ << failures;
      std::uniform_real_distribution<double> jitter(0.8, 1.2);
      wait = static_cast<int64_t>(static_cast<double>(wait) * jitter(rng));
      if (auto after = source.retry_after_ms()) wait = std::max(wait, *after);
    } else {
      failures = 0;
    }
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(wait), [this] { return stopping_; });
  }
  lock.unlock();
  if (leading) {  // let another instance take over at once rather than after the lease lapses
    if (auto r = service_.release_lease(lease, holder_); !r) {
      log_event(Level::kDebug, "health_lease_release_failed",
                {{"provider", source.provider()}, {"error", r.error().message}});
    }
  }
}

void Poller::start() {
  for (auto& s : sources_) threads_.emplace_back([this, src = s.get()] { loop(*src); });
}

void Poller::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
}

}  // namespace ebcm::app
