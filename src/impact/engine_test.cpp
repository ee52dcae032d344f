// The compiled graph's shape, and the engine on the example model (with its timings printed).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "impact/compiled_graph.hpp"
#include "impact/engine.hpp"
#include "impact/report.hpp"
#include "model/load.hpp"

namespace ebcm::impact {
namespace {

model::Model load(const std::string& yaml) {
  auto loaded = model::load_text(yaml, model::Format::kYaml, "test.yaml");
  EXPECT_FALSE(loaded.diagnostics.has_errors()) << model::format_text(loaded.diagnostics, false);
  return std::move(loaded.model);
}

TEST(CompiledGraph, NodesEntriesAndReverseEdges) {
  const auto m = load(R"(
ebcm: 1
locations: [ { id: hq, name: HQ } ]
services:
  - { id: exo, name: Exchange, requires: [ entra ], features: [ { id: mapi, name: MAPI, requires: [ laptops ] } ] }
  - { id: entra, name: Entra }
  - { id: laptops, name: Laptops }
functions:
  - { id: f, name: F, requires: [ { any: [ exo/mapi, { all: [ hq, entra ] } ] } ], degraded_by: [ laptops ] }
mitigations:
  - { id: m, for: f, replaces: exo, with: [ hq ], activation: 15m, status: implemented }
  - { id: p, for: f, replaces: exo, with: [ hq ], status: planned }
)");
  const auto g = CompiledGraph::compile(m);
  // NodeIndex order: functions, services each followed by its features, locations.
  ASSERT_EQ(g.size(), 6u);
  EXPECT_EQ(g.refs, (std::vector<std::string>{"f", "exo", "exo/mapi", "entra", "laptops", "hq"}));
  const uint32_t f = g.find("f"), mapi = g.find("exo/mapi"), exo = g.find("exo");
  EXPECT_EQ(g.find("nope"), kNone);
  EXPECT_EQ(g.owner_service[mapi], exo);
  // The feature carries its service's entry (entra) first, then its own (laptops).
  ASSERT_EQ(g.entry_begin[mapi + 1] - g.entry_begin[mapi], 2u);
  EXPECT_EQ(g.exprs[g.entries[g.entry_begin[mapi]]].a, g.find("entra"));
  EXPECT_EQ(g.exprs[g.entries[g.entry_begin[mapi] + 1]].a, g.find("laptops"));
  // f's one entry: any over [ref, all[ref, ref]], children contiguous.
  ASSERT_EQ(g.entry_begin[f + 1] - g.entry_begin[f], 1u);
  const Expr& any = g.exprs[g.entries[g.entry_begin[f]]];
  ASSERT_EQ(any.op, Expr::Op::kAny);
  ASSERT_EQ(any.b - any.a, 2u);
  EXPECT_EQ(g.exprs[any.a].a, mapi);
  EXPECT_EQ(g.exprs[any.a + 1].op, Expr::Op::kAll);
  // Dependents of hq: f (through its requires and its mitigation's `with`, once).
  const uint32_t hq = g.find("hq");
  ASSERT_EQ(g.dep_begin[hq + 1] - g.dep_begin[hq], 1u);
  EXPECT_EQ(g.dependents[g.dep_begin[hq]], f);
  // laptops is read by exo/mapi (requires) and f (degraded_by).
  EXPECT_EQ(g.dep_begin[g.find("laptops") + 1] - g.dep_begin[g.find("laptops")], 2u);
  ASSERT_EQ(g.mit_begin[f + 1] - g.mit_begin[f], 1u);
  EXPECT_EQ(g.mits[g.mit_begin[f]].activation, 15);
  ASSERT_EQ(g.gap_begin[f + 1] - g.gap_begin[f], 1u);
  EXPECT_TRUE(g.cycles.empty());
}

TEST(CompiledGraph, UnresolvedReferencesAreSkipped) {
  // Not validated on purpose: the engine must not crash on what validation would reject.
  const auto m = load(R"(
ebcm: 1
services: [ { id: a, name: A, requires: [ ghost, { any: [ ghost2 ] } ], degraded_by: [ ghost3 ] } ]
functions: [ { id: f, name: F, requires: [ a ], business_unit: nobody, staff: { normal: 2, minimum: 1 } } ]
mitigations: [ { id: m, for: f, replaces: ghost, with: [ a ], status: implemented } ]
scenarios: [ { id: s, name: S, disrupt: [ { node: ghost } ] } ]
)");
  const auto g = CompiledGraph::compile(m);
  Engine e(g);
  // The any with only an unresolved alternative holds (an empty all stands in for it).
  const Impact i = e.run(DisruptionSet{{g.find("a")}, {{50, kNone, kNone}}, std::nullopt});
  EXPECT_EQ(i.state_of(g.find("f")), State::kDown);
  auto bad = disruption_from_scenario(g, m.scenarios[0]);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kNotFound);
}

TEST(Engine, ContosoScenariosWithTimings) {
  auto loaded = model::load_paths({std::string(EBCM_SOURCE_DIR) + "/examples/contoso.yaml"});
  ASSERT_FALSE(loaded.diagnostics.has_errors());
  using clock = std::chrono::steady_clock;
  auto t0 = clock::now();
  const auto g = CompiledGraph::compile(loaded.model);
  auto t1 = clock::now();
  Engine engine(g);
  std::printf("contoso: %u nodes, compile %.1f us\n", g.size(),
              std::chrono::duration<double, std::micro>(t1 - t0).count());
  for (const auto& s : loaded.model.scenarios) {
    auto d = disruption_from_scenario(g, s);
    ASSERT_TRUE(d.ok()) << d.error().message;
    auto a = clock::now();
    const Impact impact = engine.run(*d);
    auto b = clock::now();
    const std::string json = report_to_json(make_report(g, impact, s.id));
    auto c = clock::now();
    std::printf("  %-24s reached %3zu, run %7.1f us, report+json %7.1f us\n", s.id.c_str(),
                impact.nodes.size(), std::chrono::duration<double, std::micro>(b - a).count(),
                std::chrono::duration<double, std::micro>(c - b).count());
    EXPECT_NE(json.find("\"scenario\":\"" + s.id + "\""), std::string::npos);
  }
}

}  // namespace
}  // namespace ebcm::impact
