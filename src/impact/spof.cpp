#include "impact/spof.hpp"

#include <algorithm>
#include <bit>
#include <span>

namespace ebcm::impact {
namespace {

// Bit-parallel "down" propagation: bit k of down_[n] says node n is down in scenario k. A base
// disruption (in every scenario) can be set once; each run() adds one node per scenario on top
// of it and undoes the previous run's changes first, so a run costs what it changes.
class BitSim {
 public:
  explicit BitSim(const CompiledGraph& g)
      : g_(g), down_(g.size(), 0), dis_(g.size(), 0), mark_(g.size(), 0), queued_(g.size(), 0) {}

  // Only nodes with (*scope)[n] are evaluated; exact for any node whose upstream cone is inside.
  void set_scope(const std::vector<uint8_t>* scope) { scope_ = scope; }

  // `nodes` are disrupted in every scenario until the next set_base().
  void set_base(std::span<const uint32_t> nodes) {
    undo();
    for (uint32_t n : base_) down_[n] = dis_[n] = 0;
    base_.clear();
    ++epoch_;
    for (uint32_t n : nodes) disrupt(n, ~uint64_t{0});
    propagate();
    for (const auto& e : log_) base_.push_back(e.node);
    log_.clear();
  }

  // Scenario k disrupts the base and cands[k] (cands.size() <= 64).
  void run(std::span<const uint32_t> cands) {
    undo();
    ++epoch_;
    for (size_t k = 0; k < cands.size(); ++k) disrupt(cands[k], uint64_t{1} << k);
    propagate();
  }

  uint64_t down(uint32_t n) const { return down_[n]; }
  // Nodes the last run changed, each once.
  template <typename F>
  void for_each_changed(F&& f) const {
    for (const auto& e : log_) f(e.node);
  }

 private:
  struct Saved {
    uint32_t node;
    uint64_t down, dis;
  };

  void save(uint32_t n) {
    if (mark_[n] == epoch_) return;
    mark_[n] = epoch_;
    log_.push_back({n, down_[n], dis_[n]});
  }

  void undo() {
    for (const auto& e : log_) {
      down_[e.node] = e.down;
      dis_[e.node] = e.dis;
    }
    log_.clear();
  }

  void disrupt(uint32_t n, uint64_t bits) {
    auto one = [&](uint32_t x) {
      save(x);
      dis_[x] |= bits;
      if (!queued_[x]) {
        queued_[x] = 1;
        queue_.push_back(x);
      }
    };
    one(n);
    for (uint32_t k = g_.feature_begin[n]; k < g_.feature_begin[n + 1]; ++k) one(g_.features[k]);
  }

  // Failure bits of an expression; references to `replaced` (or its features) count as up.
  uint64_t fails(uint32_t e, uint32_t replaced) const {
    const Expr& x = g_.exprs[e];
    switch (x.op) {
      case Expr::Op::kRef:
        if (replaced != kNone && (x.a == replaced || g_.owner_service[x.a] == replaced)) return 0;
        return down_[x.a];
      case Expr::Op::kAll: {
        uint64_t r = 0;
        for (uint32_t c = x.a; c < x.b && r != ~uint64_t{0}; ++c) r |= fails(c, replaced);
        return r;
      }
      case Expr::Op::kAny: {
        uint64_t r = ~uint64_t{0};  // no alternative at all: always failed
        for (uint32_t c = x.a; c < x.b && r != 0; ++c) r &= fails(c, replaced);
        return r;
      }
    }
    return 0;
  }

  uint64_t evaluate(uint32_t n) const {
    uint64_t down = dis_[n];
    for (uint32_t k = g_.entry_begin[n]; k < g_.entry_begin[n + 1]; ++k) {
      const uint32_t e = g_.entries[k];
      uint64_t f = fails(e, kNone) & ~down;
      // Rule 3, open-ended: every counting mitigation is in effect.
      for (uint32_t i = g_.mit_begin[n]; i < g_.mit_begin[n + 1] && f != 0; ++i) {
        const CompiledMitigation& m = g_.mits[i];
        uint64_t with_down = 0;
        for (uint32_t w = m.with_begin; w < m.with_end; ++w) with_down |= down_[g_.with_nodes[w]];
        f &= with_down | fails(e, m.replaces);
      }
      down |= f;
    }
    return down;
  }

  // Chaotic iteration from the current states: monotone, so it reaches the fixed point.
  void propagate() {
    for (size_t head = 0; head < queue_.size(); ++head) {
      const uint32_t n = queue_[head];
      queued_[n] = 0;
      const uint64_t d = evaluate(n) | down_[n];
      if (d == down_[n]) continue;
      save(n);
      down_[n] = d;
      for (uint32_t k = g_.dep_begin[n]; k < g_.dep_begin[n + 1]; ++k) {
        const uint32_t x = g_.dependents[k];
        if (!queued_[x] && (!scope_ || (*scope_)[x])) {
          queued_[x] = 1;
          queue_.push_back(x);
        }
      }
    }
    queue_.clear();
  }

  const CompiledGraph& g_;
  const std::vector<uint8_t>* scope_ = nullptr;
  std::vector<uint64_t> down_, dis_;
  std::vector<uint32_t> mark_;
  std::vector<uint8_t> queued_;
  uint32_t epoch_ = 0;
  std::vector<Saved> log_;
  std::vector<uint32_t> base_, queue_;
};

bool contains(const std::vector<uint32_t>& sorted, uint32_t x) {
  return std::binary_search(sorted.begin(), sorted.end(), x);
}

// Calls f(node, bits) for each function among those the last run changed, with its down bits.
template <typename F>
void for_each_down_function(const CompiledGraph& g, const BitSim& sim, F&& f) {
  sim.for_each_changed([&](uint32_t n) {
    if (g.is_function(n) && sim.down(n) != 0) f(n, sim.down(n));
  });
}

}  // namespace

std::vector<std::vector<uint32_t>> single_points_of_failure(const CompiledGraph& g) {
  std::vector<std::vector<uint32_t>> out(g.size());
  BitSim sim(g);
  std::vector<uint32_t> batch;
  for (uint32_t first = 0; first < g.size(); first += 64) {
    batch.clear();
    for (uint32_t n = first; n < std::min(first + 64, g.size()); ++n) batch.push_back(n);
    sim.run(batch);
    for_each_down_function(g, sim, [&](uint32_t f, uint64_t bits) {
      for (; bits != 0; bits &= bits - 1) out[f].push_back(batch[std::countr_zero(bits)]);
    });
  }
  for (auto& s : out) std::sort(s.begin(), s.end());
  return out;
}

std::vector<uint32_t> upstream_cone(const CompiledGraph& g, uint32_t n) {
  std::vector<uint8_t> seen(g.size(), 0);
  std::vector<uint32_t> out{n}, stack;
  seen[n] = 1;
  auto visit = [&](uint32_t x) {
    if (x != kNone && !seen[x]) {
      seen[x] = 1;
      out.push_back(x);
    }
  };
  for (size_t i = 0; i < out.size(); ++i) {
    const uint32_t v = out[i];
    visit(g.owner_service[v]);
    for (uint32_t k = g.entry_begin[v]; k < g.entry_begin[v + 1]; ++k) {
      stack.assign(1, g.entries[k]);
      while (!stack.empty()) {
        const Expr& x = g.exprs[stack.back()];
        stack.pop_back();
        if (x.op == Expr::Op::kRef) {
          visit(x.a);
        } else {
          for (uint32_t c = x.a; c < x.b; ++c) stack.push_back(c);
        }
      }
    }
    for (uint32_t i2 = g.mit_begin[v]; i2 < g.mit_begin[v + 1]; ++i2) {
      for (uint32_t w = g.mits[i2].with_begin; w < g.mits[i2].with_end; ++w) visit(g.with_nodes[w]);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<NodePair> pairs_for_function(const CompiledGraph& g, uint32_t f,
                                         const std::vector<uint32_t>& singles) {
  const std::vector<uint32_t> cone = upstream_cone(g, f);
  std::vector<uint8_t> scope(g.size(), 0);
  std::vector<uint32_t> cands;
  for (uint32_t n : cone) {
    scope[n] = 1;
    if (!contains(singles, n)) cands.push_back(n);
  }
  BitSim sim(g);
  sim.set_scope(&scope);
  std::vector<NodePair> out;
  for (size_t i = 0; i + 1 < cands.size(); ++i) {
    sim.set_base(std::span(&cands[i], 1));
    for (size_t j = i + 1; j < cands.size(); j += 64) {
      const auto batch = std::span(cands).subspan(j, std::min<size_t>(64, cands.size() - j));
      sim.run(batch);
      for (uint64_t bits = sim.down(f); bits != 0; bits &= bits - 1) {
        out.emplace_back(cands[i], batch[std::countr_zero(bits)]);
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<uint32_t> top_by_reach(const CompiledGraph& g, const std::vector<uint32_t>& functions,
                                   const std::vector<std::vector<uint32_t>>& singles, uint32_t k) {
  std::vector<uint32_t> reach(g.size(), 0), taken(g.size(), 0);
  for (uint32_t f : functions) {
    for (uint32_t n : upstream_cone(g, f)) ++reach[n];
    for (uint32_t n : singles[f]) ++taken[n];
  }
  std::vector<uint32_t> order(g.size());
  for (uint32_t n = 0; n < g.size(); ++n) order[n] = n;
  const size_t keep = std::min<size_t>(k, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<ptrdiff_t>(keep), order.end(),
                    [&](uint32_t a, uint32_t b) {
                      if (reach[a] != reach[b]) return reach[a] > reach[b];
                      if (taken[a] != taken[b]) return taken[a] > taken[b];
                      return a < b;
                    });
  order.resize(keep);
  while (!order.empty() && reach[order.back()] == 0) order.pop_back();
  return order;
}

std::vector<std::vector<NodePair>> pairs_with_anchors(
    const CompiledGraph& g, const std::vector<uint32_t>& functions,
    const std::vector<std::vector<uint32_t>>& singles, const std::vector<uint32_t>& anchors) {
  std::vector<std::vector<NodePair>> out(g.size());
  std::vector<uint8_t> wanted(g.size(), 0);
  for (uint32_t f : functions) wanted[f] = 1;
  BitSim sim(g);
  std::vector<uint32_t> batch;
  for (uint32_t a : anchors) {
    sim.set_base(std::span(&a, 1));
    for (uint32_t first = 0; first < g.size(); first += 64) {
      batch.clear();
      for (uint32_t n = first; n < std::min(first + 64, g.size()); ++n) {
        if (n != a) batch.push_back(n);
      }
      sim.run(batch);
      for_each_down_function(g, sim, [&](uint32_t f, uint64_t bits) {
        if (!wanted[f] || contains(singles[f], a)) return;
        for (; bits != 0; bits &= bits - 1) {
          const uint32_t b = batch[std::countr_zero(bits)];
          if (!contains(singles[f], b)) out[f].emplace_back(std::min(a, b), std::max(a, b));
        }
      });
    }
  }
  for (auto& p : out) {
    std::sort(p.begin(), p.end());
    p.erase(std::unique(p.begin(), p.end()), p.end());
  }
  return out;
}

}  // namespace ebcm::impact
