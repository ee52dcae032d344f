// Timings of the store at scale, printed, not asserted (machines differ); what is asserted is
// the number of rows each commit writes. EBCM_STORE_PERF_N sets the size (default 200,000).

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "store/sqlite_store.hpp"
#include "store/store.hpp"
#include "store/store_test_util.hpp"

namespace ebcm::store {
namespace {

using model::Entity;
using model::EntityKind;

// A bijection on 32 bits (an xorshift-multiply mixer): ids unique but in no order, as a real
// model's names are, and about as long (12 bytes).
uint32_t scramble(uint32_t x) {
  x = (x ^ (x >> 16)) * 0x7feb352d;
  x = (x ^ (x >> 15)) * 0x846ca68b;
  return x ^ (x >> 16);
}

// Bodies of about 300 bytes, shaped like the model's.
std::vector<Entity> make_model(int64_t n) {
  std::vector<Entity> model;
  model.reserve(static_cast<size_t>(n));
  model.push_back(Entity{EntityKind::kOrganization, "", R"({"name":"Perf Corp"})"});
  for (int64_t i = 1; i < n; ++i) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", scramble(static_cast<uint32_t>(i)));
    std::string id = std::string("svc-") + hex;
    std::string body = R"({"id":")" + id + R"(","name":"Service number )" + std::to_string(i) +
                       R"(","kind":"saas","provider":"microsoft-365","owner":"person-)" +
                       std::to_string(i % 977) + R"(","depends_on":["svc-)" +
                       std::to_string(i / 2) + R"(","svc-)" + std::to_string(i / 3) +
                       R"("],"rto":"4h","rpo":"1h","criticality":"high","locations":["hq",)"
                       R"("dc-north"],"notes":"A service in a large generated model, padded.")"
                       R"( Lorem ipsum dolor sit amet consectetur."})";
    model.push_back(Entity{EntityKind::kService, std::move(id), std::move(body)});
  }
  return model;
}

// Wall and CPU time: the CPU time says more on a machine shared with other work.
class Timer {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  double cpu_seconds() const { return cpu_now() - cpu_start_; }
  std::string text() const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%7.3f s (cpu %6.3f s)", seconds(), cpu_seconds());
    return buf;
  }

 private:
  static double cpu_now() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  }

  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  double cpu_start_ = cpu_now();
};

int64_t rows(const std::string& path) {
  Result<sqlite::Db> db = sqlite::Db::open(path);
  EXPECT_TRUE(db);
  Result<int64_t> n = db->query_int("SELECT count(*) FROM entity");
  EXPECT_TRUE(n);
  return n ? *n : -1;
}

TEST(SqliteStorePerf, LargeModel) {
  int64_t n = 200'000;
  if (const char* env = std::getenv("EBCM_STORE_PERF_N")) n = std::atoll(env);
  testing_util::TempDb db;
  Result<std::unique_ptr<Store>> opened = open_store(db.url());
  ASSERT_TRUE(opened) << opened.error().message;
  Store& store = **opened;
  std::vector<Entity> model = make_model(n);
  size_t bytes = 0;
  for (const Entity& e : model) bytes += e.body.size();
  std::printf("[perf] %lld entities, %.0f bytes per body on average\n", static_cast<long long>(n),
              static_cast<double>(bytes) / static_cast<double>(n));

  auto time_commit = [&](const char* what, int64_t expect_number) {
    Timer t;
    Result<RevisionInfo> info = store.commit(model, CommitRequest{"perf", what, 0}, {});
    const std::string took = t.text();
    EXPECT_TRUE(info) << info.error().message;
    if (!info) return;
    EXPECT_EQ(info->number, expect_number) << what;
    std::printf("[perf] %-34s %s  +%lld ~%lld -%lld, %lld rows in all\n", what, took.c_str(),
                static_cast<long long>(info->added), static_cast<long long>(info->changed),
                static_cast<long long>(info->removed), static_cast<long long>(rows(db.path())));
  };

  time_commit("first commit", 1);
  EXPECT_EQ(rows(db.path()), n);
  time_commit("same model again (no revision)", 1);
  model[static_cast<size_t>(n / 2)].body += " ";
  time_commit("one body changed", 2);
  EXPECT_EQ(rows(db.path()), n + 1);
  model.insert(model.begin() + n / 3, Entity{EntityKind::kService, "inserted", "{}"});
  time_commit("one entity inserted in the middle", 3);
  EXPECT_EQ(rows(db.path()), n + 2);
  std::swap(model[1], model[static_cast<size_t>(n - 1)]);
  time_commit("two entities swapped", 4);
  EXPECT_EQ(rows(db.path()), n + 4);

  for (int64_t rev : {int64_t{4}, int64_t{1}}) {
    Timer t;
    Result<std::vector<Entity>> read = store.entities(rev, {});
    const std::string took = t.text();
    ASSERT_TRUE(read) << read.error().message;
    const std::string what =
        "entities(" + std::to_string(rev) + ")" + (rev == 4 ? " (head)" : " (an old revision)");
    std::printf("[perf] %-34s %s  %zu entities\n", what.c_str(), took.c_str(), read->size());
    if (rev == 4) {
      EXPECT_EQ(*read, model);
    }
  }
  // The server's write path: a one-entity edit as a change set, against the same edit as a
  // whole-model commit. Asserted loosely (a hundredth of the time), since both are measured here.
  {
    model[static_cast<size_t>(n / 4)].body += " ";
    Timer whole;
    Result<RevisionInfo> a = store.commit(model, CommitRequest{"perf", "whole", 0}, {});
    const double whole_s = whole.seconds();
    const std::string whole_text = whole.text();
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_EQ(a->changed, 1);
    ChangeSet changes;
    model[static_cast<size_t>(n / 4)].body += " ";
    changes.put = {model[static_cast<size_t>(n / 4)]};
    Timer one;
    Result<RevisionInfo> b = store.commit_changes(changes, CommitRequest{"perf", "one", 0, 5});
    const double one_s = one.seconds();
    ASSERT_TRUE(b) << b.error().message;
    ASSERT_EQ(b->changed, 1);
    std::printf("[perf] %-34s %s\n", "one body changed: whole commit", whole_text.c_str());
    std::printf("[perf] %-34s %7.3f ms\n", "one body changed: commit_changes", one_s * 1000);
    changes.put = {Entity{EntityKind::kService, "appended", "{}"}};
    Timer added;
    b = store.commit_changes(changes, CommitRequest{"perf", "one", 0, 6});
    ASSERT_TRUE(b) << b.error().message;
    ASSERT_EQ(b->added, 1);
    std::printf("[perf] %-34s %7.3f ms\n", "one entity added: commit_changes",
                added.seconds() * 1000);
    EXPECT_LT(one_s * 100, whole_s) << "commit_changes should not scan the head";
    Result<std::vector<Entity>> head = store.entities(7, {});
    ASSERT_TRUE(head);
    model.push_back(changes.put[0]);
    EXPECT_EQ(*head, model);
  }

  Timer t;
  for (int i = 0; i < 1000; ++i) {
    const Entity& e = model[static_cast<size_t>(1 + int64_t{i} * 97 % (n - 1))];
    Result<std::optional<Entity>> one = store.entity(4, e.kind, e.id);
    ASSERT_TRUE(one && *one);
  }
  std::printf("[perf] %-34s %s\n", "1000 x entity(4, kind, id)", t.text().c_str());
}

}  // namespace
}  // namespace ebcm::store
