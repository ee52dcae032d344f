#include "app/live_state.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/clock.hpp"

namespace ebcm::app {

namespace json = boost::json;

bool disrupts(const StatusDeclaration& d) {
  return !d.disruption.empty();
}

int64_t disruption_start(const StatusDeclaration& before, const StatusDeclaration& after) {
  const auto& q = after.disruption;
  if (q.empty()) return 0;  // all clear
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  };
  const auto& p = before.disruption;
  const bool same = before.started_ms != 0 && p.scenario == q.scenario &&
                    sorted(p.down) == sorted(q.down) &&
                    sorted(p.degraded) == sorted(q.degraded) && sorted(p.workforce) == sorted(q.workforce);
  return same ? before.started_ms : after.updated_ms;
}

std::string to_json(const StatusDeclaration& d) {
  json::object o{{"message", d.message},
                 {"updated", d.updated_ms ? json::value(format_utc(d.updated_ms))
                                          : json::value(nullptr)},
                 {"updated_by", d.updated_by}};
  o["started"] = d.started_ms ? json::value(format_utc(d.started_ms)) : json::value(nullptr);
  o["next_update"] =
      d.next_update_ms ? json::value(format_utc(*d.next_update_ms)) : json::value(nullptr);
  const auto& q = d.disruption;
  if (!q.scenario.empty()) o["scenario"] = q.scenario;
  o["down"] = json::array(q.down.begin(), q.down.end());
  o["degraded"] = json::array(q.degraded.begin(), q.degraded.end());
  o["workforce"] = json::array(q.workforce.begin(), q.workforce.end());
  if (!q.duration.empty()) o["duration"] = q.duration;
  return json::serialize(o);
}

std::optional<StatusDeclaration> status_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  auto str = [&](const char* k) -> std::string {
    auto it = o.find(k);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
  };
  auto list = [&](const char* k) {
    std::vector<std::string> out;
    auto it = o.find(k);
    if (it != o.end() && it->value().is_array())
      for (const auto& x : it->value().as_array())
        if (x.is_string()) out.emplace_back(x.as_string());
    return out;
  };
  StatusDeclaration d;
  d.message = str("message");
  d.updated_by = str("updated_by");
  if (auto t = parse_utc(str("updated"))) d.updated_ms = *t;
  if (auto t = parse_utc(str("next_update"))) d.next_update_ms = *t;
  d.disruption.scenario = str("scenario");
  d.disruption.down = list("down");
  d.disruption.degraded = list("degraded");
  d.disruption.workforce = list("workforce");
  d.disruption.duration = str("duration");
  if (auto t = parse_utc(str("started"))) d.started_ms = *t;
  // Written before the start was kept: the last update is the best guess.
  if (!d.started_ms && disrupts(d)) d.started_ms = d.updated_ms;
  return d;
}

Result<void> check_declaration(const Snapshot& snapshot, const StatusDeclaration& d) {
  if (!disrupts(d)) return {};
  auto check = impact::build_disruption(snapshot.graph(), snapshot.model(), d.disruption, "");
  if (!check) return check.error();
  return {};
}

}  // namespace ebcm::app
