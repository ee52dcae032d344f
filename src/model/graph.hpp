// A read-only index of a model's nodes (functions, services, features, locations) by reference,
// with what each requires and what requires it. Built in one pass; used by validation, `ebcm
// show` and later layers that need names rather than the compiled graph of impact/.
// Thread safety: immutable after construction; the Model must outlive the index.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/model.hpp"

namespace ebcm::model {

enum class NodeKind : uint8_t { kFunction, kService, kFeature, kLocation };
const char* to_string(NodeKind kind);

struct NodeRef {
  NodeKind kind = NodeKind::kFunction;
  std::string ref;  // "exo" or "exo/mapi"
  const Function* function = nullptr;
  const Service* service = nullptr;  // the service, or the owning service of a feature
  const Feature* feature = nullptr;
  const Location* location = nullptr;

  const std::string& name() const;
  // The node's own requires and degraded_by (a feature's requires do not include its
  // service's: see inherited_requires()).
  const std::vector<Requirement>& requires_() const;
  const std::vector<Ref>& degraded_by() const;
  // The service's requires for a feature, else empty.
  const std::vector<Requirement>& inherited_requires() const;
};

class NodeIndex {
 public:
  explicit NodeIndex(const Model& model);

  const NodeRef* find(std::string_view ref) const;
  // Every reference, for "did you mean" suggestions.
  std::vector<std::string_view> refs() const;
  const std::vector<NodeRef>& nodes() const { return nodes_; }
  // Pairs (first, later) of nodes with the same reference, by index into nodes(); find()
  // returns the first.
  const std::vector<std::pair<size_t, size_t>>& duplicates() const { return duplicates_; }

  // Refs naming `ref` in their requires (own or inherited) or degraded_by, in model order.
  std::vector<std::string> required_by(std::string_view ref) const;

 private:
  std::vector<NodeRef> nodes_;
  // Open addressing, each slot (hash high bits << 32 | index + 1), 0 empty: a million-node model
  // is looked up millions of times while loading, and node-based maps miss the cache each time.
  std::vector<uint64_t> slots_;
  uint64_t mask_ = 0;
  std::vector<std::pair<size_t, size_t>> duplicates_;
};

// Calls fn(ref, requirement) for every reference an entry names, depth first.
template <class Fn>
void for_each_ref(const std::vector<Requirement>& entries, Fn&& fn) {
  for (const auto& e : entries) {
    if (e.kind == Requirement::Kind::kRef) {
      fn(e.ref, e);
    } else {
      for_each_ref(e.items, fn);
    }
  }
}

}  // namespace ebcm::model
