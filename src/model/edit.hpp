// Edits of the model's entities, as plain functions over JSON bodies and entity lists: what the
// HTTP API's writes (and later the web app's) do to the model, apart from how they are asked.
//
// Contract: canonical_entity() reads a body with the model's own reader, so an API edit obeys
// exactly the rules of a model file, and returns it canonical (byte-equal for equal content);
// every problem is in the Error's details, with paths inside the entity. Nothing here knows
// revisions, users or HTTP.
// Thread safety: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "model/diagnostics.hpp"
#include "model/entities.hpp"

namespace ebcm::model {

// RFC 7396 JSON merge patch: `patch` applied to `target`.
void merge_patch(boost::json::value& target, const boost::json::value& patch);

// The canonical entity for a JSON body (an object: one business unit, person, ...). Not an
// object → kInvalidInput; wrong types, bad durations, unknown keys (refused here, not warned
// about as in a file) → kInvalidInput with every problem in details.
Result<Entity> canonical_entity(EntityKind kind, const boost::json::value& body);

// Where a new entity of `kind` goes in a model-ordered list: after the last one of its kind,
// else where its section begins.
size_t insert_position(const std::vector<Entity>& entities, EntityKind kind);

// The feature `id` of a service body, or nullptr; its index in "features" in *index.
const boost::json::object* find_feature(const boost::json::value& service, std::string_view id,
                                        size_t* index = nullptr);

// A change of one feature of a service (the service body as JSON), applied in place:
enum class FeatureEdit { kAdd, kReplace, kPatch, kDelete };
// kAdd: `body` (with its "id") becomes a new feature (kExists when the id is taken); kReplace:
// `body` replaces feature `id`; kPatch: merges `body` into it; kDelete: removes it (and the
// "features" key with the last one). kNotFound when feature `id` is absent (all but kAdd).
// The result is not validated: canonical_entity() does that.
Result<void> change_feature(boost::json::value& service, std::string_view service_id,
                            FeatureEdit edit, std::string_view id, const boost::json::value& body);

// The error details of every error of `diags` (an Error's details; warnings are left out).
std::vector<ErrorDetail> error_details(const Diagnostics& diags);
// kInvalidInput "<message> (N problems)" with the details of `diags`.
Error invalid_model(std::string_view message, const Diagnostics& diags);

}  // namespace ebcm::model
