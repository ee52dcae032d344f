// `ebcm show` for people, business units, mitigations and scenarios, and the helpers all
// renderings share.
#include <fmt/format.h>

#include <algorithm>

#include "cli/show.hpp"
#include "core/duration.hpp"
#include "core/strings.hpp"

namespace ebcm::cli::show {
namespace {

namespace json = boost::json;
constexpr size_t kLabelWidth = 15;

template <class T>
const T* find_by_id(const std::vector<T>& items, const std::string& id) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.id == id; });
  return it == items.end() ? nullptr : &*it;
}

std::string heading(const Context& ctx, std::string_view kind, std::string_view id,
                    std::string_view name, std::string_view description) {
  std::string out = ctx.style.bold(fmt::format("{} {}", kind, id));
  if (!name.empty()) out += fmt::format(" — {}", name);
  out += "\n";
  if (!description.empty()) out += fmt::format("  {}\n", description);
  return out + "\n";
}

Rendered start(const Context& ctx, model::EntityKind kind, const std::string& id) {
  Rendered r;
  r.json["kind"] = model::to_string(kind);
  r.json["id"] = id;
  r.json["entity"] = entity_body(ctx, kind, id);
  return r;
}

json::array to_array(const std::vector<std::string>& ids) {
  json::array a;
  for (const auto& id : ids) a.emplace_back(id);
  return a;
}

}  // namespace

std::string field(std::string_view label, std::string_view value) {
  if (value.empty()) return {};
  return fmt::format("  {:<{}}{}\n", label, kLabelWidth, value);
}

json::value entity_body(const Context& ctx, model::EntityKind kind, std::string_view id) {
  for (const auto& e : ctx.entities) {
    if (e.kind != kind || e.id != id) continue;
    json::error_code ec;
    json::value v = json::parse(e.body, ec);
    return ec ? json::value(nullptr) : v;
  }
  return nullptr;
}

std::string render_requirement(const model::Requirement& r) {
  if (r.kind == model::Requirement::Kind::kRef) return r.ref;
  std::vector<std::string> parts;
  for (const auto& item : r.items) {
    parts.push_back(item.kind == model::Requirement::Kind::kRef
                        ? item.ref
                        : "(" + render_requirement(item) + ")");
  }
  return fmt::format("{} of: {}", r.kind == model::Requirement::Kind::kAny ? "any" : "all",
                     join(parts, ", "));
}

std::string person_label(const Context& ctx, const std::string& id) {
  const model::Person* p = find_by_id(ctx.model.people, id);
  return p && !p->name.empty() ? fmt::format("{} — {}", id, p->name) : id;
}

std::string unit_label(const Context& ctx, const std::string& id) {
  const model::BusinessUnit* u = find_by_id(ctx.model.business_units, id);
  return u && !u->name.empty() ? fmt::format("{} — {}", id, u->name) : id;
}

std::string node_label(const Context& ctx, const std::string& ref) {
  const model::NodeRef* n = ctx.index.find(ref);
  return n && !n->name().empty() ? fmt::format("{} — {}", ref, n->name()) : ref;
}

std::string mitigation_summary(const model::Mitigation& m) {
  std::vector<std::string> with;
  for (const auto& w : m.with) with.push_back(w.target);
  std::string out = fmt::format("when {} fails, {} {} in", m.replaces.target, join(with, " + "),
                                with.size() == 1 ? "stands" : "stand");
  out += m.activation ? " after " + format_duration(*m.activation) : " at once";
  return out + fmt::format(" ({})", model::to_string(m.status));
}

std::string id_list(const std::vector<std::string>& ids, size_t limit) {
  if (ids.size() <= limit) return join(ids, ", ");
  std::vector<std::string> head(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(limit));
  return fmt::format("{} and {} more", join(head, ", "), ids.size() - limit);
}

Rendered render_person(const Context& ctx, const model::Person& p) {
  Rendered r = start(ctx, model::EntityKind::kPerson, p.id);
  std::string& out = r.text;
  out = heading(ctx, "person", p.id, p.name, "");
  out += field("business unit", unit_label(ctx, p.business_unit));
  out += field("location", node_label(ctx, p.location));
  out += field("language", p.language);
  if (!p.contacts.empty()) {
    out += "\n" + ctx.style.bold("contacts, in order of preference") + "\n";
    for (const auto& c : p.contacts) {
      out += fmt::format("  {:<{}}{}\n", model::to_string(c.channel), kLabelWidth, c.address);
    }
  }
  std::vector<std::string> functions, mitigations;
  for (const auto& f : ctx.model.functions) {
    if (f.owner == p.id) functions.push_back(f.id);
  }
  for (const auto& m : ctx.model.mitigations) {
    if (m.owner == p.id) mitigations.push_back(m.id);
  }
  if (!functions.empty() || !mitigations.empty()) {
    out += "\n" + ctx.style.bold("owns") + "\n";
    out += field("functions", id_list(functions));
    out += field("mitigations", id_list(mitigations));
  }
  r.json["owns_functions"] = to_array(functions);
  r.json["owns_mitigations"] = to_array(mitigations);
  return r;
}

Rendered render_unit(const Context& ctx, const model::BusinessUnit& u) {
  Rendered r = start(ctx, model::EntityKind::kBusinessUnit, u.id);
  std::string& out = r.text;
  out = heading(ctx, "business unit", u.id, u.name, u.description);
  out += field("part of", u.parent.empty() ? "" : unit_label(ctx, u.parent));
  std::vector<std::string> units, functions, people;
  for (const auto& x : ctx.model.business_units) {
    if (x.parent == u.id) units.push_back(x.id);
  }
  for (const auto& f : ctx.model.functions) {
    if (f.business_unit == u.id) functions.push_back(f.id);
  }
  for (const auto& p : ctx.model.people) {
    if (p.business_unit == u.id) people.push_back(p.id);
  }
  out += field("units", id_list(units));
  out += field("functions", id_list(functions));
  out += field("people", id_list(people));
  r.json["units"] = to_array(units);
  r.json["functions"] = to_array(functions);
  r.json["people"] = to_array(people);
  return r;
}

Rendered render_mitigation(const Context& ctx, const model::Mitigation& m) {
  Rendered r = start(ctx, model::EntityKind::kMitigation, m.id);
  std::string& out = r.text;
  out = heading(ctx, "mitigation", m.id, "", m.description);
  std::vector<std::string> with;
  for (const auto& w : m.with) with.push_back(w.target);
  out += field("for", node_label(ctx, m.for_.target));
  out += field("replaces", node_label(ctx, m.replaces.target));
  out += field("with", join(with, ", "));
  out += field("activation", m.activation ? format_duration(*m.activation) : "at once");
  std::string status = model::to_string(m.status);
  if (m.status == model::MitigationStatus::kPlanned) status += " (does not count yet)";
  out += field("status", status);
  out += field("owner", m.owner.empty() ? "" : person_label(ctx, m.owner));
  out += field("runbook", m.runbook);
  return r;
}

Rendered render_scenario(const Context& ctx, const model::Scenario& s) {
  Rendered r = start(ctx, model::EntityKind::kScenario, s.id);
  std::string& out = r.text;
  out = heading(ctx, "scenario", s.id, s.name, s.description);
  std::vector<std::string> categories;
  for (auto c : s.categories) categories.emplace_back(model::to_string(c));
  out += field("category", join(categories, ", "));
  out += field("duration", s.duration ? format_duration(*s.duration) : "open-ended");
  if (!s.disrupt.empty()) out += "\n" + ctx.style.bold("disrupts") + "\n";
  for (const auto& d : s.disrupt) {
    if (d.kind == model::Disruption::Kind::kNode) {
      out += "  " + node_label(ctx, d.node) + "\n";
      continue;
    }
    std::string line = fmt::format("  {}% of the workforce", d.percent);
    if (!d.location.empty()) line += " at " + d.location;
    if (!d.business_unit.empty()) line += " in " + d.business_unit;
    out += line + "\n";
  }
  return r;
}

}  // namespace ebcm::cli::show
