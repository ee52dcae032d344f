// Writing a model back out as YAML or JSON, in the canonical form that load_*() reads back to
// an equal Model (round trip). Durations are written in their largest even unit ("120m" → "2h").
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "model/model.hpp"

namespace ebcm::model {

std::string to_yaml(const Model& model);

// `text` as a YAML scalar that every YAML 1.1 or 1.2 reader (PyYAML, yq, Ansible, yaml-cpp)
// reads back as this same string: plain when that is safe, else double-quoted, with escapes
// for control characters. `in_flow`: the scalar goes inside [ ] or { }. The rule is in
// docs/model.md ("How ebcm writes YAML").
std::string yaml_scalar(std::string_view text, bool in_flow = false);
// `pretty`: indented, one field a line; otherwise compact (big models).
std::string to_json(const Model& model, bool pretty);

}  // namespace ebcm::model
