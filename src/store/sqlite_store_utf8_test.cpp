// Bodies that are not UTF-8: a commit refuses them, and a store that holds one already (from
// an older ebcm or a damaged file) still reads, repairing the body and naming it.
#include <gtest/gtest.h>

#include "store/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_util.hpp"

namespace ebcm::store {
namespace {

using model::Entity;
using model::EntityKind;
using testing_util::ent;
using testing_util::open_ok;
using testing_util::svc;
using testing_util::TempDb;

const CommitRequest kRequest{"ann", "edit", 1'000};

TEST(StoreUtf8, CommitRefusesABodyThatIsNotUtf8NamingTheEntity) {
  TempDb db;
  std::unique_ptr<Store> store = open_ok(db);
  ASSERT_TRUE(store->commit(std::vector<Entity>{svc("a")}, kRequest, {}));
  const std::string before = db.bytes();
  const std::vector<Entity> bad{svc("a"), ent(EntityKind::kPerson, "bo", "{\"name\":\"B\xF6\"}")};
  Result<RevisionInfo> r = store->commit(bad, kRequest, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(r.error().message.find("person 'bo'"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("0xF6"), std::string::npos) << r.error().message;
  Result<std::optional<RevisionInfo>> head = store->head();
  ASSERT_TRUE(head && *head);
  EXPECT_EQ((*head)->number, 1);
  EXPECT_EQ(db.bytes(), before);
}

// Writes a body straight into the file, as an older ebcm could have.
void damage(const TempDb& db, std::string_view id, std::string_view body) {
  Result<sqlite::Db> raw = sqlite::Db::open(db.path());
  ASSERT_TRUE(raw) << raw.error().message;
  Result<sqlite::Stmt> stmt = raw->prepare("UPDATE entity SET body = ?1 WHERE id = ?2");
  ASSERT_TRUE(stmt) << stmt.error().message;
  stmt->bind_static(1, body);
  stmt->bind_static(2, id);
  ASSERT_TRUE(stmt->run());
}

TEST(StoreUtf8, ADamagedBodyReadsRepairedAndIsNamedUntilTheNextCommit) {
  TempDb db;
  std::unique_ptr<Store> store = open_ok(db);
  ASSERT_TRUE(store->commit(std::vector<Entity>{svc("a"), svc("b")}, kRequest, {}));
  damage(db, "b", "{\"id\":\"b\",\"name\":\"\xFFx\"}");

  store = open_ok(db);  // opens as before
  Result<std::vector<Entity>> read = store->entities(1, {});
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ((*read)[1].body, "{\"id\":\"b\",\"name\":\"\xEF\xBF\xBDx\"}");
  std::vector<Repair> repairs = store->take_repairs();
  ASSERT_EQ(repairs.size(), 1u);
  EXPECT_EQ(repairs[0].revision, 1);
  EXPECT_EQ(repairs[0].kind, EntityKind::kService);
  EXPECT_EQ(repairs[0].id, "b");
  EXPECT_NE(describe(repairs[0]).find("revision 1: the stored service 'b'"), std::string::npos)
      << describe(repairs[0]);
  EXPECT_TRUE(store->take_repairs().empty());

  Result<std::optional<Entity>> one = store->entity(1, EntityKind::kService, "b");
  ASSERT_TRUE(one && *one);
  EXPECT_EQ((*one)->body, (*read)[1].body);
  EXPECT_EQ(store->take_repairs().size(), 1u);

  // Committing what was read stores good text: the repaired body counts as changed.
  Result<RevisionInfo> healed = store->commit(*read, kRequest, {});
  ASSERT_TRUE(healed) << healed.error().message;
  EXPECT_EQ(healed->number, 2);
  EXPECT_EQ(healed->changed, 1);
  ASSERT_TRUE(store->entities(2, {}));
  EXPECT_TRUE(store->take_repairs().empty());
}

}  // namespace
}  // namespace ebcm::store
