#include "notify/outbox.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "store/backend.hpp"

namespace ebcm::notify {
namespace {

using namespace std::chrono_literals;
using Kind = net::SendOutcome::Kind;

struct OutboxTest : ::testing::Test {
  void SetUp() override {
    auto b = store::open_backend("sqlite::memory:");
    ASSERT_TRUE(b) << b.error().message;
    backend = std::move(*b);
  }
  LiveAccess access() {
    return [this](const std::function<void(store::Live&)>& fn) { fn(*backend.live); };
  }
  OutboxEntry entry(std::string person, model::Channel c, std::string address) {
    OutboxEntry e;
    e.incident = "INC-1";
    e.round = "r1";
    e.person = std::move(person);
    e.key = outbox_key(e.incident, e.round, e.person, model::to_string(c));
    e.message.channel = c;
    e.message.address = address;
    e.message.language = "en";
    e.message.text = "Exchange Online is down";
    e.message.email.to = address;
    e.message.email.subject = "INC-1";
    e.message.email.text = "Exchange Online is down";
    return e;
  }
  OutboxEntry get(const std::string& key) {
    auto v = backend.live->get(key);
    EXPECT_TRUE(v && *v);
    auto e = outbox_entry_from_json((*v)->json);
    EXPECT_TRUE(e);
    return *e;
  }
  store::Backend backend;
  FakeClock clock;
};

TEST_F(OutboxTest, ARoundIsQueuedOnceAndEachMessageDeliveredOnce) {
  std::vector<OutboxEntry> round{entry("erik", model::Channel::kEmail, "erik@contoso.example"),
                                 entry("erik", model::Channel::kSms, "+46701740608"),
                                 entry("anna", model::Channel::kEmail, "anna@contoso.example")};
  EXPECT_EQ(*queue_messages(*backend.live, round, clock.now_ms(), "test"), 3u);
  EXPECT_EQ(*queue_messages(*backend.live, round, clock.now_ms(), "test"), 0u) << "asked again";
  FakeTransport email, sms;
  Deliverer d(access(), Transports{&email, &sms, nullptr, nullptr}, clock, {});
  auto c = d.run_once();
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->claimed, 3u);
  EXPECT_EQ(c->delivered, 3u);
  ASSERT_EQ(email.sent().size(), 2u);
  ASSERT_EQ(sms.sent().size(), 1u);
  EXPECT_EQ(sms.sent()[0].second.key, round[1].key) << "the idempotency key goes along";
  const OutboxEntry e = get(round[0].key);
  EXPECT_EQ(e.state, "delivered");
  EXPECT_EQ(e.attempts, 1);
  EXPECT_EQ(e.provider_name, "fake 0");
  EXPECT_FALSE(e.message.email.message_id.empty());
  EXPECT_EQ(d.run_once()->claimed, 0u);
  EXPECT_EQ(*queue_messages(*backend.live, round, clock.now_ms(), "test"), 0u) << "after delivery";
  clock.advance(1h);
  EXPECT_EQ(d.run_once()->claimed, 0u);
  EXPECT_EQ(email.sent().size(), 2u);
  EXPECT_EQ(outbox_entries(*backend.live, "INC-1")->size(), 3u);
  EXPECT_TRUE(outbox_entries(*backend.live, "INC-10")->empty()) << "INC-1/ is not INC-10/";
}

TEST_F(OutboxTest, ADownProviderFailsOverAndWithAllDownEmailIsRetriedWhileSmsGoesOut) {
  FakeTransport email(2), sms;
  email.answer(0, {Kind::kUnreachable, 0, "connection refused"});
  Deliverer d(access(), Transports{&email, &sms, nullptr, nullptr}, clock, {});
  ASSERT_TRUE(queue_messages(*backend.live, {entry("erik", model::Channel::kEmail, "e@x.example")},
                             clock.now_ms(), "t"));
  ASSERT_EQ(d.run_once()->delivered, 1u);
  OutboxEntry e = get(outbox_key("INC-1", "r1", "erik", "email"));
  EXPECT_EQ(e.provider, 1u);
  EXPECT_EQ(e.provider_name, "fake 1");
  EXPECT_NE(e.answer.find("before: fake 0: connection refused"), std::string::npos) << e.answer;
  // Both down: email waits for a retry, SMS goes out at once.
  email.answer(1, {Kind::kUnreachable, 0, "connection refused"});
  ASSERT_TRUE(queue_messages(*backend.live,
                             {entry("anna", model::Channel::kEmail, "a@x.example"),
                              entry("anna", model::Channel::kSms, "+46701740607")},
                             clock.now_ms(), "t"));
  auto c = d.run_once();
  EXPECT_EQ(c->delivered, 1u);
  EXPECT_EQ(c->retrying, 1u);
  e = get(outbox_key("INC-1", "r1", "anna", "email"));
  EXPECT_EQ(e.state, "retrying");
  ASSERT_TRUE(e.next_attempt_ms);
  EXPECT_EQ(*e.next_attempt_ms, clock.now_ms() + 30'000);
  EXPECT_EQ(get(outbox_key("INC-1", "r1", "anna", "sms")).state, "delivered");
  // Not before its time; then the first provider is back and takes it.
  clock.advance(29s);
  EXPECT_EQ(d.run_once()->claimed, 0u);
  email.answer(0, {Kind::kDelivered, 250, "ok"});
  clock.advance(1s);
  EXPECT_EQ(d.run_once()->delivered, 1u);
  e = get(outbox_key("INC-1", "r1", "anna", "email"));
  EXPECT_EQ(e.state, "delivered");
  EXPECT_EQ(e.provider, 0u);
  EXPECT_EQ(e.attempts, 2);
}

TEST_F(OutboxTest, ATemporaryRefusalWaitsAtTheSameProviderALastingOneEverywhereFails) {
  FakeTransport email(2);
  email.answer(1, {Kind::kTemporary, 451, "try later"});
  email.answer(0, {Kind::kLasting, 550, "no such user"});
  Deliverer d(access(), Transports{&email, nullptr, nullptr, nullptr}, clock, {});
  ASSERT_TRUE(queue_messages(*backend.live, {entry("erik", model::Channel::kEmail, "e@x.example"),
                                             entry("erik", model::Channel::kSms, "+4670")},
                             clock.now_ms(), "t"));
  auto c = d.run_once();
  EXPECT_EQ(c->retrying, 1u);
  EXPECT_EQ(c->failed, 1u) << "no SMS provider";
  EXPECT_NE(get(outbox_key("INC-1", "r1", "erik", "sms")).answer.find("no sms provider"),
            std::string::npos);
  OutboxEntry e = get(outbox_key("INC-1", "r1", "erik", "email"));
  EXPECT_EQ(e.provider, 1u) << "retried where it was refused for now";
  email.answer(1, {Kind::kLasting, 550, "relay denied"});
  clock.advance(1min);
  ASSERT_TRUE(d.run_once());
  EXPECT_EQ(email.sent().size(), 3u) << "only provider 1 the second time";
  e = get(outbox_key("INC-1", "r1", "erik", "email"));
  EXPECT_EQ(e.state, "retrying") << "the first provider was not tried this time";
  clock.advance(2min);
  ASSERT_TRUE(d.run_once());
  EXPECT_EQ(get(outbox_key("INC-1", "r1", "erik", "email")).state, "failed");
}

TEST_F(OutboxTest, AnInterruptedSendIsSentAgainWithTheSameIdentity) {
  ASSERT_TRUE(queue_messages(*backend.live, {entry("erik", model::Channel::kEmail, "e@x.example")},
                             clock.now_ms(), "t"));
  const std::string key = outbox_key("INC-1", "r1", "erik", "email");
  const std::string id = get(key).message.email.message_id;
  // A worker claims it, marks it sending and dies.
  auto items = backend.live->claim(kNotifyQueue, "dead", clock.now_ms(), 1000, 10);
  ASSERT_EQ(items->size(), 1u);
  OutboxEntry e = get(key);
  e.state = "sending";
  ASSERT_TRUE(backend.live->put(key, to_json(e), clock.now_ms(), "dead", std::nullopt, std::nullopt));
  FakeTransport email;
  Deliverer d(access(), Transports{&email, nullptr, nullptr, nullptr}, clock, {});
  EXPECT_EQ(d.run_once()->claimed, 0u) << "the dead worker's claim still holds";
  clock.advance(1s);
  EXPECT_EQ(d.run_once()->delivered, 1u);
  ASSERT_EQ(email.sent().size(), 1u);
  EXPECT_EQ(email.sent()[0].second.email.message_id, id);
  EXPECT_EQ(get(key).state, "delivered");
}

TEST_F(OutboxTest, RateLimitsSpaceTheSends) {
  std::vector<OutboxEntry> many;
  for (int i = 0; i < 5; ++i) many.push_back(entry("p" + std::to_string(i), model::Channel::kSms, "+1"));
  ASSERT_TRUE(queue_messages(*backend.live, many, clock.now_ms(), "t"));
  FakeTransport sms;
  DeliveryOptions o;
  o.rate_per_s[model::Channel::kSms] = 50;  // one per 20 ms
  Deliverer d(access(), Transports{nullptr, &sms, nullptr, nullptr}, clock, o);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(d.run_once()->delivered, 5u);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 75ms) << "4 gaps of 20 ms at least";
}

// ---- escalation ----

EngagedTree tree() {
  EngagedTree t;
  t.id = "it-major";
  t.name = "IT major incident";
  t.levels = {{{"erik"}, Duration{10}}, {{"johan"}, Duration{15}}, {{"anna"}, Duration{15}}};
  return t;
}

struct EscalationTest : OutboxTest {
  ComposeLevel compose() {
    return [this](const Escalation& e, const std::vector<std::string>& people,
                  const std::string& round) -> Result<std::vector<OutboxEntry>> {
      if (resolved) return make_error(ErrorCode::kNotFound, "resolved");
      std::vector<OutboxEntry> out;
      for (const auto& p : people) {
        OutboxEntry x = entry(p, model::Channel::kSms, "+46");
        x.round = round;
        x.tree = e.tree;
        x.key = outbox_key(e.incident, round, p, "sms");
        out.push_back(x);
      }
      told.push_back(round + ":" + (people.empty() ? "" : people[0]));
      return out;
    };
  }
  std::vector<std::string> told;
  bool resolved = false;
};

TEST_F(EscalationTest, AnUnacknowledgedLevelEscalatesAtItsTimeoutAndAnAcknowledgementStopsIt) {
  EXPECT_EQ(*start_escalations(*backend.live, "INC-1", {tree()}, clock.now_ms(), "t"), 1u);
  EXPECT_EQ(*start_escalations(*backend.live, "INC-1", {tree()}, clock.now_ms(), "t"), 0u);
  Escalator x(access(), compose(), clock, "w");
  clock.advance(9min + 59s);
  EXPECT_EQ(*x.run_once(), 0u);
  clock.advance(1s);
  EXPECT_EQ(*x.run_once(), 1u);
  EXPECT_EQ(told, (std::vector<std::string>{"it-major.1:johan"}));
  EXPECT_EQ(x.lateness_ms(), (std::vector<int64_t>{0}));
  // The level's SMS is in the outbox, keyed by the escalation step.
  EXPECT_TRUE(backend.live->get(outbox_key("INC-1", "it-major.1", "johan", "sms"))->has_value());
  // Erik (level 1) is not level 2 but was told: his acknowledgement stops the tree.
  auto stopped = acknowledge_trees(*backend.live, "INC-1", "erik", clock.now_ms(), "erik");
  ASSERT_TRUE(stopped);
  EXPECT_EQ(*stopped, (std::vector<std::string>{"it-major"}));
  clock.advance(1h);
  EXPECT_EQ(*x.run_once(), 0u);
  auto es = escalations(*backend.live, "INC-1");
  ASSERT_EQ(es->size(), 1u);
  EXPECT_EQ((*es)[0].state, "stopped");
  EXPECT_EQ((*es)[0].acknowledged_by, "erik");
  EXPECT_EQ(told.size(), 1u);
  // Someone no level named stops nothing.
  EXPECT_TRUE(acknowledge_trees(*backend.live, "INC-1", "maria", clock.now_ms(), "m")->empty());
}

TEST_F(EscalationTest, DeadlinesFollowOneAnotherWithoutDriftAndARepeatRunsTheTreeAgain) {
  EngagedTree t = tree();
  t.repeat = 1;
  const int64_t t0 = clock.now_ms();
  ASSERT_TRUE(start_escalations(*backend.live, "INC-1", {t}, t0, "t"));
  Escalator x(access(), compose(), clock, "w");
  clock.advance(12min);  // late by 2 min: the next deadline still counts from 10 min
  EXPECT_EQ(*x.run_once(), 1u);
  auto es = escalations(*backend.live, "INC-1");
  EXPECT_EQ((*es)[0].due_ms, t0 + 25 * 60'000);
  for (int i = 0; i < 10; ++i) {
    clock.advance(15min);
    ASSERT_TRUE(x.run_once());
  }
  EXPECT_EQ(told, (std::vector<std::string>{"it-major.1:johan", "it-major.2:anna", "it-major.3:erik",
                                            "it-major.4:johan", "it-major.5:anna"}));
  es = escalations(*backend.live, "INC-1");
  EXPECT_EQ((*es)[0].state, "exhausted");
}

TEST_F(EscalationTest, AResolvedIncidentEndsItsEscalation) {
  ASSERT_TRUE(start_escalations(*backend.live, "INC-1", {tree()}, clock.now_ms(), "t"));
  Escalator x(access(), compose(), clock, "w");
  resolved = true;
  clock.advance(10min);
  EXPECT_EQ(*x.run_once(), 0u);
  EXPECT_EQ((*escalations(*backend.live, "INC-1"))[0].state, "ended");
  EngagedTree one;
  one.id = "single";
  one.levels = {{{"erik"}, Duration{10}}};
  EXPECT_EQ(*start_escalations(*backend.live, "INC-2", {one}, clock.now_ms(), "t"), 0u)
      << "a single level without repeat has nothing to escalate to";
}

}  // namespace
}  // namespace ebcm::notify
