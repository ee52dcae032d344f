#include "impact/query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "core/duration.hpp"
#include "core/strings.hpp"
#include "impact/spof.hpp"

namespace ebcm::impact {
namespace {

namespace json = boost::json;

std::string did_you_mean(std::string_view wrong, const std::vector<std::string_view>& ids) {
  std::string near = closest_match(wrong, ids);
  return near.empty() ? "" : fmt::format(" — did you mean '{}'?", near);
}

Result<WorkforceDisruption> parse_workforce(const CompiledGraph& g, const std::string& text,
                                            std::string_view prefix) {
  const auto at = text.find('@');
  auto percent = parse_percent(text.substr(0, at));
  if (!percent) {
    return make_error(ErrorCode::kInvalidInput,
                      fmt::format("{}workforce '{}': expected a percentage such as 40%, "
                                  "optionally @LOCATION or @BUSINESS_UNIT",
                                  prefix, text));
  }
  WorkforceDisruption w{*percent};
  if (at == std::string::npos) return w;
  const std::string scope = text.substr(at + 1);
  if (uint32_t n = g.find(scope); n != kNone && g.kinds[n] == model::NodeKind::kLocation) {
    w.location = n;
  } else if (uint32_t bu = g.find_business_unit(scope); bu != kNone) {
    w.business_unit = bu;
  } else {
    return make_error(ErrorCode::kInvalidInput,
                      fmt::format("{}workforce '{}': '{}' is neither a location nor a business "
                                  "unit of the model",
                                  prefix, text, scope));
  }
  return w;
}

std::vector<std::string> sorted_refs(const CompiledGraph& g, const std::vector<uint32_t>& nodes) {
  std::vector<std::string> out;
  for (uint32_t n : nodes) out.push_back(g.refs[n]);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::string, std::string>> sorted_pairs(const CompiledGraph& g,
                                                              const std::vector<NodePair>& pairs) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto [a, b] : pairs) out.emplace_back(std::minmax(g.refs[a], g.refs[b]));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<std::pair<DisruptionSet, std::string>> build_disruption(const CompiledGraph& g,
                                                               const model::Model& m,
                                                               const DisruptionQuery& q,
                                                               std::string_view prefix) {
  DisruptionSet d;
  std::string name;
  if (!q.scenario.empty()) {
    const model::Scenario* s = nullptr;
    std::vector<std::string_view> ids;
    for (const auto& x : m.scenarios) {
      ids.push_back(x.id);
      if (x.id == q.scenario) s = &x;
    }
    if (!s) {
      return make_error(ErrorCode::kNotFound, fmt::format("no scenario '{}'{}", q.scenario,
                                                          did_you_mean(q.scenario, ids)));
    }
    auto r = disruption_from_scenario(g, *s);
    if (!r) return r.error();
    d = std::move(*r);
    name = s->id;
  }
  auto add_nodes = [&](const std::vector<std::string>& refs, std::string_view field,
                       std::vector<uint32_t>& into) -> Result<void> {
    for (const auto& ref : refs) {
      uint32_t n = g.find(ref);
      if (n == kNone) {
        std::vector<std::string_view> all(g.refs.begin(), g.refs.end());
        return make_error(ErrorCode::kNotFound, fmt::format("{}{}: no node '{}'{}", prefix, field,
                                                            ref, did_you_mean(ref, all)));
      }
      into.push_back(n);
    }
    return {};
  };
  if (auto r = add_nodes(q.down, "down", d.nodes); !r) return r.error();
  if (auto r = add_nodes(q.degraded, "degraded", d.degraded); !r) return r.error();
  for (const auto& w : q.workforce) {
    auto r = parse_workforce(g, w, prefix);
    if (!r) return r.error();
    d.workforce.push_back(*r);
  }
  if (!q.duration.empty()) {
    auto dur = parse_duration(q.duration);
    if (!dur) {
      return make_error(ErrorCode::kInvalidInput,
                        fmt::format("{}duration '{}': expected a duration such as 90m, 6h, 2d",
                                    prefix, q.duration));
    }
    d.duration = dur;
  }
  if (d.nodes.empty() && d.degraded.empty() && d.workforce.empty()) {
    return make_error(ErrorCode::kInvalidInput,
                      fmt::format("say what is disrupted: {0}scenario ID, {0}down REF..., "
                                  "{0}degraded REF... or {0}workforce 40%",
                                  prefix));
  }
  if (name.empty()) {
    name = join(q.down, "+");
    for (const auto& ref : q.degraded) name += (name.empty() ? "" : "+") + (ref + " degraded");
    for (const auto& w : q.workforce) name += (name.empty() ? "" : "+") + ("workforce " + w);
  }
  return std::pair{std::move(d), std::move(name)};
}

Result<SpofAnswer> answer_spof(const CompiledGraph& g, const model::Model& m, const SpofQuery& q,
                               std::string_view prefix) {
  std::optional<model::Criticality> level;
  if (!q.criticality.empty()) {
    level = model::parse_criticality(q.criticality);
    if (!level) {
      return make_error(ErrorCode::kInvalidInput,
                        fmt::format("{}criticality '{}': expected critical, high, medium or low",
                                    prefix, q.criticality));
    }
  }
  SpofAnswer r;
  if (!q.function.empty()) {
    const uint32_t f = g.find(q.function);
    if (f == kNone || !g.is_function(f)) {
      std::vector<std::string_view> ids;
      for (const auto& x : m.functions) ids.push_back(x.id);
      return make_error(ErrorCode::kNotFound,
                        fmt::format("{}function: no function '{}'{}", prefix, q.function,
                                    did_you_mean(q.function, ids)));
    }
    r.functions.push_back(f);
  } else {
    for (const auto& x : m.functions) {
      if (level && x.criticality != level) continue;
      r.functions.push_back(g.find(x.id));
    }
  }

  const auto singles = single_points_of_failure(g);
  std::vector<std::vector<NodePair>> pairs(g.size());
  if (q.pairs && !q.function.empty()) {
    const uint32_t f = r.functions[0];
    pairs[f] = pairs_for_function(g, f, singles[f]);
  } else if (q.pairs) {
    const auto anchors = top_by_reach(g, r.functions, singles, q.top == 0 ? g.size() : q.top);
    pairs = pairs_with_anchors(g, r.functions, singles, anchors);
  }
  for (uint32_t f : r.functions) {
    // A function's own loss is no point of failure of it: list only what takes it down.
    std::vector<uint32_t> others;
    for (uint32_t n : singles[f]) {
      if (n != f) others.push_back(n);
    }
    r.singles.push_back(sorted_refs(g, others));
    r.pairs.push_back(sorted_pairs(g, pairs[f]));
  }
  return r;
}

std::string spof_to_json(const CompiledGraph& g, const SpofAnswer& r) {
  json::object out;
  for (size_t i = 0; i < r.functions.size(); ++i) {
    json::array singles, pairs;
    for (const auto& s : r.singles[i]) singles.emplace_back(s);
    for (const auto& [a, b] : r.pairs[i])
      pairs.emplace_back(json::array{json::string(a), json::string(b)});
    out[g.refs[r.functions[i]]] =
        json::object{{"singles", std::move(singles)}, {"pairs", std::move(pairs)}};
  }
  return json::serialize(out) + "\n";
}

}  // namespace ebcm::impact
