// Internal to `ebcm show`: rendering one entity of a model as text or JSON.
//
// Contract: each render_* function returns the text (or JSON object) for one entity of `ctx`;
// none prints. Text is aligned "label  value" lines under a heading, styled by ctx.style.
// Thread safety: pure functions over an immutable model.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "cli/output.hpp"
#include "model/entities.hpp"
#include "model/graph.hpp"
#include "model/model.hpp"

namespace ebcm::cli::show {

struct Context {
  const model::Model& model;
  const model::NodeIndex& index;
  const std::vector<model::Entity>& entities;
  Style style;
};

// "label          value\n" (nothing when value is empty).
std::string field(std::string_view label, std::string_view value);
// The stored body of an entity, parsed; null when absent.
boost::json::value entity_body(const Context& ctx, model::EntityKind kind, std::string_view id);
// "any of: exo/mapi, exo/owa" — one requires entry, nested entries in parentheses.
std::string render_requirement(const model::Requirement& r);
// "anna — Anna Lindqvist" when the person exists, else the id.
std::string person_label(const Context& ctx, const std::string& id);
std::string unit_label(const Context& ctx, const std::string& id);
std::string node_label(const Context& ctx, const std::string& ref);
// "when exo fails, sms-gw stands in after 5m (validated)"
std::string mitigation_summary(const model::Mitigation& m);
// "ids, ..." listing at most `limit` and "and N more".
std::string id_list(const std::vector<std::string>& ids, size_t limit = 12);

// One entity, both ways: `json` has at least "kind", "id" and "entity" (its stored body).
struct Rendered {
  std::string text;
  boost::json::object json;
};

// show_node.cpp: a function, service, feature or location, with what it requires, what
// requires it and the mitigations around it.
Rendered render_node(const Context& ctx, const model::NodeRef& node);

// show_other.cpp
Rendered render_person(const Context& ctx, const model::Person& p);
Rendered render_unit(const Context& ctx, const model::BusinessUnit& u);
Rendered render_mitigation(const Context& ctx, const model::Mitigation& m);
Rendered render_scenario(const Context& ctx, const model::Scenario& s);

}  // namespace ebcm::cli::show
