#include "app/live_impact.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <unordered_map>

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

namespace {

// The disruption each active incident causes alone, by incident id — what
// incident_disruption() gives for one, with one mapping per provider for all of its issues
// (an issue's own nodes do not depend on the others) and refs looked up in the graph: a poll
// can bring a thousand issues onto a model of a hundred thousand nodes.
std::map<std::string, impact::DisruptionQuery> own_disruptions(
    const Snapshot& snap, const std::vector<Incident>& incidents,
    const std::vector<SourceState>& sources) {
  const model::Model& m = snap.model();
  const impact::CompiledGraph& g = snap.graph();
  std::map<std::string, impact::DisruptionQuery> out;
  std::set<std::string> providers;
  for (const auto& i : incidents) {
    if (!i.active) continue;
    if (i.issue) providers.insert(i.source);
    else out[i.id] = live_disruption(m, i.disruption, {}, {}, &g);
  }
  for (const auto& p : providers) {
    std::vector<health::ServiceHealth> services;
    for (const auto& s : sources)
      if (s.provider == p) services = s.services;
    for (auto& h : services) h.operational = true;  // the issues alone, no advisory
    const auto effect = health::map_provider(m, p, services, active_issues(incidents, p));
    for (const auto& e : effect.issues) {
      impact::DisruptionQuery& q = out[e.issue_id];
      for (const auto& n : e.nodes) {
        if (g.find(n.ref) != impact::kNone) (n.degraded ? q.degraded : q.down).push_back(n.ref);
      }
    }
  }
  for (auto& entry : out) {
    impact::DisruptionQuery& q = entry.second;  // not a structured binding: lambdas capture it
    for (auto* v : {&q.down, &q.degraded}) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    std::erase_if(q.degraded, [&](const std::string& r) {
      return std::binary_search(q.down.begin(), q.down.end(), r);
    });
  }
  return out;
}

// Equal disruptions, equal impact: the key under which one engine run serves them all.
std::string query_key(const impact::DisruptionQuery& q) {
  std::string k;
  for (const auto* v : {&q.down, &q.degraded, &q.workforce}) {
    for (const auto& r : *v) (k += r) += '\n';
    k += '\x1f';
  }
  return k;
}

}  // namespace

StatusDeclaration effective_status(const Snapshot& snap, const StatusDeclaration& declared,
                                   const std::vector<Incident>& incidents,
                                   const std::vector<SourceState>& sources) {
  const model::Model& m = snap.model();
  StatusDeclaration out = declared;
  out.disruption = live_disruption(m, declared.disruption, incidents, sources, &snap.graph());
  const auto own = own_disruptions(snap, incidents, sources);
  std::string titles;
  for (const auto& i : incidents) {
    if (!i.active) continue;
    if (auto it = own.find(i.id); it != own.end() && !it->second.empty()) {
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
  out.disruption = live_disruption(m, declared.disruption, incidents, sources, &g);
  impact::Engine engine(g);
  out.report = impact::make_report(g, run(engine, g, m, out.disruption, true), "live");

  // Per active incident alone: which functions it takes out, and since when. Incidents that
  // disrupt the same nodes (many issues of one service) share one engine run.
  const auto own = own_disruptions(snap, incidents, sources);
  std::map<std::string, std::pair<std::vector<std::string>, std::vector<std::string>>> runs;
  std::map<std::string, std::pair<int64_t, std::vector<std::string>>> since;  // function →
  for (const auto& i : incidents) {
    if (!i.active) continue;
    LiveIncident li{i.id, i.title, i.source, {}, {}, i.next_update_ms, update_overdue(i, now_ms)};
    static const impact::DisruptionQuery kNothing;
    auto found = own.find(i.id);
    const impact::DisruptionQuery& q = found != own.end() ? found->second : kNothing;
    auto [hit, fresh_run] = runs.try_emplace(query_key(q));
    if (fresh_run) {
      for (const auto& x : run(engine, g, m, q, false).nodes) {
        if (!g.is_function(x.node) || x.state == impact::State::kUp) continue;
        (x.state == impact::State::kDown ? hit->second.first : hit->second.second)
            .push_back(g.refs[x.node]);
      }
    }
    li.down = hit->second.first;
    li.degraded = hit->second.second;
    for (const auto* v : {&li.down, &li.degraded}) {
      for (const auto& f : *v) {
        auto [it, fresh] = since.emplace(f, std::pair{i.opened_ms, std::vector<std::string>{}});
        if (!fresh) it->second.first = std::min(it->second.first, i.opened_ms);
        it->second.second.push_back(i.id);
      }
    }
    out.incidents.push_back(std::move(li));
  }
  const int64_t declared_start =
      declared.started_ms ? declared.started_ms : declared.updated_ms ? declared.updated_ms : now_ms;
  // The model's functions and people that the report names, found in one pass each.
  std::unordered_map<std::string_view, const model::Function*> functions;
  for (const auto& f : out.report.functions) functions.emplace(f.id, nullptr);
  std::unordered_map<std::string_view, std::string_view> owners;
  if (!functions.empty()) {
    for (const auto& x : m.functions) {
      if (auto it = functions.find(x.id); it != functions.end()) {
        it->second = &x;
        owners.emplace(x.owner, std::string_view{});
      }
    }
    for (const auto& p : m.people)
      if (auto it = owners.find(p.id); it != owners.end()) it->second = p.name;
  }
  for (const auto& f : out.report.functions) {
    LiveFunction lf;
    lf.id = f.id;
    lf.state = f.state;
    const model::Function* mf = functions[f.id];
    if (mf) {
      lf.name = mf->name;
      lf.owner = mf->owner;
      lf.business_unit = mf->business_unit;
      if (mf->staff) lf.staff = mf->staff->normal;
      lf.owner_name = std::string(owners[mf->owner]);
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
