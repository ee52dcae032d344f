// One revision of the model, immutable once built: its entities as stored, the model read from
// them, an index by (kind, id), and the compiled graph (built on first use, once).
// Thread safety: immutable; graph() is safe to call from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "impact/compiled_graph.hpp"
#include "model/entities.hpp"
#include "model/model.hpp"

namespace ebcm::app {

class Snapshot {
 public:
  Snapshot(int64_t revision, std::vector<model::Entity> entities, model::Model model);
  int64_t revision() const { return revision_; }  // 0: the store is empty
  const std::vector<model::Entity>& entities() const { return entities_; }
  const model::Model& model() const { return model_; }
  // Position in entities() of (kind, id), if present.
  std::optional<size_t> find(model::EntityKind kind, std::string_view id) const;
  // The entity (kind, id), or nullptr.
  const model::Entity* entity(model::EntityKind kind, std::string_view id) const;
  // Compiled on first use (once), shared by every reader of this snapshot.
  const impact::CompiledGraph& graph() const;

 private:
  int64_t revision_;
  std::vector<model::Entity> entities_;
  model::Model model_;
  std::array<std::unordered_map<std::string_view, size_t>, model::kEntityKindCount> index_;
  mutable std::once_flag graph_once_;
  mutable std::unique_ptr<impact::CompiledGraph> graph_;
};

}  // namespace ebcm::app
