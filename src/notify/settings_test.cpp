// The notify: settings: every problem at once, with where and a hint; secrets never inline.
#include "notify/settings.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "core/test_dir.hpp"

namespace ebcm::notify {
namespace {

Result<Settings> parse(const std::string& text) {
  return parse_settings(YAML::Load(text)["notify"], "ebcm.yaml");
}

bool mentions(const Error& e, std::string_view path, std::string_view words) {
  for (const auto& d : e.details)
    if (d.path == path && d.message.find(words) != std::string::npos) return true;
  return false;
}

TEST(NotifySettingsTest, TheIssuesExampleIsReadInOrder) {
  auto s = parse(R"(notify:
  public_url: https://ebcm.contoso.example
  email:
    - { smtp: smtp://127.0.0.1:2525, from: continuity@contoso.example }
    - { smtp: smtps://smtp.backup.example:465, from: continuity@contoso.example, user: x, password_file: /etc/ebcm/smtp2 }
  sms:
    - { kind: twilio, base_url: https://api.twilio.com, account: AC123, token_file: /etc/ebcm/twilio, from: "+46100000000" }
  voice:
    - { kind: twilio, base_url: https://api.twilio.com, account: AC123, token_file: /etc/ebcm/twilio, from: "+46100000000" }
  webhook: { secret_file: /etc/ebcm/webhook-secret }
)");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->public_url, "https://ebcm.contoso.example");
  ASSERT_EQ(s->email.size(), 2u);
  EXPECT_EQ(s->email[0].smtp, "smtp://127.0.0.1:2525");
  EXPECT_EQ(s->email[0].tls, "try");
  EXPECT_EQ(s->email[1].user, "x");
  EXPECT_EQ(s->email[1].password_file, "/etc/ebcm/smtp2");
  EXPECT_EQ(s->sms.at(0).account, "AC123");
  EXPECT_EQ(s->voice.at(0).from, "+46100000000");
  EXPECT_EQ(s->webhook_secret_file, "/etc/ebcm/webhook-secret");
  EXPECT_TRUE(parse("other: 1\n").value().email.empty());  // no section: no channels
}

TEST(NotifySettingsTest, EveryProblemIsNamedWithItsPathAndNoSecretIsRepeated) {
  auto s = parse(R"(notify:
  email:
    - { smtp: http://mail.example, from: not-an-address, password: hunter2, tsl: required }
    - { smtp: smtp://mail.example, from: a@b.example, user: u }
    - { smtp: smtps://mail.example, from: a@b.example, tls: required, timeout: 1h }
  sms:
    - { kind: twillio, account: AC1, token: abc, from: "0701234567" }
  webhook: { secret_file: /a, secret_env: B }
)");
  ASSERT_FALSE(s);
  const Error& e = s.error();
  EXPECT_EQ(e.code, ErrorCode::kInvalidInput);
  EXPECT_TRUE(mentions(e, "notify.email[0].smtp", "must be smtp://")) << e.message;
  EXPECT_TRUE(mentions(e, "notify.email[0].from", "is not an email address"));
  EXPECT_TRUE(mentions(e, "notify.email[0].password", "never in the settings"));
  EXPECT_TRUE(mentions(e, "notify.email[0].tsl", "unknown setting 'tsl'"));
  EXPECT_TRUE(mentions(e, "notify.email[1]", "needs 'password_file' or 'password_env'"));
  EXPECT_TRUE(mentions(e, "notify.email[2].tls", "TLS from the first byte"));
  EXPECT_TRUE(mentions(e, "notify.email[2].timeout", "1s to 5m"));
  EXPECT_TRUE(mentions(e, "notify.sms[0].kind", "unknown kind 'twillio'"));
  EXPECT_TRUE(mentions(e, "notify.sms[0].token", "never in the settings"));
  EXPECT_TRUE(mentions(e, "notify.sms[0].from", "international form"));
  EXPECT_TRUE(mentions(e, "notify.webhook", "not both"));
  EXPECT_TRUE(mentions(e, "notify.public_url", "'public_url' is needed"));
  for (const auto& d : e.details) {
    EXPECT_GT(d.line, 0u) << d.path;
    EXPECT_EQ(d.message.find("hunter2"), std::string::npos);
    EXPECT_EQ(d.message.find("abc"), std::string::npos);
  }
  EXPECT_EQ(e.message.find("hunter2"), std::string::npos);
  // A suggestion for a misspelt key.
  for (const auto& d : e.details) {
    if (d.path == "notify.email[0].tsl") {
      EXPECT_EQ(d.hint, "did you mean 'tls'?");
    }
  }
}

TEST(NotifySettingsTest, PasswordsAreReadFromTheirFileOrVariableAndNamedWhenMissing) {
  TestDir dir("ebcm-notify-settings");
  const std::string file = (dir.path() / "smtp-secret").string();
  std::ofstream(file) << "s3cret\n";
  auto s = parse("notify:\n  public_url: https://e.example\n  email:\n"
                 "    - { smtp: smtp://127.0.0.1:25, from: a@b.example, user: u, password_file: " +
                 file + " }\n    - { smtp: smtp://127.0.0.1:26, from: a@b.example, user: u, "
                        "password_env: EBCM_TEST_SMTP_PASSWORD }\n");
  ASSERT_TRUE(s) << s.error().message;
  ::setenv("EBCM_TEST_SMTP_PASSWORD", "from-env", 1);
  auto p = email_providers(*s);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ((*p)[0].server.password, "s3cret");
  EXPECT_EQ((*p)[1].server.password, "from-env");
  ::unsetenv("EBCM_TEST_SMTP_PASSWORD");
  auto missing = email_providers(*s);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("EBCM_TEST_SMTP_PASSWORD is not set"), std::string::npos);
}

}  // namespace
}  // namespace ebcm::notify

namespace ebcm::notify {
namespace {

TEST(NotifySettingsTest, RatesAndTheClaimAreReadAndCheckedAndTheAddressLosesItsSlash) {
  auto s = parse("notify:\n  public_url: https://ebcm.example/\n  claim: 30s\n"
                 "  rate: { email: 50, sms: 2.5 }\n");
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->public_url, "https://ebcm.example");
  EXPECT_EQ(s->claim_s, 30);
  EXPECT_DOUBLE_EQ(s->rate_per_s.at(model::Channel::kEmail), 50);
  EXPECT_DOUBLE_EQ(s->rate_per_s.at(model::Channel::kSms), 2.5);
  EXPECT_EQ(s->rate_per_s.count(model::Channel::kVoice), 0u);
  auto bad = parse("notify:\n  public_url: https://e.example\n  claim: 2s\n"
                   "  rate: { email: fast, sms: 0, pager: 1 }\n");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(mentions(bad.error(), "notify.claim", "5s to 1h")) << bad.error().message;
  EXPECT_TRUE(mentions(bad.error(), "notify.rate.email", "messages per second"));
  EXPECT_TRUE(mentions(bad.error(), "notify.rate.sms", "above 0"));
  EXPECT_TRUE(mentions(bad.error(), "notify.rate.pager", "unknown setting 'pager'"));
}

}  // namespace
}  // namespace ebcm::notify
