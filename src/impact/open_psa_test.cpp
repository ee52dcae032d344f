// The Open-PSA export against our own analysis: on acyclic generated models, SCRAM's minimal
// cut sets of order 1 and 2 for each function must be exactly its singles and pairs (spof.hpp).
#include "impact/open_psa.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "impact/spof.hpp"
#include "impact/test_support.hpp"
#include "model/load.hpp"
#include "model/validate.hpp"

namespace ebcm::impact {
namespace {

using testing_support::run_command;

TEST(OpenPsa, NamesAreValidIdentifiersAndRoundTrip) {
  for (std::string ref : {"exo/mapi", "a.b-c", "9lives", "x--y-", "n.1x", "a./b", "site-0"}) {
    const std::string name = open_psa_name(ref);
    EXPECT_EQ(ref_from_open_psa_name(name), ref) << name;
    EXPECT_EQ(name.find_first_of("./"), std::string::npos) << name;
    EXPECT_EQ(name.find("--"), std::string::npos) << name;
    EXPECT_NE(name.back(), '-') << name;
    EXPECT_TRUE(std::isalpha(static_cast<unsigned char>(name[0]))) << name;
  }
  EXPECT_EQ(open_psa_name("exo/mapi"), "exo__mapi");
}

// Per top gate (FN_...), the products SCRAM found, each as sorted refs.
std::map<std::string, std::set<std::vector<std::string>>> parse_report(const std::string& xml) {
  std::map<std::string, std::set<std::vector<std::string>>> out;
  std::string top;
  std::vector<std::string> product;
  std::istringstream in(xml);
  auto attr = [](const std::string& line) {
    const auto a = line.find("name=\"") + 6;
    return line.substr(a, line.find('"', a) - a);
  };
  for (std::string line; std::getline(in, line);) {
    if (line.find("<sum-of-products") != std::string::npos) {
      top = ref_from_open_psa_name(attr(line).substr(3));  // FN_
      out[top];
    } else if (line.find("<product") != std::string::npos) {
      product.clear();
    } else if (line.find("<basic-event") != std::string::npos) {
      product.push_back(ref_from_open_psa_name(attr(line)));
    } else if (line.find("</product>") != std::string::npos) {
      std::sort(product.begin(), product.end());
      out[top].insert(product);
    }
  }
  return out;
}

TEST(OpenPsa, ScramMinimalCutSetsAreSinglesAndPairs) {
  if (!std::filesystem::exists("/usr/bin/scram")) GTEST_SKIP() << "scram is not installed";
  if (!testing_support::generated_model("--functions 2 --services 1 --people 1")) {
    GTEST_SKIP() << "python3 or gen-model.py not available";
  }
  const auto dir =
      std::filesystem::temp_directory_path() / ("ebcm-open-psa-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  size_t singles_seen = 0, pairs_seen = 0;
  for (int seed = 1; seed <= 4; ++seed) {
    const auto text = testing_support::generated_model(
        "--functions 40 --services 15 --people 5 --seed " + std::to_string(seed));
    ASSERT_TRUE(text);
    auto loaded = model::load_text(*text, model::Format::kJson, "gen.json");
    model::validate(loaded.model, loaded.diagnostics);
    ASSERT_FALSE(loaded.diagnostics.has_errors());
    const auto g = CompiledGraph::compile(loaded.model);
    ASSERT_TRUE(g.cycles.empty()) << "the comparison holds on acyclic models";
    const auto file = (dir / ("model" + std::to_string(seed) + ".xml")).string();
    const auto report = (dir / ("report" + std::to_string(seed) + ".xml")).string();
    std::ofstream(file) << to_open_psa(g);
    ASSERT_TRUE(
        run_command("/usr/bin/scram --mocus --limit-order 2 " + file + " -o " + report + " 2>&1"))
        << "scram rejected " << file;
    std::ifstream in(report);
    const auto cuts = parse_report(std::string(std::istreambuf_iterator<char>(in), {}));
    const auto singles = single_points_of_failure(g);
    for (uint32_t f = 0; f < g.size(); ++f) {
      if (!g.is_function(f)) continue;
      std::set<std::vector<std::string>> expected;
      for (uint32_t n : singles[f]) expected.insert({g.refs[n]});
      for (auto [a, b] : pairs_for_function(g, f, singles[f])) {
        expected.insert({std::min(g.refs[a], g.refs[b]), std::max(g.refs[a], g.refs[b])});
        ++pairs_seen;
      }
      singles_seen += singles[f].size();
      ASSERT_TRUE(cuts.count(g.refs[f])) << "no top gate for " << g.refs[f];
      EXPECT_EQ(cuts.at(g.refs[f]), expected) << "seed " << seed << ", function " << g.refs[f];
    }
  }
  std::filesystem::remove_all(dir);
  EXPECT_GT(singles_seen, 0u);
  EXPECT_GT(pairs_seen, 0u);
}

}  // namespace
}  // namespace ebcm::impact
