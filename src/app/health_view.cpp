#include "app/health_view.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/clock.hpp"
#include "core/strings.hpp"
#include "impact/engine.hpp"

namespace ebcm::app {

namespace json = boost::json;

namespace {

json::value time_value(std::optional<int64_t> ms) {
  return ms ? json::value(format_utc(*ms)) : json::value(nullptr);
}

json::array strings(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

}  // namespace

std::string health_to_json(const Snapshot& snap, const std::vector<SourceState>& sources,
                           const std::vector<Incident>& incidents) {
  json::array out;
  for (const auto& s : sources) {
    const auto effect = health::map_provider(snap.model(), s.provider, s.services,
                                             active_issues(incidents, s.provider));
    json::array services;
    for (const auto& m : snap.model().services) {
      if (!iequals(m.provider, s.provider) || m.provider_service.empty()) continue;
      json::value state = nullptr;
      for (const auto& h : s.services) {
        if (iequals(h.id, m.provider_service) || iequals(h.name, m.provider_service)) state = h.status;
      }
      services.push_back(json::object{{"service", m.id},
                                      {"provider_service", m.provider_service},
                                      {"state", state},
                                      {"known", !s.unknown_since_ms}});
    }
    out.push_back(json::object{
        {"provider", s.provider},
        {"last_success", time_value(s.last_success_ms ? std::optional(s.last_success_ms) : std::nullopt)},
        {"unknown_since", time_value(s.unknown_since_ms)},
        {"last_error", s.last_error},
        {"failures", s.failures},
        {"services", std::move(services)},
        {"unmapped", strings(effect.unmapped)}});
  }
  return json::serialize(json::object{{"sources", std::move(out)}}) + "\n";
}

std::vector<ChangeImpact> planned_changes(const Snapshot& snap,
                                          const std::vector<SourceState>& sources) {
  const model::Model& m = snap.model();
  const impact::CompiledGraph& g = snap.graph();
  impact::Engine engine(g);
  std::vector<ChangeImpact> out;
  for (const auto& s : sources) {
    for (const auto& c : s.changes) {
      ChangeImpact ci{s.provider, c, {}, {}, {}};
      impact::DisruptionSet d;
      for (const auto& name : c.services) {
        // The provider service by display name or id, then the model services naming it.
        std::string id = name;
        for (const auto& h : s.services)
          if (iequals(h.name, name) || iequals(h.id, name)) id = h.id;
        for (const auto& ms : m.services) {
          if (!iequals(ms.provider, s.provider) || ms.provider_service.empty()) continue;
          if (!iequals(ms.provider_service, id) && !iequals(ms.provider_service, name)) continue;
          if (std::find(ci.services.begin(), ci.services.end(), ms.id) != ci.services.end()) continue;
          ci.services.push_back(ms.id);
          if (uint32_t n = g.find(ms.id); n != impact::kNone) d.nodes.push_back(n);
        }
      }
      if (!d.nodes.empty()) {
        const impact::Impact hit = engine.run(d, impact::RunOptions{false});
        for (const auto& x : hit.nodes) {
          if (!g.is_function(x.node) || x.state == impact::State::kUp) continue;
          ci.functions.push_back(g.refs[x.node]);
          for (const auto& f : m.functions) {
            if (f.id == g.refs[x.node] && f.criticality == model::Criticality::kCritical)
              ci.critical.push_back(f.id);
          }
        }
      }
      out.push_back(std::move(ci));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ChangeImpact& a, const ChangeImpact& b) {
    return a.change.start_ms < b.change.start_ms;
  });
  return out;
}

std::string change_summary(const ChangeImpact& c) {
  const std::string what = c.change.services.empty() ? c.provider : join(c.change.services, ", ");
  const int64_t when = c.change.action_required_ms.value_or(c.change.start_ms);
  std::string s = c.change.id + " changes " + what + (when ? " on " + format_utc(when).substr(0, 10) : "");
  if (c.services.empty()) return s + ": no service of the model names it";
  if (!c.critical.empty()) {
    return s + ": " + std::to_string(c.critical.size()) +
           (c.critical.size() == 1 ? " critical function depends" : " critical functions depend") +
           " on it";
  }
  return s + ": " + std::to_string(c.functions.size()) +
         (c.functions.size() == 1 ? " function depends" : " functions depend") + " on it";
}

std::string changes_to_json(const std::vector<ChangeImpact>& changes) {
  json::array out;
  for (const auto& c : changes) {
    out.push_back(json::object{
        {"provider", c.provider},
        {"id", c.change.id},
        {"title", c.change.title},
        {"category", c.change.category},
        {"severity", c.change.severity},
        {"major_change", c.change.major_change},
        {"start", time_value(c.change.start_ms ? std::optional(c.change.start_ms) : std::nullopt)},
        {"end", time_value(c.change.end_ms)},
        {"action_required", time_value(c.change.action_required_ms)},
        {"services", strings(c.change.services)},
        {"model_services", strings(c.services)},
        {"functions", strings(c.functions)},
        {"critical", strings(c.critical)},
        {"summary", change_summary(c)}});
  }
  return json::serialize(json::object{{"changes", std::move(out)}}) + "\n";
}

}  // namespace ebcm::app
