#include "app/events.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <utility>

#include "core/clock.hpp"
#include "core/log.hpp"

namespace ebcm::app {

namespace json = boost::json;

namespace {

// impact.changed lists at most this many functions (with "truncated": true beyond).
constexpr size_t kChangedLimit = 1000;

json::value time_value(std::optional<int64_t> ms) {
  return ms ? json::value(format_utc(*ms)) : json::value(nullptr);
}

std::string incident_data(const Incident& i, int64_t now_ms) {
  return json::serialize(json::object{{"id", i.id},
                                      {"title", i.title},
                                      {"source", i.source},
                                      {"state", i.active ? "active" : "resolved"},
                                      {"owner", i.owner},
                                      {"updated", format_utc(i.updated_ms)},
                                      {"next_update", time_value(i.next_update_ms)},
                                      {"update_overdue", update_overdue(i, now_ms)}});
}

}  // namespace

EventHub::EventHub(Service& service, size_t keep, bool start_thread)
    : service_(service), keep_(keep == 0 ? 1 : keep) {
  first_id_ = next_id_ = SystemClock().now_ms() * 1000;
  {
    std::lock_guard lock(look_mutex_);
    look(/*announce=*/false, /*impact=*/true);
  }
  service_.observe([signal = signal_](ChangeKind, const Snapshot&, const StatusDeclaration&) {
    std::lock_guard lock(signal->mutex);
    signal->dirty = true;
    signal->cv.notify_one();
  });
  if (!start_thread) return;
  thread_ = std::thread([this] {
    std::unique_lock lock(signal_->mutex);
    for (;;) {
      // A change, or a second gone by (an update falls due without any change).
      signal_->cv.wait_for(lock, std::chrono::seconds(1),
                           [&] { return signal_->dirty || signal_->stopping; });
      if (signal_->stopping) return;
      const bool changed = std::exchange(signal_->dirty, false);
      lock.unlock();
      {
        std::lock_guard look_lock(look_mutex_);
        // Without a change only time moves: updates fall due; the impact stays as it was.
        look(/*announce=*/true, /*impact=*/changed);
      }
      lock.lock();
    }
  });
}

EventHub::~EventHub() {
  {
    std::lock_guard lock(signal_->mutex);
    signal_->stopping = true;
    signal_->cv.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void EventHub::evaluate() {
  std::lock_guard lock(look_mutex_);
  look(/*announce=*/true, /*impact=*/true);
}

void EventHub::look(bool announce, bool impact) {
  const int64_t now = service_.clock().now_ms();
  const std::vector<Incident> incidents = service_.incidents();
  auto emit = [&](std::string type, std::string data) {
    if (announce) append(std::move(type), std::move(data));
  };

  // Incidents: opened, changed, resolved; an update falling due.
  for (const auto& i : incidents) {
    auto [it, fresh] = incidents_.try_emplace(i.id);
    Seen& seen = it->second;
    const Seen now_seen{i.active, i.updated_ms, i.next_update_ms, i.title, i.owner,
                        i.timeline.size(), seen.overdue_announced};
    if (fresh) {
      if (i.active) emit("incident.opened", incident_data(i, now));
    } else if (seen.active && !i.active) {
      emit("incident.resolved", incident_data(i, now));
    } else if (!seen.active && i.active) {
      emit("incident.opened", incident_data(i, now));  // reopened
    } else if (seen.updated_ms != i.updated_ms || seen.next_update_ms != i.next_update_ms ||
               seen.title != i.title || seen.owner != i.owner ||
               seen.timeline_size != i.timeline.size()) {
      emit("incident.changed", incident_data(i, now));
    }
    seen = now_seen;
    if (i.active && update_overdue(i, now) && seen.overdue_announced != i.next_update_ms) {
      seen.overdue_announced = i.next_update_ms;
      const int64_t late = i.next_update_ms ? (now - *i.next_update_ms) / 60'000 : 0;
      emit("update.overdue",
           json::serialize(json::object{{"id", i.id},
                                        {"title", i.title},
                                        {"owner", i.owner},
                                        {"next_update", time_value(i.next_update_ms)},
                                        {"overdue_minutes", late}}));
    }
  }

  if (!impact) return;
  // The live impact: the functions whose state changed.
  const LiveImpact live = service_.live_impact();
  std::map<std::string, impact::State> functions;
  for (const auto& f : live.functions) functions.emplace(f.id, f.state);
  json::array changed;
  size_t count = 0, down = 0, degraded = 0;
  auto note = [&](const std::string& id, impact::State was, impact::State is) {
    ++count;
    if (changed.size() < kChangedLimit) {
      changed.push_back(json::object{{"id", id},
                                     {"state", impact::to_string(is)},
                                     {"was", impact::to_string(was)}});
    }
  };
  for (const auto& [id, state] : functions) {
    (state == impact::State::kDown ? down : degraded) += 1;
    auto it = functions_.find(id);
    const impact::State was = it == functions_.end() ? impact::State::kUp : it->second;
    if (was != state) note(id, was, state);
  }
  for (const auto& [id, state] : functions_) {
    if (!functions.count(id)) note(id, state, impact::State::kUp);
  }
  if (count > 0) {
    emit("impact.changed",
         json::serialize(json::object{{"as_of", format_utc(live.as_of_ms)},
                                      {"down", down},
                                      {"degraded", degraded},
                                      {"changed", std::move(changed)},
                                      {"changed_count", count},
                                      {"truncated", count > kChangedLimit}}));
  }
  functions_ = std::move(functions);

  // The sources: one that cannot be read, or answers again.
  for (const auto& s : live.sources) {
    auto [it, fresh] = sources_.try_emplace(s.provider, s.unknown_since_ms);
    if (!fresh && it->second.has_value() != s.unknown_since_ms.has_value()) {
      emit("health.changed",
           json::serialize(json::object{
               {"provider", s.provider},
               {"unknown_since", time_value(s.unknown_since_ms)},
               {"last_success",
                time_value(s.last_success_ms ? std::optional(s.last_success_ms) : std::nullopt)}}));
    }
    it->second = s.unknown_since_ms;
  }
}

void EventHub::append(std::string type, std::string data) {
  std::lock_guard lock(mutex_);
  events_.push_back({next_id_++, std::move(type), std::move(data)});
  while (events_.size() > keep_) events_.pop_front();
  for (const auto& [handle, wake] : subscribers_) wake();
}

EventHub::Since EventHub::since(int64_t last_id) const {
  std::lock_guard lock(mutex_);
  Since out;
  // Resumable: an id this process gave out (or the one before its first), whose successor
  // is still kept.
  const int64_t oldest = events_.empty() ? next_id_ : events_.front().id;
  if (last_id < first_id_ - 1 || last_id >= next_id_ || last_id + 1 < oldest) {
    out.missed = true;
    return out;
  }
  for (const auto& e : events_)
    if (e.id > last_id) out.events.push_back(e);
  return out;
}

int64_t EventHub::last_id() const {
  std::lock_guard lock(mutex_);
  return next_id_ - 1;
}

uint64_t EventHub::subscribe(std::function<void()> wake) {
  std::lock_guard lock(mutex_);
  subscribers_.emplace(next_handle_, std::move(wake));
  return next_handle_++;
}

void EventHub::unsubscribe(uint64_t handle) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(handle);
}

}  // namespace ebcm::app
