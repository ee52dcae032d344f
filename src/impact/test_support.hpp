// Test support shared by the impact tests: running a command and reading its output, and
// models made by the project's generator (shared/tools/gen-model.py).
#pragma once

#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

namespace ebcm::impact::testing_support {

// The command's standard output, or nullopt when it cannot start or exits non-zero.
inline std::optional<std::string> run_command(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  if (pclose(p) != 0) return std::nullopt;
  return out;
}

inline std::string generator_path() { return std::string(EBCM_SHARED_DIR) + "/tools/gen-model.py"; }

// A generated model as JSON (`args` as gen-model.py takes them, without --format), or nullopt
// when python3 or the generator is missing (the caller skips).
inline std::optional<std::string> generated_model(const std::string& args) {
  if (!std::filesystem::exists(generator_path()) || !std::filesystem::exists("/usr/bin/python3")) {
    return std::nullopt;
  }
  return run_command("/usr/bin/python3 " + generator_path() + " --format json " + args);
}

}  // namespace ebcm::impact::testing_support
