// Finding where in a JSON text a path ("functions[3].bia.rto") points, for diagnostics of JSON
// input, which is parsed without positions for speed. One pass over the text for any number of
// paths, descending only into the parts on the way to one of them.
// Thread safety: pure function.
#pragma once

#include <string_view>
#include <vector>

#include "model/diagnostics.hpp"

namespace ebcm::model {

// Sets line and col of each diagnostic whose path is found in `text`; leaves the others.
void locate_json_paths(std::string_view text, const std::vector<Diagnostic*>& diags);

}  // namespace ebcm::model
