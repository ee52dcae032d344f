// Benchmark of the impact engine on a big model (issue 3): load, compile, then the full impact
// of losing `internet` and of a few services that reach a few hundred nodes, as medians of many
// runs on the already compiled graph. Not a test: machines are noisy, figures are read, not
// asserted. bench/impact_1m.sh runs it beside PostgreSQL answering the same questions.
//
//   impact_bench MODEL.json [--edges-csv OUT.csv] [--no-report] [--runs N] [--cpu-time]
//
// --no-report skips the `internet (report)` row (the slow one) and --runs N times internet N
// times instead of 15; --cpu-time times each run by this thread's CPU time rather than the wall
// clock (steadier on a busy machine). For iterating on the engine; the default output is what
// the script reads.
// --edges-csv writes (node_ref, depends_on_ref) rows, one per reference in a node's requires
// (inside any/all too, a feature's inherited service requirements included) plus one per
// feature → its service (disrupting a service takes its features with it), so a recursive query
// over them asks "what depends on X" the way the engine propagates `requires`.
// Lines starting with "small:", "row:" and "mem:" are for the script; the rest is for people.
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "impact/compiled_graph.hpp"
#include "impact/engine.hpp"
#include "impact/report.hpp"
#include "model/load.hpp"

namespace {

using ebcm::impact::CompiledGraph;
using ebcm::impact::DisruptionSet;
using ebcm::impact::Engine;
using ebcm::impact::Expr;
using ebcm::impact::kNone;
using ebcm::impact::RunOptions;
using ebcm::impact::State;
using Clock = std::chrono::steady_clock;

bool g_cpu_time = false;  // --cpu-time

// Microseconds on the wall clock, or of this thread's CPU time with --cpu-time.
double now_us() {
  if (g_cpu_time) {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  }
  return std::chrono::duration<double, std::micro>(Clock::now().time_since_epoch()).count();
}

// VmRSS or VmHWM of this process, in KiB.
long proc_status_kib(const char* key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t len = std::strlen(key);
  while (std::getline(in, line)) {
    if (line.compare(0, len, key) == 0 && line.size() > len && line[len] == ':') {
      return std::stol(line.substr(len + 1));
    }
  }
  return -1;
}
double mib(long kib) { return static_cast<double>(kib) / 1024.0; }

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

template <class T>
size_t bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

// What the graph's public arrays hold (capacity, strings' heap buffers included); the two
// private lookup tables (ref → node, unit → index) are not counted here, RSS counts them.
size_t array_bytes(const CompiledGraph& g) {
  size_t b = bytes(g.refs) + bytes(g.kinds) + bytes(g.owner_service) + bytes(g.feature_begin) +
             bytes(g.features) + bytes(g.rto) + bytes(g.mtpd) + bytes(g.entry_begin) +
             bytes(g.entries) + bytes(g.exprs) + bytes(g.soft_begin) + bytes(g.soft) +
             bytes(g.dep_begin) + bytes(g.dependents) + bytes(g.mit_begin) + bytes(g.mits) +
             bytes(g.gap_begin) + bytes(g.gaps) + bytes(g.with_nodes) +
             bytes(g.mitigation_ids) + bytes(g.staff_normal) + bytes(g.staff_minimum) +
             bytes(g.staffed) + bytes(g.business_units) + bytes(g.unit_begin) + bytes(g.units) +
             bytes(g.loc_begin) + bytes(g.locs) + bytes(g.bu_staffed_begin) +
             bytes(g.bu_staffed) + bytes(g.loc_staffed_begin) + bytes(g.loc_staffed) +
             bytes(g.cycles);
  const auto& l = g.layout;  // the engine's renumbered copy of what propagation reads
  b += bytes(l.order) + bytes(l.rank) + bytes(l.nodes) + bytes(l.exprs) + bytes(l.owner) +
       bytes(l.dependents) + bytes(l.soft) + bytes(l.mits) + bytes(l.with_nodes);
  auto heap = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; };
  for (const auto& s : g.refs) b += heap(s);
  for (const auto& s : g.mitigation_ids) b += heap(s);
  for (const auto& s : g.business_units) b += heap(s);
  for (const auto& c : g.cycles) b += bytes(c);
  return b;
}

// Calls fn(target) for every kRef under node n's entries (own and inherited requires).
template <class Fn>
void for_each_requires_ref(const CompiledGraph& g, uint32_t n, Fn&& fn) {
  std::vector<uint32_t> stack;
  for (uint32_t k = g.entry_begin[n]; k < g.entry_begin[n + 1]; ++k) {
    stack.push_back(g.entries[k]);
    while (!stack.empty()) {
      const Expr& e = g.exprs[stack.back()];
      stack.pop_back();
      if (e.op == Expr::Op::kRef) {
        fn(e.a);
      } else {
        for (uint32_t c = e.a; c < e.b; ++c) stack.push_back(c);
      }
    }
  }
}

// Size of the downstream cone of `root` (nodes reachable through `dependents`, root excluded,
// a service's features included as the engine disrupts them too), or limit + 1 once above limit.
uint32_t cone_size(const CompiledGraph& g, uint32_t root, uint32_t limit,
                   std::vector<uint32_t>& stamp, uint32_t epoch, std::vector<uint32_t>& queue) {
  queue.clear();
  stamp[root] = epoch;
  queue.push_back(root);
  for (uint32_t k = g.feature_begin[root]; k < g.feature_begin[root + 1]; ++k) {
    stamp[g.features[k]] = epoch;
    queue.push_back(g.features[k]);
  }
  for (size_t head = 0; head < queue.size(); ++head) {
    const uint32_t n = queue[head];
    for (uint32_t k = g.dep_begin[n]; k < g.dep_begin[n + 1]; ++k) {
      const uint32_t d = g.dependents[k];
      if (stamp[d] != epoch) {
        stamp[d] = epoch;
        queue.push_back(d);
        if (queue.size() - 1 > limit) return limit + 1;
      }
    }
  }
  return static_cast<uint32_t>(queue.size() - 1);
}

struct Measured {
  std::string question;
  uint32_t cone = 0;  // downstream cone through `dependents`
  size_t reached = 0, down = 0, degraded = 0;
  double median_us = 0, min_us = 0;
  int runs = 0;
};

// report = false: Engine::run() without the words (the live path: states, down_for, breaches).
// report = true: run() with the words, then make_report() (what `ebcm impact` shows).
Measured measure(Engine& engine, const CompiledGraph& g, uint32_t node, int runs, uint32_t cone,
                 bool report = false) {
  Measured m;
  m.question = g.refs[node] + (report ? " (report)" : "");
  m.cone = cone;
  m.runs = runs;
  DisruptionSet d{{node}, {}, std::nullopt};
  {  // warm-up (not counted): first touch of the engine's scratch pages
    auto warm = engine.run(d, RunOptions{report});
    m.reached = warm.nodes.size();
    for (const auto& x : warm.nodes) {
      if (x.state == State::kDown) ++m.down;
      if (x.state == State::kDegraded) ++m.degraded;
    }
  }
  std::vector<double> us;
  us.reserve(runs);
  for (int i = 0; i < runs; ++i) {
    const double t0 = now_us();
    auto impact = engine.run(d, RunOptions{report});
    std::optional<ebcm::impact::Report> r;
    if (report) r = ebcm::impact::make_report(g, impact, m.question);
    us.push_back(now_us() - t0);
    if (impact.nodes.size() != m.reached) fmt::print(stderr, "warning: run {} differs\n", i);
  }  // the result (and report) is freed outside the timed span
  std::sort(us.begin(), us.end());
  m.median_us = us[us.size() / 2];
  m.min_us = us.front();
  return m;
}

std::string human(double us) {
  if (us >= 1e6) return fmt::format("{:.2f} s", us / 1e6);
  if (us >= 1e3) return fmt::format("{:.2f} ms", us / 1e3);
  return fmt::format("{:.1f} µs", us);
}

void write_edges(const CompiledGraph& g, const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + path);
  std::vector<char> buf(1 << 20);
  std::setvbuf(f, buf.data(), _IOFBF, buf.size());
  std::vector<uint32_t> seen(g.size(), kNone);
  size_t rows = 0;
  auto row = [&](uint32_t from, uint32_t to) {
    std::fputs(g.refs[from].c_str(), f);
    std::fputc(',', f);
    std::fputs(g.refs[to].c_str(), f);
    std::fputc('\n', f);
    ++rows;
  };
  for (uint32_t v = 0; v < g.size(); ++v) {
    for_each_requires_ref(g, v, [&](uint32_t t) {
      if (seen[t] != v) {  // one row per (node, target), as a set
        seen[t] = v;
        row(v, t);
      }
    });
    const uint32_t s = g.owner_service[v];
    if (s != kNone && seen[s] != v) row(v, s);  // feature → service: rule 1
  }
  if (std::fclose(f) != 0) throw std::runtime_error("cannot write " + path);
  fmt::print("edges: {} rows written to {}\n", rows, path);
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, edges_csv;
  bool with_report = true;
  int internet_runs = 15;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--edges-csv" && i + 1 < argc) {
      edges_csv = argv[++i];
    } else if (a == "--cpu-time") {
      g_cpu_time = true;
    } else if (a == "--no-report") {
      with_report = false;
    } else if (a == "--runs" && i + 1 < argc) {
      internet_runs = std::max(1, std::atoi(argv[++i]));
    } else if (a.rfind("--", 0) != 0 && model_path.empty()) {
      model_path = a;
    } else {
      model_path.clear();
      break;
    }
  }
  if (model_path.empty()) {
    fmt::print(stderr,
               "usage: impact_bench MODEL.json [--edges-csv OUT.csv] [--no-report] [--runs N] "
               "[--cpu-time]\n");
    return 2;
  }

  const long rss_start = proc_status_kib("VmRSS");
  auto t0 = Clock::now();
  auto loaded = std::make_unique<ebcm::model::Loaded>(ebcm::model::load_and_validate({model_path}));
  const double load_s = seconds_since(t0);
  if (loaded->diagnostics.has_errors()) {
    fmt::print(stderr, "the model has errors; `ebcm validate {}` lists them\n", model_path);
    return 1;
  }
  const long rss_loaded = proc_status_kib("VmRSS");

  t0 = Clock::now();
  const CompiledGraph g = CompiledGraph::compile(loaded->model);
  const double compile_s = seconds_since(t0);
  const long rss_compiled = proc_status_kib("VmRSS");
  const long hwm_compile = proc_status_kib("VmHWM");

  // The graph owns copies of everything it needs: free the model and give the pages back.
  loaded.reset();
  malloc_trim(0);
  const long rss_graph_only = proc_status_kib("VmRSS");
  const size_t graph_arrays = array_bytes(g);

  fmt::print("model: {} ({} nodes, {} requirement exprs, {} dependents edges)\n", model_path,
             g.size(), g.exprs.size(), g.dependents.size());
  fmt::print("load + validate {:8.2f} s    RSS {:7.0f} MiB\n", load_s, mib(rss_loaded));
  fmt::print("compile         {:8.2f} s    RSS {:7.0f} MiB (+{:.0f} MiB; peak so far {:.0f} MiB)\n",
             compile_s, mib(rss_compiled), mib(rss_compiled - rss_loaded), mib(hwm_compile));
  fmt::print("model freed                   RSS {:7.0f} MiB: the compiled graph holds {:.0f} MiB "
             "resident ({:.0f} MiB in its arrays, the rest its lookup tables)\n",
             mib(rss_graph_only), mib(rss_graph_only - rss_start),
             static_cast<double>(graph_arrays) / (1 << 20));

  if (!edges_csv.empty()) write_edges(g, edges_csv);

  // Small services: a downstream cone of 100..1000 nodes; five spread evenly over the
  // candidates in node order (deterministic for a given model). Only services something
  // `requires` (itself or a feature of it): one reached only through degraded_by or a
  // mitigation's `with` (pstn) has no rows in the edges PostgreSQL is asked about.
  t0 = Clock::now();
  std::vector<uint8_t> required(g.size(), 0);
  for (uint32_t v = 0; v < g.size(); ++v) {
    for_each_requires_ref(g, v, [&](uint32_t t) {
      required[t] = 1;
      if (g.owner_service[t] != kNone) required[g.owner_service[t]] = 1;
    });
  }
  std::vector<uint32_t> stamp(g.size(), 0), queue;
  std::vector<std::pair<uint32_t, uint32_t>> candidates;  // (node, cone)
  uint32_t epoch = 0;
  for (uint32_t n = 0; n < g.size(); ++n) {
    if (g.kinds[n] != ebcm::model::NodeKind::kService || !required[n]) continue;
    const uint32_t c = cone_size(g, n, 1000, stamp, ++epoch, queue);
    if (c >= 100 && c <= 1000) candidates.emplace_back(n, c);
  }
  std::vector<std::pair<uint32_t, uint32_t>> small;
  const size_t want = std::min<size_t>(5, candidates.size());
  for (size_t i = 0; i < want; ++i) small.push_back(candidates[i * candidates.size() / want]);
  stamp.clear();
  stamp.shrink_to_fit();
  fmt::print("small services: {} of {} candidates with a cone of 100..1000 nodes ({:.2f} s)\n",
             small.size(), candidates.size(), seconds_since(t0));
  std::string small_line;
  for (const auto& [n, c] : small) small_line += (small_line.empty() ? "" : ",") + g.refs[n];
  fmt::print("small: {}\n", small_line);

  Engine engine(g);
  std::vector<Measured> rows;
  const uint32_t internet = g.find("internet");
  if (internet != kNone) {
    rows.push_back(measure(engine, g, internet, internet_runs, 0));
    if (with_report) rows.push_back(measure(engine, g, internet, 5, 0, true));
  } else {
    fmt::print(stderr, "warning: the model has no node 'internet'\n");
  }
  for (const auto& [n, c] : small) rows.push_back(measure(engine, g, n, 1001, c));
  const long rss_end = proc_status_kib("VmRSS");
  const long hwm_end = proc_status_kib("VmHWM");

  fmt::print("\n{:<16} {:>9} {:>9} {:>9} {:>9} {:>6} {:>11} {:>11}\n", "disrupted", "cone",
             "reached", "down", "degraded", "runs", "median", "min");
  for (const auto& m : rows) {
    fmt::print("{:<16} {:>9} {:>9} {:>9} {:>9} {:>6} {:>11} {:>11}\n", m.question,
               m.cone ? std::to_string(m.cone) : std::string("-"), m.reached, m.down, m.degraded,
               m.runs, human(m.median_us), human(m.min_us));
  }
  fmt::print("(open-ended; Engine::run() without the words timed, result freed outside the span; "
             "\"(report)\": run() with the words plus make_report(); one warm-up run first; "
             "cone = downstream nodes through `dependents`)\n");
  fmt::print("\nRSS after the runs {:.0f} MiB (engine scratch included); process peak {:.0f} MiB "
             "(loading the model included)\n",
             mib(rss_end), mib(hwm_end));

  for (const auto& m : rows) {
    std::string q = m.question;
    std::replace(q.begin(), q.end(), ' ', '_');
    fmt::print("row: {} {} {} {} {:.3f} {:.3f}\n", q, m.reached, m.down, m.degraded,
               m.median_us, m.min_us);
  }
  fmt::print("mem: {} {} {} {} {}\n", rss_graph_only - rss_start, rss_compiled - rss_loaded,
             graph_arrays / 1024, rss_end, hwm_end);
  return 0;
}
