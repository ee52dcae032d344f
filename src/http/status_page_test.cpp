// render_status(): what the page shows for a declared disruption, as a pure function.
#include "http/status_page.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/clock.hpp"
#include "http/app.hpp"
#include "impact/compiled_graph.hpp"
#include "model/load.hpp"

namespace ebcm::http {
namespace {

namespace json = boost::json;

constexpr int64_t kStart = 1'790'000'000'000;  // 2026-09-21T...Z
constexpr int64_t kMinute = 60'000;

struct Fixture {
  model::Model m;
  impact::CompiledGraph g;
  explicit Fixture(std::string_view yaml) {
    auto l = model::load_text(yaml, model::Format::kYaml, "m.yaml");
    EXPECT_FALSE(l.diagnostics.has_errors()) << model::format_text(l.diagnostics, false);
    m = std::move(l.model);
    g = impact::CompiledGraph::compile(m);
  }
  RenderedStatus render(const StatusDeclaration& d, int64_t now) const {
    return render_status(m, g, d, {}, now, 1);
  }
};

StatusDeclaration down(std::vector<std::string> refs, int64_t at = kStart) {
  StatusDeclaration d;
  d.disruption.down = std::move(refs);
  d.updated_ms = d.started_ms = at;
  return d;
}

const json::object& by_id(const json::value& page, const char* section, std::string_view id) {
  for (const auto& x : page.at(section).as_array())
    if (x.at("id").as_string() == id) return x.as_object();
  throw std::runtime_error(std::string("no ") + std::string(id));
}

constexpr std::string_view kMail = R"(ebcm: 1
organization: { name: Contoso, timezone: UTC }
locations:
  - { id: hq, name: Stockholm HQ, names: { sv: Stockholm HK } }
  - { id: home, name: Working from home, names: { sv: Hemarbete }, kind: remote }
services:
  - id: exo
    name: Exchange Online
    features:
      - { id: mapi, name: Outlook desktop, names: { sv: Outlook för skrivbordet } }
      - { id: owa, name: Outlook on the web, names: { sv: Outlook på webben } }
      - { id: mobile, name: Outlook Mobile }
  - { id: pstn, name: Phones }
functions:
  - id: support
    name: Customer support
    names: { sv: Kundsupport }
    requires: [ { any: [ exo/mapi, exo/owa, exo/mobile ] }, { any: [ hq, home ] } ]
  - id: paging
    name: On-call paging
    requires: [ exo ]
mitigations:
  - { id: phone-tree, for: paging, replaces: exo, with: [ pstn ], activation: 2h,
      status: implemented, description: Call the on-call engineer. }
)";

TEST(StatusPage, AFeatureDownShowsItsServicePartlyDownWithTheWayToKeepWorking) {
  Fixture f(kMail);
  auto page = f.render(down({"exo/mapi"}), kStart);
  const auto j = json::parse(*page.json);
  const auto& exo = by_id(j, "services", "exo");
  EXPECT_EQ(exo.at("state"), "up");
  EXPECT_EQ(exo.at("shown_state"), "partly_down");
  EXPECT_EQ(exo.at("features").at(0).at("id"), "exo/mapi");
  EXPECT_EQ(exo.at("features").at(0).at("alternatives").at(0), "exo/owa");
  EXPECT_EQ(by_id(j, "functions", "support").at("alternatives").at(0), "exo/owa");
  const std::string& html = *page.html_en;
  EXPECT_NE(
      html.find("<strong>Exchange Online</strong>: <span class=\"state partly_down\">partly down"),
      std::string::npos)
      << html;
  EXPECT_NE(html.find("Outlook desktop: <span class=\"state down\">down</span>"),
            std::string::npos);
  EXPECT_NE(html.find("Keep working: use Outlook on the web"), std::string::npos);
}

TEST(StatusPage, TheWaysToKeepWorkingAreChoicesJoinedByOr) {
  Fixture f(kMail);
  auto page = f.render(down({"exo/mapi"}), kStart);
  EXPECT_NE(page.html_en->find("Keep working: use Outlook on the web or Outlook Mobile"),
            std::string::npos)
      << *page.html_en;
  EXPECT_NE(page.html_sv->find("använd Outlook på webben eller Outlook Mobile"), std::string::npos)
      << *page.html_sv;
}

TEST(StatusPage, ALocationDownIsShownWithTheOtherPlaceToWorkFrom) {
  Fixture f(kMail);
  auto page = f.render(down({"hq"}), kStart);
  EXPECT_EQ(by_id(json::parse(*page.json), "locations", "hq").at("state"), "down");
  EXPECT_NE(page.html_en->find("Location: Stockholm HQ</strong>: <span class=\"state down\">"),
            std::string::npos)
      << *page.html_en;
  EXPECT_NE(page.html_en->find("Keep working: use Working from home"), std::string::npos);
}

TEST(StatusPage, AMitigationIsNotInUseBeforeItsActivationAndThePageKnowsWhenItWillBe) {
  Fixture f(kMail);
  const auto d = down({"exo"});
  auto at0 = f.render(d, kStart + 5 * kMinute);
  EXPECT_EQ(by_id(json::parse(*at0.json), "functions", "paging").at("state"), "down");
  ASSERT_TRUE(at0.next_change_ms);
  EXPECT_EQ(*at0.next_change_ms, kStart + 120 * kMinute);
  EXPECT_NE(
      at0.html_en->find("From <time datetime=\"" + format_utc(kStart + 120 * kMinute) + "\">"),
      std::string::npos)
      << *at0.html_en;
  EXPECT_EQ(at0.html_en->find("In use:"), std::string::npos);

  auto later = f.render(d, kStart + 120 * kMinute);
  const json::value later_json = json::parse(*later.json);
  const auto& paging = by_id(later_json, "functions", "paging");
  EXPECT_EQ(paging.at("state"), "degraded");
  EXPECT_EQ(paging.at("mitigations_in_use").at(0), "phone-tree");
  EXPECT_NE(later.html_en->find("In use: Phones instead of Exchange Online"), std::string::npos);
  EXPECT_NE(later.html_sv->find("Används: Phones i stället för Exchange Online"),
            std::string::npos);
  EXPECT_FALSE(later.next_change_ms);
}

TEST(StatusPage, StatesCountFromTheStartNotFromTheLastUpdate) {
  Fixture f(kMail);
  auto d = down({"exo"});
  d.updated_ms = kStart + 119 * kMinute;  // a new message just before the 2h mark
  d.message = "still working on it";
  auto page = f.render(d, kStart + 121 * kMinute);
  EXPECT_EQ(by_id(json::parse(*page.json), "functions", "paging").at("state"), "degraded");
}

TEST(StatusPage, AnUpdateOfTheSameDisruptionKeepsTheStartAnotherResetsIt) {
  StatusDeclaration before = down({"exo", "hq"});
  StatusDeclaration message = down({"hq", "exo"}, kStart + 30 * kMinute);
  message.message = "update";
  message.disruption.duration = "4h";
  EXPECT_EQ(app::disruption_start(before, message), kStart);
  StatusDeclaration other = down({"exo"}, kStart + 40 * kMinute);
  EXPECT_EQ(app::disruption_start(before, other), kStart + 40 * kMinute);
  StatusDeclaration clear;
  clear.updated_ms = kStart + 50 * kMinute;
  EXPECT_EQ(app::disruption_start(before, clear), 0);
  EXPECT_EQ(app::disruption_start(clear, other), kStart + 40 * kMinute);
}

TEST(StatusPage, TheSwedishPageShowsSwedishNamesAndTheEnglishOneTheNames) {
  Fixture f(kMail);
  auto page = f.render(down({"exo/mapi", "hq"}), kStart);
  EXPECT_NE(page.html_sv->find("Outlook för skrivbordet: <span class=\"state down\">nere"),
            std::string::npos)
      << *page.html_sv;
  EXPECT_NE(page.html_sv->find("Fortsätt arbeta: använd Outlook på webben"), std::string::npos);
  EXPECT_NE(page.html_sv->find("Plats: Stockholm HK"), std::string::npos);
  EXPECT_NE(page.html_sv->find("<strong>Kundsupport</strong>"), std::string::npos);
  EXPECT_EQ(page.html_en->find("Kundsupport"), std::string::npos);
  EXPECT_NE(page.html_en->find("<strong>Customer support</strong>"), std::string::npos);
}

TEST(StatusPage, HtmlHasLandmarksTableHeadersMachineTimesAndNoMetaRefresh) {
  Fixture f(kMail);
  auto d = down({"exo/mapi"});
  d.next_update_ms = kStart + 30 * kMinute;
  auto page = f.render(d, kStart);
  for (const std::string* html : {page.html_en.get(), page.html_sv.get()}) {
    EXPECT_EQ(html->find("http-equiv"), std::string::npos);
    EXPECT_NE(html->find("<main>"), std::string::npos);
    EXPECT_NE(html->find("<th scope=\"col\">"), std::string::npos);
    EXPECT_EQ(html->find("<time>"), std::string::npos);
    EXPECT_NE(html->find("<time datetime=\"" + format_utc(kStart + 30 * kMinute) + "\">"),
              std::string::npos);
  }
  EXPECT_EQ(*page.next_change_ms, kStart + 30 * kMinute);  // the next update becomes overdue
  auto overdue = f.render(d, kStart + 31 * kMinute);
  EXPECT_NE(overdue.html_en->find("Next update was promised for"), std::string::npos);
}

TEST(StatusPage, AllClearSaysSo) {
  Fixture f(kMail);
  auto page = f.render(StatusDeclaration{}, kStart);
  EXPECT_NE(page.html_en->find("All services are running normally."), std::string::npos);
  EXPECT_NE(page.html_sv->find("Alla tjänster fungerar normalt."), std::string::npos);
  EXPECT_EQ(json::parse(*page.json).at("started"), nullptr);
  EXPECT_FALSE(page.next_change_ms);
}

TEST(StatusPage, ThePageIsRenderedAgainWhenAMitigationComesIntoUse) {
  Fixture f(kMail);
  Snapshot snap(1, {}, f.m);
  FakeClock clock(kStart);
  StatusPage status(clock);
  StatusDeclaration declared;
  status.render(snap, declared);
  // What app::Service::declare_status() does with a new declaration, then tells the page.
  auto declare = [&](StatusDeclaration next) {
    next.started_ms = app::disruption_start(declared, next);
    declared = next;
    status.render(snap, declared);
  };
  StatusDeclaration d;
  d.disruption.down = {"exo"};
  d.updated_ms = kStart;
  declare(d);
  auto state = [](const RenderedStatus& p) {
    const json::value j = json::parse(*p.json);
    return std::string(by_id(j, "functions", "paging").at("state").as_string());
  };
  EXPECT_EQ(state(*status.current(snap)), "down");
  clock.advance(std::chrono::minutes(119));
  EXPECT_EQ(state(*status.current(snap)), "down");
  clock.advance(std::chrono::minutes(1));
  EXPECT_EQ(state(*status.page()), "down");  // page() alone never renders
  auto now = status.current(snap);
  EXPECT_EQ(state(*now), "degraded");
  EXPECT_EQ(status.page(), now);
  // `since` is kept: the function has been not up since the start.
  const json::value j = json::parse(*now->json);
  EXPECT_EQ(by_id(j, "functions", "paging").at("since").as_string(), format_utc(kStart));

  // A new message keeps the start (the mitigation stays in use); another disruption resets it.
  d.message = "update";
  d.updated_ms = clock.now_ms();
  declare(d);
  EXPECT_EQ(state(*status.page()), "degraded");
  EXPECT_EQ(declared.started_ms, kStart);
  EXPECT_NE(app::to_json(declared).find(format_utc(kStart)), std::string::npos);
  d.disruption.down = {"exo", "hq"};
  declare(d);
  EXPECT_EQ(state(*status.page()), "down");
}

}  // namespace
}  // namespace ebcm::http
