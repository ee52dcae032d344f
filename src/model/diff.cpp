#include "model/diff.hpp"

#include <boost/json.hpp>
#include <unordered_map>
#include <unordered_set>

namespace ebcm::model {

namespace json = boost::json;

namespace {

std::string text(const json::value& v) { return json::serialize(v); }

bool all_have_ids(const json::array& a) {
  for (const auto& v : a) {
    const auto* o = v.if_object();
    if (!o || !o->contains("id") || !(*o).at("id").is_string()) return false;
  }
  return true;
}

void compare(const json::value& a, const json::value& b, const std::string& path,
             std::vector<FieldChange>& out) {
  if (a == b) return;
  auto join = [&](std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  };
  if (a.is_object() && b.is_object()) {
    const auto& ao = a.get_object();
    const auto& bo = b.get_object();
    for (const auto& kv : bo) {
      if (const auto* av = ao.if_contains(kv.key())) {
        compare(*av, kv.value(), join(kv.key()), out);
      } else {
        out.push_back({join(kv.key()), "", text(kv.value())});
      }
    }
    for (const auto& kv : ao) {
      if (!bo.contains(kv.key())) out.push_back({join(kv.key()), text(kv.value()), ""});
    }
    return;
  }
  if (a.is_array() && b.is_array()) {
    const auto& aa = a.get_array();
    const auto& ba = b.get_array();
    if (all_have_ids(aa) && all_have_ids(ba)) {  // features: match by id, not by place
      std::unordered_map<std::string_view, const json::value*> before;
      for (const auto& v : aa) before.emplace(v.at("id").get_string(), &v);
      std::unordered_set<std::string_view> seen;
      for (const auto& v : ba) {
        std::string_view id = v.at("id").get_string();
        seen.insert(id);
        std::string p = path + "[" + std::string(id) + "]";
        auto it = before.find(id);
        if (it == before.end()) {
          out.push_back({p, "", text(v)});
        } else {
          compare(*it->second, v, p, out);
        }
      }
      for (const auto& v : aa) {
        std::string_view id = v.at("id").get_string();
        if (!seen.count(id)) out.push_back({path + "[" + std::string(id) + "]", text(v), ""});
      }
      return;
    }
    if (aa.size() == ba.size()) {
      for (size_t i = 0; i < aa.size(); ++i) {
        compare(aa[i], ba[i], path + "[" + std::to_string(i) + "]", out);
      }
      return;
    }
  }
  out.push_back({path, text(a), text(b)});
}

struct Key {
  EntityKind kind;
  std::string_view id;
  bool operator==(const Key&) const = default;
};
struct KeyHash {
  size_t operator()(const Key& k) const {
    return std::hash<std::string_view>()(k.id) * 31 + static_cast<size_t>(k.kind);
  }
};

}  // namespace

std::vector<EntityChange> diff(std::span<const Entity> before, std::span<const Entity> after) {
  std::unordered_map<Key, const Entity*, KeyHash> old;
  old.reserve(before.size());
  for (const auto& e : before) old.emplace(Key{e.kind, e.id}, &e);
  std::vector<EntityChange> out;
  std::unordered_set<Key, KeyHash> kept;
  for (const auto& e : after) {
    auto it = old.find(Key{e.kind, e.id});
    if (it == old.end()) {
      out.push_back({EntityChange::Kind::kAdded, e.kind, e.id, {}});
      continue;
    }
    kept.insert(Key{e.kind, e.id});
    if (it->second->body == e.body) continue;
    EntityChange c{EntityChange::Kind::kChanged, e.kind, e.id, {}};
    compare(json::parse(it->second->body), json::parse(e.body), "", c.fields);
    out.push_back(std::move(c));
  }
  for (const auto& e : before) {
    if (!kept.count(Key{e.kind, e.id}))
      out.push_back({EntityChange::Kind::kRemoved, e.kind, e.id, {}});
  }
  return out;
}

namespace {

const char* change_word(EntityChange::Kind kind) {
  switch (kind) {
    case EntityChange::Kind::kAdded: return "added";
    case EntityChange::Kind::kRemoved: return "removed";
    case EntityChange::Kind::kChanged: return "changed";
  }
  return "changed";
}

boost::json::value parse_or_string(const std::string& text) {
  boost::json::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return boost::json::value(text);
  return v;
}

}  // namespace

std::string diff_to_json(int64_t from, int64_t to, const std::vector<EntityChange>& changes) {
  namespace json = boost::json;
  json::array list;
  for (const auto& c : changes) {
    json::object o{{"change", change_word(c.kind)}, {"kind", to_string(c.entity)}, {"id", c.id}};
    if (c.kind == EntityChange::Kind::kChanged) {
      json::array fields;
      for (const auto& f : c.fields) {
        json::object field{{"path", f.path}};
        if (!f.before.empty()) field["before"] = parse_or_string(f.before);
        if (!f.after.empty()) field["after"] = parse_or_string(f.after);
        fields.push_back(std::move(field));
      }
      o["fields"] = std::move(fields);
    }
    list.push_back(std::move(o));
  }
  json::object root{{"from", from}, {"to", to}, {"changes", std::move(list)}};
  return json::serialize(root) + "\n";
}

}  // namespace ebcm::model
