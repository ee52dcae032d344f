// The owner role's rule: an owner (an account tied to a person of the model) may change the
// functions whose `owner` is that person, keeping them theirs, and the mitigations for those
// functions (add, change, delete) — nothing else, and never remove a function.
//
// Contract: owner_may_edit_*() decide on the request before any edit runs (what the router
// uses to answer 403 early); owner_change_refused() decides on the change itself, whatever a
// route let through, and is what Service::commit() enforces for owners.
// Thread safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/snapshot.hpp"
#include "model/entities.hpp"
#include "model/model.hpp"

namespace ebcm::app {

enum class EditKind { kCreate, kReplace, kPatch, kDelete };

// `body`: the value the edit will apply (nullptr for a delete, or when the body is no JSON).
bool owner_may_edit_function(const model::Model& m, std::string_view person, std::string_view id,
                             EditKind kind, const boost::json::value* body);
bool owner_may_edit_mitigation(const model::Model& m, std::string_view person, std::string_view id,
                               EditKind kind, const boost::json::value* body);

// Why the owner `person` may not make the change from `before` to `after` (the whole new entity
// list, read as `next`), or nothing when they may.
std::optional<std::string> owner_change_refused(const Snapshot& before,
                                                const std::vector<model::Entity>& after,
                                                const model::Model& next, std::string_view person);

}  // namespace ebcm::app
