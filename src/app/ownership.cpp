#include "app/ownership.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <functional>
#include <set>

namespace ebcm::app {
namespace {

using model::EntityKind;

std::string_view owner_of(const model::Model& m, std::string_view function) {
  for (const auto& f : m.functions)
    if (f.id == function) return f.owner;
  return {};
}

// The body's string field `key` is `want`; absent counts for a patch (it keeps what is there).
bool field_keeps(const boost::json::value* body, EditKind kind, const char* key,
                 const std::function<bool(std::string_view)>& ok) {
  if (!body || !body->is_object()) return false;
  const auto* v = body->as_object().if_contains(key);
  if (!v) return kind == EditKind::kPatch;
  return v->is_string() && ok(v->as_string());
}

}  // namespace

bool owner_may_edit_function(const model::Model& m, std::string_view person, std::string_view id,
                             EditKind kind, const boost::json::value* body) {
  if (person.empty() || owner_of(m, id) != person) return false;
  if (kind == EditKind::kDelete || kind == EditKind::kCreate) return false;  // the coordinator's
  return field_keeps(body, kind, "owner", [&](std::string_view o) { return o == person; });
}

bool owner_may_edit_mitigation(const model::Model& m, std::string_view person, std::string_view id,
                               EditKind kind, const boost::json::value* body) {
  if (person.empty()) return false;
  auto owned = [&](std::string_view for_) { return !for_.empty() && owner_of(m, for_) == person; };
  if (kind != EditKind::kCreate) {
    const model::Mitigation* cur = nullptr;
    for (const auto& x : m.mitigations)
      if (x.id == id) cur = &x;
    if (!cur || !owned(cur->for_.target)) return false;
    if (kind == EditKind::kDelete) return true;
  }
  return field_keeps(body, kind, "for", owned);
}

std::optional<std::string> owner_change_refused(const Snapshot& before,
                                                const std::vector<model::Entity>& after,
                                                const model::Model& next, std::string_view me) {
  if (me.empty()) return "this owner account is tied to no person of the model";
  auto allowed = [&](const model::Model& m, EntityKind kind, std::string_view id) {
    if (kind == EntityKind::kFunction) return owner_of(m, id) == me;
    if (kind != EntityKind::kMitigation) return false;
    for (const auto& x : m.mitigations)
      if (x.id == id) return !x.for_.target.empty() && owner_of(m, x.for_.target) == me;
    return false;
  };
  auto refuse = [&](EntityKind kind, std::string_view id) {
    return fmt::format("owners may change only the functions they own and their mitigations "
                       "(person '{}'); this change touches {} '{}'",
                       me, model::info(kind).noun, id);
  };
  size_t kept = 0;
  for (const auto& e : after) {
    const auto pos = before.find(e.kind, e.id);
    if (pos) ++kept;
    if (pos && before.entities()[*pos].body == e.body) continue;
    if ((pos && !allowed(before.model(), e.kind, e.id)) || !allowed(next, e.kind, e.id))
      return refuse(e.kind, e.id);
  }
  if (kept != before.entities().size()) {  // something was removed
    std::set<std::pair<EntityKind, std::string_view>> present;
    for (const auto& e : after) present.emplace(e.kind, e.id);
    for (const auto& e : before.entities()) {
      if (present.count({e.kind, e.id})) continue;
      if (e.kind != EntityKind::kMitigation || !allowed(before.model(), e.kind, e.id))
        return refuse(e.kind, e.id);
    }
  }
  return std::nullopt;
}

}  // namespace ebcm::app
