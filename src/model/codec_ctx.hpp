// Internal to model/: the typed accessors the entity readers (codec_read.cpp) share, each
// reporting a diagnostic with the current path on every mismatch.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <span>

#include "core/catalog.hpp"
#include "core/strings.hpp"
#include "model/codec.hpp"

namespace ebcm::model::detail {

using Keys = std::span<const std::string_view>;

inline constexpr std::string_view kDocumentKeys[] = {"ebcm",      "organization", "business_units",
                                                     "locations", "people",       "services",
                                                     "functions", "mitigations",  "scenarios",
                                                     "call_trees"};
inline constexpr std::string_view kOrganizationKeys[] = {"name", "language", "timezone"};
inline constexpr std::string_view kBusinessUnitKeys[] = {"id", "name", "names", "parent",
                                                         "description"};
inline constexpr std::string_view kLocationKeys[] = {
    "id", "name", "names", "kind", "description", "requires", "degraded_by"};
inline constexpr std::string_view kPersonKeys[] = {"id",       "name",     "business_unit",
                                                   "location", "language", "contacts"};
inline constexpr std::string_view kContactKeys[] = {"channel", "address"};
inline constexpr std::string_view kServiceKeys[] = {
    "id",       "name",     "names",       "kind",       "provider", "provider_service",
    "features", "requires", "degraded_by", "description"};
inline constexpr std::string_view kFeatureKeys[] = {
    "id", "name", "names", "description", "requires", "degraded_by", "provider_feature"};
inline constexpr std::string_view kFunctionKeys[] = {
    "id",    "name",        "names", "description", "parent",   "business_unit",
    "owner", "criticality", "staff", "bia",         "requires", "degraded_by",
    "call_tree"};
inline constexpr std::string_view kStaffKeys[] = {"normal", "minimum"};
inline constexpr std::string_view kBiaKeys[] = {"rto", "rpo", "mtpd", "impacts"};
inline constexpr std::string_view kMitigationKeys[] = {
    "id", "for", "replaces", "with", "activation", "status", "owner", "description", "runbook"};
inline constexpr std::string_view kScenarioKeys[] = {
    "id", "name", "names", "description", "category", "disrupt", "duration"};
inline constexpr std::string_view kCallTreeKeys[] = {"id",     "name",  "names",
                                                     "description", "repeat", "levels"};
inline constexpr std::string_view kCallLevelKeys[] = {"targets", "ack_timeout"};
inline constexpr std::string_view kCallTargetKeys[] = {"person", "business_unit", "location"};
inline constexpr std::string_view kDisruptKeys[] = {"node", "state", "workforce", "location",
                                                    "business_unit"};
inline constexpr std::string_view kImpactCategories[] = {"operational", "financial", "regulatory",
                                                         "reputational", "safety"};

inline constexpr std::string_view kLocationKindNames[] = {"office", "datacenter", "remote",
                                                          "region"};
inline constexpr std::string_view kChannelNames[] = {"email", "sms", "voice", "webhook"};
inline constexpr std::string_view kServiceKindNames[] = {"cloud",    "saas",   "on-prem", "network",
                                                         "facility", "vendor", "device"};
inline constexpr std::string_view kCriticalityNames[] = {"critical", "high", "medium", "low"};
inline constexpr std::string_view kStatusNames[] = {"planned", "implemented", "validated"};

inline std::string choices(Keys keys) {
  std::string out;
  for (auto k : keys) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

// Everything the readers below share: typed access with a diagnostic on every mismatch.
struct Reader::Ctx {
  Reader& r;

  void push(std::string_view key) { r.path_.push(key); }
  void pop() { r.path_.pop(); }

  Pos pos(const json::value& v) const { return r.positions_ ? r.positions_->get(v) : Pos{}; }
  void report(Severity sev, const json::value& v, std::string msg, std::string hint) {
    Pos p = pos(v);
    std::string path = r.path_.render(), indexes = r.path_.render_indexes();
    if (indexes == path) indexes.clear();
    r.diags_.add(Diagnostic{sev, r.file_, p.line, p.col, std::move(path), std::move(msg),
                            std::move(hint), std::move(indexes)});
  }
  void error(const json::value& v, std::string msg, std::string hint = {}) {
    report(Severity::kError, v, std::move(msg), std::move(hint));
  }
  void warning(const json::value& v, std::string msg, std::string hint = {}) {
    report(Severity::kWarning, v, std::move(msg), std::move(hint));
  }

  // Calls fn(value) for `key` of `o` with the path extended, when present and not null.
  template <class Fn>
  void field(const json::object& o, std::string_view key, Fn&& fn) {
    auto it = o.find(key);
    if (it == o.end() || it->value().is_null()) return;
    r.path_.push(key);
    fn(it->value());
    r.path_.pop();
  }
  template <class Fn>
  void each(const json::array& a, Fn&& fn) {
    for (size_t i = 0; i < a.size(); ++i) {
      r.path_.push(i, item_label(a[i]));
      fn(a[i], i);
      r.path_.pop();
    }
  }

  const json::object* object(const json::value& v, std::string_view what) {
    if (const auto* o = v.if_object()) return o;
    error(v, fmt::format("expected {} as a mapping of key: value pairs", what));
    return nullptr;
  }
  const json::array* array(const json::value& v, std::string_view what) {
    if (const auto* a = v.if_array()) return a;
    error(v, fmt::format("expected {} as a list", what));
    return nullptr;
  }
  std::optional<std::string> text(const json::value& v) {
    if (const auto* s = v.if_string()) return std::string(*s);
    error(v, "expected text");
    return std::nullopt;
  }
  std::optional<int64_t> integer(const json::value& v, std::string_view what) {
    if (const auto* i = v.if_int64()) return *i;
    if (const auto* u = v.if_uint64(); u && *u <= INT64_MAX) return static_cast<int64_t>(*u);
    if (const auto* s = v.if_string(); s && r.yaml_) {
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(s->data(), s->data() + s->size(), n);
      if (ec == std::errc() && ptr == s->data() + s->size()) return n;
    }
    error(v, fmt::format("expected {} as a whole number", what), text_of(v));
    return std::nullopt;
  }
  static std::string text_of(const json::value& v) {
    return v.is_string() ? fmt::format("got '{}'", std::string_view(v.get_string())) : "";
  }

  void check_keys(const json::object& o, Keys known, std::string_view what) {
    for (const auto& kv : o) {
      std::string_view k = kv.key();
      bool ok = false;
      for (auto n : known) ok = ok || n == k;
      if (ok) continue;
      r.path_.push(k);
      unknown_key(kv.value(), k, known, what);
      r.path_.pop();
    }
  }

  // A key this mapping does not have. A known key in the wrong case or in the wrong place is
  // an error (its value would be lost: `requires` under `bia` leaves the function without
  // requirements); any other key is a warning in a file and an error over the API.
  void unknown_key(const json::value& v, std::string_view k, Keys known, std::string_view what) {
    std::string low(k);
    for (char& ch : low) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const bool cased = low != k;
    for (auto n : known) {
      if (cased && n == low) {
        error(v, fmt::format("key '{}' is written in capitals; keys are lowercase", k),
              fmt::format("did you mean '{}'?", low));
        return;
      }
    }
    const KeyPlace* here = place_named(what);
    const KeyPlace* up = here ? place_named(here->parent) : nullptr;
    if (up && has_key(up->keys, low)) {
      error(v, fmt::format("'{}' belongs to {}, not to {}", low, the(up->name), what),
            up->parent.empty() ? std::string("move it to the top level, at the start of a line")
                               : fmt::format("move it up one level, into {}", the(up->name)));
      return;
    }
    for (const auto& p : kKeyPlaces) {
      if (p.parent == what && has_key(p.keys, low)) {
        error(v, fmt::format("'{}' belongs under {}, not directly to {}", low, p.name, the(what)),
              fmt::format("move it one level down, into {}", p.name));
        return;
      }
    }
    std::string owners;
    for (const auto& p : kKeyPlaces) {
      if (&p != here && has_key(p.keys, low))
        owners += (owners.empty() ? "" : ", ") + std::string(p.name);
    }
    if (!owners.empty()) {
      error(v, fmt::format("'{}' is a key of {}, not of {}", low, owners, what),
            "check the indentation: did you mean to put it there?");
      return;
    }
    std::vector<std::string_view> cands(known.begin(), known.end());
    std::string near = closest_match(k, cands);
    std::string hint = near.empty() ? fmt::format("known keys: {}", choices(known))
                                    : fmt::format("did you mean '{}'?", near);
    if (r.unknown_keys_refused_) {
      error(v, fmt::format("unknown key '{}' in {} is refused", k, what), std::move(hint));
    } else {
      warning(v, fmt::format("unknown key '{}' in {} is ignored", k, what), std::move(hint));
    }
  }

  // Where each known key belongs: the mapping's name as check_keys() is given it, its keys,
  // and the mapping it sits in.
  struct KeyPlace {
    std::string_view name;
    Keys keys;
    std::string_view parent;
  };
  static constexpr KeyPlace kKeyPlaces[] = {
      {"the model", kDocumentKeys, ""},
      {"the organization", kOrganizationKeys, "the model"},
      {"a business unit", kBusinessUnitKeys, "the model"},
      {"a location", kLocationKeys, "the model"},
      {"a person", kPersonKeys, "the model"},
      {"a contact", kContactKeys, "a person"},
      {"a service", kServiceKeys, "the model"},
      {"a feature", kFeatureKeys, "a service"},
      {"a function", kFunctionKeys, "the model"},
      {"'staff'", kStaffKeys, "a function"},
      {"'bia'", kBiaKeys, "a function"},
      {"a mitigation", kMitigationKeys, "the model"},
      {"a scenario", kScenarioKeys, "the model"},
      {"a disruption", kDisruptKeys, "a scenario"},
      {"a call tree", kCallTreeKeys, "the model"},
      {"a call-tree level", kCallLevelKeys, "a call tree"},
      {"a call-tree target", kCallTargetKeys, "a call-tree level"},
  };
  static const KeyPlace* place_named(std::string_view name) {
    for (const auto& p : kKeyPlaces) {
      if (p.name == name) return &p;
    }
    return nullptr;
  }
  static bool has_key(Keys keys, std::string_view k) {
    for (auto n : keys) {
      if (n == k) return true;
    }
    return false;
  }
  // "a function" → "the function" (the one this key is in).
  static std::string the(std::string_view name) {
    if (name.substr(0, 2) == "a ") return "the " + std::string(name.substr(2));
    return std::string(name);
  }

  Origin origin(const json::value& v, size_t index) const {
    return Origin{r.file_index_, static_cast<uint32_t>(index), pos(v)};
  }

  // A required id: present, text, valid.
  std::string id(const json::object& o, const json::value& whole, std::string_view what) {
    std::string out;
    auto it = o.find("id");
    if (it == o.end() || it->value().is_null()) {
      error(whole, fmt::format("{} has no 'id'", what), "add an id such as 'id: payroll'");
      return out;
    }
    field(o, "id", [&](const json::value& v) { out = id_value(v); });
    return out;
  }
  std::string id_value(const json::value& v) {
    auto s = text(v);
    if (!s) return {};
    if (!is_valid_id(*s)) {
      error(v, fmt::format("'{}' is not a valid id", *s),
            "ids are lowercase letters, digits, '.', '_' and '-', starting with a letter or digit");
    }
    return *s;
  }
  std::string str(const json::object& o, std::string_view key) {
    std::string out;
    field(o, key, [&](const json::value& v) { out = text(v).value_or(""); });
    return out;
  }
  // `names: {sv: "..."}`: the entity's name in other languages, by lowercase language code.
  std::map<std::string, std::string> names(const json::object& o) {
    std::map<std::string, std::string> out;
    field(o, "names", [&](const json::value& v) {
      const auto* m = object(v, "'names' (language code: name)");
      if (!m) return;
      for (const auto& kv : *m) {
        std::string code(kv.key());
        push(kv.key());
        const bool valid =
            code.size() >= 2 && code.size() <= 3 &&
            std::all_of(code.begin(), code.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
        if (!valid) {
          error(kv.value(), fmt::format("'{}' is not a language code", code),
                "write a lowercase code such as sv");
        } else if (auto t = text(kv.value())) {
          if (!catalog::language(code)) {
            warning(kv.value(), fmt::format("ebcm has no translation for '{}'", code),
                    "ebcm speaks en and sv; the name is kept but not shown");
          }
          out[code] = std::move(*t);
        }
        pop();
      }
    });
    return out;
  }
  std::string ref(const json::object& o, std::string_view key) {
    std::string out;
    field(o, key, [&](const json::value& v) { out = ref_value(v); });
    return out;
  }
  std::string ref_value(const json::value& v) {
    auto s = text(v);
    if (!s) return {};
    auto slash = s->find('/');
    bool ok = slash == std::string::npos ? is_valid_id(*s)
                                         : is_valid_id(std::string_view(*s).substr(0, slash)) &&
                                               is_valid_id(std::string_view(*s).substr(slash + 1));
    if (!ok) {
      error(v, fmt::format("'{}' is not a valid reference", *s),
            "a reference is an id, or service/feature such as 'exo/mapi'");
    }
    return *s;
  }
  std::optional<Duration> duration(const json::object& o, std::string_view key) {
    std::optional<Duration> out;
    field(o, key, [&](const json::value& v) { out = duration_value(v); });
    return out;
  }
  std::optional<Duration> duration_value(const json::value& v) {
    auto s = text(v);
    if (!s) return std::nullopt;
    auto d = parse_duration(*s);
    if (!d) {
      error(v, fmt::format("'{}' is not a duration", *s),
            "write a whole number and a unit: m, h, d or w, as in 90m, 4h, 2d, 1w");
    }
    return d;
  }
  template <class E, class Parse>
  std::optional<E> choice(const json::object& o, std::string_view key, Parse parse, Keys allowed) {
    std::optional<E> out;
    field(o, key, [&](const json::value& v) {
      auto s = text(v);
      if (!s) return;
      out = parse(*s);
      if (!out) {
        std::vector<std::string_view> cands(allowed.begin(), allowed.end());
        std::string near = closest_match(*s, cands);
        error(v, fmt::format("'{}' is not a valid {}", *s, key),
              near.empty() ? fmt::format("one of: {}", choices(allowed))
                           : fmt::format("did you mean '{}'?", near));
      }
    });
    return out;
  }

  std::vector<Ref> refs(const json::object& o, std::string_view key) {
    std::vector<Ref> out;
    field(o, key, [&](const json::value& v) {
      const auto* a = array(v, fmt::format("'{}'", key));
      if (!a) return;
      each(*a, [&](const json::value& item, size_t) {
        out.push_back(Ref{ref_value(item), pos(item)});
      });
    });
    return out;
  }

  std::vector<Requirement> requirements(const json::object& o) {
    std::vector<Requirement> out;
    field(o, "requires", [&](const json::value& v) {
      const auto* a = array(v, "'requires'");
      if (!a) return;
      out.reserve(a->size());
      each(*a, [&](const json::value& item, size_t) { out.push_back(requirement(item)); });
    });
    return out;
  }
  Requirement requirement(const json::value& v) {
    Requirement req;
    req.pos = pos(v);
    if (v.is_string()) {
      req.ref = ref_value(v);
      return req;
    }
    const auto* o = v.if_object();
    if (!o || o->size() != 1 || (!o->contains("any") && !o->contains("all"))) {
      error(v, "expected a reference, { any: [...] } or { all: [...] }");
      return req;
    }
    const bool any = o->contains("any");
    req.kind = any ? Requirement::Kind::kAny : Requirement::Kind::kAll;
    field(*o, any ? "any" : "all", [&](const json::value& list) {
      const auto* a = array(list, any ? "'any'" : "'all'");
      if (!a) return;
      if (a->empty())
        error(list, fmt::format("'{}' needs at least one entry", any ? "any" : "all"));
      each(*a, [&](const json::value& item, size_t) { req.items.push_back(requirement(item)); });
    });
    return req;
  }

  void node_links(const json::object& o, std::vector<Requirement>& req, std::vector<Ref>& soft) {
    req = requirements(o);
    soft = refs(o, "degraded_by");
  }
};

}  // namespace ebcm::model::detail
