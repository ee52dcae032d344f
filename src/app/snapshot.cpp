#include "app/snapshot.hpp"

namespace ebcm::app {

Snapshot::Snapshot(int64_t revision, std::vector<model::Entity> entities, model::Model model)
    : revision_(revision), entities_(std::move(entities)), model_(std::move(model)) {
  for (size_t i = 0; i < entities_.size(); ++i) {
    const auto& e = entities_[i];
    index_[static_cast<size_t>(e.kind)].emplace(e.id, i);
  }
}

std::optional<size_t> Snapshot::find(model::EntityKind kind, std::string_view id) const {
  const auto& m = index_[static_cast<size_t>(kind)];
  auto it = m.find(id);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

const model::Entity* Snapshot::entity(model::EntityKind kind, std::string_view id) const {
  auto pos = find(kind, id);
  return pos ? &entities_[*pos] : nullptr;
}

const impact::CompiledGraph& Snapshot::graph() const {
  std::call_once(graph_once_, [&] {
    graph_ = std::make_unique<impact::CompiledGraph>(impact::CompiledGraph::compile(model_));
  });
  return *graph_;
}

}  // namespace ebcm::app
