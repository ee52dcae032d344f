// The HTTP transports against a scripted client: what Twilio and the webhooks are sent, and how
// each answer is read (delivered, down, refused for now, refused for good).
#include "notify/transport.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "net/fake_http_client.hpp"

namespace ebcm::notify {
namespace {

using Kind = net::SendOutcome::Kind;

// Each transport's client forwards to one scripted fake.
struct Forward final : net::HttpClient {
  explicit Forward(net::FakeHttpClient& f) : fake(f) {}
  Result<net::Response> send(const net::Request& r) override { return fake.send(r); }
  net::FakeHttpClient& fake;
};

HttpClientFactory to(net::FakeHttpClient& fake) {
  return [&fake] { return std::make_unique<Forward>(fake); };
}

Message sms() {
  Message m;
  m.key = "outbox/INC-1/r1/erik/sms";
  m.channel = model::Channel::kSms;
  m.address = "+46701740608";
  m.language = "sv";
  m.text = "INC-1 pågår: Exchange Online & Teams <nere>";
  return m;
}

TEST(PhoneTransportTest, AnSmsIsPostedToTwilioWithBasicAuthAndItsSidKept) {
  net::FakeHttpClient fake;
  fake.script("https://api.twilio.test/2010-04-01/Accounts/AC123/Messages.json", 201,
              R"({"sid": "SM0001", "status": "queued"})");
  PhoneTransport t(false, {{"https://api.twilio.test/", "AC123", "tok", "+46100000000", 5000}}, to(fake));
  const net::SendOutcome o = t.send(0, sms());
  EXPECT_EQ(o.kind, Kind::kDelivered) << o.detail;
  EXPECT_EQ(o.reference, "SM0001");
  ASSERT_EQ(fake.requests().size(), 1u);
  const net::Request& r = fake.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(net::header_value(r.headers, "Authorization"), "Basic QUMxMjM6dG9r");  // AC123:tok
  EXPECT_EQ(net::header_value(r.headers, "Idempotency-Key"), "outbox/INC-1/r1/erik/sms");
  EXPECT_NE(r.body.find("To=%2B46701740608"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("From=%2B46100000000"), std::string::npos);
  EXPECT_NE(r.body.find("Body=INC-1%20p%C3%A5g%C3%A5r"), std::string::npos) << r.body;
  EXPECT_EQ(t.provider_name(0), "twilio AC123 at api.twilio.test");
}

TEST(PhoneTransportTest, AnswersAreReadAsDownForNowOrForGood) {
  net::FakeHttpClient fake;
  PhoneTransport t(false, {{"https://a.test", "AC1", "t", "+1", 5000}}, to(fake));
  fake.script("https://a.test/", 503, R"({"code": 20503, "message": "Service unavailable"})");
  EXPECT_EQ(t.send(0, sms()).kind, Kind::kUnreachable);
  fake.script("https://a.test/", 429, R"({"code": 20429, "message": "Too many requests"})");
  EXPECT_EQ(t.send(0, sms()).kind, Kind::kTemporary);
  fake.script("https://a.test/", 400, R"({"code": 21211, "message": "The 'To' number is not valid"})");
  const net::SendOutcome o = t.send(0, sms());
  EXPECT_EQ(o.kind, Kind::kLasting);
  EXPECT_EQ(o.detail, "HTTP 400 code 21211: The 'To' number is not valid");
  fake.script("https://a.test/", make_error(ErrorCode::kUnavailable, "a.test: connection refused"));
  EXPECT_EQ(t.send(0, sms()).kind, Kind::kUnreachable);
  for (const auto& r : fake.requests()) EXPECT_EQ(r.body.find("t@"), std::string::npos);
}

TEST(PhoneTransportTest, ACallReadsTheTextInTheLanguageAndGathersOneKey) {
  Message m = sms();
  m.channel = model::Channel::kVoice;
  m.voice_action = "https://ebcm.test/api/v1/inbound/voice?token=a.b&x=1";
  const std::string x = voice_twiml(m);
  EXPECT_NE(x.find(R"(<Gather numDigits="1")"), std::string::npos) << x;
  EXPECT_NE(x.find(R"(action="https://ebcm.test/api/v1/inbound/voice?token=a.b&amp;x=1")"),
            std::string::npos) << x;
  EXPECT_NE(x.find(R"(<Say language="sv-SE">INC-1 pågår: Exchange Online &amp; Teams &lt;nere&gt;</Say>)"),
            std::string::npos) << x;
}

Message hook(std::string url) {
  Message m;
  m.key = "outbox/INC-1/r1/it/webhook";
  m.channel = model::Channel::kWebhook;
  m.address = std::move(url);
  m.language = "en";
  m.email.subject = "[INC-1] Exchange Online down";
  m.email.text = "Mailboxes unreachable";
  return m;
}

TEST(WebhookTransportTest, TeamsGetsAMessageCardSlackItsTextOthersASignedBody) {
  net::FakeHttpClient fake;
  FakeClock clock(1'800'000'000'000);
  fake.script("https://", 200, "1");
  WebhookTransport t("s3cret", to(fake), clock);
  ASSERT_EQ(t.send(0, hook("https://contoso.webhook.office.com/webhookb2/x")).kind, Kind::kDelivered);
  ASSERT_EQ(t.send(0, hook("https://hooks.slack.com/services/T/B/X")).kind, Kind::kDelivered);
  ASSERT_EQ(t.send(0, hook("https://ops.contoso.example/ebcm")).kind, Kind::kDelivered);
  const auto& r = fake.requests();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_NE(r[0].body.find(R"("@type":"MessageCard")"), std::string::npos) << r[0].body;
  EXPECT_NE(r[0].body.find(R"("title":"[INC-1] Exchange Online down")"), std::string::npos);
  EXPECT_FALSE(net::header_value(r[0].headers, "X-Ebcm-Signature"));
  EXPECT_EQ(r[1].body, R"({"text":"*[INC-1] Exchange Online down*\nMailboxes unreachable"})");
  // The generic one: signed over "<timestamp>.<body>", replay-safe with its timestamp and key.
  EXPECT_EQ(net::header_value(r[2].headers, "X-Ebcm-Timestamp"), "1800000000");
  EXPECT_EQ(net::header_value(r[2].headers, "X-Ebcm-Signature"),
            webhook_signature("s3cret", 1'800'000'000, r[2].body));
  EXPECT_NE(webhook_signature("s3cret", 1'800'000'001, r[2].body),
            webhook_signature("s3cret", 1'800'000'000, r[2].body));
  EXPECT_EQ(net::header_value(r[2].headers, "Idempotency-Key"), "outbox/INC-1/r1/it/webhook");
  // A look-alike host is not Teams.
  ASSERT_EQ(t.send(0, hook("https://webhook.office.com.evil.example/x")).kind, Kind::kDelivered);
  EXPECT_TRUE(net::header_value(fake.requests().back().headers, "X-Ebcm-Signature"));
}

TEST(WebhookTransportTest, WithoutASecretOnlyTeamsAndSlackGoOut) {
  net::FakeHttpClient fake;
  FakeClock clock;
  fake.script("https://", 200, "1");
  WebhookTransport t("", to(fake), clock);
  EXPECT_EQ(t.send(0, hook("https://hooks.slack.com/services/x")).kind, Kind::kDelivered);
  const net::SendOutcome o = t.send(0, hook("https://ops.contoso.example/ebcm"));
  EXPECT_EQ(o.kind, Kind::kLasting);
  EXPECT_NE(o.detail.find("no webhook secret"), std::string::npos);
  EXPECT_EQ(fake.requests().size(), 1u);
  fake.script("https://", 502, "bad gateway");
  EXPECT_EQ(t.send(0, hook("https://hooks.slack.com/services/x")).kind, Kind::kUnreachable);
}

}  // namespace
}  // namespace ebcm::notify
