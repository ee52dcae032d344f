// Writing a model back out as YAML or JSON, in the canonical form that load_*() reads back to
// an equal Model (round trip). Durations are written in their largest even unit ("120m" → "2h").
// Thread safety: pure functions.
#pragma once

#include <string>

#include "model/model.hpp"

namespace ebcm::model {

std::string to_yaml(const Model& model);
// `pretty`: indented, one field a line; otherwise compact (big models).
std::string to_json(const Model& model, bool pretty);

}  // namespace ebcm::model
