// Analysis and history over HTTP: impact, scenarios, SPOF (the same reports as the command
// line), revisions, diff, export and import.
#include <fmt/format.h>

#include <charconv>

#include "core/clock.hpp"
#include "http/api_util.hpp"
#include "http/app.hpp"
#include "core/metrics.hpp"
#include "http/status_page.hpp"
#include "impact/engine.hpp"
#include "impact/open_psa.hpp"
#include "impact/query.hpp"
#include "impact/report.hpp"
#include "model/diff.hpp"
#include "model/edit.hpp"
#include "model/load.hpp"
#include "model/validate.hpp"
#include "model/write.hpp"

namespace ebcm::http {
namespace {

Response impact_report(const Snapshot& snap, const Context& ctx) {
  impact::DisruptionQuery q;
  if (auto s = ctx.request.param("scenario")) q.scenario = *s;
  q.down = list_param(ctx.request, "down");
  q.degraded = list_param(ctx.request, "degraded");
  q.workforce = list_param(ctx.request, "workforce");
  if (auto d = ctx.request.param("duration")) q.duration = *d;
  const auto& g = snap.graph();
  auto d = impact::build_disruption(g, snap.model(), q, "");
  if (!d) return error_response(d.error());
  impact::Engine engine(g);
  return json_response(
      200, impact::report_to_json(impact::make_report(g, engine.run(d->first), d->second)));
}

Response scenarios(const Snapshot& snap) {
  const auto& g = snap.graph();
  impact::Engine engine(g);
  json::array list;
  for (const auto& s : snap.model().scenarios) {
    auto d = impact::disruption_from_scenario(g, s);
    if (!d) return error_response(d.error());
    auto rep = impact::make_report(g, engine.run(*d), s.id);
    json::array fns;
    for (const auto& f : rep.functions) {
      fns.push_back(json::object{{"id", f.id},
                                 {"state", impact::to_string(f.state)},
                                 {"rto_breached", f.rto_breached},
                                 {"mtpd_breached", f.mtpd_breached}});
    }
    list.push_back(json::object{
        {"id", s.id},
        {"name", s.name},
        {"duration", s.duration ? json::value(format_duration(*s.duration)) : json::value(nullptr)},
        {"functions", std::move(fns)}});
  }
  return json_response(200, json::serialize(json::object{{"revision", snap.revision()},
                                                         {"scenarios", std::move(list)}}));
}

Response spof(const Snapshot& snap, const Context& ctx) {
  impact::SpofQuery q;
  if (auto f = ctx.request.param("function")) q.function = *f;
  if (auto c = ctx.request.param("criticality")) q.criticality = *c;
  if (auto p = ctx.request.param("pairs")) {
    if (*p != "true" && *p != "false") {
      return error_response(400, "invalid_input", "pairs: expected true or false");
    }
    q.pairs = *p == "true";
  }
  auto top = int_param(ctx.request, "top", 20, 0, 1'000'000);
  if (!top) return error_response(top.error());
  q.top = static_cast<uint32_t>(*top);
  const auto& g = snap.graph();
  auto a = impact::answer_spof(g, snap.model(), q, "");
  if (!a) return error_response(a.error());
  return json_response(200, impact::spof_to_json(g, *a));
}

// A revision-wide answer computed from the current snapshot, taken once (revision_wide).
Response from_snapshot(App& app, const Context& ctx,
                       Response (*compute)(const Snapshot&, const Context&)) {
  auto snap = app.snapshot();
  return revision_wide(ctx.request, snap->revision(), [&] { return compute(*snap, ctx); });
}

Result<int64_t> revision_param(App& app, const Request& req, std::string_view name) {
  auto head = app.snapshot()->revision();
  auto v = req.param(name);
  if (!v || *v == "head") return head;
  return int_param(req, name, head, 1, std::max<int64_t>(head, 1));
}

// The entities of a revision: the snapshot's for the head, else read from the store.
Result<std::vector<model::Entity>> entities_at(App& app, int64_t rev) {
  auto snap = app.snapshot();
  if (rev == snap->revision()) return snap->entities();
  return app.with_store([&](store::Store& s) { return s.entities(rev, {}); });
}

Response export_at(App& app, int64_t rev, const std::string& format);

Response export_model(App& app, const Context& ctx) {
  auto rev = revision_param(app, ctx.request, "rev");
  if (!rev) return error_response(rev.error());
  const std::string format(ctx.request.param("format").value_or("yaml"));
  if (format != "yaml" && format != "json" && format != "open-psa") {
    return error_response(400, "invalid_input",
                          fmt::format("format '{}': expected yaml, json or open-psa", format));
  }
  if (*rev == 0)
    return error_response(404, "not_found", "the store is empty: import a model first");
  return revision_wide(ctx.request, *rev, [&] { return export_at(app, *rev, format); });
}

Response export_at(App& app, int64_t rev, const std::string& format) {
  auto entities = entities_at(app, rev);
  if (!entities) return error_response(entities.error());
  auto m = model::from_entities(*entities);
  if (!m) return error_response(m.error());
  Response r;
  if (format == "yaml") {
    r.content_type = "application/yaml; charset=utf-8";
    r.body = model::to_yaml(*m);
  } else if (format == "json") {
    r.body = model::to_json(*m, true);
  } else {
    r.content_type = "application/xml; charset=utf-8";
    r.body = impact::to_open_psa(impact::CompiledGraph::compile(*m));
  }
  return r;
}

Response import_model(App& app, const Context& ctx) {
  const auto ct = ctx.request.header("Content-Type").value_or("");
  const bool is_json = ct.find("json") != std::string_view::npos;
  const bool is_yaml = ct.find("yaml") != std::string_view::npos;
  if (!is_json && !is_yaml) {
    return error_response(415, "unsupported_media_type",
                          "send the model as application/json or application/yaml");
  }
  auto loaded = model::load_text(
      ctx.request.body, is_json ? model::Format::kJson : model::Format::kYaml, "the request body");
  if (!loaded.diagnostics.has_errors()) model::validate(loaded.model, loaded.diagnostics);
  if (loaded.diagnostics.has_errors()) {
    return error_response(
        model::invalid_model("the model is not valid; nothing was written", loaded.diagnostics));
  }
  auto entities = model::to_entities(loaded.model);
  auto im = ctx.request.header("If-Match");
  if (!im) {
    return error_response(428, "precondition_required",
                          "send If-Match: " + revision_etag(app.snapshot()->revision()) +
                              " (the revision you based the model on) or * to replace "
                              "whatever is there");
  }
  std::string head;  // the head's ETag, when it is not the one sent
  auto result = app.commit(
      ctx,
      [&](const Snapshot& s) -> Result<std::vector<model::Entity>> {
        if (*im != "*" && *im != revision_etag(s.revision())) {
          head = revision_etag(s.revision());
          return make_error(ErrorCode::kStale,
                            "the model changed since the revision you based this on; the head "
                            "is now " + head);
        }
        return std::move(entities);
      },
      std::string(ctx.request.header("X-Ebcm-Message").value_or("import over HTTP")),
      {"model_import", "model", std::nullopt});
  if (auto* r = std::get_if<Response>(&result)) {
    if (!head.empty()) r->set("ETag", head);
    return std::move(*r);
  }
  const auto& info = std::get<store::RevisionInfo>(result);
  Response r = json_response(200, store::revision_to_json(info));
  r.set("ETag", revision_etag(info.number));
  r.set("X-Ebcm-Revision", std::to_string(info.number));
  return r;
}

}  // namespace

void add_analysis_routes(App& app, Router& r) {
  r.add({"GET",
         "/api/v1/impact",
         Access::kRead,
         [&app](Context& c) { return from_snapshot(app, c, impact_report); },
         {},
         "the impact report of a disruption (?scenario=, ?down=, ?workforce=, ?duration=)"});
  r.add({"GET",
         "/api/v1/impact/scenarios",
         Access::kRead,
         [&app](Context& c) {
           return from_snapshot(app, c,
                                [](const Snapshot& s, const Context&) { return scenarios(s); });
         },
         {},
         "every scenario run: the functions each takes down"});
  r.add({"GET",
         "/api/v1/spof",
         Access::kRead,
         [&app](Context& c) { return from_snapshot(app, c, spof); },
         {},
         "single points of failure (and pairs) per function"});
}

void add_revision_routes(App& app, Router& r) {
  r.add({"GET",
         "/api/v1/revisions",
         Access::kRead,
         [&app](Context& c) {
           auto limit = int_param(c.request, "limit", 100, 1, 10000);
           if (!limit) return error_response(limit.error());
           return revision_wide(c.request, app.snapshot()->revision(), [&] {
             auto list = app.with_store([&](store::Store& s) { return s.history(*limit); });
             if (!list) return error_response(list.error());
             std::string out = "[";
             for (const auto& info : *list)
               out += (out.size() > 1 ? "," : "") + store::revision_to_json(info);
             return json_response(200, out + "]");
           });
         },
         {},
         "the model's revisions, newest first"});
  r.add({"GET",
         "/api/v1/revisions/{rev}",
         Access::kRead,
         [&app](Context& c) {
           int64_t n = 0;
           auto t = c.param("rev");
           auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
           if (ec != std::errc() || p != t.data() + t.size() || n < 1) {
             return error_response(400, "invalid_input",
                                   fmt::format("'{}' is not a revision number", t));
           }
           return revision_wide(c.request, n, [&] {
             auto info = app.with_store([&](store::Store& s) { return s.revision(n); });
             if (!info) return error_response(info.error());
             return json_response(200, store::revision_to_json(*info));
           });
         },
         {},
         "one revision"});
  r.add(
      {"GET",
       "/api/v1/diff",
       Access::kRead,
       [&app](Context& c) {
         auto to = revision_param(app, c.request, "to");
         if (!to) return error_response(to.error());
         auto from = revision_param(app, c.request, "from");
         if (!from) return error_response(from.error());
         if (!c.request.param("from")) *from = std::max<int64_t>(*to - 1, 0);
         // Per URL, the answer depends on `to` alone (`from` is in the URL or follows from it).
         return revision_wide(c.request, *to, [&] {
           std::vector<model::Entity> none;
           auto before =
               *from == 0 ? Result<std::vector<model::Entity>>(none) : entities_at(app, *from);
           if (!before) return error_response(before.error());
           auto after = *to == 0 ? Result<std::vector<model::Entity>>(none) : entities_at(app, *to);
           if (!after) return error_response(after.error());
           return json_response(200, model::diff_to_json(*from, *to, model::diff(*before, *after)));
         });
       },
       {},
       "what changed between two revisions (?from=, ?to=; default: the head's change)"});
  r.add({"GET",
         "/api/v1/export",
         Access::kRead,
         [&app](Context& c) { return export_model(app, c); },
         {},
         "the model as YAML, JSON or Open-PSA (?format=, ?rev=)"});
  r.add({"POST",
         "/api/v1/import",
         Access::kEditModel,
         [&app](Context& c) { return import_model(app, c); },
         {},
         "replace the whole model (If-Match: the revision's ETag)",
         kServerBodyLimit});
}

}  // namespace ebcm::http
