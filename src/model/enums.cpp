#include <array>
#include <string_view>
#include <utility>

#include "model/entities.hpp"
#include "model/model.hpp"

namespace ebcm::model {

namespace {

template <class E, size_t N>
const char* name_of(const std::array<std::pair<E, const char*>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "?";
}

template <class E, size_t N>
std::optional<E> parse_with(const std::array<std::pair<E, const char*>, N>& table,
                            std::string_view text) {
  for (const auto& [e, name] : table) {
    if (text == name) return e;
  }
  return std::nullopt;
}

constexpr std::array<std::pair<ServiceKind, const char*>, 7> kServiceKinds{{
    {ServiceKind::kCloud, "cloud"},
    {ServiceKind::kSaas, "saas"},
    {ServiceKind::kOnPrem, "on-prem"},
    {ServiceKind::kNetwork, "network"},
    {ServiceKind::kFacility, "facility"},
    {ServiceKind::kVendor, "vendor"},
    {ServiceKind::kDevice, "device"},
}};
constexpr std::array<std::pair<LocationKind, const char*>, 4> kLocationKinds{{
    {LocationKind::kOffice, "office"},
    {LocationKind::kDatacenter, "datacenter"},
    {LocationKind::kRemote, "remote"},
    {LocationKind::kRegion, "region"},
}};
constexpr std::array<std::pair<Channel, const char*>, 4> kChannels{{
    {Channel::kEmail, "email"},
    {Channel::kSms, "sms"},
    {Channel::kVoice, "voice"},
    {Channel::kWebhook, "webhook"},
}};
constexpr std::array<std::pair<MitigationStatus, const char*>, 3> kStatuses{{
    {MitigationStatus::kPlanned, "planned"},
    {MitigationStatus::kImplemented, "implemented"},
    {MitigationStatus::kValidated, "validated"},
}};
constexpr std::array<std::pair<Criticality, const char*>, 4> kCriticalities{{
    {Criticality::kCritical, "critical"},
    {Criticality::kHigh, "high"},
    {Criticality::kMedium, "medium"},
    {Criticality::kLow, "low"},
}};
constexpr std::array<std::pair<Category, const char*>, 3> kCategories{{
    {Category::kPeople, "people"},
    {Category::kLocation, "location"},
    {Category::kSystems, "systems"},
}};

}  // namespace

const char* to_string(ServiceKind v) { return name_of(kServiceKinds, v); }
const char* to_string(LocationKind v) { return name_of(kLocationKinds, v); }
const char* to_string(Channel v) { return name_of(kChannels, v); }
const char* to_string(MitigationStatus v) { return name_of(kStatuses, v); }
const char* to_string(Criticality v) { return name_of(kCriticalities, v); }
const char* to_string(Category v) { return name_of(kCategories, v); }

std::optional<ServiceKind> parse_service_kind(std::string_view t) {
  return parse_with(kServiceKinds, t);
}
std::optional<LocationKind> parse_location_kind(std::string_view t) {
  return parse_with(kLocationKinds, t);
}
std::optional<Channel> parse_channel(std::string_view t) { return parse_with(kChannels, t); }
std::optional<MitigationStatus> parse_mitigation_status(std::string_view t) {
  return parse_with(kStatuses, t);
}
std::optional<Criticality> parse_criticality(std::string_view t) {
  return parse_with(kCriticalities, t);
}
std::optional<Category> parse_category(std::string_view t) { return parse_with(kCategories, t); }

}  // namespace ebcm::model
