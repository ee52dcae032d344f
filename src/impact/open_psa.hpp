// Open-PSA export: the model's "down" logic as an Open-PSA MEF fault tree (XML), for tools such
// as SCRAM to compute minimal cut sets and probabilities.
//
// Contract: one basic event per node (its disruption, probability 0.01), one gate DOWN_<name>
// per node ("the node is down", open-ended: every counting mitigation in effect) and one top
// gate FN_<name> per function. On an acyclic model the minimal cut sets of FN_<f> are exactly
// the sets of nodes whose disruption takes f down (minimal ones): order 1 = its singles, order 2
// = its pairs (spof.hpp). Cycles are broken (see docs/spof.md), so on a cyclic model the tree
// may miss cut sets that run around a loop. Names: see open_psa_name().
// Thread safety: pure functions over an immutable CompiledGraph.
#pragma once

#include <string>
#include <string_view>

#include "impact/compiled_graph.hpp"

namespace ebcm::impact {

// The MEF identifier of a node's basic event: the ref with '/' → "__", '.' → "_D", a '-' that
// ends the ref or precedes another '-' → "_H" (MEF forbids "--" and a trailing '-'), and "N" in
// front when it starts with a digit. Injective, since refs have no '_' nor capitals.
std::string open_psa_name(std::string_view ref);
// The ref back from a basic event name (or from a gate name without its DOWN_/FN_ prefix).
std::string ref_from_open_psa_name(std::string_view name);

// The whole fault tree, as an <opsa-mef> document.
std::string to_open_psa(const CompiledGraph& g);

}  // namespace ebcm::impact
