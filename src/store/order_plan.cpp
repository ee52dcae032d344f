#include "store/order_plan.hpp"

#include <algorithm>
#include <limits>

namespace ebcm::store {

namespace {

constexpr int64_t kMaxOrd = std::numeric_limits<int64_t>::max();

// Marks in `anchor` the longest strictly increasing subsequence of the kept old ords, in
// O(n log n) (patience sorting with back links).
int64_t mark_anchors(std::span<const int64_t> old_ord, std::vector<bool>& anchor) {
  const size_t n = old_ord.size();
  int64_t candidates = 0;
  int64_t last = 0;
  bool increasing = true;
  for (int64_t v : old_ord) {
    if (v == 0) continue;
    ++candidates;
    if (v <= last) increasing = false;
    last = v;
  }
  if (increasing) {  // the common case: nothing moved
    for (size_t i = 0; i < n; ++i) anchor[i] = old_ord[i] != 0;
    return 0;
  }
  constexpr size_t kNone = std::numeric_limits<size_t>::max();
  std::vector<size_t> tails;  // tails[L]: index ending the best increasing run of length L+1
  std::vector<size_t> back(n, kNone);
  for (size_t i = 0; i < n; ++i) {
    const int64_t v = old_ord[i];
    if (v == 0) continue;
    auto it = std::lower_bound(tails.begin(), tails.end(), v,
                               [&](size_t t, int64_t value) { return old_ord[t] < value; });
    if (it != tails.begin()) back[i] = *(it - 1);
    if (it == tails.end()) {
      tails.push_back(i);
    } else {
      *it = i;
    }
  }
  int64_t kept = 0;
  for (size_t i = tails.empty() ? kNone : tails.back(); i != kNone; i = back[i]) {
    anchor[i] = true;
    ++kept;
  }
  return candidates - kept;
}

// Gives entities [from, to) ords strictly between lo and hi (hi == kMaxOrd: no upper
// neighbour). False if they do not fit.
bool fill_gap(std::vector<int64_t>& ord, size_t from, size_t to, int64_t lo, int64_t hi) {
  if (from == to) return true;
  const auto k = static_cast<int64_t>(to - from);
  int64_t step = 0;
  if (hi == kMaxOrd && (kMaxOrd - lo) / (k + 1) >= kOrdGap) {
    step = kOrdGap;  // appending: leave room for later inserts after these too
  } else {
    step = (hi - lo) / (k + 1);  // lo + step * k < hi
  }
  if (step == 0) return false;
  for (int64_t j = 1; j <= k; ++j) ord[from + static_cast<size_t>(j - 1)] = lo + step * j;
  return true;
}

}  // namespace

OrderPlan plan_order(std::span<const int64_t> old_ord) {
  const size_t n = old_ord.size();
  OrderPlan plan;
  plan.ord.assign(n, 0);
  plan.keep.assign(n, false);
  plan.moved = mark_anchors(old_ord, plan.keep);

  bool fits = true;
  int64_t lo = 0;
  size_t pending = 0;  // first entity after the last anchor
  for (size_t i = 0; i < n && fits; ++i) {
    if (!plan.keep[i]) continue;
    plan.ord[i] = old_ord[i];
    fits = fill_gap(plan.ord, pending, i, lo, old_ord[i]);
    lo = old_ord[i];
    pending = i + 1;
  }
  if (fits) fits = fill_gap(plan.ord, pending, n, lo, kMaxOrd);
  if (fits) return plan;

  plan.renumbered = true;
  const int64_t gap = std::min<int64_t>(kOrdGap, kMaxOrd / static_cast<int64_t>(n + 1));
  for (size_t i = 0; i < n; ++i) {
    plan.ord[i] = gap * static_cast<int64_t>(i + 1);
    plan.keep[i] = old_ord[i] != 0 && old_ord[i] == plan.ord[i];
  }
  return plan;
}

}  // namespace ebcm::store
