// spof: single points of failure (and pairs) of every function, on the open-ended end state.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/model_source.hpp"
#include "cli/output.hpp"
#include "core/strings.hpp"
#include "impact/compiled_graph.hpp"
#include "impact/query.hpp"

namespace ebcm::cli {
namespace {

struct SpofOptions {
  Source source;
  impact::SpofQuery query;
  bool json = false;
};

std::string list_some(const std::vector<std::string>& items, size_t shown) {
  if (items.size() <= shown) return join(items, ", ");
  std::vector<std::string> head(items.begin(), items.begin() + static_cast<ptrdiff_t>(shown));
  return join(head, ", ") + fmt::format(", … and {} more", items.size() - shown);
}

std::string render_text(const impact::SpofAnswer& r, const impact::CompiledGraph& g,
                        const SpofOptions& o, const Style& st) {
  std::string out;
  if (!o.query.function.empty()) {
    out += r.singles[0].empty()
               ? fmt::format("{}: no single point of failure — no node alone takes it down\n",
                             st.bold(o.query.function))
               : fmt::format("{}: {} — taken down alone by {}\n", st.bold(o.query.function),
                             plural(static_cast<int64_t>(r.singles[0].size()),
                                    "single point of failure", "single points of failure"),
                             join(r.singles[0], ", "));
  } else {
    // Rank nodes by how many of the analysed functions each takes down alone.
    std::vector<std::vector<std::string>> takes(g.size());
    for (size_t i = 0; i < r.functions.size(); ++i) {
      for (const auto& s : r.singles[i]) takes[g.find(s)].push_back(g.refs[r.functions[i]]);
    }
    std::vector<uint32_t> order;
    for (uint32_t n = 0; n < g.size(); ++n) {
      if (!takes[n].empty()) order.push_back(n);
    }
    std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return takes[a].size() != takes[b].size() ? takes[a].size() > takes[b].size()
                                                : g.refs[a] < g.refs[b];
    });
    const size_t shown =
        o.query.top == 0 ? order.size() : std::min<size_t>(o.query.top, order.size());
    out += fmt::format("Single points of failure of {}, by how many each takes down alone:\n",
                       plural(static_cast<int64_t>(r.functions.size()), "function", "functions"));
    for (size_t i = 0; i < shown; ++i) {
      auto& fs = takes[order[i]];
      std::sort(fs.begin(), fs.end());
      out += fmt::format("{:>7}  {}  {}\n", fs.size(), st.bold(g.refs[order[i]]),
                         st.dim(list_some(fs, 8)));
    }
    if (shown < order.size()) {
      out += fmt::format(
          "({} more {} down at least one function; --top 0 lists all, "
          "--json gives every list)\n",
          order.size() - shown, order.size() - shown == 1 ? "node takes" : "nodes take");
    }
  }
  if (o.query.pairs) {
    size_t total = 0;
    std::string lines;
    for (size_t i = 0; i < r.functions.size(); ++i) {
      if (r.pairs[i].empty()) continue;
      total += r.pairs[i].size();
      std::vector<std::string> ps;
      for (const auto& [a, b] : r.pairs[i]) ps.push_back(a + " + " + b);
      lines += fmt::format("  {}: {}\n", st.bold(g.refs[r.functions[i]]), list_some(ps, 8));
    }
    out += fmt::format("\n{} (neither node alone takes the function down){}\n",
                       plural(static_cast<int64_t>(total), "pair", "pairs"), total ? ":" : "");
    out += lines;
  }
  return out;
}

int run_spof(const SpofOptions& o) {
  auto m = load_source(o.source);
  if (!m) return report(m.error());
  const auto g = impact::CompiledGraph::compile(*m);
  auto r = impact::answer_spof(g, *m, o.query, "--");
  if (!r) return report(r.error());
  const std::string text =
      o.json ? impact::spof_to_json(g, *r) : render_text(*r, g, o, Style::for_stdout());
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

}  // namespace

void add_spof_command(CLI::App& root, Commands& out) {
  auto o = std::make_shared<SpofOptions>();
  CLI::App* cmd =
      root.add_subcommand("spof", "Single points of failure: what alone takes each function down");
  add_source_options(*cmd, o->source);
  cmd->add_option("--criticality", o->query.criticality, "only functions of this criticality")
      ->type_name("LEVEL");
  cmd->add_option("--function", o->query.function,
                  "only this function (with --pairs: all its pairs)")
      ->type_name("ID");
  cmd->add_flag("--pairs", o->query.pairs,
                "also pairs of nodes that together take a function down");
  cmd->add_option("--top", o->query.top,
                  "how many nodes to rank, and to pair from without --function (default 20; "
                  "0: all)")
      ->type_name("K");
  cmd->add_flag("--json", o->json, "print {function: {singles, pairs}} as JSON");
  set_help(
      *cmd,
      {.usage = "ebcm spof [MODEL... | --db URL [--rev N]] [--criticality LEVEL] [--function ID] "
                "[--pairs] [--top K] [--json]",
       .details =
           "For every business function, the nodes (services, features, locations, functions) "
           "whose loss alone takes it down for good: the disruption open-ended, so every "
           "implemented or validated mitigation is in effect. A function is not listed as its "
           "own single point of failure (another function it requires is). The nodes are "
           "ranked by how many functions each takes down.\n\n"
           "--pairs adds pairs of nodes that together take a function down while neither alone "
           "does. With --function, every such pair of that function. Without it, the pairs of "
           "each function that include one of the K nodes the most functions depend on (--top, "
           "default 20): redundant nodes that take nothing down alone rank high there.\n\n"
           "--json prints {\"<function>\": {\"singles\": [...], \"pairs\": [[a, b], ...]}}, every "
           "list sorted; \"pairs\" is empty without --pairs.",
       .examples = {{"ebcm spof examples/contoso.yaml", "the ranking"},
                    {"ebcm spof --criticality critical --json", "critical functions, as JSON"},
                    {"ebcm spof --pairs --function incident-mgmt", "every pair of one function"}},
       .exit_statuses = {{0, "the analysis was printed"},
                         {2, "an invalid model, an unknown function or criticality, bad options"},
                         {3, "the store could not be read"}}});
  out.push_back({cmd, [o] { return run_spof(*o); }});
}

}  // namespace ebcm::cli
