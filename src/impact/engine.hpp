// Impact propagation: how a disruption spreads through a compiled graph (MODEL.md rules 1–7).
//
// Contract: Engine::run() computes, for a disruption set, the greatest fixed point of rules 1–6
// at time 0 and then, at every later activation time of a counting mitigation (rule 7), again
// over the cone that can change (see resolve_cone()); it returns the nodes the disruption
// reached with their end states, `down_for`, breaches and staff available. The words (reasons,
// mitigations used, gaps) cost far more and are computed only on request: RunOptions::explain
// (default on) or Engine::explain() right after run(). Work is proportional to what the
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

// The numbers of one reached node: cheap, always computed by Engine::run().
struct NodeImpact {
  uint32_t node = kNone;
  State state = State::kUp;  // at the end of the duration
  bool disrupted = false;
  bool rto_breached = false, mtpd_breached = false;
  // How long the node was down from the start; nullopt when the disruption is open-ended and
  // the node never comes back.
  std::optional<Duration> down_for = Duration{0};
  std::optional<int64_t> staff_available;  // functions with staff
};

// The words for one function not up at the end: computed only on request (RunOptions::explain
// or Engine::explain()), since they cost far more than the states.
struct Explanation {
  uint32_t node = kNone;
  std::vector<uint32_t> mitigations_used;  // model indices, one per entry carried, deduplicated
  std::vector<uint32_t> mitigation_gaps;   // planned ones that would carry a failing entry
  std::vector<std::string> because;        // one line per reason, shortest chain to the cause
};

struct Impact {
  std::optional<Duration> duration;
  std::vector<NodeImpact> nodes;  // every node not up at time 0, by node index
  // When explained: every function not up at the end, by node index; else empty.
  std::vector<Explanation> explanations;
  bool explained = false;
  // The end state of any node (up when not in `nodes`).
  State state_of(uint32_t node) const;
  const NodeImpact* find(uint32_t node) const;
  const Explanation* explanation(uint32_t node) const;
};

struct RunOptions {
  // Also compute the words (because, mitigations used, gaps) of every function not up. The live
  // path (states and breaches only) passes false and asks Engine::explain() when it needs them.
  bool explain = true;
};

class Engine {
 public:
  explicit Engine(const CompiledGraph& g);
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Impact run(const DisruptionSet& d, RunOptions options = {});
  // Fills impact.explanations. Precondition: `impact` is the result of this engine's latest
  // run() (the words are read from the end state the engine still holds).
  void explain(Impact& impact);

 private:
  friend class Explainer;
  void reset_run();
  void seed_disruptions(const DisruptionSet& d);
  void propagate(int64_t now, uint8_t within);
  void resolve_cone(int64_t now);
  template <bool kReplacing>
  State eval_expr(uint32_t e, uint32_t replaced) const;
  State eval_expr(uint32_t e, uint32_t replaced) const {
    return replaced == kNone ? eval_expr<false>(e, kNone) : eval_expr<true>(e, replaced);
  }
  State evaluate(uint32_t n, int64_t now) const;
  bool mitigation_applies(const CompiledMitigation& m, uint32_t entry) const;
  int64_t staff_available(uint32_t n) const;

  const CompiledGraph& g_;
  // Per-run scratch, sized to the graph; only the listed indices are ever non-default.
  std::vector<State> state_;
  // kPending: down from the start and not back yet; kCone: in the cone a later moment re-solves.
  // kWorkforce: a staffed function a workforce disruption applies to (percent_ > 0).
  enum : uint8_t { kDisrupted = 1, kSeeded = 2, kQueued = 4, kCone = 8, kPending = 16,
                   kWorkforce = 32 };
  std::vector<uint8_t> flags_;
  std::vector<int> percent_;        // workforce disruption applying to a staffed function
  std::vector<uint32_t> slot_;      // a reached node's index in Impact::nodes, else kNone
  std::vector<uint32_t> reached_;   // nodes not up at time 0 (ascending once time 0 is done)
  std::vector<uint32_t> seeds_;     // disrupted or workforce-hit nodes of the current run
  std::vector<uint32_t> queue_, cone_;
  std::vector<std::pair<int64_t, uint32_t>> moments_;  // (activation, `for` node) after time 0
  // The CSR ranges evaluate() and propagate() read, one record per node: one cache miss
  // instead of four (the graph's *_begin arrays are separate and indexed at random).
  struct Hot {
    uint32_t entry_begin, entry_end, dep_begin, dep_end, mit_begin, mit_end, soft_begin, soft_end;
  };
  std::vector<Hot> hot_;
  int64_t now_ = 0;                 // the last moment evaluated (the end state's)
};

}  // namespace ebcm::impact
