#include "model/edit.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "model/load.hpp"

namespace ebcm::model {

namespace json = boost::json;

void merge_patch(json::value& target, const json::value& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object();
  auto& t = target.as_object();
  for (const auto& [k, v] : patch.as_object()) {
    if (v.is_null()) {
      t.erase(k);
    } else {
      merge_patch(t[k], v);
    }
  }
}

std::vector<ErrorDetail> error_details(const Diagnostics& diags) {
  std::vector<ErrorDetail> out;
  for (const auto& d : diags.items()) {
    if (d.severity != Severity::kError) continue;
    out.push_back({d.file, d.line, d.col, d.path, d.message, d.hint});
  }
  return out;
}

Error invalid_model(std::string_view message, const Diagnostics& diags) {
  Error e = make_error(ErrorCode::kInvalidInput, "");
  e.details = error_details(diags);
  e.message = fmt::format("{} ({} {})", message, e.details.size(),
                          e.details.size() == 1 ? "problem" : "problems");
  return e;
}

Result<Entity> canonical_entity(EntityKind kind, const json::value& body) {
  const EntityKindInfo& k = info(kind);
  if (!body.is_object()) {
    return make_error(ErrorCode::kInvalidInput, fmt::format("expected a JSON object: the {}", k.noun));
  }
  const bool org = kind == EntityKind::kOrganization;
  const std::string doc = org ? "{\"ebcm\":1,\"organization\":" + json::serialize(body) + "}"
                              : fmt::format("{{\"ebcm\":1,\"{}\":[{}]}}", k.section,
                                            json::serialize(body));
  // Unknown keys are warnings in a file; in an edit they are mistakes worth refusing.
  auto loaded = load_text(doc, Format::kJson, "the request body", UnknownKeys::kRefuse);
  Diagnostics problems;
  // Paths inside the entity: "bia.rto" for "functions[dispatch].bia.rto".
  const std::string prefix = org ? "organization" : std::string(k.section) + "[";
  for (auto d : loaded.diagnostics.items()) {
    if (d.path.rfind(prefix, 0) == 0) {
      const size_t end = org ? prefix.size() : d.path.find(']', prefix.size()) + 1;
      d.path = d.path.substr(end);
      if (!d.path.empty() && d.path[0] == '.') d.path.erase(0, 1);
    }
    d.severity = Severity::kError;
    problems.add(std::move(d));
  }
  if (problems.has_errors()) return invalid_model(fmt::format("the {} is not valid", k.noun), problems);
  for (auto& e : to_entities(loaded.model)) {
    if (e.kind == kind) return std::move(e);
  }
  return make_error(ErrorCode::kInvalidInput, fmt::format("expected a {}", k.noun));
}

size_t insert_position(const std::vector<Entity>& entities, EntityKind kind) {
  size_t pos = 0;
  for (size_t i = 0; i < entities.size(); ++i) {
    if (entities[i].kind <= kind) pos = i + 1;
  }
  return pos;
}

const json::object* find_feature(const json::value& service, std::string_view id, size_t* index) {
  if (!service.is_object()) return nullptr;
  const auto* features = service.as_object().if_contains("features");
  if (!features || !features->is_array()) return nullptr;
  const auto& arr = features->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!arr[i].is_object()) continue;
    const auto* fid = arr[i].as_object().if_contains("id");
    if (fid && fid->is_string() && fid->as_string() == id) {
      if (index) *index = i;
      return &arr[i].as_object();
    }
  }
  return nullptr;
}

Result<void> change_feature(json::value& service, std::string_view service_id, FeatureEdit edit,
                            std::string_view id, const json::value& body) {
  if (!service.is_object()) {
    return make_error(ErrorCode::kInvalidInput, fmt::format("service '{}' is not an object", service_id));
  }
  size_t index = 0;
  const bool present = find_feature(service, id, &index) != nullptr;
  auto& o = service.as_object();
  if (edit == FeatureEdit::kAdd) {
    if (present) {
      return make_error(ErrorCode::kExists,
                        fmt::format("service '{}' already has a feature '{}'", service_id, id));
    }
    if (!o.contains("features") || !o["features"].is_array()) o["features"] = json::array();
    o["features"].as_array().push_back(body);
    return {};
  }
  if (!present) {
    return make_error(ErrorCode::kNotFound,
                      fmt::format("service '{}' has no feature '{}'", service_id, id));
  }
  auto& arr = o["features"].as_array();
  if (edit == FeatureEdit::kDelete) {
    arr.erase(arr.begin() + static_cast<std::ptrdiff_t>(index));
    if (arr.empty()) o.erase("features");
    return {};
  }
  json::value next = edit == FeatureEdit::kPatch ? json::value(arr[index]) : body;
  if (edit == FeatureEdit::kPatch) merge_patch(next, body);
  if (next.is_object() && !next.as_object().contains("id")) next.as_object()["id"] = id;
  arr[index] = std::move(next);
  return {};
}

}  // namespace ebcm::model
