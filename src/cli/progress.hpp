// A one-line progress display for long work (a big import or export).
//
// Contract: draws on stderr only when stderr is a terminal (and TERM is not "dumb"); piped or
// redirected, it writes nothing at all, so scripts and logs see only the result. It stays
// silent for the first moments (short work does not flicker), redraws at most ten times a
// second, and clears its line when the work ends or the object is destroyed, so the result
// printed next starts on a clean line.
// Thread safety: one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace ebcm::cli {

class Progress {
 public:
  // `label` says what is being done ("importing").
  explicit Progress(std::string label);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }

  // Starts a new stage of the work under a new label (resets the quiet period).
  void stage(std::string label);
  // `done` of `total` items; total <= 0 when unknown.
  void update(int64_t done, int64_t total);
  // Removes the line if one is drawn.
  void clear();

  // Runs `work`, which reports no progress of its own, and meanwhile shows the label and the
  // time spent (from a helper thread that only draws). Draws nothing when disabled.
  void spin_while(const std::function<void()>& work);

  // A callback for APIs that report progress (store::ProgressFn); valid while this lives.
  std::function<void(int64_t, int64_t)> callback() {
    return [this](int64_t done, int64_t total) { update(done, total); };
  }

 private:
  using Clock = std::chrono::steady_clock;
  void draw(const std::string& line);

  bool enabled_;
  std::string label_;
  Clock::time_point start_;
  Clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace ebcm::cli
