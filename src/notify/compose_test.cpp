// Each recipient's messages: their language, why they are told, their other contacts as backups.
#include "notify/compose.hpp"

#include <gtest/gtest.h>

#include "impact/compiled_graph.hpp"
#include "impact/engine.hpp"
#include "impact/query.hpp"
#include "model/load.hpp"

namespace ebcm::notify {
namespace {

constexpr std::string_view kModel = R"(ebcm: 1
organization: { name: Contoso, language: en, timezone: Europe/Stockholm }
business_units: [ { id: it-ops, name: IT Operations } ]
people:
  - id: erik
    name: Erik Johansson
    business_unit: it-ops
    language: sv
    contacts: [ { channel: email, address: erik@x.example }, { channel: sms, address: "+46701740601" }, { channel: voice, address: "+46701740602" } ]
  - { id: johan, name: Johan Berg, business_unit: it-ops, contacts: [ { channel: email, address: johan@x.example }, { channel: sms, address: "+46701740603" } ] }
services: [ { id: exo, name: Exchange Online } ]
functions:
  - { id: incident-mgmt, name: Incident management, names: { sv: Incidenthantering }, business_unit: it-ops, requires: [ exo ], call_tree: it-major }
call_trees:
  - { id: it-major, levels: [ { targets: [ erik ], ack_timeout: 10m }, { targets: [ johan ] } ] }
)";

class ComposeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = model::load_text(kModel, model::Format::kYaml, "m.yaml");
    ASSERT_FALSE(loaded.diagnostics.has_errors());
    m_ = std::move(loaded.model);
    auto g = impact::CompiledGraph::compile(m_);
    impact::DisruptionQuery q;
    q.down = {"exo"};
    auto d = impact::build_disruption(g, m_, q, "");
    ASSERT_TRUE(d);
    impact::Engine engine(g);
    audience_ = select_audience(m_, impact::make_report(g, engine.run(d->first, {false}), "x"), false);
    auto t = Templates::load();
    ASSERT_TRUE(t) << t.error().message;
    templates_ = std::move(*t);
  }
  const Recipient& who(std::string_view id) {
    for (const auto& r : audience_.recipients)
      if (r.person == id) return r;
    throw std::runtime_error("no such recipient");
  }
  IncidentFacts facts() {
    IncidentFacts f;
    f.id = "EX900001";
    f.title = "Exchange Online is down";
    f.update = "Mailboxes cannot be reached.";
    return f;
  }
  model::Model m_;
  Audience audience_;
  Templates templates_;
};

TEST_F(ComposeTest, AResponderGetsEveryChannelInTheirLanguageWithTheOthersAsBackups) {
  const auto messages = compose(templates_, m_, facts(), who("erik"), "https://ebcm.contoso.example");
  ASSERT_EQ(messages.size(), 3u);
  const Email& e = messages[0].email;
  EXPECT_EQ(e.to, "erik@x.example");
  EXPECT_EQ(e.language, "sv");
  EXPECT_EQ(e.subject, "[EX900001] Exchange Online is down — pågår");
  EXPECT_NE(e.text.find("du ingår i insatsen (larmkedja it-major)"), std::string::npos) << e.text;
  EXPECT_NE(e.text.find("- Incidenthantering"), std::string::npos);  // the function's Swedish name
  EXPECT_NE(e.text.find("- sms +46701740601"), std::string::npos);
  EXPECT_NE(e.text.find("- telefon +46701740602"), std::string::npos);
  EXPECT_EQ(e.text.find("e-post erik@x.example"), std::string::npos);  // not the one it goes to
  EXPECT_NE(e.text.find("https://ebcm.contoso.example/status"), std::string::npos);
  EXPECT_EQ(e.text.find("Kvittera"), std::string::npos);  // no acknowledgement yet: left out
  EXPECT_NE(e.html.find("lang=\"sv\""), std::string::npos);
  const std::string& sms = messages[1].short_text;
  EXPECT_EQ(messages[1].to.channel, model::Channel::kSms);
  EXPECT_EQ(sms.find('\n'), std::string::npos);
  EXPECT_NE(sms.find("EX900001 pågår"), std::string::npos) << sms;
  EXPECT_NE(messages[2].short_text.find("Contoso"), std::string::npos);  // voice
}

TEST_F(ComposeTest, TheNextUpdateIsWrittenInTheOrganisationsTimeZoneAndLanguage) {
  IncidentFacts f = facts();
  f.next_update_ms = 1'796'304'649'000;  // 2026-12-03 13:30:49 UTC: 14:30 in Stockholm (CET)
  const auto sv = compose(templates_, m_, f, who("erik"), "");
  EXPECT_NE(sv[0].email.text.find("Nästa uppdatering senast: tor 3 dec 2026 kl. 14:30 CET"),
            std::string::npos)
      << sv[0].email.text;
  const auto en = compose(templates_, m_, f, who("johan"), "");
  EXPECT_NE(en[0].email.text.find("Next update by: Thu 3 Dec 2026, 14:30 CET"), std::string::npos)
      << en[0].email.text;
}

TEST_F(ComposeTest, AnAffectedPersonGetsTheFirstChannelWithTheWhyAndTheAllClearSaysSo) {
  IncidentFacts f = facts();
  f.active = false;
  const auto messages = compose(templates_, m_, f, who("johan"), "");
  ASSERT_EQ(messages.size(), 1u);  // affected: the first contact only
  const Email& e = messages[0].email;
  EXPECT_EQ(e.language, "en");
  EXPECT_EQ(e.subject, "[EX900001] Exchange Online is down — resolved: all clear");
  EXPECT_NE(e.text.find("your work depends on Incident management"), std::string::npos) << e.text;
  EXPECT_NE(e.text.find("- SMS +46701740603"), std::string::npos);
  EXPECT_EQ(e.text.find("Status page"), std::string::npos);  // no public_url: left out
}

}  // namespace
}  // namespace ebcm::notify
