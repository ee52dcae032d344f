#include "health/graph.hpp"

#include <algorithm>
#include <array>

#include "core/strings.hpp"
#include "health/feed_text.hpp"

namespace ebcm::health {
namespace json = boost::json;

bool graph_status_resolved(std::string_view status) {
  static constexpr std::array<std::string_view, 6> kResolved{
      "serviceoperational", "servicerestored",  "postincidentreviewpublished",
      "resolved",           "resolvedexternal", "falsepositive"};
  for (std::string_view s : kResolved) {
    if (iequals(status, s)) return true;
  }
  return false;
}

void assign_service_ids(std::vector<ProviderIssue>& issues,
                        const std::vector<ServiceHealth>& services) {
  for (ProviderIssue& issue : issues) {
    if (!issue.service_id.empty()) continue;
    for (const ServiceHealth& s : services) {
      if (iequals(s.name, issue.service)) {
        issue.service_id = s.id;
        break;
      }
    }
  }
}

namespace {

std::string item_path(const std::string& base, size_t i) {
  return base + "[" + std::to_string(i) + "]";
}

// The description/body {contentType, content} as plain text; also the raw content (for URLs).
std::string item_body(JsonReader& r, const json::object& o, std::string_view key,
                      const std::string& path, std::string* raw) {
  const json::object* d = r.object(o, key, path);
  if (d == nullptr) return "";
  std::string sub = path + "." + std::string(key);
  std::string type = r.text(*d, "contentType", sub);
  std::string content = r.text(*d, "content", sub);
  if (raw != nullptr) *raw = content;
  return iequals(type, "text") ? content : html_to_text(content);
}

// Reads one serviceHealthIssue; `has_posts` says whether the payload carried a posts array.
ProviderIssue read_issue(JsonReader& r, const json::object& o, const std::string& path,
                         bool& has_posts) {
  ProviderIssue issue;
  issue.kind = "issue";
  issue.id = r.required(o, "id", path);
  issue.status = lower(r.required(o, "status", path));
  issue.classification = lower(r.text(o, "classification", path));
  issue.service = r.text(o, "service", path);
  issue.feature = r.text(o, "feature", path);
  issue.feature_group = r.text(o, "featureGroup", path);
  issue.title = r.text(o, "title", path);
  issue.impact_description = r.text(o, "impactDescription", path);
  issue.start_ms = r.time(o, "startDateTime", path).value_or(0);
  issue.end_ms = r.time(o, "endDateTime", path);
  issue.last_modified_ms = r.time(o, "lastModifiedDateTime", path).value_or(0);
  issue.resolved = r.boolean(o, "isResolved", path) || graph_status_resolved(issue.status);
  issue.review_published = issue.status == "postincidentreviewpublished";

  const json::array* posts = r.array(o, "posts", path);
  has_posts = posts != nullptr;
  std::vector<std::string> raws;
  if (posts != nullptr) {
    std::string ppath = path.empty() ? "posts" : path + ".posts";
    for (size_t i = 0; i < posts->size() && r.ok(); ++i) {
      const json::object* p = r.element(*posts, i, ppath);
      if (p == nullptr) break;
      std::string at = item_path(ppath, i);
      Post post;
      post.created_ms = r.time(*p, "createdDateTime", at).value_or(0);
      post.type = lower(r.text(*p, "postType", at));
      std::string raw;
      post.text = item_body(r, *p, "description", at, &raw);
      issue.posts.push_back(std::move(post));
      raws.push_back(std::move(raw));
    }
  }
  // Oldest first; the feed's own order breaks ties.
  std::vector<size_t> order(issue.posts.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return issue.posts[a].created_ms < issue.posts[b].created_ms;
  });
  std::vector<Post> sorted;
  sorted.reserve(order.size());
  for (size_t i : order) sorted.push_back(std::move(issue.posts[i]));
  issue.posts = std::move(sorted);
  if (!issue.posts.empty()) issue.next_update_ms = parse_next_update(issue.posts.back().text);
  for (const std::string& raw : raws) {
    if (issue.review_url.empty()) issue.review_url = find_review_url(raw);
  }
  return issue;
}

std::string next_link(JsonReader& r, const json::object& root) {
  return r.text(root, "@odata.nextLink", "");
}

const json::array* values(JsonReader& r, const json::object& root) {
  const json::value* v = root.if_contains("value");
  if (v == nullptr || !v->is_array()) {
    r.fail("", v == nullptr ? "no 'value'" : "'value' is not an array");
    return nullptr;
  }
  return &v->as_array();
}

void read_issue_list(JsonReader& r, const json::array& list, const std::string& path,
                     GraphIssues& out) {
  for (size_t i = 0; i < list.size() && r.ok(); ++i) {
    const json::object* o = r.element(list, i, path);
    if (o == nullptr) break;
    bool has_posts = false;
    out.issues.push_back(read_issue(r, *o, item_path(path, i), has_posts));
    if (!has_posts) out.without_posts.push_back(out.issues.size() - 1);
  }
}

}  // namespace

Result<GraphOverviews> parse_health_overviews(std::string_view body) {
  JsonReader r("healthOverviews");
  const json::object* root = r.parse(body);
  if (root == nullptr) return r.error();
  GraphOverviews out;
  out.next_link = next_link(r, *root);
  const json::array* list = values(r, *root);
  for (size_t i = 0; list != nullptr && i < list->size() && r.ok(); ++i) {
    const json::object* o = r.element(*list, i, "value");
    if (o == nullptr) break;
    std::string path = item_path("value", i);
    ServiceHealth s;
    s.id = r.required(*o, "id", path);
    s.name = r.text(*o, "service", path);
    s.status = lower(r.required(*o, "status", path));
    s.operational = graph_status_resolved(s.status);
    size_t first = out.issues.issues.size();
    if (const json::array* issues = r.array(*o, "issues", path)) {
      read_issue_list(r, *issues, path + ".issues", out.issues);
    }
    // An issue listed under an overview belongs to it when the display names agree; the
    // names of other overviews are matched below.
    for (size_t k = first; k < out.issues.issues.size(); ++k) {
      ProviderIssue& issue = out.issues.issues[k];
      if (iequals(issue.service, s.name) || issue.service.empty()) issue.service_id = s.id;
      if (issue.service.empty()) issue.service = s.name;
    }
    out.services.push_back(std::move(s));
  }
  if (!r.ok()) return r.error();
  assign_service_ids(out.issues.issues, out.services);
  return out;
}

Result<GraphIssues> parse_issues(std::string_view body) {
  JsonReader r("issues");
  const json::object* root = r.parse(body);
  if (root == nullptr) return r.error();
  GraphIssues out;
  out.next_link = next_link(r, *root);
  if (const json::array* list = values(r, *root)) read_issue_list(r, *list, "value", out);
  if (!r.ok()) return r.error();
  return out;
}

Result<ProviderIssue> parse_issue(std::string_view body) {
  JsonReader r("issue");
  const json::object* root = r.parse(body);
  if (root == nullptr) return r.error();
  bool has_posts = false;
  ProviderIssue issue = read_issue(r, *root, "", has_posts);
  if (!r.ok()) return r.error();
  return issue;
}

Result<GraphMessages> parse_messages(std::string_view body) {
  JsonReader r("messages");
  const json::object* root = r.parse(body);
  if (root == nullptr) return r.error();
  GraphMessages out;
  out.next_link = next_link(r, *root);
  const json::array* list = values(r, *root);
  for (size_t i = 0; list != nullptr && i < list->size() && r.ok(); ++i) {
    const json::object* o = r.element(*list, i, "value");
    if (o == nullptr) break;
    std::string path = item_path("value", i);
    PlannedChange c;
    c.id = r.required(*o, "id", path);
    c.title = r.text(*o, "title", path);
    c.category = lower(r.text(*o, "category", path));
    c.severity = lower(r.text(*o, "severity", path));
    c.services = r.strings(*o, "services", path);
    c.tags = r.strings(*o, "tags", path);
    c.major_change = r.boolean(*o, "isMajorChange", path);
    c.start_ms = r.time(*o, "startDateTime", path).value_or(0);
    c.end_ms = r.time(*o, "endDateTime", path);
    c.action_required_ms = r.time(*o, "actionRequiredByDateTime", path);
    c.last_modified_ms = r.time(*o, "lastModifiedDateTime", path).value_or(0);
    c.body = item_body(r, *o, "body", path, nullptr);
    out.changes.push_back(std::move(c));
  }
  if (!r.ok()) return r.error();
  return out;
}

}  // namespace ebcm::health
