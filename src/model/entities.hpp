// A model as a list of entities, each a canonical JSON document: the unit the store versions.
//
// Contract: to_entities() gives one Entity per top-level item (the organization, each business
// unit, location, person, service (with its features), function, mitigation and scenario), in
// model order, each body compact canonical JSON (keys in a fixed order, defaults omitted), so
// two equal entities have byte-equal bodies. from_entities() inverts it exactly.
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/model.hpp"

namespace ebcm::model {

enum class EntityKind : uint8_t {
  kOrganization,
  kBusinessUnit,
  kLocation,
  kPerson,
  kService,
  kFunction,
  kMitigation,
  kScenario,
  kCallTree,
};
inline constexpr int kEntityKindCount = 9;

// The words of each kind, listed once (entities.cpp) for every layer: the model's name of the
// kind ("business_unit", as the store and the audit trail write it), its section in a model file
// ("business_units"; the organization's is "organization"), its collection in the HTTP API
// ("business-units") and its noun in sentences ("business unit").
struct EntityKindInfo {
  EntityKind kind;
  const char* name;
  const char* section;
  const char* collection;
  const char* noun;
};
const EntityKindInfo& info(EntityKind kind);
// All kinds, in the canonical (model) order.
std::span<const EntityKindInfo> entity_kinds();

// "organization", "business_unit", "location", "person", "service", "function", "mitigation",
// "scenario", "call_tree".
const char* to_string(EntityKind kind);
std::optional<EntityKind> parse_entity_kind(std::string_view text);

struct Entity {
  EntityKind kind = EntityKind::kOrganization;
  std::string id;    // "" for the organization
  std::string body;  // canonical JSON
  bool operator==(const Entity&) const = default;
};

std::vector<Entity> to_entities(const Model& model);
// Fails with kInvalidInput naming the entity if a body is not what to_entities() writes.
Result<Model> from_entities(std::span<const Entity> entities);
// The same result, reading only what changed: an entity byte-equal to one of `base_entities`
// (the entities of `base`, as to_entities(base) gave them) is copied from `base` instead of
// parsed. What the server uses to apply an edit to a large model.
Result<Model> from_entities(std::span<const Entity> entities, const Model& base,
                            std::span<const Entity> base_entities);

}  // namespace ebcm::model
