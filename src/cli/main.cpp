// ebcm: the command line. Everything lives in app.cpp and the cmd_*.cpp files; main only makes
// sure no exception escapes.
#include <cstdio>
#include <exception>

#include "cli/app.hpp"
#include "cli/output.hpp"

int main(int argc, char** argv) {
  try {
    return ebcm::cli::run_cli(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ebcm: error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "ebcm: error: unexpected failure\n");
  }
  return ebcm::cli::kExitFailure;
}
