// The post-incident review: the six sections of the guidance (user impact, scope of impact, start
// and end, root cause, actions taken, next steps), prefilled from what ebcm knows where the
// incident's own review leaves a section empty, with the action items and the timeline, as
// Markdown in English or Swedish.
//
// Contract: what the incident took out is its own disruption (incidents.hpp
// incident_disruption()) run for as long as it lasted (opened → resolved, or → now): the functions
// down and degraded at the end of that time, the RTO and MTPD breaches, the mitigations used.
// Pure functions. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/incidents.hpp"
#include "app/snapshot.hpp"
#include "core/catalog.hpp"

namespace ebcm::app {

// `i.review` with every empty section filled in from the model and the incident.
Review prefilled_review(const Snapshot& snap, const Incident& i,
                        const std::vector<SourceState>& sources, int64_t now_ms,
                        catalog::Language lang);

std::string review_markdown(const Snapshot& snap, const Incident& i,
                            const std::vector<SourceState>& sources, int64_t now_ms,
                            catalog::Language lang);

}  // namespace ebcm::app
