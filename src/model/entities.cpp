#include "model/entities.hpp"

#include <fmt/format.h>

#include "model/codec.hpp"

namespace ebcm::model {

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
  Model model;
  Diagnostics diags;
  boost::json::monotonic_resource mr;
  for (const auto& e : entities) {
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
