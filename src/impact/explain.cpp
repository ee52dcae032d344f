#include "impact/explain.hpp"

#include <algorithm>

namespace ebcm::impact {

// The references behind a non-ok expression: every non-ok child of an `all`; every alternative
// of a failed `any`; the primary of a degraded one (it holds, but not through its primary way).
void Explainer::collect_bad(uint32_t expr) {
  const State r = e_.eval_public(expr);
  if (r == State::kUp) return;
  const Expr& x = g_.exprs[expr];
  switch (x.op) {
    case Expr::Op::kRef: inputs_.push_back(x.a); return;
    case Expr::Op::kAll:
      for (uint32_t c = x.a; c < x.b; ++c) collect_bad(c);
      return;
    case Expr::Op::kAny:
      if (r == State::kDown) {
        for (uint32_t c = x.a; c < x.b; ++c) collect_bad(c);
      } else {
        collect_bad(x.a);
      }
      return;
  }
}

void Explainer::reasons_of(const NodeImpact& x, Explanation* words) {
  const uint32_t n = x.node;
  auto add = [&](Kind kind, uint32_t detail, uint32_t expr) {
    Reason r{kind, detail, static_cast<uint32_t>(inputs_.size()), 0};
    if (expr != kNone) collect_bad(expr);
    r.input_end = static_cast<uint32_t>(inputs_.size());
    reasons_.push_back(r);
  };
  auto add_unique = [](std::vector<uint32_t>& v, uint32_t id) {
    if (std::find(v.begin(), v.end(), id) == v.end()) v.push_back(id);
  };
  if (x.disrupted) {
    add(Kind::kDisrupted, kNone, kNone);
    reasons_.back().failed = true;
    return;
  }
  // Disrupted degraded: a cause of its own, beside whatever else its requirements say.
  if (x.disrupted_degraded) add(Kind::kDisruptedDegraded, kNone, kNone);
  bool failed = false;
  for (uint32_t k = g_.entry_begin[n]; k < g_.entry_begin[n + 1]; ++k) {
    const uint32_t root = g_.entries[k];
    const State r = e_.eval_public(root);
    if (r == State::kUp) continue;
    const Expr& ex = g_.exprs[root];
    if (r == State::kDegraded) {
      if (ex.op == Expr::Op::kAny && e_.eval_public(ex.a) != State::kUp) {
        // The alternative it runs on: the first that is up, else the first that holds at all.
        uint32_t alt = kNone;
        for (uint32_t c = ex.a + 1; c < ex.b && alt == kNone; ++c) {
          if (e_.eval_public(c) == State::kUp) alt = c;
        }
        for (uint32_t c = ex.a + 1; c < ex.b && alt == kNone; ++c) {
          if (e_.eval_public(c) == State::kDegraded) alt = c;
        }
        add(Kind::kAnyAlt, alt, root);
      } else {
        add(Kind::kEntry, kNone, root);
      }
      continue;
    }
    uint32_t carrier = kNone;  // the shortest activation: mits are sorted by it
    for (uint32_t i = g_.mit_begin[n]; i < g_.mit_begin[n + 1] && carrier == kNone; ++i) {
      if (g_.mits[i].activation <= now_ && e_.mitigation_applies_public(g_.mits[i], root)) {
        carrier = g_.mits[i].model_index;
      }
    }
    if (carrier != kNone) {
      if (words) add_unique(words->mitigations_used, carrier);
      add(Kind::kMitigated, carrier, root);
      continue;
    }
    failed = true;
    for (uint32_t i = g_.gap_begin[n]; words && i < g_.gap_begin[n + 1]; ++i) {
      if (e_.mitigation_applies_public(g_.gaps[i], root)) add_unique(words->mitigation_gaps, g_.gaps[i].model_index);
    }
    // Counting mitigations that would carry the entry but cannot: a `with` node is down, or
    // they come into effect only after the end of the duration.
    const auto blocked_begin = static_cast<uint32_t>(blocked_.size());
    for (uint32_t i = g_.mit_begin[n]; i < g_.mit_begin[n + 1]; ++i) {
      const CompiledMitigation& m = g_.mits[i];
      if (e_.eval_public(root, m.replaces) == State::kDown) continue;  // would not carry it
      Blocked b{m.model_index, static_cast<uint32_t>(blocked_down_.size()), 0, m.activation};
      for (uint32_t w = m.with_begin; w < m.with_end; ++w) {
        if (e_.state_public(g_.with_nodes[w]) == State::kDown) blocked_down_.push_back(g_.with_nodes[w]);
      }
      b.down_end = static_cast<uint32_t>(blocked_down_.size());
      if (b.down_begin == b.down_end && m.activation <= now_) continue;  // it would be the carrier
      blocked_.push_back(b);
      if (words && std::none_of(words->mitigations_blocked.begin(), words->mitigations_blocked.end(),
                                [&](const Explanation::Blocked& y) { return y.mitigation == b.mitigation; })) {
        words->mitigations_blocked.push_back(
            {b.mitigation, std::vector<uint32_t>(blocked_down_.begin() + b.down_begin, blocked_down_.end()),
             b.activation});
      }
    }
    add(ex.op == Expr::Op::kAny ? Kind::kNoAlternative : Kind::kEntry, kNone, root);
    reasons_.back().failed = true;
    reasons_.back().blocked_begin = blocked_begin;
    reasons_.back().blocked_end = static_cast<uint32_t>(blocked_.size());
  }
  if (x.staff_available() && *x.staff_available() < g_.staff_normal[n]) {
    add(Kind::kWorkforce, kNone, kNone);
    reasons_.back().failed = *x.staff_available() < g_.staff_minimum[n];
  }
  if (!failed) {
    for (uint32_t k = g_.soft_begin[n]; k < g_.soft_begin[n + 1]; ++k) {
      if (e_.state_public(g_.soft[k]) == State::kDown) {
        reasons_.push_back(Reason{Kind::kSoft, kNone, static_cast<uint32_t>(inputs_.size()),
                                  static_cast<uint32_t>(inputs_.size() + 1)});
        inputs_.push_back(g_.soft[k]);
      }
    }
  }
}

// Breadth-first from the causes (disrupted nodes, functions short of staff) along "is a reason
// of" edges: every node's parent is then an input on a shortest chain back to a cause.
void Explainer::shortest_chains() {
  const size_t count = out_->nodes.size();
  dist_.assign(count, kNone);
  parent_.assign(count, kNone);
  parent_reason_.assign(count, kNone);
  std::vector<uint32_t> rev_begin(count + 1, 0), rev, queue;
  // A node that is down is down because of its failed reasons only: an entry carried by an
  // alternative or a mitigation is no link of its chain.
  auto edge = [&](size_t s, const Reason& r) {
    return r.failed || out_->nodes[s].state != State::kDown;
  };
  for (size_t s = 0; s < count; ++s) {
    for (uint32_t r = reason_begin_[s]; r < reason_begin_[s + 1]; ++r) {
      const Kind k = reasons_[r].kind;
      if ((k == Kind::kDisrupted || k == Kind::kDisruptedDegraded || k == Kind::kWorkforce) &&
          edge(s, reasons_[r]) &&
          dist_[s] == kNone) {
        dist_[s] = 0;
        queue.push_back(static_cast<uint32_t>(s));
      }
      if (!edge(s, reasons_[r])) continue;
      for (uint32_t i = reasons_[r].input_begin; i < reasons_[r].input_end; ++i) {
        const size_t u = slot_of(inputs_[i]);
        if (u < count) ++rev_begin[u + 1];
      }
    }
  }
  for (size_t s = 0; s < count; ++s) rev_begin[s + 1] += rev_begin[s];
  rev.resize(rev_begin[count]);
  std::vector<uint32_t> fill(rev_begin.begin(), rev_begin.end() - 1);
  for (size_t s = 0; s < count; ++s) {
    for (uint32_t r = reason_begin_[s]; r < reason_begin_[s + 1]; ++r) {
      if (!edge(s, reasons_[r])) continue;
      for (uint32_t i = reasons_[r].input_begin; i < reasons_[r].input_end; ++i) {
        const size_t u = slot_of(inputs_[i]);
        if (u < count) {
          rev[fill[u]++] = static_cast<uint32_t>(s);
        }
      }
    }
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    const uint32_t u = queue[head];
    for (uint32_t k = rev_begin[u]; k < rev_begin[u + 1]; ++k) {
      const uint32_t v = rev[k];
      if (dist_[v] != kNone) continue;
      dist_[v] = dist_[u] + 1;
      parent_[v] = u;
      // The first reason of v that names u: the one its chain line describes.
      for (uint32_t r = reason_begin_[v]; r < reason_begin_[v + 1]; ++r) {
        if (!edge(v, reasons_[r])) continue;
        for (uint32_t i = reasons_[r].input_begin; i < reasons_[r].input_end; ++i) {
          if (inputs_[i] == out_->nodes[u].node && parent_reason_[v] == kNone) parent_reason_[v] = r;
        }
      }
      queue.push_back(v);
    }
  }
}

uint32_t Explainer::best_input(const Reason& r) const {
  uint32_t best = kNone, best_dist = kNone;
  for (uint32_t i = r.input_begin; i < r.input_end; ++i) {
    const size_t s = slot_of(inputs_[i]);
    if (s >= out_->nodes.size()) continue;
    if (best == kNone || dist_[s] < best_dist) {
      best = static_cast<uint32_t>(s);
      best_dist = dist_[s];
    }
  }
  return best;
}

std::string Explainer::chain(size_t slot) const {
  std::string text;
  // Follows parents; each step is strictly closer to a cause, so this ends.
  for (size_t s = slot, steps = 0; s != kNone && steps <= out_->nodes.size(); ++steps) {
    const NodeImpact& x = out_->nodes[s];
    if (!text.empty()) text += " ← ";
    text += g_.refs[x.node];
    if (x.disrupted) {
      text += " is disrupted";
      break;
    }
    if (x.disrupted_degraded && parent_[s] == kNone && x.state == State::kDegraded) {
      text += " is disrupted (degraded)";
      break;
    }
    text += " is ";
    text += to_string(x.state);
    if (parent_[s] == kNone) {
      if (x.staff_available()) {
        text += " (" + std::to_string(*x.staff_available()) + " of " +
                std::to_string(g_.staff_normal[x.node]) + " staff available)";
      }
      break;
    }
    const Reason& r = reasons_[parent_reason_[s]];
    if (r.kind == Kind::kAnyAlt && r.detail != kNone) {
      const Expr& alt = g_.exprs[r.detail];
      text += " (running on " +
              (alt.op == Expr::Op::kRef ? g_.refs[alt.a] : std::string("an alternative")) + ")";
    } else if (r.kind == Kind::kMitigated) {
      text += " (on mitigation " + g_.mitigation_ids[r.detail] + ")";
    }
    s = parent_[s];
  }
  return text;
}

std::string Explainer::line(size_t slot, const Reason& r) const {
  const NodeImpact& x = out_->nodes[slot];
  switch (r.kind) {
    case Kind::kDisrupted: return g_.refs[x.node] + " is disrupted";
    case Kind::kDisruptedDegraded: return g_.refs[x.node] + " is disrupted (degraded)";
    case Kind::kWorkforce:
      return std::to_string(*x.staff_available()) + " of " + std::to_string(g_.staff_normal[x.node]) +
             " staff available (minimum " + std::to_string(g_.staff_minimum[x.node]) + ")";
    default: break;
  }
  const uint32_t u = best_input(r);
  std::string text = u == kNone ? std::string("a requirement is not met") : chain(u);
  const bool down = x.state == State::kDown;
  switch (r.kind) {
    case Kind::kNoAlternative: return text + "; no alternative holds" + blocked_text(r);
    case Kind::kAnyAlt: {
      if (r.detail == kNone) return text;
      const std::string alt = g_.exprs[r.detail].op == Expr::Op::kRef
                                  ? g_.refs[g_.exprs[r.detail].a]
                                  : std::string("an alternative");
      if (down) return text + "; " + alt + " stands in for it" + stays_down_text(slot);
      return text + "; running on " + alt;
    }
    case Kind::kMitigated:
      if (down) {
        return text + "; mitigation " + g_.mitigation_ids[r.detail] + " stands in for it" +
               stays_down_text(slot);
      }
      return text + "; running on mitigation " + g_.mitigation_ids[r.detail];
    case Kind::kSoft: return text + " (soft dependency)";
    default: return text + blocked_text(r);
  }
}

// "; mitigation phone-tree cannot stand in: pstn is down" for each mitigation that would have
// carried the failed entry.
std::string Explainer::blocked_text(const Reason& r) const {
  std::string text;
  for (uint32_t i = r.blocked_begin; i < r.blocked_end; ++i) {
    const Blocked& b = blocked_[i];
    text += "; mitigation " + g_.mitigation_ids[b.mitigation];
    if (b.down_begin == b.down_end) {
      text += " would stand in only after " + format_duration(Duration{b.activation});
      if (out_->duration) text += ", and the disruption lasts " + format_duration(*out_->duration);
      continue;
    }
    std::vector<std::string> down;
    for (uint32_t k = b.down_begin; k < b.down_end; ++k) down.push_back(g_.refs[blocked_down_[k]]);
    std::string names;
    for (size_t k = 0; k < down.size(); ++k) {
      names += (k == 0 ? "" : k + 1 == down.size() ? " and " : ", ") + down[k];
    }
    text += " cannot stand in: " + names + (down.size() == 1 ? " is down" : " are down");
  }
  return text;
}

// ", but F stays down because of X and Y": what else takes a down node down, for a line whose
// own entry is carried.
std::string Explainer::stays_down_text(size_t slot) const {
  std::vector<std::string> causes;
  auto add = [&](std::string c) {
    if (std::find(causes.begin(), causes.end(), c) == causes.end()) causes.push_back(std::move(c));
  };
  for (uint32_t k = reason_begin_[slot]; k < reason_begin_[slot + 1]; ++k) {
    const Reason& r = reasons_[k];
    if (!r.failed) continue;
    if (r.kind == Kind::kWorkforce) {
      add("too few staff");
      continue;
    }
    const uint32_t u = best_input(r);
    add(u == kNone ? std::string("another requirement") : g_.refs[out_->nodes[u].node]);
  }
  std::string text = ", but " + g_.refs[out_->nodes[slot].node] + " stays down";
  for (size_t k = 0; k < causes.size(); ++k) {
    text += (k == 0 ? " because of " : k + 1 == causes.size() ? " and " : ", ") + causes[k];
  }
  return text;
}

void Explainer::explain(Impact& out) {
  out_ = &out;
  out.explanations.clear();
  out.explained = true;
  reasons_.clear();
  inputs_.clear();
  reason_begin_.assign(1, 0);
  reason_begin_.reserve(out.nodes.size() + 1);
  for (const NodeImpact& x : out.nodes) {
    if (x.state != State::kUp) {
      Explanation* words = nullptr;
      if (g_.is_function(x.node)) {
        words = &out.explanations.emplace_back();
        words->node = x.node;
      }
      reasons_of(x, words);
    }
    reason_begin_.push_back(static_cast<uint32_t>(reasons_.size()));
  }
  shortest_chains();
  size_t next = 0;  // explanations are by node, as out.nodes
  for (size_t s = 0; s < out.nodes.size() && next < out.explanations.size(); ++s) {
    if (out.nodes[s].node != out.explanations[next].node) continue;
    Explanation& words = out.explanations[next++];
    for (uint32_t r = reason_begin_[s]; r < reason_begin_[s + 1]; ++r) {
      words.because.push_back(line(s, reasons_[r]));
    }
  }
}

}  // namespace ebcm::impact
