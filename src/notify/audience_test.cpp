// Who is told about an incident: MODEL.md's rule on a small model, through the real engine.
#include "notify/audience.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "impact/compiled_graph.hpp"
#include "impact/engine.hpp"
#include "impact/query.hpp"
#include "model/load.hpp"

namespace ebcm::notify {
namespace {

constexpr std::string_view kModel = R"(ebcm: 1
organization: { name: Test, language: en }
business_units:
  - { id: it, name: IT }
  - { id: it-ops, name: IT Operations, parent: it }
  - { id: sales, name: Sales }
locations:
  - { id: hq, name: HQ }
  - { id: gbg, name: Gothenburg, requires: [ wan ] }
people:
  - id: erik
    name: Erik
    business_unit: it-ops
    location: hq
    language: sv
    contacts: [ { channel: email, address: erik@x.example }, { channel: sms, address: "+46701740601" }, { channel: voice, address: "+46701740601" } ]
  - { id: johan, name: Johan, business_unit: it-ops, location: hq, contacts: [ { channel: email, address: johan@x.example } ] }
  - { id: anna, name: Anna, business_unit: it, location: hq, contacts: [ { channel: email, address: anna@x.example }, { channel: sms, address: "+46701740602" } ] }
  - { id: sofia, name: Sofia, business_unit: sales, location: gbg, contacts: [ { channel: sms, address: "+46701740603" }, { channel: email, address: sofia@x.example } ] }
  - { id: lars, name: Lars, business_unit: sales, location: hq, contacts: [ { channel: email, address: lars@x.example } ] }
  - { id: nobody, name: No Contacts, business_unit: sales, location: gbg }
services:
  - { id: exo, name: Exchange Online }
  - { id: wan, name: WAN }
functions:
  - { id: incident-mgmt, name: Incident management, business_unit: it-ops, owner: anna, requires: [ exo ], call_tree: it-major }
  - { id: paging, name: Paging, parent: incident-mgmt, business_unit: it-ops, owner: erik, requires: [ exo ] }
  - { id: sales-orders, name: Sales orders, business_unit: sales, owner: lars, requires: [ gbg ] }
call_trees:
  - id: it-major
    name: IT major incident
    repeat: 1
    levels:
      - { targets: [ erik ], ack_timeout: 10m }
      - { targets: [ { business_unit: it-ops } ] }
      - { targets: [ anna ], ack_timeout: 5m }
)";

class AudienceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = model::load_text(kModel, model::Format::kYaml, "m.yaml");
    ASSERT_FALSE(loaded.diagnostics.has_errors());
    m_ = std::move(loaded.model);
    g_ = impact::CompiledGraph::compile(m_);
  }
  impact::Report report(std::vector<std::string> down) {
    impact::DisruptionQuery q;
    q.down = std::move(down);
    auto d = impact::build_disruption(g_, m_, q, "");
    EXPECT_TRUE(d) << d.error().message;
    impact::Engine engine(g_);
    return impact::make_report(g_, engine.run(d->first, impact::RunOptions{false}), "test");
  }
  const Recipient* find(const Audience& a, std::string_view person) {
    for (const auto& r : a.recipients)
      if (r.person == person) return &r;
    return nullptr;
  }
  static std::vector<std::string> channels(const Recipient& r) {
    std::vector<std::string> out;
    for (const auto& c : r.channels) out.push_back(model::to_string(c.channel));
    return out;
  }
  model::Model m_;
  impact::CompiledGraph g_;
};

using V = std::vector<std::string>;

TEST_F(AudienceTest, AnExchangeOutageTellsTheTreeTheOwnersAndTheUnitOnly) {
  const Audience a = select_audience(m_, report({"exo"}), false);
  ASSERT_EQ(a.recipients.size(), 3u);  // erik, johan, anna: nobody in sales
  // Who must act first comes first: the responder, the owner, the affected.
  EXPECT_EQ(a.recipients[0].person, "erik");
  EXPECT_EQ(a.recipients[1].person, "anna");
  EXPECT_EQ(a.recipients[2].person, "johan");
  const Recipient* erik = find(a, "erik");
  ASSERT_TRUE(erik);
  EXPECT_EQ(erik->roles, (V{"responder", "owner", "affected"}));  // told once, as a responder
  EXPECT_EQ(erik->functions, (V{"incident-mgmt", "paging"}));
  EXPECT_EQ(erik->call_trees, V{"it-major"});
  EXPECT_EQ(channels(*erik), (V{"email", "sms", "voice"}));  // every method
  EXPECT_EQ(erik->language, "sv");
  const Recipient* anna = find(a, "anna");
  ASSERT_TRUE(anna);
  EXPECT_EQ(anna->roles, V{"owner"});  // her unit is above it-ops: not affected; level 3 later
  EXPECT_EQ(channels(*anna), (V{"email", "sms"}));
  EXPECT_EQ(anna->language, "en");  // the organization's
  const Recipient* johan = find(a, "johan");
  ASSERT_TRUE(johan);
  EXPECT_EQ(johan->roles, V{"affected"});  // level 2 only by escalation
  EXPECT_EQ(channels(*johan), V{"email"});
  EXPECT_EQ(find(a, "lars"), nullptr);
  EXPECT_EQ(find(a, "sofia"), nullptr);

  // The tree once, though two functions engage it; its levels resolved to people.
  ASSERT_EQ(a.trees.size(), 1u);
  EXPECT_EQ(a.trees[0].functions, (V{"incident-mgmt", "paging"}));
  ASSERT_EQ(a.trees[0].levels.size(), 3u);
  EXPECT_EQ(a.trees[0].levels[0].people, V{"erik"});
  EXPECT_EQ(a.trees[0].levels[0].ack_timeout.minutes, 10);
  EXPECT_EQ(a.trees[0].levels[1].people, (V{"erik", "johan"}));
  EXPECT_EQ(a.trees[0].levels[1].ack_timeout, model::kDefaultAckTimeout);
  EXPECT_EQ(a.trees[0].repeat, 1);
  EXPECT_EQ(a.responders, 1u);
  EXPECT_EQ(a.owners, 2u);
  EXPECT_EQ(a.email, 3u);
  EXPECT_EQ(a.sms, 2u);
  EXPECT_EQ(a.voice, 1u);
}

TEST_F(AudienceTest, ALocationDownTellsWhoWorksThereOnTheirFirstContactWithTheRestAsBackups) {
  const Audience a = select_audience(m_, report({"wan"}), false);  // gbg down, sales-orders too
  const Recipient* sofia = find(a, "sofia");
  ASSERT_TRUE(sofia);
  EXPECT_EQ(sofia->roles, V{"affected"});
  EXPECT_EQ(channels(*sofia), V{"sms"});
  ASSERT_EQ(sofia->backups.size(), 1u);
  EXPECT_EQ(sofia->backups[0].address, "sofia@x.example");
  const Recipient* lars = find(a, "lars");  // at hq, but the owner, and in sales
  ASSERT_TRUE(lars);
  EXPECT_EQ(lars->roles, (V{"owner", "affected"}));
  const Recipient* nobody = find(a, "nobody");
  ASSERT_TRUE(nobody);
  EXPECT_TRUE(nobody->channels.empty());
  EXPECT_EQ(a.unreachable, 1u);
  EXPECT_TRUE(a.trees.empty());  // sales-orders has no call tree
  EXPECT_EQ(find(a, "erik"), nullptr);
}

TEST_F(AudienceTest, WideningAddsEveryoneElseAsAffected) {
  const Audience a = select_audience(m_, report({"exo"}), true);
  EXPECT_TRUE(a.widened);
  ASSERT_EQ(a.recipients.size(), m_.people.size());
  EXPECT_FALSE(find(a, "erik")->widened);
  EXPECT_TRUE(find(a, "lars")->widened);
  EXPECT_EQ(find(a, "lars")->roles, V{"affected"});
  EXPECT_EQ(channels(*find(a, "sofia")), V{"sms"});
}

TEST_F(AudienceTest, NothingDownTellsNobody) {
  EXPECT_TRUE(select_audience(m_, impact::Report{}, false).recipients.empty());
}

TEST_F(AudienceTest, ThePreviewJsonNamesPersonRolesLanguageAndChannels) {
  auto v = boost::json::parse(audience_to_json(select_audience(m_, report({"exo"}), false)));
  const auto& first = v.at("recipients").at(0);
  EXPECT_EQ(first.at("person").as_string(), "erik");
  EXPECT_EQ(first.at("roles").at(0).as_string(), "responder");
  EXPECT_EQ(first.at("language").as_string(), "sv");
  EXPECT_EQ(first.at("channels").at(1).at("channel").as_string(), "sms");
  EXPECT_EQ(v.at("counts").at("recipients").as_int64(), 3);
  EXPECT_EQ(v.at("trees").at(0).at("levels").at(2).at("ack_timeout").as_string(), "5m");
}

TEST_F(AudienceTest, TargetsResolveToPeopleOfAUnitAndItsSubUnitsOrALocation) {
  model::CallTarget unit{model::CallTarget::Kind::kBusinessUnit, "it", {}};
  EXPECT_EQ(resolve_target(m_, unit), (V{"erik", "johan", "anna"}));
  model::CallTarget place{model::CallTarget::Kind::kLocation, "gbg", {}};
  EXPECT_EQ(resolve_target(m_, place), (V{"sofia", "nobody"}));
}

}  // namespace
}  // namespace ebcm::notify
