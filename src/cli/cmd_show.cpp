// show: one node (or person, business unit, mitigation, scenario) with what it depends on and
// what depends on it.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/show.hpp"
#include "cli/store_access.hpp"
#include "core/strings.hpp"
#include "model/graph.hpp"

namespace ebcm::cli {
namespace {

namespace json = boost::json;

struct ShowOptions {
  std::string id;
  std::string db;
  int64_t rev = 0;
  std::string kind;  // "" any, node, person, business_unit, mitigation, scenario
  bool json = false;
};

template <class T>
const T* find_by_id(const std::vector<T>& items, const std::string& id) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.id == id; });
  return it == items.end() ? nullptr : &*it;
}

// Every entity `id` names, nodes first (people, units, mitigations and scenarios have
// namespaces of their own, so one id can name several).
std::vector<show::Rendered> lookup(const show::Context& ctx, const std::string& id,
                                   const std::string& kind) {
  std::vector<show::Rendered> found;
  auto wanted = [&](std::string_view k) { return kind.empty() || kind == k; };
  if (wanted("node")) {
    if (const model::NodeRef* n = ctx.index.find(id)) found.push_back(show::render_node(ctx, *n));
  }
  if (wanted("person")) {
    if (const auto* p = find_by_id(ctx.model.people, id)) {
      found.push_back(show::render_person(ctx, *p));
    }
  }
  if (wanted("business_unit")) {
    if (const auto* u = find_by_id(ctx.model.business_units, id)) {
      found.push_back(show::render_unit(ctx, *u));
    }
  }
  if (wanted("mitigation")) {
    if (const auto* m = find_by_id(ctx.model.mitigations, id)) {
      found.push_back(show::render_mitigation(ctx, *m));
    }
  }
  if (wanted("scenario")) {
    if (const auto* s = find_by_id(ctx.model.scenarios, id)) {
      found.push_back(show::render_scenario(ctx, *s));
    }
  }
  return found;
}

std::string not_found_message(const show::Context& ctx, const std::string& id) {
  std::vector<std::string_view> candidates = ctx.index.refs();
  for (const auto& p : ctx.model.people) candidates.push_back(p.id);
  for (const auto& u : ctx.model.business_units) candidates.push_back(u.id);
  for (const auto& m : ctx.model.mitigations) candidates.push_back(m.id);
  for (const auto& s : ctx.model.scenarios) candidates.push_back(s.id);
  const std::string guess = closest_match(id, candidates);
  if (!guess.empty()) return fmt::format("no node '{}' — did you mean '{}'?", id, guess);
  return fmt::format(
      "no node '{}': give the id of a function, service, feature (service/feature), location, "
      "person, business unit, mitigation or scenario",
      id);
}

int run_show(const ShowOptions& o) {
  auto store = open_existing_store(o.db);
  if (!store) return report(store.error());
  Progress progress("reading");
  auto snapshot = read_snapshot(**store, o.rev, progress);
  if (!snapshot) return report(snapshot.error());
  const model::NodeIndex index(snapshot->model);
  const show::Context ctx{snapshot->model, index, snapshot->entities,
                          Style(!o.json && colour_enabled(1))};

  std::vector<show::Rendered> found = lookup(ctx, o.id, o.kind);
  if (found.empty()) {
    if (!o.kind.empty() && !lookup(ctx, o.id, "").empty()) {
      return report_bad_input(fmt::format("'{}' is not a {}", o.id, o.kind));
    }
    return report_bad_input(not_found_message(ctx, o.id));
  }
  if (found.size() > 1) {
    std::vector<std::string> kinds;
    kinds.reserve(found.size());
    for (const auto& f : found) kinds.emplace_back(f.json.at("kind").as_string());
    warn(fmt::format("'{}' names {} entities ({}); showing all, --kind picks one", o.id,
                     found.size(), join(kinds, ", ")));
  }
  std::string text;
  if (o.json) {
    text = json::serialize(found.front().json) + "\n";
    for (size_t i = 1; i < found.size(); ++i) text += json::serialize(found[i].json) + "\n";
  } else {
    for (size_t i = 0; i < found.size(); ++i) text += (i ? "\n" : "") + found[i].text;
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

}  // namespace

void add_show_command(CLI::App& root, Commands& out) {
  auto o = std::make_shared<ShowOptions>();
  CLI::App* cmd =
      root.add_subcommand("show", "Show one node: what it requires and what requires it");
  cmd->add_option("ID", o->id,
                  "a function, service, location, feature (service/feature), "
                  "person, business unit, mitigation or scenario id")
      ->required();
  add_db_option(*cmd, o->db);
  add_rev_option(*cmd, o->rev);
  cmd->add_option("--kind", o->kind,
                  "look only among node, person, business_unit, mitigation or scenario ids")
      ->type_name("KIND")
      ->check(CLI::IsMember({"node", "person", "business_unit", "mitigation", "scenario"})
                  .description(""));
  cmd->add_flag("--json", o->json, "print a JSON object (one per line if the id names several)");
  set_help(
      *cmd,
      {.usage = "ebcm show [--db URL] [--rev N] [--kind KIND] [--json] ID",
       .details = "For a function, service, feature or location: its key fields (criticality, "
                  "RTO, RPO, MTPD, owner, business unit and staff of a function; kind, provider "
                  "and features of a service), every entry of its requires (\"any of: exo/mapi, "
                  "exo/owa\" holds when one alternative does), what degrades it, the nodes that "
                  "require it or are degraded by it, and the mitigations that protect it, "
                  "replace it or use it as a stand-in. People, business units, mitigations and "
                  "scenarios show their fields and what refers to them. An unknown id gets the "
                  "closest known one as a suggestion.",
       .examples = {{"ebcm show incident-mgmt", "a business function"},
                    {"ebcm show exo/mapi", "a feature of a service"},
                    {"ebcm show --rev 2 --json payroll", "as it was in revision 2, as JSON"}},
       .exit_statuses = {{0, "shown"},
                         {2, "no such id, an empty store, or a wrong command line"},
                         {3, "the store could not be read"}}});
  out.push_back({cmd, [o] { return run_show(*o); }});
}

}  // namespace ebcm::cli
