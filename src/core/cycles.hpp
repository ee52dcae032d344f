// Requirement cycles in a graph given in CSR form: the strongly connected components that form
// a loop (more than one node, or one node with an edge to itself), by Tarjan's algorithm,
// iteratively (a generated model can chain a million nodes; recursion would overflow the stack).
// Thread safety: pure function.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ebcm {

// `begin` has one entry per node plus one; node v's targets are edges[begin[v] .. begin[v+1]).
// Each group lists its node indices in the order Tarjan pops them; groups in discovery order.
std::vector<std::vector<uint32_t>> find_cycles(std::span<const uint32_t> begin,
                                               std::span<const uint32_t> edges);

}  // namespace ebcm
