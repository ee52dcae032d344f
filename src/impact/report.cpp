#include "impact/report.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <climits>
#include <map>
#include <tuple>
#include <unordered_map>

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

// The people of each function not up, counted once (see UnitImpact): a function with staff
// whose ancestors with staff are all up counts its own; one under such an ancestor that is not
// up counts nobody, and, when it is down while the ancestor is not, its available people are
// idle in the ancestor's count.
struct Heads {
  int64_t staff = 0, available = 0, working = 0;
};

std::vector<Heads> head_counts(const CompiledGraph& g, const std::vector<const NodeImpact*>& hit) {
  std::unordered_map<uint32_t, size_t> at;  // node -> index in `hit`
  for (size_t i = 0; i < hit.size(); ++i) at.emplace(hit[i]->node, i);
  auto staffed_hit = [&](uint32_t n) {
    auto it = at.find(n);
    return it != at.end() && g.staff_normal[n] != kNoMinutes ? it->second : SIZE_MAX;
  };
  auto available = [&](const NodeImpact* x) {
    return x->staff_available().value_or(g.staff_normal[x->node]);
  };
  std::vector<Heads> out(hit.size());
  std::vector<int64_t> idle(hit.size(), 0);
  for (size_t i = 0; i < hit.size(); ++i) {
    const NodeImpact* x = hit[i];
    if (g.staff_normal[x->node] == kNoMinutes) continue;
    // The topmost ancestor with staff that is not up, and whether one on the way is down.
    size_t owner = i;
    bool down_between = false;
    uint32_t n = g.function_parent[x->node];
    for (uint32_t steps = 0; n != kNone && steps < g.size(); ++steps, n = g.function_parent[n]) {
      const size_t a = staffed_hit(n);
      if (a == SIZE_MAX) continue;
      if (owner != i) down_between = down_between || hit[owner]->state == State::kDown;
      owner = a;
    }
    if (owner == i) {
      out[i].staff = g.staff_normal[x->node];
      out[i].available = available(x);
      out[i].working = x->state == State::kDown ? 0 : out[i].available;
    } else if (x->state == State::kDown && !down_between && hit[owner]->state != State::kDown) {
      idle[owner] += available(x);
    }
  }
  for (size_t i = 0; i < hit.size(); ++i) {
    out[i].working = std::max<int64_t>(0, out[i].working - idle[i]);
  }
  return out;
}

// The recovery order and the business units hit, from the functions not up.
void recovery(const CompiledGraph& g, const Impact& impact, Report& r) {
  std::vector<const NodeImpact*> hit;
  for (const NodeImpact& x : impact.nodes) {
    if (g.is_function(x.node) && x.state != State::kUp) hit.push_back(&x);
  }
  auto rank = [&](const NodeImpact* x) {
    const int64_t rto = g.rto[x->node] == kNoMinutes ? INT64_MAX : g.rto[x->node];
    const int crit = g.criticality[x->node] < 0 ? 99 : g.criticality[x->node];
    return std::tuple(x->state == State::kDown ? 0 : 1, rto, crit,
                      std::string_view(g.refs[x->node]));
  };
  std::stable_sort(hit.begin(), hit.end(),
                   [&](const NodeImpact* a, const NodeImpact* b) { return rank(a) < rank(b); });
  const std::vector<Heads> heads = head_counts(g, hit);
  std::map<std::string, UnitImpact> units;
  for (size_t i = 0; i < hit.size(); ++i) {
    const NodeImpact* x = hit[i];
    RecoveryStep step{g.refs[x->node], x->state, std::nullopt, ""};
    if (g.rto[x->node] != kNoMinutes) step.rto = Duration{g.rto[x->node]};
    if (g.criticality[x->node] >= 0) {
      step.criticality = model::to_string(static_cast<model::Criticality>(g.criticality[x->node]));
    }
    r.recovery_order.push_back(std::move(step));
    const uint32_t u = g.function_unit[x->node];
    if (u == kNone) continue;
    UnitImpact& ui = units[g.business_units[u]];
    ui.business_unit = g.business_units[u];
    ui.functions.push_back(g.refs[x->node]);
    ui.staff += heads[i].staff;
    ui.staff_available += heads[i].available;
    ui.staff_working += heads[i].working;
  }
  for (auto& [id, ui] : units) r.business_units.push_back(std::move(ui));
  for (const Heads& h : heads) {
    r.staff_affected += h.staff;
    r.staff_available += h.available;
    r.staff_working += h.working;
  }
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
  size_t words = 0;  // impact.explanations is by node index too
  for (const NodeImpact& x : impact.nodes) {
    if (!g.is_function(x.node) || x.state == State::kUp) continue;
    FunctionReport f;
    f.id = g.refs[x.node];
    f.state = x.state;
    while (words < impact.explanations.size() && impact.explanations[words].node < x.node) ++words;
    if (words < impact.explanations.size() && impact.explanations[words].node == x.node) {
      const Explanation& e = impact.explanations[words];
      f.because = e.because;
      for (uint32_t m : e.mitigations_used) f.mitigations_used.push_back(g.mitigation_ids[m]);
      for (uint32_t m : e.mitigation_gaps) f.mitigation_gaps.push_back(g.mitigation_ids[m]);
      for (const auto& b : e.mitigations_blocked) {
        BlockedMitigation bm{g.mitigation_ids[b.mitigation], {}, std::nullopt};
        for (uint32_t w : b.with_down) bm.with_down.push_back(g.refs[w]);
        if (bm.with_down.empty()) bm.activation = Duration{b.activation};
        f.mitigations_blocked.push_back(std::move(bm));
      }
    }
    f.down_for = x.down_for();
    f.rto_breached = x.rto_breached;
    f.mtpd_breached = x.mtpd_breached;
    f.staff_available = x.staff_available();
    if (g.staff_normal[x.node] != kNoMinutes) f.staff = g.staff_normal[x.node];
    r.functions.push_back(std::move(f));
  }
  recovery(g, impact, r);
  for (uint32_t n = 0; n < g.size(); ++n) {
    if (g.kinds[n] == model::NodeKind::kLocation && r.states[n].second != State::kUp) {
      r.locations.push_back(r.states[n]);
    }
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
    boost::json::array blocked;
    for (const auto& b : f.mitigations_blocked) {
      boost::json::object bj{{"mitigation", b.mitigation}, {"with_down", strings(b.with_down)}};
      if (b.activation) bj["activation"] = format_duration(*b.activation);
      blocked.emplace_back(std::move(bj));
    }
    j["mitigations_blocked"] = std::move(blocked);
    j["down_for"] = duration_value(f.down_for);
    j["rto_breached"] = f.rto_breached;
    j["mtpd_breached"] = f.mtpd_breached;
    if (f.staff_available) j["staff_available"] = *f.staff_available;
    if (f.staff) j["staff"] = *f.staff;
    functions.emplace_back(std::move(j));
  }
  o["functions"] = std::move(functions);
  boost::json::array cycles;
  for (const auto& c : r.cycles) cycles.emplace_back(strings(c));
  o["cycles"] = std::move(cycles);
  o["staff_affected"] = r.staff_affected;
  o["staff_available"] = r.staff_available;
  o["staff_working"] = r.staff_working;
  boost::json::array order;
  for (const auto& step : r.recovery_order) {
    boost::json::object j;
    j["function"] = step.function;
    j["state"] = to_string(step.state);
    j["rto"] = duration_value(step.rto);
    if (!step.criticality.empty()) j["criticality"] = step.criticality;
    order.emplace_back(std::move(j));
  }
  o["recovery_order"] = std::move(order);
  boost::json::array units;
  for (const auto& u : r.business_units) {
    units.emplace_back(boost::json::object{{"business_unit", u.business_unit},
                                           {"functions", strings(u.functions)},
                                           {"staff", u.staff},
                                           {"staff_available", u.staff_available},
                                           {"staff_working", u.staff_working}});
  }
  o["business_units"] = std::move(units);
  boost::json::object locations;
  for (const auto& [id, s] : r.locations) locations[id] = to_string(s);
  o["locations"] = std::move(locations);
  return boost::json::serialize(o);
}

}  // namespace ebcm::impact
