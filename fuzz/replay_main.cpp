// A main() for a fuzz target in builds without libFuzzer (gcc, `make test`, the ASan build):
// runs LLVMFuzzerTestOneInput once on every file named, and on every file below every folder
// named (recursively, in name order), so the crashes fuzzing once found keep being tried.
// A missing argument is an error: a renamed regression folder must not pass silently.
// Memory is capped (as libFuzzer's -rss_limit_mb does), so an input that blows it up fails the
// test instead of taking the machine down with it.
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {
[[maybe_unused]] constexpr uint64_t kMemoryLimitMb = 2048;
}

#if defined(__SANITIZE_ADDRESS__)
// ASan reserves terabytes of address space, so the cap is its own RSS limit instead.
extern "C" const char* __asan_default_options() { return "hard_rss_limit_mb=2048"; }
#endif

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
#if !defined(__SANITIZE_ADDRESS__)
  const rlimit cap{kMemoryLimitMb << 20, kMemoryLimitMb << 20};
  ::setrlimit(RLIMIT_AS, &cap);
#endif
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const fs::path p(argv[i]);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (const auto& e : fs::recursive_directory_iterator(p)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "replay: no such file or folder: %s\n", argv[i]);
      return 2;
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  }
  std::fprintf(stderr, "replay: %zu inputs, all passed\n", files.size());
  return 0;
}
