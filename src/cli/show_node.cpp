#include <fmt/format.h>

#include <algorithm>

#include "cli/show.hpp"
#include "core/duration.hpp"
#include "core/strings.hpp"

namespace ebcm::cli::show {
namespace {

namespace json = boost::json;
using model::NodeKind;

std::string duration_text(const std::optional<Duration>& d) {
  return d ? format_duration(*d) : std::string();
}

bool names(const std::vector<model::Requirement>& entries, std::string_view ref) {
  bool found = false;
  model::for_each_ref(
      entries, [&](const std::string& r, const model::Requirement&) { found = found || r == ref; });
  return found;
}

std::vector<std::string> refs_of(const model::Requirement& r) {
  std::vector<std::string> out;
  model::for_each_ref(std::vector<model::Requirement>{r},
                      [&](const std::string& x, const model::Requirement&) { out.push_back(x); });
  return out;
}

json::array requirements_json(const std::vector<model::Requirement>& entries) {
  json::array a;
  for (const auto& r : entries) {
    json::array refs;
    for (const auto& x : refs_of(r)) refs.emplace_back(x);
    a.push_back(json::object{{"text", render_requirement(r)}, {"refs", std::move(refs)}});
  }
  return a;
}

std::string requirements_text(const Context& ctx, std::string_view heading,
                              const std::vector<model::Requirement>& entries) {
  if (entries.empty()) return {};
  std::string out = "\n" + ctx.style.bold(heading) + "\n";
  for (const auto& r : entries) out += "  " + render_requirement(r) + "\n";
  return out;
}

std::string fields_of(const Context& ctx, const model::NodeRef& n) {
  std::string out;
  switch (n.kind) {
    case NodeKind::kFunction: {
      const model::Function& f = *n.function;
      if (f.criticality) out += field("criticality", model::to_string(*f.criticality));
      if (f.bia) {
        out += field("RTO", duration_text(f.bia->rto));
        out += field("RPO", duration_text(f.bia->rpo));
        out += field("MTPD", duration_text(f.bia->mtpd));
      }
      if (!f.owner.empty()) out += field("owner", person_label(ctx, f.owner));
      if (!f.business_unit.empty()) out += field("business unit", unit_label(ctx, f.business_unit));
      if (f.staff) {
        out +=
            field("staff", fmt::format("{} normal, {} minimum", f.staff->normal, f.staff->minimum));
      }
      if (!f.parent.empty()) out += field("part of", node_label(ctx, f.parent));
      std::vector<std::string> children;
      for (const auto& c : ctx.model.functions) {
        if (c.parent == f.id) children.push_back(c.id);
      }
      out += field("processes", id_list(children));
      break;
    }
    case NodeKind::kService: {
      const model::Service& s = *n.service;
      out += field("kind", model::to_string(s.kind));
      out += field("provider", s.provider);
      out += field("provider id", s.provider_service);
      break;
    }
    case NodeKind::kFeature:
      out += field("service", node_label(ctx, n.service->id));
      out += field("kind", model::to_string(n.service->kind));
      out += field("provider", n.service->provider);
      break;
    case NodeKind::kLocation:
      out += field("kind", model::to_string(n.location->kind));
      break;
  }
  return out;
}

const std::string& description_of(const model::NodeRef& n) {
  switch (n.kind) {
    case NodeKind::kFunction:
      return n.function->description;
    case NodeKind::kService:
      return n.service->description;
    case NodeKind::kFeature:
      return n.feature->description;
    case NodeKind::kLocation:
      return n.location->description;
  }
  return n.ref;
}

json::value body_of(const Context& ctx, const model::NodeRef& n) {
  switch (n.kind) {
    case NodeKind::kFunction:
      return entity_body(ctx, model::EntityKind::kFunction, n.ref);
    case NodeKind::kService:
      return entity_body(ctx, model::EntityKind::kService, n.ref);
    case NodeKind::kLocation:
      return entity_body(ctx, model::EntityKind::kLocation, n.ref);
    case NodeKind::kFeature: {
      json::value service = entity_body(ctx, model::EntityKind::kService, n.service->id);
      if (const auto* o = service.if_object()) {
        if (const auto* features = o->if_contains("features"); features && features->is_array()) {
          for (const auto& f : features->get_array()) {
            const auto* fo = f.if_object();
            const auto* id = fo ? fo->if_contains("id") : nullptr;
            if (id && id->is_string() && id->get_string() == n.feature->id) return f;
          }
        }
      }
      return nullptr;
    }
  }
  return nullptr;
}

struct Mention {
  const model::Mitigation* mitigation;
  const char* role;  // "protects", "replaces", "uses"
};

std::vector<Mention> mitigations_of(const Context& ctx, const model::NodeRef& n) {
  std::vector<Mention> out;
  for (const auto& m : ctx.model.mitigations) {
    if (m.for_.target == n.ref) {
      out.push_back({&m, "protects"});
    } else if (m.replaces.target == n.ref ||
               (n.kind == NodeKind::kFeature && m.replaces.target == n.service->id)) {
      out.push_back({&m, "replaces"});
    } else if (std::any_of(m.with.begin(), m.with.end(),
                           [&](const model::Ref& w) { return w.target == n.ref; })) {
      out.push_back({&m, "uses"});
    }
  }
  return out;
}

std::string role_text(const Mention& m) {
  if (std::string_view(m.role) == "protects") return "protects it";
  if (std::string_view(m.role) == "replaces") return "for " + m.mitigation->for_.target;
  return "uses it, for " + m.mitigation->for_.target;
}

}  // namespace

Rendered render_node(const Context& ctx, const model::NodeRef& n) {
  const Style& st = ctx.style;
  Rendered r;
  json::object& j = r.json;
  j["kind"] = model::to_string(n.kind);
  j["id"] = n.ref;
  j["name"] = n.name();
  j["entity"] = body_of(ctx, n);

  std::string& out = r.text;
  out = st.bold(fmt::format("{} {}", model::to_string(n.kind), n.ref));
  if (!n.name().empty()) out += " — " + n.name();
  out += "\n";
  if (!description_of(n).empty()) out += "  " + description_of(n) + "\n";
  out += "\n" + fields_of(ctx, n);

  if (n.kind == NodeKind::kService && !n.service->features.empty()) {
    out += "\n" + st.bold("features") + "\n";
    json::array features;
    for (const auto& f : n.service->features) {
      const std::string ref = n.ref + "/" + f.id;
      const size_t users = ctx.index.required_by(ref).size();
      out += fmt::format("  {:<24} {}{}\n", ref, f.name,
                         users ? st.dim(fmt::format("  (required by {})", users)) : "");
      features.emplace_back(ref);
    }
    j["features"] = std::move(features);
  }

  out += requirements_text(ctx, "requires (every entry must hold)", n.requires_());
  j["requires"] = requirements_json(n.requires_());
  if (n.kind == NodeKind::kFeature) {
    out += requirements_text(ctx, "requires, through " + n.service->id, n.inherited_requires());
    j["inherited_requires"] = requirements_json(n.inherited_requires());
  }
  json::array soft;
  if (!n.degraded_by().empty()) {
    out += "\n" + st.bold("degraded by (when one of these is down)") + "\n";
    for (const auto& d : n.degraded_by()) {
      out += "  " + d.target + "\n";
      soft.emplace_back(d.target);
    }
  }
  j["degraded_by"] = std::move(soft);

  // Users: nodes naming this one in their own requires, or in degraded_by; for a service, also
  // those naming one of its features ("via exo/mapi"). A feature that needs it only through its
  // service is left out: the service is listed already.
  std::vector<std::string> targets{n.ref};
  if (n.kind == NodeKind::kService) {
    for (const auto& f : n.service->features) targets.push_back(n.ref + "/" + f.id);
  }
  struct User {
    const model::NodeRef* node;
    bool hard = false, degrades = false;
    std::vector<std::string> via;  // features of this service it names
  };
  std::vector<User> users;
  for (const std::string& target : targets) {
    for (const std::string& user : ctx.index.required_by(target)) {
      const model::NodeRef* u = ctx.index.find(user);
      if (u == nullptr) continue;
      const bool hard = names(u->requires_(), target);
      const bool degrades = std::any_of(u->degraded_by().begin(), u->degraded_by().end(),
                                        [&](const model::Ref& d) { return d.target == target; });
      if (!hard && !degrades) continue;
      auto it = std::find_if(users.begin(), users.end(), [&](const User& x) { return x.node == u; });
      if (it == users.end()) it = users.insert(users.end(), User{u});
      it->hard = it->hard || hard;
      it->degrades = it->degrades || degrades;
      if (target != n.ref && std::find(it->via.begin(), it->via.end(), target) == it->via.end()) {
        it->via.push_back(target);
      }
    }
  }
  std::string hard_text, soft_text;
  json::array hard_json, soft_json;
  size_t hard_count = 0, soft_count = 0;
  for (const User& user : users) {
    const model::NodeRef* u = user.node;
    std::string line = fmt::format("  {:<24} {:<9} {}", u->ref, model::to_string(u->kind), u->name());
    if (!user.via.empty()) line += st.dim("  (via " + join(user.via, ", ") + ")");
    line += "\n";
    json::object o{{"id", u->ref}, {"kind", model::to_string(u->kind)}, {"name", u->name()}};
    if (!user.via.empty()) {
      json::array via;
      for (const auto& v : user.via) via.emplace_back(v);
      o["via"] = std::move(via);
    }
    if (user.hard) {
      hard_text += line;
      ++hard_count;
      hard_json.push_back(std::move(o));
    } else {
      soft_text += line;
      ++soft_count;
      soft_json.push_back(std::move(o));
    }
  }
  const std::string through = n.kind == NodeKind::kService && !n.service->features.empty()
                                  ? ", itself or through its features"
                                  : "";
  if (!hard_text.empty()) {
    out += "\n" + st.bold(fmt::format("required by {}{}", plural(static_cast<int64_t>(hard_count), "node", "nodes"), through)) + "\n" + hard_text;
  }
  if (!soft_text.empty()) {
    out += "\n" + st.bold(fmt::format("degraded when it is down: {}", plural(static_cast<int64_t>(soft_count), "node", "nodes"))) + "\n" + soft_text;
  }
  if (hard_text.empty() && soft_text.empty()) out += "\n" + st.dim("nothing requires it") + "\n";
  j["required_by"] = std::move(hard_json);
  j["degrades"] = std::move(soft_json);

  json::array mits;
  const auto mentions = mitigations_of(ctx, n);
  if (!mentions.empty()) out += "\n" + st.bold("mitigations") + "\n";
  for (const auto& m : mentions) {
    out += fmt::format("  {:<24} {}: {}\n", m.mitigation->id, role_text(m),
                       mitigation_summary(*m.mitigation));
    mits.push_back(json::object{{"id", m.mitigation->id},
                                {"role", m.role},
                                {"for", m.mitigation->for_.target},
                                {"replaces", m.mitigation->replaces.target},
                                {"status", model::to_string(m.mitigation->status)}});
  }
  j["mitigations"] = std::move(mits);
  return r;
}

}  // namespace ebcm::cli::show
