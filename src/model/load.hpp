// Loading a model from YAML or JSON: a file, several files, or folders of them, merged.
//
// Contract: load_paths() reads every file (a folder contributes its *.yaml, *.yml and *.json
// files, recursively, in name order), merges their sections in the order given, and returns
// the model with every syntax problem found (unknown keys are warnings; wrong types, bad ids,
// durations, percentages, ranges are errors). It does not check references: validate() does.
// JSON is the fast path for big generated models; line and column of a JSON diagnostic are
// found again from its path after loading, so the fast path carries no positions.
// Thread safety: pure functions.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/diagnostics.hpp"
#include "model/model.hpp"

namespace ebcm::model {

enum class Format : uint8_t { kYaml, kJson };

// Where the items of a JSON file's sections begin and end (byte offsets), so the line of a
// diagnostic is found by reading its item again rather than the whole file.
struct JsonItemSpans {
  std::string file;
  std::vector<std::pair<std::string, std::vector<std::pair<uint64_t, uint64_t>>>> sections;
};

struct Loaded {
  Model model;
  Diagnostics diagnostics;
  std::vector<JsonItemSpans> json_items;  // for JSON files read item by item
};

// Format by extension: .json is JSON, anything else YAML.
Loaded load_paths(const std::vector<std::string>& paths);
// An unknown key: a warning (files: it is ignored) or an error (the API refuses it).
enum class UnknownKeys : uint8_t { kWarn, kRefuse };

// `name` is what diagnostics call the text (a file name, "<stdin>").
Loaded load_text(std::string_view text, Format format, const std::string& name,
                 UnknownKeys unknown = UnknownKeys::kWarn);

// Loads, then validates (validate.hpp); positions of JSON diagnostics filled in. What the
// `validate` and `import` commands use. `alongside`, if given, runs on a second thread while
// validation runs (both only read the model): import turns the model into entities there, so a
// big import uses both cores. It runs even when loading found errors; the caller decides.
Loaded load_and_validate(const std::vector<std::string>& paths,
                         const std::function<void(const Model&)>& alongside = {});

}  // namespace ebcm::model
