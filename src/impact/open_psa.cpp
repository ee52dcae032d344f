#include "impact/open_psa.hpp"

#include <cctype>
#include <vector>

namespace ebcm::impact {
namespace {

// A Boolean formula over basic events and gates, constants folded away as it is built.
struct F {
  enum class K : uint8_t { kFalse, kTrue, kEvent, kGate, kOr, kAnd };
  K k = K::kFalse;
  uint32_t node = kNone;  // kEvent, kGate
  std::vector<F> kids;    // kOr, kAnd
};

F make(F::K k, std::vector<F> kids) {
  // OR: true if any kid is true, false kids dropped; AND the dual.
  const F::K absorbing = k == F::K::kOr ? F::K::kTrue : F::K::kFalse;
  const F::K neutral = k == F::K::kOr ? F::K::kFalse : F::K::kTrue;
  std::vector<F> keep;
  for (auto& x : kids) {
    if (x.k == absorbing) return F{absorbing};
    if (x.k == neutral) continue;
    if (x.k == k) {  // flatten
      for (auto& y : x.kids) keep.push_back(std::move(y));
    } else {
      keep.push_back(std::move(x));
    }
  }
  // MEF rejects an argument given twice (a ∨ a = a).
  auto leaf = [](const F& x) { return x.k == F::K::kEvent || x.k == F::K::kGate; };
  for (size_t i = 0; i < keep.size(); ++i) {
    for (size_t j = i + 1; j < keep.size(); ++j) {
      if (leaf(keep[i]) && leaf(keep[j]) && keep[i].k == keep[j].k &&
          keep[i].node == keep[j].node) {
        keep.erase(keep.begin() + static_cast<ptrdiff_t>(j--));
      }
    }
  }
  if (keep.empty()) return F{neutral};
  if (keep.size() == 1) return std::move(keep[0]);
  return F{k, kNone, std::move(keep)};
}

class Builder {
 public:
  explicit Builder(const CompiledGraph& g) : g_(g), state_(g.size(), 0), gate_(g.size()) {}

  // Builds every node's gate, depth first from each node in index order.
  void build_all() {
    for (uint32_t n = 0; n < g_.size(); ++n) build(n);
  }
  const F& gate(uint32_t n) const { return gate_[n]; }

 private:
  enum : uint8_t { kNew = 0, kOnStack = 1, kDone = 2 };

  // A reference to node t's down gate; a reference back to a node still being built closes a
  // loop, and is dropped (counts as up): a loop with nothing failing from outside stays up.
  F down(uint32_t t) {
    build(t);
    if (state_[t] == kOnStack) return F{F::K::kFalse};
    return F{F::K::kGate, t, {}};
  }

  F fails(uint32_t e, uint32_t replaced) {
    const Expr& x = g_.exprs[e];
    if (x.op == Expr::Op::kRef) {
      if (replaced != kNone && (x.a == replaced || g_.owner_service[x.a] == replaced)) {
        return F{F::K::kFalse};
      }
      return down(x.a);
    }
    std::vector<F> kids;
    for (uint32_t c = x.a; c < x.b; ++c) kids.push_back(fails(c, replaced));
    // `all` fails if one item fails; `any` only if every alternative fails (a degraded one
    // holds, and degradation never causes a failure).
    return make(x.op == Expr::Op::kAll ? F::K::kOr : F::K::kAnd, std::move(kids));
  }

  bool refers_to(uint32_t e, uint32_t r) const {
    const Expr& x = g_.exprs[e];
    if (x.op == Expr::Op::kRef) return x.a == r || g_.owner_service[x.a] == r;
    for (uint32_t c = x.a; c < x.b; ++c) {
      if (refers_to(c, r)) return true;
    }
    return false;
  }

  void build(uint32_t n) {
    if (state_[n] != kNew) return;
    state_[n] = kOnStack;
    std::vector<F> any_of{F{F::K::kEvent, n, {}}};
    if (g_.owner_service[n] != kNone) any_of.push_back(F{F::K::kEvent, g_.owner_service[n], {}});
    for (uint32_t k = g_.entry_begin[n]; k < g_.entry_begin[n + 1]; ++k) {
      const uint32_t e = g_.entries[k];
      std::vector<F> all_of{fails(e, kNone)};
      // Rule 3, open-ended: the entry fails only if, for each counting mitigation, a `with`
      // node is down or the entry fails even with the replaced references counted as up.
      for (uint32_t i = g_.mit_begin[n]; i < g_.mit_begin[n + 1]; ++i) {
        const CompiledMitigation& m = g_.mits[i];
        if (m.replaces == kNone || !refers_to(e, m.replaces)) continue;
        std::vector<F> blocked;
        for (uint32_t w = m.with_begin; w < m.with_end; ++w)
          blocked.push_back(down(g_.with_nodes[w]));
        blocked.push_back(fails(e, m.replaces));
        all_of.push_back(make(F::K::kOr, std::move(blocked)));
      }
      any_of.push_back(make(F::K::kAnd, std::move(all_of)));
    }
    gate_[n] = make(F::K::kOr, std::move(any_of));
    state_[n] = kDone;
  }

  const CompiledGraph& g_;
  std::vector<uint8_t> state_;
  std::vector<F> gate_;
};

void write(const CompiledGraph& g, const F& f, std::string& out) {
  switch (f.k) {
    case F::K::kFalse:
      out += "<constant value=\"false\"/>";
      return;
    case F::K::kTrue:
      out += "<constant value=\"true\"/>";
      return;
    case F::K::kEvent:
      out += "<basic-event name=\"" + open_psa_name(g.refs[f.node]) + "\"/>";
      return;
    case F::K::kGate:
      out += "<gate name=\"DOWN_" + open_psa_name(g.refs[f.node]) + "\"/>";
      return;
    case F::K::kOr:
    case F::K::kAnd: {
      const char* tag = f.k == F::K::kOr ? "or" : "and";
      out += std::string("<") + tag + ">";
      for (const auto& x : f.kids) write(g, x, out);
      out += std::string("</") + tag + ">";
      return;
    }
  }
}

}  // namespace

std::string open_psa_name(std::string_view ref) {
  std::string out;
  if (!ref.empty() && std::isdigit(static_cast<unsigned char>(ref[0]))) out += 'N';
  for (size_t i = 0; i < ref.size(); ++i) {
    const char c = ref[i];
    if (c == '/') {
      out += "__";
    } else if (c == '.') {
      out += "_D";
    } else if (c == '-' && (i + 1 == ref.size() || ref[i + 1] == '-')) {
      out += "_H";
    } else {
      out += c;
    }
  }
  return out;
}

std::string ref_from_open_psa_name(std::string_view name) {
  if (!name.empty() && name[0] == 'N') name.remove_prefix(1);
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '_' || i + 1 == name.size()) {
      out += name[i];
      continue;
    }
    const char c = name[++i];
    out += c == '_' ? '/' : c == 'D' ? '.' : '-';
  }
  return out;
}

std::string to_open_psa(const CompiledGraph& g) {
  Builder b(g);
  b.build_all();
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!-- ebcm: the model's down logic (open-ended: every implemented or validated mitigation "
      "in\n"
      "     effect). Basic event NAME: node NAME is disrupted. DOWN_NAME: the node is down.\n"
      "     FN_NAME: top gate of a function. Names: '/' is '__', '.' is '_D', a '-' before '-'\n"
      "     or at the end is '_H', a leading digit gets an 'N' in front. See docs/spof.md. -->\n"
      "<opsa-mef>\n<define-fault-tree name=\"ebcm\">\n";
  for (uint32_t n = 0; n < g.size(); ++n) {
    if (!g.is_function(n)) continue;
    const std::string name = open_psa_name(g.refs[n]);
    out +=
        "<define-gate name=\"FN_" + name + "\"><gate name=\"DOWN_" + name + "\"/></define-gate>\n";
  }
  for (uint32_t n = 0; n < g.size(); ++n) {
    out += "<define-gate name=\"DOWN_" + open_psa_name(g.refs[n]) + "\">";
    write(g, b.gate(n), out);
    out += "</define-gate>\n";
  }
  for (uint32_t n = 0; n < g.size(); ++n) {
    out += "<define-basic-event name=\"" + open_psa_name(g.refs[n]) +
           "\"><float value=\"0.01\"/></define-basic-event>\n";
  }
  out += "</define-fault-tree>\n</opsa-mef>\n";
  return out;
}

}  // namespace ebcm::impact
