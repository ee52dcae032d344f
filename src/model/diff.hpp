// What changed between two versions of a model, entity by entity and field by field.
// Thread safety: pure function.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "model/entities.hpp"

namespace ebcm::model {

struct FieldChange {
  std::string path;    // "bia.rto", "requires[1]", "features[mapi].name"
  std::string before;  // JSON text; "" when the field is new
  std::string after;   // JSON text; "" when the field was removed
};

struct EntityChange {
  enum class Kind : uint8_t { kAdded, kRemoved, kChanged };
  Kind kind = Kind::kChanged;
  EntityKind entity = EntityKind::kFunction;
  std::string id;
  std::vector<FieldChange> fields;  // kChanged only
};

// Changes from `before` to `after`, in the order of `after` (removed ones last).
std::vector<EntityChange> diff(std::span<const Entity> before, std::span<const Entity> after);

// {"from": F, "to": T, "changes": [{"change": "added|removed|changed", "kind", "id",
// "fields": [{"path", "before", "after"}]}]}, newline-terminated: what `ebcm diff --json` and
// the HTTP API print.
std::string diff_to_json(int64_t from, int64_t to, const std::vector<EntityChange>& changes);

}  // namespace ebcm::model
