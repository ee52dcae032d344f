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
    layout();
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

  // The engine's numbering: Tarjan's algorithm over "reads" edges (node → what it reads, the
  // inverse of `dependents`) emits each strongly connected component after every component it
  // reads, so the emission order is topological; the depth-first search keeps a node's own
  // inputs close to it. Iterative: a generated model can chain a million nodes.
  void layout() {
    const uint32_t n = g_.size();
    std::vector<uint32_t> read_begin, reads;
    invert(n, g_.dep_begin, g_.dependents, read_begin, reads);
    CompiledGraph::Layout& L = g_.layout;
    L.order.clear();
    L.order.reserve(n);
    {
      std::vector<uint32_t> index(n, kNone), low(n, 0), stack;
      std::vector<uint8_t> on_stack(n, 0);
      std::vector<std::pair<uint32_t, uint32_t>> call;  // (node, next edge)
      uint32_t counter = 0;
      for (uint32_t root = 0; root < n; ++root) {
        if (index[root] != kNone) continue;
        call.emplace_back(root, read_begin[root]);
        index[root] = low[root] = counter++;
        stack.push_back(root);
        on_stack[root] = 1;
        while (!call.empty()) {
          const uint32_t v = call.back().first;
          if (call.back().second < read_begin[v + 1]) {
            const uint32_t w = reads[call.back().second++];
            if (index[w] == kNone) {
              index[w] = low[w] = counter++;
              stack.push_back(w);
              on_stack[w] = 1;
              call.emplace_back(w, read_begin[w]);
            } else if (on_stack[w]) {
              low[v] = std::min(low[v], index[w]);
            }
            continue;
          }
          call.pop_back();
          if (!call.empty()) low[call.back().first] = std::min(low[call.back().first], low[v]);
          if (low[v] != index[v]) continue;
          uint32_t w;
          do {
            w = stack.back();
            stack.pop_back();
            on_stack[w] = 0;
            L.order.push_back(w);
          } while (w != v);
        }
      }
    }
    L.rank.assign(n, 0);
    for (uint32_t i = 0; i < n; ++i) L.rank[L.order[i]] = i;
    const std::vector<uint32_t>& rank = L.rank;
    L.nodes.resize(n);
    L.exprs.clear();
    L.exprs.reserve(g_.exprs.size());
    L.owner.assign(n, kNone);
    L.dependents.clear();
    L.dependents.reserve(g_.dependents.size());
    L.soft.clear();
    L.soft.reserve(g_.soft.size());
    L.mits.clear();
    L.mits.reserve(g_.mits.size());
    L.with_nodes.clear();
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t p = L.order[i];
      CompiledGraph::Layout::Node& x = L.nodes[i];
      // The roots first, contiguous; each tree's children blocks after them.
      x.root_begin = static_cast<uint32_t>(L.exprs.size());
      x.root_end = x.root_begin + (g_.entry_begin[p + 1] - g_.entry_begin[p]);
      L.exprs.resize(x.root_end);
      for (uint32_t k = g_.entry_begin[p]; k < g_.entry_begin[p + 1]; ++k) {
        copy_expr(g_.entries[k], x.root_begin + (k - g_.entry_begin[p]));
      }
      if (g_.owner_service[p] != kNone) L.owner[i] = rank[g_.owner_service[p]];
      x.dep_begin = static_cast<uint32_t>(L.dependents.size());
      for (uint32_t k = g_.dep_begin[p]; k < g_.dep_begin[p + 1]; ++k) {
        L.dependents.push_back(rank[g_.dependents[k]]);
      }
      x.dep_end = static_cast<uint32_t>(L.dependents.size());
      std::sort(L.dependents.begin() + x.dep_begin, L.dependents.end());
      x.mit_begin = static_cast<uint32_t>(L.mits.size());
      for (uint32_t k = g_.mit_begin[p]; k < g_.mit_begin[p + 1]; ++k) {
        CompiledMitigation m = g_.mits[k];
        m.replaces = rank[m.replaces];
        m.with_begin = static_cast<uint32_t>(L.with_nodes.size());
        for (uint32_t w = g_.mits[k].with_begin; w < g_.mits[k].with_end; ++w) {
          L.with_nodes.push_back(rank[g_.with_nodes[w]]);
        }
        m.with_end = static_cast<uint32_t>(L.with_nodes.size());
        L.mits.push_back(m);
      }
      x.mit_end = static_cast<uint32_t>(L.mits.size());
      x.soft_begin = static_cast<uint32_t>(L.soft.size());
      for (uint32_t k = g_.soft_begin[p]; k < g_.soft_begin[p + 1]; ++k) {
        L.soft.push_back(rank[g_.soft[k]]);
      }
      x.soft_end = static_cast<uint32_t>(L.soft.size());
    }
  }

  // Copies public expression `e` to layout slot `slot`, children blocks appended, references
  // renumbered.
  void copy_expr(uint32_t e, uint32_t slot) {
    std::vector<Expr>& out = g_.layout.exprs;
    const Expr x = g_.exprs[e];
    if (x.op == Expr::Op::kRef) {
      out[slot] = Expr{Expr::Op::kRef, g_.layout.rank[x.a], 0};
      return;
    }
    const auto base = static_cast<uint32_t>(out.size());
    out.resize(base + (x.b - x.a));
    for (uint32_t c = x.a; c < x.b; ++c) copy_expr(c, base + (c - x.a));
    out[slot] = Expr{x.op, base, base + (x.b - x.a)};
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
    g_.function_parent.assign(n, kNone);
    for (uint32_t v = 0; v < n; ++v) {
      if (const model::Function* f = index_.nodes()[v].function) {
        g_.function_unit[v] = unit(f->business_unit);
        if (!f->parent.empty()) {
          const uint32_t p = resolve(f->parent);
          if (p != kNone && g_.is_function(p)) g_.function_parent[v] = p;
        }
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
