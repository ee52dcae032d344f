#include "model/validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "core/cycles.hpp"
#include "core/strings.hpp"
#include "model/graph.hpp"

namespace ebcm::model {

namespace {

// Suggestions cost a scan of the candidates; past this many unknown references a broken
// generated model would take minutes to report, so later ones go without.
constexpr size_t kMaxSuggestions = 200;

class Validator {
 public:
  Validator(const Model& m, Diagnostics& out) : m_(m), out_(out), nodes_(m) {}

  void run() {
    check_ids();
    check_business_units();
    // Functions, services (each followed by its features), locations: the NodeIndex order, so
    // the requirement walks can lay down the edges of the cycle check as they go.
    start_.reserve(nodes_.nodes().size() + 1);
    check_functions();
    check_services();
    check_locations();
    start_.push_back(static_cast<uint32_t>(edges_.size()));
    check_people();
    check_mitigations();
    check_scenarios();
    check_call_trees();
    check_cycles();
    check_languages();
  }

 private:
  // The place of a diagnostic: file and path from the entity's origin, position if known.
  struct At {
    const Origin& origin;
    const char* section;
    std::string_view field;
    Pos pos;
    std::string_view id = {};          // names the entity in the path when it is valid
    const Feature* feature = nullptr;  // `field` is then the feature's, inside the service
  };
  // Who a message is about, formatted only when there is something to say.
  struct Who {
    const char* kind;
    std::string_view id;
    std::string str() const { return fmt::format("{} '{}'", kind, id); }
  };
  void report(Severity sev, const At& at, std::string msg, std::string hint = {}) {
    auto render = [&](bool labels) {
      std::string path = labels && is_valid_id(at.id)
                             ? fmt::format("{}[{}]", at.section, at.id)
                             : fmt::format("{}[{}]", at.section, at.origin.index);
      if (at.feature) {
        path += labels && is_valid_id(at.feature->id)
                    ? fmt::format(".features[{}]", at.feature->id)
                    : fmt::format(".features[{}]", at.feature->origin.index);
      }
      if (!at.field.empty()) {
        if (at.field[0] != '[') path += '.';
        path += at.field;
      }
      return path;
    };
    std::string path = render(true), indexes = render(false);
    if (indexes == path) indexes.clear();
    Pos p = at.pos.line ? at.pos : at.origin.pos;
    out_.add(Diagnostic{sev, m_.sources.empty() ? "<model>" : m_.sources[at.origin.file], p.line,
                        p.col, std::move(path), std::move(msg), std::move(hint),
                        std::move(indexes)});
  }
  void error(const At& at, std::string msg, std::string hint = {}) {
    report(Severity::kError, at, std::move(msg), std::move(hint));
  }

  // --- ids ---------------------------------------------------------------------------------
  struct Seen {
    const char* section;
    const Origin* origin;
  };
  template <class T>
  void unique(const std::vector<T>& items, const char* section,
              std::unordered_map<std::string_view, Seen>& seen) {
    for (const auto& i : items) {
      if (i.id.empty()) continue;
      auto [it, fresh] = seen.emplace(i.id, Seen{section, &i.origin});
      if (!fresh) report_duplicate(i.id, it->second, Seen{section, &i.origin});
    }
  }
  // Said at whichever of the two comes later in reading order.
  void report_duplicate(std::string_view id, Seen first, Seen second) {
    auto order = [](const Origin& o) { return std::pair(o.file, o.pos.line); };
    if (order(*second.origin) < order(*first.origin)) std::swap(first, second);
    const std::string file = m_.sources.empty() ? "<model>" : m_.sources[first.origin->file];
    error(At{*second.origin, second.section, "id", {}, id},
          first.origin->pos.line
              ? fmt::format("id '{}' is already used by {}[{}] at {}:{}", id, first.section, id,
                            file, first.origin->pos.line)
              : fmt::format("id '{}' is already used by {}[{}] in {}", id, first.section, id, file),
          "ids must be unique; rename one of them");
  }

  // Where a node is written, for messages about it.
  static Seen place_of(const NodeRef& n) {
    switch (n.kind) {
      case NodeKind::kFunction:
        return {"functions", &n.function->origin};
      case NodeKind::kLocation:
        return {"locations", &n.location->origin};
      case NodeKind::kService:
      case NodeKind::kFeature:
        break;
    }
    return {"services", &n.service->origin};
  }

  void check_ids() {
    // Functions, services and locations share a namespace: the node index found the clashes.
    const auto& nodes = nodes_.nodes();
    for (const auto& [a, b] : nodes_.duplicates()) {
      const NodeRef& later = nodes[b];
      if (later.kind == NodeKind::kFeature) {
        error(At{later.service->origin, "services", "id", later.feature->origin.pos,
                 later.service->id, later.feature},
              fmt::format("service '{}' has feature '{}' twice", later.service->id,
                          later.feature->id));
        continue;
      }
      report_duplicate(later.ref, place_of(nodes[a]), place_of(later));
    }
    std::unordered_map<std::string_view, Seen> bus, people, mits, scens, trees;
    unique(m_.business_units, "business_units", bus);
    unique(m_.people, "people", people);
    unique(m_.mitigations, "mitigations", mits);
    unique(m_.scenarios, "scenarios", scens);
    unique(m_.call_trees, "call_trees", trees);
    for (const auto& t : m_.call_trees) tree_ids_.insert(t.id);
    for (const auto& b : m_.business_units) bu_ids_.insert(b.id);
    for (const auto& p : m_.people) person_ids_.insert(p.id);
  }

  // --- references --------------------------------------------------------------------------
  std::string suggest(std::string_view ref, const std::vector<std::string_view>& candidates) {
    if (++suggestions_ > kMaxSuggestions) return {};
    std::string near = closest_match(ref, candidates);
    return near.empty() ? std::string() : fmt::format("did you mean '{}'?", near);
  }
  const std::vector<std::string_view>& node_refs() {
    if (node_refs_.empty()) node_refs_ = nodes_.refs();
    return node_refs_;
  }
  static std::vector<std::string_view> ids_of(const std::unordered_set<std::string_view>& set) {
    std::vector<std::string_view> v(set.begin(), set.end());
    std::sort(v.begin(), v.end());
    return v;
  }

  // A node reference: a function, service, feature or location.
  const NodeRef* node(const std::string& ref, const At& at, const Who& who,
                      const char* verb = "names") {
    if (ref.empty()) return nullptr;
    if (const NodeRef* n = nodes_.find(ref)) return n;
    error(at, fmt::format("{} {} unknown '{}'", who.str(), verb, ref), suggest(ref, node_refs()));
    return nullptr;
  }
  // The next node of NodeIndex order begins its edges.
  void begin_node() { start_.push_back(static_cast<uint32_t>(edges_.size())); }
  void business_unit(const std::string& ref, const At& at, const Who& who) {
    if (ref.empty() || bu_ids_.count(ref)) return;
    error(at, fmt::format("{} names unknown business unit '{}'", who.str(), ref),
          suggest(ref, ids_of(bu_ids_)));
  }
  void person(const std::string& ref, const At& at, const Who& who) {
    if (ref.empty() || person_ids_.count(ref)) return;
    error(at, fmt::format("{} names unknown person '{}'", who.str(), ref),
          suggest(ref, ids_of(person_ids_)));
  }
  void location(const std::string& ref, const At& at, const Who& who) {
    const NodeRef* n = ref.empty() ? nullptr : nodes_.find(ref);
    if (ref.empty() || (n && n->kind == NodeKind::kLocation)) return;
    std::vector<std::string_view> locs;
    for (const auto& l : m_.locations) locs.push_back(l.id);
    error(at,
          n ? fmt::format("{} names '{}', a {}, where a location is expected", who.str(), ref,
                          to_string(n->kind))
            : fmt::format("{} names unknown location '{}'", who.str(), ref),
          n ? std::string() : suggest(ref, locs));
  }

  // path_ is a reused buffer: the walk below runs for every reference of a big model.
  void append_index(std::string_view name, size_t i) {
    path_ += name;
    path_ += '[';
    path_ += std::to_string(i);
    path_ += ']';
  }
  // The entity whose links are walked: origin, section and id, and the feature if it is one.
  struct Owner {
    const Origin& origin;
    const char* section;
    std::string_view id;
    const Feature* feature = nullptr;
  };
  void requirements(const std::vector<Requirement>& reqs, const Owner& o, const Who& who) {
    for (size_t i = 0; i < reqs.size(); ++i) {
      path_.clear();
      append_index("requires", i);
      requirement(reqs[i], o, who);
    }
  }
  void requirement(const Requirement& r, const Owner& o, const Who& who) {
    if (r.kind == Requirement::Kind::kRef) {
      if (const NodeRef* n = node(r.ref, At{o.origin, o.section, path_, r.pos, o.id, o.feature},
                                  who, "requires")) {
        edges_.push_back(static_cast<uint32_t>(n - nodes_.nodes().data()));
      }
      return;
    }
    const char* op = r.kind == Requirement::Kind::kAny ? ".any" : ".all";
    const size_t keep = path_.size();
    for (size_t i = 0; i < r.items.size(); ++i) {
      path_.resize(keep);
      append_index(op, i);
      requirement(r.items[i], o, who);
    }
    path_.resize(keep);
  }
  void soft(const std::vector<Ref>& refs, const Owner& o, const Who& who) {
    for (size_t i = 0; i < refs.size(); ++i) {
      path_.clear();
      append_index("degraded_by", i);
      node(refs[i].target, At{o.origin, o.section, path_, refs[i].pos, o.id, o.feature}, who,
           "is degraded by");
    }
  }

  void check_business_units() {
    std::unordered_map<std::string_view, const BusinessUnit*> by_id;
    for (const auto& b : m_.business_units) by_id.emplace(b.id, &b);
    for (const auto& b : m_.business_units) {
      business_unit(b.parent, At{b.origin, "business_units", "parent", {}, b.id},
                    Who{"business unit", b.id});
      // A parent chain must end.
      std::unordered_set<std::string_view> seen{b.id};
      for (auto it = by_id.find(b.parent); it != by_id.end(); it = by_id.find(it->second->parent)) {
        if (!seen.insert(it->second->id).second) {
          if (it->second->id == b.id) {
            error(At{b.origin, "business_units", "parent", {}, b.id},
                  fmt::format("business unit '{}' is its own ancestor", b.id),
                  "a parent chain must end at a unit without a parent");
          }
          break;
        }
      }
    }
  }

  void check_locations() {
    for (const auto& l : m_.locations) {
      Who who{"location", l.id};
      begin_node();
      requirements(l.requires_, {l.origin, "locations", l.id}, who);
      soft(l.degraded_by, {l.origin, "locations", l.id}, who);
    }
  }

  void check_people() {
    for (const auto& p : m_.people) {
      Who who{"person", p.id};
      business_unit(p.business_unit, At{p.origin, "people", "business_unit", {}, p.id}, who);
      location(p.location, At{p.origin, "people", "location", {}, p.id}, who);
      if (p.contacts.empty()) {
        report(Severity::kWarning, At{p.origin, "people", "contacts", {}, p.id},
               fmt::format("person '{}' has no contacts and cannot be notified", p.id),
               "add at least an email and a phone number");
      }
    }
  }

  void check_services() {
    for (const auto& s : m_.services) {
      Who who{"service", s.id};
      begin_node();
      const size_t own = edges_.size();
      requirements(s.requires_, {s.origin, "services", s.id}, who);
      const size_t own_end = edges_.size();
      soft(s.degraded_by, {s.origin, "services", s.id}, who);
      for (const auto& f : s.features) {
        std::string ref = s.id + "/" + f.id;
        Who fwho{"feature", ref};
        begin_node();
        requirements(f.requires_, {s.origin, "services", s.id, &f}, fwho);
        for (size_t k = own; k < own_end; ++k) edges_.push_back(edges_[k]);  // inherited
        soft(f.degraded_by, {s.origin, "services", s.id, &f}, fwho);
      }
      if (!s.provider_service.empty() && s.provider.empty()) {
        report(Severity::kWarning, At{s.origin, "services", "provider_service", {}, s.id},
               fmt::format("service '{}' has a provider_service but no provider", s.id),
               "set provider, e.g. microsoft365, so its health feed can be followed");
      }
    }
  }

  void check_functions() {
    auto function_named = [&](const std::string& id) -> const Function* {
      const NodeRef* n = id.empty() ? nullptr : nodes_.find(id);
      return n ? n->function : nullptr;
    };
    for (const auto& f : m_.functions) {
      Who who{"function", f.id};
      begin_node();
      if (!f.parent.empty()) {
        const NodeRef* n = nodes_.find(f.parent);
        At at{f.origin, "functions", "parent", {}};
        if (!n) {
          node(f.parent, at, who, "has parent");
        } else if (n->kind != NodeKind::kFunction) {
          error(at,
                fmt::format("{} names '{}', a {}, as its parent", who.str(), f.parent,
                            to_string(n->kind)),
                "a process's parent is the function it belongs to");
        } else {
          // Floyd's tortoise and hare up the chain: no memory, linear in its length.
          const Function* slow = &f;
          const Function* fast = &f;
          bool loop = false;
          while (fast && (fast = function_named(fast->parent)) &&
                 (fast = function_named(fast->parent))) {
            slow = function_named(slow->parent);
            if (slow == fast) {
              loop = true;
              break;
            }
          }
          if (loop) {  // f is its own ancestor only if it lies on the loop itself
            const Function* on = slow;
            do {
              if (on == &f) {
                error(at, fmt::format("{} is its own ancestor", who.str()),
                      "a chain of parents must end at a top-level function");
                break;
              }
              on = function_named(on->parent);
            } while (on != slow);
          }
        }
      }
      business_unit(f.business_unit, At{f.origin, "functions", "business_unit", {}, f.id}, who);
      person(f.owner, At{f.origin, "functions", "owner", {}, f.id}, who);
      if (!f.call_tree.empty() && !tree_ids_.count(f.call_tree)) {
        error(At{f.origin, "functions", "call_tree", {}, f.id},
              fmt::format("{} names unknown call tree '{}'", who.str(), f.call_tree),
              tree_ids_.empty() ? std::string("define it under call_trees")
                                : suggest(f.call_tree, ids_of(tree_ids_)));
      }
      requirements(f.requires_, {f.origin, "functions", f.id}, who);
      soft(f.degraded_by, {f.origin, "functions", f.id}, who);
    }
  }

  // `replaces` must be among the requirements of the `for` node, directly or via a feature.
  bool required_by_node(const NodeRef& n, const std::string& replaces) {
    bool found = false;
    auto check = [&](const std::string& ref, const Requirement&) {
      found = found || ref == replaces ||
              (ref.size() > replaces.size() && ref.compare(0, replaces.size(), replaces) == 0 &&
               ref[replaces.size()] == '/');
    };
    for_each_ref(n.requires_(), check);
    for_each_ref(n.inherited_requires(), check);
    return found;
  }

  void check_mitigations() {
    for (const auto& x : m_.mitigations) {
      Who who{"mitigation", x.id};
      bool for_ok = node(x.for_.target, At{x.origin, "mitigations", "for", x.for_.pos, x.id}, who);
      bool rep_ok = node(x.replaces.target,
                         At{x.origin, "mitigations", "replaces", x.replaces.pos, x.id}, who);
      for (size_t i = 0; i < x.with.size(); ++i) {
        node(x.with[i].target,
             At{x.origin, "mitigations", fmt::format("with[{}]", i), x.with[i].pos, x.id}, who);
        if (x.with[i].target == x.replaces.target) {
          report(Severity::kWarning,
                 At{x.origin, "mitigations", fmt::format("with[{}]", i), x.with[i].pos, x.id},
                 fmt::format("{} replaces '{}' with itself", who.str(), x.replaces.target));
        }
      }
      person(x.owner, At{x.origin, "mitigations", "owner", {}, x.id}, who);
      if (for_ok && rep_ok && !x.for_.target.empty() && !x.replaces.target.empty()) {
        const NodeRef* n = nodes_.find(x.for_.target);
        if (!required_by_node(*n, x.replaces.target)) {
          error(At{x.origin, "mitigations", "replaces", x.replaces.pos, x.id},
                fmt::format("{} replaces '{}', but {} '{}' does not require it", who.str(),
                            x.replaces.target, to_string(n->kind), x.for_.target),
                "a mitigation stands in for one of its node's own requirements");
        }
      }
    }
  }

  void check_scenarios() {
    for (const auto& s : m_.scenarios) {
      Who who{"scenario", s.id};
      if (s.disrupt.empty()) {
        error(At{s.origin, "scenarios", "disrupt", {}, s.id},
              fmt::format("{} disrupts nothing", who.str()),
              "add e.g. 'disrupt: [ { node: exo } ]'");
      }
      for (size_t i = 0; i < s.disrupt.size(); ++i) {
        const auto& d = s.disrupt[i];
        auto path = fmt::format("disrupt[{}]", i);
        if (d.kind == Disruption::Kind::kNode) {
          node(d.node, At{s.origin, "scenarios", path + ".node", d.pos, s.id}, who);
        } else {
          location(d.location, At{s.origin, "scenarios", path + ".location", d.pos, s.id}, who);
          business_unit(d.business_unit,
                        At{s.origin, "scenarios", path + ".business_unit", d.pos, s.id}, who);
        }
      }
    }
  }

  void check_call_trees() {
    for (const auto& t : m_.call_trees) {
      Who who{"call tree", t.id};
      if (t.levels.empty()) {
        error(At{t.origin, "call_trees", "levels", {}, t.id},
              fmt::format("{} has no levels", who.str()),
              "add e.g. 'levels: [ { targets: [ alice ], ack_timeout: 10m } ]'");
      }
      for (size_t i = 0; i < t.levels.size(); ++i) {
        const auto& level = t.levels[i];
        const auto path = fmt::format("levels[{}]", i);
        if (level.targets.empty()) {
          error(At{t.origin, "call_trees", path + ".targets", level.pos, t.id},
                fmt::format("level {} of {} engages nobody", i + 1, who.str()),
                "list people by id, or { business_unit: ... } or { location: ... }");
          continue;
        }
        bool reaches = false, known = true;
        for (size_t k = 0; k < level.targets.size(); ++k) {
          const auto& x = level.targets[k];
          const std::string field = fmt::format("{}.targets[{}]", path, k);  // At only views it
          const At at{t.origin, "call_trees", field, x.pos, t.id};
          switch (x.kind) {
            case CallTarget::Kind::kPerson:
              person(x.id, at, who);
              known = known && person_ids_.count(x.id);
              reaches = reaches || person_ids_.count(x.id);
              break;
            case CallTarget::Kind::kBusinessUnit:
              business_unit(x.id, at, who);
              known = known && bu_ids_.count(x.id);
              reaches = reaches || unit_has_people(x.id);
              break;
            case CallTarget::Kind::kLocation: {
              location(x.id, at, who);
              const NodeRef* n = nodes_.find(x.id);
              known = known && n && n->kind == NodeKind::kLocation;
              for (const auto& p : m_.people) reaches = reaches || p.location == x.id;
              break;
            }
          }
        }
        if (!reaches && known) {  // (an unknown target has its own error)
          report(Severity::kWarning, At{t.origin, "call_trees", path, level.pos, t.id},
                 fmt::format("level {} of {} reaches no one: nobody is in what it names", i + 1,
                             who.str()),
                 "name people, or put people in that business unit or location");
        }
      }
    }
  }
  // Whether anyone's business unit is `unit` or one of its sub-units.
  bool unit_has_people(const std::string& unit) {
    std::unordered_map<std::string_view, std::string_view> parent;
    for (const auto& b : m_.business_units) parent.emplace(b.id, b.parent);
    for (const auto& p : m_.people) {
      std::string_view u = p.business_unit;
      for (int depth = 0; !u.empty() && depth < 64; ++depth) {
        if (u == unit) return true;
        auto it = parent.find(u);
        u = it == parent.end() ? std::string_view() : it->second;
      }
    }
    return false;
  }

  // --- cycles (Tarjan, iterative: a generated model can chain a million nodes) -------------
  void check_cycles();

  void check_languages() {
    auto known = [](const std::string& l) { return l.empty() || l == "en" || l == "sv"; };
    for (const auto& p : m_.people) {
      if (!known(p.language)) {
        report(Severity::kWarning, At{p.origin, "people", "language", {}, p.id},
               fmt::format("person '{}' reads '{}', which ebcm has no translation for", p.id,
                           p.language),
               "ebcm speaks en and sv; English will be used");
      }
    }
    const auto& tz = m_.organization.timezone;
    if (!tz.empty() && tz != "UTC" && std::filesystem::is_directory("/usr/share/zoneinfo") &&
        !std::filesystem::exists("/usr/share/zoneinfo/" + tz)) {
      out_.warning(m_.sources.empty() ? "<model>" : m_.sources[0], 0, 0, "organization.timezone",
                   fmt::format("'{}' is not a known time zone", tz),
                   "use an IANA name such as Europe/Stockholm");
    }
  }

  const Model& m_;
  Diagnostics& out_;
  NodeIndex nodes_;
  std::vector<std::string_view> node_refs_;
  std::unordered_set<std::string_view> bu_ids_, person_ids_, tree_ids_;
  size_t suggestions_ = 0;
  // Requirement edges in CSR form, node i's targets at edges_[start_[i] .. start_[i + 1]).
  std::vector<uint32_t> start_, edges_;
  std::string path_;
};

void Validator::check_cycles() {
  const auto& nodes = nodes_.nodes();
  std::vector<std::vector<std::string>> groups;
  for (const auto& members : find_cycles(start_, edges_)) {
    std::vector<std::string> group;
    for (uint32_t w : members) group.push_back(nodes[w].ref);
    std::sort(group.begin(), group.end());
    groups.push_back(std::move(group));
  }
  for (const auto& g : groups) {
    const NodeRef* first = nodes_.find(g.front());
    const Origin& o = first->function   ? first->function->origin
                      : first->location ? first->location->origin
                                        : first->service->origin;
    const char* section = first->function   ? "functions"
                          : first->location ? "locations"
                                            : "services";
    std::string loop =
        g.size() <= 8
            ? join(g, " → ")
            : fmt::format("{} → ... ({} nodes)", join({g.begin(), g.begin() + 8}, " → "), g.size());
    const std::string_view id = first->function   ? first->function->id
                                : first->location ? first->location->id
                                                  : first->service->id;
    report(Severity::kWarning, At{o, section, "requires", {}, id},
           fmt::format("requirement cycle: {} require one another", loop),
           "restoring them after an outage may need a manual bootstrap; document it in a runbook");
  }
}

}  // namespace

void validate(const Model& model, Diagnostics& out) { Validator(model, out).run(); }

}  // namespace ebcm::model
