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
      (x.degraded ? d.degraded : d.nodes).push_back(n);
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
      L_(g.layout),
      node_(g.size(), 0),
      percent_(g.size(), 0),
      floor_(g.size(), State::kUp),
      slot_(g.size(), kNone),
      bits_((g.size() + 63) / 64, 0),
      summary_((bits_.size() + 63) / 64, 0),
      cursor_(g.size()) {}

void Engine::reset_run() {
  for (uint32_t n : reached_) {
    node_[n] &= static_cast<uint8_t>(~(kStateMask | kReached));
    slot_[n] = kNone;
  }
  for (uint32_t n : seeds_) {
    node_[n] = 0;
    percent_[n] = 0;
    floor_[n] = State::kUp;
  }
  reached_.clear();
  seeds_.clear();
}

void Engine::push(uint32_t n) {
  const uint32_t w = n >> 6;
  bits_[w] |= uint64_t{1} << (n & 63);
  summary_[w >> 6] |= uint64_t{1} << (w & 63);
  if (n < cursor_) cursor_ = n;
}

// The smallest pending node (and takes it out), or kNone.
uint32_t Engine::pop() {
  uint32_t w = cursor_ >> 6;
  uint64_t m = w < bits_.size() ? bits_[w] : 0;
  if (m == 0) {
    // The next word with a pending node, through the summary.
    uint32_t s = (w + 1) >> 6;
    if (s >= summary_.size()) return kNone;
    uint64_t sm = summary_[s] & (~uint64_t{0} << ((w + 1) & 63));
    while (sm == 0) {
      if (++s >= summary_.size()) return kNone;
      sm = summary_[s];
    }
    w = s * 64 + static_cast<uint32_t>(__builtin_ctzll(sm));
    m = bits_[w];
  }
  const uint32_t n = w * 64 + static_cast<uint32_t>(__builtin_ctzll(m));
  m &= m - 1;
  bits_[w] = m;
  if (m == 0) summary_[w >> 6] &= ~(uint64_t{1} << (w & 63));
  cursor_ = n + 1;
  return n;
}

namespace {

// Rule 2 over one expression array, `state(t)` reading a reference's target. References are the
// common case: they are read inline rather than through a call.
template <bool kReplacing, class StateOf>
State eval_tree(const Expr* exprs, const uint32_t* owner, uint32_t e, uint32_t replaced,
                const StateOf& state) {
  auto ref = [&](uint32_t t) -> State {
    if constexpr (kReplacing) {
      // Rule 3: references to `replaces` (or, for a service, to its features) count as up.
      if (t == replaced || owner[t] == replaced) return State::kUp;
    }
    return state(t);
  };
  auto child = [&](uint32_t c) -> State {
    const Expr& y = exprs[c];
    return y.op == Expr::Op::kRef ? ref(y.a)
                                  : eval_tree<kReplacing>(exprs, owner, c, replaced, state);
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

}  // namespace

template <bool kReplacing>
State Engine::eval_expr(uint32_t e, uint32_t replaced) const {
  const uint8_t* const node = node_.data();
  return eval_tree<kReplacing>(L_.exprs.data(), L_.owner.data(), e, replaced,
                               [node](uint32_t t) { return state_in(node[t]); });
}

template State Engine::eval_expr<false>(uint32_t, uint32_t) const;
template State Engine::eval_expr<true>(uint32_t, uint32_t) const;

State Engine::eval_public(uint32_t e, uint32_t replaced) const {
  auto state = [this](uint32_t t) { return state_public(t); };
  return replaced == kNone
             ? eval_tree<false>(g_.exprs.data(), g_.owner_service.data(), e, kNone, state)
             : eval_tree<true>(g_.exprs.data(), g_.owner_service.data(), e, replaced, state);
}

bool Engine::mitigation_applies(const CompiledMitigation& m, uint32_t root) const {
  for (uint32_t w = m.with_begin; w < m.with_end; ++w) {
    if (state_in(node_[L_.with_nodes[w]]) == State::kDown) return false;
  }
  return eval_expr<true>(root, m.replaces) != State::kDown;
}

bool Engine::mitigation_applies_public(const CompiledMitigation& m, uint32_t root) const {
  for (uint32_t w = m.with_begin; w < m.with_end; ++w) {
    if (state_public(g_.with_nodes[w]) == State::kDown) return false;
  }
  return eval_public(root, m.replaces) != State::kDown;
}

int64_t Engine::staff_available(uint32_t n) const {
  const int64_t normal = g_.staff_normal[L_.order[n]];
  // Rule 6, exactly: ceil(normal × P / 100) in integers.
  return normal - (normal * percent_[n] + 99) / 100;
}

State Engine::evaluate(uint32_t n, uint8_t flags, int64_t now) const {
  if (flags & kDisrupted) return State::kDown;
  const Layout::Node& h = L_.nodes[n];
  State worst = State::kUp;
  const Expr* const exprs = L_.exprs.data();
  const uint8_t* const node = node_.data();
  for (uint32_t root = h.root_begin; root < h.root_end; ++root) {
    const Expr& x = exprs[root];
    State r = x.op == Expr::Op::kRef ? state_in(node[x.a]) : eval_expr<false>(root, kNone);
    if (r == State::kDown) {
      for (uint32_t i = h.mit_begin; i < h.mit_end; ++i) {
        if (L_.mits[i].activation > now) break;  // sorted by activation
        if (mitigation_applies(L_.mits[i], root)) {
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
    const uint32_t p = L_.order[n];
    if (available < g_.staff_minimum[p]) return State::kDown;
    if (available < g_.staff_normal[p]) worst = State::kDegraded;
  }
  if (flags & kSeeded) worst = std::max(worst, floor_[n]);  // disrupted degraded
  if (worst == State::kUp) {
    for (uint32_t k = h.soft_begin; k < h.soft_end; ++k) {
      if (state_in(node[L_.soft[k]]) == State::kDown) return State::kDegraded;
    }
  }
  return worst;
}

// Chaotic iteration over the pending set (nodes already pushed and flagged kQueued): the rules
// are monotone (a worse input never gives a better state), so re-evaluating only the dependents
// of nodes that got worse reaches the greatest fixed point below the starting states, and each
// node changes at most twice. Pending nodes are taken smallest first: in the layout's
// topological numbering a node outside a loop is evaluated once, after everything it reads is
// final, and the walk over the layout's arrays goes forward (a dependent below the current
// node, in a loop, sends it back). A down node cannot get worse and is not queued again.
// `within` (0 or kCone) limits the dependents queued to nodes with that flag. At time 0
// (within 0) it records the nodes that leave "up" in reached_, with the later activations of
// their mitigations in moments_.
void Engine::propagate(int64_t now, uint8_t within) {
  const uint32_t* const dependents = L_.dependents.data();
  const Layout::Node* const nodes = L_.nodes.data();
  uint8_t* const node = node_.data();
  for (uint32_t n = pop(); n != kNone; n = pop()) {
    const auto f = static_cast<uint8_t>(node[n] & ~kQueued);
    const State old = state_in(f);
    const State s = evaluate(n, f, now);
    if (s <= old) {
      node[n] = f;
      continue;
    }
    const Layout::Node& h = nodes[n];
    uint8_t nf = static_cast<uint8_t>((f & ~kStateMask) | static_cast<uint8_t>(s));
    if (within == 0 && old == State::kUp) {
      nf |= kReached;
      reached_.push_back(n);
      for (uint32_t i = h.mit_begin; i < h.mit_end; ++i) {
        const int64_t t = L_.mits[i].activation;
        if (t > 0 && t <= limit_) moments_.emplace_back(t, n);
      }
    }
    node[n] = nf;
    for (uint32_t k = h.dep_begin; k < h.dep_end; ++k) {
      const uint32_t d = dependents[k];
      const uint8_t fd = node[d];
      if ((fd & kQueued) == 0 && (fd & within) == within && state_in(fd) != State::kDown) {
        node[d] = static_cast<uint8_t>(fd | kQueued);
        push(d);
      }
    }
  }
  cursor_ = g_.size();
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
//   reaches from "all up" (seeds stay seeds: disrupted and workforce flags live in node_ and
//   percent_), with every cone node queued once, since any of them may read a node outside the
//   cone that is not up. This is the fresh "all up" fixed point of decision 5, restricted to
//   where it can differ.
void Engine::resolve_cone(int64_t now) {
  const uint32_t* const dependents = L_.dependents.data();
  const Layout::Node* const nodes = L_.nodes.data();
  for (size_t i = 0; i < cone_.size(); ++i) {
    const uint32_t n = cone_[i];
    // The cone is sparse in the layout: fetch what evaluating n reads now, while the walk
    // has its record at hand, so the propagation below finds it in cache.
    __builtin_prefetch(L_.exprs.data() + nodes[n].root_begin);
    if (nodes[n].mit_begin < nodes[n].mit_end) __builtin_prefetch(&L_.mits[nodes[n].mit_begin]);
    for (uint32_t k = nodes[n].dep_begin, end = nodes[n].dep_end; k < end; ++k) {
      const uint32_t d = dependents[k];
      if ((node_[d] & (kReached | kCone)) == kReached) {
        node_[d] |= kCone;
        cone_.push_back(d);
      }
    }
  }
  for (uint32_t n : cone_) {
    node_[n] = static_cast<uint8_t>((node_[n] & ~kStateMask) | kQueued);  // back to up
    push(n);
  }
  propagate(now, kCone);
}

void Engine::seed_disruptions(const DisruptionSet& d) {
  const std::vector<uint32_t>& rank = L_.rank;
  auto seed = [&](uint32_t n) {
    if (!(node_[n] & kSeeded)) {
      node_[n] |= kSeeded;
      seeds_.push_back(n);
    }
  };
  for (uint32_t p : d.nodes) {
    if (p >= g_.size()) continue;
    seed(rank[p]);
    node_[rank[p]] |= kDisrupted;
    for (uint32_t k = g_.feature_begin[p]; k < g_.feature_begin[p + 1]; ++k) {
      const uint32_t f = rank[g_.features[k]];
      seed(f);
      node_[f] |= kDisrupted;  // rule 1
    }
  }
  for (uint32_t p : d.degraded) {
    if (p >= g_.size()) continue;
    seed(rank[p]);
    floor_[rank[p]] = State::kDegraded;
    for (uint32_t k = g_.feature_begin[p]; k < g_.feature_begin[p + 1]; ++k) {
      seed(rank[g_.features[k]]);
      floor_[rank[g_.features[k]]] = State::kDegraded;
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
      const uint32_t p = (*list)[k];
      // A disruption scoped to both a unit and a location applies where both hold.
      if (w.location != kNone &&
          std::find(g_.locs.begin() + g_.loc_begin[p], g_.locs.begin() + g_.loc_begin[p + 1],
                    w.location) == g_.locs.begin() + g_.loc_begin[p + 1]) {
        continue;
      }
      const uint32_t f = rank[p];
      if (w.percent > percent_[f]) {
        seed(f);
        percent_[f] = static_cast<uint8_t>(w.percent);
        if (g_.staff_normal[p] >= 0) node_[f] |= kWorkforce;
      }
    }
  }
}

// Orders moments_ by time. There are few distinct activation times: a counting sort by time
// (stable, no comparison of nodes) unless there are many.
void Engine::group_moments() {
  times_.clear();
  if (moments_.empty()) return;
  for (const auto& m : moments_) {
    if (std::find(times_.begin(), times_.end(), m.first) != times_.end()) continue;
    if (times_.size() == 16) {
      std::sort(moments_.begin(), moments_.end());
      return;
    }
    times_.push_back(m.first);
  }
  std::sort(times_.begin(), times_.end());
  std::vector<size_t> fill(times_.size() + 1, 0);
  for (const auto& m : moments_) {
    ++fill[1 + (std::find(times_.begin(), times_.end(), m.first) - times_.begin())];
  }
  for (size_t k = 1; k < fill.size(); ++k) fill[k] += fill[k - 1];
  grouped_.resize(moments_.size());
  for (const auto& m : moments_) {
    grouped_[fill[std::find(times_.begin(), times_.end(), m.first) - times_.begin()]++] = m;
  }
  moments_.swap(grouped_);
}

Impact Engine::run(const DisruptionSet& d, RunOptions options) {
  reset_run();
  seed_disruptions(d);

  // Rule 7: time 0 from the seeds, then each later activation time (within the duration) of a
  // mitigation on a node not up at time 0 — no other node can change afterwards, since states
  // only improve.
  now_ = 0;
  limit_ = d.duration ? d.duration->minutes : INT64_MAX;
  moments_.clear();
  for (uint32_t s : seeds_) {
    node_[s] |= kQueued;
    push(s);
  }
  propagate(0, 0);

  // The result, by public node index, in one pass: the time-0 state, down for the whole
  // duration if down (until a later moment says otherwise, below).
  Impact out;
  out.duration = d.duration;
  out.nodes.reserve(reached_.size());
  const int64_t whole = d.duration ? d.duration->minutes : NodeImpact::kAbsent;
  auto breached = [](int64_t down, int64_t limit) {
    return limit != kNoMinutes && (down == NodeImpact::kAbsent || down > limit);
  };
  auto add = [&](uint32_t p, uint32_t n) {
    slot_[n] = static_cast<uint32_t>(out.nodes.size());
    NodeImpact& x = out.nodes.emplace_back();
    const uint8_t f = node_[n];
    x.node = p;
    x.state = state_in(f);
    x.disrupted = (f & kDisrupted) != 0;
    x.disrupted_degraded = !x.disrupted && floor_[n] == State::kDegraded;
    if (x.state == State::kDown) x.down_minutes = whole;
    if (g_.is_function(p)) {  // only functions have objectives and staff
      x.rto_breached = breached(x.down_minutes, g_.rto[p]);
      x.mtpd_breached = breached(x.down_minutes, g_.mtpd[p]);
      if (g_.staff_normal[p] >= 0) x.available_staff = staff_available(n);
    }
  };
  if (reached_.size() > g_.size() / 16) {
    // Most of the graph: one pass over the public order beats sorting.
    const uint32_t* const rank = L_.rank.data();
    const uint32_t size = g_.size();
    for (uint32_t p = 0; p < size; ++p) {
      if (p + 32 < size) {  // a gather: fetch ahead what rank sends us to
        __builtin_prefetch(&node_[rank[p + 32]]);
        __builtin_prefetch(&slot_[rank[p + 32]], 1);
      }
      if (node_[rank[p]] & kReached) add(p, rank[p]);
    }
  } else {
    public_.clear();
    for (uint32_t n : reached_) public_.push_back(L_.order[n]);
    std::sort(public_.begin(), public_.end());
    for (uint32_t p : public_) add(p, L_.rank[p]);
  }

  // The later moments: a node is down from the start until the first moment it is not (states
  // only improve), so a cone node down at the previous moment and not now is back at `t`.
  group_moments();
  for (size_t i = 0; i < moments_.size();) {
    const int64_t t = moments_[i].first;
    cone_.clear();
    for (; i < moments_.size() && moments_[i].first == t; ++i) {
      const uint32_t n = moments_[i].second;
      if (!(node_[n] & kCone)) {
        node_[n] |= kCone;
        cone_.push_back(n);
      }
    }
    resolve_cone(t);
    now_ = t;
    for (size_t k = 0; k < cone_.size(); ++k) {
      if (k + 16 < cone_.size()) __builtin_prefetch(&slot_[cone_[k + 16]]);
      if (k + 8 < cone_.size()) __builtin_prefetch(&out.nodes[slot_[cone_[k + 8]]], 1);
      const uint32_t n = cone_[k];
      node_[n] &= static_cast<uint8_t>(~kCone);
      NodeImpact& x = out.nodes[slot_[n]];
      const State s = state_in(node_[n]);
      if (x.state == State::kDown && s != State::kDown) {
        x.down_minutes = t;
        x.rto_breached = breached(t, g_.rto[x.node]);
        x.mtpd_breached = breached(t, g_.mtpd[x.node]);
      }
      x.state = s;
    }
  }
  cone_.clear();
  if (options.explain) explain(out);
  return out;
}

void Engine::explain(Impact& impact) {
  // The Explainer reads states by public index, many times per node: copy the end states there
  // (only the reached nodes, which are all that is not up), and clear them again afterwards.
  if (explain_state_.size() != g_.size()) explain_state_.assign(g_.size(), State::kUp);
  struct Clear {
    std::vector<State>& state;
    const Impact& impact;
    ~Clear() {
      for (const NodeImpact& x : impact.nodes) state[x.node] = State::kUp;
    }
  } clear{explain_state_, impact};
  for (const NodeImpact& x : impact.nodes) explain_state_[x.node] = x.state;
  Explainer(*this, now_).explain(impact);
}

}  // namespace ebcm::impact
