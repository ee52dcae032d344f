// Fuzz target: the settings file of `ebcm serve` (http/config.hpp), read from a file as
// `ebcm serve --config` does, then turned into server options; and parse_listen() on the
// input's first line, as a --listen flag or EBCM_LISTEN would give it.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "fuzz/fuzz_util.hpp"
#include "http/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ebcm;
  const std::string_view text = fuzz::as_text(data, size);
  const std::string path = fuzz::scratch_file("serve.yaml", text);
  auto config = http::resolve_config({}, {}, path);
  if (config) (void)http::server_options(*config);

  const std::string_view first = text.substr(0, text.find('\n'));
  (void)http::parse_listen(first);
  // The same text as a flag and as the environment, which go through the same setters.
  std::map<std::string, std::string> flags{{"listen", std::string(first)}};
  std::map<std::string, std::string> env{{"EBCM_BODY_LIMIT", std::string(first)},
                                         {"EBCM_READ_TIMEOUT", std::string(first)}};
  (void)http::resolve_config(flags, env, "");
  return 0;
}
