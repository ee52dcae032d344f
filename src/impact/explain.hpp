// The reasons behind an impact: for every node a run left not up, what in its requirements is
// not met, which mitigations carry it and which planned ones would have, and for every function
// a line per reason following the shortest chain back to a disruption ("odfb is down ← entra is
// down ← adfs is disrupted").
//
// Contract: called by Engine::explain() on the end state of the last phase, while the Engine's
// scratch still holds it; `now` is that phase's time. Fills Impact::explanations (because,
// mitigations_used and mitigation_gaps of every function not up). Work is proportional to the
// nodes not up: a node's slot in Impact::nodes is the Engine's dense slot_ array.
// Thread safety: as the Engine it reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "impact/engine.hpp"

namespace ebcm::impact {

class Explainer {
 public:
  Explainer(const Engine& engine, int64_t now) : e_(engine), g_(engine.g_), now_(now) {}
  void explain(Impact& out);

 private:
  enum class Kind : uint8_t { kEntry, kNoAlternative, kAnyAlt, kMitigated, kSoft, kWorkforce,
                              kDisrupted, kDisruptedDegraded };
  struct Reason {
    Kind kind = Kind::kEntry;
    uint32_t detail = kNone;  // kAnyAlt: the Expr standing in; kMitigated: mitigation index
    uint32_t input_begin = 0, input_end = 0;  // into inputs_: nodes not up behind it
    bool failed = false;  // this reason alone takes the node down
    uint32_t blocked_begin = 0, blocked_end = 0;  // into blocked_: mitigations that could not
  };
  // A counting mitigation that would carry a failed entry but cannot (Explanation::Blocked).
  struct Blocked {
    uint32_t mitigation = kNone;  // model index
    uint32_t down_begin = 0, down_end = 0;  // into blocked_down_: its `with` nodes that are down
    int64_t activation = 0;
  };

  void reasons_of(const NodeImpact& x, Explanation* words);
  void collect_bad(uint32_t expr);
  void shortest_chains();
  std::string chain(size_t slot) const;
  std::string line(size_t slot, const Reason& r) const;
  std::string blocked_text(const Reason& r) const;
  std::string stays_down_text(size_t slot) const;
  size_t slot_of(uint32_t node) const {
    const uint32_t s = e_.slot_public(node);
    return s == kNone ? SIZE_MAX : s;
  }
  uint32_t best_input(const Reason& r) const;

  const Engine& e_;
  const CompiledGraph& g_;
  const int64_t now_;
  const Impact* out_ = nullptr;
  // Per slot of out_->nodes.
  std::vector<uint32_t> reason_begin_;
  std::vector<Reason> reasons_;
  std::vector<uint32_t> inputs_;
  std::vector<Blocked> blocked_;
  std::vector<uint32_t> blocked_down_;
  std::vector<uint32_t> dist_, parent_, parent_reason_;
};

}  // namespace ebcm::impact
