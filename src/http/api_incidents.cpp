// Incidents, provider health, the live impact and the planned changes: a thin adapter over
// app::Service (incidents), app/live_impact.hpp, app/health_view.hpp and app/review.hpp.
// Viewers read; responders (and coordinators, admins) declare, update and resolve.
#include <fmt/format.h>

#include <algorithm>

#include "app/health_view.hpp"
#include "app/review.hpp"
#include "core/catalog.hpp"
#include "http/api_util.hpp"
#include "http/app.hpp"
#include "notify/audience.hpp"

namespace ebcm::http {
namespace {

Result<const json::object*> object_body(const Context& c) {
  const auto& body = c.json_body();
  if (!body) return body.error();
  if (!body->is_object()) return make_error(ErrorCode::kInvalidInput, "expected a JSON object");
  return &body->as_object();
}

Result<void> known_keys(const json::object& o, std::initializer_list<std::string_view> keys) {
  for (const auto& [k, v] : o) {
    if (std::find(keys.begin(), keys.end(), std::string_view(k)) == keys.end()) {
      std::string list;
      for (auto x : keys) list += (list.empty() ? "" : ", ") + std::string(x);
      return make_error(ErrorCode::kInvalidInput,
                        fmt::format("unknown key '{}'; expected {}", std::string_view(k), list));
    }
  }
  return {};
}

Result<std::optional<std::string>> opt_string(const json::object& o, const char* key,
                                              size_t limit) {
  const auto* v = o.if_contains(key);
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return make_error(ErrorCode::kInvalidInput, fmt::format("{}: expected a string", key));
  std::string s(v->as_string());
  if (s.size() > limit) {
    return make_error(ErrorCode::kInvalidInput, fmt::format("{}: at most {} characters", key, limit));
  }
  if (auto bad = control_character(s)) return make_error(ErrorCode::kInvalidInput, std::string(key) + ": " + *bad);
  return std::optional<std::string>(std::move(s));
}

// The disruption keys of a body (scenario, down, degraded, workforce); nullopt when none given.
Result<std::optional<impact::DisruptionQuery>> disruption_of(const json::object& o) {
  if (!o.contains("scenario") && !o.contains("down") && !o.contains("degraded") &&
      !o.contains("workforce")) {
    return std::optional<impact::DisruptionQuery>();
  }
  impact::DisruptionQuery q;
  auto scenario = opt_string(o, "scenario", 200);
  if (!scenario) return scenario.error();
  q.scenario = scenario->value_or("");
  for (auto [key, into] : {std::pair{"down", &q.down}, std::pair{"degraded", &q.degraded},
                           std::pair{"workforce", &q.workforce}}) {
    auto list = string_list(o, key);
    if (!list) return list.error();
    *into = std::move(*list);
  }
  return std::optional<impact::DisruptionQuery>(std::move(q));
}

Result<std::optional<int64_t>> next_update_of(const json::object& o, int64_t now) {
  auto text = opt_string(o, "next_update", 100);
  if (!text) return text.error();
  if (!*text || (*text)->empty()) return std::optional<int64_t>();
  auto t = parse_when(**text, now);
  if (!t) {
    return make_error(ErrorCode::kInvalidInput,
                      fmt::format("next_update '{}': expected a duration from now (30m, 2h) or a "
                                  "time (2026-11-21T10:00:00Z)",
                                  **text));
  }
  return std::optional<int64_t>(*t);
}

Result<app::Review> review_of(const json::value& v) {
  if (!v.is_object()) return make_error(ErrorCode::kInvalidInput, "review: expected an object");
  const auto& o = v.as_object();
  if (auto k = known_keys(o, {"user_impact", "scope", "start_end", "root_cause", "actions_taken",
                              "next_steps", "actions"});
      !k) {
    return make_error(ErrorCode::kInvalidInput, "review: " + k.error().message);
  }
  app::Review r;
  for (auto [key, into] :
       {std::pair{"user_impact", &r.user_impact}, std::pair{"scope", &r.scope},
        std::pair{"start_end", &r.start_end}, std::pair{"root_cause", &r.root_cause},
        std::pair{"actions_taken", &r.actions_taken}, std::pair{"next_steps", &r.next_steps}}) {
    auto s = opt_string(o, key, 20000);
    if (!s) return make_error(ErrorCode::kInvalidInput, "review." + s.error().message);
    *into = s->value_or("");
  }
  if (const auto* a = o.if_contains("actions"); a && !a->is_null()) {
    if (!a->is_array()) return make_error(ErrorCode::kInvalidInput, "review.actions: expected a list");
    size_t n = 0;
    for (const auto& item : a->as_array()) {
      const std::string at = fmt::format("review.actions[{}]", n++);
      if (!item.is_object()) return make_error(ErrorCode::kInvalidInput, at + ": expected an object");
      const auto& io = item.as_object();
      if (auto k = known_keys(io, {"text", "owner", "due", "done"}); !k) {
        return make_error(ErrorCode::kInvalidInput, at + ": " + k.error().message);
      }
      app::ActionItem x;
      auto text = opt_string(io, "text", 2000);
      auto owner = opt_string(io, "owner", 200);
      auto due = opt_string(io, "due", 100);
      if (!text || !owner || !due) return make_error(ErrorCode::kInvalidInput, at + ": text, owner and due are strings");
      x.text = text->value_or("");
      if (x.text.empty()) return make_error(ErrorCode::kInvalidInput, at + ": an action item needs a text");
      x.owner = owner->value_or("");
      if (due->has_value() && !(*due)->empty()) {
        x.due_ms = parse_utc(**due);
        if (!x.due_ms) return make_error(ErrorCode::kInvalidInput, at + ".due: expected a date such as 2026-12-15");
      }
      if (const auto* d = io.if_contains("done")) {
        if (!d->is_bool()) return make_error(ErrorCode::kInvalidInput, at + ".done: expected true or false");
        x.done = d->as_bool();
      }
      r.actions.push_back(std::move(x));
    }
  }
  return r;
}


Response incident_response(int status, const Result<app::Incident>& i) {
  if (!i) return error_response(i.error());
  return json_response(status, app::to_json(*i));
}

Response declare(App& app, Context& c) {
  auto o = object_body(c);
  if (!o) return error_response((o.error()));
  if (auto k = known_keys(**o, {"title", "message", "owner", "next_update", "scenario", "down",
                                "degraded", "workforce"});
      !k) {
    return error_response(k.error());
  }
  app::IncidentDeclaration d;
  auto title = opt_string(**o, "title", 300);
  auto message = opt_string(**o, "message", 4000);
  auto owner = opt_string(**o, "owner", 200);
  auto next = next_update_of(**o, app.clock().now_ms());
  auto q = disruption_of(**o);
  for (const Error* e : {title ? nullptr : &title.error(), message ? nullptr : &message.error(),
                         owner ? nullptr : &owner.error(), next ? nullptr : &next.error(),
                         q ? nullptr : &q.error()}) {
    if (e) return error_response(*e);
  }
  d.message = message->value_or("");
  d.title = title->value_or(d.message.substr(0, d.message.find('\n')));
  d.owner = owner->value_or("");
  d.next_update_ms = *next;
  if (*q) d.disruption = std::move(**q);
  return incident_response(201, app.service().declare_incident(actor_of(c), std::move(d)));
}

Response update(App& app, Context& c) {
  auto o = object_body(c);
  if (!o) return error_response(o.error());
  if (auto k = known_keys(**o, {"title", "message", "owner", "next_update", "scenario", "down",
                                "degraded", "workforce", "review"});
      !k) {
    return error_response(k.error());
  }
  app::IncidentUpdate u;
  auto title = opt_string(**o, "title", 300);
  auto message = opt_string(**o, "message", 4000);
  auto owner = opt_string(**o, "owner", 200);
  auto next = next_update_of(**o, app.clock().now_ms());
  auto q = disruption_of(**o);
  for (const Error* e : {title ? nullptr : &title.error(), message ? nullptr : &message.error(),
                         owner ? nullptr : &owner.error(), next ? nullptr : &next.error(),
                         q ? nullptr : &q.error()}) {
    if (e) return error_response(*e);
  }
  u.message = message->value_or("");
  u.title = *title;
  u.owner = *owner;
  u.next_update_ms = *next;
  u.disruption = *q;
  if (const auto* rv = (*o)->if_contains("review"); rv && !rv->is_null()) {
    auto r = review_of(*rv);
    if (!r) return error_response(r.error());
    u.review = std::move(*r);
  }
  return incident_response(200, app.service().update_incident(actor_of(c), c.param("id"), std::move(u)));
}

Response resolve(App& app, Context& c) {
  std::string message;
  if (!c.request.body.empty()) {
    auto o = object_body(c);
    if (!o) return error_response(o.error());
    if (auto k = known_keys(**o, {"message"}); !k) return error_response(k.error());
    auto m = opt_string(**o, "message", 4000);
    if (!m) return error_response(m.error());
    message = m->value_or("");
  }
  return incident_response(200, app.service().resolve_incident(actor_of(c), c.param("id"), message));
}

Response review(App& app, Context& c) {
  auto i = app.service().incident(c.param("id"));
  if (!i) return error_response(i.error());
  const std::string lang_code(c.request.param("lang").value_or("en"));
  auto lang = catalog::language(lang_code);
  if (!lang) return error_response(400, "invalid_input", "lang: expected en or sv");
  const auto snap = app.snapshot();
  const auto sources = app.service().sources();
  const int64_t now = app.clock().now_ms();
  const auto format = c.request.param("format").value_or("json");
  if (format == "markdown") {
    Response r;
    r.status = 200;
    r.content_type = "text/markdown; charset=utf-8";
    r.body = app::review_markdown(*snap, *i, sources, now, *lang);
    return r;
  }
  if (format != "json") return error_response(400, "invalid_input", "format: expected json or markdown");
  app::Incident with = *i;
  with.review = app::prefilled_review(*snap, *i, sources, now, *lang);
  auto doc = json::parse(app::to_json(with));
  return json_response(200, json::serialize(json::object{
                                {"id", i->id},
                                {"review", doc.as_object().at("review")},
                                {"markdown", app::review_markdown(*snap, *i, sources, now, *lang)}}));
}

Response list(App& app, const Context& c) {
  const auto state = c.request.param("state").value_or("all");
  if (state != "all" && state != "active" && state != "resolved") {
    return error_response(400, "invalid_input", "state: expected active, resolved or all");
  }
  json::array out;
  const int64_t now = app.clock().now_ms();
  for (const auto& i : app.service().incidents()) {
    if ((state == "active" && !i.active) || (state == "resolved" && i.active)) continue;
    auto v = json::parse(app::to_json(i));
    v.as_object()["update_overdue"] = app::update_overdue(i, now);
    out.push_back(std::move(v));
  }
  return json_response(200, json::serialize(json::object{{"incidents", std::move(out)}}));
}

}  // namespace

void add_incident_routes(App& app, Router& r) {
  r.add({"GET", "/api/v1/incidents", Access::kRead,
         [&app](Context& c) { return list(app, c); }, {},
         "the incidents (?state=active|resolved|all), each with update_overdue"});
  r.add({"POST", "/api/v1/incidents", Access::kRespond,
         [&app](Context& c) { return declare(app, c); }, {},
         "declare an incident no feed reports: title, message, owner, next_update and what it "
         "disrupts (down, degraded, workforce, scenario)"});
  r.add({"GET", "/api/v1/incidents/{id}", Access::kRead,
         [&app](Context& c) {
           auto i = app.service().incident(c.param("id"));
           if (!i) return error_response(i.error());
           auto v = json::parse(app::to_json(*i));
           v.as_object()["update_overdue"] = app::update_overdue(*i, app.clock().now_ms());
           return json_response(200, json::serialize(v));
         },
         {}, "one incident with its timeline"});
  r.add({"PATCH", "/api/v1/incidents/{id}", Access::kRespond,
         [&app](Context& c) { return update(app, c); }, {},
         "update an incident: a message for its timeline, title, owner, next_update, its "
         "disruption (declared ones), its review"});
  r.add({"POST", "/api/v1/incidents/{id}/resolve", Access::kRespond,
         [&app](Context& c) { return resolve(app, c); }, {}, "resolve an incident"});
  r.add({"GET", "/api/v1/incidents/{id}/review", Access::kRead,
         [&app](Context& c) { return review(app, c); }, {},
         "the post-incident review, prefilled (?format=json|markdown, ?lang=en|sv)"});
  r.add({"GET", "/api/v1/incidents/{id}/notifications/preview", Access::kRead,
         [&app](Context& c) {
           bool widen = false;
           if (auto w = c.request.param("widen")) {
             if (*w != "true" && *w != "false") {
               return error_response(400, "invalid_input", "widen: expected true or false");
             }
             widen = *w == "true";
           }
           auto a = app.service().notification_preview(c.param("id"), widen);
           if (!a) return error_response(a.error());
           return json_response(200, notify::audience_to_json(*a));
         },
         {}, "who the incident tells, why and over which channels, before anything is sent "
             "(?widen=true: everyone)"});
  r.add({"GET", "/api/v1/health", Access::kRead,
         [&app](Context&) {
           return json_response(200, app::health_to_json(*app.snapshot(), app.service().sources(),
                                                         app.service().incidents()));
         },
         {}, "each health source: last answer, unknown_since, its services' states, unmapped"});
  r.add({"GET", "/api/v1/impact/live", Access::kRead,
         [&app](Context&) {
           return json_response(200, app::live_impact_to_json(app.service().live_impact()));
         },
         {}, "the live impact: the report of every active incident together, with since, "
             "breach times, owners and head-counts"});
  r.add({"GET", "/api/v1/changes", Access::kRead,
         [&app](Context&) {
           return json_response(
               200, app::changes_to_json(app::planned_changes(*app.snapshot(), app.service().sources())));
         },
         {}, "planned changes of the providers mapped onto the model"});
}

}  // namespace ebcm::http
