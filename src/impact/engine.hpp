// Impact propagation: how a disruption spreads through a compiled graph (MODEL.md rules 1–7).
//
// Contract: Engine::run() computes, for a disruption set, the greatest fixed point of rules 1–6
// at time 0 and again at every later activation time of a counting mitigation (rule 7), and
// returns the nodes the disruption reached with their end states, `down_for`, breaches,
// mitigations used and gaps, and the reasons in words. Work is proportional to what the
// disruption reaches: per-run state lives in arrays sized once per graph and reset only where a
// run touched them. Nodes not in Impact::nodes are up for the whole duration.
// Thread safety: an Engine is NOT thread-safe (it owns scratch state); use one per thread. The
// CompiledGraph it reads is shared and must outlive it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.hpp"
#include "core/result.hpp"
#include "impact/compiled_graph.hpp"
#include "model/model.hpp"

namespace ebcm::impact {

// Ordered by severity: a later value is worse.
enum class State : uint8_t { kUp = 0, kDegraded = 1, kDown = 2 };
const char* to_string(State s);

struct WorkforceDisruption {
  int percent = 0;                 // 0..100
  uint32_t location = kNone;       // node index of a location, or kNone
  uint32_t business_unit = kNone;  // business unit index, or kNone
};

struct DisruptionSet {
  std::vector<uint32_t> nodes;  // disrupted nodes (a service takes its features with it)
  std::vector<WorkforceDisruption> workforce;
  std::optional<Duration> duration;  // nullopt: open-ended
};

// Resolves a scenario's disruptions; kNotFound names the first reference that does not resolve.
Result<DisruptionSet> disruption_from_scenario(const CompiledGraph& g, const model::Scenario& s);

struct NodeImpact {
  uint32_t node = kNone;
  State state = State::kUp;  // at the end of the duration
  bool disrupted = false;
  // How long the node was down from the start; nullopt when the disruption is open-ended and
  // the node never comes back.
  std::optional<Duration> down_for = Duration{0};
  bool rto_breached = false, mtpd_breached = false;
  std::vector<uint32_t> mitigations_used;  // model indices, one per entry carried, deduplicated
  std::vector<uint32_t> mitigation_gaps;   // planned ones that would carry a failing entry
  std::optional<int64_t> staff_available;  // functions with staff
  std::vector<std::string> because;        // one line per reason, shortest chain to the cause
};

struct Impact {
  std::optional<Duration> duration;
  std::vector<NodeImpact> nodes;  // every node not up at time 0, by node index
  // The end state of any node (up when not in `nodes`).
  State state_of(uint32_t node) const;
  const NodeImpact* find(uint32_t node) const;
};

class Engine {
 public:
  explicit Engine(const CompiledGraph& g);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Impact run(const DisruptionSet& d);

 private:
  friend class Explainer;
  void reset_run();
  void propagate(int64_t now);
  State evaluate(uint32_t n, int64_t now) const;
  State eval_expr(uint32_t e, uint32_t replaced) const;
  bool mitigation_applies(const CompiledMitigation& m, uint32_t entry) const;
  int64_t staff_available(uint32_t n) const;

  const CompiledGraph& g_;
  // Per-run scratch, sized to the graph; only the listed indices are ever non-default.
  std::vector<State> state_;
  enum : uint8_t { kDisrupted = 1, kSeeded = 2 };
  std::vector<uint8_t> queued_, flags_;
  std::vector<int> percent_;        // workforce disruption applying to a staffed function
  std::vector<uint32_t> touched_;   // nodes whose state_ left kUp in the current phase
  std::vector<uint32_t> seeds_;     // disrupted or workforce-hit nodes of the current run
  std::vector<uint32_t> queue_;
};

}  // namespace ebcm::impact
