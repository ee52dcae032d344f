#include "core/metrics.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <utility>

namespace ebcm {
namespace {

// Seconds; chosen around what an API request costs (sub-millisecond from memory, tens of
// milliseconds for a store write, seconds when something is wrong).
constexpr std::array<double, 14> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,  5,     10};

constexpr std::string_view kMethods[] = {"GET",    "HEAD",  "POST",   "PUT",
                                         "DELETE", "PATCH", "OPTIONS"};

std::string_view method_label(std::string_view method) {
  for (std::string_view m : kMethods)
    if (m == method) return m;
  return "other";
}

void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    // The shortest text that reads back exactly, without an exponent in the usual range.
    char buf[64];
    double a = std::fabs(v);
    auto [end, ec] = a == 0 || (a >= 1e-6 && a < 1e15)
                         ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                         : std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, ec == std::errc() ? static_cast<size_t>(end - buf) : 0);
  }
}

void append_uint(std::string& out, uint64_t v) { out += std::to_string(v); }

// The # HELP of the gauges set from outside (set_gauge); any other gets a generic one, so that
// every family has its HELP.
std::string_view gauge_help(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kHelp[] = {
      {"ebcm_http_open_connections", "HTTP connections open now."},
      {"ebcm_model_revision", "The revision of the model being served (0: the store is empty)."},
      {"ebcm_model_entities", "Entities in the model being served."},
  };
  for (const auto& [n, help] : kHelp)
    if (n == name) return help;
  return "A gauge of ebcm.";
}

bool valid_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

}  // namespace

struct Metrics::Histogram {
  std::array<std::atomic<uint64_t>, kBuckets.size()> buckets{};  // not cumulative
  std::atomic<uint64_t> count{0};
  std::atomic<double> sum{0};

  void observe(double seconds) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      if (seconds <= kBuckets[i]) {
        buckets[i].fetch_add(1, std::memory_order_relaxed);
        break;
      }
    }
    count.fetch_add(1, std::memory_order_relaxed);
    sum.fetch_add(seconds, std::memory_order_relaxed);
  }

  // `labels` is the inner part of {...} without braces, e.g. method="GET",route="/x".
  void render(std::string& out, std::string_view name, const std::string& labels) const {
    uint64_t cumulative = 0;
    auto bucket_line = [&](std::string_view le, uint64_t n) {
      out += name;
      out += "_bucket{";
      out += labels;
      out += ",le=\"";
      out += le;
      out += "\"} ";
      append_uint(out, n);
      out += '\n';
    };
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += buckets[i].load(std::memory_order_relaxed);
      std::string le;
      append_number(le, kBuckets[i]);
      bucket_line(le, cumulative);
    }
    uint64_t total = count.load(std::memory_order_relaxed);
    // A concurrent observe() may have counted before its bucket: keep +Inf >= every bucket.
    if (total < cumulative) total = cumulative;
    bucket_line("+Inf", total);
    out += name;
    out += "_sum{";
    out += labels;
    out += "} ";
    append_number(out, sum.load(std::memory_order_relaxed));
    out += '\n';
    out += name;
    out += "_count{";
    out += labels;
    out += "} ";
    append_uint(out, total);
    out += '\n';
  }
};

struct Metrics::RequestSeries {
  std::string method, route;
  Histogram duration;
  // Indexed by status - 100 (100..599); index 500 counts anything else as status 0.
  std::array<std::atomic<uint64_t>, 501> by_status{};
};

struct Metrics::StoreSeries {
  std::string op;
  Histogram duration;
};

Metrics::Metrics()
    : start_wall_(std::chrono::system_clock::now()),
      start_steady_(std::chrono::steady_clock::now()) {}

Metrics::~Metrics() = default;

void Metrics::observe_request(std::string_view method, std::string_view route, int status,
                              double seconds) {
  std::string_view m = method_label(method);
  if (route.empty()) route = "unmatched";
  // Reused per thread: building the key allocates only the first few times.
  thread_local std::string key;
  key.assign(m);
  key += ' ';
  key += route;

  RequestSeries* series = nullptr;
  {
    std::shared_lock lock(mutex_);
    auto it = requests_.find(key);
    if (it != requests_.end()) series = it->second.get();
  }
  if (!series) {
    std::unique_lock lock(mutex_);
    auto& slot = requests_[key];
    if (!slot) {
      slot = std::make_unique<RequestSeries>();
      slot->method = std::string(m);
      slot->route = std::string(route);
    }
    series = slot.get();
  }
  size_t index = status >= 100 && status <= 599 ? static_cast<size_t>(status - 100) : 500;
  series->by_status[index].fetch_add(1, std::memory_order_relaxed);
  series->duration.observe(seconds);
}

void Metrics::observe_store(std::string_view op, double seconds) {
  StoreSeries* series = nullptr;
  {
    std::shared_lock lock(mutex_);
    auto it = store_.find(op);
    if (it != store_.end()) series = it->second.get();
  }
  if (!series) {
    std::unique_lock lock(mutex_);
    auto it = store_.find(op);
    if (it == store_.end()) {
      auto s = std::make_unique<StoreSeries>();
      s->op = std::string(op);
      it = store_.emplace(std::string(op), std::move(s)).first;
    }
    series = it->second.get();
  }
  series->duration.observe(seconds);
}

void Metrics::set_gauge(std::string_view name, double value) {
  if (!valid_metric_name(name)) return;
  std::unique_lock lock(mutex_);
  auto it = gauges_.find(name);
  if (it == gauges_.end())
    gauges_.emplace(std::string(name), value);
  else
    it->second = value;
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(4096);
  std::shared_lock lock(mutex_);

  out += "# HELP ebcm_http_requests_total HTTP requests answered, by method, route and status.\n";
  out += "# TYPE ebcm_http_requests_total counter\n";
  for (const auto& [key, s] : requests_) {
    for (size_t i = 0; i < s->by_status.size(); ++i) {
      uint64_t n = s->by_status[i].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += "ebcm_http_requests_total{method=\"";
      append_label_value(out, s->method);
      out += "\",route=\"";
      append_label_value(out, s->route);
      out += "\",status=\"";
      out += std::to_string(i == 500 ? 0 : i + 100);
      out += "\"} ";
      append_uint(out, n);
      out += '\n';
    }
  }

  out +=
      "# HELP ebcm_http_request_duration_seconds Time from the start of a request to the end "
      "of its response.\n";
  out += "# TYPE ebcm_http_request_duration_seconds histogram\n";
  for (const auto& [key, s] : requests_) {
    std::string labels = "method=\"";
    append_label_value(labels, s->method);
    labels += "\",route=\"";
    append_label_value(labels, s->route);
    labels += '"';
    s->duration.render(out, "ebcm_http_request_duration_seconds", labels);
  }

  out += "# HELP ebcm_store_operation_duration_seconds Time of store operations, by operation.\n";
  out += "# TYPE ebcm_store_operation_duration_seconds histogram\n";
  for (const auto& [key, s] : store_) {
    std::string labels = "op=\"";
    append_label_value(labels, s->op);
    labels += '"';
    s->duration.render(out, "ebcm_store_operation_duration_seconds", labels);
  }

  double start = std::chrono::duration<double>(start_wall_.time_since_epoch()).count();
  double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_steady_).count();
  out += "# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n";
  out += "# TYPE process_start_time_seconds gauge\n";
  out += "process_start_time_seconds ";
  append_number(out, std::floor(start * 1000) / 1000);
  out += '\n';
  out += "# HELP ebcm_uptime_seconds Seconds since the server started.\n";
  out += "# TYPE ebcm_uptime_seconds gauge\n";
  out += "ebcm_uptime_seconds ";
  append_number(out, std::floor(uptime * 1000) / 1000);
  out += '\n';

  for (const auto& [name, value] : gauges_) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += gauge_help(name);
    out += '\n';
    out += "# TYPE ";
    out += name;
    out += " gauge\n";
    out += name;
    out += ' ';
    append_number(out, value);
    out += '\n';
  }
  return out;
}

}  // namespace ebcm
