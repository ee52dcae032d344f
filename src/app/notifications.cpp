// Who an incident tells (notify/audience.hpp), from the incident's own disruption.
#include "app/live_impact.hpp"
#include "app/service.hpp"
#include "impact/engine.hpp"
#include "impact/report.hpp"

namespace ebcm::app {

Result<notify::Audience> Service::notification_preview(std::string_view id, bool widen) const {
  auto i = incident(id);
  if (!i) return i.error();
  const auto snap = snapshot();
  const auto sources = this->sources();
  const impact::DisruptionQuery q = incident_disruption(snap->model(), *i, sources);
  impact::Report report;
  if (!q.empty()) {
    auto d = impact::build_disruption(snap->graph(), snap->model(), q, "");
    if (!d) return d.error();
    d->first.duration.reset();  // open-ended: everyone it reaches while it lasts
    impact::Engine engine(snap->graph());
    report = impact::make_report(snap->graph(), engine.run(d->first, impact::RunOptions{false}),
                                 i->id);
  }
  return notify::select_audience(snap->model(), report, widen);
}

}  // namespace ebcm::app
