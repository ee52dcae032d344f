#include "impact/report.hpp"

#include <boost/json.hpp>

namespace ebcm::impact {

namespace {

boost::json::array strings(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

boost::json::value duration_value(const std::optional<Duration>& d) {
  if (!d) return nullptr;
  return boost::json::value(format_duration(*d));
}

}  // namespace

Report make_report(const CompiledGraph& g, const Impact& impact, std::string scenario) {
  Report r;
  r.scenario = std::move(scenario);
  r.duration = impact.duration;
  r.states.reserve(g.size());
  size_t next = 0;  // impact.nodes is by node index: merge rather than search
  for (uint32_t n = 0; n < g.size(); ++n) {
    State s = State::kUp;
    if (next < impact.nodes.size() && impact.nodes[next].node == n) s = impact.nodes[next++].state;
    r.states.emplace_back(g.refs[n], s);
  }
  for (const NodeImpact& x : impact.nodes) {
    if (!g.is_function(x.node) || x.state == State::kUp) continue;
    FunctionReport f;
    f.id = g.refs[x.node];
    f.state = x.state;
    f.because = x.because;
    for (uint32_t m : x.mitigations_used) f.mitigations_used.push_back(g.mitigation_ids[m]);
    for (uint32_t m : x.mitigation_gaps) f.mitigation_gaps.push_back(g.mitigation_ids[m]);
    f.down_for = x.down_for;
    f.rto_breached = x.rto_breached;
    f.mtpd_breached = x.mtpd_breached;
    f.staff_available = x.staff_available;
    if (g.staff_normal[x.node] >= 0) {
      r.staff_affected += g.staff_normal[x.node];
      r.staff_available += x.staff_available.value_or(g.staff_normal[x.node]);
    }
    r.functions.push_back(std::move(f));
  }
  for (const auto& group : g.cycles) {
    std::vector<std::string> ids;
    for (uint32_t n : group) ids.push_back(g.refs[n]);
    r.cycles.push_back(std::move(ids));
  }
  return r;
}

std::string report_to_json(const Report& r) {
  boost::json::object o;
  o["scenario"] = r.scenario;
  o["duration"] = duration_value(r.duration);
  boost::json::object states;
  for (const auto& [id, s] : r.states) states[id] = to_string(s);
  o["states"] = std::move(states);
  boost::json::array functions;
  for (const auto& f : r.functions) {
    boost::json::object j;
    j["id"] = f.id;
    j["state"] = to_string(f.state);
    j["because"] = strings(f.because);
    j["mitigations_used"] = strings(f.mitigations_used);
    j["mitigation_gaps"] = strings(f.mitigation_gaps);
    j["down_for"] = duration_value(f.down_for);
    j["rto_breached"] = f.rto_breached;
    j["mtpd_breached"] = f.mtpd_breached;
    if (f.staff_available) j["staff_available"] = *f.staff_available;
    functions.emplace_back(std::move(j));
  }
  o["functions"] = std::move(functions);
  boost::json::array cycles;
  for (const auto& c : r.cycles) cycles.emplace_back(strings(c));
  o["cycles"] = std::move(cycles);
  o["staff_affected"] = r.staff_affected;
  o["staff_available"] = r.staff_available;
  return boost::json::serialize(o);
}

}  // namespace ebcm::impact
