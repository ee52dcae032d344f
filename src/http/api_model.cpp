// The model's entities over HTTP: list (filter, page), get, create, replace, merge-patch and
// delete, for every collection and for the features of a service. Each write is one revision,
// guarded by the entity's ETag (If-Match); the whole model is validated before anything is
// written.
#include <fmt/format.h>

#include <algorithm>

#include "http/api_util.hpp"
#include "http/app.hpp"
#include "model/load.hpp"

namespace ebcm::http {
namespace {

using model::Entity;
using model::EntityKind;

std::string section_of(EntityKind kind) {
  std::string s = collection_of(kind);
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

// The canonical entity for a JSON body sent by a client: read by the model's own reader (so
// the API obeys exactly the rules of a model file), then written canonically. Syntax problems
// (wrong types, bad durations, unknown keys) → 422 with every one of them.
std::variant<Entity, Response> canonical_entity(EntityKind kind, const json::value& body) {
  if (!body.is_object()) {
    return error_response(400, "invalid_input",
                          fmt::format("expected a JSON object: the {}", noun_of(kind)));
  }
  std::string doc =
      kind == EntityKind::kOrganization
          ? "{\"ebcm\":1,\"organization\":" + json::serialize(body) + "}"
          : "{\"ebcm\":1,\"" + section_of(kind) + "\":[" + json::serialize(body) + "]}";
  // Unknown keys are warnings in a file; over the API they are mistakes worth refusing.
  auto loaded =
      model::load_text(doc, model::Format::kJson, "the request body", model::UnknownKeys::kRefuse);
  model::Diagnostics problems;
  // Paths inside the entity: "bia.rto" for "functions[dispatch].bia.rto".
  const std::string prefix =
      kind == EntityKind::kOrganization ? "organization" : section_of(kind) + "[";
  for (auto d : loaded.diagnostics.items()) {
    if (d.path.rfind(prefix, 0) == 0) {
      const size_t end =
          kind == EntityKind::kOrganization ? prefix.size() : d.path.find(']', prefix.size()) + 1;
      d.path = d.path.substr(end);
      if (!d.path.empty() && d.path[0] == '.') d.path.erase(0, 1);
    }
    d.severity = model::Severity::kError;
    problems.add(std::move(d));
  }
  if (problems.has_errors()) {
    return invalid_model_response(fmt::format("the {} is not valid", noun_of(kind)), problems);
  }
  for (auto& e : model::to_entities(loaded.model)) {
    if (e.kind == kind) return std::move(e);
  }
  return error_response(400, "invalid_input", fmt::format("expected a {}", noun_of(kind)));
}

// Where a new entity of `kind` goes: after the last one of its kind, else where its section
// begins (entities are grouped by kind in the canonical section order).
size_t insert_position(const std::vector<Entity>& entities, EntityKind kind) {
  size_t pos = 0;
  for (size_t i = 0; i < entities.size(); ++i) {
    if (entities[i].kind <= kind) pos = i + 1;
  }
  return pos;
}

std::string change_message(const Context& ctx, std::string fallback) {
  auto m = ctx.request.header("X-Ebcm-Message");
  return m && !m->empty() ? std::string(*m) : std::move(fallback);
}

// 428 without If-Match, 412 when it is not the current ETag (the response names it).
std::optional<Response> check_if_match(const Request& req, const std::string& current) {
  auto im = req.header("If-Match");
  if (!im) {
    return error_response(428, "precondition_required",
                          "send If-Match with the ETag you read, so a change made meanwhile is "
                          "not overwritten");
  }
  if (*im == "*" || *im == current) return std::nullopt;
  Response r = error_response(412, "stale",
                              "the entity changed since you read it (its ETag is now " + current +
                                  "); read it again and reapply your change");
  r.set("ETag", current);
  return r;
}

Response entity_response(int status, const Entity& e) {
  Response r = json_response(status, e.body);
  r.set("ETag", etag_of(e.body));
  return r;
}

// RFC 7396 JSON merge patch.
void merge_patch(json::value& target, const json::value& patch) {
  if (!patch.is_object()) {
    target = patch;
    return;
  }
  if (!target.is_object()) target = json::object();
  auto& t = target.as_object();
  for (const auto& [k, v] : patch.as_object()) {
    if (v.is_null()) {
      t.erase(k);
    } else {
      merge_patch(t[k], v);
    }
  }
}

// Whether the top-level field `name` of `o` matches `want` (a scalar compared as text; an array
// matches when one of its elements does).
bool field_matches(const json::object& o, std::string_view name, std::string_view want) {
  auto it = o.find(name);
  if (it == o.end()) return false;
  auto scalar = [&](const json::value& v) {
    if (v.is_string()) return v.as_string() == want;
    if (v.is_object()) {
      auto id = v.as_object().find("id");
      return id != v.as_object().end() && id->value().is_string() &&
             id->value().as_string() == want;
    }
    return json::serialize(v) == want;
  };
  if (it->value().is_array()) {
    for (const auto& x : it->value().as_array())
      if (scalar(x)) return true;
    return false;
  }
  return scalar(it->value());
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != hay.end();
}

bool text_matches(const json::object& o, std::string_view q) {
  for (const char* key : {"id", "name", "description"}) {
    auto it = o.find(key);
    if (it != o.end() && it->value().is_string() && contains_ci(it->value().as_string(), q))
      return true;
  }
  return false;
}

// Lists JSON objects (already serialised) with filters and paging.
Response list_response(const Request& req, int64_t revision,
                       const std::vector<std::string_view>& bodies) {
  auto limit = int_param(req, "limit", 100, 1, 1000);
  if (!limit) return error_response(limit.error());
  auto offset = int_param(req, "offset", 0, 0, INT64_MAX);
  if (!offset) return error_response(offset.error());
  const std::string etag = revision_etag(revision);
  std::vector<std::pair<std::string, std::string>> filters;
  std::string q;
  for (const auto& [k, v] : req.query) {
    if (k == "limit" || k == "offset") continue;
    if (k == "q") {
      q = v;
    } else {
      filters.emplace_back(k, v);
    }
  }
  std::string items;
  int64_t total = 0;
  for (std::string_view body : bodies) {
    if (!filters.empty() || !q.empty()) {
      boost::system::error_code ec;
      json::value v = json::parse(body, ec);
      if (ec || !v.is_object()) continue;
      const auto& o = v.as_object();
      if (!q.empty() && !text_matches(o, q)) continue;
      bool ok = true;
      for (const auto& [k, want] : filters) ok = ok && field_matches(o, k, want);
      if (!ok) continue;
    }
    if (total >= *offset && total < *offset + *limit) {
      if (!items.empty()) items += ',';
      items += body;
    }
    ++total;
  }
  std::string out = fmt::format("{{\"revision\":{},\"total\":{},\"offset\":{},\"limit\":{},",
                                revision, total, *offset, *limit);
  if (*offset + *limit < total) {
    std::string next = req.path + "?";
    for (const auto& [k, v] : req.query) {
      if (k != "offset") next += k + "=" + v + "&";  // decoded values: ids and words only
    }
    out += "\"next\":" + json_quote(next + "offset=" + std::to_string(*offset + *limit)) + ",";
  }
  out += "\"items\":[" + items + "]}";
  Response r = json_response(200, std::move(out));
  r.set("ETag", etag);
  return r;
}

struct Routes {
  App& app;

  std::shared_ptr<const Snapshot> snap() const { return app.snapshot(); }

  Response list(const Context& ctx, EntityKind kind) const {
    auto s = snap();
    if (not_modified(ctx.request, revision_etag(s->revision())))
      return not_modified_response(revision_etag(s->revision()));
    std::vector<std::string_view> bodies;
    for (const auto& e : s->entities())
      if (e.kind == kind) bodies.push_back(e.body);
    return list_response(ctx.request, s->revision(), bodies);
  }

  Response not_found(EntityKind kind, std::string_view id) const {
    return error_response(404, "not_found", fmt::format("no {} '{}'", noun_of(kind), id));
  }

  Response get(const Context& ctx, EntityKind kind, std::string_view id) const {
    auto s = snap();
    auto pos = s->find(kind, id);
    if (!pos) return not_found(kind, id);
    const auto& e = s->entities()[*pos];
    const std::string etag = etag_of(e.body);
    if (not_modified(ctx.request, etag)) return not_modified_response(etag);
    return entity_response(200, e);
  }

  // After a successful commit: the entity as stored now.
  Response written(int status, EntityKind kind, const std::string& id,
                   const store::RevisionInfo& info) const {
    auto s = snap();
    auto pos = s->find(kind, id);
    if (!pos) return json_response(status, "{}");
    Response r = entity_response(status, s->entities()[*pos]);
    r.set("X-Ebcm-Revision", std::to_string(info.number));
    return r;
  }

  Response create(const Context& ctx, EntityKind kind) const {
    const auto& body = ctx.json_body();
    if (!body) return error_response(body.error());
    auto made = canonical_entity(kind, *body);
    if (auto* r = std::get_if<Response>(&made)) return std::move(*r);
    Entity entity = std::get<Entity>(std::move(made));
    const std::string id = entity.id;
    auto result = app.commit(
        ctx,
        [&](const Snapshot& s) -> std::variant<std::vector<Entity>, Response> {
          if (s.find(kind, id)) {
            return error_response(409, "exists",
                                  fmt::format("there is already a {} '{}'; PUT /api/v1/{}/{} "
                                              "changes it",
                                              noun_of(kind), id, collection_of(kind), id));
          }
          auto list = s.entities();
          list.insert(list.begin() + static_cast<ptrdiff_t>(insert_position(list, kind)), entity);
          return list;
        },
        change_message(ctx, fmt::format("add {} {}", noun_of(kind), id)),
        {fmt::format("{}_create", section_of(kind)), fmt::format("{}/{}", collection_of(kind), id),
         std::pair{kind, id}});
    if (auto* r = std::get_if<Response>(&result)) return std::move(*r);
    Response r = written(201, kind, id, std::get<store::RevisionInfo>(result));
    r.set("Location", fmt::format("/api/v1/{}/{}", collection_of(kind), id));
    return r;
  }

  // PUT (replace) and PATCH (merge patch) of an existing entity.
  Response update(const Context& ctx, EntityKind kind, std::string id, bool patch) const {
    const auto& body = ctx.json_body();
    if (!body) return error_response(body.error());
    auto result = app.commit(
        ctx,
        [&](const Snapshot& s) -> std::variant<std::vector<Entity>, Response> {
          auto pos = kind == EntityKind::kOrganization ? s.find(kind, "") : s.find(kind, id);
          if (!pos) return not_found(kind, id);
          const Entity& old = s.entities()[*pos];
          if (auto r = check_if_match(ctx.request, etag_of(old.body))) return std::move(*r);
          json::value next = *body;
          if (patch) {
            next = json::parse(old.body);
            merge_patch(next, *body);
          }
          if (kind != EntityKind::kOrganization && next.is_object()) {
            auto& o = next.as_object();
            auto it = o.find("id");
            if (it == o.end()) {
              o["id"] = id;
            } else if (!it->value().is_string() || it->value().as_string() != id) {
              return error_response(400, "invalid_input",
                                    fmt::format("the body's id must be '{}' as in the URL "
                                                "(renaming is not supported: create the new one "
                                                "and delete the old)",
                                                id));
            }
          }
          auto made = canonical_entity(kind, next);
          if (auto* r = std::get_if<Response>(&made)) return std::move(*r);
          auto list = s.entities();
          list[*pos] = std::get<Entity>(std::move(made));
          return list;
        },
        change_message(ctx, kind == EntityKind::kOrganization
                                ? std::string("update the organization")
                                : fmt::format("update {} {}", noun_of(kind), id)),
        {fmt::format("{}_update", section_of(kind)),
         kind == EntityKind::kOrganization ? "organization"
                                           : fmt::format("{}/{}", collection_of(kind), id),
         std::pair{kind, id}});
    if (auto* r = std::get_if<Response>(&result)) return std::move(*r);
    return written(200, kind, id, std::get<store::RevisionInfo>(result));
  }

  Response remove(const Context& ctx, EntityKind kind, std::string id) const {
    auto result =
        app.commit(ctx,
                   [&](const Snapshot& s) -> std::variant<std::vector<Entity>, Response> {
                     auto pos = s.find(kind, id);
                     if (!pos) return not_found(kind, id);
                     if (auto r = check_if_match(ctx.request, etag_of(s.entities()[*pos].body)))
                       return std::move(*r);
                     auto list = s.entities();
                     list.erase(list.begin() + static_cast<ptrdiff_t>(*pos));
                     return list;
                   },
                   change_message(ctx, fmt::format("delete {} {}", noun_of(kind), id)),
                   {fmt::format("{}_delete", section_of(kind)),
                    fmt::format("{}/{}", collection_of(kind), id), std::pair{kind, id}});
    if (auto* r = std::get_if<Response>(&result)) return std::move(*r);
    Response r;
    r.status = 204;
    r.set("X-Ebcm-Revision", std::to_string(std::get<store::RevisionInfo>(result).number));
    return r;
  }

  // --- features: a service's `features` array, addressed as their own resources ---

  static const json::object* feature_in(const json::value& service, std::string_view fid,
                                        size_t* index = nullptr) {
    const auto& o = service.as_object();
    auto it = o.find("features");
    if (it == o.end() || !it->value().is_array()) return nullptr;
    const auto& arr = it->value().as_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      const auto& f = arr[i].as_object();
      auto id = f.find("id");
      if (id != f.end() && id->value().is_string() && id->value().as_string() == fid) {
        if (index) *index = i;
        return &f;
      }
    }
    return nullptr;
  }

  Response list_features(const Context& ctx) const {
    auto s = snap();
    if (not_modified(ctx.request, revision_etag(s->revision())))
      return not_modified_response(revision_etag(s->revision()));
    std::vector<std::string> bodies;
    for (const auto& e : s->entities()) {
      if (e.kind != EntityKind::kService || e.body.find("\"features\"") == std::string::npos)
        continue;
      json::value v = json::parse(e.body);
      for (const auto& f : v.as_object()["features"].as_array()) {
        json::object o = f.as_object();
        o["service"] = e.id;
        o["ref"] = e.id + "/" + std::string(f.as_object().at("id").as_string());
        bodies.push_back(json::serialize(o));
      }
    }
    std::vector<std::string_view> views(bodies.begin(), bodies.end());
    return list_response(ctx.request, s->revision(), views);
  }

  Response get_feature(const Context& ctx) const {
    auto s = snap();
    const auto sid = ctx.param("service"), fid = ctx.param("feature");
    auto pos = s->find(EntityKind::kService, sid);
    if (!pos) return not_found(EntityKind::kService, sid);
    json::value v = json::parse(s->entities()[*pos].body);
    const auto* f = feature_in(v, fid);
    if (!f) {
      return error_response(404, "not_found",
                            fmt::format("service '{}' has no feature '{}'", sid, fid));
    }
    std::string body = json::serialize(*f);
    std::string etag = etag_of(body);
    if (not_modified(ctx.request, etag)) return not_modified_response(etag);
    Response r = json_response(200, std::move(body));
    r.set("ETag", etag);
    return r;
  }

  // PUT/PATCH/DELETE of a feature, and POST of a new one (fid empty): a change of its service.
  Response change_feature(const Context& ctx, const std::string& method) const {
    const std::string sid(ctx.param("service"));
    std::string fid(ctx.param("feature"));
    json::value body;
    if (method != "DELETE") {
      const auto& b = ctx.json_body();
      if (!b) return error_response(b.error());
      body = std::move(*b);
      if (!body.is_object())
        return error_response(400, "invalid_input", "expected a JSON object: the feature");
      if (method == "POST") {
        auto it = body.as_object().find("id");
        if (it == body.as_object().end() || !it->value().is_string())
          return error_response(400, "invalid_input", "the new feature needs an \"id\"");
        fid = std::string(it->value().as_string());
      }
    }
    auto result = app.commit(
        ctx,
        [&](const Snapshot& s) -> std::variant<std::vector<Entity>, Response> {
          auto pos = s.find(EntityKind::kService, sid);
          if (!pos) return not_found(EntityKind::kService, sid);
          json::value service = json::parse(s.entities()[*pos].body);
          size_t index = 0;
          const auto* f = feature_in(service, fid, &index);
          auto& o = service.as_object();
          if (method == "POST") {
            if (f) {
              return error_response(
                  409, "exists", fmt::format("service '{}' already has a feature '{}'", sid, fid));
            }
            if (!o.contains("features")) o["features"] = json::array();
            o["features"].as_array().push_back(body);
          } else {
            if (!f) {
              return error_response(404, "not_found",
                                    fmt::format("service '{}' has no feature '{}'", sid, fid));
            }
            if (auto r = check_if_match(ctx.request, etag_of(json::serialize(*f))))
              return std::move(*r);
            auto& arr = o["features"].as_array();
            if (method == "DELETE") {
              arr.erase(arr.begin() + static_cast<ptrdiff_t>(index));
              if (arr.empty()) o.erase("features");
            } else {
              json::value next = method == "PATCH" ? json::value(arr[index]) : body;
              if (method == "PATCH") merge_patch(next, body);
              if (next.is_object() && !next.as_object().contains("id"))
                next.as_object()["id"] = fid;
              arr[index] = next;
            }
          }
          auto made = canonical_entity(EntityKind::kService, service);
          if (auto* r = std::get_if<Response>(&made)) return std::move(*r);
          auto list = s.entities();
          list[*pos] = std::get<Entity>(std::move(made));
          return list;
        },
        change_message(ctx, fmt::format("{} feature {}/{}",
                                        method == "POST"     ? "add"
                                        : method == "DELETE" ? "delete"
                                                             : "update",
                                        sid, fid)),
        {method == "POST"     ? "feature_create"
         : method == "DELETE" ? "feature_delete"
                              : "feature_update",
         fmt::format("services/{}/features/{}", sid, fid), std::pair{EntityKind::kService, sid}});
    if (auto* r = std::get_if<Response>(&result)) return std::move(*r);
    if (method == "DELETE") {
      Response r;
      r.status = 204;
      return r;
    }
    auto s = snap();
    json::value v = json::parse(s->entities()[*s->find(EntityKind::kService, sid)].body);
    std::string out = json::serialize(*feature_in(v, fid));
    Response r = json_response(method == "POST" ? 201 : 200, out);
    r.set("ETag", etag_of(out));
    if (method == "POST")
      r.set("Location", fmt::format("/api/v1/services/{}/features/{}", sid, fid));
    return r;
  }

  // --- ownership, for the owner role ---

  // The `owner` of function `id` in the current model, "" when none or no such function.
  std::string function_owner(const Snapshot& s, std::string_view id) const {
    for (const auto& f : s.model().functions)
      if (f.id == id) return f.owner;
    return "";
  }

  // An owner may change a function whose owner is their person, and may not give it away.
  bool owns_function(const Context& ctx) const {
    auto s = snap();
    const std::string& me = ctx.who->person;
    if (me.empty() || function_owner(*s, ctx.param("id")) != me) return false;
    if (ctx.request.method == "DELETE") return false;  // removing a function is the coordinator's
    const auto& body = ctx.json_body();                // the value the handler will apply
    if (!body || !body->is_object()) return false;
    const auto* owner = body->as_object().if_contains("owner");
    if (!owner) return ctx.request.method == "PATCH";
    return owner->is_string() && owner->as_string() == me;
  }

  // An owner may add, change or delete the mitigations of the functions they own (the plan):
  // the mitigation's `for` must be such a function, before and after.
  bool owns_mitigation(const Context& ctx) const {
    auto s = snap();
    const std::string& me = ctx.who->person;
    if (me.empty()) return false;
    auto owned = [&](std::string_view for_) {
      return !for_.empty() && function_owner(*s, for_) == me;
    };
    if (ctx.request.method != "POST") {
      const model::Mitigation* cur = nullptr;
      for (const auto& m : s->model().mitigations)
        if (m.id == ctx.param("id")) cur = &m;
      if (!cur || !owned(cur->for_.target)) return false;
      if (ctx.request.method == "DELETE") return true;
    }
    const auto& body = ctx.json_body();  // the value the handler will apply
    if (!body || !body->is_object()) return false;
    const auto* for_ = body->as_object().if_contains("for");
    if (!for_) return ctx.request.method == "PATCH";
    return for_->is_string() && owned(for_->as_string());
  }
};

}  // namespace

void add_model_routes(App& app, Router& r) {
  auto routes = std::make_shared<Routes>(Routes{app});
  const EntityKind kinds[] = {EntityKind::kBusinessUnit, EntityKind::kLocation,
                              EntityKind::kPerson,       EntityKind::kService,
                              EntityKind::kFunction,     EntityKind::kMitigation,
                              EntityKind::kScenario};
  for (EntityKind kind : kinds) {
    const std::string base = std::string("/api/v1/") + collection_of(kind);
    const std::string item = base + "/{id}";
    const std::string noun = noun_of(kind);
    const bool owned = kind == EntityKind::kFunction || kind == EntityKind::kMitigation;
    const Access write = owned ? Access::kEditOwned : Access::kEditModel;
    std::function<bool(const Context&)> owns;
    if (kind == EntityKind::kFunction)
      owns = [routes](const Context& c) { return routes->owns_function(c); };
    if (kind == EntityKind::kMitigation)
      owns = [routes](const Context& c) { return routes->owns_mitigation(c); };

    r.add({"GET",
           base,
           Access::kRead,
           [routes, kind](Context& c) { return routes->list(c, kind); },
           {},
           "list " + std::string(collection_of(kind))});
    r.add({"POST", base, kind == EntityKind::kMitigation ? write : Access::kEditModel,
           [routes, kind](Context& c) { return routes->create(c, kind); },
           kind == EntityKind::kMitigation ? owns : nullptr, "add a " + noun});
    r.add({"GET",
           item,
           Access::kRead,
           [routes, kind](Context& c) { return routes->get(c, kind, c.param("id")); },
           {},
           "one " + noun});
    r.add({"PUT", item, write,
           [routes, kind](Context& c) {
             return routes->update(c, kind, std::string(c.param("id")), false);
           },
           owns, "replace a " + noun + " (If-Match)"});
    r.add({"PATCH", item, write,
           [routes, kind](Context& c) {
             return routes->update(c, kind, std::string(c.param("id")), true);
           },
           owns, "change fields of a " + noun + " (JSON merge patch, If-Match)"});
    r.add(
        {"DELETE", item, write,
         [routes, kind](Context& c) { return routes->remove(c, kind, std::string(c.param("id"))); },
         owns, "delete a " + noun + " (If-Match)"});
  }
  r.add({"GET",
         "/api/v1/organization",
         Access::kRead,
         [routes](Context& c) { return routes->get(c, EntityKind::kOrganization, ""); },
         {},
         "the organization"});
  r.add({"PUT",
         "/api/v1/organization",
         Access::kEditModel,
         [routes](Context& c) { return routes->update(c, EntityKind::kOrganization, "", false); },
         {},
         "replace the organization (If-Match)"});
  r.add({"PATCH",
         "/api/v1/organization",
         Access::kEditModel,
         [routes](Context& c) { return routes->update(c, EntityKind::kOrganization, "", true); },
         {},
         "change fields of the organization (If-Match)"});

  r.add({"GET",
         "/api/v1/features",
         Access::kRead,
         [routes](Context& c) { return routes->list_features(c); },
         {},
         "list the features of every service"});
  const std::string feature = "/api/v1/services/{service}/features/{feature}";
  r.add({"POST",
         "/api/v1/services/{service}/features",
         Access::kEditModel,
         [routes](Context& c) { return routes->change_feature(c, "POST"); },
         {},
         "add a feature to a service"});
  r.add({"GET",
         feature,
         Access::kRead,
         [routes](Context& c) { return routes->get_feature(c); },
         {},
         "one feature"});
  for (const char* m : {"PUT", "PATCH", "DELETE"}) {
    r.add({m,
           feature,
           Access::kEditModel,
           [routes, method = std::string(m)](Context& c) {
             return routes->change_feature(c, method);
           },
           {},
           std::string(m) == "DELETE" ? "delete a feature (If-Match)"
                                      : "change a feature (If-Match)"});
  }
}

}  // namespace ebcm::http
