// Benchmark (bench/health_100k.sh): one poll cycle that brings 1,000 changed provider issues,
// mapped onto a model, stored in one transaction and re-evaluated (the live impact), beside
// the time to store the same 1,000 issues alone (one put_many of their incident records) as the
// baseline, both on the same SQLite file system in the same run. Not a test: prints figures.
//
//   build/health_bench MODEL.json [ISSUES]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "app/incidents.hpp"
#include "app/service.hpp"
#include "core/clock.hpp"
#include "model/entities.hpp"
#include "model/load.hpp"
#include "store/backend.hpp"

using namespace ebcm;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

health::Reading reading(const model::Model& m, int count, int round, int64_t now) {
  health::Reading r;
  r.full = false;
  r.cursor = format_utc(now);
  std::vector<const model::Service*> mapped;
  for (const auto& s : m.services)
    if (s.provider == "microsoft365") mapped.push_back(&s);
  for (const auto* s : mapped) r.services.push_back({s->provider_service, s->name, "servicedegradation", false});
  for (int i = 0; i < count; ++i) {
    const model::Service* s = mapped[static_cast<size_t>(i) % mapped.size()];
    health::ProviderIssue x;
    x.id = fmt::format("EX{:06}", i);
    x.kind = "issue";
    x.service = s->name;
    x.service_id = s->provider_service;
    x.status = i % 10 == 0 ? "serviceinterruption" : "servicedegradation";
    x.classification = "incident";
    x.title = fmt::format("Issue {} round {}", i, round);
    x.start_ms = now - 600'000;
    x.last_modified_ms = now;
    x.posts.push_back({now, "regular", fmt::format("Update {} of issue {}", round, i)});
    r.issues.push_back(std::move(x));
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: health_bench MODEL.json [ISSUES]\n");
    return 2;
  }
  const int count = argc > 2 ? std::atoi(argv[2]) : 1000;
  auto loaded = model::load_paths({argv[1]});
  if (loaded.diagnostics.has_errors()) {
    std::fprintf(stderr, "the model has errors\n");
    return 2;
  }
  model::Model m = std::move(loaded.model);
  // The feed reports on 40 of the model's Microsoft 365 services, spread over the model (the
  // generator maps about a quarter of its services to microsoft365).
  std::vector<size_t> ms365;
  for (size_t i = 0; i < m.services.size(); ++i)
    if (m.services[i].provider == "microsoft365") ms365.push_back(i);
  if (ms365.empty()) {
    std::fprintf(stderr, "the model maps no service to microsoft365\n");
    return 2;
  }
  for (size_t k = 0; k < ms365.size(); ++k)
    if (k % std::max<size_t>(1, ms365.size() / 40) != 0) m.services[ms365[k]].provider.clear();
  const auto dir = std::filesystem::temp_directory_path() / "ebcm-health-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  SystemClock clock;
  auto svc = app::Service::open("sqlite:" + (dir / "m.db").string(), nullptr, nullptr, clock);
  if (!svc) {
    std::fprintf(stderr, "%s\n", svc.error().message.c_str());
    return 3;
  }
  const auto entities = model::to_entities(m);
  auto first = (*svc)->commit({"bench", "", std::nullopt, ""},
                              [&](const app::Snapshot&) -> Result<std::vector<model::Entity>> { return entities; },
                              "bench", {"model_import", "model", {}});
  if (!first) {
    std::fprintf(stderr, "%s\n", first.error().message.c_str());
    return 3;
  }
  (void)(*svc)->snapshot()->graph();  // compiled once, as in a running server
  std::printf("model: %u nodes; %d changed issues per cycle\n\n",
              static_cast<unsigned>((*svc)->snapshot()->graph().size()), count);

  // The baseline: the same 1,000 incident records stored alone, one transaction.
  auto backend = store::open_backend("sqlite:" + (dir / "baseline.db").string());
  if (!backend) return 3;
  double baseline = 0, cycle = 0, live = 0;
  const int rounds = 5;
  for (int round = 1; round <= rounds; ++round) {
    const int64_t now = clock.now_ms();
    const health::Reading r = reading(m, count, round, now);
    std::vector<store::LiveWrite> writes;
    for (const auto& issue : r.issues) {
      auto i = app::sync_issue(std::nullopt, "microsoft365", issue, now, 3'600'000);
      writes.push_back({app::incident_key(issue.id), app::to_json(*i), std::nullopt});
    }
    auto t0 = std::chrono::steady_clock::now();
    if (!backend->live->put_many(writes, now, "bench", std::nullopt)) return 3;
    const double b = ms_since(t0);
    t0 = std::chrono::steady_clock::now();
    auto changes = (*svc)->record_reading("microsoft365", r);
    if (!changes || changes->size() != static_cast<size_t>(count)) {
      std::fprintf(stderr, "the cycle did not change every issue\n");
      return 3;
    }
    const auto t1 = std::chrono::steady_clock::now();
    const app::LiveImpact l = (*svc)->live_impact();
    const double c = ms_since(t0), lv = ms_since(t1);
    if (round > 1) {  // the first round warms caches and creates the records
      baseline += b;
      cycle += c;
      live += lv;
    }
    std::printf("round %d: cycle %.1f ms (of which live impact %.1f ms, %zu functions not up); "
                "baseline store alone %.1f ms\n",
                round, c, lv, l.functions.size(), b);
  }
  const int n = rounds - 1;
  std::printf("\n%-62s %9.1f ms\n", "poll cycle: map + store + re-evaluate (mean of rounds 2-5)", cycle / n);
  std::printf("%-62s %9.1f ms\n", "  of which the live impact", live / n);
  std::printf("%-62s %9.1f ms\n", "baseline: store the same issues alone (one put_many)", baseline / n);
  std::printf("target: the cycle under 300 ms\n");
  std::filesystem::remove_all(dir);
  return 0;
}
