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

State Impact::state_of(uint32_t node) const {
  const NodeImpact* n = find(node);
  return n ? n->state : State::kUp;
}

Engine::Engine(const CompiledGraph& g)
    : g_(g),
      state_(g.size(), State::kUp),
      queued_(g.size(), 0),
      flags_(g.size(), 0),
      percent_(g.size(), 0) {}

void Engine::reset_run() {
  for (uint32_t n : touched_) state_[n] = State::kUp;
  for (uint32_t n : seeds_) {
    flags_[n] = 0;
    percent_[n] = 0;
  }
  touched_.clear();
  seeds_.clear();
}

State Engine::eval_expr(uint32_t e, uint32_t replaced) const {
  const Expr& x = g_.exprs[e];
  switch (x.op) {
    case Expr::Op::kRef:
      // Rule 3: references to `replaces` (or, for a service, to its features) count as up.
      if (replaced != kNone && (x.a == replaced || g_.owner_service[x.a] == replaced)) {
        return State::kUp;
      }
      return state_[x.a];
    case Expr::Op::kAll: {
      State worst = State::kUp;
      for (uint32_t c = x.a; c < x.b && worst != State::kDown; ++c) {
        worst = std::max(worst, eval_expr(c, replaced));
      }
      return worst;
    }
    case Expr::Op::kAny: {
      if (x.a == x.b) return State::kDown;  // no alternative holds
      const State first = eval_expr(x.a, replaced);
      if (first == State::kUp) return State::kUp;
      for (uint32_t c = x.a + 1; c < x.b; ++c) {
        if (eval_expr(c, replaced) != State::kDown) return State::kDegraded;
      }
      return first == State::kDegraded ? State::kDegraded : State::kDown;
    }
  }
  return State::kUp;
}

bool Engine::mitigation_applies(const CompiledMitigation& m, uint32_t entry) const {
  for (uint32_t w = m.with_begin; w < m.with_end; ++w) {
    if (state_[g_.with_nodes[w]] == State::kDown) return false;
  }
  return eval_expr(entry, m.replaces) != State::kDown;
}

int64_t Engine::staff_available(uint32_t n) const {
  const int64_t normal = g_.staff_normal[n];
  // Rule 6, exactly: ceil(normal × P / 100) in integers.
  return normal - (normal * percent_[n] + 99) / 100;
}

State Engine::evaluate(uint32_t n, int64_t now) const {
  if (flags_[n] & kDisrupted) return State::kDown;
  State worst = State::kUp;
  for (uint32_t k = g_.entry_begin[n]; k < g_.entry_begin[n + 1]; ++k) {
    State r = eval_expr(g_.entries[k], kNone);
    if (r == State::kDown) {
      for (uint32_t i = g_.mit_begin[n]; i < g_.mit_begin[n + 1]; ++i) {
        if (g_.mits[i].activation > now) break;  // sorted by activation
        if (mitigation_applies(g_.mits[i], g_.entries[k])) {
          r = State::kDegraded;
          break;
        }
      }
      if (r == State::kDown) return State::kDown;
    }
    worst = std::max(worst, r);
  }
  if (percent_[n] > 0 && g_.staff_normal[n] >= 0) {
    const int64_t available = staff_available(n);
    if (available < g_.staff_minimum[n]) return State::kDown;
    if (available < g_.staff_normal[n]) worst = State::kDegraded;
  }
  if (worst == State::kUp) {
    for (uint32_t k = g_.soft_begin[n]; k < g_.soft_begin[n + 1]; ++k) {
      if (state_[g_.soft[k]] == State::kDown) return State::kDegraded;
    }
  }
  return worst;
}

// Chaotic iteration from "all up": the rules are monotone (a worse input never gives a better
// state), so re-evaluating only the dependents of nodes that changed reaches the greatest fixed
// point, and each node changes at most twice.
void Engine::propagate(int64_t now) {
  for (uint32_t n : touched_) state_[n] = State::kUp;
  touched_.clear();
  queue_.clear();
  for (uint32_t s : seeds_) {
    queued_[s] = 1;
    queue_.push_back(s);
  }
  for (size_t head = 0; head < queue_.size(); ++head) {
    const uint32_t n = queue_[head];
    queued_[n] = 0;
    const State s = evaluate(n, now);
    if (s <= state_[n]) continue;
    if (state_[n] == State::kUp) touched_.push_back(n);
    state_[n] = s;
    for (uint32_t k = g_.dep_begin[n]; k < g_.dep_begin[n + 1]; ++k) {
      const uint32_t d = g_.dependents[k];
      if (!queued_[d]) {
        queued_[d] = 1;
        queue_.push_back(d);
      }
    }
  }
  queue_.clear();
}

Impact Engine::run(const DisruptionSet& d) {
  reset_run();
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
      }
    }
  }

  // Rule 7: time 0, then each later activation time (within the duration) of a mitigation on a
  // node not up at time 0 — no other node can change afterwards, since states only improve.
  propagate(0);
  std::vector<uint32_t> reached = touched_;
  std::sort(reached.begin(), reached.end());
  std::vector<int64_t> times;
  std::vector<uint32_t> still_down;
  for (uint32_t n : reached) {
    if (state_[n] == State::kDown) still_down.push_back(n);
    for (uint32_t i = g_.mit_begin[n]; i < g_.mit_begin[n + 1]; ++i) {
      const int64_t t = g_.mits[i].activation;
      if (t > 0 && (!d.duration || t <= d.duration->minutes)) times.push_back(t);
    }
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());

  Impact out;
  out.duration = d.duration;
  out.nodes.resize(reached.size());
  // down_for per still-down node: the first moment it is not down.
  std::vector<std::optional<Duration>> down_for(reached.size(), Duration{0});
  auto slot = [&](uint32_t n) {
    return static_cast<size_t>(std::lower_bound(reached.begin(), reached.end(), n) -
                               reached.begin());
  };
  for (uint32_t n : still_down) {
    down_for[slot(n)] = d.duration ? std::optional<Duration>(*d.duration) : std::nullopt;
  }
  int64_t now = 0;
  for (int64_t t : times) {
    propagate(t);
    now = t;
    size_t kept = 0;
    for (uint32_t n : still_down) {
      if (state_[n] == State::kDown) {
        still_down[kept++] = n;
      } else {
        down_for[slot(n)] = Duration{t};
      }
    }
    still_down.resize(kept);
  }

  for (size_t i = 0; i < reached.size(); ++i) {
    NodeImpact& x = out.nodes[i];
    const uint32_t n = reached[i];
    x.node = n;
    x.state = state_[n];
    x.disrupted = (flags_[n] & kDisrupted) != 0;
    x.down_for = down_for[i];
    auto breached = [&](int64_t limit) {
      return limit != kNoMinutes && (!x.down_for || x.down_for->minutes > limit);
    };
    x.rto_breached = breached(g_.rto[n]);
    x.mtpd_breached = breached(g_.mtpd[n]);
    if (g_.staff_normal[n] >= 0) x.staff_available = staff_available(n);
  }
  Explainer(*this, now).explain(out);
  return out;
}

}  // namespace ebcm::impact
