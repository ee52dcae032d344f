// The questions front ends ask the engine, stated as plain text (what a user typed on the
// command line or sent over HTTP), checked against the model, and answered: one place for the
// parsing and the error messages, shared by cli/ and http/.
//
// Contract: every error is kInvalidInput or kNotFound with a message naming the field (prefixed
// with `field_prefix`, "--" on the command line, "" over HTTP) and, for unknown ids, the
// closest id of the model ("did you mean ...").
// Thread safety: pure functions over their arguments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.hpp"
#include "impact/compiled_graph.hpp"
#include "impact/engine.hpp"
#include "model/model.hpp"

namespace ebcm::impact {

struct DisruptionQuery {
  std::string scenario;                // a scenario id, or ""
  std::vector<std::string> down;       // node refs
  std::vector<std::string> degraded;   // node refs, disrupted `state: degraded`
  std::vector<std::string> workforce;  // "40%", "50%@hq", "30%@sales"
  std::string duration;                // "6h", or "" (the scenario's, else open-ended)
  // Nothing disrupted (the duration alone says nothing).
  bool empty() const {
    return scenario.empty() && down.empty() && degraded.empty() && workforce.empty();
  }
  bool operator==(const DisruptionQuery&) const = default;
};

// The disruption the query names, and a name for it (the scenario's id, else "adfs+exo").
Result<std::pair<DisruptionSet, std::string>> build_disruption(const CompiledGraph& g,
                                                               const model::Model& m,
                                                               const DisruptionQuery& q,
                                                               std::string_view field_prefix);

struct SpofQuery {
  std::string function;     // one function (with pairs: all its pairs), or ""
  std::string criticality;  // only functions of this criticality, or ""
  bool pairs = false;
  uint32_t top = 20;  // anchors for whole-model pairs; 0: all
};

struct SpofAnswer {
  std::vector<uint32_t> functions;                                      // analysed, model order
  // Per function, sorted: the nodes whose loss alone takes it down, the function itself left out.
  std::vector<std::vector<std::string>> singles;
  std::vector<std::vector<std::pair<std::string, std::string>>> pairs;  // per function, sorted
};

Result<SpofAnswer> answer_spof(const CompiledGraph& g, const model::Model& m, const SpofQuery& q,
                               std::string_view field_prefix);
// {"<function>": {"singles": [...], "pairs": [[a, b], ...]}}, newline-terminated.
std::string spof_to_json(const CompiledGraph& g, const SpofAnswer& a);

}  // namespace ebcm::impact
