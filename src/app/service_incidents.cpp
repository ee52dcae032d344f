// Service: incidents and the health sources' states (service.hpp, "incidents").

#include <algorithm>

#include "app/service.hpp"
#include "core/log.hpp"

namespace ebcm::app {

namespace {

constexpr size_t kMaxMessage = 4000;

template <class T>
auto by_key(std::vector<T>& v, const std::string& key, std::string T::*field) {
  return std::find_if(v.begin(), v.end(), [&](const T& x) { return x.*field == key; });
}

Error not_found(std::string_view id) {
  return make_error(ErrorCode::kNotFound, "no incident '" + std::string(id) + "'");
}

}  // namespace

Result<bool> Service::load_incidents_locked() {
  auto values = live_->list("incident/");
  if (!values) return values.error();
  auto states = live_->list("health/");
  if (!states) return states.error();
  std::vector<Incident> incidents;
  std::map<std::string, int64_t> versions;
  for (const auto& v : *values) {
    if (auto i = incident_from_json(v.json)) {
      versions[i->id] = v.version;
      incidents.push_back(std::move(*i));
    }
  }
  std::vector<SourceState> sources;
  std::map<std::string, int64_t> source_versions;
  for (const auto& v : *states) {
    if (auto s = source_state_from_json(v.json)) {
      source_versions[s->provider] = v.version;
      sources.push_back(std::move(*s));
    }
  }
  const bool changed = versions != incident_versions_ || source_versions != source_versions_;
  incidents_ = std::move(incidents);
  incident_versions_ = std::move(versions);
  sources_ = std::move(sources);
  source_versions_ = std::move(source_versions);
  return changed;
}

std::vector<Incident> Service::incidents() const {
  std::lock_guard write(write_mutex_);
  return incidents_;
}

std::vector<SourceState> Service::sources() const {
  std::lock_guard write(write_mutex_);
  return sources_;
}

Result<Incident> Service::incident(std::string_view id) const {
  std::lock_guard write(write_mutex_);
  for (const auto& i : incidents_)
    if (i.id == id) return i;
  return not_found(id);
}

StatusDeclaration Service::effective_locked() const {
  return app::effective_status(*snapshot(), status_, incidents_, sources_);
}

StatusDeclaration Service::effective_status() const {
  std::lock_guard write(write_mutex_);
  return effective_locked();
}

LiveImpact Service::live_impact() const {
  std::lock_guard write(write_mutex_);
  return compute_live_impact(*snapshot(), status_, incidents_, sources_, clock_.now_ms());
}

// Keeps `i` (compare-and-set on the version this instance read) with its audit entry.
Result<Incident> Service::store_incident_locked(const Actor& actor, Incident i, std::string action,
                                                std::string detail) {
  store::AuditEntry a;
  a.time_ms = clock_.now_ms();
  a.actor = actor.name;
  a.remote = actor.remote;
  a.action = std::move(action);
  a.target = incident_key(i.id);
  a.detail = std::move(detail);
  const std::string json = to_json(i);
  a.after = json;
  auto it = incident_versions_.find(i.id);
  const int64_t version = it == incident_versions_.end() ? 0 : it->second;
  auto kept = live_->put(incident_key(i.id), json, a.time_ms, actor.name, version, std::move(a));
  if (!kept) return kept.error();
  incident_versions_[i.id] = kept->version;
  auto at = by_key(incidents_, i.id, &Incident::id);
  if (at == incidents_.end()) {
    incidents_.push_back(i);
    std::sort(incidents_.begin(), incidents_.end(),
              [](const Incident& x, const Incident& y) { return x.id < y.id; });
  } else {
    *at = i;
  }
  notify_locked(ChangeKind::kLiveState);
  return i;
}

Result<Incident> Service::declare_incident(const Actor& actor, IncidentDeclaration d) {
  std::lock_guard write(write_mutex_);
  if (auto r = refresh_locked(); !r) return r.error();
  if (d.disruption.empty()) {
    return make_error(ErrorCode::kInvalidInput,
                      "say what the incident disrupts: down, degraded, workforce or scenario");
  }
  if (d.title.empty()) return make_error(ErrorCode::kInvalidInput, "an incident needs a title");
  if (d.title.size() > 300 || d.message.size() > kMaxMessage) {
    return make_error(ErrorCode::kInvalidInput,
                      "title: at most 300 characters; message: at most 4000");
  }
  auto snap = snapshot();
  if (auto check =
          impact::build_disruption(snap->graph(), snap->model(), d.disruption, d.field_prefix);
      !check) {
    return check.error();
  }
  const int64_t now = clock_.now_ms();
  int64_t n = 0;
  for (const auto& i : incidents_) {
    if (i.source == "declared" && i.id.rfind("INC-", 0) == 0) {
      n = std::max<int64_t>(n, std::atoll(i.id.c_str() + 4));
    }
  }
  Incident i;
  i.id = "INC-" + std::to_string(n + 1);
  i.source = "declared";
  i.title = std::move(d.title);
  i.owner = d.owner.empty() ? actor.name : std::move(d.owner);
  i.disruption = std::move(d.disruption);
  i.opened_ms = i.updated_ms = now;
  i.next_update_ms = d.next_update_ms ? *d.next_update_ms : now + cadence_ms_.load();
  i.timeline.push_back({now, actor.name, "opened", d.message.empty() ? i.title : d.message});
  return store_incident_locked(actor, std::move(i), "incident_declare", "incident declared");
}

Result<Incident> Service::update_incident(const Actor& actor, std::string_view id,
                                          IncidentUpdate u) {
  std::lock_guard write(write_mutex_);
  if (auto r = refresh_locked(); !r) return r.error();
  auto at = by_key(incidents_, std::string(id), &Incident::id);
  if (at == incidents_.end()) return not_found(id);
  if (u.message.size() > kMaxMessage) {
    return make_error(ErrorCode::kInvalidInput, "message: at most 4000 characters");
  }
  Incident i = *at;
  const int64_t now = clock_.now_ms();
  if (u.disruption) {
    if (i.issue) {
      return make_error(ErrorCode::kInvalidInput,
                        "incident '" + i.id + "' follows its provider's feed: its disruption is "
                        "what the feed says, on the model's provider_service and provider_feature");
    }
    if (u.disruption->empty()) {
      return make_error(ErrorCode::kInvalidInput,
                        "an incident disrupts something; resolve it when it is over");
    }
    auto snap = snapshot();
    if (auto check = impact::build_disruption(snap->graph(), snap->model(), *u.disruption,
                                              u.field_prefix);
        !check) {
      return check.error();
    }
    i.disruption = *u.disruption;
  }
  if (u.title) i.title = *u.title;
  if (u.owner) i.owner = *u.owner;
  if (u.review) {
    i.review = *u.review;
    i.timeline.push_back({now, actor.name, "review", "post-incident review updated"});
  }
  // An update is what the cadence asks for: the next one is due a cadence from now, unless
  // given (the provider's own promise stays until it makes another).
  if (u.next_update_ms) {
    i.next_update_ms = u.next_update_ms;
    i.next_update_from_provider = false;
  } else if (!u.message.empty() && i.active && !i.next_update_from_provider) {
    i.next_update_ms = now + cadence_ms_.load();
  }
  if (!u.message.empty()) i.timeline.push_back({now, actor.name, "update", u.message});
  i.updated_ms = now;
  return store_incident_locked(actor, std::move(i), "incident_update", "incident updated");
}

Result<Incident> Service::note_incident(const Actor& actor, std::string_view id, std::string kind,
                                        std::string text, std::string action) {
  std::lock_guard write(write_mutex_);
  if (auto r = refresh_locked(); !r) return r.error();
  auto at = by_key(incidents_, std::string(id), &Incident::id);
  if (at == incidents_.end()) return not_found(id);
  Incident i = *at;
  const int64_t now = clock_.now_ms();
  i.timeline.push_back({now, actor.name, std::move(kind), text});
  i.updated_ms = now;
  return store_incident_locked(actor, std::move(i), std::move(action), std::move(text));
}

Result<Incident> Service::resolve_incident(const Actor& actor, std::string_view id,
                                           std::string message) {
  std::lock_guard write(write_mutex_);
  if (auto r = refresh_locked(); !r) return r.error();
  auto at = by_key(incidents_, std::string(id), &Incident::id);
  if (at == incidents_.end()) return not_found(id);
  if (!at->active) {
    return make_error(ErrorCode::kConflict, "incident '" + std::string(id) + "' is resolved already");
  }
  if (message.size() > kMaxMessage) {
    return make_error(ErrorCode::kInvalidInput, "message: at most 4000 characters");
  }
  Incident i = *at;
  const int64_t now = clock_.now_ms();
  i.active = false;
  i.resolved_ms = now;
  i.next_update_ms.reset();
  i.updated_ms = now;
  i.timeline.push_back({now, actor.name, "resolved", message.empty() ? "resolved" : message});
  return store_incident_locked(actor, std::move(i), "incident_resolve", "incident resolved");
}

Result<std::vector<IncidentChange>> Service::record_reading(
    std::string_view provider, const Result<health::Reading>& reading) {
  std::lock_guard write(write_mutex_);
  if (auto r = refresh_locked(); !r) return r.error();
  const int64_t now = clock_.now_ms();
  const std::string p(provider);
  SourceState state;
  state.provider = p;
  auto known = by_key(sources_, p, &SourceState::provider);
  if (known != sources_.end()) state = *known;
  const SourceState before = state;
  std::vector<store::LiveWrite> writes;
  std::vector<Incident> changed;
  std::vector<IncidentChange> out;
  if (!reading) {
    state.failures += 1;
    if (!state.unknown_since_ms) state.unknown_since_ms = now;
    state.last_error = reading.error().message;
  } else {
    const health::Reading& r = *reading;
    state.failures = 0;
    state.unknown_since_ms.reset();
    state.last_error.clear();
    state.last_success_ms = now;
    state.cursor = r.cursor;
    state.services = r.services;
    if (r.full) {
      state.changes = r.changes;
    } else {
      for (const auto& c : r.changes) {
        auto at = by_key(state.changes, c.id, &health::PlannedChange::id);
        if (at == state.changes.end()) state.changes.push_back(c);
        else *at = c;
      }
    }
    auto sync = [&](const health::ProviderIssue& issue) {
      std::optional<Incident> existing;
      for (const auto& i : incidents_)
        if (i.id == issue.id && i.source == p) existing = i;
      for (const auto& i : changed)
        if (i.id == issue.id) existing = i;
      const bool was_active = existing && existing->active;
      auto next = sync_issue(existing, p, issue, now, cadence_ms_.load());
      if (!next) return;
      out.push_back({next->id, !existing ? "opened" : was_active && !next->active ? "resolved" : "changed",
                     next->title});
      std::erase_if(changed, [&](const Incident& x) { return x.id == next->id; });
      changed.push_back(std::move(*next));
    };
    for (const auto& issue : r.issues) sync(issue);
    if (r.full) {
      // A full reading lists every issue the feed still has: an active one it no longer lists
      // (a Statuspage component back to operational, an incident gone) is over.
      for (const auto& i : incidents_) {
        if (i.source != p || !i.active || !i.issue) continue;
        const bool listed = std::any_of(r.issues.begin(), r.issues.end(),
                                        [&](const health::ProviderIssue& x) { return x.id == i.id; });
        if (listed) continue;
        health::ProviderIssue gone = *i.issue;
        gone.resolved = true;
        sync(gone);
      }
    }
  }
  for (const auto& i : changed) {
    auto v = incident_versions_.find(i.id);
    writes.push_back({incident_key(i.id), to_json(i),
                      v == incident_versions_.end() ? 0 : v->second});
  }
  auto sv = source_versions_.find(p);
  writes.push_back({source_key(p), to_json(state), sv == source_versions_.end() ? 0 : sv->second});
  std::optional<store::AuditEntry> audit;
  if (!out.empty()) {
    audit.emplace();
    audit->time_ms = now;
    audit->actor = "health:" + p;
    audit->action = "health_poll";
    audit->target = source_key(p);
    audit->detail = std::to_string(out.size()) + " incident(s) changed";
  }
  auto kept = live_->put_many(writes, now, "health:" + p, std::move(audit));
  if (!kept) return kept.error();
  for (size_t k = 0; k < changed.size(); ++k) {
    incident_versions_[changed[k].id] = (*kept)[k].version;
    auto at = by_key(incidents_, changed[k].id, &Incident::id);
    if (at == incidents_.end()) incidents_.push_back(std::move(changed[k]));
    else *at = std::move(changed[k]);
  }
  std::sort(incidents_.begin(), incidents_.end(),
            [](const Incident& x, const Incident& y) { return x.id < y.id; });
  source_versions_[p] = kept->back().version;
  if (known != sources_.end()) {
    *by_key(sources_, p, &SourceState::provider) = std::move(state);
  } else {
    sources_.push_back(std::move(state));
    std::sort(sources_.begin(), sources_.end(),
              [](const SourceState& x, const SourceState& y) { return x.provider < y.provider; });
  }
  // What the page and the live impact read: the incidents, the services, whether it is known.
  const SourceState& now_state = *by_key(sources_, p, &SourceState::provider);
  if (!out.empty() || now_state.services != before.services ||
      now_state.unknown_since_ms != before.unknown_since_ms || now_state.changes != before.changes) {
    notify_locked(ChangeKind::kLiveState);
  }
  return out;
}

Result<bool> Service::try_lease(std::string_view name, std::string_view holder, int64_t ttl_ms) {
  std::lock_guard write(write_mutex_);
  return live_->try_lease(name, holder, clock_.now_ms(), ttl_ms);
}

Result<void> Service::release_lease(std::string_view name, std::string_view holder) {
  std::lock_guard write(write_mutex_);
  return live_->release_lease(name, holder);
}

}  // namespace ebcm::app
