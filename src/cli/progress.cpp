#include "cli/progress.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "cli/output.hpp"

namespace ebcm::cli {
namespace {

// Work shorter than this shows nothing; redraws are at least this far apart.
constexpr auto kQuietPeriod = std::chrono::milliseconds(300);
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 30;

bool stderr_is_interactive() {
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return is_terminal(STDERR_FILENO);
}

}  // namespace

Progress::Progress(std::string label)
    : enabled_(stderr_is_interactive()), label_(std::move(label)), start_(Clock::now()) {}

Progress::~Progress() { clear(); }

void Progress::stage(std::string label) {
  clear();
  label_ = std::move(label);
  start_ = Clock::now();
}

void Progress::update(int64_t done, int64_t total) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (now - start_ < kQuietPeriod) return;
  if (drawn_ && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  if (total <= 0) {
    draw(fmt::format("{}: {}", label_, done));
    return;
  }
  if (done > total) done = total;
  const int filled = static_cast<int>(done * kBarWidth / total);
  draw(fmt::format("{} [{}{}] {:3}% {}/{}", label_, std::string(filled, '#'),
                   std::string(kBarWidth - filled, '.'), done * 100 / total, done, total));
}

void Progress::spin_while(const std::function<void()>& work) {
  if (!enabled_) {
    work();
    return;
  }
  std::mutex mutex;
  std::condition_variable cv;
  bool finished = false;
  std::thread ticker([&] {
    std::unique_lock lock(mutex);
    while (!cv.wait_for(lock, kRedrawInterval, [&] { return finished; })) {
      const auto elapsed = Clock::now() - start_;
      if (elapsed < kQuietPeriod) continue;
      const auto tenths = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed) / 100;
      draw(fmt::format("{}... {}.{}s", label_, tenths.count() / 10, tenths.count() % 10));
    }
  });
  auto stop = [&] {
    {
      std::lock_guard lock(mutex);
      finished = true;
    }
    cv.notify_one();
    ticker.join();
    clear();
  };
  try {
    work();
  } catch (...) {
    stop();
    throw;
  }
  stop();
}

void Progress::clear() {
  if (!drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

void Progress::draw(const std::string& line) {
  // A line longer than the terminal wraps, and "\r" would then clear only its last part.
  winsize size{};
  size_t width = 80;
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1) width = size.ws_col;
  std::fputs("\r\033[K", stderr);
  std::fputs(line.substr(0, width - 1).c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace ebcm::cli
