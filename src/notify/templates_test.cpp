// Message templates: the built-in ones load, render in each language, escape HTML, leave out
// lines with nothing to say; an administrator's directory replaces them and is checked.
#include "notify/templates.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/test_dir.hpp"

namespace ebcm::notify {
namespace {

Values values() {
  Values v;
  v.text = {{"incident_id", "EX900001"},
            {"incident_title", "Exchange Online <down>"},
            {"state", "active"},
            {"recipient_name", "Erik Johansson"},
            {"why", "responder for incident management"},
            {"status_url", "https://ebcm.contoso.example/status"},
            {"organization", "Contoso"},
            {"ack", "reply 1234"}};
  v.lists = {{"functions", {"Incident management", "On-call paging"}},
             {"backups", {"sms +46701740601", "voice +46701740601"}}};
  return v;
}

TEST(TemplatesTest, TheBuiltInTemplatesRenderInEnglishAndSwedish) {
  auto t = Templates::load();
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->languages(), (std::vector<std::string>{"en", "sv"}));
  const std::string en = t->render("en", "email.txt", values());
  EXPECT_NE(en.find("Why you are told: responder for incident management"), std::string::npos) << en;
  EXPECT_NE(en.find("- Incident management\n- On-call paging"), std::string::npos);
  EXPECT_NE(en.find("- sms +46701740601"), std::string::npos);
  EXPECT_EQ(en.find("Incident bridge"), std::string::npos);  // no bridge: the line is left out
  EXPECT_EQ(en.find("Next update by"), std::string::npos);
  const std::string sv = t->render("sv", "email.txt", values());
  EXPECT_NE(sv.find("Därför får du detta"), std::string::npos) << sv;
  EXPECT_EQ(t->render("de", "sms.txt", values()), t->render("en", "sms.txt", values()));
  const std::string sms = t->render("en", "sms.txt", values());
  EXPECT_EQ(sms.find('\n'), std::string::npos);
  EXPECT_NE(sms.find("EX900001 active: Exchange Online <down>"), std::string::npos) << sms;
  EXPECT_EQ(t->render("en", "email.subject", values()), "[EX900001] Exchange Online <down> — active");
}

TEST(TemplatesTest, HtmlValuesAreEscaped) {
  auto t = Templates::load();
  ASSERT_TRUE(t);
  const std::string html = t->render("en", "email.html", values());
  EXPECT_NE(html.find("Exchange Online &lt;down&gt;"), std::string::npos) << html;
  EXPECT_EQ(html.find("<down>"), std::string::npos);
  EXPECT_NE(html.find("<ul><li>Incident management</li><li>On-call paging</li></ul>"),
            std::string::npos);
}

TEST(TemplatesTest, AnAdministratorsDirectoryReplacesAndIsChecked) {
  TestDir dir("ebcm-templates");
  std::filesystem::create_directories(dir.path() / "en");
  std::ofstream(dir.path() / "en" / "sms.txt") << "ALERT {{incident_id}}: {{incident_title}}\n";
  auto t = Templates::load(dir.path().string());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->render("en", "sms.txt", values()), "ALERT EX900001: Exchange Online <down>");

  std::ofstream(dir.path() / "en" / "sms.txt") << "ALERT {{incident_idd}}\nand {{why\n";
  std::ofstream(dir.path() / "en" / "pager.txt") << "x\n";
  std::filesystem::create_directories(dir.path() / "fi");
  std::ofstream(dir.path() / "fi" / "sms.txt") << "{{incident_id}}\n";
  auto bad = Templates::load(dir.path().string());
  ASSERT_FALSE(bad);
  auto has = [&](std::string_view words, uint32_t line = 0) {
    for (const auto& d : bad.error().details)
      if (d.message.find(words) != std::string::npos && (!line || d.line == line)) return true;
    return false;
  };
  EXPECT_TRUE(has("unknown placeholder '{{incident_idd}}'", 1)) << bad.error().message;
  EXPECT_TRUE(has("'{{' without '}}'", 2));
  EXPECT_TRUE(has("no template is called 'pager.txt'"));
  EXPECT_TRUE(has("language 'fi' has no email.txt template"));
  for (const auto& d : bad.error().details)
    if (d.message.find("{{incident_idd}}") != std::string::npos) {
      EXPECT_EQ(d.hint, "did you mean '{{incident_id}}'?");
    }
}

}  // namespace
}  // namespace ebcm::notify
