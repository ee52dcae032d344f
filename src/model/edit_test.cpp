// The domain edits the API's writes are made of, tested without a server.
#include "model/edit.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace ebcm::model {
namespace {

namespace json = boost::json;

json::value merged(std::string_view target, std::string_view patch) {
  json::value t = json::parse(target);
  merge_patch(t, json::parse(patch));
  return t;
}

TEST(MergePatch, FollowsRfc7396) {
  EXPECT_EQ(merged(R"({"a":"b"})", R"({"a":"c"})"), json::parse(R"({"a":"c"})"));
  EXPECT_EQ(merged(R"({"a":"b"})", R"({"b":"c"})"), json::parse(R"({"a":"b","b":"c"})"));
  EXPECT_EQ(merged(R"({"a":"b"})", R"({"a":null})"), json::parse(R"({})"));
  EXPECT_EQ(merged(R"({"a":["b"]})", R"({"a":"c"})"), json::parse(R"({"a":"c"})"));
  EXPECT_EQ(merged(R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})"),
            json::parse(R"({"a":{"b":"d"}})"));
  EXPECT_EQ(merged(R"(["a"])", R"({"a":"b"})"), json::parse(R"({"a":"b"})"));
  EXPECT_EQ(merged(R"({"a":"foo"})", R"(null)"), json::parse("null"));
  EXPECT_EQ(merged(R"({"e":null})", R"({"a":1})"), json::parse(R"({"e":null,"a":1})"));
}

TEST(CanonicalEntity, EqualContentGivesEqualBodies) {
  auto a = canonical_entity(EntityKind::kPerson, json::parse(R"({"name":"Ann","id":"ann"})"));
  auto b = canonical_entity(EntityKind::kPerson, json::parse(R"({"id":"ann","name":"Ann"})"));
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_TRUE(b);
  EXPECT_EQ(a->body, b->body);
  EXPECT_EQ(a->id, "ann");
  EXPECT_EQ(a->kind, EntityKind::kPerson);
}

TEST(CanonicalEntity, EveryProblemIsADetailWithAPathInsideTheEntity) {
  auto r = canonical_entity(EntityKind::kFunction,
                            json::parse(R"({"id":"pay","bia":{"rto":"soon"},"colour":"red"})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  ASSERT_GE(r.error().details.size(), 2u) << r.error().message;
  bool rto = false, unknown = false;
  for (const auto& d : r.error().details) {
    rto |= d.path == "bia.rto";
    unknown |= d.path.find("colour") != std::string::npos;
    EXPECT_EQ(d.path.find("functions["), std::string::npos) << d.path;
  }
  EXPECT_TRUE(rto);
  EXPECT_TRUE(unknown);  // refused in an edit, not only warned about
  EXPECT_FALSE(canonical_entity(EntityKind::kFunction, json::parse("[1]")));
}

TEST(InsertPosition, AfterTheLastOfItsKind) {
  std::vector<Entity> list{{EntityKind::kOrganization, "", "{}"},
                           {EntityKind::kPerson, "a", "{}"},
                           {EntityKind::kFunction, "f", "{}"}};
  EXPECT_EQ(insert_position(list, EntityKind::kPerson), 2u);
  EXPECT_EQ(insert_position(list, EntityKind::kLocation), 1u);
  EXPECT_EQ(insert_position(list, EntityKind::kScenario), 3u);
}

TEST(ChangeFeature, AddReplacePatchDelete) {
  json::value s = json::parse(R"({"id":"exo","features":[{"id":"owa","name":"Web"}]})");
  EXPECT_EQ(change_feature(s, "exo", FeatureEdit::kAdd, "owa", json::parse(R"({"id":"owa"})"))
                .error()
                .code,
            ErrorCode::kExists);
  ASSERT_TRUE(change_feature(s, "exo", FeatureEdit::kAdd, "mapi", json::parse(R"({"id":"mapi"})")));
  ASSERT_TRUE(find_feature(s, "mapi"));
  ASSERT_TRUE(change_feature(s, "exo", FeatureEdit::kPatch, "owa", json::parse(R"({"name":null})")));
  EXPECT_EQ(*find_feature(s, "owa"), json::parse(R"({"id":"owa"})").as_object());
  ASSERT_TRUE(change_feature(s, "exo", FeatureEdit::kReplace, "owa", json::parse(R"({"name":"W"})")));
  EXPECT_EQ(*find_feature(s, "owa"), json::parse(R"({"name":"W","id":"owa"})").as_object());
  EXPECT_EQ(change_feature(s, "exo", FeatureEdit::kDelete, "nope", {}).error().code,
            ErrorCode::kNotFound);
  ASSERT_TRUE(change_feature(s, "exo", FeatureEdit::kDelete, "owa", {}));
  ASSERT_TRUE(change_feature(s, "exo", FeatureEdit::kDelete, "mapi", {}));
  EXPECT_FALSE(s.as_object().contains("features"));  // the last one takes the key with it
}

}  // namespace
}  // namespace ebcm::model
