// Incidents on a real SQLite store: declared by hand, synced from provider readings, the live
// disruption and its impact, surviving a restart without re-announcing.
#include <gtest/gtest.h>

#include <thread>

#include "app/events.hpp"
#include "app/poller.hpp"
#include "app/review.hpp"
#include "app/service.hpp"
#include "health/sources.hpp"
#include "core/test_dir.hpp"
#include "model/load.hpp"

namespace ebcm::app {
namespace {

constexpr std::string_view kModel = R"(ebcm: 1
organization: { name: Test }
people:
  - { id: ann, name: Ann Andersson }
business_units: [ { id: it, name: IT } ]
services:
  - id: exo
    name: Exchange Online
    provider: microsoft365
    provider_service: Exchange
    features:
      - { id: smtp, name: SMTP, provider_feature: [ E-Mail timely delivery ] }
      - { id: owa, name: OWA }
  - { id: bridge, name: Phone bridge }
functions:
  - id: incident-mgmt
    name: Incident management
    owner: ann
    business_unit: it
    staff: { normal: 8, minimum: 2 }
    bia: { rto: 1h, mtpd: 4h }
    requires: [ exo/owa ]
  - { id: relay, name: Mail relay, requires: [ exo/smtp ], bia: { rto: 30m } }
mitigations:
  - { id: phones, for: incident-mgmt, replaces: exo/owa, with: [ bridge ], status: validated }
)";

Actor responder() { return {"rita", "10.0.0.2", store::Role::kResponder, ""}; }

health::ProviderIssue exchange_issue(std::string status = "serviceinterruption") {
  health::ProviderIssue i;
  i.id = "EX226792";
  i.kind = "issue";
  i.service = "Exchange Online";
  i.service_id = "Exchange";
  i.status = std::move(status);
  i.classification = "incident";
  i.title = "Users can't access Exchange Online";
  i.start_ms = 1'700'000'000'000 - 600'000;
  i.last_modified_ms = i.start_ms;
  i.posts.push_back({i.start_ms, "regular", "We're investigating."});
  return i;
}

health::Reading reading(std::vector<health::ProviderIssue> issues, bool full = true) {
  health::Reading r;
  r.services = {{"Exchange", "Exchange Online", "serviceinterruption", false}};
  r.issues = std::move(issues);
  r.full = full;
  r.cursor = "2023-11-14T22:00:00Z";
  return r;
}

class IncidentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = "sqlite:" + (dir_ / "m.db").string();
    open();
    auto loaded = model::load_text(kModel, model::Format::kYaml, "m.yaml");
    ASSERT_FALSE(loaded.diagnostics.has_errors());
    auto list = model::to_entities(loaded.model);
    auto first = service_->commit(
        responder(), [=](const Snapshot&) -> Result<std::vector<model::Entity>> { return list; },
        "import", {"model_import", "model", {}});
    ASSERT_TRUE(first) << first.error().message;
  }
  void open() {
    service_.reset();
    auto s = Service::open(url_, nullptr, nullptr, clock_);
    ASSERT_TRUE(s) << s.error().message;
    service_ = std::move(*s);
  }
  const LiveFunction* live_function(const LiveImpact& l, const std::string& id) {
    for (const auto& f : l.functions)
      if (f.id == id) return &f;
    return nullptr;
  }

  FakeClock clock_;
  TestDir dir_{"ebcm-incidents-test"};
  std::string url_;
  std::unique_ptr<Service> service_;
};

TEST_F(IncidentsTest, AProviderIncidentOpensOnceAndDrivesTheLiveImpact) {
  auto changes = service_->record_reading("microsoft365", reading({exchange_issue()}));
  ASSERT_TRUE(changes) << changes.error().message;
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].what, "opened");
  auto i = service_->incident("EX226792");
  ASSERT_TRUE(i);
  EXPECT_TRUE(i->active);
  EXPECT_EQ(i->source, "microsoft365");
  ASSERT_GE(i->timeline.size(), 2u);
  EXPECT_EQ(i->timeline.front().text, "We're investigating.");  // by time: the post came first
  EXPECT_EQ(i->timeline.back().kind, "opened");
  ASSERT_TRUE(i->next_update_ms);
  EXPECT_EQ(*i->next_update_ms, clock_.now_ms() + 3'600'000);

  const LiveImpact live = service_->live_impact();
  EXPECT_EQ(live.disruption.down, std::vector<std::string>{"exo"});
  const LiveFunction* im = live_function(live, "incident-mgmt");
  ASSERT_NE(im, nullptr);
  EXPECT_EQ(im->state, impact::State::kDegraded);  // the phone bridge carries it
  EXPECT_EQ(im->since_ms, exchange_issue().start_ms);
  EXPECT_EQ(im->owner_name, "Ann Andersson");
  EXPECT_EQ(im->staff, 8);
  EXPECT_FALSE(im->rto_breach_ms);  // degraded: no breach to come
  const LiveFunction* relay = live_function(live, "relay");
  ASSERT_NE(relay, nullptr);
  EXPECT_EQ(relay->state, impact::State::kDown);
  ASSERT_TRUE(relay->rto_breach_ms);
  EXPECT_EQ(*relay->rto_breach_ms, exchange_issue().start_ms + 30 * 60'000);
  ASSERT_EQ(live.incidents.size(), 1u);
  EXPECT_EQ(live.incidents[0].down, std::vector<std::string>{"relay"});
  const std::string json = live_impact_to_json(live);
  EXPECT_NE(json.find("\"mitigations_used\":[\"phones\"]"), std::string::npos) << json;

  // The same reading again changes nothing; after a restart neither.
  EXPECT_TRUE(service_->record_reading("microsoft365", reading({exchange_issue()}))->empty());
  open();
  EXPECT_TRUE(service_->record_reading("microsoft365", reading({exchange_issue()}))->empty());
  EXPECT_EQ(service_->incidents().size(), 1u);
}

TEST_F(IncidentsTest, ADegradationOfAClaimedFeatureDegradesOnlyThatFeature) {
  auto issue = exchange_issue("servicedegradation");
  issue.feature_group = "e-mail timely delivery";
  ASSERT_TRUE(service_->record_reading("microsoft365", reading({issue})));
  const LiveImpact live = service_->live_impact();
  EXPECT_TRUE(live.disruption.down.empty());
  EXPECT_EQ(live.disruption.degraded, std::vector<std::string>{"exo/smtp"});
  ASSERT_NE(live_function(live, "relay"), nullptr);
  EXPECT_EQ(live_function(live, "incident-mgmt"), nullptr);
}

TEST_F(IncidentsTest, AFailedReadKeepsTheLastKnownStateAndMarksItUnknown) {
  ASSERT_TRUE(service_->record_reading("microsoft365", reading({exchange_issue()})));
  clock_.advance(std::chrono::minutes(2));
  const int64_t failed_at = clock_.now_ms();
  ASSERT_TRUE(service_->record_reading(
      "microsoft365", Result<health::Reading>(make_error(ErrorCode::kUnavailable, "timed out"))));
  clock_.advance(std::chrono::minutes(1));
  ASSERT_TRUE(service_->record_reading(
      "microsoft365", Result<health::Reading>(make_error(ErrorCode::kUnavailable, "timed out"))));
  auto sources = service_->sources();
  ASSERT_EQ(sources.size(), 1u);
  EXPECT_EQ(sources[0].unknown_since_ms, failed_at);
  EXPECT_EQ(sources[0].failures, 2);
  EXPECT_EQ(service_->live_impact().disruption.down, std::vector<std::string>{"exo"});
  // Back: known again.
  ASSERT_TRUE(service_->record_reading("microsoft365", reading({exchange_issue()})));
  EXPECT_FALSE(service_->sources()[0].unknown_since_ms);
}

TEST_F(IncidentsTest, AResolvedOrVanishedIssueEndsItsIncident) {
  ASSERT_TRUE(service_->record_reading("microsoft365", reading({exchange_issue()})));
  auto done = exchange_issue("serviceRestored");
  done.status = "servicerestored";
  done.resolved = true;
  done.end_ms = clock_.now_ms();
  auto r = reading({done});
  r.services[0] = {"Exchange", "Exchange Online", "serviceoperational", true};
  auto changes = service_->record_reading("microsoft365", r);
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].what, "resolved");
  EXPECT_TRUE(service_->live_impact().disruption.empty());
  EXPECT_FALSE(service_->incident("EX226792")->active);

  // Another one that the next full reading no longer lists.
  auto other = exchange_issue();
  other.id = "EX2";
  ASSERT_TRUE(service_->record_reading("microsoft365", reading({other})));
  auto empty = reading({});
  empty.services[0].operational = true;
  auto gone = service_->record_reading("microsoft365", empty);
  ASSERT_EQ(gone->size(), 1u);
  EXPECT_EQ((*gone)[0].what, "resolved");
}

TEST_F(IncidentsTest, ADeclaredIncidentIsCheckedUpdatedAndResolved) {
  IncidentDeclaration bad;
  bad.title = "WAN";
  bad.disruption.down = {"wan"};
  auto refused = service_->declare_incident(responder(), bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  EXPECT_NE(refused.error().message.find("'wan'"), std::string::npos);
  IncidentDeclaration none;
  none.title = "Nothing";
  EXPECT_EQ(service_->declare_incident(responder(), none).error().code, ErrorCode::kInvalidInput);

  IncidentDeclaration d;
  d.title = "Phone bridge degraded";
  d.message = "Calls drop after 10 minutes";
  d.disruption.degraded = {"bridge"};
  auto made = service_->declare_incident(responder(), d);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(made->id, "INC-1");
  EXPECT_EQ(made->owner, "rita");
  EXPECT_EQ(service_->live_impact().disruption.degraded, std::vector<std::string>{"bridge"});
  EXPECT_EQ(service_->effective_status().disruption.degraded, std::vector<std::string>{"bridge"});
  EXPECT_EQ(service_->effective_status().message, "Phone bridge degraded");

  clock_.advance(std::chrono::minutes(61));
  EXPECT_TRUE(update_overdue(*service_->incident("INC-1"), clock_.now_ms()));
  IncidentUpdate u;
  u.message = "Vendor is on it";
  auto updated = service_->update_incident(responder(), "INC-1", u);
  ASSERT_TRUE(updated);
  EXPECT_FALSE(update_overdue(*updated, clock_.now_ms()));
  EXPECT_EQ(updated->timeline.back().text, "Vendor is on it");
  EXPECT_EQ(service_->update_incident(responder(), "INC-9", u).error().code, ErrorCode::kNotFound);

  auto resolved = service_->resolve_incident(responder(), "INC-1", "Fixed");
  ASSERT_TRUE(resolved);
  EXPECT_FALSE(resolved->active);
  EXPECT_EQ(service_->resolve_incident(responder(), "INC-1", "").error().code,
            ErrorCode::kConflict);
  EXPECT_TRUE(service_->live_impact().disruption.empty());
  // The next one gets the next number, also after a restart.
  open();
  EXPECT_EQ(service_->declare_incident(responder(), d)->id, "INC-2");
}

TEST_F(IncidentsTest, TheReviewHasTheSixSectionsPrefilledInEitherLanguage) {
  ASSERT_TRUE(service_->record_reading("microsoft365", reading({exchange_issue()})));
  IncidentUpdate u;
  u.message = "Switched the stand-up to the phone bridge";
  ASSERT_TRUE(service_->update_incident(responder(), "EX226792", u));
  clock_.advance(std::chrono::minutes(90));
  ASSERT_TRUE(service_->resolve_incident(responder(), "EX226792", "Exchange is back"));
  const auto i = *service_->incident("EX226792");
  const auto snap = service_->snapshot();
  const std::string en = review_markdown(*snap, i, service_->sources(), clock_.now_ms(),
                                         *catalog::language("en"));
  for (const char* s : {"# Post-incident review: EX226792", "## User impact", "## Scope of impact",
                        "## Start and end", "## Root cause", "## Actions taken", "## Next steps",
                        "## Action items", "## Timeline", "relay", "incident-mgmt",
                        "relay (RTO)", "phones", "Switched the stand-up", "Exchange is back"}) {
    EXPECT_NE(en.find(s), std::string::npos) << s << "\n" << en;
  }
  const std::string sv = review_markdown(*snap, i, service_->sources(), clock_.now_ms(),
                                         *catalog::language("sv"));
  EXPECT_NE(sv.find("## Grundorsak"), std::string::npos) << sv;
  // What people wrote wins over the prefill.
  IncidentUpdate r;
  r.review = Review{};
  r.review->root_cause = "An expired certificate";
  r.review->actions.push_back({"Monitor certificate expiry", "ann", 1'800'000'000'000, false});
  ASSERT_TRUE(service_->update_incident(responder(), "EX226792", r));
  const std::string again = review_markdown(*snap, *service_->incident("EX226792"),
                                            service_->sources(), clock_.now_ms(),
                                            *catalog::language("en"));
  EXPECT_NE(again.find("An expired certificate"), std::string::npos);
  EXPECT_NE(again.find("| Monitor certificate expiry | ann | 2027-01-15 | no |"), std::string::npos)
      << again;
}

std::vector<std::string> types(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

TEST_F(IncidentsTest, TheEventStreamAnnouncesOpenedChangedOverdueAndResolvedOnce) {
  EventHub hub(*service_, 100, /*start_thread=*/false);
  const int64_t start = hub.last_id();
  int wakes = 0;
  const uint64_t handle = hub.subscribe([&] { ++wakes; });

  ASSERT_TRUE(service_->record_reading("microsoft365", reading({exchange_issue()})));
  hub.evaluate();
  auto got = hub.since(start);
  ASSERT_FALSE(got.missed);
  EXPECT_EQ(types(got.events), (std::vector<std::string>{"incident.opened", "impact.changed"}));
  EXPECT_NE(got.events[0].data.find(R"("id":"EX226792")"), std::string::npos);
  EXPECT_NE(got.events[1].data.find(R"("id":"incident-mgmt","state":"degraded","was":"up")"),
            std::string::npos)
      << got.events[1].data;
  EXPECT_EQ(wakes, 2);
  EXPECT_EQ(got.events[1].id, got.events[0].id + 1);

  // Nothing new: nothing announced.
  const int64_t mark = hub.last_id();
  hub.evaluate();
  EXPECT_TRUE(hub.since(mark).events.empty());

  // The update falls due: announced once, however often the hub looks.
  clock_.advance(std::chrono::minutes(61));
  hub.evaluate();
  hub.evaluate();
  EXPECT_EQ(types(hub.since(mark).events), std::vector<std::string>{"update.overdue"});

  // A new post: changed. The feed no longer lists it: resolved, and the function is back up.
  auto next = exchange_issue();
  next.last_modified_ms += 60'000;
  next.posts.push_back({next.last_modified_ms, "regular", "A fix is deploying."});
  const int64_t mark2 = hub.last_id();
  ASSERT_TRUE(service_->record_reading("microsoft365", reading({next})));
  hub.evaluate();
  EXPECT_EQ(types(hub.since(mark2).events), std::vector<std::string>{"incident.changed"});
  const int64_t mark3 = hub.last_id();
  auto clear = reading({});
  clear.services[0].status = "serviceOperational";
  clear.services[0].operational = true;
  ASSERT_TRUE(service_->record_reading("microsoft365", clear));
  hub.evaluate();
  auto after = hub.since(mark3);
  EXPECT_EQ(types(after.events), (std::vector<std::string>{"incident.resolved", "impact.changed"}));
  EXPECT_NE(after.events[1].data.find(R"({"id":"incident-mgmt","state":"up","was":"degraded"})"),
            std::string::npos)
      << after.events[1].data;
  EXPECT_NE(after.events[1].data.find(R"("down":0,"degraded":0)"), std::string::npos);

  hub.unsubscribe(handle);
  const int before = wakes;
  IncidentDeclaration d;
  d.title = "Phone bridge degraded";
  d.disruption.degraded = {"bridge"};
  ASSERT_TRUE(service_->declare_incident(responder(), d));
  hub.evaluate();
  EXPECT_EQ(wakes, before);
}

TEST_F(IncidentsTest, TheEventStreamAnnouncesNothingAlreadyKnownAfterARestart) {
  ASSERT_TRUE(service_->record_reading("microsoft365", reading({exchange_issue()})));
  open();
  EventHub hub(*service_, 100, /*start_thread=*/false);
  const int64_t start = hub.last_id();
  hub.evaluate();
  EXPECT_TRUE(hub.since(start).events.empty());
}

TEST_F(IncidentsTest, TheEventStreamResumesOnlyFromIdsItStillKeeps) {
  EventHub hub(*service_, 2, /*start_thread=*/false);
  const int64_t start = hub.last_id();
  EXPECT_FALSE(hub.since(start).missed);
  EXPECT_TRUE(hub.since(start + 1).missed);  // not given out yet
  EXPECT_TRUE(hub.since(start - 5).missed);  // from before this process
  IncidentDeclaration d;
  d.title = "OWA down";
  d.disruption.down = {"exo/owa"};
  ASSERT_TRUE(service_->declare_incident(responder(), d));  // opened, impact
  hub.evaluate();
  ASSERT_TRUE(service_->resolve_incident(responder(), "INC-1", "Fixed"));  // resolved, impact
  hub.evaluate();
  // Only the last two are kept: the client that saw the first missed the second.
  EXPECT_TRUE(hub.since(start + 1).missed);
  auto tail = hub.since(start + 2);
  ASSERT_FALSE(tail.missed);
  EXPECT_EQ(types(tail.events), (std::vector<std::string>{"incident.resolved", "impact.changed"}));
  EXPECT_TRUE(hub.since(hub.last_id()).events.empty());
}

// Two instances on one database: only the lease holder reads a source; when it stops, the
// other takes over at once.
TEST_F(IncidentsTest, OnlyOneOfTwoInstancesPollsASourceAndTheOtherTakesOver) {
  auto other = Service::open(url_, nullptr, nullptr, clock_);
  ASSERT_TRUE(other) << other.error().message;
  auto source = [](health::FakeSource*& raw) {
    auto s = std::make_unique<health::FakeSource>("microsoft365");
    for (int i = 0; i < 200; ++i) s->push(reading({exchange_issue()}));
    raw = s.get();
    std::vector<std::unique_ptr<health::HealthSource>> v;
    v.push_back(std::move(s));
    return v;
  };
  health::FakeSource *a_reads, *b_reads, *c_reads;
  Poller a(*service_, source(a_reads), 20, "a");
  Poller b(**other, source(b_reads), 20, "b");
  a.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  b.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  b.stop();
  EXPECT_TRUE(b_reads->cursors().empty());  // stood by: a holds the lease
  a.stop();                                 // gives it up
  EXPECT_FALSE(a_reads->cursors().empty());
  Poller c(**other, source(c_reads), 20, "c");
  c.start();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  c.stop();
  EXPECT_FALSE(c_reads->cursors().empty());
}

}  // namespace
}  // namespace ebcm::app
