// Ordering of entities within a revision, without rewriting the rows that did not move.
//
// Each stored entity row carries an `ord` (a positive int64); a revision's model order is its
// live rows sorted by ord. A row's ord never changes (old revisions read it too), so a commit
// has to give its entities ords that increase in commit order while leaving as many unchanged
// rows as possible where they are:
//   1. the unchanged entities whose old ords form the longest increasing subsequence, in
//      commit order, keep their rows (in the common case — same order — that is all of them);
//   2. every other entity (new, changed, or unchanged but moved) gets a new row with an ord
//      between its neighbours' (evenly spread within the gap, or kOrdGap apart after the last);
//   3. if some gap is too small for what goes in it, all entities are renumbered kOrdGap apart,
//      rewriting the rows whose ord changes. Ords start kOrdGap (2^32) apart, so that takes about
//      32 inserts at one spot, or 2^31 entities; it is rare, and exactly right either way.
// Thread safety: a pure function.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ebcm::store {

struct OrderPlan {
  std::vector<int64_t> ord;  // the ord of each entity, in commit order, strictly increasing
  std::vector<bool> keep;    // true: the entity's existing row stays (ord == its old ord)
  int64_t moved = 0;         // unchanged entities that could not keep their place
  bool renumbered = false;   // step 3 happened
};

inline constexpr int64_t kOrdGap = int64_t{1} << 32;

// `old_ord[i]`: the ord of entity i's current row if that row can be kept (the entity exists
// at head with the same body), 0 otherwise; indices are commit order. Old ords are positive
// and distinct.
OrderPlan plan_order(std::span<const int64_t> old_ord);

}  // namespace ebcm::store
