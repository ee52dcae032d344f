#include "health/mapping.hpp"

#include <algorithm>
#include <map>

#include "core/strings.hpp"

namespace ebcm::health {
namespace {

bool names(const std::string& provider_service, const ServiceHealth& h) {
  return !provider_service.empty() &&
         (iequals(provider_service, h.id) || (!h.name.empty() && iequals(provider_service, h.name)));
}

class Mapper {
 public:
  Mapper(const model::Model& m, std::string_view provider,
         const std::vector<ServiceHealth>& services)
      : health_(services) {
    for (const auto& s : m.services) {
      if (!s.provider.empty() && iequals(s.provider, provider)) mine_.push_back(&s);
    }
  }

  // The model services a feed service (by id or display name) belongs to.
  std::vector<const model::Service*> services_of(const std::string& id,
                                                 const std::string& name) const {
    const ServiceHealth* h = nullptr;
    for (const auto& x : health_) {
      if ((!id.empty() && iequals(x.id, id)) || (!name.empty() && iequals(x.name, name))) {
        h = &x;
        break;
      }
    }
    std::vector<const model::Service*> out;
    for (const model::Service* s : mine_) {
      const bool match = h ? names(s->provider_service, *h)
                           : !s->provider_service.empty() &&
                                 ((!id.empty() && iequals(s->provider_service, id)) ||
                                  (!name.empty() && iequals(s->provider_service, name)));
      if (match) out.push_back(s);
    }
    return out;
  }

  bool named(const ServiceHealth& h) const {
    return std::any_of(mine_.begin(), mine_.end(),
                       [&](const model::Service* s) { return names(s->provider_service, h); });
  }

 private:
  const std::vector<ServiceHealth>& health_;
  std::vector<const model::Service*> mine_;
};

// The nodes one issue disrupts in one service.
void disrupted_nodes(const model::Service& s, const ProviderIssue& issue, bool degraded,
                     std::vector<NodeDisruption>& out) {
  bool any = false;
  for (const auto& f : s.features) {
    const bool claims = std::any_of(
        f.provider_feature.begin(), f.provider_feature.end(), [&](const std::string& n) {
          return (!issue.feature.empty() && iequals(n, issue.feature)) ||
                 (!issue.feature_group.empty() && iequals(n, issue.feature_group));
        });
    if (claims) {
      out.push_back({s.id + "/" + f.id, degraded});
      any = true;
    }
  }
  if (!any) out.push_back({s.id, degraded});
}

void add_unique(std::vector<std::string>& v, std::string x) {
  if (!x.empty() && std::find(v.begin(), v.end(), x) == v.end()) v.push_back(std::move(x));
}

}  // namespace

bool disrupts_down(const ProviderIssue& issue) {
  if (issue.kind == "component") return iequals(issue.status, "major_outage");
  return iequals(issue.status, "serviceinterruption") && iequals(issue.classification, "incident");
}

std::vector<NodeDisruption> ProviderEffect::nodes() const {
  std::map<std::string, bool> degraded;  // by ref: degraded unless some issue takes it down
  for (const auto& i : issues) {
    for (const auto& n : i.nodes) {
      auto [it, fresh] = degraded.emplace(n.ref, n.degraded);
      if (!fresh) it->second = it->second && n.degraded;
    }
  }
  std::vector<NodeDisruption> out;
  for (const auto& [ref, d] : degraded) out.push_back({ref, d});
  return out;
}

ProviderEffect map_provider(const model::Model& m, std::string_view provider,
                            const std::vector<ServiceHealth>& services,
                            const std::vector<ProviderIssue>& issues) {
  const Mapper map(m, provider, services);
  ProviderEffect out;
  std::vector<std::string> hit;  // model services some active issue maps to
  for (const auto& issue : issues) {
    if (issue.resolved) continue;
    IssueEffect e{issue.id, {}, {}};
    std::vector<const model::Service*> of;
    if (issue.kind == "incident") {  // Statuspage: the services of its components
      for (const auto& c : issue.components) {
        for (const model::Service* s : map.services_of(c, "")) {
          if (std::find(of.begin(), of.end(), s) == of.end()) of.push_back(s);
        }
      }
    } else {
      of = map.services_of(issue.service_id, issue.service);
      if (of.empty()) add_unique(out.unmapped, issue.service.empty() ? issue.service_id : issue.service);
    }
    const bool degraded = !disrupts_down(issue);
    for (const model::Service* s : of) {
      e.services.push_back(s->id);
      add_unique(hit, s->id);
      if (issue.kind != "incident") disrupted_nodes(*s, issue, degraded, e.nodes);
    }
    std::sort(e.services.begin(), e.services.end());
    out.issues.push_back(std::move(e));
  }
  for (const auto& h : services) {
    if (!map.named(h)) {
      add_unique(out.unmapped, h.name.empty() ? h.id : h.name);
      continue;
    }
    if (h.operational) continue;
    // Not operational, and no active issue of it maps anywhere: an advisory of that service.
    IssueEffect e{"service:" + h.id, {}, {}};
    for (const model::Service* s : map.services_of(h.id, h.name)) {
      if (std::find(hit.begin(), hit.end(), s->id) != hit.end()) continue;
      e.services.push_back(s->id);
      e.nodes.push_back({s->id, true});
    }
    if (!e.services.empty()) out.issues.push_back(std::move(e));
  }
  std::sort(out.unmapped.begin(), out.unmapped.end());
  return out;
}

}  // namespace ebcm::health
