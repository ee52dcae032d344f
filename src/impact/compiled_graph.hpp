// The compiled graph: a validated model turned into dense arrays for impact propagation.
//
// Contract: nodes (functions, services, features, locations) get dense uint32 indices in
// model::NodeIndex order. Each node's `requires` entries are expression trees flattened into one
// array of Expr (children of any/all contiguous); a feature carries its service's entries first,
// then its own (MODEL rule 2). Everything else is CSR: `x_begin[n] .. x_begin[n + 1]` indexes
// the flat array `x`. References that do not resolve are skipped (an unresolved reference
// compiles to an empty `all`, which always holds): validation reports them, the engine must not
// crash on them. Only implemented/validated mitigations are in `mits`; planned ones are `gaps`.
// Thread safety: immutable after compile(); any number of threads may read it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/graph.hpp"
#include "model/model.hpp"

namespace ebcm::impact {

inline constexpr uint32_t kNone = UINT32_MAX;
inline constexpr int64_t kNoMinutes = -1;

// One node of a flattened requirement tree.
struct Expr {
  enum class Op : uint8_t { kRef, kAny, kAll };
  Op op = Op::kAll;
  uint32_t a = 0;  // kRef: the target node; kAny/kAll: first child (index into exprs)
  uint32_t b = 0;  // kAny/kAll: one past the last child
};

struct CompiledMitigation {
  uint32_t model_index = 0;  // into Model::mitigations
  uint32_t replaces = kNone;  // node; a service also covers its features
  uint32_t with_begin = 0, with_end = 0;  // into CompiledGraph::with_nodes
  int64_t activation = 0;  // minutes after the disruption begins
};

struct CompiledGraph {
  // Builds the graph; the model should be validated, but anything unresolved is skipped.
  static CompiledGraph compile(const model::Model& model);

  uint32_t size() const { return static_cast<uint32_t>(refs.size()); }
  // The node named by `ref`, or kNone.
  uint32_t find(std::string_view ref) const;
  // A business unit index, or kNone.
  uint32_t find_business_unit(std::string_view id) const;
  bool is_function(uint32_t n) const { return kinds[n] == model::NodeKind::kFunction; }

  // --- nodes (all constant after construction) ---
  std::vector<std::string> refs;  // "exo", "exo/mapi"
  std::vector<model::NodeKind> kinds;
  std::vector<uint32_t> owner_service;  // a feature's service, else kNone
  std::vector<uint32_t> feature_begin, features;  // a service's features
  std::vector<int64_t> rto, mtpd;  // minutes or kNoMinutes
  // Per node, for reports: a function's criticality (model::Criticality as int, -1 none) and
  // its own business unit (index into business_units, or kNone).
  std::vector<int8_t> criticality;
  std::vector<uint32_t> function_unit;
  // A process's parent function (node index), else kNone.
  std::vector<uint32_t> function_parent;

  // --- requirements ---
  std::vector<uint32_t> entry_begin, entries;  // entries: root Expr of each entry
  std::vector<Expr> exprs;
  std::vector<uint32_t> soft_begin, soft;  // degraded_by targets
  // Who reads my state (requires, degraded_by or a counting mitigation's `with`), deduplicated.
  std::vector<uint32_t> dep_begin, dependents;

  // --- mitigations, per `for` node ---
  std::vector<uint32_t> mit_begin;  // counting ones, by (activation, model order)
  std::vector<CompiledMitigation> mits;
  std::vector<uint32_t> gap_begin;  // planned ones, model order
  std::vector<CompiledMitigation> gaps;
  std::vector<uint32_t> with_nodes;
  std::vector<std::string> mitigation_ids;  // by model index

  // --- workforce (rule 6) ---
  std::vector<int64_t> staff_normal, staff_minimum;  // kNoMinutes (-1) when no staff given
  std::vector<uint32_t> staffed;  // functions with staff, ascending
  std::vector<std::string> business_units;
  // A function's business unit and all its parent units (kNone-free, possibly empty).
  std::vector<uint32_t> unit_begin, units;
  // Every location referenced anywhere in a staffed function's requires tree.
  std::vector<uint32_t> loc_begin, locs;
  // Staffed functions per business unit (in the unit or a child unit of it).
  std::vector<uint32_t> bu_staffed_begin, bu_staffed;
  // Staffed functions per node (only locations have any) that require that location.
  std::vector<uint32_t> loc_staffed_begin, loc_staffed;

  // --- cycles (rule 5): requirement loops, each group sorted by ref, groups sorted ---
  std::vector<std::vector<uint32_t>> cycles;

  // --- the engine's layout: what propagation reads, renumbered ---
  // The same nodes under internal numbers in a topological order of `dependents` (every node
  // after all the nodes it reads, the strongly connected components of a loop contiguous), so a
  // propagation that takes its pending nodes in ascending order evaluates each node of the
  // acyclic part once and sweeps these arrays forward. Public indices (above, and everywhere
  // outside the engine) stay in NodeIndex order; `order`/`rank` translate.
  struct Layout {
    // One record per internal node: its entries' roots (in `exprs`, contiguous, same order as
    // the public entries), dependents, counting mitigations and degraded_by targets.
    struct Node {
      uint32_t root_begin, root_end, dep_begin, dep_end, mit_begin, mit_end, soft_begin, soft_end;
    };
    std::vector<uint32_t> order;  // internal → public
    std::vector<uint32_t> rank;   // public → internal
    std::vector<Node> nodes;
    std::vector<Expr> exprs;             // references hold internal numbers
    std::vector<uint32_t> owner;         // a feature's service (internal), else kNone
    std::vector<uint32_t> dependents;    // internal, ascending per node
    std::vector<uint32_t> soft;          // internal
    std::vector<CompiledMitigation> mits;  // `replaces` internal, `with` into with_nodes
    std::vector<uint32_t> with_nodes;    // internal
  };
  Layout layout;

 private:
  void build_lookup();
  std::vector<uint64_t> by_ref_;  // open addressing, see build_lookup()
  uint64_t mask_ = 0;
  std::unordered_map<std::string, uint32_t> by_unit_;
};

}  // namespace ebcm::impact
