#include "model/entities.hpp"

#include <fmt/format.h>

#include <array>
#include <type_traits>
#include <unordered_map>

#include "model/codec.hpp"

namespace ebcm::model {

namespace {
constexpr EntityKindInfo kKinds[kEntityKindCount] = {
    {EntityKind::kOrganization, "organization", "organization", "organization", "organization"},
    {EntityKind::kBusinessUnit, "business_unit", "business_units", "business-units",
     "business unit"},
    {EntityKind::kLocation, "location", "locations", "locations", "location"},
    {EntityKind::kPerson, "person", "people", "people", "person"},
    {EntityKind::kService, "service", "services", "services", "service"},
    {EntityKind::kFunction, "function", "functions", "functions", "function"},
    {EntityKind::kMitigation, "mitigation", "mitigations", "mitigations", "mitigation"},
    {EntityKind::kScenario, "scenario", "scenarios", "scenarios", "scenario"},
    {EntityKind::kCallTree, "call_tree", "call_trees", "call-trees", "call tree"},
};
static_assert([] {
  for (int i = 0; i < kEntityKindCount; ++i)
    if (static_cast<int>(kKinds[i].kind) != i) return false;
  return true;
}());
}  // namespace

const EntityKindInfo& info(EntityKind kind) { return kKinds[static_cast<size_t>(kind)]; }
std::span<const EntityKindInfo> entity_kinds() { return kKinds; }
const char* to_string(EntityKind kind) { return info(kind).name; }
std::optional<EntityKind> parse_entity_kind(std::string_view text) {
  for (const auto& k : kKinds)
    if (text == k.name) return k.kind;
  return std::nullopt;
}

namespace {
template <class T>
void add_all(std::vector<Entity>& out, EntityKind kind, const std::vector<T>& items) {
  for (const auto& i : items) {
    out.push_back(Entity{kind, i.id, detail::serialize_entity(i)});
  }
}
}  // namespace

std::vector<Entity> to_entities(const Model& m) {
  std::vector<Entity> out;
  size_t total = 1;
  detail::for_each_section(
      m, [&](const char*, EntityKind, const auto& items) { total += items.size(); });
  out.reserve(total);
  out.push_back(Entity{EntityKind::kOrganization, "", detail::serialize_entity(m.organization)});
  detail::for_each_section(
      m, [&](const char*, EntityKind kind, const auto& items) { add_all(out, kind, items); });
  return out;
}

Result<Model> from_entities(std::span<const Entity> entities) {
  return from_entities(entities, Model{}, {});
}

namespace {

// Appends item `index` of `kind`'s section of `from` to the same section of `to`.
void copy_item(const Model& from, Model& to, EntityKind kind, uint32_t index) {
  detail::for_each_section(to, [&](const char*, EntityKind k, auto& items) {
    if (k != kind) return;
    using Items = std::remove_reference_t<decltype(items)>;
    detail::for_each_section(from, [&](const char*, EntityKind, const auto& source) {
      if constexpr (std::is_same_v<std::remove_cvref_t<decltype(source)>, Items>) {
        items.push_back(source[index]);
      }
    });
  });
}

}  // namespace

Result<Model> from_entities(std::span<const Entity> entities, const Model& base,
                            std::span<const Entity> base_entities) {
  // Per kind: id → (its place among the base's entities of that kind, its body).
  std::array<std::unordered_map<std::string_view, std::pair<uint32_t, const std::string*>>,
             kEntityKindCount>
      known;
  std::array<uint32_t, kEntityKindCount> seen{};
  for (const auto& e : base_entities) {
    const auto k = static_cast<size_t>(e.kind);
    known[k].emplace(e.id, std::pair{seen[k]++, &e.body});
  }
  Model model;
  Diagnostics diags;
  boost::json::monotonic_resource mr;
  for (const auto& e : entities) {
    const auto& map = known[static_cast<size_t>(e.kind)];
    if (auto it = map.find(e.id); it != map.end() && *it->second.second == e.body) {
      if (e.kind == EntityKind::kOrganization) {
        model.organization = base.organization;
      } else {
        copy_item(base, model, e.kind, it->second.first);
      }
      continue;
    }
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(e.body, ec, &mr);
    std::string name = fmt::format("{} '{}'", to_string(e.kind), e.id);
    if (ec) {
      return make_error(ErrorCode::kInvalidInput,
                        fmt::format("stored {} is not JSON: {}", name, ec.message()));
    }
    detail::Reader reader(diags, name, 0, nullptr, /*yaml=*/false);
    reader.read_entity(e.kind, v, model);
  }
  if (diags.has_errors()) {
    return make_error(ErrorCode::kInvalidInput,
                      "stored model does not read back: " + format_text(diags, false));
  }
  return model;
}

}  // namespace ebcm::model
