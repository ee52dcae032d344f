#include "core/log.hpp"

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

#include "core/utf8.hpp"

namespace ebcm {
namespace {

const char* level_word(Level level) {
  switch (level) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "info";
}

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::kTrace:
      return spdlog::level::trace;
    case Level::kDebug:
      return spdlog::level::debug;
    case Level::kInfo:
      return spdlog::level::info;
    case Level::kWarn:
      return spdlog::level::warn;
    case Level::kError:
      return spdlog::level::err;
    case Level::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

// The logger is replaced by init_logging(); readers take a copy of the shared_ptr under the
// mutex so a replacement never frees a logger in use. The level is mirrored in an atomic so the
// common "is this enabled" test takes no lock.
std::mutex g_mutex;
std::shared_ptr<spdlog::logger> g_logger;  // protected by g_mutex
std::atomic<int> g_level{static_cast<int>(Level::kWarn)};

std::shared_ptr<spdlog::logger> logger() {
  std::lock_guard lock(g_mutex);
  if (!g_logger) {
    g_logger =
        std::make_shared<spdlog::logger>("ebcm", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    g_logger->set_pattern("%v");
    g_logger->set_level(to_spdlog(static_cast<Level>(g_level.load())));
    g_logger->flush_on(spdlog::level::trace);
  }
  return g_logger;
}

void install(std::shared_ptr<spdlog::sinks::sink> sink, std::string_view level_text) {
  Level level = Level::kInfo;
  if (!parse_log_level(level_text, &level)) level = Level::kInfo;
  auto l = std::make_shared<spdlog::logger>("ebcm", std::move(sink));
  l->set_pattern("%v");
  l->set_level(to_spdlog(level));
  // One line per event, written at once: a crash loses nothing already logged.
  l->flush_on(spdlog::level::trace);
  std::lock_guard lock(g_mutex);
  g_logger = std::move(l);
  g_level = static_cast<int>(level);
}

void append_time(std::string& out) {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  out += buf;
}

}  // namespace

LogField::LogField(std::string_view k, double v) : key(k), quoted(false) {
  if (!std::isfinite(v)) {
    value = "null";  // JSON has no NaN or infinity
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  value = buf;
}

bool parse_log_level(std::string_view text, Level* level) {
  static constexpr std::pair<std::string_view, Level> kLevels[] = {
      {"trace", Level::kTrace}, {"debug", Level::kDebug},  {"info", Level::kInfo},
      {"warn", Level::kWarn},   {"warning", Level::kWarn}, {"error", Level::kError},
      {"off", Level::kOff}};
  for (const auto& [word, value] : kLevels) {
    if (word == text) {
      *level = value;
      return true;
    }
  }
  return false;
}

void init_logging(std::string_view level) {
  install(std::make_shared<spdlog::sinks::stderr_sink_mt>(), level);
}

void init_logging_to(std::ostream& out, std::string_view level) {
  install(std::make_shared<spdlog::sinks::ostream_sink_mt>(out, /*force_flush=*/true), level);
}

bool log_enabled(Level level) {
  return level != Level::kOff && static_cast<int>(level) >= g_level.load(std::memory_order_relaxed);
}

std::string format_log_line(Level level, std::string_view event,
                            std::initializer_list<LogField> fields) {
  std::string out;
  out.reserve(128);
  out += "{\"time\":";
  append_time(out);
  out += ",\"level\":\"";
  out += level_word(level);
  out += "\",\"event\":";
  append_json_quoted(out, event);
  for (const LogField& f : fields) {
    out += ',';
    append_json_quoted(out, f.key);
    out += ':';
    if (f.quoted)
      append_json_quoted(out, f.value);
    else
      out += f.value;
  }
  out += '}';
  return out;
}

void log_event(Level level, std::string_view event, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  std::string line = format_log_line(level, event, fields);
  logger()->log(to_spdlog(level), spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace ebcm
