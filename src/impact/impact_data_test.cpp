// Runs tests/impact/*.test: each file is one or more YAML documents, each a case:
//
//   model: |            # the model (YAML text); a later document without it reuses the last
//     ebcm: 1 ...
//   scenario: id        # or disrupt: [refs], degraded: [refs] (state: degraded) and/or
//                       # workforce: [{percent, location, business_unit}]
//   duration: 6h        # "open" for open-ended; default: the scenario's, else open-ended
//   expect:
//     states: {ref: up|degraded|down}
//     functions: [ids]            # exactly the functions the report lists
//     down_for: {id: 15m|open}
//     rto_breached: [ids]         # exactly the reported functions that breach
//     mtpd_breached: [ids]
//     mitigations_used: {id: [mitigation ids]}
//     mitigation_gaps: {id: [mitigation ids]}
//     because: {id: "substring" or [substrings]}   # each in some line of its `because`
//     not_because: {id: "substring" or [substrings]}   # in no line of its `because`
//     staff_available: {id: n}
//     mitigations_blocked: {id: [mitigation ids]}   # counting ones that could not stand in
//     staff: {affected: n, available: n, working: n}  # the report's head-counts
//     business_units: {unit: {staff: n, available: n, working: n, functions: [ids]}}
//     recovery_order: [function ids, in order]
//     cycles: [[ids]]
//     json: [substrings of the JSON report]
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "impact/compiled_graph.hpp"
#include "impact/engine.hpp"
#include "impact/report.hpp"
#include "model/load.hpp"
#include "model/validate.hpp"

namespace ebcm::impact {
namespace {

std::vector<std::string> test_files() {
  std::vector<std::string> out;
  const std::filesystem::path dir = std::filesystem::path(EBCM_SOURCE_DIR) / "tests" / "impact";
  if (!std::filesystem::exists(dir)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".test") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// yaml-cpp's operator[] on a missing key gives an invalid node that throws when used.
YAML::Node at(const YAML::Node& n, const char* key) {
  YAML::Node v = n[key];
  return v ? v : YAML::Node(YAML::NodeType::Undefined);
}

std::vector<std::string> seq(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n.IsScalar()) out.push_back(n.as<std::string>());
  if (n.IsSequence()) {
    for (const auto& x : n) out.push_back(x.as<std::string>());
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

const FunctionReport* find_function(const Report& r, const std::string& id) {
  for (const auto& f : r.functions) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

void check_case(const YAML::Node& doc, const model::Model& m) {
  model::Diagnostics diags;
  model::validate(m, diags);
  ASSERT_FALSE(diags.has_errors()) << model::format_text(diags, false);
  const CompiledGraph g = CompiledGraph::compile(m);

  DisruptionSet d;
  std::string name = "ad hoc";
  if (at(doc, "scenario")) {
    name = at(doc, "scenario").as<std::string>();
    const model::Scenario* s = nullptr;
    for (const auto& x : m.scenarios) s = x.id == name ? &x : s;
    ASSERT_NE(s, nullptr) << "no scenario " << name;
    auto r = disruption_from_scenario(g, *s);
    ASSERT_TRUE(r.ok()) << r.error().message;
    d = std::move(r.value());
  }
  for (const auto& ref : seq(at(doc, "disrupt"))) {
    ASSERT_NE(g.find(ref), kNone) << ref;
    d.nodes.push_back(g.find(ref));
  }
  for (const auto& ref : seq(at(doc, "degraded"))) {
    ASSERT_NE(g.find(ref), kNone) << ref;
    d.degraded.push_back(g.find(ref));
  }
  for (const auto& w : at(doc, "workforce")) {
    WorkforceDisruption x{at(w, "percent").as<int>(), kNone, kNone};
    if (at(w, "location")) x.location = g.find(at(w, "location").as<std::string>());
    if (at(w, "business_unit")) x.business_unit = g.find_business_unit(at(w, "business_unit").as<std::string>());
    d.workforce.push_back(x);
  }
  if (at(doc, "duration")) {
    const auto text = at(doc, "duration").as<std::string>();
    d.duration = text == "open" ? std::nullopt : parse_duration(text);
    ASSERT_TRUE(text == "open" || d.duration) << text;
  }

  Engine engine(g);
  const Impact impact = engine.run(d);
  const Report report = make_report(g, impact, name);
  const std::string json = report_to_json(report);
  ASSERT_NO_THROW((void)boost::json::parse(json));
  // Running again on the same engine must give the same answer (scratch reset correctly).
  EXPECT_EQ(report_to_json(make_report(g, engine.run(d), name)), json);

  const YAML::Node ex = at(doc, "expect");
  for (const auto& kv : at(ex, "states")) {
    const auto ref = kv.first.as<std::string>();
    ASSERT_NE(g.find(ref), kNone) << ref;
    EXPECT_EQ(to_string(impact.state_of(g.find(ref))), kv.second.as<std::string>()) << "state of " << ref;
  }
  std::vector<std::string> listed, rto, mtpd;
  for (const auto& f : report.functions) {
    listed.push_back(f.id);
    if (f.rto_breached) rto.push_back(f.id);
    if (f.mtpd_breached) mtpd.push_back(f.id);
  }
  if (at(ex, "functions")) {
    EXPECT_EQ(sorted(listed), sorted(seq(at(ex, "functions")))) << "functions";
  }
  if (at(ex, "rto_breached")) {
    EXPECT_EQ(sorted(rto), sorted(seq(at(ex, "rto_breached")))) << "rto_breached";
  }
  if (at(ex, "mtpd_breached")) {
    EXPECT_EQ(sorted(mtpd), sorted(seq(at(ex, "mtpd_breached")))) << "mtpd_breached";
  }
  auto each_function = [&](const char* key, auto&& check) {
    for (const auto& kv : at(ex, key)) {
      const auto id = kv.first.as<std::string>();
      const FunctionReport* f = find_function(report, id);
      if (f == nullptr) {
        ADD_FAILURE() << key << ": function " << id << " is not in the report";
        continue;
      }
      check(*f, kv.second);
    }
  };
  each_function("down_for", [](const FunctionReport& f, const YAML::Node& v) {
    EXPECT_EQ(f.down_for ? format_duration(*f.down_for) : "open", v.as<std::string>())
        << "down_for of " << f.id;
  });
  each_function("mitigations_used", [](const FunctionReport& f, const YAML::Node& v) {
    EXPECT_EQ(f.mitigations_used, seq(v)) << "mitigations_used of " << f.id;
  });
  each_function("mitigation_gaps", [](const FunctionReport& f, const YAML::Node& v) {
    EXPECT_EQ(f.mitigation_gaps, seq(v)) << "mitigation_gaps of " << f.id;
  });
  each_function("staff_available", [](const FunctionReport& f, const YAML::Node& v) {
    EXPECT_EQ(f.staff_available.value_or(-1), v.as<int64_t>()) << "staff_available of " << f.id;
  });
  each_function("because", [](const FunctionReport& f, const YAML::Node& v) {
    for (const auto& want : seq(v)) {
      bool found = false;
      for (const auto& line : f.because) found = found || line.find(want) != std::string::npos;
      std::string all;
      for (const auto& line : f.because) all += "\n  " + line;
      EXPECT_TRUE(found) << "because of " << f.id << " lacks '" << want << "'; it says:" << all;
    }
  });
  each_function("mitigations_blocked", [](const FunctionReport& f, const YAML::Node& v) {
    std::vector<std::string> ids;
    for (const auto& b : f.mitigations_blocked) ids.push_back(b.mitigation);
    EXPECT_EQ(ids, seq(v)) << "mitigations_blocked of " << f.id;
  });
  auto expect_count = [](const YAML::Node& v, const char* key, int64_t actual, const std::string& what) {
    if (at(v, key)) {
      EXPECT_EQ(actual, at(v, key).as<int64_t>()) << what;
    }
  };
  if (const YAML::Node st = at(ex, "staff")) {
    expect_count(st, "affected", report.staff_affected, "staff affected");
    expect_count(st, "available", report.staff_available, "staff available");
    expect_count(st, "working", report.staff_working, "staff working");
  }
  for (const auto& kv : at(ex, "business_units")) {
    const auto id = kv.first.as<std::string>();
    const UnitImpact* u = nullptr;
    for (const auto& x : report.business_units) u = x.business_unit == id ? &x : u;
    if (u == nullptr) {
      ADD_FAILURE() << "business unit " << id << " is not in the report";
      continue;
    }
    const YAML::Node& v = kv.second;
    expect_count(v, "staff", u->staff, "staff of " + id);
    expect_count(v, "available", u->staff_available, "available in " + id);
    expect_count(v, "working", u->staff_working, "working in " + id);
    if (at(v, "functions")) {
      EXPECT_EQ(u->functions, seq(at(v, "functions"))) << "functions of " << id;
    }
  }
  if (at(ex, "recovery_order")) {
    std::vector<std::string> order;
    for (const auto& step : report.recovery_order) order.push_back(step.function);
    EXPECT_EQ(order, seq(at(ex, "recovery_order"))) << "recovery_order";
  }
  each_function("not_because", [](const FunctionReport& f, const YAML::Node& v) {
    for (const auto& unwanted : seq(v)) {
      for (const auto& line : f.because) {
        EXPECT_EQ(line.find(unwanted), std::string::npos)
            << "because of " << f.id << " says '" << unwanted << "': " << line;
      }
    }
  });
  if (at(ex, "cycles")) {
    std::vector<std::vector<std::string>> want;
    for (const auto& c : at(ex, "cycles")) want.push_back(seq(c));
    EXPECT_EQ(report.cycles, want) << "cycles";
  }
  for (const auto& want : seq(at(ex, "json"))) {
    EXPECT_NE(json.find(want), std::string::npos) << "JSON lacks " << want << ":\n" << json;
  }
}

class ImpactData : public testing::TestWithParam<std::string> {};

TEST_P(ImpactData, Matches) {
  std::ifstream in(GetParam());
  std::stringstream text;
  text << in.rdbuf();
  std::vector<YAML::Node> docs;
  ASSERT_NO_THROW(docs = YAML::LoadAll(text.str())) << GetParam();
  ASSERT_FALSE(docs.empty());
  model::Model m;
  for (size_t i = 0; i < docs.size(); ++i) {
    SCOPED_TRACE(GetParam() + ", case " + std::to_string(i + 1));
    if (at(docs[i], "model")) {
      auto loaded = model::load_text(at(docs[i], "model").as<std::string>(), model::Format::kYaml,
                                     GetParam());
      ASSERT_FALSE(loaded.diagnostics.has_errors())
          << model::format_text(loaded.diagnostics, false);
      m = std::move(loaded.model);
    }
    check_case(docs[i], m);
  }
}

std::string case_name(const testing::TestParamInfo<std::string>& info) {
  std::string stem = std::filesystem::path(info.param).stem().string();
  for (char& c : stem) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return stem;
}

INSTANTIATE_TEST_SUITE_P(Files, ImpactData, testing::ValuesIn(test_files()), case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ImpactData);

TEST(ImpactData, FilesExist) { EXPECT_GE(test_files().size(), 20u); }

}  // namespace
}  // namespace ebcm::impact
