#include "http/status_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>
#include <unordered_map>
#include <vector>

#include "core/catalog.hpp"
#include "core/clock.hpp"
#include "core/local_time.hpp"
#include "core/messages.hpp"
#include "core/timezone.hpp"
#include "http/app.hpp"
#include "impact/engine.hpp"
#include "impact/report.hpp"

namespace ebcm::http {
namespace {

namespace json = boost::json;

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

using catalog::Language;
using impact::State;

// The model's name of each node, by compiled-graph index (model::NodeIndex order: functions,
// services each followed by its features, locations), in the language asked for.
struct Names {
  struct Entry {
    const std::string* id;
    const std::string* name;
    const std::map<std::string, std::string>* names;
  };
  std::vector<Entry> nodes;

  explicit Names(const model::Model& m, const impact::CompiledGraph& g) {
    nodes.reserve(g.size());
    for (const auto& f : m.functions) nodes.push_back({&f.id, &f.name, &f.names});
    for (const auto& s : m.services) {
      nodes.push_back({&s.id, &s.name, &s.names});
      for (const auto& f : s.features) nodes.push_back({&f.id, &f.name, &f.names});
    }
    for (const auto& l : m.locations) nodes.push_back({&l.id, &l.name, &l.names});
    if (nodes.size() != g.size()) nodes.clear();  // not this model's graph: refs below
  }
  // names[code], else the name, else the id (else, for a graph of another model, the ref).
  std::string of(uint32_t n, Language lang, const impact::CompiledGraph& g) const {
    if (n >= nodes.size()) return n < g.size() ? g.refs[n] : std::string("?");
    const auto& e = nodes[n];
    auto it = e.names->find(std::string(catalog::code(lang)));
    if (it != e.names->end() && !it->second.empty()) return it->second;
    return e.name->empty() ? *e.id : *e.name;
  }
};

const char* state_name(State s) {
  return s == State::kDown ? "down" : s == State::kDegraded ? "degraded" : "up";
}

catalog::Key state_key(std::string_view state) {
  if (state == "down") return msg::status::state_down;
  if (state == "degraded") return msg::status::state_degraded;
  if (state == "partly_down") return msg::status::state_partly_down;
  return msg::status::state_up;
}

// <time datetime="2026-11-21T09:41:00Z">Sat 21 Nov 2026, 10:41 CET</time>
std::string time_html(int64_t ms, const std::string& zone, Language lang,
                      std::optional<int64_t> today_ms = std::nullopt) {
  return fmt::format("<time datetime=\"{}\">{}</time>", format_utc(ms),
                     html_escape(local_time(ms, zone, lang, today_ms)));
}

// "A", "A and B", "A, B and C" (already escaped items); with `key` list_or: "A, B or C".
std::string join_and(const std::vector<std::string>& items, Language lang,
                     catalog::Key key = msg::status::list_and) {
  if (items.empty()) return "";
  if (items.size() == 1) return items[0];
  std::string first = items[0];
  for (size_t i = 1; i + 1 < items.size(); ++i) first += ", " + items[i];
  return catalog::format(lang, key, {{"first", first}, {"last", items.back()}});
}

// What the page shows, computed once, language-free.
struct MitigationView {
  uint32_t model_index = 0;
  int64_t from_ms = 0;  // when it comes into use (later ones)
};
struct NodeView {
  uint32_t node = impact::kNone;
  std::string state;  // down | degraded | partly_down (a service up with features not up) | up
  std::optional<int64_t> since;
  std::vector<uint32_t> alternatives;         // nodes up that stand in for this one in an `any`
  std::vector<NodeView> features;             // of a service: those not up
  std::vector<MitigationView> in_use, later;  // of a function
  const model::Function* function = nullptr;
};
struct View {
  std::vector<NodeView> not_working;  // services (with features) and locations not up
  std::vector<NodeView> functions;    // not up
  std::vector<NodeView> services;     // all, model order (the table)
  std::optional<int64_t> next_change_ms;
};

void push_unique(std::vector<uint32_t>& v, uint32_t x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
}

std::string render_html(Language lang, const View& v, const model::Model& m,
                        const impact::CompiledGraph& g, const Names& names,
                        const StatusDeclaration& d, int64_t updated, int64_t now) {
  const std::string& zone = m.organization.timezone;
  const std::string org = html_escape(m.organization.name.empty() ? "ebcm" : m.organization.name);
  auto tr = [&](catalog::Key k, std::initializer_list<catalog::Arg> args = {}) {
    return catalog::format(lang, k, args);
  };
  auto name = [&](uint32_t n) { return html_escape(names.of(n, lang, g)); };
  auto state = [&](const std::string& st) {
    return fmt::format("<span class=\"state {}\">{}</span>", st, tr(state_key(st)));
  };
  auto since = [&](const NodeView& n) {
    return n.since ? " <span class=\"since\">" +
                         tr(msg::status::since, {{"time", time_html(*n.since, zone, lang, now)}}) +
                         "</span>"
                   : std::string();
  };
  auto ways = [&](const NodeView& n) {
    std::string out;
    if (!n.alternatives.empty()) {
      std::vector<std::string> alts;
      for (uint32_t a : n.alternatives) alts.push_back(name(a));
      out += "<p class=\"way\">" +
             tr(msg::status::use_instead, {{"alternative", join_and(alts, lang, msg::status::list_or)}}) + "</p>";
    }
    auto mitigation = [&](const MitigationView& mv, catalog::Key key, bool later) {
      const auto& mit = m.mitigations[mv.model_index];
      std::vector<std::string> with;
      for (const auto& w : mit.with) {
        uint32_t wn = g.find(w.target);
        with.push_back(wn == impact::kNone ? html_escape(w.target) : name(wn));
      }
      uint32_t rn = g.find(mit.replaces.target);
      const std::string replaces =
          rn == impact::kNone ? html_escape(mit.replaces.target) : name(rn);
      std::string line = later ? tr(key, {{"time", time_html(mv.from_ms, zone, lang, now)},
                                          {"with", join_and(with, lang)},
                                          {"replaces", replaces}})
                               : tr(key, {{"with", join_and(with, lang)}, {"replaces", replaces}});
      std::string out = "<p class=\"way\">" + line;
      if (!mit.description.empty())
        out += "<br><span class=\"detail\">" + html_escape(mit.description) + "</span>";
      return out + "</p>";
    };
    for (const auto& mv : n.in_use) out += mitigation(mv, msg::status::mitigation_in_use, false);
    for (const auto& mv : n.later) out += mitigation(mv, msg::status::mitigation_later, true);
    return out;
  };

  std::string out;
  out += fmt::format(
      "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{}</title><style>"
      "body{{font-family:system-ui,sans-serif;max-width:48rem;margin:0 auto;padding:.5rem 1rem "
      "2rem;"
      "color:#1b1b1b;line-height:1.45;overflow-wrap:anywhere}}"
      "h1{{font-size:1.45rem;margin:.75rem 0 .25rem}}h2{{font-size:1.15rem;margin:1.5rem 0 .5rem}}"
      "table{{border-collapse:collapse;width:100%}}"
      "td,th{{text-align:left;vertical-align:top;padding:.4rem .5rem;border-bottom:1px solid #ddd}}"
      "ul.items{{list-style:none;padding:0;margin:0}}ul.items>li{{border:1px solid #ddd;"
      "border-radius:.4rem;padding:.6rem .75rem;margin:0 0 .6rem}}"
      "ul.features{{margin:.35rem 0 0;padding-left:1.1rem}}"
      ".state{{font-weight:600;white-space:nowrap}}"
      ".up{{color:#176b2c}}.degraded,.partly_down{{color:#8a5a00}}.down{{color:#b00020;font-weight:"
      "700}}"
      ".since,.meta,.detail{{color:#555;font-size:.92rem}}"
      ".way{{margin:.35rem 0 0;padding-left:.6rem;border-left:3px solid #2e8540}}"
      ".msg{{background:#fff6d6;border-left:4px solid #e0a800;padding:.75rem 1rem;"
      "white-space:pre-wrap;margin:0}}"
      ".ok{{background:#e7f6ea;border-left:4px solid #2e8540;padding:.75rem 1rem}}"
      ".alert{{background:#fdecee;border-left:4px solid #b00020;padding:.75rem 1rem}}"
      "a{{color:#0b57a4}}</style></head><body>\n",
      catalog::code(lang), tr(msg::status::heading, {{"organization", org}}));
  out += "<header>\n<h1>" + tr(msg::status::heading, {{"organization", org}}) + "</h1>\n";
  out +=
      "<p class=\"meta\">" + tr(msg::status::updated, {{"time", time_html(updated, zone, lang)}});
  if (d.next_update_ms) {
    out += "<br>" +
           tr(*d.next_update_ms < now ? msg::status::next_update_overdue : msg::status::next_update,
              {{"time", time_html(*d.next_update_ms, zone, lang)}});
  }
  out += fmt::format(
      "</p>\n<p class=\"meta\"><a href=\"?lang={}\">{}</a> — {}</p>\n</header>\n<main>\n",
      catalog::code(lang), tr(msg::status::reload), tr(msg::status::reload_hint));
  if (!d.message.empty()) {
    out += "<section aria-labelledby=\"message\"><h2 id=\"message\">" + tr(msg::status::message) +
           "</h2><p class=\"msg\">" + html_escape(d.message) + "</p></section>\n";
  }
  const bool all_up = v.not_working.empty() && v.functions.empty();
  out += all_up ? "<p class=\"ok\">" + tr(msg::status::all_up) + "</p>\n"
                : "<p class=\"alert\">" + tr(msg::status::some_not_up) + "</p>\n";

  out += "<section aria-labelledby=\"not-working\"><h2 id=\"not-working\">" +
         tr(msg::status::not_working) + "</h2>\n";
  if (v.not_working.empty()) {
    out += "<p>" + tr(msg::status::nothing_not_working) + "</p>\n";
  } else {
    out += "<ul class=\"items\">\n";
    for (const auto& n : v.not_working) {
      const bool location = g.kinds[n.node] == model::NodeKind::kLocation;
      const std::string title =
          location ? tr(msg::status::location, {{"name", name(n.node)}}) : name(n.node);
      out += "<li><strong>" + title + "</strong>: " + state(n.state) + since(n) + ways(n);
      if (!n.features.empty()) {
        out += "<ul class=\"features\">";
        for (const auto& f : n.features) {
          out += "<li>" +
                 tr(msg::status::feature_state,
                    {{"feature", name(f.node)}, {"state", state(f.state)}}) +
                 since(f) + ways(f) + "</li>";
        }
        out += "</ul>";
      }
      out += "</li>\n";
    }
    out += "</ul>\n";
  }
  out += "</section>\n";

  out += "<section aria-labelledby=\"functions\"><h2 id=\"functions\">" +
         tr(msg::status::functions) + "</h2>\n";
  if (v.functions.empty()) {
    out += "<p>" + tr(msg::status::no_functions) + "</p>\n";
  } else {
    out += "<ul class=\"items\">\n";
    for (const auto& n : v.functions) {
      out += "<li><strong>" + name(n.node) + "</strong>: " + state(n.state) + since(n) + ways(n) +
             "</li>\n";
    }
    out += "</ul>\n";
  }
  out += "</section>\n";

  out += "<section aria-labelledby=\"services\"><h2 id=\"services\">" +
         tr(msg::status::all_services) +
         "</h2>\n<table aria-labelledby=\"services\"><thead><tr><th scope=\"col\">" +
         tr(msg::status::column_service) + "</th><th scope=\"col\">" +
         tr(msg::status::column_state) + "</th></tr></thead><tbody>\n";
  // Those not up first (down, then partly down or degraded), then the rest, each in model order.
  std::vector<const NodeView*> rows;
  for (const auto& n : v.services) rows.push_back(&n);
  std::stable_sort(rows.begin(), rows.end(), [](const NodeView* a, const NodeView* b) {
    auto rank = [](const std::string& st) {
      return st == "down" ? 0 : st == "partly_down" ? 1 : st == "degraded" ? 2 : 3;
    };
    return rank(a->state) < rank(b->state);
  });
  for (const NodeView* row : rows) {
    const NodeView& n = *row;
    out += "<tr><td>" + name(n.node) + "</td><td>" + state(n.state) + "</td></tr>\n";
  }
  out += "</tbody></table></section>\n</main>\n</body></html>\n";
  return out;
}

}  // namespace


RenderedStatus render_status(const model::Model& m, const impact::CompiledGraph& g,
                             const StatusDeclaration& d,
                             const std::map<std::string, int64_t>& since_before, int64_t now,
                             int64_t revision) {
  const auto& q = d.disruption;
  const int64_t started = d.started_ms ? d.started_ms : d.updated_ms ? d.updated_ms : now;
  const int64_t elapsed_minutes = now > started ? (now - started) / 60'000 : 0;
  impact::Impact impact;
  if (!q.empty()) {
    // A model change may have removed what was declared: show what still resolves.
    impact::DisruptionQuery valid = q;
    valid.down.clear();
    for (const auto& ref : q.down)
      if (g.find(ref) != impact::kNone) valid.down.push_back(ref);
    valid.degraded.clear();
    for (const auto& ref : q.degraded)
      if (g.find(ref) != impact::kNone) valid.degraded.push_back(ref);
    if (!valid.scenario.empty() &&
        std::none_of(m.scenarios.begin(), m.scenarios.end(),
                     [&](const model::Scenario& s) { return s.id == valid.scenario; }))
      valid.scenario.clear();
    auto dis = impact::build_disruption(g, m, valid, "");
    if (dis) {
      // The states now: as at the end of a disruption as long as it has lasted so far (rule 7:
      // a mitigation counts from its activation on). The declared duration is an expectation;
      // a disruption still declared past it goes on.
      dis->first.duration = Duration{elapsed_minutes};
      impact::Engine engine(g);
      impact = engine.run(dis->first);
    }
  }
  auto state_of = [&](uint32_t n) { return impact.state_of(n); };

  RenderedStatus page;
  View v;
  const int64_t new_since = d.updated_ms ? d.updated_ms : now;
  for (const auto& n : impact.nodes) {
    if (state_of(n.node) == State::kUp) continue;
    auto it = since_before.find(g.refs[n.node]);
    page.since[g.refs[n.node]] = it != since_before.end() ? it->second : new_since;
  }
  // The ways to keep working: in each `any` of a node not up, the alternatives still up stand in
  // for those not up (and carry the node, when it is a function).
  std::unordered_map<uint32_t, std::vector<uint32_t>> alternatives, function_alternatives;
  auto walk = [&](auto&& self, uint32_t e, uint32_t owner) -> void {
    const impact::Expr& x = g.exprs[e];
    if (x.op == impact::Expr::Op::kRef) return;
    std::vector<uint32_t> up, not_up;
    for (uint32_t c = x.a; c < x.b; ++c) {
      const impact::Expr& child = g.exprs[c];
      if (child.op == impact::Expr::Op::kRef) {
        (state_of(child.a) == State::kUp ? up : not_up).push_back(child.a);
      } else {
        self(self, c, owner);
      }
    }
    if (x.op != impact::Expr::Op::kAny || up.empty() || not_up.empty()) return;
    for (uint32_t down : not_up)
      for (uint32_t alt : up) push_unique(alternatives[down], alt);
    if (g.is_function(owner))
      for (uint32_t alt : up) push_unique(function_alternatives[owner], alt);
  };
  for (const auto& n : impact.nodes) {
    if (state_of(n.node) == State::kUp) continue;
    for (uint32_t i = g.entry_begin[n.node]; i < g.entry_begin[n.node + 1]; ++i)
      walk(walk, g.entries[i], n.node);
    // Every later activation of a counting mitigation of a node reached is a moment the page
    // may change.
    for (uint32_t i = g.mit_begin[n.node]; i < g.mit_begin[n.node + 1]; ++i) {
      if (g.mits[i].activation <= elapsed_minutes) continue;
      const int64_t at = started + g.mits[i].activation * 60'000;
      if (!v.next_change_ms || at < *v.next_change_ms) v.next_change_ms = at;
    }
  }
  if (d.next_update_ms && *d.next_update_ms > now &&
      (!v.next_change_ms || *d.next_update_ms < *v.next_change_ms))
    v.next_change_ms = d.next_update_ms;

  auto node_view = [&](uint32_t n) {
    NodeView nv;
    nv.node = n;
    nv.state = state_name(state_of(n));
    auto it = page.since.find(g.refs[n]);
    if (it != page.since.end()) nv.since = it->second;
    if (auto a = alternatives.find(n); a != alternatives.end()) nv.alternatives = a->second;
    return nv;
  };
  auto severity = [](const std::string& st) {
    return st == "down" ? 0 : st == "partly_down" ? 1 : st == "degraded" ? 2 : 3;
  };
  for (const auto& s : m.services) {
    const uint32_t sn = g.find(s.id);
    if (sn == impact::kNone) continue;
    NodeView nv = node_view(sn);
    bool feature_down = false, feature_degraded = false;
    for (const auto& f : s.features) {
      const uint32_t fn = g.find(s.id + "/" + f.id);
      if (fn == impact::kNone || state_of(fn) == State::kUp) continue;
      NodeView fv = node_view(fn);
      feature_down = feature_down || fv.state == "down";
      feature_degraded = true;
      if (!nv.since || (fv.since && *fv.since < *nv.since)) nv.since = fv.since;
      nv.features.push_back(std::move(fv));
    }
    if (nv.state == "up" && feature_down)
      nv.state = "partly_down";
    else if (nv.state == "up" && feature_degraded)
      nv.state = "degraded";
    if (nv.state != "up") v.not_working.push_back(nv);
    v.services.push_back(std::move(nv));
  }
  for (const auto& l : m.locations) {
    const uint32_t ln = g.find(l.id);
    if (ln != impact::kNone && state_of(ln) != State::kUp) v.not_working.push_back(node_view(ln));
  }
  std::stable_sort(
      v.not_working.begin(), v.not_working.end(),
      [&](const NodeView& a, const NodeView& b) { return severity(a.state) < severity(b.state); });
  for (const auto& f : m.functions) {
    const uint32_t fn = g.find(f.id);
    if (fn == impact::kNone || state_of(fn) == State::kUp) continue;
    NodeView nv = node_view(fn);
    nv.function = &f;
    if (auto a = function_alternatives.find(fn); a != function_alternatives.end())
      nv.alternatives = a->second;
    if (const auto* x = impact.explanation(fn)) {
      for (uint32_t mi : x->mitigations_used) nv.in_use.push_back({mi, 0});
    }
    // Mitigations that will count later, for a requirement that is not up now.
    for (uint32_t i = g.mit_begin[fn]; i < g.mit_begin[fn + 1]; ++i) {
      const auto& mit = g.mits[i];
      if (mit.activation <= elapsed_minutes || mit.replaces == impact::kNone) continue;
      bool replaced_not_up = state_of(mit.replaces) != State::kUp;
      for (uint32_t k = g.feature_begin[mit.replaces]; k < g.feature_begin[mit.replaces + 1]; ++k)
        replaced_not_up = replaced_not_up || state_of(g.features[k]) != State::kUp;
      bool listed = false;
      for (const auto& u : nv.in_use) listed = listed || u.model_index == mit.model_index;
      for (const auto& u : nv.later) listed = listed || u.model_index == mit.model_index;
      if (replaced_not_up && !listed)
        nv.later.push_back({mit.model_index, started + mit.activation * 60'000});
    }
    v.functions.push_back(std::move(nv));
  }

  // The JSON: the machine-readable page (docs/http.md).
  auto iso = [](std::optional<int64_t> ms) {
    return ms ? json::value(format_utc(*ms)) : json::value(nullptr);
  };
  auto refs = [&](const std::vector<uint32_t>& nodes) {
    json::array a;
    for (uint32_t n : nodes) a.push_back(json::string(g.refs[n]));
    return a;
  };
  auto base = [&](const NodeView& nv, const std::string& id, const std::string& name) {
    json::object o{{"id", id},
                   {"name", name.empty() ? id : name},
                   {"state", state_name(state_of(nv.node))},
                   {"since", iso(nv.since)}};
    if (!nv.alternatives.empty()) o["alternatives"] = refs(nv.alternatives);
    return o;
  };
  json::array services;
  {
    size_t i = 0;
    for (const auto& s : m.services) {
      if (g.find(s.id) == impact::kNone) continue;
      const NodeView& nv = v.services[i++];
      json::object o = base(nv, s.id, s.name);
      o["shown_state"] = nv.state;
      if (state_of(nv.node) == State::kUp) o["since"] = nullptr;
      json::array features;
      for (const auto& fv : nv.features) {
        const auto& f = *std::find_if(s.features.begin(), s.features.end(), [&](const auto& x) {
          return s.id + "/" + x.id == g.refs[fv.node];
        });
        features.push_back(base(fv, g.refs[fv.node], f.name));
      }
      if (!features.empty()) o["features"] = std::move(features);
      services.push_back(std::move(o));
    }
  }
  json::array locations;
  for (const auto& nv : v.not_working) {
    if (g.kinds[nv.node] != model::NodeKind::kLocation) continue;
    const auto& l = *std::find_if(m.locations.begin(), m.locations.end(),
                                  [&](const auto& x) { return x.id == g.refs[nv.node]; });
    locations.push_back(base(nv, l.id, l.name));
  }
  json::array functions;
  for (const auto& nv : v.functions) {
    const auto& f = *nv.function;
    json::object o = base(nv, f.id, f.name);
    if (f.criticality) o["criticality"] = model::to_string(*f.criticality);
    if (!f.business_unit.empty()) o["business_unit"] = f.business_unit;
    json::array in_use, later;
    for (const auto& u : nv.in_use) in_use.push_back(json::string(m.mitigations[u.model_index].id));
    for (const auto& u : nv.later)
      later.push_back(
          json::object{{"id", m.mitigations[u.model_index].id}, {"from", format_utc(u.from_ms)}});
    if (!in_use.empty()) o["mitigations_in_use"] = std::move(in_use);
    if (!later.empty()) o["mitigations_later"] = std::move(later);
    functions.push_back(std::move(o));
  }
  const int64_t updated = d.updated_ms ? d.updated_ms : now;
  const bool any = !q.empty();
  json::object j{{"organization", m.organization.name.empty() ? "ebcm" : m.organization.name},
                 {"updated", format_utc(updated)},
                 {"started", any ? json::value(format_utc(started)) : json::value(nullptr)},
                 {"next_update", iso(d.next_update_ms)},
                 {"next_change", iso(v.next_change_ms)},
                 {"message", d.message},
                 {"revision", revision},
                 {"services", std::move(services)},
                 {"locations", std::move(locations)},
                 {"functions", std::move(functions)}};
  const Names names(m, g);
  page.json = std::make_shared<const std::string>(json::serialize(j));
  page.html_en = std::make_shared<const std::string>(
      render_html(msg::lang::en, v, m, g, names, d, updated, now));
  page.html_sv = std::make_shared<const std::string>(
      render_html(msg::lang::sv, v, m, g, names, d, updated, now));
  page.etag = etag_of(*page.json);
  page.changed_ms = now;
  page.last_modified = http_date(now);
  page.next_change_ms = v.next_change_ms;
  return page;
}

StatusPage::StatusPage(const Clock& clock) : clock_(clock) {}
StatusPage::~StatusPage() = default;

std::shared_ptr<const RenderedStatus> StatusPage::page() const { return page_.load(); }

std::shared_ptr<const RenderedStatus> StatusPage::current(const Snapshot& snapshot) {
  auto p = page();
  if (p && (!p->next_change_ms || clock_.now_ms() < *p->next_change_ms)) return p;
  std::lock_guard lock(mutex_);
  p = page();
  if (!p || (p->next_change_ms && clock_.now_ms() >= *p->next_change_ms)) render_locked(snapshot);
  return page();
}

void StatusPage::render(const Snapshot& snapshot, const StatusDeclaration& declared) {
  std::lock_guard lock(mutex_);
  declared_ = declared;
  render_locked(snapshot);
}

void StatusPage::render_locked(const Snapshot& snap) {
  auto page = std::make_shared<RenderedStatus>(render_status(
      snap.model(), snap.graph(), declared_, since_, clock_.now_ms(), snap.revision()));
  since_ = page->since;
  page_.store(std::move(page));
}

}  // namespace ebcm::http
