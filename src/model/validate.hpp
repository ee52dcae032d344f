// Semantic checks of a loaded model: duplicate ids (functions, services and locations share one
// namespace of ids; people, business units, mitigations and scenarios each have their own),
// unknown references with a "did you mean" suggestion, a mitigation whose `replaces` is not among
// its `for` node's requirements, hierarchy loops, and requirement cycles (a warning naming the
// loop: cycles are allowed but restoring them needs a manual bootstrap).
// Thread safety: pure function.
#pragma once

#include "model/diagnostics.hpp"
#include "model/model.hpp"

namespace ebcm::model {

void validate(const Model& model, Diagnostics& out);

}  // namespace ebcm::model
