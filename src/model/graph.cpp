#include "model/graph.hpp"

namespace ebcm::model {

const char* to_string(NodeKind kind) {
  switch (kind) {
    case NodeKind::kFunction:
      return "function";
    case NodeKind::kService:
      return "service";
    case NodeKind::kFeature:
      return "feature";
    case NodeKind::kLocation:
      return "location";
  }
  return "node";
}

namespace {
const std::vector<Requirement> kNoRequirements;
}

const std::string& NodeRef::name() const {
  switch (kind) {
    case NodeKind::kFunction:
      return function->name;
    case NodeKind::kService:
      return service->name;
    case NodeKind::kFeature:
      return feature->name;
    case NodeKind::kLocation:
      return location->name;
  }
  return ref;
}

const std::vector<Requirement>& NodeRef::requires_() const {
  switch (kind) {
    case NodeKind::kFunction:
      return function->requires_;
    case NodeKind::kService:
      return service->requires_;
    case NodeKind::kFeature:
      return feature->requires_;
    case NodeKind::kLocation:
      return location->requires_;
  }
  return kNoRequirements;
}

const std::vector<Ref>& NodeRef::degraded_by() const {
  switch (kind) {
    case NodeKind::kFunction:
      return function->degraded_by;
    case NodeKind::kService:
      return service->degraded_by;
    case NodeKind::kFeature:
      return feature->degraded_by;
    case NodeKind::kLocation:
      return location->degraded_by;
  }
  static const std::vector<Ref> none;
  return none;
}

const std::vector<Requirement>& NodeRef::inherited_requires() const {
  return kind == NodeKind::kFeature ? service->requires_ : kNoRequirements;
}

NodeIndex::NodeIndex(const Model& m) {
  size_t n = m.functions.size() + m.locations.size();
  for (const auto& s : m.services) n += 1 + s.features.size();
  nodes_.reserve(n);
  for (const auto& f : m.functions) {
    nodes_.push_back(NodeRef{NodeKind::kFunction, f.id, &f});
  }
  for (const auto& s : m.services) {
    nodes_.push_back(NodeRef{NodeKind::kService, s.id, nullptr, &s});
    for (const auto& f : s.features) {
      nodes_.push_back(NodeRef{NodeKind::kFeature, s.id + "/" + f.id, nullptr, &s, &f});
    }
  }
  for (const auto& l : m.locations) {
    nodes_.push_back(NodeRef{NodeKind::kLocation, l.id, nullptr, nullptr, nullptr, &l});
  }
  size_t cap = 16;
  while (cap < nodes_.size() * 2) cap *= 2;
  slots_.assign(cap, 0);
  mask_ = cap - 1;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const uint64_t h = std::hash<std::string_view>()(nodes_[i].ref);
    uint64_t s = h & mask_;
    bool duplicate = false;
    for (; slots_[s] != 0; s = (s + 1) & mask_) {
      const uint64_t first = (slots_[s] & 0xffffffffu) - 1;
      if ((slots_[s] >> 32) == (h >> 32) && nodes_[first].ref == nodes_[i].ref) {
        duplicates_.emplace_back(first, i);  // the first one wins
        duplicate = true;
        break;
      }
    }
    if (!duplicate) slots_[s] = (h >> 32 << 32) | (i + 1);
  }
}

const NodeRef* NodeIndex::find(std::string_view ref) const {
  const uint64_t h = std::hash<std::string_view>()(ref);
  for (uint64_t s = h & mask_; slots_[s] != 0; s = (s + 1) & mask_) {
    const uint64_t slot = slots_[s];
    if ((slot >> 32) != (h >> 32)) continue;
    const NodeRef& n = nodes_[(slot & 0xffffffffu) - 1];
    if (n.ref == ref) return &n;
  }
  return nullptr;
}

std::vector<std::string_view> NodeIndex::refs() const {
  std::vector<std::string_view> out;
  out.reserve(nodes_.size());
  for (const auto& n : nodes_) out.push_back(n.ref);
  return out;
}

std::vector<std::string> NodeIndex::required_by(std::string_view ref) const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) {
    bool uses = false;
    auto check = [&](const std::string& r, const Requirement&) { uses = uses || r == ref; };
    for_each_ref(n.requires_(), check);
    for_each_ref(n.inherited_requires(), check);
    for (const auto& d : n.degraded_by()) uses = uses || d.target == ref;
    if (uses) out.push_back(n.ref);
  }
  return out;
}

}  // namespace ebcm::model
