#include "health/statuspage.hpp"

#include <algorithm>

#include "core/strings.hpp"
#include "health/feed_text.hpp"

namespace ebcm::health {
namespace json = boost::json;
namespace {

std::string item_path(const char* base, size_t i) {
  return std::string(base) + "[" + std::to_string(i) + "]";
}

// The incident_updates of an incident or maintenance, oldest first.
std::vector<Post> read_updates(JsonReader& r, const json::object& o, const std::string& path) {
  std::vector<Post> posts;
  const json::array* updates = r.array(o, "incident_updates", path);
  if (updates == nullptr) return posts;
  std::string upath = path + ".incident_updates";
  for (size_t i = 0; i < updates->size() && r.ok(); ++i) {
    const json::object* u = r.element(*updates, i, upath);
    if (u == nullptr) break;
    std::string at = upath + "[" + std::to_string(i) + "]";
    Post p;
    auto shown = r.time(*u, "display_at", at);
    p.created_ms = shown ? *shown : r.time(*u, "created_at", at).value_or(0);
    p.type = lower(r.text(*u, "status", at));
    p.text = r.text(*u, "body", at);
    posts.push_back(std::move(p));
  }
  // The feed lists the newest first; a stable sort keeps equal times in reverse feed order.
  std::reverse(posts.begin(), posts.end());
  std::stable_sort(posts.begin(), posts.end(),
                   [](const Post& a, const Post& b) { return a.created_ms < b.created_ms; });
  return posts;
}

// The ids (and names) of the components an incident or maintenance names.
void read_components(JsonReader& r, const json::object& o, const std::string& path,
                     std::vector<std::string>& ids, std::vector<std::string>& names) {
  const json::array* list = r.array(o, "components", path);
  if (list == nullptr) return;
  std::string cpath = path + ".components";
  for (size_t i = 0; i < list->size() && r.ok(); ++i) {
    const json::object* c = r.element(*list, i, cpath);
    if (c == nullptr) break;
    std::string at = cpath + "[" + std::to_string(i) + "]";
    ids.push_back(r.required(*c, "id", at));
    names.push_back(r.text(*c, "name", at));
  }
}

std::vector<ProviderIssue> read_incidents(JsonReader& r, const json::object& root) {
  std::vector<ProviderIssue> out;
  const json::value* v = root.if_contains("incidents");
  if (v == nullptr || !v->is_array()) {
    r.fail("", v == nullptr ? "no 'incidents'" : "'incidents' is not an array");
    return out;
  }
  const json::array& list = v->as_array();
  for (size_t i = 0; i < list.size() && r.ok(); ++i) {
    const json::object* o = r.element(list, i, "incidents");
    if (o == nullptr) break;
    std::string path = item_path("incidents", i);
    ProviderIssue issue;
    issue.kind = "incident";
    issue.id = r.required(*o, "id", path);
    issue.title = r.text(*o, "name", path);
    issue.status = lower(r.required(*o, "status", path));
    issue.impact = lower(r.text(*o, "impact", path));
    auto started = r.time(*o, "started_at", path);
    issue.start_ms = started ? *started : r.time(*o, "created_at", path).value_or(0);
    issue.end_ms = r.time(*o, "resolved_at", path);
    issue.last_modified_ms = r.time(*o, "updated_at", path).value_or(issue.start_ms);
    issue.resolved = issue.status == "resolved" || issue.status == "postmortem";
    std::vector<std::string> names;
    read_components(r, *o, path, issue.components, names);
    if (!issue.components.empty()) {
      issue.service_id = issue.components.front();
      issue.service = names.front();
    }
    issue.posts = read_updates(r, *o, path);
    if (!issue.posts.empty()) {
      issue.next_update_ms = parse_next_update(issue.posts.back().text);
      issue.impact_description = issue.posts.back().text;
    }
    if (issue.status == "postmortem") issue.review_published = true;
    out.push_back(std::move(issue));
  }
  return out;
}

std::string spoken_status(std::string_view status) {
  std::string s(status);
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

}  // namespace

Result<Reading> parse_summary(std::string_view body) {
  JsonReader r("summary");
  const json::object* root = r.parse(body);
  if (root == nullptr) return r.error();
  Reading out;
  out.full = true;

  const json::value* cv = root->if_contains("components");
  if (cv == nullptr || !cv->is_array()) {
    r.fail("", cv == nullptr ? "no 'components'" : "'components' is not an array");
    return r.error();
  }
  const json::array& components = cv->as_array();
  for (size_t i = 0; i < components.size() && r.ok(); ++i) {
    const json::object* o = r.element(components, i, "components");
    if (o == nullptr) break;
    std::string path = item_path("components", i);
    ServiceHealth s;
    s.id = r.required(*o, "id", path);
    s.name = r.text(*o, "name", path);
    s.status = lower(r.required(*o, "status", path));
    s.operational = s.status == "operational";
    if (!s.operational && r.ok()) {
      ProviderIssue issue;
      issue.kind = "component";
      issue.id = "component:" + s.id;
      issue.service = s.name;
      issue.service_id = s.id;
      issue.components = {s.id};
      issue.status = s.status;
      issue.title = s.name + ": " + spoken_status(s.status);
      issue.last_modified_ms = r.time(*o, "updated_at", path).value_or(0);
      issue.start_ms = issue.last_modified_ms;
      out.issues.push_back(std::move(issue));
    }
    out.services.push_back(std::move(s));
  }
  if (!r.ok()) return r.error();

  std::vector<ProviderIssue> incidents = read_incidents(r, *root);
  if (!r.ok()) return r.error();
  for (ProviderIssue& i : incidents) out.issues.push_back(std::move(i));

  if (const json::array* list = r.array(*root, "scheduled_maintenances", "")) {
    for (size_t i = 0; i < list->size() && r.ok(); ++i) {
      const json::object* o = r.element(*list, i, "scheduled_maintenances");
      if (o == nullptr) break;
      std::string path = item_path("scheduled_maintenances", i);
      PlannedChange c;
      c.id = r.required(*o, "id", path);
      c.title = r.text(*o, "name", path);
      c.category = "maintenance";
      c.severity = lower(r.text(*o, "impact", path));
      std::string status = lower(r.text(*o, "status", path));
      if (!status.empty()) c.tags.push_back(status);
      std::vector<std::string> ids;
      read_components(r, *o, path, ids, c.services);
      c.start_ms = r.time(*o, "scheduled_for", path).value_or(0);
      c.end_ms = r.time(*o, "scheduled_until", path);
      c.last_modified_ms = r.time(*o, "updated_at", path).value_or(0);
      std::vector<Post> updates = read_updates(r, *o, path);
      if (!updates.empty()) c.body = updates.back().text;
      out.changes.push_back(std::move(c));
    }
  }
  if (!r.ok()) return r.error();
  return out;
}

Result<std::vector<ProviderIssue>> parse_unresolved(std::string_view body) {
  JsonReader r("incidents");
  const json::object* root = r.parse(body);
  if (root == nullptr) return r.error();
  std::vector<ProviderIssue> out = read_incidents(r, *root);
  if (!r.ok()) return r.error();
  return out;
}

}  // namespace ebcm::health
