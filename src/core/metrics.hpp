// Counters, histograms and gauges for /metrics, rendered in the Prometheus text exposition
// format 0.0.4.
//
// Contract: series are created on first use and live as long as the Metrics. Label values are
// kept bounded by the caller (routes are patterns, never raw paths); methods outside the
// standard set are counted as "other" and statuses outside 100..599 as 0. Gauge names must be
// valid metric names ([a-zA-Z_:][a-zA-Z0-9_:]*); others are ignored.
// Thread safety: every method may be called from any thread. Observing an existing series takes
// a shared lock and a few relaxed atomic additions; only a new series takes the lock exclusively.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace ebcm {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One answered request. `route` is the router's pattern; "" counts as "unmatched".
  void observe_request(std::string_view method, std::string_view route, int status, double seconds);
  // One store operation ("commit", "read_revision", ...).
  void observe_store(std::string_view op, double seconds);
  void set_gauge(std::string_view name, double value);

  std::string render() const;

 private:
  struct Histogram;
  struct RequestSeries;
  struct StoreSeries;

  // Constant after construction.
  std::chrono::system_clock::time_point start_wall_;
  std::chrono::steady_clock::time_point start_steady_;

  mutable std::shared_mutex mutex_;
  // Protected by mutex_ (the maps; the series' counters are atomics). Keyed "method route".
  std::map<std::string, std::unique_ptr<RequestSeries>, std::less<>> requests_;
  std::map<std::string, std::unique_ptr<StoreSeries>, std::less<>> store_;
  std::map<std::string, double, std::less<>> gauges_;
};

}  // namespace ebcm
