#include "app/incidents.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "core/clock.hpp"

namespace ebcm::app {

namespace json = boost::json;

namespace {

json::value time_value(std::optional<int64_t> ms) {
  return ms ? json::value(format_utc(*ms)) : json::value(nullptr);
}

json::array strings(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

// Reading back: tolerant of missing keys (older records), strict about nothing else.
struct Reader {
  const json::object& o;
  std::string str(std::string_view k) const {
    const auto* v = o.if_contains(k);
    return v && v->is_string() ? std::string(v->as_string()) : std::string();
  }
  bool flag(std::string_view k) const {
    const auto* v = o.if_contains(k);
    return v && v->is_bool() && v->as_bool();
  }
  int64_t integer(std::string_view k) const {
    const auto* v = o.if_contains(k);
    return v && v->is_int64() ? v->as_int64() : 0;
  }
  std::optional<int64_t> time(std::string_view k) const { return parse_utc(str(k)); }
  std::vector<std::string> list(std::string_view k) const {
    std::vector<std::string> out;
    const auto* v = o.if_contains(k);
    if (v && v->is_array())
      for (const auto& x : v->as_array())
        if (x.is_string()) out.emplace_back(x.as_string());
    return out;
  }
  template <class Fn>
  void each(std::string_view k, Fn&& fn) const {
    const auto* v = o.if_contains(k);
    if (v && v->is_array())
      for (const auto& x : v->as_array())
        if (x.is_object()) fn(Reader{x.as_object()});
  }
  const json::object* object(std::string_view k) const {
    const auto* v = o.if_contains(k);
    return v && v->is_object() ? &v->as_object() : nullptr;
  }
};

json::object issue_json(const health::ProviderIssue& i) {
  json::array posts;
  for (const auto& p : i.posts) {
    posts.push_back(json::object{{"created", format_utc(p.created_ms)}, {"type", p.type},
                                 {"text", p.text}});
  }
  return json::object{{"id", i.id},
                      {"kind", i.kind},
                      {"service", i.service},
                      {"service_id", i.service_id},
                      {"components", strings(i.components)},
                      {"feature", i.feature},
                      {"feature_group", i.feature_group},
                      {"status", i.status},
                      {"classification", i.classification},
                      {"title", i.title},
                      {"impact_description", i.impact_description},
                      {"start", time_value(i.start_ms ? std::optional(i.start_ms) : std::nullopt)},
                      {"end", time_value(i.end_ms)},
                      {"last_modified", time_value(i.last_modified_ms
                                                       ? std::optional(i.last_modified_ms)
                                                       : std::nullopt)},
                      {"resolved", i.resolved},
                      {"posts", std::move(posts)},
                      {"next_update", time_value(i.next_update_ms)},
                      {"review_published", i.review_published},
                      {"review_url", i.review_url}};
}

health::ProviderIssue issue_from(const Reader& r) {
  health::ProviderIssue i;
  i.id = r.str("id");
  i.kind = r.str("kind");
  i.service = r.str("service");
  i.service_id = r.str("service_id");
  i.components = r.list("components");
  i.feature = r.str("feature");
  i.feature_group = r.str("feature_group");
  i.status = r.str("status");
  i.classification = r.str("classification");
  i.title = r.str("title");
  i.impact_description = r.str("impact_description");
  i.start_ms = r.time("start").value_or(0);
  i.end_ms = r.time("end");
  i.last_modified_ms = r.time("last_modified").value_or(0);
  i.resolved = r.flag("resolved");
  r.each("posts", [&](const Reader& p) {
    i.posts.push_back({p.time("created").value_or(0), p.str("type"), p.str("text")});
  });
  i.next_update_ms = r.time("next_update");
  i.review_published = r.flag("review_published");
  i.review_url = r.str("review_url");
  return i;
}

json::object query_json(const impact::DisruptionQuery& q) {
  json::object o{{"down", strings(q.down)},
                 {"degraded", strings(q.degraded)},
                 {"workforce", strings(q.workforce)}};
  if (!q.scenario.empty()) o["scenario"] = q.scenario;
  if (!q.duration.empty()) o["duration"] = q.duration;
  return o;
}

impact::DisruptionQuery query_from(const Reader& r) {
  impact::DisruptionQuery q;
  q.scenario = r.str("scenario");
  q.down = r.list("down");
  q.degraded = r.list("degraded");
  q.workforce = r.list("workforce");
  q.duration = r.str("duration");
  return q;
}

void add_unique(std::vector<std::string>& v, const std::string& x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

}  // namespace

bool update_overdue(const Incident& i, int64_t now_ms) {
  return i.active && i.next_update_ms && *i.next_update_ms < now_ms;
}

std::string incident_key(std::string_view id) { return "incident/" + std::string(id); }
std::string source_key(std::string_view provider) { return "health/" + std::string(provider); }

std::string to_json(const Incident& i) {
  json::array timeline, actions;
  for (const auto& t : i.timeline) {
    timeline.push_back(json::object{
        {"time", format_utc(t.time_ms)}, {"by", t.by}, {"kind", t.kind}, {"text", t.text}});
  }
  for (const auto& a : i.review.actions) {
    actions.push_back(json::object{
        {"text", a.text}, {"owner", a.owner}, {"due", time_value(a.due_ms)}, {"done", a.done}});
  }
  json::object o{
      {"id", i.id},
      {"source", i.source},
      {"title", i.title},
      {"state", i.active ? "active" : "resolved"},
      {"owner", i.owner},
      {"disruption", query_json(i.disruption)},
      {"opened", format_utc(i.opened_ms)},
      {"updated", format_utc(i.updated_ms)},
      {"resolved", time_value(i.resolved_ms)},
      {"next_update", time_value(i.next_update_ms)},
      {"next_update_from_provider", i.next_update_from_provider},
      {"timeline", std::move(timeline)},
      {"review",
       json::object{{"user_impact", i.review.user_impact},
                    {"scope", i.review.scope},
                    {"start_end", i.review.start_end},
                    {"root_cause", i.review.root_cause},
                    {"actions_taken", i.review.actions_taken},
                    {"next_steps", i.review.next_steps},
                    {"actions", std::move(actions)}}},
  };
  o["issue"] = i.issue ? json::value(issue_json(*i.issue)) : json::value(nullptr);
  return json::serialize(o);
}

std::optional<Incident> incident_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const Reader r{v.as_object()};
  Incident i;
  i.id = r.str("id");
  if (i.id.empty()) return std::nullopt;
  i.source = r.str("source");
  i.title = r.str("title");
  i.active = r.str("state") != "resolved";
  i.owner = r.str("owner");
  if (const auto* d = r.object("disruption")) i.disruption = query_from(Reader{*d});
  if (const auto* is = r.object("issue")) i.issue = issue_from(Reader{*is});
  i.opened_ms = r.time("opened").value_or(0);
  i.updated_ms = r.time("updated").value_or(0);
  i.resolved_ms = r.time("resolved");
  i.next_update_ms = r.time("next_update");
  i.next_update_from_provider = r.flag("next_update_from_provider");
  r.each("timeline", [&](const Reader& t) {
    i.timeline.push_back({t.time("time").value_or(0), t.str("by"), t.str("kind"), t.str("text")});
  });
  if (const auto* rv = r.object("review")) {
    const Reader x{*rv};
    i.review.user_impact = x.str("user_impact");
    i.review.scope = x.str("scope");
    i.review.start_end = x.str("start_end");
    i.review.root_cause = x.str("root_cause");
    i.review.actions_taken = x.str("actions_taken");
    i.review.next_steps = x.str("next_steps");
    x.each("actions", [&](const Reader& a) {
      i.review.actions.push_back({a.str("text"), a.str("owner"), a.time("due"), a.flag("done")});
    });
  }
  return i;
}

std::string to_json(const SourceState& s) {
  json::array services, changes;
  for (const auto& h : s.services) {
    services.push_back(json::object{
        {"id", h.id}, {"name", h.name}, {"status", h.status}, {"operational", h.operational}});
  }
  for (const auto& c : s.changes) {
    changes.push_back(json::object{{"id", c.id},
                                   {"title", c.title},
                                   {"category", c.category},
                                   {"severity", c.severity},
                                   {"services", strings(c.services)},
                                   {"tags", strings(c.tags)},
                                   {"major_change", c.major_change},
                                   {"start", time_value(c.start_ms ? std::optional(c.start_ms)
                                                                   : std::nullopt)},
                                   {"end", time_value(c.end_ms)},
                                   {"action_required", time_value(c.action_required_ms)},
                                   {"last_modified",
                                    time_value(c.last_modified_ms ? std::optional(c.last_modified_ms)
                                                                  : std::nullopt)},
                                   {"body", c.body}});
  }
  return json::serialize(json::object{
      {"provider", s.provider},
      {"last_success", time_value(s.last_success_ms ? std::optional(s.last_success_ms)
                                                    : std::nullopt)},
      {"unknown_since", time_value(s.unknown_since_ms)},
      {"last_error", s.last_error},
      {"failures", s.failures},
      {"cursor", s.cursor},
      {"services", std::move(services)},
      {"changes", std::move(changes)}});
}

std::optional<SourceState> source_state_from_json(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const Reader r{v.as_object()};
  SourceState s;
  s.provider = r.str("provider");
  s.last_success_ms = r.time("last_success").value_or(0);
  s.unknown_since_ms = r.time("unknown_since");
  s.last_error = r.str("last_error");
  s.failures = r.integer("failures");
  s.cursor = r.str("cursor");
  r.each("services", [&](const Reader& h) {
    s.services.push_back({h.str("id"), h.str("name"), h.str("status"), h.flag("operational")});
  });
  r.each("changes", [&](const Reader& c) {
    health::PlannedChange p;
    p.id = c.str("id");
    p.title = c.str("title");
    p.category = c.str("category");
    p.severity = c.str("severity");
    p.services = c.list("services");
    p.tags = c.list("tags");
    p.major_change = c.flag("major_change");
    p.start_ms = c.time("start").value_or(0);
    p.end_ms = c.time("end");
    p.action_required_ms = c.time("action_required");
    p.last_modified_ms = c.time("last_modified").value_or(0);
    p.body = c.str("body");
    s.changes.push_back(std::move(p));
  });
  return s;
}

std::optional<Incident> sync_issue(const std::optional<Incident>& existing,
                                   std::string_view provider, const health::ProviderIssue& issue,
                                   int64_t now_ms, int64_t cadence_ms) {
  Incident i;
  if (existing) {
    if (existing->issue && *existing->issue == issue) return std::nullopt;  // nothing new
    i = *existing;
  } else {
    if (issue.resolved) return std::nullopt;  // resolved before we ever saw it: history only
    i.id = issue.id;
    i.source = std::string(provider);
    i.opened_ms = issue.start_ms ? issue.start_ms : now_ms;
    i.timeline.push_back({now_ms, "provider", "opened",
                          issue.service + ": " + (issue.title.empty() ? issue.id : issue.title)});
  }
  const health::ProviderIssue* before = existing && existing->issue ? &*existing->issue : nullptr;
  if (before && before->status != issue.status) {
    i.timeline.push_back({now_ms, "provider", "status", "status " + issue.status});
  }
  // The posts not yet in the timeline (a post is known by its time and text).
  for (const auto& p : issue.posts) {
    const bool known = before && std::any_of(before->posts.begin(), before->posts.end(),
                                             [&](const health::Post& q) { return q == p; });
    if (!known) i.timeline.push_back({p.created_ms ? p.created_ms : now_ms, "provider", "provider", p.text});
  }
  std::stable_sort(i.timeline.begin(), i.timeline.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.time_ms < b.time_ms; });
  i.title = issue.title.empty() ? issue.id : issue.title;
  i.updated_ms = now_ms;
  if (issue.next_update_ms) {
    i.next_update_ms = issue.next_update_ms;
    i.next_update_from_provider = true;
  } else if (!i.next_update_from_provider || !i.next_update_ms) {
    i.next_update_ms = now_ms + cadence_ms;
    i.next_update_from_provider = false;
  }
  if (issue.resolved && i.active) {
    i.active = false;
    i.resolved_ms = issue.end_ms ? *issue.end_ms : now_ms;
    i.next_update_ms.reset();
    i.timeline.push_back({now_ms, "provider", "resolved", "resolved by the provider (" + issue.status + ")"});
  } else if (!issue.resolved && !i.active) {
    i.active = true;
    i.resolved_ms.reset();
    i.timeline.push_back({now_ms, "provider", "reopened", "the provider reports it again"});
  }
  i.issue = issue;
  return i;
}

std::vector<health::ProviderIssue> active_issues(const std::vector<Incident>& incidents,
                                                 std::string_view provider) {
  std::vector<health::ProviderIssue> out;
  for (const auto& i : incidents) {
    if (i.active && i.issue && i.source == provider) out.push_back(*i.issue);
  }
  return out;
}

impact::DisruptionQuery live_disruption(const model::Model& m,
                                        const impact::DisruptionQuery& declared,
                                        const std::vector<Incident>& incidents,
                                        const std::vector<SourceState>& sources,
                                        const impact::CompiledGraph* g) {
  impact::DisruptionQuery out;
  // The nodes of the model, to leave out what no longer resolves: the compiled graph's lookup
  // when there is one, else a set built here.
  std::set<std::string> refs;
  if (!g) {
    for (const auto& s : m.services) {
      refs.insert(s.id);
      for (const auto& f : s.features) refs.insert(s.id + "/" + f.id);
    }
    for (const auto& f : m.functions) refs.insert(f.id);
    for (const auto& l : m.locations) refs.insert(l.id);
  }
  auto resolves = [&](const std::string& r) {
    return g ? g->find(r) != impact::kNone : refs.count(r) != 0;
  };
  auto add = [&](const impact::DisruptionQuery& q) {
    for (const auto& r : q.down)
      if (resolves(r)) add_unique(out.down, r);
    for (const auto& r : q.degraded)
      if (resolves(r)) add_unique(out.degraded, r);
    for (const auto& w : q.workforce) add_unique(out.workforce, w);
    // A scenario named by an incident: its disruptions, open-ended (the live disruption lasts
    // as long as its incidents).
    for (const auto& sc : m.scenarios) {
      if (q.scenario.empty() || sc.id != q.scenario) continue;
      for (const auto& d : sc.disrupt) {
        if (d.kind == model::Disruption::Kind::kNode) {
          if (resolves(d.node)) add_unique(d.degraded ? out.degraded : out.down, d.node);
          continue;
        }
        std::string w = std::to_string(d.percent) + "%";
        if (!d.location.empty()) w += "@" + d.location;
        else if (!d.business_unit.empty()) w += "@" + d.business_unit;
        add_unique(out.workforce, w);
      }
    }
  };
  add(declared);
  for (const auto& i : incidents) {
    if (i.active && !i.issue) add(i.disruption);
  }
  std::set<std::string> providers;
  for (const auto& i : incidents)
    if (i.active && i.issue) providers.insert(i.source);
  for (const auto& s : sources) providers.insert(s.provider);
  for (const auto& p : providers) {
    static const SourceState kNone;
    const SourceState* state = &kNone;
    for (const auto& s : sources)
      if (s.provider == p) state = &s;
    const auto effect = health::map_provider(m, p, state->services, active_issues(incidents, p));
    impact::DisruptionQuery q;
    for (const auto& n : effect.nodes()) (n.degraded ? q.degraded : q.down).push_back(n.ref);
    add(q);
  }
  // Down wins: a node named down is not listed degraded as well.
  std::erase_if(out.degraded, [&](const std::string& r) {
    return std::find(out.down.begin(), out.down.end(), r) != out.down.end();
  });
  std::sort(out.down.begin(), out.down.end());
  std::sort(out.degraded.begin(), out.degraded.end());
  return out;
}

}  // namespace ebcm::app
