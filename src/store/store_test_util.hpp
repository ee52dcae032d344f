// Helpers shared by the store's tests: a scratch database path and small models.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "model/entities.hpp"
#include "store/backend.hpp"
#include "store/store.hpp"

namespace ebcm::store::testing_util {

// A database path unique to the running test, removed (with its WAL files) before and after.
class TempDb {
 public:
  TempDb() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "ebcm_store_" + info->test_suite_name() + "_" + info->name() +
            "_" + std::to_string(::getpid()) + ".db";
    // Parameterised tests are named "Instance/Suite" and "Test/Param": no directories.
    for (size_t i = ::testing::TempDir().size(); i < path_.size(); ++i) {
      if (path_[i] == '/') path_[i] = '_';
    }
    remove();
  }
  ~TempDb() { remove(); }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;

  const std::string& path() const { return path_; }
  std::string url() const { return "sqlite:" + path_; }

  // The file's bytes, to show that a failed operation changed nothing.
  std::string bytes() const {
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }
  bool has_wal() const { return std::filesystem::exists(path_ + "-wal"); }

 private:
  void remove() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(path_ + suffix, ec);
    }
  }
  std::string path_;
};

// The store at `db`, opened and migrated; nullptr (and a failed expectation) if it does not open.
inline std::unique_ptr<Store> open_ok(const TempDb& db) {
  Result<std::unique_ptr<Store>> store = open_store(db.url());
  EXPECT_TRUE(store) << store.error().message;
  return store ? std::move(store).value() : nullptr;
}

// `entities` committed by "ann" a second after the previous commit of `clock`; a failure is a
// test failure (and an empty info).
inline RevisionInfo commit_ok(Store& store, FakeClock& clock,
                              const std::vector<model::Entity>& entities, std::string message) {
  clock.advance(std::chrono::seconds(1));
  Result<RevisionInfo> info =
      store.commit(entities, CommitRequest{"ann", std::move(message), clock.now_ms()}, {});
  EXPECT_TRUE(info) << info.error().message;
  return info ? *info : RevisionInfo{};
}

// The entities at `revision`; a failure is a test failure (and an empty list).
inline std::vector<model::Entity> entities_ok(Store& store, int64_t revision) {
  Result<std::vector<model::Entity>> entities = store.entities(revision, {});
  EXPECT_TRUE(entities) << entities.error().message;
  return entities ? *entities : std::vector<model::Entity>{};
}

inline model::Entity ent(model::EntityKind kind, std::string id, std::string body) {
  return model::Entity{kind, std::move(id), std::move(body)};
}

// A service entity whose body names its id and a version, so a change is easy to make.
inline model::Entity svc(const std::string& id, int version = 1) {
  return ent(model::EntityKind::kService, id,
             R"({"id":")" + id + R"(","v":)" + std::to_string(version) + "}");
}

// Services "s0", "s1", ...
inline std::vector<model::Entity> services(int count) {
  std::vector<model::Entity> out;
  out.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) out.push_back(svc("s" + std::to_string(i)));
  return out;
}

// An account, an audit entry, the ids of audit entries.
inline User make_user(std::string name, Role role = Role::kViewer) {
  User u;
  u.name = std::move(name);
  u.role = role;
  u.created_ms = 1000;
  u.password_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA";
  return u;
}

inline AuditEntry entry(int64_t time_ms, std::string actor, std::string action,
                        std::string target) {
  AuditEntry e;
  e.time_ms = time_ms;
  e.actor = std::move(actor);
  e.remote = "cli";
  e.action = std::move(action);
  e.target = std::move(target);
  return e;
}

inline std::vector<int64_t> ids(const Result<std::vector<AuditEntry>>& entries) {
  EXPECT_TRUE(entries) << entries.error().message;
  std::vector<int64_t> out;
  if (entries) {
    for (const AuditEntry& e : *entries) out.push_back(e.id);
  }
  return out;
}

// One scratch database of a backend, for one test. open() gives a Backend on it; when
// `shareable`, every call gives another Backend on the same database (other connections, as
// other threads or processes would have).
class TestDatabase {
 public:
  virtual ~TestDatabase() = default;
  virtual Result<Backend> open() = 0;
};

// What the contract tests run over: a name (the test's suffix) and how to make a database.
struct BackendFactory {
  std::string name;
  bool shareable = false;
  std::function<std::unique_ptr<TestDatabase>()> make;
};

// An SQLite file, removed before and after.
class SqliteFileDatabase final : public TestDatabase {
 public:
  Result<Backend> open() override { return open_backend(db_.url()); }
  const TempDb& file() const { return db_; }

 private:
  TempDb db_;
};

// "sqlite::memory:": one Backend only (a second open() would be another database).
class SqliteMemoryDatabase final : public TestDatabase {
 public:
  Result<Backend> open() override {
    if (opened_) {
      return make_error(ErrorCode::kUnsupported, "an in-memory database opens only once");
    }
    opened_ = true;
    return open_backend("sqlite::memory:");
  }

 private:
  bool opened_ = false;
};

// Every backend the contract tests run over; a new backend adds its factory here.
inline std::vector<BackendFactory> backend_factories() {
  return {
      {"SqliteFile", true, [] { return std::make_unique<SqliteFileDatabase>(); }},
      {"SqliteMemory", false, [] { return std::make_unique<SqliteMemoryDatabase>(); }},
  };
}

// gtest prints a parameter by its name, not its bytes.
inline void PrintTo(const BackendFactory& factory, std::ostream* os) { *os << factory.name; }

inline std::string factory_name(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

}  // namespace ebcm::store::testing_util
