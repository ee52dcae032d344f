// The status page (public), the incident manager's declaration behind it, and the operations
// endpoints: /healthz, /readyz, /metrics, the OpenAPI document.
#include <fmt/format.h>

#include "core/clock.hpp"
#include "http/api_util.hpp"
#include "http/app.hpp"
#include "core/metrics.hpp"
#include "http/openapi.hpp"
#include "http/status_page.hpp"

namespace ebcm::http {
namespace {

bool wants_swedish(const Request& req) {
  if (auto lang = req.param("lang")) return *lang == "sv";
  auto al = req.header("Accept-Language");
  return al && al->substr(0, 2) == "sv";
}

// Serves rendered bytes from memory: 304 when the client has them (ETag or date).
Response cached(const Request& req, std::shared_ptr<const std::string> body, std::string etag,
                const std::string& last_modified, const char* type) {
  Response r;
  r.content_type = type;
  r.set("ETag", etag);
  r.set("Last-Modified", last_modified);
  r.set("Cache-Control", "no-cache");
  auto inm = req.header("If-None-Match");
  auto ims = req.header("If-Modified-Since");
  if ((inm && *inm == etag) || (!inm && ims && *ims == last_modified)) {
    r.status = 304;
    return r;
  }
  r.shared_body = std::move(body);
  return r;
}


Response declare(App& app, const Context& ctx) {
  const auto& body = ctx.json_body();
  if (!body) return error_response(body.error());
  if (!body->is_object()) return error_response(400, "invalid_input", "expected a JSON object");
  const auto& o = body->as_object();
  static constexpr std::string_view kKeys[] = {"message",  "next_update", "scenario", "down",
                                               "degraded", "workforce",   "duration"};
  for (const auto& [k, v] : o) {
    if (std::find(std::begin(kKeys), std::end(kKeys), k) == std::end(kKeys)) {
      return error_response(400, "invalid_input",
                            fmt::format("unknown key '{}'; expected message, next_update, "
                                        "scenario, down, degraded, workforce, duration",
                                        std::string_view(k)));
    }
  }
  StatusDeclaration d;
  auto str = [&](const char* k) -> Result<std::string> {
    auto it = o.find(k);
    if (it == o.end() || it->value().is_null()) return std::string();
    if (!it->value().is_string())
      return make_error(ErrorCode::kInvalidInput, fmt::format("{}: expected a string", k));
    return std::string(it->value().as_string());
  };
  const int64_t now = app.clock().now_ms();
  auto message = str("message");
  auto next = str("next_update");
  auto scenario = str("scenario");
  auto duration = str("duration");
  auto down = string_list(o, "down");
  auto degraded = string_list(o, "degraded");
  auto workforce = string_list(o, "workforce");
  for (const Error* e :
       {message ? nullptr : &message.error(), next ? nullptr : &next.error(),
        scenario ? nullptr : &scenario.error(), duration ? nullptr : &duration.error(),
        down ? nullptr : &down.error(), degraded ? nullptr : &degraded.error(), workforce ? nullptr : &workforce.error()}) {
    if (e) return error_response(*e);
  }
  if (message->size() > 4000) {
    return error_response(400, "invalid_input", "message: at most 4000 characters");
  }
  if (auto bad = control_character(*message)) {
    return error_response(400, "invalid_input", *bad);
  }
  d.message = *message;
  if (!next->empty()) {
    d.next_update_ms = parse_when(*next, now);
    if (!d.next_update_ms) {
      return error_response(400, "invalid_input",
                            fmt::format("next_update '{}': expected a duration from now (30m, 2h) "
                                        "or a time (2026-11-21T10:00:00Z)",
                                        *next));
    }
  }
  d.disruption = {*scenario, *down, *degraded, *workforce, *duration};
  if (auto kept = app.service().declare_status(actor_of(ctx), std::move(d)); !kept)
    return error_response(kept.error());
  auto page = app.status().page();
  Response r = json_response(200, *page->json);
  r.set("ETag", page->etag);
  return r;
}

}  // namespace

void add_status_routes(App& app, Router& r) {
  r.add({"GET",
         "/status",
         Access::kPublic,
         [&app](Context& c) {
           auto p = app.status().current(*app.snapshot());
           const bool sv = wants_swedish(c.request);
           std::string etag = p->etag;
           etag.insert(etag.size() - 1, sv ? "-sv" : "-en");
           Response res = cached(c.request, sv ? p->html_sv : p->html_en, etag, p->last_modified,
                                 "text/html; charset=utf-8");
           res.set("Vary", "Accept-Language");
           // Instead of <meta refresh> (an accessibility failure: it moves a page away from a
           // reader): the browser reloads after a minute, and the page has a visible link.
           res.set("Refresh", "60");
           return res;
         },
         {},
         "the status page (HTML, English or Swedish by Accept-Language or ?lang=)"});
  r.add({"GET",
         "/status.json",
         Access::kPublic,
         [&app](Context& c) {
           auto p = app.status().current(*app.snapshot());
           return cached(c.request, p->json, p->etag, p->last_modified, "application/json");
         },
         {},
         "the status page as JSON"});
  r.add({"GET",
         "/api/v1/status",
         Access::kRead,
         [&app](Context&) {
           auto p = app.status().current(*app.snapshot());
           return json_response(200, fmt::format("{{\"page\":{},\"declared\":{}}}", *p->json,
                                                 app::to_json(app.service().status())));
         },
         {},
         "the status page and the declaration behind it"});
  r.add({"PUT",
         "/api/v1/status",
         Access::kRespond,
         [&app](Context& c) { return declare(app, c); },
         {},
         "declare what is down or degraded, the message and the next update (empty: all clear)"});
}

void add_ops_routes(App& app, Router& r) {
  r.add({"GET",
         "/healthz",
         Access::kPublic,
         [](Context&) { return json_response(200, "{\"status\":\"ok\"}"); },
         {},
         "the process is alive"});
  r.add({"GET",
         "/readyz",
         Access::kPublic,
         [&app](Context&) {
           if (auto ready = app.store_ready(); !ready) {
             return concealed_error(503, "the store cannot be read: " + ready.error().message);
           }
           return json_response(200, fmt::format("{{\"status\":\"ready\",\"revision\":{}}}",
                                                 app.snapshot()->revision()));
         },
         {},
         "the store answers and a model is loaded"});
  r.add({"GET",
         "/metrics",
         Access::kPublic,
         [&app](Context&) {
           Response res;
           res.content_type = "text/plain; version=0.0.4; charset=utf-8";
           if (app.metrics()) {
             auto s = app.snapshot();
             app.metrics()->set_gauge("ebcm_model_revision", static_cast<double>(s->revision()));
             app.metrics()->set_gauge("ebcm_model_entities",
                                      static_cast<double>(s->entities().size()));
             res.body = app.metrics()->render();
           }
           return res;
         },
         {},
         "Prometheus metrics"});
  r.add({"GET",
         "/api/v1/openapi.json",
         Access::kPublic,
         [](Context&) { return json_response(200, std::string(openapi_document())); },
         {},
         "this API, as OpenAPI 3.1"});
}

}  // namespace ebcm::http
