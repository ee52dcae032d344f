// Terminal output shared by every command: colour only where a person reads it, errors in one
// shape ("ebcm: error: ..."), exit statuses from error codes, and files written so that a reader
// never sees half of one.
//
// Exit statuses (the same for every command, documented in `ebcm --help`):
//   0 ok, 1 findings (warnings with --strict), 2 bad input or usage, 3 store or I/O failure.
// Thread safety: the functions write to the process's stdout/stderr; call from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace ebcm::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitFailure = 3;

bool is_terminal(int fd);
// Colour for `fd`: it is a terminal, NO_COLOR is unset or empty, and TERM is not "dumb".
bool colour_enabled(int fd);

// ANSI styling that is a no-op when colour is off.
class Style {
 public:
  explicit Style(bool colour) : colour_(colour) {}
  static Style for_stdout();
  static Style for_stderr();

  bool colour() const { return colour_; }
  std::string bold(std::string_view s) const { return wrap("1", s); }
  std::string dim(std::string_view s) const { return wrap("2", s); }
  std::string red(std::string_view s) const { return wrap("31", s); }
  std::string green(std::string_view s) const { return wrap("32", s); }
  std::string yellow(std::string_view s) const { return wrap("33", s); }
  std::string cyan(std::string_view s) const { return wrap("36", s); }

 private:
  std::string wrap(std::string_view code, std::string_view s) const;
  bool colour_;
};

// kInvalidInput and kNotFound: 2 (the user can fix the input); anything else: 3.
int exit_code_for(const Error& error);
// Prints "ebcm: error: MESSAGE" on stderr and returns exit_code_for(error).
int report(const Error& error);
// Prints "ebcm: error: MESSAGE" on stderr and returns 2.
int report_bad_input(std::string_view message);
// Prints "ebcm: warning: MESSAGE" on stderr.
void warn(std::string_view message);

// "1 error", "2 errors", "0 errors".
std::string plural(int64_t n, std::string_view one, std::string_view many);

// Writes all of `text` to stdout and flushes; kIo if that fails (a full disk, a closed pipe).
Result<void> write_stdout(std::string_view text);
// Writes `text` to PATH.tmp, syncs it and renames it over PATH, so PATH either keeps its old
// content or holds all of `text`. On failure PATH.tmp is removed.
Result<void> write_file_atomic(const std::string& path, std::string_view text);

}  // namespace ebcm::cli
