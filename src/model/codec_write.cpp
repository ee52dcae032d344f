// Canonical JSON of model entities: fixed key order, empty and default fields left out, so equal
// entities serialise to equal bytes (the store compares them that way).
#include "model/codec.hpp"

namespace ebcm::model::detail {

namespace {

void put(json::object& o, std::string_view key, const std::string& s) {
  if (!s.empty()) o[key] = s;
}
void put(json::object& o, std::string_view key, const std::map<std::string, std::string>& names) {
  if (names.empty()) return;
  json::object n(o.storage());
  for (const auto& [code, name] : names) n[code] = name;
  o[key] = std::move(n);
}
void put(json::object& o, std::string_view key, const std::optional<Duration>& d) {
  if (d) o[key] = format_duration(*d);
}

json::value requirement_json(const Requirement& r, const json::storage_ptr& sp) {
  if (r.kind == Requirement::Kind::kRef) return json::string(r.ref, sp);
  json::array items(sp);
  items.reserve(r.items.size());
  for (const auto& i : r.items) items.push_back(requirement_json(i, sp));
  json::object o(sp);
  o[r.kind == Requirement::Kind::kAny ? "any" : "all"] = std::move(items);
  return o;
}

void put_links(json::object& o, const std::vector<Requirement>& req, const std::vector<Ref>& soft) {
  const json::storage_ptr& sp = o.storage();
  if (!req.empty()) {
    json::array a(sp);
    a.reserve(req.size());
    for (const auto& r : req) a.push_back(requirement_json(r, sp));
    o["requires"] = std::move(a);
  }
  if (!soft.empty()) {
    json::array a(sp);
    for (const auto& r : soft) a.push_back(json::string(r.target, sp));
    o["degraded_by"] = std::move(a);
  }
}

}  // namespace

json::object to_json(const Organization& org, const json::storage_ptr& sp) {
  json::object o(sp);
  put(o, "name", org.name);
  o["language"] = org.language;
  o["timezone"] = org.timezone;
  return o;
}

json::object to_json(const BusinessUnit& b, const json::storage_ptr& sp) {
  json::object o(sp);
  o["id"] = b.id;
  put(o, "name", b.name);
  put(o, "names", b.names);
  put(o, "parent", b.parent);
  put(o, "description", b.description);
  return o;
}

json::object to_json(const Location& l, const json::storage_ptr& sp) {
  json::object o(sp);
  o["id"] = l.id;
  put(o, "name", l.name);
  put(o, "names", l.names);
  o["kind"] = to_string(l.kind);
  put(o, "description", l.description);
  put_links(o, l.requires_, l.degraded_by);
  return o;
}

json::object to_json(const Person& p, const json::storage_ptr& sp) {
  json::object o(sp);
  o["id"] = p.id;
  put(o, "name", p.name);
  put(o, "business_unit", p.business_unit);
  put(o, "location", p.location);
  put(o, "language", p.language);
  if (!p.contacts.empty()) {
    json::array a(sp);
    for (const auto& c : p.contacts) {
      a.push_back(json::object({{"channel", to_string(c.channel)}, {"address", c.address}}, sp));
    }
    o["contacts"] = std::move(a);
  }
  return o;
}

json::object to_json(const Service& s, const json::storage_ptr& sp) {
  json::object o(sp);
  o["id"] = s.id;
  put(o, "name", s.name);
  put(o, "names", s.names);
  o["kind"] = to_string(s.kind);
  put(o, "provider", s.provider);
  put(o, "provider_service", s.provider_service);
  put(o, "description", s.description);
  if (!s.features.empty()) {
    json::array a(sp);
    for (const auto& f : s.features) {
      json::object fo(sp);
      fo["id"] = f.id;
      put(fo, "name", f.name);
      put(fo, "names", f.names);
      put(fo, "description", f.description);
      put_links(fo, f.requires_, f.degraded_by);
      if (!f.provider_feature.empty()) {
        json::array pf(sp);
        for (const auto& n : f.provider_feature) pf.push_back(json::string(n, sp));
        fo["provider_feature"] = std::move(pf);
      }
      a.push_back(std::move(fo));
    }
    o["features"] = std::move(a);
  }
  put_links(o, s.requires_, s.degraded_by);
  return o;
}

json::object to_json(const Function& f, const json::storage_ptr& sp) {
  json::object o(sp);
  o["id"] = f.id;
  put(o, "name", f.name);
  put(o, "names", f.names);
  put(o, "description", f.description);
  put(o, "parent", f.parent);
  put(o, "business_unit", f.business_unit);
  put(o, "owner", f.owner);
  if (f.criticality) o["criticality"] = to_string(*f.criticality);
  if (f.staff)
    o["staff"] = json::object({{"normal", f.staff->normal}, {"minimum", f.staff->minimum}}, sp);
  if (f.bia) {
    json::object b(sp);
    put(b, "rto", f.bia->rto);
    put(b, "rpo", f.bia->rpo);
    put(b, "mtpd", f.bia->mtpd);
    if (!f.bia->impacts.empty()) {
      json::object impacts(sp);
      for (const auto& cat : f.bia->impacts) {
        json::object points(sp);
        for (const auto& p : cat.points) points[format_duration(p.at)] = p.level;
        impacts[cat.name] = std::move(points);
      }
      b["impacts"] = std::move(impacts);
    }
    o["bia"] = std::move(b);
  }
  put_links(o, f.requires_, f.degraded_by);
  put(o, "call_tree", f.call_tree);
  return o;
}

json::object to_json(const Mitigation& m, const json::storage_ptr& sp) {
  json::object o(sp);
  o["id"] = m.id;
  o["for"] = m.for_.target;
  o["replaces"] = m.replaces.target;
  if (!m.with.empty()) {
    json::array a(sp);
    for (const auto& r : m.with) a.push_back(json::string(r.target, sp));
    o["with"] = std::move(a);
  }
  put(o, "activation", m.activation);
  o["status"] = to_string(m.status);
  put(o, "owner", m.owner);
  put(o, "description", m.description);
  put(o, "runbook", m.runbook);
  return o;
}

json::object to_json(const Scenario& s, const json::storage_ptr& sp) {
  json::object o(sp);
  o["id"] = s.id;
  put(o, "name", s.name);
  put(o, "names", s.names);
  put(o, "description", s.description);
  if (!s.categories.empty()) {
    json::array a(sp);
    for (auto c : s.categories) a.push_back(json::string(to_string(c), sp));
    o["category"] = std::move(a);
  }
  json::array d(sp);
  for (const auto& x : s.disrupt) {
    json::object e(sp);
    if (x.kind == Disruption::Kind::kNode) {
      e["node"] = x.node;
      if (x.degraded) e["state"] = "degraded";
    } else {
      e["workforce"] = std::to_string(x.percent) + "%";
      put(e, "location", x.location);
      put(e, "business_unit", x.business_unit);
    }
    d.push_back(std::move(e));
  }
  o["disrupt"] = std::move(d);
  put(o, "duration", s.duration);
  return o;
}

json::object to_json(const CallTree& t, const json::storage_ptr& sp) {
  json::object o(sp);
  o["id"] = t.id;
  put(o, "name", t.name);
  put(o, "names", t.names);
  put(o, "description", t.description);
  if (t.repeat) o["repeat"] = t.repeat;
  json::array levels(sp);
  for (const auto& l : t.levels) {
    json::object lo(sp);
    json::array targets(sp);
    for (const auto& x : l.targets) {
      switch (x.kind) {
        case CallTarget::Kind::kPerson:
          targets.push_back(json::string(x.id, sp));
          break;
        case CallTarget::Kind::kBusinessUnit:
          targets.push_back(json::object({{"business_unit", x.id}}, sp));
          break;
        case CallTarget::Kind::kLocation:
          targets.push_back(json::object({{"location", x.id}}, sp));
          break;
      }
    }
    lo["targets"] = std::move(targets);
    put(lo, "ack_timeout", l.ack_timeout);
    levels.push_back(std::move(lo));
  }
  o["levels"] = std::move(levels);
  return o;
}

namespace {
template <class T>
void put_section(json::object& doc, const char* key, const std::vector<T>& items) {
  if (items.empty()) return;
  json::array a;
  a.reserve(items.size());
  for (const auto& i : items) a.push_back(to_json(i));
  doc[key] = std::move(a);
}
}  // namespace

json::object to_json_document(const Model& m) {
  json::object doc;
  doc["ebcm"] = m.version;
  doc["organization"] = to_json(m.organization);
  for_each_section(
      m, [&](const char* key, EntityKind, const auto& items) { put_section(doc, key, items); });
  return doc;
}

}  // namespace ebcm::model::detail
