#include "cli/output.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ebcm::cli {

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

bool colour_enabled(int fd) {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return is_terminal(fd);
}

Style Style::for_stdout() { return Style(colour_enabled(STDOUT_FILENO)); }
Style Style::for_stderr() { return Style(colour_enabled(STDERR_FILENO)); }

std::string Style::wrap(std::string_view code, std::string_view s) const {
  if (!colour_ || s.empty()) return std::string(s);
  return fmt::format("\033[{}m{}\033[0m", code, s);
}

int exit_code_for(const Error& error) {
  switch (error.code) {
    case ErrorCode::kInvalidInput:
    case ErrorCode::kNotFound:
    case ErrorCode::kForbidden:
      return kExitBadInput;
    default:
      return kExitFailure;
  }
}

namespace {
void print_prefixed(std::string_view tone, std::string_view message) {
  Style style = Style::for_stderr();
  std::string label = tone == "error" ? style.red(tone) : style.yellow(tone);
  std::string text = fmt::format("ebcm: {}: {}", style.bold(label), message);
  if (text.empty() || text.back() != '\n') text += '\n';
  std::fflush(stdout);  // keep the order stdout and stderr were written in on a terminal
  std::fputs(text.c_str(), stderr);
}
}  // namespace

int report(const Error& error) {
  print_prefixed("error", error.message);
  return exit_code_for(error);
}

int report_bad_input(std::string_view message) {
  print_prefixed("error", message);
  return kExitBadInput;
}

void warn(std::string_view message) { print_prefixed("warning", message); }

std::string plural(int64_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

Result<void> write_stdout(std::string_view text) {
  if (!text.empty() && std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot write to stdout: {}", std::strerror(errno)));
  }
  if (std::fflush(stdout) != 0) {
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot write to stdout: {}", std::strerror(errno)));
  }
  return {};
}

Result<void> write_file_atomic(const std::string& path, std::string_view text) {
  const std::string tmp = path + ".tmp";
  auto fail = [&](std::string_view what) -> Result<void> {
    std::string message = fmt::format("cannot {} '{}': {}", what, tmp, std::strerror(errno));
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::kIo, std::move(message));
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot create '{}': {}", tmp, std::strerror(errno)));
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      errno = saved;
      return fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return fail("sync");
  }
  if (::close(fd) != 0) return fail("close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string message =
        fmt::format("cannot rename '{}' to '{}': {}", tmp, path, std::strerror(errno));
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::kIo, std::move(message));
  }
  return {};
}

}  // namespace ebcm::cli
