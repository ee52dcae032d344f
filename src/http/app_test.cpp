// App's readiness and how the server is told to route requests (issue 8, finding 5): /readyz
// must not wait behind a write holding the store, nor behind sign-ins.
#include "http/app.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/clock.hpp"

namespace ebcm::http {
namespace {

using namespace std::chrono_literals;

Request get(std::string path, std::string method = "GET") {
  Request r;
  r.method = std::move(method);
  r.path = r.target = std::move(path);
  return r;
}

TEST(AppTest, ReadinessNeverWaitsForTheStoreLock) {
  FakeClock clock;
  auto app = App::open("sqlite::memory:", nullptr, nullptr, clock);
  ASSERT_TRUE(app) << app.error().message;
  Request ready = get("/readyz");
  EXPECT_EQ((*app)->handle(ready).status, 200);

  std::atomic<bool> holding{false};
  std::thread writer([&] {
    (*app)->with_store([&](store::Store&) {
      holding = true;
      std::this_thread::sleep_for(600ms);  // a slow commit
      return 0;
    });
  });
  while (!holding) std::this_thread::sleep_for(1ms);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ((*app)->handle(ready).status, 200);  // busy for less than 5 s: ready
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  std::this_thread::sleep_for(150ms);
  Result<void> stuck = (*app)->store_ready(/*busy_limit_ms=*/100);
  ASSERT_FALSE(stuck);
  EXPECT_NE(stuck.error().message.find("has held the store for"), std::string::npos);
  writer.join();
  EXPECT_TRUE((*app)->store_ready(100));
}

TEST(AppTest, HealthAndReadinessAnswerInlineAndSignInsAreIsolated) {
  EXPECT_TRUE(App::answers_quickly(get("/readyz")));
  EXPECT_TRUE(App::answers_quickly(get("/healthz")));
  EXPECT_FALSE(App::answers_quickly(get("/api/v1/functions/payroll", "PATCH")));
  EXPECT_TRUE(App::signs_in(get("/api/v1/session", "POST")));
  EXPECT_FALSE(App::signs_in(get("/api/v1/session")));
  EXPECT_FALSE(App::signs_in(get("/api/v1/functions/payroll", "PATCH")));
}

}  // namespace
}  // namespace ebcm::http
