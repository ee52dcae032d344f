#include "notify/audience.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <set>
#include <unordered_map>

namespace ebcm::notify {

namespace json = boost::json;

namespace {

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// Whether `unit` is `ancestor` or lies below it (parents followed at most 64 deep: validation
// refuses loops, this only must not hang on a model that skipped it).
bool within(const std::unordered_map<std::string_view, std::string_view>& parent,
            std::string_view unit, std::string_view ancestor) {
  for (int depth = 0; !unit.empty() && depth < 64; ++depth) {
    if (unit == ancestor) return true;
    auto it = parent.find(unit);
    unit = it == parent.end() ? std::string_view() : it->second;
  }
  return false;
}

std::unordered_map<std::string_view, std::string_view> unit_parents(const model::Model& m) {
  std::unordered_map<std::string_view, std::string_view> parent;
  for (const auto& b : m.business_units) parent.emplace(b.id, b.parent);
  return parent;
}

}  // namespace

bool Recipient::responder() const {
  return std::find(roles.begin(), roles.end(), "responder") != roles.end() ||
         std::find(roles.begin(), roles.end(), "owner") != roles.end();
}

std::vector<std::string> resolve_target(const model::Model& m, const model::CallTarget& t) {
  std::vector<std::string> out;
  const auto parent = unit_parents(m);
  for (const auto& p : m.people) {
    bool hit = false;
    switch (t.kind) {
      case model::CallTarget::Kind::kPerson:
        hit = p.id == t.id;
        break;
      case model::CallTarget::Kind::kBusinessUnit:
        hit = within(parent, p.business_unit, t.id);
        break;
      case model::CallTarget::Kind::kLocation:
        hit = !t.id.empty() && p.location == t.id;
        break;
    }
    if (hit) out.push_back(p.id);
  }
  return out;
}

Audience select_audience(const model::Model& m, const impact::Report& report, bool widen) {
  Audience out;
  out.widened = widen;
  std::unordered_map<std::string_view, const model::Function*> functions;
  for (const auto& f : m.functions) functions.emplace(f.id, &f);
  std::unordered_map<std::string_view, const model::CallTree*> trees;
  for (const auto& t : m.call_trees) trees.emplace(t.id, &t);
  const auto parent = unit_parents(m);

  // The functions not up, in model order.
  std::set<std::string_view> not_up;
  for (const auto& f : report.functions)
    if (f.state != impact::State::kUp) not_up.insert(f.id);
  std::set<std::string_view> locations_not_up;
  for (const auto& [id, state] : report.locations)
    if (state != impact::State::kUp) locations_not_up.insert(id);

  struct Why {
    std::vector<std::string> roles, functions, call_trees;
  };
  std::map<std::string, Why> why;  // person →
  auto select = [&](const std::string& person, const char* role, const std::string& function) {
    Why& w = why[person];
    add_unique(w.roles, role);
    if (!function.empty()) add_unique(w.functions, function);
  };

  std::map<std::string, size_t> engaged;  // tree → index in out.trees
  for (const auto& f : m.functions) {
    if (!not_up.count(f.id)) continue;
    // Its call tree, or its nearest ancestor's.
    const model::Function* at = &f;
    for (int depth = 0; at && at->call_tree.empty() && depth < 64; ++depth) {
      auto it = functions.find(at->parent);
      at = it == functions.end() ? nullptr : it->second;
    }
    if (at && !at->call_tree.empty()) {
      if (auto t = trees.find(at->call_tree); t != trees.end()) {
        auto [it, fresh] = engaged.try_emplace(t->second->id, out.trees.size());
        if (fresh) {
          EngagedTree e{t->second->id, t->second->name, {}, {}, t->second->repeat};
          for (const auto& level : t->second->levels) {
            EngagedTree::Level l{{}, level.ack_timeout.value_or(model::kDefaultAckTimeout)};
            for (const auto& target : level.targets)
              for (const auto& p : resolve_target(m, target)) add_unique(l.people, p);
            e.levels.push_back(std::move(l));
          }
          out.trees.push_back(std::move(e));
        }
        EngagedTree& e = out.trees[it->second];
        add_unique(e.functions, f.id);
        if (!e.levels.empty()) {
          for (const auto& p : e.levels.front().people) {
            select(p, "responder", f.id);
            add_unique(why[p].call_trees, e.id);
          }
        }
      }
    }
    if (!f.owner.empty()) select(f.owner, "owner", f.id);
  }
  // Affected: by business unit (the function's unit or a unit above theirs) and by location.
  for (const auto& p : m.people) {
    for (const auto& f : m.functions) {
      if (!not_up.count(f.id) || f.business_unit.empty()) continue;
      if (within(parent, p.business_unit, f.business_unit)) select(p.id, "affected", f.id);
    }
    if (!p.location.empty() && locations_not_up.count(p.location)) select(p.id, "affected", "");
  }

  for (const auto& p : m.people) {
    auto it = why.find(p.id);
    if (it == why.end() && !widen) continue;
    Recipient r;
    r.person = p.id;
    r.name = p.name;
    r.language = p.language.empty() ? m.organization.language : p.language;
    if (it != why.end()) {
      for (const char* role : {"responder", "owner", "affected"})
        if (std::find(it->second.roles.begin(), it->second.roles.end(), role) !=
            it->second.roles.end())
          r.roles.push_back(role);
      // The functions in model order.
      for (const auto& f : m.functions)
        if (std::find(it->second.functions.begin(), it->second.functions.end(), f.id) !=
            it->second.functions.end())
          r.functions.push_back(f.id);
      r.call_trees = it->second.call_trees;
    } else {
      r.roles.push_back("affected");
      r.widened = true;
    }
    if (r.responder()) {
      r.channels = p.contacts;
    } else if (!p.contacts.empty()) {
      r.channels.push_back(p.contacts.front());
      r.backups.assign(p.contacts.begin() + 1, p.contacts.end());
    }
    for (const auto& role : r.roles) {
      if (role == "responder") ++out.responders;
      if (role == "owner") ++out.owners;
      if (role == "affected") ++out.affected;
    }
    if (r.channels.empty()) ++out.unreachable;
    for (const auto& c : r.channels) {
      switch (c.channel) {
        case model::Channel::kEmail: ++out.email; break;
        case model::Channel::kSms: ++out.sms; break;
        case model::Channel::kVoice: ++out.voice; break;
        case model::Channel::kWebhook: ++out.webhook; break;
      }
    }
    out.recipients.push_back(std::move(r));
  }
  // Those who must act first: responders, then owners, then the affected (model order within).
  auto rank = [](const Recipient& r) {
    return r.roles.front() == "responder" ? 0 : r.roles.front() == "owner" ? 1 : 2;
  };
  std::stable_sort(out.recipients.begin(), out.recipients.end(),
                   [&](const Recipient& a, const Recipient& b) { return rank(a) < rank(b); });
  return out;
}

std::string audience_to_json(const Audience& a) {
  auto contacts = [](const std::vector<model::Contact>& v) {
    json::array out;
    for (const auto& c : v)
      out.push_back(json::object{{"channel", model::to_string(c.channel)}, {"address", c.address}});
    return out;
  };
  auto strings = [](const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); };
  json::array recipients;
  for (const auto& r : a.recipients) {
    recipients.push_back(json::object{{"person", r.person},
                                      {"name", r.name},
                                      {"roles", strings(r.roles)},
                                      {"language", r.language},
                                      {"functions", strings(r.functions)},
                                      {"call_trees", strings(r.call_trees)},
                                      {"widened", r.widened},
                                      {"channels", contacts(r.channels)},
                                      {"backups", contacts(r.backups)}});
  }
  json::array trees;
  for (const auto& t : a.trees) {
    json::array levels;
    for (const auto& l : t.levels) {
      levels.push_back(json::object{{"people", strings(l.people)},
                                    {"ack_timeout", format_duration(l.ack_timeout)}});
    }
    trees.push_back(json::object{{"id", t.id},
                                 {"name", t.name},
                                 {"functions", strings(t.functions)},
                                 {"repeat", t.repeat},
                                 {"levels", std::move(levels)}});
  }
  json::object counts{{"recipients", a.recipients.size()},
                      {"responders", a.responders},
                      {"owners", a.owners},
                      {"affected", a.affected},
                      {"unreachable", a.unreachable},
                      {"messages", json::object{{"email", a.email},
                                                {"sms", a.sms},
                                                {"voice", a.voice},
                                                {"webhook", a.webhook}}}};
  return json::serialize(json::object{{"widened", a.widened},
                                      {"counts", std::move(counts)},
                                      {"recipients", std::move(recipients)},
                                      {"trees", std::move(trees)}}) +
         "\n";
}

}  // namespace ebcm::notify
