// Fuzz target: a model in JSON, through load_and_validate() from a file as `ebcm validate
// model.json` does: the streaming reader (item by item, json_scan.hpp), the whole-document
// reader it falls back to on text it cannot stream, validation, and finding the line of each
// diagnostic again from its path (json_locate, by item spans or over the whole text).
#include <cstddef>
#include <cstdint>

#include "fuzz/fuzz_util.hpp"
#include "model/load.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ebcm;
  const std::string path = fuzz::scratch_file("model.json", fuzz::as_text(data, size));
  model::Loaded l = model::load_and_validate({path});
  (void)model::format_json(l.diagnostics);
  return 0;
}
