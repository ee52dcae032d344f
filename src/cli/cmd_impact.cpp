// impact and scenarios: what a disruption takes down, from a model file or a stored revision.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/model_source.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/service_access.hpp"
#include "cli/store_access.hpp"
#include "core/strings.hpp"
#include "impact/compiled_graph.hpp"
#include "impact/engine.hpp"
#include "impact/query.hpp"
#include "impact/report.hpp"
#include "model/load.hpp"

namespace ebcm::cli {
namespace {

struct ImpactOptions {
  Source source;
  impact::DisruptionQuery query;
  bool json = false, live = false;
  std::string format = "table";
};

std::string when(const std::optional<Duration>& d) {
  return d ? format_duration(*d) : "open-ended";
}

constexpr size_t kRestoreShown = 10;

// "down until restored", "down for 6h", "degraded, after 30m down", "degraded".
std::string state_text(const impact::FunctionReport& f, const Style& st) {
  const bool down = f.state == impact::State::kDown;
  std::string out = down ? st.red("down") : st.yellow("degraded");
  if (!f.down_for) return out + " until restored";
  if (f.down_for->minutes == 0) return out;
  return out + (down ? " for " : ", after being down for ") + format_duration(*f.down_for);
}

// "RTO breached", "RTO and MTPD breached", "" when neither.
std::string breaches(const impact::FunctionReport& f) {
  if (f.rto_breached && f.mtpd_breached) return "RTO and MTPD breached";
  if (f.rto_breached) return "RTO breached";
  if (f.mtpd_breached) return "MTPD breached";
  return "";
}

std::string staff_of(const impact::FunctionReport& f) {
  if (!f.staff) return "";
  const int64_t available = f.staff_available.value_or(*f.staff);
  return fmt::format("{} of {} staff available", available, *f.staff);
}

// "17 staff: 2 can work, 13 idle (their function is down), 2 absent".
std::string heads(int64_t staff, int64_t available, int64_t working) {
  if (staff == 0) return "";
  const int64_t idle = available - working, absent = staff - available;
  if (working == staff) return fmt::format("{}, all can work", plural(staff, "person", "people"));
  if (working == 0 && absent == 0) {
    return fmt::format("{}, none can work (their function is down)",
                       plural(staff, "person", "people"));
  }
  std::vector<std::string> parts;
  parts.push_back(working == 0 ? "none can work" : fmt::format("{} can work", working));
  if (idle) parts.push_back(fmt::format("{} idle (their function is down)", idle));
  if (absent) parts.push_back(fmt::format("{} absent", absent));
  return fmt::format("{}: {}", plural(staff, "person", "people"), join(parts, ", "));
}

std::string md_cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += "<br>";
    else out += c;
  }
  return out;
}

std::string render_text(const impact::Report& r, bool md, const Style& st) {
  std::string out;
  int64_t down = 0, degraded = 0;
  for (const auto& [ref, s] : r.states) {
    down += s == impact::State::kDown;
    degraded += s == impact::State::kDegraded;
  }
  const std::string section = md ? "\n### " : "\n";
  out += fmt::format("{}{} — {}: {} down, {} degraded\n", md ? "## " : "", st.bold(r.scenario),
                     when(r.duration), plural(down, "node", "nodes"), degraded);
  if (r.functions.empty()) return out + "\nEvery business function stays up.\n";
  int64_t fn_down = 0;
  for (const auto& f : r.functions) fn_down += f.state == impact::State::kDown;
  out += fmt::format("{}{} down, {} degraded{}\n", md ? "\n" : "",
                     plural(fn_down, "business function", "business functions"),
                     static_cast<int64_t>(r.functions.size()) - fn_down,
                     r.staff_affected ? "; " + heads(r.staff_affected, r.staff_available,
                                                     r.staff_working)
                                      : "");

  if (md) {
    out += "\n| function | state | down for | RTO | MTPD | staff | why | mitigations in use | "
           "planned, would have helped |\n|---|---|---|---|---|---|---|---|---|\n";
  } else {
    out += "\n";
  }
  for (const auto& f : r.functions) {
    const bool is_down = f.state == impact::State::kDown;
    if (md) {
      const std::string down_for = f.down_for ? format_duration(*f.down_for) : "until restored";
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", f.id,
                         is_down ? "down" : "degraded", down_for,
                         f.rto_breached ? "**breached**" : "ok",
                         f.mtpd_breached ? "**breached**" : "ok", staff_of(f),
                         md_cell(join(f.because, "<br>")), join(f.mitigations_used, ", "),
                         join(f.mitigation_gaps, ", "));
      continue;
    }
    out += fmt::format("{} is {}", st.bold(f.id), state_text(f, st));
    if (const std::string b = breaches(f); !b.empty()) out += " — " + st.red(b);
    if (f.staff) out += " (" + staff_of(f) + ")";
    out += '\n';
    for (const auto& b : f.because) out += "    " + b + "\n";
    if (!f.mitigations_used.empty()) {
      out += "    " + st.green("mitigations in use: ") + join(f.mitigations_used, ", ") + "\n";
    }
    if (!f.mitigation_gaps.empty()) {
      out += "    " + st.dim("planned, would have helped: ") + join(f.mitigation_gaps, ", ") + "\n";
    }
  }

  if (!r.recovery_order.empty()) {
    out += section + st.bold("Restore first") + "\n" + (md ? "\n" : "");
    const size_t shown = std::min(r.recovery_order.size(), kRestoreShown);
    for (size_t i = 0; i < shown; ++i) {
      const auto& step = r.recovery_order[i];
      const std::string number = md ? fmt::format("{}.", i + 1) : fmt::format("  {:>2}.", i + 1);
      out += fmt::format("{} {} ({}{}{})\n", number, step.function, impact::to_string(step.state),
                         step.rto ? ", RTO " + format_duration(*step.rto) : "",
                         step.criticality.empty() ? "" : ", " + step.criticality);
    }
    if (shown < r.recovery_order.size()) {
      std::vector<std::string> rest;
      for (size_t i = shown; i < r.recovery_order.size(); ++i) {
        rest.push_back(r.recovery_order[i].function);
      }
      out += fmt::format("{}… and {} more: {}\n", md ? "\n" : "      ",
                         r.recovery_order.size() - shown, join(rest, ", "));
    }
  }

  if (!r.business_units.empty()) {
    out += section + st.bold("Business units hit") + "\n" + (md ? "\n" : "");
    for (const auto& u : r.business_units) {
      std::vector<std::string> fns;
      for (const auto& id : u.functions) {
        bool down_fn = false;
        for (const auto& f : r.functions) down_fn = down_fn || (f.id == id && f.state == impact::State::kDown);
        fns.push_back(down_fn ? id + " (down)" : id);
      }
      const std::string people = heads(u.staff, u.staff_available, u.staff_working);
      out += fmt::format("{}{}: {}{}\n", md ? "- " : "  ", u.business_unit, join(fns, ", "),
                         people.empty() ? "" : " — " + people);
    }
  }
  if (!r.locations.empty()) {
    std::vector<std::string> locs;
    for (const auto& [id, s] : r.locations) locs.push_back(id + " " + impact::to_string(s));
    out += "\n" + (md ? std::string("**Locations**") : st.bold("Locations")) + ": " +
           join(locs, ", ") + "\n";
  }
  if (!r.cycles.empty()) {
    out += fmt::format("\n{} (restoring them may need a manual bootstrap)\n",
                       plural(static_cast<int64_t>(r.cycles.size()), "requirement cycle",
                              "requirement cycles"));
    for (const auto& c : r.cycles) out += (md ? "- " : "  ") + join(c, " ⇄ ") + "\n";
  }
  return out;
}

// "in 25m", "23m ago"
std::string relative(int64_t at, int64_t now) {
  const int64_t minutes = (at - now) / 60'000;
  return minutes >= 0 ? "in " + format_duration(Duration{minutes})
                      : format_duration(Duration{-minutes}) + " ago";
}

int run_live(const ImpactOptions& o) {
  if (!o.source.paths.empty() || o.source.rev != 0 || !o.query.empty() || !o.query.duration.empty()) {
    return report_bad_input("--live reports the live disruption of the store's incidents: give "
                            "no model files, --rev or disruption options with it");
  }
  SystemClock clock;
  auto svc = open_service(o.source.db.empty() ? default_db_url() : o.source.db, clock);
  if (!svc) return report(svc.error());
  const app::LiveImpact live = (*svc)->live_impact();
  if (o.json) {
    if (auto w = write_stdout(app::live_impact_to_json(live)); !w) return report(w.error());
    return kExitOk;
  }
  const Style st = o.format == "markdown" ? Style(false) : Style::for_stdout();
  const int64_t now = live.as_of_ms;
  std::string text = "Live impact as of " + format_utc(now) + "\n";
  for (const auto& s : live.sources) {
    if (s.unknown_since_ms) {
      text += st.red("Health of " + s.provider + " unknown since " + format_utc(*s.unknown_since_ms)) +
              " — its services keep their last known state\n";
    }
  }
  if (live.incidents.empty() && live.disruption.empty()) {
    text += "No active incident and nothing declared: every function is up.\n";
    if (auto w = write_stdout(text); !w) return report(w.error());
    return kExitOk;
  }
  text += "\nActive incidents\n";
  for (const auto& i : live.incidents) {
    text += fmt::format("  {:<12} {}{}\n", i.id, i.title,
                        i.overdue ? "  " + st.red("update overdue") : "");
  }
  text += "\n" + render_text(live.report, o.format == "markdown", st);
  text += "\nTime left (if nothing changes)\n";
  for (const auto& f : live.functions) {
    std::string left;
    if (f.rto_breach_ms) left += "RTO " + (*f.rto_breach_ms < now ? st.red("breached " + relative(*f.rto_breach_ms, now)) : "breached " + relative(*f.rto_breach_ms, now));
    if (f.mtpd_breach_ms) left += (left.empty() ? "" : ", ") + std::string("MTPD ") + (*f.mtpd_breach_ms < now ? st.red("breached " + relative(*f.mtpd_breach_ms, now)) : "breached " + relative(*f.mtpd_breach_ms, now));
    if (left.empty()) left = f.state == impact::State::kDown ? "no objective given" : "degraded: no breach while it holds";
    std::string who = f.owner_name.empty() ? f.owner : f.owner_name;
    text += fmt::format("  {:<24} {} since {}; {}{}\n", f.id, impact::to_string(f.state),
                        format_utc(f.since_ms), left,
                        who.empty() ? "" : "; owner " + who + (f.business_unit.empty() ? "" : " (" + f.business_unit + ")"));
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

int run_impact(const ImpactOptions& o) {
  if (o.format != "table" && o.format != "markdown") {
    return report_bad_input(fmt::format("--format '{}': expected table or markdown", o.format));
  }
  if (o.live) return run_live(o);
  auto m = load_source(o.source);
  if (!m) return report(m.error());
  const auto g = impact::CompiledGraph::compile(*m);
  auto d = impact::build_disruption(g, *m, o.query, "--");
  if (!d) return report(d.error());
  impact::Engine engine(g);
  const auto report_ = impact::make_report(g, engine.run(d->first), d->second);
  std::string text = o.json
                         ? impact::report_to_json(report_)
                         : render_text(report_, o.format == "markdown",
                                       o.format == "markdown" ? Style(false) : Style::for_stdout());
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

// One column per scenario, one row per function: the state at the end ('.' up, 'd' degraded,
// 'D' down), then 'r' when the function was down past its RTO and 'm' past its MTPD, whatever
// its state at the end; a legend follows the matrix.
std::string matrix_cell(const impact::FunctionReport* f, const Style& st) {
  if (f == nullptr) return "  .";
  const bool down = f->state == impact::State::kDown;
  std::string marks = std::string(f->rto_breached ? "r" : "") + (f->mtpd_breached ? "m" : "");
  const std::string cell = std::string(down ? "D" : "d") + marks;
  const std::string pad(3 - cell.size(), ' ');
  if (!marks.empty()) return pad + st.red(cell);
  return pad + (down ? st.red(cell) : st.yellow(cell));
}

int run_scenarios(const Source& s) {
  auto m = load_source(s);
  if (!m) return report(m.error());
  const auto g = impact::CompiledGraph::compile(*m);
  impact::Engine engine(g);
  std::vector<impact::Report> reports;
  for (const auto& sce : m->scenarios) {
    auto d = impact::disruption_from_scenario(g, sce);
    if (!d) return report(d.error());
    reports.push_back(impact::make_report(g, engine.run(*d), sce.id));
  }
  const Style st = Style::for_stdout();
  std::string text = fmt::format("{:<28}", "function \\ scenario");
  for (size_t i = 0; i < reports.size(); ++i) text += fmt::format(" {:>3}", i + 1);
  text += '\n';
  for (const auto& f : m->functions) {
    text += fmt::format("{:<28}", f.id.substr(0, 27));
    for (const auto& r : reports) {
      const impact::FunctionReport* hit = nullptr;
      for (const auto& fr : r.functions) hit = fr.id == f.id ? &fr : hit;
      text += " " + matrix_cell(hit, st);
    }
    text += '\n';
  }
  text += "\n  .  up    d  degraded    D  down          (the state at the end of the scenario)\n"
          "  r  down longer than its RTO    m  down longer than its MTPD    (even if it ends "
          "degraded)\n\n";
  for (size_t i = 0; i < reports.size(); ++i) {
    text += fmt::format("{:>3}  {} ({})\n", i + 1, reports[i].scenario, when(reports[i].duration));
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

}  // namespace

void add_impact_commands(CLI::App& root, Commands& out) {
  auto o = std::make_shared<ImpactOptions>();
  CLI::App* cmd = root.add_subcommand("impact", "Show what a disruption takes down, and why");
  add_source_options(*cmd, o->source);
  cmd->add_option("-s,--scenario", o->query.scenario, "a scenario of the model")->type_name("ID");
  cmd->add_option("--down", o->query.down, "nodes that are down (a service, feature, location...)")
      ->type_name("REF");
  cmd->add_option("--degraded", o->query.degraded,
                  "nodes that run degraded, not down (at best degraded: Teams meetings slow)")
      ->type_name("REF");
  cmd->add_option("--workforce", o->query.workforce,
                  "share of the workforce out, optionally scoped: 40%, 50%@hq, 30%@sales")
      ->type_name("P%[@SCOPE]");
  cmd->add_option("--duration", o->query.duration,
                  "how long it lasts (default: the scenario's, else "
                  "open-ended)")
      ->type_name("DURATION");
  cmd->add_flag("--json", o->json, "print the impact report as JSON");
  cmd->add_flag("--live", o->live,
                "the live impact: every active incident and the status declaration of the store");
  cmd->add_option("--format", o->format, "table (default) or markdown")->type_name("FORMAT");
  set_help(*cmd,
           {.usage = "ebcm impact [MODEL... | --db URL [--rev N]] (--scenario ID | --down REF... | "
                     "--degraded REF... | --workforce P%[@SCOPE] | --live [--db URL]) [--duration D] "
                     "[--json | --format table|markdown]",
            .details = "Works out, by the rules of the model format, which business functions go "
                       "down or run degraded, why (the chain of causes), which mitigations carry "
                       "them and which planned ones would have, and whether each breaches its RTO "
                       "and MTPD within the duration. Disruptions combine: --down, --degraded and "
                       "--workforce may be given together and with --scenario; where a node is "
                       "named both down and degraded, down wins. The model is read from the "
                       "files given, or else from the store.",
            .examples = {{"ebcm impact --scenario mapi-outage", "a scenario of the stored model"},
                         {"ebcm impact examples/contoso.yaml --down adfs --duration 8h", ""},
                         {"ebcm impact --degraded teams/meetings", "Teams meetings degraded"},
                         {"ebcm impact --workforce 40% --json", "a pandemic wave, as JSON"}},
            .exit_statuses = {{0, "the report was printed"},
                              {2, "an invalid model, an unknown node or scenario, bad options"},
                              {3, "the store could not be read"}}});
  out.push_back({cmd, [o] { return run_impact(*o); }});

  auto s = std::make_shared<Source>();
  CLI::App* sc =
      root.add_subcommand("scenarios", "Run every scenario: a function × scenario matrix");
  add_source_options(*sc, *s);
  set_help(*sc, {.usage = "ebcm scenarios [MODEL... | --db URL [--rev N]]",
                 .details = "Runs each scenario of the model and prints, per function, its state "
                            "at the end of each scenario: '.' up, 'd' degraded, 'D' down, followed by "
                            "'r' when it was down longer than its RTO and 'm' longer than its "
                            "MTPD (also when it ends degraded). A legend follows the matrix.",
                 .examples = {{"ebcm scenarios", ""}, {"ebcm scenarios examples/contoso.yaml", ""}},
                 .exit_statuses = {{0, "the matrix was printed"}, {2, "an invalid model"}}});
  out.push_back({sc, [s] { return run_scenarios(*s); }});
}

}  // namespace ebcm::cli
