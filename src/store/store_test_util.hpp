// Helpers shared by the store's tests: a scratch database path and small models.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/entities.hpp"
#include "store/store.hpp"

namespace ebcm::store::testing_util {

// A database path unique to the running test, removed (with its WAL files) before and after.
class TempDb {
 public:
  TempDb() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "ebcm_store_" + info->test_suite_name() + "_" + info->name() +
            "_" + std::to_string(::getpid()) + ".db";
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

}  // namespace ebcm::store::testing_util
