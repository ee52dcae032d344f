// Reading ../shared/fixtures in the health tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace ebcm::health::testing {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(EBCM_SHARED_DIR) + "/fixtures/" + name, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// `text` with every `from` replaced by `to`.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace ebcm::health::testing
