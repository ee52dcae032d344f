#include "core/cycles.hpp"

#include <algorithm>
#include <utility>

namespace ebcm {

std::vector<std::vector<uint32_t>> find_cycles(std::span<const uint32_t> begin,
                                               std::span<const uint32_t> edges) {
  const uint32_t n = begin.empty() ? 0 : static_cast<uint32_t>(begin.size() - 1);
  constexpr uint32_t kUnseen = UINT32_MAX;
  std::vector<uint32_t> index(n, kUnseen), low(n, 0), stack;
  std::vector<bool> on_stack(n, false);
  std::vector<std::pair<uint32_t, uint32_t>> call;  // (node, next edge)
  std::vector<std::vector<uint32_t>> groups;
  uint32_t counter = 0;
  for (uint32_t root = 0; root < n; ++root) {
    if (index[root] != kUnseen) continue;
    call.emplace_back(root, begin[root]);
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!call.empty()) {
      auto& [v, e] = call.back();
      if (e < begin[v + 1]) {
        const uint32_t w = edges[e++];
        if (index[w] == kUnseen) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = true;
          call.emplace_back(w, begin[w]);  // invalidates v and e: the loop re-reads them
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      const uint32_t done = v;
      call.pop_back();
      if (!call.empty()) low[call.back().first] = std::min(low[call.back().first], low[done]);
      if (low[done] != index[done]) continue;
      std::vector<uint32_t> group;
      uint32_t w;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = false;
        group.push_back(w);
      } while (w != done);
      bool self_loop = false;
      for (uint32_t k = begin[done]; k < begin[done + 1]; ++k) self_loop |= edges[k] == done;
      if (group.size() > 1 || self_loop) groups.push_back(std::move(group));
    }
  }
  return groups;
}

}  // namespace ebcm
