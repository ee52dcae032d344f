#include "core/cycles.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace ebcm {

TEST(FindCycles, LoopsAndSelfLoopsButNotChains) {
  // 0→1→2→0 is a loop; 3→3 a self-loop; 4→0 and 5 hang off it.
  std::vector<uint32_t> begin{0, 1, 2, 3, 4, 5, 5};
  std::vector<uint32_t> edges{1, 2, 0, 3, 0};
  auto groups = find_cycles(begin, edges);
  ASSERT_EQ(groups.size(), 2u);
  for (auto& g : groups) std::sort(g.begin(), g.end());
  std::sort(groups.begin(), groups.end());
  EXPECT_EQ(groups[0], (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(groups[1], (std::vector<uint32_t>{3}));
}

TEST(FindCycles, ALongChainDoesNotOverflowTheStack) {
  const uint32_t n = 1'000'000;
  std::vector<uint32_t> begin(n + 1), edges;
  for (uint32_t i = 0; i < n; ++i) {
    begin[i] = static_cast<uint32_t>(edges.size());
    if (i + 1 < n) edges.push_back(i + 1);
  }
  begin[n] = static_cast<uint32_t>(edges.size());
  EXPECT_TRUE(find_cycles(begin, edges).empty());
  edges.push_back(0);  // close the ring: the last node points back to the first
  begin[n] = static_cast<uint32_t>(edges.size());
  auto groups = find_cycles(begin, edges);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].size(), n);
}

}  // namespace ebcm
