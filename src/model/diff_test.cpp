#include "model/diff.hpp"

#include <gtest/gtest.h>

namespace ebcm::model {
namespace {

Entity fn(std::string id, std::string body) {
  return Entity{EntityKind::kFunction, std::move(id), std::move(body)};
}

TEST(Diff, AddedRemovedAndChangedFieldByField) {
  std::vector<Entity> before{
      fn("a", R"({"id":"a","bia":{"rto":"1h","mtpd":"4h"},"requires":["x","y"]})"),
      fn("gone", R"({"id":"gone"})"),
  };
  std::vector<Entity> after{
      fn("a", R"({"id":"a","bia":{"rto":"2h","mtpd":"4h"},"requires":["x","z"],"owner":"bob"})"),
      fn("new", R"({"id":"new"})"),
  };
  auto changes = diff(before, after);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].kind, EntityChange::Kind::kChanged);
  ASSERT_EQ(changes[0].fields.size(), 3u);
  EXPECT_EQ(changes[0].fields[0].path, "bia.rto");
  EXPECT_EQ(changes[0].fields[0].before, "\"1h\"");
  EXPECT_EQ(changes[0].fields[0].after, "\"2h\"");
  EXPECT_EQ(changes[0].fields[1].path, "requires[1]");
  EXPECT_EQ(changes[0].fields[2].path, "owner");
  EXPECT_EQ(changes[0].fields[2].before, "");
  EXPECT_EQ(changes[1].kind, EntityChange::Kind::kAdded);
  EXPECT_EQ(changes[1].id, "new");
  EXPECT_EQ(changes[2].kind, EntityChange::Kind::kRemoved);
  EXPECT_EQ(changes[2].id, "gone");
}

TEST(Diff, FeaturesMatchByIdAndKindsAreSeparate) {
  std::vector<Entity> before{
      Entity{EntityKind::kService, "exo",
             R"({"id":"exo","features":[{"id":"mapi","name":"MAPI"},{"id":"owa"}]})"},
      Entity{EntityKind::kPerson, "exo", R"({"id":"exo"})"},
  };
  std::vector<Entity> after{
      Entity{EntityKind::kService, "exo",
             R"({"id":"exo","features":[{"id":"owa"},{"id":"mapi","name":"Outlook"}]})"},
      Entity{EntityKind::kPerson, "exo", R"({"id":"exo"})"},
  };
  auto changes = diff(before, after);
  ASSERT_EQ(changes.size(), 1u);
  ASSERT_EQ(changes[0].fields.size(), 1u);
  EXPECT_EQ(changes[0].fields[0].path, "features[mapi].name");
  EXPECT_TRUE(diff(after, after).empty());
}

}  // namespace
}  // namespace ebcm::model
