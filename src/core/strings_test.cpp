#include "core/strings.hpp"

#include <gtest/gtest.h>

namespace ebcm {

TEST(Ids, FollowTheModelGrammar) {
  EXPECT_TRUE(is_valid_id("exo"));
  EXPECT_TRUE(is_valid_id("incident-mgmt"));
  EXPECT_TRUE(is_valid_id("a.b_c-9"));
  EXPECT_TRUE(is_valid_id("9lives"));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id("Exo"));
  EXPECT_FALSE(is_valid_id("-exo"));
  EXPECT_FALSE(is_valid_id("exo/mapi"));
  EXPECT_FALSE(is_valid_id("has space"));
}

TEST(EditDistance, CountsEditsAndStopsAtTheLimit) {
  EXPECT_EQ(edit_distance("mapy", "mapi", 3), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting", 5), 3u);
  EXPECT_EQ(edit_distance("abc", "abcdefgh", 2), 3u);
}

TEST(ClosestMatch, SuggestsOnlyLikelyTypos) {
  std::vector<std::string_view> c{"exo/mapi", "exo/owa", "teams"};
  EXPECT_EQ(closest_match("exo/mapy", c), "exo/mapi");
  EXPECT_EQ(closest_match("temas", c), "teams");
  EXPECT_EQ(closest_match("payroll", c), "");
}

TEST(Contacts, RecogniseE164AndEmail) {
  EXPECT_TRUE(is_e164("+46701234567"));
  EXPECT_FALSE(is_e164("0701234567"));
  EXPECT_FALSE(is_e164("+46 70 123"));
  EXPECT_FALSE(is_e164("+0123456789"));
  EXPECT_FALSE(is_e164("+1234567890123456"));
  EXPECT_TRUE(is_email("alice@contoso.example"));
  EXPECT_FALSE(is_email("alice.contoso.example"));
  EXPECT_FALSE(is_email("alice@contoso"));
  EXPECT_FALSE(is_email("al ice@contoso.example"));
  EXPECT_FALSE(is_email("a@b@c.de"));
}

}  // namespace ebcm
