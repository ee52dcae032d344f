// Single points of failure: which nodes' loss alone (or, for pairs, together with one other
// node's) takes a function down, judged on the open-ended end state (MODEL.md rule 7: every
// counting mitigation in effect; workforce plays no part).
//
// Contract: everything here agrees with Engine::run() on the disruption {node} (or {a, b}) with
// no duration — `spof_test.cpp` checks that against brute force. Down-ness depends only on
// down-ness (an `any` fails iff every alternative failed, `all` iff one did, a mitigation is
// blocked only by a down `with` node, soft dependencies only degrade), so the evaluation tracks
// one bit per node and scenario: 64 single-node scenarios per uint64_t word, propagated by a
// worklist to the greatest fixed point (rule 5) of each batch.
// A node's own disruption counts: a function is always one of its own singles.
// Thread safety: pure functions over an immutable CompiledGraph; call from any thread.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "impact/compiled_graph.hpp"

namespace ebcm::impact {

using NodePair = std::pair<uint32_t, uint32_t>;  // first < second (node indices)

// By node index: for each function, the nodes whose loss alone takes it down (ascending node
// indices, the function itself included); empty for other nodes.
std::vector<std::vector<uint32_t>> single_points_of_failure(const CompiledGraph& g);

// The nodes whose loss can change whether `n` is down: `n`, the targets of references in its
// entries (a feature's inherited ones included), the `with` nodes of its counting mitigations, a
// feature's service, and the same for each of those, transitively. Ascending.
std::vector<uint32_t> upstream_cone(const CompiledGraph& g, uint32_t n);

// Every pair {a, b} whose loss together takes function `f` down while neither alone does;
// `singles` are f's (as single_points_of_failure gives them). Sorted.
std::vector<NodePair> pairs_for_function(const CompiledGraph& g, uint32_t f,
                                         const std::vector<uint32_t>& singles);

// The `k` nodes that the most of `functions` depend on (lie in the most of their upstream
// cones), ties broken by more functions taken down alone, then by node index. A node that takes
// nothing down alone because it is redundant ranks high here, which is what pairs are about.
std::vector<uint32_t> top_by_reach(const CompiledGraph& g, const std::vector<uint32_t>& functions,
                                   const std::vector<std::vector<uint32_t>>& singles, uint32_t k);

// For each of `functions` (result by node index, empty elsewhere): every pair {a, b} with `a`
// one of `anchors` and `b` any node, whose loss together takes the function down while neither
// alone does. Each list sorted. Work: per anchor, one incremental batch per 64 nodes.
std::vector<std::vector<NodePair>> pairs_with_anchors(
    const CompiledGraph& g, const std::vector<uint32_t>& functions,
    const std::vector<std::vector<uint32_t>>& singles, const std::vector<uint32_t>& anchors);

}  // namespace ebcm::impact
