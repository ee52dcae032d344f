// Single points of failure against brute force: the engine run on every single node (and, on
// small models, every pair of nodes), open-ended, must take down exactly the functions the
// bit-parallel analysis says.
#include "impact/spof.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "impact/compiled_graph.hpp"
#include "impact/engine.hpp"
#include "impact/test_support.hpp"
#include "model/load.hpp"
#include "model/validate.hpp"

namespace ebcm::impact {
namespace {

std::optional<std::string> generate(const std::string& args) {
  return testing_support::generated_model(args);
}

model::Model parse(const std::string& text, model::Format format) {
  auto loaded = model::load_text(text, format, "test");
  model::validate(loaded.model, loaded.diagnostics);
  EXPECT_FALSE(loaded.diagnostics.has_errors()) << model::format_text(loaded.diagnostics, false);
  return std::move(loaded.model);
}

// Engine::run per node, open-ended: singles by function.
std::vector<std::vector<uint32_t>> brute_singles(const CompiledGraph& g) {
  Engine engine(g);
  std::vector<std::vector<uint32_t>> out(g.size());
  for (uint32_t n = 0; n < g.size(); ++n) {
    DisruptionSet d;
    d.nodes = {n};
    const Impact imp = engine.run(d);
    for (const auto& x : imp.nodes) {
      if (g.is_function(x.node) && x.state == State::kDown) out[x.node].push_back(n);
    }
  }
  return out;
}

void expect_singles_agree(const CompiledGraph& g, const std::string& what) {
  const auto fast = single_points_of_failure(g);
  const auto slow = brute_singles(g);
  size_t total = 0;
  for (uint32_t n = 0; n < g.size(); ++n) {
    if (!g.is_function(n)) continue;
    EXPECT_EQ(fast[n], slow[n]) << what << ": singles of " << g.refs[n];
    EXPECT_TRUE(std::binary_search(fast[n].begin(), fast[n].end(), n)) << g.refs[n];
    total += fast[n].size();
  }
  EXPECT_GT(total, 0u);
}

TEST(Spof, SinglesMatchEngineOnContoso) {
  const std::string path = std::string(EBCM_SOURCE_DIR) + "/examples/contoso.yaml";
  auto loaded = model::load_and_validate({path});
  ASSERT_FALSE(loaded.diagnostics.has_errors());
  const auto g = CompiledGraph::compile(loaded.model);
  expect_singles_agree(g, "contoso");
}

TEST(Spof, SinglesMatchEngineOnGeneratedModels) {
  for (int seed = 1; seed <= 10; ++seed) {
    const bool cycles = seed % 3 == 0;
    const auto text = generate("--functions 150 --services 50 --people 20 --seed " +
                               std::to_string(seed) + (cycles ? " --cycles 0.2" : ""));
    if (!text) GTEST_SKIP() << "python3 or gen-model.py not available";
    const auto m = parse(*text, model::Format::kJson);
    const auto g = CompiledGraph::compile(m);
    expect_singles_agree(g, "seed " + std::to_string(seed));
  }
}

// The three-state corners, spelled out: a degraded alternative holds an `any`; a soft target
// down only degrades; a mitigation carries its entry unless a `with` node is down; a planned
// one never does.
TEST(Spof, HandWrittenCorners) {
  const auto m = parse(R"(
ebcm: 1
services:
  - { id: a, name: A, degraded_by: [ s ] }
  - { id: b, name: B }
  - { id: s, name: S }
  - { id: exo, name: Exo, features: [ { id: mapi, name: MAPI } ] }
  - { id: pstn, name: PSTN }
  - { id: p, name: P }
functions:
  - { id: f, name: F, requires: [ { any: [ a, b ] } ] }
  - { id: g, name: G, requires: [ exo/mapi ] }
  - { id: h, name: H, requires: [ p ] }
mitigations:
  - { id: m1, for: g, replaces: exo, with: [ pstn ], status: implemented, activation: 2h }
  - { id: m2, for: h, replaces: p, with: [ pstn ], status: planned }
)",
                       model::Format::kYaml);
  const auto g = CompiledGraph::compile(m);
  const auto singles = single_points_of_failure(g);
  auto refs = [&](const std::vector<uint32_t>& v) {
    std::vector<std::string> r;
    for (uint32_t n : v) r.push_back(g.refs[n]);
    std::sort(r.begin(), r.end());
    return r;
  };
  EXPECT_EQ(refs(singles[g.find("f")]), (std::vector<std::string>{"f"}));
  EXPECT_EQ(refs(singles[g.find("g")]), (std::vector<std::string>{"g"}));
  EXPECT_EQ(refs(singles[g.find("h")]), (std::vector<std::string>{"h", "p"}));
  const uint32_t f = g.find("f"), gg = g.find("g");
  const auto fp = pairs_for_function(g, f, singles[f]);
  ASSERT_EQ(fp.size(), 1u);
  EXPECT_EQ(refs({fp[0].first, fp[0].second}), (std::vector<std::string>{"a", "b"}));
  // exo (or exo/mapi) with pstn: the mitigation is blocked.
  std::vector<std::vector<std::string>> gp;
  for (auto [x, y] : pairs_for_function(g, gg, singles[gg])) gp.push_back(refs({x, y}));
  std::sort(gp.begin(), gp.end());
  EXPECT_EQ(gp, (std::vector<std::vector<std::string>>{{"exo", "pstn"}, {"exo/mapi", "pstn"}}));
  expect_singles_agree(g, "corners");
}

TEST(Spof, PairsMatchEngineOnSmallGeneratedModels) {
  for (int seed = 1; seed <= 6; ++seed) {
    const bool cycles = seed % 2 == 0;
    const auto text = generate("--functions 16 --services 8 --people 5 --seed " +
                               std::to_string(seed) + (cycles ? " --cycles 0.3" : ""));
    if (!text) GTEST_SKIP() << "python3 or gen-model.py not available";
    const auto m = parse(*text, model::Format::kJson);
    const auto g = CompiledGraph::compile(m);
    const auto singles = single_points_of_failure(g);
    Engine engine(g);
    std::vector<uint32_t> functions;
    for (uint32_t n = 0; n < g.size(); ++n) {
      if (g.is_function(n)) functions.push_back(n);
    }
    // Brute force: every pair of nodes, once.
    std::vector<std::vector<NodePair>> slow(g.size());
    for (uint32_t a = 0; a < g.size(); ++a) {
      for (uint32_t b = a + 1; b < g.size(); ++b) {
        DisruptionSet d;
        d.nodes = {a, b};
        const Impact imp = engine.run(d);
        for (uint32_t f : functions) {
          if (imp.state_of(f) != State::kDown) continue;
          if (std::binary_search(singles[f].begin(), singles[f].end(), a)) continue;
          if (std::binary_search(singles[f].begin(), singles[f].end(), b)) continue;
          slow[f].emplace_back(a, b);
        }
      }
    }
    size_t total = 0;
    for (uint32_t f : functions) {
      EXPECT_EQ(pairs_for_function(g, f, singles[f]), slow[f])
          << "seed " << seed << ": pairs of " << g.refs[f];
      total += slow[f].size();
    }
    EXPECT_GT(total, 0u) << "seed " << seed;
    const auto anchors = top_by_reach(g, functions, singles, 5);
    ASSERT_EQ(anchors.size(), 5u);
    const auto fast = pairs_with_anchors(g, functions, singles, anchors);
    for (uint32_t f : functions) {
      std::vector<NodePair> expected;
      for (const auto& p : slow[f]) {
        if (std::count(anchors.begin(), anchors.end(), p.first) ||
            std::count(anchors.begin(), anchors.end(), p.second)) {
          expected.push_back(p);
        }
      }
      EXPECT_EQ(fast[f], expected) << "seed " << seed << ": anchored pairs of " << g.refs[f];
    }
  }
}

}  // namespace
}  // namespace ebcm::impact
