// The continuity model (shared/MODEL.md, format v1) as plain C++ values.
//
// Contract: a Model is what a file says, after syntax checks (types, ids, durations) but before
// semantic checks (references, duplicates, cycles): validate() does those. Positions (Pos,
// Origin) are kept only for diagnostics and compare equal whatever they hold, so `==` on any
// model type means "the same model", which is what a round trip must preserve.
// Enumerations keep the spelling of the file; to_string()/parse_*() convert.
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.hpp"

namespace ebcm::model {

// 1-based line and column; 0 when unknown (JSON input: found again from the path on demand).
struct Pos {
  uint32_t line = 0;
  uint32_t col = 0;
  friend bool operator==(const Pos&, const Pos&) { return true; }
};

// Where an entity was written: the file (index into Model::sources), its index in that file's
// list for its section, and its position.
struct Origin {
  uint32_t file = 0;
  uint32_t index = 0;
  Pos pos;
  friend bool operator==(const Origin&, const Origin&) { return true; }
};

struct Ref {
  std::string target;  // "id" or "service/feature"
  Pos pos;
  bool operator==(const Ref&) const = default;
};

// One entry of `requires`: a reference, or any/all of nested entries.
struct Requirement {
  enum class Kind : uint8_t { kRef, kAny, kAll };
  Kind kind = Kind::kRef;
  std::string ref;                 // kRef
  std::vector<Requirement> items;  // kAny, kAll
  Pos pos;
  bool operator==(const Requirement&) const = default;
};

enum class ServiceKind : uint8_t { kCloud, kSaas, kOnPrem, kNetwork, kFacility, kVendor, kDevice };
enum class LocationKind : uint8_t { kOffice, kDatacenter, kRemote, kRegion };
enum class Channel : uint8_t { kEmail, kSms, kVoice, kWebhook };
enum class MitigationStatus : uint8_t { kPlanned, kImplemented, kValidated };
enum class Criticality : uint8_t { kCritical, kHigh, kMedium, kLow };  // ebcm extension
enum class Category : uint8_t { kPeople, kLocation, kSystems };

const char* to_string(ServiceKind);
const char* to_string(LocationKind);
const char* to_string(Channel);
const char* to_string(MitigationStatus);
const char* to_string(Criticality);
const char* to_string(Category);
std::optional<ServiceKind> parse_service_kind(std::string_view);
std::optional<LocationKind> parse_location_kind(std::string_view);
std::optional<Channel> parse_channel(std::string_view);
std::optional<MitigationStatus> parse_mitigation_status(std::string_view);
std::optional<Criticality> parse_criticality(std::string_view);
std::optional<Category> parse_category(std::string_view);

struct Organization {
  std::string name;
  std::string language = "en";
  std::string timezone = "UTC";
  bool operator==(const Organization&) const = default;
};

struct BusinessUnit {
  std::string id, name, parent, description;
  std::map<std::string, std::string> names;  // by language code: {sv: "..."} (ebcm extension)
  Origin origin;
  bool operator==(const BusinessUnit&) const = default;
};

struct Feature {
  std::string id, name, description;
  std::map<std::string, std::string> names;  // by language code: {sv: "..."} (ebcm extension)
  std::vector<Requirement> requires_;
  std::vector<Ref> degraded_by;
  // The provider's feature or feature-group names that mean this feature (Graph issues carry
  // `feature` and `featureGroup`); compared case-insensitively.
  std::vector<std::string> provider_feature;
  Origin origin;
  bool operator==(const Feature&) const = default;
};

struct Service {
  std::string id, name, description;
  std::map<std::string, std::string> names;  // by language code: {sv: "..."} (ebcm extension)
  ServiceKind kind = ServiceKind::kCloud;
  std::string provider, provider_service;
  std::vector<Feature> features;
  std::vector<Requirement> requires_;
  std::vector<Ref> degraded_by;
  Origin origin;
  bool operator==(const Service&) const = default;
};

struct Location {
  std::string id, name, description;
  std::map<std::string, std::string> names;  // by language code: {sv: "..."} (ebcm extension)
  LocationKind kind = LocationKind::kOffice;
  std::vector<Requirement> requires_;
  std::vector<Ref> degraded_by;
  Origin origin;
  bool operator==(const Location&) const = default;
};

struct Contact {
  Channel channel = Channel::kEmail;
  std::string address;
  Pos pos;
  bool operator==(const Contact&) const = default;
};

struct Person {
  std::string id, name, business_unit, location, language;
  std::vector<Contact> contacts;
  Origin origin;
  bool operator==(const Person&) const = default;
};

struct Staff {
  int64_t normal = 0;
  int64_t minimum = 0;
  bool operator==(const Staff&) const = default;
};

struct ImpactPoint {
  Duration at;
  int level = 0;  // 0 (none) .. 5 (severe)
  bool operator==(const ImpactPoint&) const = default;
};

struct ImpactCategory {
  std::string name;                 // operational, financial, regulatory, reputational, safety, ...
  std::vector<ImpactPoint> points;  // in the order written
  bool operator==(const ImpactCategory&) const = default;
};

struct Bia {
  std::optional<Duration> rto, rpo, mtpd;
  std::vector<ImpactCategory> impacts;
  Pos pos;
  bool operator==(const Bia&) const = default;
};

struct Function {
  std::string id, name, description;
  std::map<std::string, std::string> names;  // by language code: {sv: "..."} (ebcm extension)
  std::string parent, business_unit, owner;  // "" when absent
  std::optional<Criticality> criticality;
  std::optional<Staff> staff;
  std::optional<Bia> bia;
  std::vector<Requirement> requires_;
  std::vector<Ref> degraded_by;
  std::string call_tree;  // the call tree that engages responders when it is not up; ""
  Origin origin;
  bool operator==(const Function&) const = default;
};

struct Mitigation {
  std::string id;
  Ref for_, replaces;
  std::vector<Ref> with;
  std::optional<Duration> activation;
  MitigationStatus status = MitigationStatus::kPlanned;
  std::string owner, description, runbook;
  Origin origin;
  bool operator==(const Mitigation&) const = default;
};

struct Disruption {
  enum class Kind : uint8_t { kNode, kWorkforce };
  Kind kind = Kind::kNode;
  std::string node;                     // kNode
  bool degraded = false;                // kNode: `state: degraded` (at best degraded, not down)
  int percent = 0;                      // kWorkforce
  std::string location, business_unit;  // kWorkforce, optional scope
  Pos pos;
  bool operator==(const Disruption&) const = default;
};

struct Scenario {
  std::string id, name, description;
  std::map<std::string, std::string> names;  // by language code: {sv: "..."} (ebcm extension)
  std::vector<Category> categories;
  std::vector<Disruption> disrupt;
  std::optional<Duration> duration;
  Origin origin;
  bool operator==(const Scenario&) const = default;
};

// Who a call-tree level engages: a person, or everyone of a business unit (and its sub-units),
// or everyone whose location it is.
struct CallTarget {
  enum class Kind : uint8_t { kPerson, kBusinessUnit, kLocation };
  Kind kind = Kind::kPerson;
  std::string id;
  Pos pos;
  bool operator==(const CallTarget&) const = default;
};

inline constexpr Duration kDefaultAckTimeout{15};  // a level's ack_timeout when not written

struct CallLevel {
  std::vector<CallTarget> targets;
  std::optional<Duration> ack_timeout;  // until the next level starts (kDefaultAckTimeout)
  Pos pos;
  bool operator==(const CallLevel&) const = default;
};

struct CallTree {
  std::string id, name, description;
  std::map<std::string, std::string> names;  // by language code: {sv: "..."} (ebcm extension)
  int64_t repeat = 0;  // times the whole tree runs again after its last level
  std::vector<CallLevel> levels;
  Origin origin;
  bool operator==(const CallTree&) const = default;
};

struct Model {
  int version = 1;
  Organization organization;
  std::vector<BusinessUnit> business_units;
  std::vector<Location> locations;
  std::vector<Person> people;
  std::vector<Service> services;
  std::vector<Function> functions;
  std::vector<Mitigation> mitigations;
  std::vector<Scenario> scenarios;
  std::vector<CallTree> call_trees;

  // The files the model was read from (Origin::file indexes this); not part of the model.
  std::vector<std::string> sources;

  bool operator==(const Model& o) const {
    return version == o.version && organization == o.organization &&
           business_units == o.business_units && locations == o.locations && people == o.people &&
           services == o.services && functions == o.functions && mitigations == o.mitigations &&
           scenarios == o.scenarios && call_trees == o.call_trees;
  }
};

}  // namespace ebcm::model
