// summary: what the store holds at a revision, at a glance.
#include <fmt/format.h>

#include <map>

#include <memory>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/store_access.hpp"
#include "core/clock.hpp"
#include "core/duration.hpp"

namespace ebcm::cli {
namespace {

constexpr size_t kTableRows = 40;

struct SummaryOptions {
  std::string db;
  int64_t rev = 0;
  bool all = false;
};

std::string counts_text(const model::Model& m) {
  size_t processes = 0, features = 0;
  for (const auto& f : m.functions) processes += f.parent.empty() ? 0 : 1;
  for (const auto& s : m.services) features += s.features.size();
  size_t by_status[3] = {0, 0, 0};
  for (const auto& x : m.mitigations) ++by_status[static_cast<int>(x.status)];

  std::string out;
  auto row = [&](std::string_view label, size_t n, const std::string& note = {}) {
    out += fmt::format("  {:<16}{:>7}{}\n", label, n, note.empty() ? "" : "   " + note);
  };
  row("functions", m.functions.size() - processes,
      processes ? fmt::format("top level, and {} under them",
                              plural(static_cast<int64_t>(processes), "process", "processes"))
                : "");
  row("services", m.services.size(),
      features ? fmt::format("with {}", plural(static_cast<int64_t>(features), "feature", "features"))
               : "");
  row("locations", m.locations.size());
  row("people", m.people.size());
  row("business units", m.business_units.size());
  row("mitigations", m.mitigations.size(),
      m.mitigations.empty()
          ? ""
          : fmt::format("{} validated, {} implemented, {} planned",
                        by_status[static_cast<int>(model::MitigationStatus::kValidated)],
                        by_status[static_cast<int>(model::MitigationStatus::kImplemented)],
                        by_status[static_cast<int>(model::MitigationStatus::kPlanned)]));
  row("scenarios", m.scenarios.size());
  // Critical functions that engage no call tree (their own or an ancestor's): nobody is paged.
  std::map<std::string_view, const model::Function*> by_id;
  for (const auto& f : m.functions) by_id.emplace(f.id, &f);
  size_t untreed = 0;
  for (const auto& f : m.functions) {
    if (f.criticality != model::Criticality::kCritical) continue;
    const model::Function* at = &f;
    for (int depth = 0; at && at->call_tree.empty() && depth < 64; ++depth) {
      auto it = by_id.find(at->parent);
      at = it == by_id.end() ? nullptr : it->second;
    }
    if (!at) ++untreed;
  }
  row("call trees", m.call_trees.size(),
      untreed ? fmt::format("{} without one", plural(static_cast<int64_t>(untreed),
                                                     "critical function", "critical functions"))
              : "");
  return out;
}

std::string functions_table(const model::Model& m, const Style& style, bool all) {
  struct Row {
    std::string id, criticality, rto, mtpd, owner, name;
  };
  std::vector<Row> rows;
  size_t total = 0;
  for (const auto& f : m.functions) {
    if (!f.parent.empty()) continue;
    ++total;
    if (!all && rows.size() >= kTableRows) continue;
    auto dur = [&](const std::optional<Duration>& d) {
      return d ? format_duration(*d) : std::string("-");
    };
    rows.push_back({f.id, f.criticality ? model::to_string(*f.criticality) : "-",
                    f.bia ? dur(f.bia->rto) : "-", f.bia ? dur(f.bia->mtpd) : "-",
                    f.owner.empty() ? "-" : f.owner, f.name});
  }
  if (rows.empty()) return {};
  Row width{"function", "criticality", "RTO", "MTPD", "owner", ""};
  size_t w[5] = {width.id.size(), width.criticality.size(), width.rto.size(), width.mtpd.size(),
                 width.owner.size()};
  for (const auto& r : rows) {
    w[0] = std::max(w[0], r.id.size());
    w[1] = std::max(w[1], r.criticality.size());
    w[2] = std::max(w[2], r.rto.size());
    w[3] = std::max(w[3], r.mtpd.size());
    w[4] = std::max(w[4], r.owner.size());
  }
  auto line = [&](const Row& r) {
    return fmt::format("  {:<{}}  {:<{}}  {:>{}}  {:>{}}  {:<{}}  {}", r.id, w[0], r.criticality,
                       w[1], r.rto, w[2], r.mtpd, w[3], r.owner, w[4], r.name);
  };
  std::string out = "\n" + style.bold("top-level functions") + "\n";
  out += style.dim(line({"function", "criticality", "RTO", "MTPD", "owner", "name"})) + "\n";
  for (const auto& r : rows) out += line(r) + "\n";
  if (rows.size() < total) {
    out += style.dim(fmt::format("  ... and {} more (--all lists them all)", total - rows.size())) +
           "\n";
  }
  return out;
}

int run_summary(const SummaryOptions& o) {
  auto store = open_existing_store(o.db);
  if (!store) return report(store.error());
  Progress progress("reading");
  auto snapshot = read_snapshot(**store, o.rev, progress);
  if (!snapshot) return report(snapshot.error());
  const Style style = Style::for_stdout();
  const store::RevisionInfo& r = snapshot->revision;
  const model::Model& m = snapshot->model;

  std::string text = style.bold(fmt::format("revision {}", r.number)) +
                     (m.organization.name.empty() ? "" : " of " + m.organization.name) +
                     fmt::format(", {} by {}", format_utc(r.time_ms), r.author);
  if (!r.message.empty()) text += ": " + r.message;
  text += "\n\n" + counts_text(m) + functions_table(m, style, o.all);
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

}  // namespace

void add_summary_command(CLI::App& root, Commands& out) {
  auto o = std::make_shared<SummaryOptions>();
  CLI::App* cmd = root.add_subcommand("summary", "Summarise what the store holds");
  add_db_option(*cmd, o->db);
  add_rev_option(*cmd, o->rev);
  cmd->add_flag("--all", o->all,
                fmt::format("list every top-level function (default: the first {})", kTableRows));
  set_help(*cmd,
           {.usage = "ebcm summary [--db URL] [--rev N] [--all]",
            .details = "The revision, how many functions, services, locations, people, "
                       "business units, mitigations (by status) and scenarios the model has, and "
                       "a table of the top-level business functions with their criticality, "
                       "RTO and MTPD.",
            .examples = {{"ebcm import examples/contoso.yaml && ebcm summary", ""}},
            .exit_statuses = {{0, "shown"},
                              {2, "an empty store, no such revision, or a wrong command line"},
                              {3, "the store could not be read"}}});
  out.push_back({cmd, [o] { return run_summary(*o); }});
}

}  // namespace ebcm::cli
