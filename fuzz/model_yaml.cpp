// Fuzz target: a model in YAML, read (model::load_text) and then validated, as `ebcm validate`
// does with a file. Anything may come back as diagnostics; nothing may crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/load.hpp"
#include "model/validate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ebcm::model;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Loaded l = load_text(text, Format::kYaml, "fuzz.yaml");
  validate(l.model, l.diagnostics);
  l.diagnostics.sort();
  (void)format_text(l.diagnostics, false);
  return 0;
}
