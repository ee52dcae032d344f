// Impact propagation: how a disruption spreads through a compiled graph (MODEL.md rules 1–7).
//
// Contract: Engine::run() computes, for a disruption set, the greatest fixed point of rules 1–6
// at time 0 and then, at every later activation time of a counting mitigation (rule 7), again
// over the cone that can change (see resolve_cone()); it returns the nodes the disruption
// reached with their end states, `down_for`, breaches and staff available. The words (reasons,
// mitigations used, gaps) cost far more and are computed only on request: RunOptions::explain
// (default on) or Engine::explain() right after run(). Work is proportional to what the
// disruption reaches: per-run state lives in arrays sized once per graph and reset only where a
// run touched them. Nodes not in Impact::nodes are up for the whole duration. Internally the
// engine works in CompiledGraph::layout's numbering (a topological order, so a big disruption
// sweeps memory forward); everything in and out of this API is in public node indices.
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
  // Nodes disrupted `state: degraded`: at best degraded (a service degrades its features).
  // A node in both lists is down.
  std::vector<uint32_t> degraded;
};

// Resolves a scenario's disruptions; kNotFound names the first reference that does not resolve.
Result<DisruptionSet> disruption_from_scenario(const CompiledGraph& g, const model::Scenario& s);

// The numbers of one reached node: cheap, always computed by Engine::run(). Compact (24 bytes):
// a run on a big model writes a million of these, so the optional values are kept as sentinels
// and read through down_for() and staff_available().
struct NodeImpact {
  static constexpr int64_t kAbsent = INT64_MIN;
  uint32_t node = kNone;
  State state = State::kUp;  // at the end of the duration
  bool disrupted = false;  // named by a disruption as down
  bool rto_breached : 1 = false, mtpd_breached : 1 = false;
  bool disrupted_degraded : 1 = false;  // named `state: degraded` (and not as down)
  int64_t down_minutes = 0;           // see down_for(); kAbsent: open-ended, never back
  int64_t available_staff = kAbsent;  // see staff_available(); kAbsent: no staff given

  // How long the node was down from the start; nullopt when the disruption is open-ended and
  // the node never comes back.
  std::optional<Duration> down_for() const {
    return down_minutes == kAbsent ? std::nullopt : std::optional<Duration>(Duration{down_minutes});
  }
  // People available, for a function with staff; else nullopt.
  std::optional<int64_t> staff_available() const {
    return available_staff == kAbsent ? std::nullopt : std::optional<int64_t>(available_staff);
  }
};

// The words for one function not up at the end: computed only on request (RunOptions::explain
// or Engine::explain()), since they cost far more than the states.
struct Explanation {
  uint32_t node = kNone;
  std::vector<uint32_t> mitigations_used;  // model indices, one per entry carried, deduplicated
  std::vector<uint32_t> mitigation_gaps;   // planned ones that would carry a failing entry
  // Counting mitigations that would carry a failing entry but cannot: a node of their `with` is
  // down (those nodes, public indices), or, with `with_down` empty, their activation comes
  // after the end of the duration. Deduplicated by mitigation, in the order met.
  struct Blocked {
    uint32_t mitigation = kNone;  // model index
    std::vector<uint32_t> with_down;
    int64_t activation = 0;
  };
  std::vector<Blocked> mitigations_blocked;
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
  using Layout = CompiledGraph::Layout;
  // Per internal node (CompiledGraph::layout numbering), one byte: the state in the low bits,
  // then the flags. kReached: not up at time 0; kCone: in the cone a later moment re-solves;
  // kWorkforce: a staffed function a workforce disruption applies to (percent_ > 0).
  enum : uint8_t { kStateMask = 3, kDisrupted = 4, kSeeded = 8, kQueued = 16, kCone = 32,
                   kReached = 64, kWorkforce = 128 };
  static State state_in(uint8_t f) { return static_cast<State>(f & kStateMask); }

  void reset_run();
  void seed_disruptions(const DisruptionSet& d);
  void push(uint32_t n);
  uint32_t pop();
  void propagate(int64_t now, uint8_t within);
  void resolve_cone(int64_t now);
  void group_moments();
  // Internal numbering (the layout's exprs and nodes).
  template <bool kReplacing>
  State eval_expr(uint32_t e, uint32_t replaced) const;
  State evaluate(uint32_t n, uint8_t flags, int64_t now) const;
  bool mitigation_applies(const CompiledMitigation& m, uint32_t root) const;
  int64_t staff_available(uint32_t n) const;
  // Public numbering (the graph's exprs and mits), for the Explainer: the same rules over the
  // end states copied to public indices by explain().
  State state_public(uint32_t node) const { return explain_state_[node]; }
  uint32_t slot_public(uint32_t node) const { return slot_[g_.layout.rank[node]]; }
  State eval_public(uint32_t e, uint32_t replaced = kNone) const;
  bool mitigation_applies_public(const CompiledMitigation& m, uint32_t root) const;

  const CompiledGraph& g_;
  const Layout& L_;
  // Per-run scratch, sized to the graph, by internal node; only the listed ones are ever
  // non-default.
  std::vector<uint8_t> node_;
  std::vector<uint8_t> percent_;    // workforce disruption applying to a staffed function
  std::vector<State> floor_;        // a seed's best state: degraded when disrupted degraded
  std::vector<uint32_t> slot_;      // a reached node's index in Impact::nodes, else kNone
  std::vector<uint32_t> reached_;   // nodes not up at time 0
  std::vector<uint32_t> seeds_;     // disrupted or workforce-hit nodes of the current run
  std::vector<uint32_t> cone_, public_;
  // The end states by public index while explain() runs (up elsewhere); sized on first use.
  std::vector<State> explain_state_;
  std::vector<std::pair<int64_t, uint32_t>> moments_, grouped_;  // (activation, `for` node)
  std::vector<int64_t> times_;      // distinct activation times after time 0
  // The pending set of propagate(): a bitmap over internal nodes with one summary bit per
  // word, taken in ascending order from cursor_ (no pending node below it).
  std::vector<uint64_t> bits_, summary_;
  uint32_t cursor_ = 0;
  int64_t limit_ = 0;               // the duration's minutes, INT64_MAX when open-ended
  int64_t now_ = 0;                 // the last moment evaluated (the end state's)
};

}  // namespace ebcm::impact
