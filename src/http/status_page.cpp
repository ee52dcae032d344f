#include "http/status_page.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <ctime>

#include "core/clock.hpp"
#include "http/app.hpp"
#include "core/timezone.hpp"
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

struct Words {
  const char* lang;
  const char* title;
  const char* all_up;
  const char* services;
  const char* functions;
  const char* updated;
  const char* next;
  const char* since;
  const char* up;
  const char* degraded;
  const char* down;
  const char* no_functions;
  const char* message;
  const char* days[7];
  const char* months[12];
  const char* time_format;  // {weekday} {day} {month} {year} {hour} {minute} {zone}
};

constexpr Words kEnglish{
    "en",
    "Service status",
    "All services are running normally.",
    "Services",
    "Business functions affected",
    "Last updated",
    "Next update",
    "since",
    "up",
    "degraded",
    "down",
    "No business function is affected.",
    "From the incident manager",
    {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
    {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
    "{} {} {} {}, {:02}:{:02} {}"};
constexpr Words kSwedish{
    "sv",
    "Driftstatus",
    "Alla tjänster fungerar normalt.",
    "Tjänster",
    "Påverkade verksamhetsfunktioner",
    "Senast uppdaterad",
    "Nästa uppdatering",
    "sedan",
    "fungerar",
    "begränsad",
    "nere",
    "Ingen verksamhetsfunktion är påverkad.",
    "Från incidentansvarig",
    {"sön", "mån", "tis", "ons", "tor", "fre", "lör"},
    {"jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec"},
    "{} {} {} {} kl. {:02}:{:02} {}"};

const char* state_word(const Words& w, std::string_view state) {
  return state == "down" ? w.down : state == "degraded" ? w.degraded : w.up;
}

// "Sat 21 Nov 2026, 10:41 CET" / "lör 21 nov 2026 kl. 10:41 CET" in the organisation's time
// zone (timezone.hpp: read from tzdata, never through the process-wide TZ), for people; the
// JSON keeps ISO times in UTC. An unknown zone shows UTC.
std::string local_time(std::string_view iso, const std::string& zone, const Words& w) {
  auto ms = parse_utc(iso);
  if (!ms) return std::string(iso);
  auto local = to_local(*ms / 1000, zone);
  if (!local) local = to_local(*ms / 1000, "UTC");
  if (!local) return std::string(iso);
  const std::tm& tm = local->tm;
  return fmt::format(fmt::runtime(w.time_format), w.days[tm.tm_wday], tm.tm_mday,
                     w.months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, local->zone);
}

std::string render_html(const Words& w, const json::object& j, const std::string& zone) {
  std::string org(j.at("organization").as_string());
  std::string out;
  out += fmt::format(
      "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta http-equiv=\"refresh\" content=\"60\"><title>{} — {}</title><style>"
      "body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
      "color:#1b1b1b}}h1{{font-size:1.6rem}}table{{border-collapse:collapse;width:100%}}"
      "td,th{{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd}}"
      ".up{{color:#176b2c}}.degraded{{color:#8a5a00;font-weight:600}}.down{{color:#b00020;"
      "font-weight:700}}.msg{{background:#fff6d6;border-left:4px solid #e0a800;padding:.75rem 1rem;"
      "white-space:pre-wrap}}.ok{{background:#e7f6ea;border-left:4px solid #2e8540;padding:.75rem "
      "1rem}}"
      ".meta{{color:#555}}</style></head><body>\n",
      w.lang, html_escape(org), w.title);
  out += fmt::format("<h1>{} — {}</h1>\n", html_escape(org), w.title);
  out += fmt::format("<p class=\"meta\">{}: <time>{}</time>", w.updated,
                     html_escape(local_time(j.at("updated").as_string(), zone, w)));
  if (j.at("next_update").is_string()) {
    out += fmt::format(" · {}: <time>{}</time>", w.next,
                       html_escape(local_time(j.at("next_update").as_string(), zone, w)));
  }
  out += "</p>\n";
  const auto& msg = j.at("message").as_string();
  if (!msg.empty()) {
    out += fmt::format("<h2>{}</h2><div class=\"msg\">{}</div>\n", w.message, html_escape(msg));
  }
  const auto& fns = j.at("functions").as_array();
  const auto& svcs = j.at("services").as_array();
  bool any_down = !fns.empty();
  for (const auto& s : svcs) any_down = any_down || s.as_object().at("state").as_string() != "up";
  if (!any_down) out += fmt::format("<p class=\"ok\">{}</p>\n", w.all_up);
  out += fmt::format("<h2>{}</h2>\n", w.functions);
  if (fns.empty()) {
    out += fmt::format("<p>{}</p>\n", w.no_functions);
  } else {
    out += "<table>\n";
    for (const auto& f : fns) {
      const auto& o = f.as_object();
      std::string st(o.at("state").as_string());
      out += fmt::format("<tr><td>{}</td><td class=\"{}\">{}</td><td>{} {}</td></tr>\n",
                         html_escape(o.at("name").as_string()), st, state_word(w, st), w.since,
                         html_escape(local_time(o.at("since").as_string(), zone, w)));
    }
    out += "</table>\n";
  }
  out += fmt::format("<h2>{}</h2>\n<table>\n", w.services);
  // Services not up first (down, then degraded), then the rest, each in model order.
  std::vector<const json::object*> ordered;
  for (const char* want : {"down", "degraded", "up"}) {
    for (const auto& s : svcs)
      if (s.as_object().at("state").as_string() == want) ordered.push_back(&s.as_object());
  }
  for (const json::object* op : ordered) {
    const auto& o = *op;
    std::string st(o.at("state").as_string());
    std::string since =
        o.at("since").is_string()
            ? fmt::format("{} {}", w.since,
                          html_escape(local_time(o.at("since").as_string(), zone, w)))
            : "";
    out += fmt::format("<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>\n",
                       html_escape(o.at("name").as_string()), st, state_word(w, st), since);
  }
  out += "</table>\n</body></html>\n";
  return out;
}

}  // namespace

StatusPage::StatusPage(const Clock& clock) : clock_(clock) {}
StatusPage::~StatusPage() = default;

std::shared_ptr<const RenderedStatus> StatusPage::page() const { return page_.load(); }

void StatusPage::render(const Snapshot& snapshot, const StatusDeclaration& declared) {
  std::lock_guard lock(mutex_);
  declared_ = declared;
  render_locked(snapshot);
}

void StatusPage::render_locked(const Snapshot& snap) {
  const int64_t now = clock_.now_ms();
  const auto& m = snap.model();
  std::map<std::string, std::string> states;  // node ref → "degraded" | "down"
  const auto& q = declared_.disruption;
  if (!q.scenario.empty() || !q.down.empty() || !q.workforce.empty()) {
    const auto& g = snap.graph();
    // A model change may have removed what was declared: show what still resolves.
    impact::DisruptionQuery valid = q;
    valid.down.clear();
    for (const auto& ref : q.down)
      if (g.find(ref) != impact::kNone) valid.down.push_back(ref);
    if (!valid.scenario.empty() && !snap.find(model::EntityKind::kScenario, valid.scenario))
      valid.scenario.clear();
    auto d = impact::build_disruption(g, m, valid, "");
    if (d) {
      impact::Engine engine(g);
      auto impact = engine.run(d->first);
      for (const auto& n : impact.nodes) {
        if (n.state == impact::State::kUp) continue;
        states[g.refs[n.node]] = impact::to_string(n.state);
      }
    }
  }
  // Since when: kept while a node stays not up.
  std::map<std::string, int64_t> since;
  for (const auto& [ref, st] : states) {
    auto it = since_.find(ref);
    since[ref] =
        it != since_.end() ? it->second : (declared_.updated_ms ? declared_.updated_ms : now);
  }
  since_ = std::move(since);

  auto state_of = [&](const std::string& ref) {
    auto it = states.find(ref);
    return it == states.end() ? std::string("up") : it->second;
  };
  auto since_of = [&](const std::string& ref) -> json::value {
    auto it = since_.find(ref);
    return it == since_.end() ? json::value(nullptr) : json::value(format_utc(it->second));
  };
  json::array services;
  for (const auto& s : m.services) {
    json::object o{{"id", s.id},
                   {"name", s.name.empty() ? s.id : s.name},
                   {"state", state_of(s.id)},
                   {"since", since_of(s.id)}};
    json::array features;
    for (const auto& f : s.features) {
      const std::string ref = s.id + "/" + f.id;
      if (state_of(ref) == "up") continue;
      features.push_back(json::object{{"id", ref},
                                      {"name", f.name.empty() ? f.id : f.name},
                                      {"state", state_of(ref)},
                                      {"since", since_of(ref)}});
    }
    if (!features.empty()) o["features"] = std::move(features);
    services.push_back(std::move(o));
  }
  json::array functions;
  for (const auto& f : m.functions) {
    if (state_of(f.id) == "up") continue;
    json::object o{{"id", f.id},
                   {"name", f.name.empty() ? f.id : f.name},
                   {"state", state_of(f.id)},
                   {"since", since_of(f.id)}};
    if (f.criticality) o["criticality"] = model::to_string(*f.criticality);
    if (!f.business_unit.empty()) o["business_unit"] = f.business_unit;
    functions.push_back(std::move(o));
  }
  const int64_t updated = declared_.updated_ms ? declared_.updated_ms : now;
  json::object j{
      {"organization", m.organization.name.empty() ? "ebcm" : m.organization.name},
      {"updated", format_utc(updated)},
      {"next_update", declared_.next_update_ms ? json::value(format_utc(*declared_.next_update_ms))
                                               : json::value(nullptr)},
      {"message", declared_.message},
      {"revision", snap.revision()},
      {"services", std::move(services)},
      {"functions", std::move(functions)}};
  auto page = std::make_shared<RenderedStatus>();
  page->json = std::make_shared<const std::string>(json::serialize(j));
  page->html_en =
      std::make_shared<const std::string>(render_html(kEnglish, j, m.organization.timezone));
  page->html_sv =
      std::make_shared<const std::string>(render_html(kSwedish, j, m.organization.timezone));
  page->etag = etag_of(*page->json);
  page->changed_ms = now;
  page->last_modified = http_date(now);
  page_.store(std::move(page));
}

}  // namespace ebcm::http
