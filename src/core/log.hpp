// Structured logs: one JSON object per line on stderr, through spdlog.
//
// Contract: every line is {"time": "<ISO-8601 UTC, milliseconds>Z", "level": "...", "event":
// "...", <fields in order>}; strings are JSON-escaped (invalid UTF-8 becomes U+FFFD), numbers and
// booleans are written bare. The message for logs is kept apart from the one for clients: log
// the detail here, send a short sentence in the response. Never pass request bodies, cookies,
// Authorization headers, passwords or tokens as fields.
// Until init_logging() is called, warnings and errors go to stderr and the rest is dropped.
// Thread safety: every function may be called from any thread.
#pragma once

#include <concepts>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>

namespace ebcm {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// A field of a log line: a key and a value that is either a JSON string or a bare number/bool.
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, const char* v) : key(k), value(v), quoted(true) {}
  LogField(std::string_view k, bool v) : key(k), value(v ? "true" : "false"), quoted(false) {}
  LogField(std::string_view k, double v);
  template <std::integral T>
  LogField(std::string_view k, T v) : key(k), value(std::to_string(v)), quoted(false) {}

  std::string_view key;
  std::string value;
  bool quoted;
};

// "trace", "debug", "info", "warn", "error" or "off"; false for anything else.
bool parse_log_level(std::string_view text, Level* level);

// Logs to stderr from now on, lines below `level` dropped (an unknown level counts as "info").
void init_logging(std::string_view level);
// As init_logging, to `out` instead of stderr (tests). `out` must outlive the logging.
void init_logging_to(std::ostream& out, std::string_view level);

// True when a line at `level` would be written: test it before building costly fields.
bool log_enabled(Level level);
void log_event(Level level, std::string_view event, std::initializer_list<LogField> fields = {});

// The JSON line log_event() writes, without the trailing newline (exposed for tests).
std::string format_log_line(Level level, std::string_view event,
                            std::initializer_list<LogField> fields);

}  // namespace ebcm
