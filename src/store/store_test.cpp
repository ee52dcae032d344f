// Store URLs and the ordering plan: the parts of the store that need no database.

#include "store/store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "store/order_plan.hpp"
#include "store/store_test_util.hpp"

namespace ebcm::store {
namespace {

TEST(StoreUrl, SqliteForms) {
  for (auto [url, path] : std::vector<std::pair<std::string, std::string>>{
           {"sqlite:ebcm.db", "ebcm.db"},
           {"sqlite:/var/lib/ebcm/model", "/var/lib/ebcm/model"},
           {"sqlite://ebcm.db", "ebcm.db"},
           {"sqlite:///var/lib/ebcm.db", "/var/lib/ebcm.db"},
           {"SQLite:x.sqlite", "x.sqlite"},
           {"sqlite::memory:", ":memory:"},
           {"ebcm.db", "ebcm.db"},
           {"/tmp/dir/model.db", "/tmp/dir/model.db"},
           {"./a b.db", "./a b.db"},
       }) {
    Result<StoreUrl> parsed = parse_store_url(url);
    ASSERT_TRUE(parsed) << url << ": " << parsed.error().message;
    EXPECT_EQ(parsed->backend, StoreUrl::Backend::kSqlite) << url;
    EXPECT_EQ(parsed->path, path) << url;
  }
}

TEST(StoreUrl, PostgresIsPlanned) {
  for (const char* url : {"postgres://u@host/db", "postgresql://host/db", "POSTGRES://h/d"}) {
    Result<StoreUrl> parsed = parse_store_url(url);
    ASSERT_FALSE(parsed) << url;
    EXPECT_EQ(parsed.error().code, ErrorCode::kUnsupported) << url;
    EXPECT_NE(parsed.error().message.find("PostgreSQL is planned"), std::string::npos);
  }
  Result<std::unique_ptr<Store>> store = open_store("postgres://localhost/ebcm");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnsupported);
}

TEST(StoreUrl, OtherFormsAreInvalid) {
  for (const char* url : {"", "ebcm.sqlite", "mysql://h/db", "sqlite:", "sqlite://", ".db",
                          "http://example.com/x.db", "model.yaml"}) {
    Result<StoreUrl> parsed = parse_store_url(url);
    ASSERT_FALSE(parsed) << url;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidInput) << url;
    EXPECT_NE(parsed.error().message.find("'" + std::string(url) + "'"), std::string::npos)
        << parsed.error().message;
    EXPECT_NE(parsed.error().message.find("sqlite:PATH"), std::string::npos);
  }
}

TEST(OpenStore, OpensEachSqliteForm) {
  testing_util::TempDb db;
  for (const std::string& url : {"sqlite:" + db.path(), "sqlite://" + db.path(), db.path()}) {
    Result<std::unique_ptr<Store>> store = open_store(url);
    ASSERT_TRUE(store) << url << ": " << store.error().message;
    ASSERT_TRUE((*store)->head());
  }
  Result<std::unique_ptr<Store>> memory = open_store("sqlite::memory:");
  ASSERT_TRUE(memory) << memory.error().message;
}

TEST(OpenStore, MissingDirectoryIsAnIoError) {
  Result<std::unique_ptr<Store>> store =
      open_store("sqlite:" + ::testing::TempDir() + "no/such/dir/ebcm.db");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kIo) << store.error().message;
}

// ---- plan_order ----

// The plan's contract, for any input.
void check_plan(const std::vector<int64_t>& old_ord, const OrderPlan& plan) {
  ASSERT_EQ(plan.ord.size(), old_ord.size());
  for (size_t i = 0; i < old_ord.size(); ++i) {
    EXPECT_GT(plan.ord[i], 0);
    if (i > 0) {
      EXPECT_LT(plan.ord[i - 1], plan.ord[i]) << "at " << i;
    }
    if (plan.keep[i]) {
      EXPECT_EQ(plan.ord[i], old_ord[i]) << "at " << i;
    }
  }
}

int64_t kept(const OrderPlan& plan) { return std::count(plan.keep.begin(), plan.keep.end(), true); }

TEST(OrderPlan, SameOrderKeepsEveryRow) {
  std::vector<int64_t> old{10, 20, 30, 40};
  OrderPlan plan = plan_order(old);
  check_plan(old, plan);
  EXPECT_EQ(kept(plan), 4);
  EXPECT_EQ(plan.moved, 0);
}

TEST(OrderPlan, FirstCommitSpacesOrds) {
  std::vector<int64_t> old(3, 0);
  OrderPlan plan = plan_order(old);
  check_plan(old, plan);
  EXPECT_EQ(plan.ord, (std::vector<int64_t>{kOrdGap, 2 * kOrdGap, 3 * kOrdGap}));
}

TEST(OrderPlan, InsertsGoBetweenNeighbours) {
  // New or changed entities at the front, between 20 and 30, and two at the end.
  std::vector<int64_t> old{0, 10, 20, 0, 30, 0, 0};
  OrderPlan plan = plan_order(old);
  check_plan(old, plan);
  EXPECT_EQ(kept(plan), 3);
  EXPECT_FALSE(plan.renumbered);
  EXPECT_EQ(plan.ord[0], 5);
  EXPECT_EQ(plan.ord[3], 25);
  EXPECT_EQ(plan.ord[6], 30 + 2 * kOrdGap);
}

TEST(OrderPlan, MovingOneEntityRewritesOnlyIt) {
  std::vector<int64_t> old{10, 20, 30, 40, 50};
  std::vector<int64_t> moved{50, 10, 20, 30, 40};  // the last moved to the front
  OrderPlan plan = plan_order(moved);
  check_plan(moved, plan);
  EXPECT_EQ(kept(plan), 4);
  EXPECT_EQ(plan.moved, 1);
  EXPECT_FALSE(plan.keep[0]);

  std::vector<int64_t> reversed(old.rbegin(), old.rend());
  plan = plan_order(reversed);
  check_plan(reversed, plan);
  EXPECT_EQ(kept(plan), 1);
  EXPECT_EQ(plan.moved, 4);
}

TEST(OrderPlan, FullGapRenumbers) {
  std::vector<int64_t> old{10, 0, 0, 11};  // no room for two between 10 and 11
  OrderPlan plan = plan_order(old);
  check_plan(old, plan);
  EXPECT_TRUE(plan.renumbered);
  EXPECT_EQ(plan.moved, 0);
}

TEST(OrderPlan, RandomEditsKeepTheContract) {
  std::mt19937_64 rng(42);
  std::vector<int64_t> ords;  // the ords of the previous plan, in order
  for (int round = 0; round < 300; ++round) {
    std::vector<int64_t> old;
    for (int64_t o : ords) {
      int r = static_cast<int>(rng() % 10);
      if (r == 0 || r == 4) continue;  // removed (as often as new ones come)
      if (r == 1) {                    // changed
        old.push_back(0);
        continue;
      }
      if (r == 2) old.push_back(0);  // a new one before it
      old.push_back(o);
      if (r == 3) old.push_back(0);  // a new one after it
    }
    if (rng() % 4 == 0 && old.size() > 2) std::swap(old[rng() % old.size()], old[0]);
    if (old.empty()) old.assign(5, 0);
    OrderPlan plan = plan_order(old);
    check_plan(old, plan);
    ords = plan.ord;
  }
}

}  // namespace
}  // namespace ebcm::store
