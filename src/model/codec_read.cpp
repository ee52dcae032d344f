// Reading JSON values into the model, with a diagnostic for every problem found.
#include <fmt/format.h>

#include <charconv>
#include <span>

#include "core/strings.hpp"
#include "model/codec_ctx.hpp"

namespace ebcm::model::detail {

std::string PathStack::render(bool labels) const {
  std::string out;
  for (const auto& s : segs_) {
    if (s.is_index) {
      if (labels && !s.label.empty()) {
        out += '[';
        out += s.label;
        out += ']';
      } else {
        out += fmt::format("[{}]", s.index);
      }
    } else {
      if (!out.empty()) out += '.';
      out += s.key;
    }
  }
  return out;
}

std::string PathStack::render() const { return render(true); }
std::string PathStack::render_indexes() const { return render(false); }

std::string_view item_label(const json::value& item) {
  const auto* o = item.if_object();
  if (!o) return {};
  const auto* id = o->if_contains("id");
  if (!id || !id->is_string()) return {};
  std::string_view s = id->get_string();
  return is_valid_id(s) ? s : std::string_view();
}

Reader::Reader(Diagnostics& diags, std::string file, uint32_t file_index, const PosMap* positions,
               bool yaml, bool refuse_unknown_keys)
    : diags_(diags),
      file_(std::move(file)),
      file_index_(file_index),
      positions_(positions),
      yaml_(yaml),
      unknown_keys_refused_(refuse_unknown_keys) {}

namespace {

using Ctx = Reader::Ctx;

void read_organization(Ctx& c, const json::value& v, Model& m) {
  const auto* o = c.object(v, "the organization");
  if (!o) return;
  c.check_keys(*o, kOrganizationKeys, "the organization");
  Organization org;
  org.name = c.str(*o, "name");
  if (o->contains("language")) org.language = c.str(*o, "language");
  if (o->contains("timezone")) org.timezone = c.str(*o, "timezone");
  m.organization = std::move(org);
}

void read_business_unit(Ctx& c, const json::value& v, size_t index, Model& m) {
  const auto* o = c.object(v, "a business unit");
  if (!o) return;
  c.check_keys(*o, kBusinessUnitKeys, "a business unit");
  BusinessUnit b;
  b.origin = c.origin(v, index);
  b.id = c.id(*o, v, "a business unit");
  b.name = c.str(*o, "name");
  b.names = c.names(*o);
  b.parent = c.ref(*o, "parent");
  b.description = c.str(*o, "description");
  m.business_units.push_back(std::move(b));
}

void read_location(Ctx& c, const json::value& v, size_t index, Model& m) {
  const auto* o = c.object(v, "a location");
  if (!o) return;
  c.check_keys(*o, kLocationKeys, "a location");
  Location l;
  l.origin = c.origin(v, index);
  l.id = c.id(*o, v, "a location");
  l.name = c.str(*o, "name");
  l.names = c.names(*o);
  l.description = c.str(*o, "description");
  l.kind = c.choice<LocationKind>(*o, "kind", parse_location_kind, kLocationKindNames)
               .value_or(LocationKind::kOffice);
  c.node_links(*o, l.requires_, l.degraded_by);
  m.locations.push_back(std::move(l));
}

void read_contact(Ctx& c, const json::value& v, Person& p) {
  const auto* o = c.object(v, "a contact");
  if (!o) return;
  c.check_keys(*o, kContactKeys, "a contact");
  Contact k;
  k.pos = c.pos(v);
  auto ch = c.choice<Channel>(*o, "channel", parse_channel, kChannelNames);
  if (!o->contains("channel"))
    c.error(v, "a contact needs a 'channel'", "email, sms, voice or webhook");
  k.channel = ch.value_or(Channel::kEmail);
  k.address = c.str(*o, "address");
  if (!o->contains("address")) {
    c.error(v, "a contact needs an 'address'");
  } else if (ch) {
    c.field(*o, "address", [&](const json::value& a) {
      switch (*ch) {
        case Channel::kEmail:
          if (!is_email(k.address)) {
            c.error(a, fmt::format("'{}' is not an email address", k.address),
                    "write it as name@example.com");
          }
          break;
        case Channel::kSms:
        case Channel::kVoice:
          if (!is_e164(k.address)) {
            c.error(a, fmt::format("'{}' is not a phone number in E.164 form", k.address),
                    "write '+', the country code and the number, digits only: \"+46701234567\"");
          }
          break;
        case Channel::kWebhook:
          if (k.address.rfind("https://", 0) != 0 && k.address.rfind("http://", 0) != 0) {
            c.error(a, fmt::format("'{}' is not a web address", k.address),
                    "a webhook address starts with https://");
          }
          break;
      }
    });
  }
  p.contacts.push_back(std::move(k));
}

void read_person(Ctx& c, const json::value& v, size_t index, Model& m) {
  const auto* o = c.object(v, "a person");
  if (!o) return;
  c.check_keys(*o, kPersonKeys, "a person");
  Person p;
  p.origin = c.origin(v, index);
  p.id = c.id(*o, v, "a person");
  p.name = c.str(*o, "name");
  p.business_unit = c.ref(*o, "business_unit");
  p.location = c.ref(*o, "location");
  p.language = c.str(*o, "language");
  c.field(*o, "contacts", [&](const json::value& list) {
    if (const auto* a = c.array(list, "'contacts'")) {
      c.each(*a, [&](const json::value& item, size_t) { read_contact(c, item, p); });
    }
  });
  m.people.push_back(std::move(p));
}

void read_feature(Ctx& c, const json::value& v, size_t index, Service& s) {
  const auto* o = c.object(v, "a feature");
  if (!o) return;
  c.check_keys(*o, kFeatureKeys, "a feature");
  Feature f;
  f.origin = c.origin(v, index);
  f.id = c.id(*o, v, "a feature");
  f.name = c.str(*o, "name");
  f.names = c.names(*o);
  f.description = c.str(*o, "description");
  c.node_links(*o, f.requires_, f.degraded_by);
  c.field(*o, "provider_feature", [&](const json::value& pv) {
    if (auto t = pv.is_string() ? c.text(pv) : std::nullopt) {  // one name
      f.provider_feature.push_back(*t);
      return;
    }
    const auto* a = c.array(pv, "'provider_feature'");
    if (!a) return;
    c.each(*a, [&](const json::value& item, size_t) {
      if (auto t = c.text(item)) f.provider_feature.push_back(*t);
    });
  });
  s.features.push_back(std::move(f));
}

void read_service(Ctx& c, const json::value& v, size_t index, Model& m) {
  const auto* o = c.object(v, "a service");
  if (!o) return;
  c.check_keys(*o, kServiceKeys, "a service");
  Service s;
  s.origin = c.origin(v, index);
  s.id = c.id(*o, v, "a service");
  s.name = c.str(*o, "name");
  s.names = c.names(*o);
  s.description = c.str(*o, "description");
  s.kind = c.choice<ServiceKind>(*o, "kind", parse_service_kind, kServiceKindNames)
               .value_or(ServiceKind::kCloud);
  s.provider = c.str(*o, "provider");
  s.provider_service = c.str(*o, "provider_service");
  c.field(*o, "features", [&](const json::value& list) {
    if (const auto* a = c.array(list, "'features'")) {
      c.each(*a, [&](const json::value& item, size_t i) { read_feature(c, item, i, s); });
    }
  });
  c.node_links(*o, s.requires_, s.degraded_by);
  m.services.push_back(std::move(s));
}

void read_bia(Ctx& c, const json::value& v, Function& f) {
  const auto* o = c.object(v, "'bia'");
  if (!o) return;
  c.check_keys(*o, kBiaKeys, "'bia'");
  Bia b;
  b.pos = c.pos(v);
  b.rto = c.duration(*o, "rto");
  b.rpo = c.duration(*o, "rpo");
  b.mtpd = c.duration(*o, "mtpd");
  if (b.rto && b.mtpd && *b.rto > *b.mtpd) {
    c.field(*o, "rto", [&](const json::value& rto) {
      c.error(rto,
              fmt::format("the RTO ({}) is longer than the MTPD ({})", format_duration(*b.rto),
                          format_duration(*b.mtpd)),
              "recovery must be planned to finish before the disruption becomes intolerable");
    });
  }
  c.field(*o, "impacts", [&](const json::value& iv) {
    const auto* impacts = c.object(iv, "'impacts'");
    if (!impacts) return;
    for (const auto& cat : *impacts) {
      c.push(cat.key());
      ImpactCategory ic;
      ic.name = std::string(cat.key());
      bool known = false;
      for (auto k : kImpactCategories) known = known || k == ic.name;
      if (!known) {
        std::vector<std::string_view> cands(std::begin(kImpactCategories),
                                            std::end(kImpactCategories));
        std::string near = closest_match(ic.name, cands);
        c.warning(cat.value(),
                  fmt::format("'{}' is not one of the usual impact categories", ic.name),
                  near.empty() ? fmt::format("usual: {}", choices(kImpactCategories))
                               : fmt::format("did you mean '{}'?", near));
      }
      if (const auto* points = c.object(cat.value(), "impact levels over time")) {
        for (const auto& pt : *points) {
          c.push(pt.key());
          auto at = parse_duration(pt.key());
          if (!at) {
            c.error(pt.value(), fmt::format("'{}' is not a duration", std::string_view(pt.key())),
                    "impacts are keyed by time since the disruption: 1h, 4h, 1d, ...");
          }
          auto level = c.integer(pt.value(), "an impact level");
          if (level && (*level < 0 || *level > 5)) {
            c.error(pt.value(), fmt::format("impact level {} is out of range", *level),
                    "levels go from 0 (none) to 5 (severe)");
          }
          if (at && level) ic.points.push_back(ImpactPoint{*at, static_cast<int>(*level)});
          c.pop();
        }
      }
      b.impacts.push_back(std::move(ic));
      c.pop();
    }
  });
  f.bia = std::move(b);
}

void read_function(Ctx& c, const json::value& v, size_t index, Model& m) {
  const auto* o = c.object(v, "a function");
  if (!o) return;
  c.check_keys(*o, kFunctionKeys, "a function");
  Function f;
  f.origin = c.origin(v, index);
  f.id = c.id(*o, v, "a function");
  f.name = c.str(*o, "name");
  f.names = c.names(*o);
  f.description = c.str(*o, "description");
  f.parent = c.ref(*o, "parent");
  f.business_unit = c.ref(*o, "business_unit");
  f.owner = c.ref(*o, "owner");
  f.call_tree = c.ref(*o, "call_tree");
  f.criticality = c.choice<Criticality>(*o, "criticality", parse_criticality, kCriticalityNames);
  c.field(*o, "staff", [&](const json::value& sv) {
    const auto* so = c.object(sv, "'staff'");
    if (!so) return;
    c.check_keys(*so, kStaffKeys, "'staff'");
    Staff st;
    std::optional<int64_t> normal, minimum;
    c.field(*so, "normal", [&](const json::value& x) { normal = c.integer(x, "'normal'"); });
    c.field(*so, "minimum", [&](const json::value& x) { minimum = c.integer(x, "'minimum'"); });
    if (!normal) {
      if (!so->contains("normal")) c.error(sv, "'staff' needs 'normal', the usual head-count");
      return;
    }
    st.normal = *normal;
    st.minimum = minimum.value_or(0);
    c.field(*so, "normal", [&](const json::value& x) {
      if (st.normal < 0) c.error(x, "a head-count cannot be negative");
    });
    c.field(*so, "minimum", [&](const json::value& x) {
      if (st.minimum < 0) c.error(x, "a head-count cannot be negative");
      if (st.minimum > st.normal) {
        c.error(x,
                fmt::format("the minimum staff ({}) is above the normal staff ({})", st.minimum,
                            st.normal),
                "minimum is the fewest people the function can run with");
      }
    });
    f.staff = st;
  });
  c.field(*o, "bia", [&](const json::value& bv) { read_bia(c, bv, f); });
  c.node_links(*o, f.requires_, f.degraded_by);
  m.functions.push_back(std::move(f));
}

void read_mitigation(Ctx& c, const json::value& v, size_t index, Model& m) {
  const auto* o = c.object(v, "a mitigation");
  if (!o) return;
  c.check_keys(*o, kMitigationKeys, "a mitigation");
  Mitigation x;
  x.origin = c.origin(v, index);
  x.id = c.id(*o, v, "a mitigation");
  for (const char* key : {"for", "replaces"}) {
    Ref& r = std::string_view(key) == "for" ? x.for_ : x.replaces;
    if (!o->contains(key)) {
      c.error(v, fmt::format("a mitigation needs '{}'", key));
      continue;
    }
    c.field(*o, key, [&](const json::value& rv) { r = Ref{c.ref_value(rv), c.pos(rv)}; });
  }
  x.with = c.refs(*o, "with");
  x.activation = c.duration(*o, "activation");
  x.status = c.choice<MitigationStatus>(*o, "status", parse_mitigation_status, kStatusNames)
                 .value_or(MitigationStatus::kPlanned);
  x.owner = c.ref(*o, "owner");
  x.description = c.str(*o, "description");
  x.runbook = c.str(*o, "runbook");
  m.mitigations.push_back(std::move(x));
}

void read_disruption(Ctx& c, const json::value& v, Scenario& s) {
  const auto* o = c.object(v, "a disruption");
  if (!o) return;
  c.check_keys(*o, kDisruptKeys, "a disruption");
  Disruption d;
  d.pos = c.pos(v);
  const bool node = o->contains("node"), workforce = o->contains("workforce");
  if (node == workforce) {
    c.error(v, "a disruption names either a 'node' or a 'workforce' share",
            "{ node: exo } or { workforce: 40% }");
    return;
  }
  if (node) {
    d.node = c.ref(*o, "node");
    if (o->contains("location") || o->contains("business_unit")) {
      c.error(v, "'location' and 'business_unit' scope a workforce disruption, not a node");
    }
    c.field(*o, "state", [&](const json::value& sv) {
      auto t = c.text(sv);
      if (!t) return;
      if (*t == "degraded") {
        d.degraded = true;
      } else if (*t != "down") {
        c.error(sv, fmt::format("'{}' is not a disruption state", *t),
                "write 'state: degraded' (at best degraded) or 'state: down' (the default)");
      }
    });
  } else {
    d.kind = Disruption::Kind::kWorkforce;
    if (o->contains("state")) {
      c.error(v, "'state' says how far a node is disrupted; a workforce disruption has none",
              "{ node: teams, state: degraded }");
    }
    c.field(*o, "workforce", [&](const json::value& w) {
      auto t = c.text(w);
      if (!t) return;
      auto p = parse_percent(*t);
      if (!p) {
        c.error(w, fmt::format("'{}' is not a percentage", *t),
                "write a whole number from 0 to 100 followed by %, as in 40%");
      }
      d.percent = p.value_or(0);
    });
    d.location = c.ref(*o, "location");
    d.business_unit = c.ref(*o, "business_unit");
  }
  s.disrupt.push_back(std::move(d));
}

void read_scenario(Ctx& c, const json::value& v, size_t index, Model& m) {
  const auto* o = c.object(v, "a scenario");
  if (!o) return;
  c.check_keys(*o, kScenarioKeys, "a scenario");
  Scenario s;
  s.origin = c.origin(v, index);
  s.id = c.id(*o, v, "a scenario");
  s.name = c.str(*o, "name");
  s.names = c.names(*o);
  s.description = c.str(*o, "description");
  c.field(*o, "category", [&](const json::value& cv) {
    const auto* a = c.array(cv, "'category'");
    if (!a) return;
    c.each(*a, [&](const json::value& item, size_t) {
      auto t = c.text(item);
      if (!t) return;
      if (auto cat = parse_category(*t)) {
        s.categories.push_back(*cat);
      } else {
        c.error(item, fmt::format("'{}' is not a disruption category", *t),
                "one of: people, location, systems");
      }
    });
  });
  c.field(*o, "disrupt", [&](const json::value& dv) {
    const auto* a = c.array(dv, "'disrupt'");
    if (!a) return;
    c.each(*a, [&](const json::value& item, size_t) { read_disruption(c, item, s); });
  });
  s.duration = c.duration(*o, "duration");
  m.scenarios.push_back(std::move(s));
}

void read_call_target(Ctx& c, const json::value& v, CallLevel& level) {
  CallTarget t;
  t.pos = c.pos(v);
  if (v.is_string()) {  // a person, by id
    t.id = c.ref_value(v);
    level.targets.push_back(std::move(t));
    return;
  }
  const auto* o = c.object(v, "a call-tree target");
  if (!o) return;
  c.check_keys(*o, kCallTargetKeys, "a call-tree target");
  int given = 0;
  for (auto [key, kind] : {std::pair{"person", CallTarget::Kind::kPerson},
                           std::pair{"business_unit", CallTarget::Kind::kBusinessUnit},
                           std::pair{"location", CallTarget::Kind::kLocation}}) {
    if (!o->contains(key)) continue;
    ++given;
    t.kind = kind;
    t.id = c.ref(*o, key);
  }
  if (given != 1) {
    c.error(v, "a call-tree target names one person, business_unit or location",
            "write a person's id, or { business_unit: it-ops }, or { location: noc }");
    return;
  }
  level.targets.push_back(std::move(t));
}

void read_call_tree(Ctx& c, const json::value& v, size_t index, Model& m) {
  const auto* o = c.object(v, "a call tree");
  if (!o) return;
  c.check_keys(*o, kCallTreeKeys, "a call tree");
  CallTree t;
  t.origin = c.origin(v, index);
  t.id = c.id(*o, v, "a call tree");
  t.name = c.str(*o, "name");
  t.names = c.names(*o);
  t.description = c.str(*o, "description");
  c.field(*o, "repeat", [&](const json::value& rv) {
    auto n = c.integer(rv, "'repeat'");
    if (n && (*n < 0 || *n > 10)) {
      c.error(rv, fmt::format("'repeat' is {}; a tree runs again 0 to 10 times", *n));
    } else if (n) {
      t.repeat = *n;
    }
  });
  c.field(*o, "levels", [&](const json::value& lv) {
    const auto* a = c.array(lv, "'levels'");
    if (!a) return;
    c.each(*a, [&](const json::value& item, size_t) {
      const auto* lo = c.object(item, "a call-tree level");
      if (!lo) return;
      c.check_keys(*lo, kCallLevelKeys, "a call-tree level");
      CallLevel level;
      level.pos = c.pos(item);
      c.field(*lo, "targets", [&](const json::value& tv) {
        const auto* ta = c.array(tv, "'targets'");
        if (!ta) return;
        c.each(*ta, [&](const json::value& x, size_t) { read_call_target(c, x, level); });
      });
      c.field(*lo, "ack_timeout", [&](const json::value& dv) {
        level.ack_timeout = c.duration_value(dv);
        if (level.ack_timeout && level.ack_timeout->minutes <= 0) {
          c.error(dv, "an 'ack_timeout' of zero leaves no time to answer",
                  "give the level time to acknowledge, as in 10m");
        }
      });
      t.levels.push_back(std::move(level));
    });
  });
  m.call_trees.push_back(std::move(t));
}

using SectionReader = void (*)(Ctx&, const json::value&, size_t, Model&);

SectionReader section_reader(std::string_view section) {
  if (section == "business_units") return read_business_unit;
  if (section == "locations") return read_location;
  if (section == "people") return read_person;
  if (section == "services") return read_service;
  if (section == "functions") return read_function;
  if (section == "mitigations") return read_mitigation;
  if (section == "scenarios") return read_scenario;
  if (section == "call_trees") return read_call_tree;
  return nullptr;
}

void reserve(std::string_view section, size_t more, Model& m) {
  for_each_section(m, [&](const char* name, EntityKind, auto& items) {
    if (section == name) items.reserve(items.size() + more);
  });
}

}  // namespace

void Reader::read_item(std::string_view section, const json::value& item, size_t index,
                       Model& model) {
  Ctx c{*this};
  c.push(section);
  path_.push(index, item_label(item));
  section_reader(section)(c, item, index, model);
  path_.pop();
  c.pop();
}

void Reader::read_section(std::string_view section, const json::array& items, Model& model) {
  Ctx c{*this};
  SectionReader read = section_reader(section);
  reserve(section, items.size(), model);
  c.each(items, [&](const json::value& item, size_t i) { read(c, item, i, model); });
}

Reader::DocumentInfo Reader::read_document(const json::value& root, Model& model) {
  Ctx c{*this};
  DocumentInfo info;
  const auto* o = c.object(root, "the model");
  if (!o) return info;
  c.check_keys(*o, kDocumentKeys, "the model");
  c.field(*o, "ebcm", [&](const json::value& v) {
    info.version = true;
    auto n = c.integer(v, "the format version");
    if (n && *n != 1) {
      c.error(v, fmt::format("format version {} is not supported", *n),
              "this build of ebcm reads version 1");
    }
  });
  c.field(*o, "organization", [&](const json::value& v) {
    info.organization = true;
    read_organization(c, v, model);
  });
  for (const auto& k : sections()) {
    const char* section = k.section;
    c.field(*o, section, [&](const json::value& v) {
      if (const auto* a = c.array(v, fmt::format("'{}'", section)))
        read_section(section, *a, model);
    });
  }
  return info;
}

void Reader::read_entity(EntityKind kind, const json::value& value, Model& model) {
  Ctx c{*this};
  if (kind == EntityKind::kOrganization) {
    read_organization(c, value, model);
    return;
  }
  for_each_section(model, [&](const char* name, EntityKind k, const auto& items) {
    if (k == kind) section_reader(name)(c, value, items.size(), model);
  });
}

}  // namespace ebcm::model::detail
