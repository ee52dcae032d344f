// Internal to model/: the one translation between JSON values and model types, used by the YAML
// loader (after turning YAML into JSON values), the JSON loader, the writers and the store's
// entities. Keeping a single reader means YAML, JSON and stored entities obey the same rules.
// Thread safety: a Reader is used by one thread.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/diagnostics.hpp"
#include "model/entities.hpp"
#include "model/model.hpp"

namespace ebcm::model::detail {

namespace json = boost::json;

// Positions of the JSON values made from a YAML document (JSON input has none).
class PosMap {
 public:
  void set(const json::value* v, Pos p) { map_.emplace(v, p); }
  Pos get(const json::value& v) const {
    auto it = map_.find(&v);
    return it == map_.end() ? Pos{} : it->second;
  }
  bool empty() const { return map_.empty(); }
  // Takes the positions of `other`, `lines` further down (a part of a file parsed alone).
  void merge_shifted(const PosMap& other, uint32_t lines) {
    for (const auto& [v, p] : other.map_) map_.emplace(v, p.line ? Pos{p.line + lines, p.col} : p);
  }

 private:
  std::unordered_map<const json::value*, Pos> map_;
};

// The path to the value being read, rendered only when a diagnostic needs it. A list item
// with an id is named by it ("functions[dispatch].bia.rto"), the others by their position
// ("contacts[0]"); render_indexes() gives positions only, for finding a JSON line again.
class PathStack {
 public:
  void push(std::string_view key) { segs_.push_back({key, 0, false, {}}); }
  void push(size_t index, std::string_view label = {}) {
    segs_.push_back({{}, index, true, label});
  }
  void pop() { segs_.pop_back(); }
  std::string render() const;
  std::string render_indexes() const;

 private:
  struct Seg {
    std::string_view key;
    size_t index;
    bool is_index;
    std::string_view label;
  };
  std::string render(bool labels) const;
  std::vector<Seg> segs_;
};

// The id that names a list item in paths: its "id" when that is a valid id, else empty.
std::string_view item_label(const json::value& item);

// The names of a document's sections (every kind but the organization), in the canonical order:
// the words of model::info(), the one list of the kinds.
inline auto sections() {
  return entity_kinds().subspan(1);
}

// Calls fn(name, kind, items) for each section of `m` (a Model or const Model), in the
// canonical order: the one place that lists which vector holds which section.
template <class M, class Fn>
void for_each_section(M& m, Fn&& fn) {
  fn(info(EntityKind::kBusinessUnit).section, EntityKind::kBusinessUnit, m.business_units);
  fn(info(EntityKind::kLocation).section, EntityKind::kLocation, m.locations);
  fn(info(EntityKind::kPerson).section, EntityKind::kPerson, m.people);
  fn(info(EntityKind::kService).section, EntityKind::kService, m.services);
  fn(info(EntityKind::kFunction).section, EntityKind::kFunction, m.functions);
  fn(info(EntityKind::kMitigation).section, EntityKind::kMitigation, m.mitigations);
  fn(info(EntityKind::kScenario).section, EntityKind::kScenario, m.scenarios);
  fn(info(EntityKind::kCallTree).section, EntityKind::kCallTree, m.call_trees);
}

class Reader {
 public:
  // `yaml`: scalars arrive as strings (YAML is untyped), so numbers are parsed from them.
  // `refuse_unknown_keys`: an unknown key is an error, not a warning (the API's bodies).
  Reader(Diagnostics& diags, std::string file, uint32_t file_index, const PosMap* positions,
         bool yaml, bool refuse_unknown_keys = false);

  // Reads a whole document (the top-level mapping) into `model`, appending to its sections.
  // Returns whether the document declared `ebcm: 1` and whether it had an `organization`.
  struct DocumentInfo {
    bool version = false;
    bool organization = false;
  };
  DocumentInfo read_document(const json::value& root, Model& model);

  // Reads the items of `section` (one of sections()) into `model`.
  void read_section(std::string_view section, const json::array& items, Model& model);
  // Reads one item, entry `index` of `section`, into `model` (the streaming JSON loader).
  void read_item(std::string_view section, const json::value& item, size_t index, Model& model);
  // Reads one entity of the given kind (the store's bodies); the organization overwrites.
  void read_entity(EntityKind kind, const json::value& value, Model& model);

  struct Ctx;  // the typed accessors the entity readers share (codec_read.cpp)

 private:
  friend struct Ctx;
  Diagnostics& diags_;
  std::string file_;
  uint32_t file_index_;
  const PosMap* positions_;
  bool yaml_;
  bool unknown_keys_refused_;
  PathStack path_;
};

// Canonical JSON of each entity (keys in a fixed order, empty and default fields omitted).
// Everything is allocated from `sp`: callers pass a small arena per entity, which makes
// writing a million entities several times faster than one heap allocation per value.
json::object to_json(const Organization& o, const json::storage_ptr& sp = {});
json::object to_json(const BusinessUnit& b, const json::storage_ptr& sp = {});
json::object to_json(const Location& l, const json::storage_ptr& sp = {});
json::object to_json(const Person& p, const json::storage_ptr& sp = {});
json::object to_json(const Service& s, const json::storage_ptr& sp = {});
json::object to_json(const Function& f, const json::storage_ptr& sp = {});
json::object to_json(const Mitigation& m, const json::storage_ptr& sp = {});
json::object to_json(const Scenario& s, const json::storage_ptr& sp = {});
json::object to_json(const CallTree& t, const json::storage_ptr& sp = {});

// Compact canonical JSON of one entity, built in a reusable arena.
template <class T>
std::string serialize_entity(const T& item) {
  unsigned char buffer[8192];
  json::monotonic_resource arena(buffer, sizeof buffer);
  return json::serialize(to_json(item, &arena));
}
// The whole model as one document: ebcm, organization, then the sections in canonical order.
json::object to_json_document(const Model& m);

}  // namespace ebcm::model::detail
