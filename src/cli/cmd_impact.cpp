// impact and scenarios: what a disruption takes down, from a model file or a stored revision.
#include <fmt/format.h>

#include <memory>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/model_source.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
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
  bool json = false;
  std::string format = "table";
};

std::string when(const std::optional<Duration>& d) {
  return d ? format_duration(*d) : "open-ended";
}

std::string render_text(const impact::Report& r, bool markdown, const Style& st) {
  std::string out;
  int down = 0, degraded = 0;
  for (const auto& [ref, s] : r.states) {
    down += s == impact::State::kDown;
    degraded += s == impact::State::kDegraded;
  }
  out +=
      fmt::format("{}{} — {}: {} down, {} degraded\n", markdown ? "## " : "", st.bold(r.scenario),
                  when(r.duration), plural(down, "node", "nodes"), degraded);
  if (r.functions.empty()) return out + "\nEvery business function stays up.\n";
  out += markdown
             ? "\n| function | state | down for | RTO | MTPD | why |\n|---|---|---|---|---|---|\n"
             : "\n";
  for (const auto& f : r.functions) {
    const bool is_down = f.state == impact::State::kDown;
    std::string state = is_down ? st.red("down") : st.yellow("degraded");
    std::string down_for = f.down_for ? format_duration(*f.down_for) : "never back";
    std::string rto = f.rto_breached ? st.red("breached") : "ok";
    std::string mtpd = f.mtpd_breached ? st.red("breached") : "ok";
    if (markdown) {
      out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", f.id, state, down_for, rto, mtpd,
                         join(f.because, "; "));
      continue;
    }
    out += fmt::format("{} is {}", st.bold(f.id), state);
    if (is_down || f.rto_breached) out += fmt::format(", down for {}", down_for);
    if (f.rto_breached || f.mtpd_breached) {
      out += fmt::format(" — {}{}", f.rto_breached ? "RTO breached" : "",
                         f.mtpd_breached ? ", MTPD breached" : "");
    }
    if (f.staff_available) out += fmt::format(" ({} staff available)", *f.staff_available);
    out += '\n';
    for (const auto& b : f.because) out += "    " + b + "\n";
    if (!f.mitigations_used.empty()) {
      out += "    " + st.green("mitigations in use: ") + join(f.mitigations_used, ", ") + "\n";
    }
    if (!f.mitigation_gaps.empty()) {
      out += "    " + st.dim("planned, would have helped: ") + join(f.mitigation_gaps, ", ") + "\n";
    }
  }
  if (!markdown && !r.recovery_order.empty()) {
    out += "\n" + st.bold("Restore first") + "\n";
    for (size_t i = 0; i < r.recovery_order.size() && i < 10; ++i) {
      const auto& step = r.recovery_order[i];
      out +=
          fmt::format("  {:>2}. {} ({}{}{})\n", i + 1, step.function, impact::to_string(step.state),
                      step.rto ? ", RTO " + format_duration(*step.rto) : "",
                      step.criticality.empty() ? "" : ", " + step.criticality);
    }
  }
  if (!markdown && !r.business_units.empty()) {
    out += "\n" + st.bold("Business units hit") + "\n";
    for (const auto& u : r.business_units) {
      out += fmt::format(
          "  {}: {}{}\n", u.business_unit, join(u.functions, ", "),
          u.staff ? fmt::format(" — {} of {} staff can work", u.staff_available, u.staff) : "");
    }
  }
  if (!markdown && !r.locations.empty()) {
    std::vector<std::string> locs;
    for (const auto& [id, s] : r.locations) locs.push_back(id + " " + impact::to_string(s));
    out += "\n" + st.bold("Locations") + ": " + join(locs, ", ") + "\n";
  }
  if (!r.cycles.empty()) {
    out += fmt::format("\n{} requirement {} (restoring them may need a manual bootstrap)\n",
                       r.cycles.size(), r.cycles.size() == 1 ? "cycle" : "cycles");
  }
  return out;
}

int run_impact(const ImpactOptions& o) {
  if (o.format != "table" && o.format != "markdown") {
    return report_bad_input(fmt::format("--format '{}': expected table or markdown", o.format));
  }
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

// One column per scenario, one row per function: '.' up, 'd' degraded, 'D' down, '!' RTO breached.
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
  for (size_t i = 0; i < reports.size(); ++i) text += fmt::format(" {:>2}", i + 1);
  text += '\n';
  for (const auto& f : m->functions) {
    text += fmt::format("{:<28}", f.id.substr(0, 27));
    for (const auto& r : reports) {
      std::string cell = ".";
      for (const auto& fr : r.functions) {
        if (fr.id != f.id) continue;
        cell = fr.state == impact::State::kDegraded ? st.yellow("d")
               : fr.rto_breached                    ? st.red("!")
                                                    : st.red("D");
      }
      text += "  " + cell;
    }
    text += '\n';
  }
  text += "\n";
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
  cmd->add_option("--workforce", o->query.workforce,
                  "share of the workforce out, optionally scoped: 40%, 50%@hq, 30%@sales")
      ->type_name("P%[@SCOPE]");
  cmd->add_option("--duration", o->query.duration,
                  "how long it lasts (default: the scenario's, else "
                  "open-ended)")
      ->type_name("DURATION");
  cmd->add_flag("--json", o->json, "print the impact report as JSON");
  cmd->add_option("--format", o->format, "table (default) or markdown")->type_name("FORMAT");
  set_help(*cmd,
           {.usage = "ebcm impact [MODEL... | --db URL [--rev N]] (--scenario ID | --down REF... | "
                     "--workforce P%[@SCOPE]) [--duration D] [--json | --format table|markdown]",
            .details = "Works out, by the rules of the model format, which business functions go "
                       "down or run degraded, why (the chain of causes), which mitigations carry "
                       "them and which planned ones would have, and whether each breaches its RTO "
                       "and MTPD within the duration. Disruptions combine: --down and --workforce "
                       "may be given together and with --scenario. The model is read from the "
                       "files given, or else from the store.",
            .examples = {{"ebcm impact --scenario mapi-outage", "a scenario of the stored model"},
                         {"ebcm impact examples/contoso.yaml --down adfs --duration 8h", ""},
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
                            "at the end of each scenario: '.' up, 'd' degraded, 'D' down, '!' down "
                            "past its RTO.",
                 .examples = {{"ebcm scenarios", ""}, {"ebcm scenarios examples/contoso.yaml", ""}},
                 .exit_statuses = {{0, "the matrix was printed"}, {2, "an invalid model"}}});
  out.push_back({sc, [s] { return run_scenarios(*s); }});
}

}  // namespace ebcm::cli
