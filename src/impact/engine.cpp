#include "impact/engine.hpp"

#include <algorithm>

#include "impact/explain.hpp"

namespace ebcm::impact {

const char* to_string(State s) {
  switch (s) {
    case State::kUp: return "up";
    case State::kDegraded: return "degraded";
    case State::kDown: return "down";
  }
  return "up";
}

Result<DisruptionSet> disruption_from_scenario(const CompiledGraph& g, const model::Scenario& s) {
  DisruptionSet d;
  d.duration = s.duration;
  for (const auto& x : s.disrupt) {
    if (x.kind == model::Disruption::Kind::kNode) {
      const uint32_t n = g.find(x.node);
      if (n == kNone) {
        return make_error(ErrorCode::kNotFound,
                          "scenario '" + s.id + "' disrupts unknown node '" + x.node + "'");
      }
      d.nodes.push_back(n);
      continue;
    }
    WorkforceDisruption w{std::clamp(x.percent, 0, 100), kNone, kNone};
    if (!x.location.empty()) {
      w.location = g.find(x.location);
      if (w.location == kNone) {
        return make_error(ErrorCode::kNotFound,
                          "scenario '" + s.id + "' names unknown location '" + x.location + "'");
      }
    }
    if (!x.business_unit.empty()) {
      w.business_unit = g.find_business_unit(x.business_unit);
      if (w.business_unit == kNone) {
        return make_error(ErrorCode::kNotFound, "scenario '" + s.id +
                                                    "' names unknown business unit '" +
                                                    x.business_unit + "'");
      }
    }
    d.workforce.push_back(w);
  }
  return d;
}

const NodeImpact* Impact::find(uint32_t node) const {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), node,
                             [](const NodeImpact& a, uint32_t n) { return a.node < n; });
  return it != nodes.end() && it->node == node ? &*it : nullptr;
}

const Explanation* Impact::explanation(uint32_t node) const {
  auto it = std::lower_bound(explanations.begin(), explanations.end(), node,
                             [](const Explanation& a, uint32_t n) { return a.node < n; });
  return it != explanations.end() && it->node == node ? &*it : nullptr;
}

State Impact::state_of(uint32_t node) const {
  const NodeImpact* n = find(node);
  return n ? n->state : State::kUp;
}

Engine::Engine(const CompiledGraph& g)
    : g_(g),
      state_(g.size(), State::kUp),
      flags_(g.size(), 0),
      percent_(g.size(), 0),
      slot_(g.size(), kNone),
      hot_(g.size()) {
  for (uint32_t n = 0; n < g.size(); ++n) {
    hot_[n] = Hot{g.entry_begin[n], g.entry_begin[n + 1], g.dep_begin[n], g.dep_begin[n + 1],
                  g.mit_begin[n], g.mit_begin[n + 1], g.soft_begin[n], g.soft_begin[n + 1]};
  }
}

void Engine::reset_run() {
  for (uint32_t n : reached_) {
    state_[n] = State::kUp;
    slot_[n] = kNone;
    flags_[n] &= static_cast<uint8_t>(~kPending);
  }
  for (uint32_t n : seeds_) {
    flags_[n] = 0;
    percent_[n] = 0;
  }
  reached_.clear();
  seeds_.clear();
}

// Rule 2. References are the common case: they are read inline rather than through a call.
template <bool kReplacing>
State Engine::eval_expr(uint32_t e, uint32_t replaced) const {
  const Expr* const exprs = g_.exprs.data();
  const State* const state = state_.data();
  auto ref = [&](uint32_t t) -> State {
    if constexpr (kReplacing) {
      // Rule 3: references to `replaces` (or, for a service, to its features) count as up.
      if (t == replaced || g_.owner_service[t] == replaced) return State::kUp;
    }
    return state[t];
  };
  auto child = [&](uint32_t c) -> State {
    const Expr& y = exprs[c];
    return y.op == Expr::Op::kRef ? ref(y.a) : eval_expr<kReplacing>(c, replaced);
  };
  const Expr& x = exprs[e];
  switch (x.op) {
    case Expr::Op::kRef: return ref(x.a);
    case Expr::Op::kAll: {
      State worst = State::kUp;
      for (uint32_t c = x.a; c < x.b; ++c) {
        worst = std::max(worst, child(c));
        if (worst == State::kDown) break;
      }
      return worst;
    }
    case Expr::Op::kAny: {
      if (x.a == x.b) return State::kDown;  // no alternative holds
      const State first = child(x.a);
      if (first == State::kUp) return State::kUp;
      for (uint32_t c = x.a + 1; c < x.b; ++c) {
        if (child(c) != State::kDown) return State::kDegraded;
      }
      return first;  // degraded (held by its degraded primary) or down
    }
  }
  return State::kUp;
}

template State Engine::eval_expr<false>(uint32_t, uint32_t) const;
template State Engine::eval_expr<true>(uint32_t, uint32_t) const;

bool Engine::mitigation_applies(const CompiledMitigation& m, uint32_t entry) const {
  for (uint32_t w = m.with_begin; w < m.with_end; ++w) {
    if (state_[g_.with_nodes[w]] == State::kDown) return false;
  }
  return eval_expr<true>(entry, m.replaces) != State::kDown;
}

int64_t Engine::staff_available(uint32_t n) const {
  const int64_t normal = g_.staff_normal[n];
  // Rule 6, exactly: ceil(normal × P / 100) in integers.
  return normal - (normal * percent_[n] + 99) / 100;
}

State Engine::evaluate(uint32_t n, int64_t now) const {
  const uint8_t flags = flags_[n];
  if (flags & kDisrupted) return State::kDown;
  const Hot& h = hot_[n];
  State worst = State::kUp;
  const uint32_t* const entries = g_.entries.data();
  const Expr* const exprs = g_.exprs.data();
  const State* const state = state_.data();
  for (uint32_t k = h.entry_begin; k < h.entry_end; ++k) {
    const uint32_t root = entries[k];
    const Expr& x = exprs[root];
    State r = x.op == Expr::Op::kRef ? state[x.a] : eval_expr<false>(root, kNone);
    if (r == State::kDown) {
      for (uint32_t i = h.mit_begin; i < h.mit_end; ++i) {
        if (g_.mits[i].activation > now) break;  // sorted by activation
        if (mitigation_applies(g_.mits[i], root)) {
          r = State::kDegraded;
          break;
        }
      }
      if (r == State::kDown) return State::kDown;
    }
    worst = std::max(worst, r);
  }
  if (flags & kWorkforce) {  // percent_[n] > 0 on a function with staff
    const int64_t available = staff_available(n);
    if (available < g_.staff_minimum[n]) return State::kDown;
    if (available < g_.staff_normal[n]) worst = State::kDegraded;
  }
  if (worst == State::kUp) {
    for (uint32_t k = h.soft_begin; k < h.soft_end; ++k) {
      if (state[g_.soft[k]] == State::kDown) return State::kDegraded;
    }
  }
  return worst;
}

// Chaotic iteration over queue_ (already queued and flagged kQueued): the rules are monotone (a
// worse input never gives a better state), so re-evaluating only the dependents of nodes that
// got worse reaches the greatest fixed point below the starting states, and each node changes
// at most twice. `within` (0 or kCone) limits the dependents queued to nodes with that flag.
void Engine::propagate(int64_t now, uint8_t within) {
  const uint32_t* const dependents = g_.dependents.data();
  uint8_t* const flags = flags_.data();
  const uint8_t skip = kQueued;
  const Hot* const hot = hot_.data();
  const uint32_t* const entries = g_.entries.data();
  const Expr* const exprs = g_.exprs.data();
  for (size_t head = 0; head < queue_.size(); ++head) {
    // The worklist is known ahead and its nodes lie all over the graph: fetch what evaluating
    // them reads a few steps early (their record, then their entries and edges, then the
    // expressions), so the misses overlap instead of coming one after the other.
    const size_t size = queue_.size();
    if (head + 16 < size) {
      __builtin_prefetch(&hot[queue_[head + 16]]);
      __builtin_prefetch(&flags[queue_[head + 16]]);
    }
    if (head + 8 < size) {
      const Hot& h = hot[queue_[head + 8]];
      __builtin_prefetch(&entries[h.entry_begin]);
      __builtin_prefetch(&dependents[h.dep_begin]);
    }
    if (head + 4 < size) {
      const Hot& h = hot[queue_[head + 4]];
      if (h.entry_begin < h.entry_end) __builtin_prefetch(&exprs[entries[h.entry_begin]]);
    }
    const uint32_t n = queue_[head];
    flags[n] &= static_cast<uint8_t>(~kQueued);
    const State s = evaluate(n, now);
    if (s <= state_[n]) continue;
    if (state_[n] == State::kUp && within == 0) reached_.push_back(n);
    state_[n] = s;
    for (uint32_t k = hot_[n].dep_begin, end = hot_[n].dep_end; k < end; ++k) {
      const uint32_t d = dependents[k];
      const uint8_t f = flags[d];
      if ((f & skip) == 0 && (f & within) == within) {
        flags[d] = static_cast<uint8_t>(f | kQueued);
        queue_.push_back(d);
      }
    }
  }
  queue_.clear();
}

// A later moment (rule 7), given its sources in cone_ (flagged kCone): the reached nodes whose
// mitigations start counting at `now`. Only they evaluate differently from the previous moment,
// so only they and what reads them, transitively (the cone, closed under `dependents` within
// the nodes reached at time 0), can change:
// - A node never reached is up at time 0 with fewer mitigations; states only improve with more
//   mitigations (rule 7), so it is up now too and is a constant.
// - A reached node outside the cone reads only nodes outside the cone or constants (were it to
//   read a cone node it would be a dependent of it, hence in the cone), and its own rules did not
//   change; so the part outside the cone is a closed system whose greatest fixed point is the
//   one of the previous moment, which it still holds. The new moment's greatest fixed point
//   agrees with it there, since the chaotic iteration from "all up" over the whole graph
//   computes, on a part that nothing outside it feeds, exactly that part's own iteration.
// - Inside the cone, the greatest fixed point given those fixed inputs is what the worklist
//   reaches from "all up" (seeds stay seeds: disrupted and workforce flags live in flags_ and
//   percent_), with every cone node queued once, since any of them may read a node outside the
//   cone that is not up. This is the fresh "all up" fixed point of decision 5, restricted to
//   where it can differ.
void Engine::resolve_cone(int64_t now) {
  const uint32_t* const dep_begin = g_.dep_begin.data();
  const uint32_t* const dependents = g_.dependents.data();
  for (size_t i = 0; i < cone_.size(); ++i) {
    const uint32_t n = cone_[i];
    for (uint32_t k = dep_begin[n], end = dep_begin[n + 1]; k < end; ++k) {
      const uint32_t d = dependents[k];
      if (slot_[d] != kNone && !(flags_[d] & kCone)) {
        flags_[d] |= kCone;
        cone_.push_back(d);
      }
    }
  }
  queue_.assign(cone_.begin(), cone_.end());  // breadth-first from the sources
  for (uint32_t n : cone_) {
    state_[n] = State::kUp;
    flags_[n] |= kQueued;
  }
  propagate(now, kCone);
}


void Engine::seed_disruptions(const DisruptionSet& d) {
  auto seed = [&](uint32_t n) {
    if (!(flags_[n] & kSeeded)) {
      flags_[n] |= kSeeded;
      seeds_.push_back(n);
    }
  };
  for (uint32_t n : d.nodes) {
    if (n >= g_.size()) continue;
    seed(n);
    flags_[n] |= kDisrupted;
    for (uint32_t k = g_.feature_begin[n]; k < g_.feature_begin[n + 1]; ++k) {
      seed(g_.features[k]);
      flags_[g_.features[k]] |= kDisrupted;  // rule 1
    }
  }
  for (const auto& w : d.workforce) {
    const std::vector<uint32_t>* list = &g_.staffed;
    uint32_t b = 0, e = static_cast<uint32_t>(g_.staffed.size());
    if (w.business_unit != kNone) {
      list = &g_.bu_staffed;
      b = g_.bu_staffed_begin[w.business_unit];
      e = g_.bu_staffed_begin[w.business_unit + 1];
    } else if (w.location != kNone) {
      list = &g_.loc_staffed;
      b = g_.loc_staffed_begin[w.location];
      e = g_.loc_staffed_begin[w.location + 1];
    }
    for (uint32_t k = b; k < e; ++k) {
      const uint32_t f = (*list)[k];
      // A disruption scoped to both a unit and a location applies where both hold.
      if (w.location != kNone &&
          std::find(g_.locs.begin() + g_.loc_begin[f], g_.locs.begin() + g_.loc_begin[f + 1],
                    w.location) == g_.locs.begin() + g_.loc_begin[f + 1]) {
        continue;
      }
      if (w.percent > percent_[f]) {
        seed(f);
        percent_[f] = w.percent;
        if (g_.staff_normal[f] >= 0) flags_[f] |= kWorkforce;
      }
    }
  }
}

Impact Engine::run(const DisruptionSet& d, RunOptions options) {
  reset_run();
  seed_disruptions(d);

  // Rule 7: time 0 from the seeds, then each later activation time (within the duration) of a
  // mitigation on a node not up at time 0 — no other node can change afterwards, since states
  // only improve.
  now_ = 0;
  queue_.assign(seeds_.begin(), seeds_.end());
  for (uint32_t s : seeds_) flags_[s] |= kQueued;
  propagate(0, 0);
  if (reached_.size() > g_.size() / 16) {
    // Most of the graph: one pass over the states beats sorting.
    reached_.clear();
    for (uint32_t n = 0; n < g_.size(); ++n) {
      if (state_[n] != State::kUp) reached_.push_back(n);
    }
  } else {
    std::sort(reached_.begin(), reached_.end());
  }

  Impact out;
  out.duration = d.duration;
  out.nodes.resize(reached_.size());
  const std::optional<Duration> whole =
      d.duration ? std::optional<Duration>(*d.duration) : std::nullopt;
  moments_.clear();
  for (uint32_t i = 0; i < reached_.size(); ++i) {
    const uint32_t n = reached_[i];
    slot_[n] = i;
    NodeImpact& x = out.nodes[i];
    x.node = n;
    x.disrupted = (flags_[n] & kDisrupted) != 0;
    if (state_[n] == State::kDown) {
      flags_[n] |= kPending;
      x.down_for = whole;  // until the first moment it is not down
    }
    for (uint32_t k = g_.mit_begin[n]; k < g_.mit_begin[n + 1]; ++k) {
      const int64_t t = g_.mits[k].activation;
      if (t > 0 && (!d.duration || t <= d.duration->minutes)) moments_.emplace_back(t, n);
    }
  }
  std::sort(moments_.begin(), moments_.end());
  for (size_t i = 0; i < moments_.size();) {
    const int64_t t = moments_[i].first;
    cone_.clear();
    for (; i < moments_.size() && moments_[i].first == t; ++i) {
      const uint32_t n = moments_[i].second;
      if (!(flags_[n] & kCone)) {
        flags_[n] |= kCone;
        cone_.push_back(n);
      }
    }
    resolve_cone(t);
    now_ = t;
    for (uint32_t n : cone_) {
      flags_[n] &= static_cast<uint8_t>(~kCone);
      if ((flags_[n] & kPending) && state_[n] != State::kDown) {
        flags_[n] &= static_cast<uint8_t>(~kPending);
        out.nodes[slot_[n]].down_for = Duration{t};
      }
    }
  }
  cone_.clear();
  for (NodeImpact& x : out.nodes) {
    const uint32_t n = x.node;
    x.state = state_[n];
    auto breached = [&](int64_t limit) {
      return limit != kNoMinutes && (!x.down_for || x.down_for->minutes > limit);
    };
    x.rto_breached = breached(g_.rto[n]);
    x.mtpd_breached = breached(g_.mtpd[n]);
    if (g_.staff_normal[n] >= 0) x.staff_available = staff_available(n);
  }
  if (options.explain) explain(out);
  return out;
}

void Engine::explain(Impact& impact) { Explainer(*this, now_).explain(impact); }

}  // namespace ebcm::impact
