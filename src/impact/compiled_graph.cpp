#include "impact/compiled_graph.hpp"

#include <algorithm>
#include <functional>

#include "core/cycles.hpp"

namespace ebcm::impact {

namespace {

using model::NodeKind;
using model::Requirement;

// Inverts per-node lists (`begin`/`items` over `n` sources) into lists of sources per target.
void invert(size_t targets, const std::vector<uint32_t>& begin, const std::vector<uint32_t>& items,
            std::vector<uint32_t>& out_begin, std::vector<uint32_t>& out) {
  out_begin.assign(targets + 1, 0);
  for (uint32_t t : items) ++out_begin[t + 1];
  for (size_t i = 0; i < targets; ++i) out_begin[i + 1] += out_begin[i];
  out.assign(items.size(), 0);
  std::vector<uint32_t> fill(out_begin.begin(), out_begin.end() - 1);
  for (size_t s = 0; s + 1 < begin.size(); ++s) {
    for (uint32_t k = begin[s]; k < begin[s + 1]; ++k)
      out[fill[items[k]]++] = static_cast<uint32_t>(s);
  }
}

class Compiler {
 public:
  Compiler(const model::Model& m, CompiledGraph& g) : m_(m), g_(g), index_(m) {}

  void run() {
    nodes();
    requirements();
    mitigations();
    dependents();
    workforce();
    cycles();
  }

 private:
  void nodes() {
    const auto& ns = index_.nodes();
    const size_t n = ns.size();
    g_.refs.reserve(n);
    g_.owner_service.assign(n, kNone);
    g_.rto.assign(n, kNoMinutes);
    g_.criticality.assign(n, -1);
    g_.function_unit.assign(n, kNone);
    g_.mtpd.assign(n, kNoMinutes);
    g_.staff_normal.assign(n, kNoMinutes);
    g_.staff_minimum.assign(n, kNoMinutes);
    for (const auto& node : ns) {
      g_.refs.push_back(node.ref);
      g_.kinds.push_back(node.kind);
    }
    // Features follow their service in NodeIndex order.
    g_.feature_begin.push_back(0);
    for (uint32_t i = 0; i < n; ++i) {
      if (ns[i].kind == NodeKind::kService) {
        for (uint32_t j = i + 1; j < n && ns[j].kind == NodeKind::kFeature; ++j) {
          g_.features.push_back(j);
          g_.owner_service[j] = i;
        }
      }
      g_.feature_begin.push_back(static_cast<uint32_t>(g_.features.size()));
      if (const model::Function* f = ns[i].function) {
        if (f->criticality) g_.criticality[i] = static_cast<int8_t>(*f->criticality);
        if (f->bia && f->bia->rto) g_.rto[i] = f->bia->rto->minutes;
        if (f->bia && f->bia->mtpd) g_.mtpd[i] = f->bia->mtpd->minutes;
        if (f->staff) {
          g_.staff_normal[i] = f->staff->normal;
          g_.staff_minimum[i] = f->staff->minimum;
          g_.staffed.push_back(i);
        }
      }
    }
  }

  // NodeIndex's open-addressing lookup (the first of duplicates), no string copies.
  uint32_t resolve(std::string_view ref) const {
    const model::NodeRef* r = index_.find(ref);
    return r == nullptr ? kNone : static_cast<uint32_t>(r - index_.nodes().data());
  }

  // Emits `r` at exprs[slot]; children of any/all get a contiguous block appended first.
  void emit(const Requirement& r, uint32_t slot) {
    Expr e;
    if (r.kind == Requirement::Kind::kRef) {
      const uint32_t t = resolve(r.ref);
      e = t == kNone ? Expr{Expr::Op::kAll, 0, 0} : Expr{Expr::Op::kRef, t, 0};
    } else {
      const auto base = static_cast<uint32_t>(g_.exprs.size());
      const auto count = static_cast<uint32_t>(r.items.size());
      g_.exprs.resize(g_.exprs.size() + count);
      for (uint32_t i = 0; i < count; ++i) emit(r.items[i], base + i);
      e = Expr{r.kind == Requirement::Kind::kAny ? Expr::Op::kAny : Expr::Op::kAll, base,
               base + count};
    }
    g_.exprs[slot] = e;
  }

  void add_entries(const std::vector<Requirement>& reqs) {
    for (const auto& r : reqs) {
      const auto slot = static_cast<uint32_t>(g_.exprs.size());
      g_.exprs.emplace_back();
      emit(r, slot);
      g_.entries.push_back(slot);
    }
  }

  void requirements() {
    g_.entry_begin.push_back(0);
    g_.soft_begin.push_back(0);
    for (const auto& node : index_.nodes()) {
      add_entries(node.inherited_requires());  // rule 2: a feature has its service's requires
      add_entries(node.requires_());
      g_.entry_begin.push_back(static_cast<uint32_t>(g_.entries.size()));
      for (const auto& d : node.degraded_by()) {
        const uint32_t t = resolve(d.target);
        if (t != kNone) g_.soft.push_back(t);
      }
      g_.soft_begin.push_back(static_cast<uint32_t>(g_.soft.size()));
    }
  }

  void mitigations() {
    const size_t n = g_.size();
    // Counting sort by `for` node (model order kept within a node), then a stable sort of each
    // node's counting ones by activation: no per-node vectors.
    std::vector<CompiledMitigation> all;
    std::vector<uint32_t> for_of;
    std::vector<uint8_t> planned_of;
    all.reserve(m_.mitigations.size());
    g_.mitigation_ids.reserve(m_.mitigations.size());
    for (uint32_t i = 0; i < m_.mitigations.size(); ++i) {
      const auto& x = m_.mitigations[i];
      g_.mitigation_ids.push_back(x.id);
      const uint32_t for_node = resolve(x.for_.target);
      const uint32_t replaces = resolve(x.replaces.target);
      if (for_node == kNone || replaces == kNone) continue;
      CompiledMitigation c{i, replaces, static_cast<uint32_t>(g_.with_nodes.size()), 0,
                           x.activation ? x.activation->minutes : 0};
      for (const auto& w : x.with) {
        const uint32_t t = resolve(w.target);
        if (t != kNone) g_.with_nodes.push_back(t);
      }
      c.with_end = static_cast<uint32_t>(g_.with_nodes.size());
      all.push_back(c);
      for_of.push_back(for_node);
      planned_of.push_back(x.status == model::MitigationStatus::kPlanned ? 1 : 0);
    }
    g_.mit_begin.assign(n + 1, 0);
    g_.gap_begin.assign(n + 1, 0);
    for (size_t i = 0; i < all.size(); ++i)
      ++(planned_of[i] ? g_.gap_begin : g_.mit_begin)[for_of[i] + 1];
    for (size_t k = 0; k < n; ++k) {
      g_.mit_begin[k + 1] += g_.mit_begin[k];
      g_.gap_begin[k + 1] += g_.gap_begin[k];
    }
    g_.mits.resize(g_.mit_begin[n]);
    g_.gaps.resize(g_.gap_begin[n]);
    std::vector<uint32_t> mit_fill(g_.mit_begin.begin(), g_.mit_begin.end() - 1);
    std::vector<uint32_t> gap_fill(g_.gap_begin.begin(), g_.gap_begin.end() - 1);
    for (size_t i = 0; i < all.size(); ++i) {
      if (planned_of[i]) {
        g_.gaps[gap_fill[for_of[i]]++] = all[i];
      } else {
        g_.mits[mit_fill[for_of[i]]++] = all[i];
      }
    }
    for (size_t k = 0; k < n; ++k) {
      // Stable: equal activations keep model order, so the named mitigation is deterministic.
      if (g_.mit_begin[k + 1] - g_.mit_begin[k] > 1) {
        std::stable_sort(g_.mits.begin() + g_.mit_begin[k], g_.mits.begin() + g_.mit_begin[k + 1],
                         [](const auto& a, const auto& b) { return a.activation < b.activation; });
      }
    }
  }

  // Calls fn(target) for every reference of node n's entries.
  template <class Fn>
  void for_each_target(uint32_t n, Fn&& fn) {
    std::vector<uint32_t>& stack = stack_;  // reused: no allocation per node
    for (uint32_t k = g_.entry_begin[n]; k < g_.entry_begin[n + 1]; ++k) {
      stack.push_back(g_.entries[k]);
      while (!stack.empty()) {
        const Expr& e = g_.exprs[stack.back()];
        stack.pop_back();
        if (e.op == Expr::Op::kRef) {
          fn(e.a);
        } else {
          for (uint32_t c = e.a; c < e.b; ++c) stack.push_back(c);
        }
      }
    }
  }

  void dependents() {
    const uint32_t n = g_.size();
    std::vector<uint32_t> begin{0}, inputs, seen(n, kNone);
    for (uint32_t v = 0; v < n; ++v) {
      auto add = [&](uint32_t t) {
        if (seen[t] != v) {
          seen[t] = v;
          inputs.push_back(t);
        }
      };
      for_each_target(v, add);
      for (uint32_t k = g_.soft_begin[v]; k < g_.soft_begin[v + 1]; ++k) add(g_.soft[k]);
      for (uint32_t k = g_.mit_begin[v]; k < g_.mit_begin[v + 1]; ++k) {
        for (uint32_t w = g_.mits[k].with_begin; w < g_.mits[k].with_end; ++w)
          add(g_.with_nodes[w]);
      }
      begin.push_back(static_cast<uint32_t>(inputs.size()));
    }
    invert(n, begin, inputs, g_.dep_begin, g_.dependents);
  }

  void workforce() {
    const uint32_t n = g_.size();
    const auto bu_count = static_cast<uint32_t>(m_.business_units.size());
    for (uint32_t i = 0; i < bu_count; ++i) {
      g_.business_units.push_back(m_.business_units[i].id);
      units_.emplace(m_.business_units[i].id, i);
    }
    auto unit = [&](const std::string& id) {
      auto it = units_.find(id);
      return it == units_.end() ? kNone : it->second;
    };
    for (uint32_t v = 0; v < n; ++v) {
      if (const model::Function* f = index_.nodes()[v].function) {
        g_.function_unit[v] = unit(f->business_unit);
      }
    }
    std::vector<uint32_t> seen(n, kNone);
    g_.unit_begin.push_back(0);
    g_.loc_begin.push_back(0);
    for (uint32_t v = 0; v < n; ++v) {
      if (g_.staff_normal[v] != kNoMinutes) {
        // The unit and its parents; the step limit guards against a loop validation missed.
        uint32_t u = unit(index_.nodes()[v].function->business_unit);
        for (uint32_t steps = 0; u != kNone && steps <= bu_count; ++steps) {
          g_.units.push_back(u);
          u = unit(m_.business_units[u].parent);
        }
        for_each_target(v, [&](uint32_t t) {
          if (g_.kinds[t] == NodeKind::kLocation && seen[t] != v) {
            seen[t] = v;
            g_.locs.push_back(t);
          }
        });
      }
      g_.unit_begin.push_back(static_cast<uint32_t>(g_.units.size()));
      g_.loc_begin.push_back(static_cast<uint32_t>(g_.locs.size()));
    }
    invert(bu_count, g_.unit_begin, g_.units, g_.bu_staffed_begin, g_.bu_staffed);
    invert(n, g_.loc_begin, g_.locs, g_.loc_staffed_begin, g_.loc_staffed);
  }

  // Requirement cycles (core/cycles.hpp), each group sorted by ref, the groups sorted.
  void cycles() {
    const uint32_t n = g_.size();
    std::vector<uint32_t> begin{0}, edges;
    for (uint32_t v = 0; v < n; ++v) {
      for_each_target(v, [&](uint32_t t) { edges.push_back(t); });
      begin.push_back(static_cast<uint32_t>(edges.size()));
    }
    g_.cycles = find_cycles(begin, edges);
    for (auto& group : g_.cycles) {
      std::sort(group.begin(), group.end(),
                [&](uint32_t a, uint32_t b) { return g_.refs[a] < g_.refs[b]; });
    }
    std::sort(g_.cycles.begin(), g_.cycles.end(), [&](const auto& a, const auto& b) {
      return std::lexicographical_compare(
          a.begin(), a.end(), b.begin(), b.end(),
          [&](uint32_t x, uint32_t y) { return g_.refs[x] < g_.refs[y]; });
    });
  }

 public:
  std::unordered_map<std::string, uint32_t> units_;

 private:
  std::vector<uint32_t> stack_;
  const model::Model& m_;
  CompiledGraph& g_;
  model::NodeIndex index_;
};

}  // namespace

CompiledGraph CompiledGraph::compile(const model::Model& model) {
  CompiledGraph g;
  Compiler c(model, g);
  c.run();
  g.by_unit_ = std::move(c.units_);
  g.build_lookup();
  return g;
}

// Open addressing over refs: each slot is (hash high 32 bits << 32 | node + 1), 0 empty, at
// most half full. The first of duplicate refs wins, as in NodeIndex.
void CompiledGraph::build_lookup() {
  uint64_t cap = 16;
  while (cap < 2 * static_cast<uint64_t>(refs.size())) cap <<= 1;
  by_ref_.assign(cap, 0);
  mask_ = cap - 1;
  for (uint32_t i = 0; i < refs.size(); ++i) {
    const uint64_t h = std::hash<std::string_view>{}(refs[i]);
    for (uint64_t p = h & mask_;; p = (p + 1) & mask_) {
      const uint64_t slot = by_ref_[p];
      if (slot == 0) {
        by_ref_[p] = (h >> 32) << 32 | (i + 1);
        break;
      }
      if ((slot >> 32) == (h >> 32) && refs[(slot & 0xffffffffu) - 1] == refs[i]) break;
    }
  }
}

uint32_t CompiledGraph::find(std::string_view ref) const {
  if (by_ref_.empty()) return kNone;
  const uint64_t h = std::hash<std::string_view>{}(ref);
  for (uint64_t p = h & mask_;; p = (p + 1) & mask_) {
    const uint64_t slot = by_ref_[p];
    if (slot == 0) return kNone;
    const auto i = static_cast<uint32_t>(slot & 0xffffffffu) - 1;
    if ((slot >> 32) == (h >> 32) && refs[i] == ref) return i;
  }
}

uint32_t CompiledGraph::find_business_unit(std::string_view id) const {
  auto it = by_unit_.find(std::string(id));
  return it == by_unit_.end() ? kNone : it->second;
}

}  // namespace ebcm::impact
