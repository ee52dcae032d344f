#include "app/live_impact.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "core/clock.hpp"
#include "impact/engine.hpp"

namespace ebcm::app {

namespace json = boost::json;

namespace {

json::value time_value(std::optional<int64_t> ms) {
  return ms ? json::value(format_utc(*ms)) : json::value(nullptr);
}

json::array strings(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

// The report of a disruption, open-ended; an empty one is all up.
impact::Impact run(impact::Engine& engine, const impact::CompiledGraph& g, const model::Model& m,
                   const impact::DisruptionQuery& q, bool explain) {
  if (q.empty()) return {};
  auto d = impact::build_disruption(g, m, q, "");
  if (!d) return {};  // live_disruption() keeps only refs that resolve; a scenario may not
  d->first.duration.reset();
  return engine.run(d->first, impact::RunOptions{explain});
}

}  // namespace

impact::DisruptionQuery incident_disruption(const model::Model& m, const Incident& i,
                                            const std::vector<SourceState>& sources) {
  if (!i.issue) return live_disruption(m, i.disruption, {}, {});
  std::vector<Incident> alone{i};
  alone[0].active = true;
  std::vector<SourceState> own;
  for (const auto& s : sources) {
    if (s.provider == i.source) {
      own.push_back(s);
      // Only the issue itself: no advisory of a service's own status.
      for (auto& h : own.back().services) h.operational = true;
    }
  }
  return live_disruption(m, {}, alone, own);
}

StatusDeclaration effective_status(const model::Model& m, const StatusDeclaration& declared,
                                   const std::vector<Incident>& incidents,
                                   const std::vector<SourceState>& sources) {
  StatusDeclaration out = declared;
  out.disruption = live_disruption(m, declared.disruption, incidents, sources);
  std::string titles;
  for (const auto& i : incidents) {
    if (!i.active) continue;
    if (!incident_disruption(m, i, sources).empty()) {
      out.started_ms = out.started_ms ? std::min(out.started_ms, i.opened_ms) : i.opened_ms;
    }
    if (i.next_update_ms && (!out.next_update_ms || *i.next_update_ms < *out.next_update_ms)) {
      out.next_update_ms = i.next_update_ms;
    }
    if (i.updated_ms > out.updated_ms) {
      out.updated_ms = i.updated_ms;
      if (out.updated_by.empty()) out.updated_by = "ebcm";
    }
    titles += (titles.empty() ? "" : "\n") + i.title;
  }
  if (out.message.empty()) out.message = titles;
  if (out.disruption.empty()) out.started_ms = 0;
  return out;
}

LiveImpact compute_live_impact(const Snapshot& snap, const StatusDeclaration& declared,
                               const std::vector<Incident>& incidents,
                               const std::vector<SourceState>& sources, int64_t now_ms) {
  const model::Model& m = snap.model();
  const impact::CompiledGraph& g = snap.graph();
  LiveImpact out;
  out.as_of_ms = now_ms;
  out.sources = sources;
  out.disruption = live_disruption(m, declared.disruption, incidents, sources);
  impact::Engine engine(g);
  out.report = impact::make_report(g, run(engine, g, m, out.disruption, true), "live");

  // Per active incident alone: which functions it takes out, and since when.
  std::map<std::string, std::pair<int64_t, std::vector<std::string>>> since;  // function →
  for (const auto& i : incidents) {
    if (!i.active) continue;
    LiveIncident li{i.id, i.title, i.source, {}, {}, i.next_update_ms, update_overdue(i, now_ms)};
    const impact::Impact own = run(engine, g, m, incident_disruption(m, i, sources), false);
    for (const auto& x : own.nodes) {
      if (!g.is_function(x.node) || x.state == impact::State::kUp) continue;
      (x.state == impact::State::kDown ? li.down : li.degraded).push_back(g.refs[x.node]);
      auto [it, fresh] = since.emplace(g.refs[x.node], std::pair{i.opened_ms, std::vector<std::string>{}});
      if (!fresh) it->second.first = std::min(it->second.first, i.opened_ms);
      it->second.second.push_back(i.id);
    }
    out.incidents.push_back(std::move(li));
  }
  const int64_t declared_start =
      declared.started_ms ? declared.started_ms : declared.updated_ms ? declared.updated_ms : now_ms;
  for (const auto& f : out.report.functions) {
    LiveFunction lf;
    lf.id = f.id;
    lf.state = f.state;
    const model::Function* mf = nullptr;
    for (const auto& x : m.functions)
      if (x.id == f.id) mf = &x;
    if (mf) {
      lf.name = mf->name;
      lf.owner = mf->owner;
      lf.business_unit = mf->business_unit;
      if (mf->staff) lf.staff = mf->staff->normal;
      for (const auto& p : m.people)
        if (p.id == mf->owner) lf.owner_name = p.name;
    }
    auto it = since.find(f.id);
    // Taken out by no incident alone: by their combination or the hand declaration.
    lf.since_ms = it != since.end() ? it->second.first : declared_start;
    if (it != since.end()) lf.incidents = it->second.second;
    if (f.state == impact::State::kDown && mf && mf->bia) {
      if (mf->bia->rto) lf.rto_breach_ms = lf.since_ms + mf->bia->rto->minutes * 60'000;
      if (mf->bia->mtpd) lf.mtpd_breach_ms = lf.since_ms + mf->bia->mtpd->minutes * 60'000;
    }
    out.functions.push_back(std::move(lf));
  }
  return out;
}

std::string live_impact_to_json(const LiveImpact& live) {
  boost::system::error_code ec;
  json::value report = json::parse(impact::report_to_json(live.report), ec);
  json::array functions, incidents, sources;
  auto left = [&](std::optional<int64_t> at) -> json::value {
    if (!at) return nullptr;
    return (*at - live.as_of_ms) / 60'000;  // minutes; negative: breached that long ago
  };
  for (const auto& f : live.functions) {
    json::object o{{"id", f.id},
                   {"name", f.name},
                   {"state", impact::to_string(f.state)},
                   {"since", format_utc(f.since_ms)},
                   {"rto_breach_at", time_value(f.rto_breach_ms)},
                   {"rto_minutes_left", left(f.rto_breach_ms)},
                   {"rto_breached", f.rto_breach_ms && *f.rto_breach_ms < live.as_of_ms},
                   {"mtpd_breach_at", time_value(f.mtpd_breach_ms)},
                   {"mtpd_minutes_left", left(f.mtpd_breach_ms)},
                   {"mtpd_breached", f.mtpd_breach_ms && *f.mtpd_breach_ms < live.as_of_ms},
                   {"owner", f.owner},
                   {"owner_name", f.owner_name},
                   {"business_unit", f.business_unit},
                   {"staff", f.staff ? json::value(*f.staff) : json::value(nullptr)},
                   {"incidents", strings(f.incidents)}};
    functions.push_back(std::move(o));
  }
  for (const auto& i : live.incidents) {
    incidents.push_back(json::object{{"id", i.id},
                                     {"title", i.title},
                                     {"source", i.source},
                                     {"down", strings(i.down)},
                                     {"degraded", strings(i.degraded)},
                                     {"next_update", time_value(i.next_update_ms)},
                                     {"update_overdue", i.overdue}});
  }
  for (const auto& s : live.sources) {
    sources.push_back(json::object{
        {"provider", s.provider},
        {"last_success", time_value(s.last_success_ms ? std::optional(s.last_success_ms)
                                                      : std::nullopt)},
        {"unknown_since", time_value(s.unknown_since_ms)}});
  }
  json::object o{{"as_of", format_utc(live.as_of_ms)},
                 {"disruption",
                  json::object{{"down", strings(live.disruption.down)},
                               {"degraded", strings(live.disruption.degraded)},
                               {"workforce", strings(live.disruption.workforce)}}},
                 {"functions", std::move(functions)},
                 {"incidents", std::move(incidents)},
                 {"sources", std::move(sources)},
                 {"report", ec ? json::value(nullptr) : std::move(report)}};
  return json::serialize(o) + "\n";
}

}  // namespace ebcm::app
