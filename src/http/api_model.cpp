// The model's entities over HTTP: list (filter, page), get, create, replace, merge-patch and
// delete, for every collection and for the features of a service. Each write is one revision,
// guarded by the entity's ETag (If-Match); the whole model is validated before anything is
// written.
#include <fmt/format.h>

#include <algorithm>

#include "http/api_util.hpp"
#include "http/app.hpp"
#include "app/ownership.hpp"
#include "model/edit.hpp"
#include "model/load.hpp"

namespace ebcm::http {
namespace {

using model::Entity;
using model::EntityKind;

std::string section_of(EntityKind kind) { return model::info(kind).section; }

std::string change_message(const Context& ctx, std::string fallback) {
  auto m = ctx.request.header("X-Ebcm-Message");
  return m && !m->empty() ? std::string(*m) : std::move(fallback);
}

// 428 without If-Match: asked before the edit runs.
std::optional<Response> require_if_match(const Request& req) {
  if (req.header("If-Match")) return std::nullopt;
  return error_response(428, "precondition_required",
                        "send If-Match with the ETag you read, so a change made meanwhile is "
                        "not overwritten");
}

// Inside the edit: kStale when If-Match is not `current` (then *etag = current, for the answer's
// ETag header).
Result<void> if_match(const Request& req, const std::string& current, std::string* etag) {
  auto im = req.header("If-Match");
  if (!im || *im == "*" || *im == current) return {};
  *etag = current;
  return make_error(ErrorCode::kStale, "the entity changed since you read it (its ETag is now " +
                                           current + "); read it again and reapply your change");
}

// The answer to a failed commit: the error's, with the current ETag when it was stale.
Response failed(Response r, const std::string& stale_etag) {
  if (r.status == 412 && !stale_etag.empty()) r.set("ETag", stale_etag);
  return r;
}

Response entity_response(int status, const Entity& e) {
  Response r = json_response(status, e.body);
  r.set("ETag", etag_of(e.body));
  return r;
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

  static Error not_found(EntityKind kind, std::string_view id) {
    return make_error(ErrorCode::kNotFound, fmt::format("no {} '{}'", noun_of(kind), id));
  }

  Response get(const Context& ctx, EntityKind kind, std::string_view id) const {
    auto s = snap();
    auto pos = s->find(kind, id);
    if (!pos) return error_response(not_found(kind, id));
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
    auto made = model::canonical_entity(kind, *body);
    if (!made) return error_response(made.error());
    Entity entity = std::move(*made);
    const std::string id = entity.id;
    auto result = app.commit(
        ctx,
        [&](const Snapshot& s) -> Result<std::vector<Entity>> {
          if (s.find(kind, id)) {
            return make_error(ErrorCode::kExists,
                              fmt::format("there is already a {} '{}'; PUT /api/v1/{}/{} "
                                          "changes it",
                                          noun_of(kind), id, collection_of(kind), id));
          }
          auto list = s.entities();
          list.insert(list.begin() + static_cast<ptrdiff_t>(model::insert_position(list, kind)),
                      entity);
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
    if (auto r = require_if_match(ctx.request)) return std::move(*r);
    std::string stale;
    auto result = app.commit(
        ctx,
        [&](const Snapshot& s) -> Result<std::vector<Entity>> {
          auto pos = kind == EntityKind::kOrganization ? s.find(kind, "") : s.find(kind, id);
          if (!pos) return not_found(kind, id);
          const Entity& old = s.entities()[*pos];
          if (auto r = if_match(ctx.request, etag_of(old.body), &stale); !r) return r.error();
          json::value next = *body;
          if (patch) {
            next = json::parse(old.body);
            model::merge_patch(next, *body);
          }
          if (kind != EntityKind::kOrganization && next.is_object()) {
            auto& o = next.as_object();
            auto it = o.find("id");
            if (it == o.end()) {
              o["id"] = id;
            } else if (!it->value().is_string() || it->value().as_string() != id) {
              return make_error(ErrorCode::kInvalidInput,
                                fmt::format("the body's id must be '{}' as in the URL "
                                            "(renaming is not supported: create the new one "
                                            "and delete the old)",
                                            id));
            }
          }
          auto made = model::canonical_entity(kind, next);
          if (!made) return made.error();
          auto list = s.entities();
          list[*pos] = std::move(*made);
          return list;
        },
        change_message(ctx, kind == EntityKind::kOrganization
                                ? std::string("update the organization")
                                : fmt::format("update {} {}", noun_of(kind), id)),
        {fmt::format("{}_update", section_of(kind)),
         kind == EntityKind::kOrganization ? "organization"
                                           : fmt::format("{}/{}", collection_of(kind), id),
         std::pair{kind, id}});
    if (auto* r = std::get_if<Response>(&result)) return failed(std::move(*r), stale);
    return written(200, kind, id, std::get<store::RevisionInfo>(result));
  }

  Response remove(const Context& ctx, EntityKind kind, std::string id) const {
    if (auto r = require_if_match(ctx.request)) return std::move(*r);
    std::string stale;
    auto result = app.commit(
        ctx,
        [&](const Snapshot& s) -> Result<std::vector<Entity>> {
          auto pos = s.find(kind, id);
          if (!pos) return not_found(kind, id);
          if (auto r = if_match(ctx.request, etag_of(s.entities()[*pos].body), &stale); !r)
            return r.error();
          auto list = s.entities();
          list.erase(list.begin() + static_cast<ptrdiff_t>(*pos));
          return list;
        },
        change_message(ctx, fmt::format("delete {} {}", noun_of(kind), id)),
        {fmt::format("{}_delete", section_of(kind)), fmt::format("{}/{}", collection_of(kind), id),
         std::pair{kind, id}});
    if (auto* r = std::get_if<Response>(&result)) return failed(std::move(*r), stale);
    Response r;
    r.status = 204;
    r.set("X-Ebcm-Revision", std::to_string(std::get<store::RevisionInfo>(result).number));
    return r;
  }

  // --- features: a service's `features` array, addressed as their own resources ---

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
    if (!pos) return error_response(not_found(EntityKind::kService, sid));
    json::value v = json::parse(s->entities()[*pos].body);
    const auto* f = model::find_feature(v, fid);
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
    if (method != "POST") {
      if (auto r = require_if_match(ctx.request)) return std::move(*r);
    }
    const model::FeatureEdit edit = method == "POST"     ? model::FeatureEdit::kAdd
                                    : method == "DELETE" ? model::FeatureEdit::kDelete
                                    : method == "PATCH"  ? model::FeatureEdit::kPatch
                                                         : model::FeatureEdit::kReplace;
    std::string stale;
    auto result = app.commit(
        ctx,
        [&](const Snapshot& s) -> Result<std::vector<Entity>> {
          auto pos = s.find(EntityKind::kService, sid);
          if (!pos) return not_found(EntityKind::kService, sid);
          json::value service = json::parse(s.entities()[*pos].body);
          if (edit != model::FeatureEdit::kAdd) {
            if (const auto* f = model::find_feature(service, fid)) {
              if (auto r = if_match(ctx.request, etag_of(json::serialize(*f)), &stale); !r)
                return r.error();
            }
          }
          if (auto r = model::change_feature(service, sid, edit, fid, body); !r) return r.error();
          auto made = model::canonical_entity(EntityKind::kService, service);
          if (!made) return made.error();
          auto list = s.entities();
          list[*pos] = std::move(*made);
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
    if (auto* r = std::get_if<Response>(&result)) return failed(std::move(*r), stale);
    if (method == "DELETE") {
      Response r;
      r.status = 204;
      return r;
    }
    auto s = snap();
    json::value v = json::parse(s->entities()[*s->find(EntityKind::kService, sid)].body);
    std::string out = json::serialize(*model::find_feature(v, fid));
    Response r = json_response(method == "POST" ? 201 : 200, out);
    r.set("ETag", etag_of(out));
    if (method == "POST")
      r.set("Location", fmt::format("/api/v1/services/{}/features/{}", sid, fid));
    return r;
  }

  // --- ownership, for the owner role (app/ownership.hpp) ---

  static app::EditKind edit_kind(const Request& req) {
    if (req.method == "POST") return app::EditKind::kCreate;
    if (req.method == "DELETE") return app::EditKind::kDelete;
    return req.method == "PATCH" ? app::EditKind::kPatch : app::EditKind::kReplace;
  }
  static const json::value* body_of(const Context& ctx) {
    if (ctx.request.method == "DELETE") return nullptr;
    const auto& body = ctx.json_body();  // the value the handler will apply
    return body ? &*body : nullptr;
  }
  bool owns_function(const Context& ctx) const {
    return app::owner_may_edit_function(snap()->model(), ctx.who->person, ctx.param("id"),
                                        edit_kind(ctx.request), body_of(ctx));
  }
  bool owns_mitigation(const Context& ctx) const {
    return app::owner_may_edit_mitigation(snap()->model(), ctx.who->person, ctx.param("id"),
                                          edit_kind(ctx.request), body_of(ctx));
  }
};

}  // namespace

void add_model_routes(App& app, Router& r) {
  auto routes = std::make_shared<Routes>(Routes{app});
  const EntityKind kinds[] = {EntityKind::kBusinessUnit, EntityKind::kLocation,
                              EntityKind::kPerson,       EntityKind::kService,
                              EntityKind::kFunction,     EntityKind::kMitigation,
                              EntityKind::kScenario,     EntityKind::kCallTree};
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
