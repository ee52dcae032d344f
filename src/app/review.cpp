#include "app/review.hpp"

#include <algorithm>

#include "app/live_impact.hpp"
#include "core/clock.hpp"
#include "core/duration.hpp"
#include "core/messages.hpp"
#include "core/strings.hpp"
#include "impact/engine.hpp"
#include "impact/report.hpp"

namespace ebcm::app {

namespace {

using catalog::format;

// What the incident took out, for as long as it lasted.
struct Effect {
  std::vector<std::string> down, degraded, breaches, mitigations, services;
  int64_t minutes = 0;
};

Effect effect_of(const Snapshot& snap, const Incident& i, const std::vector<SourceState>& sources,
                 int64_t now_ms) {
  Effect e;
  const int64_t end = i.resolved_ms ? *i.resolved_ms : now_ms;
  e.minutes = std::max<int64_t>(0, (end - i.opened_ms) / 60'000);
  const impact::DisruptionQuery q = incident_disruption(snap.model(), i, sources);
  for (const auto& r : q.down) e.services.push_back(r);
  for (const auto& r : q.degraded) e.services.push_back(r);
  if (q.empty()) return e;
  auto d = impact::build_disruption(snap.graph(), snap.model(), q, "");
  if (!d) return e;
  d->first.duration = Duration{e.minutes};
  impact::Engine engine(snap.graph());
  const impact::Report r = impact::make_report(snap.graph(), engine.run(d->first), i.id);
  for (const auto& f : r.functions) {
    (f.state == impact::State::kDown ? e.down : e.degraded).push_back(f.id);
    if (f.rto_breached) e.breaches.push_back(f.id + " (RTO)");
    if (f.mtpd_breached) e.breaches.push_back(f.id + " (MTPD)");
    for (const auto& m : f.mitigations_used) {
      if (std::find(e.mitigations.begin(), e.mitigations.end(), m) == e.mitigations.end())
        e.mitigations.push_back(m);
    }
  }
  return e;
}

std::string list(const std::vector<std::string>& v) { return join(v, ", "); }

// One line per paragraph, Markdown-safe enough for a review: the text as people wrote it, with
// line breaks kept as hard breaks.
std::string paragraph(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '\n' ? std::string("  \n") : std::string(1, c);
  return out;
}

}  // namespace

Review prefilled_review(const Snapshot& snap, const Incident& i,
                        const std::vector<SourceState>& sources, int64_t now_ms,
                        catalog::Language lang) {
  Review r = i.review;
  const Effect e = effect_of(snap, i, sources, now_ms);
  const std::string mark = " " + std::string(catalog::text(lang, msg::review::prefilled));
  if (r.user_impact.empty()) {
    std::string t;
    if (e.down.empty() && e.degraded.empty()) {
      t = std::string(catalog::text(lang, msg::review::worst_none));
    } else {
      t = format(lang, msg::review::worst,
                 {{"time", format_utc(i.resolved_ms ? *i.resolved_ms : now_ms)},
                  {"down", std::to_string(e.down.size())},
                  {"degraded", std::to_string(e.degraded.size())}});
      if (!e.down.empty()) t += " " + format(lang, msg::review::functions_down, {{"list", list(e.down)}});
      if (!e.degraded.empty())
        t += " " + format(lang, msg::review::functions_degraded, {{"list", list(e.degraded)}});
    }
    if (i.issue && !i.issue->impact_description.empty()) {
      t += "\n" + format(lang, msg::review::provider_said, {{"text", i.issue->impact_description}});
    }
    r.user_impact = t + mark;
  }
  if (r.scope.empty()) {
    r.scope = (e.services.empty() ? std::string(catalog::text(lang, msg::review::to_fill))
                                  : format(lang, msg::review::services, {{"list", list(e.services)}})) +
              mark;
  }
  if (r.start_end.empty()) {
    std::string t = format(lang, msg::review::started, {{"start", format_utc(i.opened_ms)}});
    const std::string lasted = format_duration(Duration{e.minutes});
    t += " " + (i.resolved_ms ? format(lang, msg::review::ended,
                                       {{"end", format_utc(*i.resolved_ms)}, {"duration", lasted}})
                              : format(lang, msg::review::not_ended, {{"duration", lasted}}));
    t += " " + (e.breaches.empty()
                    ? std::string(catalog::text(lang, msg::review::no_breaches))
                    : format(lang, msg::review::breaches, {{"list", list(e.breaches)}}));
    r.start_end = t + mark;
  }
  if (r.root_cause.empty()) {
    r.root_cause = std::string(catalog::text(lang, msg::review::to_fill));
    if (i.issue && !i.issue->posts.empty()) {
      r.root_cause = format(lang, msg::review::provider_said, {{"text", i.issue->posts.back().text}}) + mark;
    }
  }
  if (r.actions_taken.empty()) {
    std::vector<std::string> updates;
    for (const auto& t : i.timeline)
      if (t.kind == "update") updates.push_back(t.text);
    std::string t;
    if (!e.mitigations.empty()) t = format(lang, msg::review::mitigations, {{"list", list(e.mitigations)}});
    for (const auto& u : updates) t += (t.empty() ? "" : "\n") + ("- " + u);
    r.actions_taken = t.empty() ? std::string(catalog::text(lang, msg::review::to_fill)) : t + mark;
  }
  if (r.next_steps.empty()) r.next_steps = std::string(catalog::text(lang, msg::review::to_fill));
  return r;
}

std::string review_markdown(const Snapshot& snap, const Incident& i,
                            const std::vector<SourceState>& sources, int64_t now_ms,
                            catalog::Language lang) {
  const Review r = prefilled_review(snap, i, sources, now_ms, lang);
  std::string md = "# " + format(lang, msg::review::heading, {{"id", i.id}, {"title", i.title}}) + "\n\n";
  md += (i.active ? format(lang, msg::review::status_active, {{"opened", format_utc(i.opened_ms)}})
                  : format(lang, msg::review::status_resolved,
                           {{"opened", format_utc(i.opened_ms)},
                            {"resolved", format_utc(i.resolved_ms.value_or(now_ms))}})) +
        "  \n";
  if (!i.owner.empty()) md += format(lang, msg::review::owner, {{"owner", i.owner}}) + "\n";
  auto section = [&](catalog::Key title, const std::string& body) {
    md += "\n## " + std::string(catalog::text(lang, title)) + "\n\n" + paragraph(body) + "\n";
  };
  section(msg::review::user_impact, r.user_impact);
  section(msg::review::scope, r.scope);
  section(msg::review::start_end, r.start_end);
  section(msg::review::root_cause, r.root_cause);
  section(msg::review::actions_taken, r.actions_taken);
  section(msg::review::next_steps, r.next_steps);
  md += "\n## " + std::string(catalog::text(lang, msg::review::action_items)) + "\n\n";
  if (r.actions.empty()) {
    md += std::string(catalog::text(lang, msg::review::none)) + "\n";
  } else {
    auto cell = [](std::string s) {
      std::string out;
      for (char c : s) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
      return out;
    };
    md += "| " + std::string(catalog::text(lang, msg::review::column_action)) + " | " +
          std::string(catalog::text(lang, msg::review::column_owner)) + " | " +
          std::string(catalog::text(lang, msg::review::column_due)) + " | " +
          std::string(catalog::text(lang, msg::review::column_done)) + " |\n|---|---|---|---|\n";
    for (const auto& a : r.actions) {
      md += "| " + cell(a.text) + " | " + cell(a.owner) + " | " +
            (a.due_ms ? format_utc(*a.due_ms).substr(0, 10) : std::string("")) + " | " +
            std::string(catalog::text(lang, a.done ? msg::review::yes : msg::review::no)) + " |\n";
    }
  }
  if (i.issue && i.issue->review_published) {
    md += "\n## " + std::string(catalog::text(lang, msg::review::provider_review)) + "\n\n" +
          format(lang, msg::review::provider_review_published, {{"provider", i.source}, {"id", i.id}});
    if (!i.issue->review_url.empty()) md += " <" + i.issue->review_url + ">";
    md += "\n";
  }
  md += "\n## " + std::string(catalog::text(lang, msg::review::timeline)) + "\n\n";
  for (const auto& t : i.timeline) {
    md += "- " + format_utc(t.time_ms) + " — " + t.by + " (" + t.kind + "): " + paragraph(t.text) + "\n";
  }
  return md;
}

}  // namespace ebcm::app
