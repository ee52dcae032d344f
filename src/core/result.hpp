// Result<T>: a value or an Error, passed up explicitly (leveldb's Status, with a payload).
//
// Contract: an Error carries a protocol-free ErrorCode and a message meant for people. Layers
// above map codes to exit statuses (cli/) or HTTP statuses (http/). Exceptions from libraries
// are caught at the edge that calls them and turned into an Error there.
// Thread safety: plain values; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ebcm {

enum class ErrorCode {
  kInvalidInput,  // the user's input is wrong: exit 2, HTTP 400/422
  kNotFound,      // a named thing does not exist
  kConflict,      // a concurrent change or a stale revision
  kExists,        // what is to be created exists already
  kStale,         // the caller's copy of the thing changed meanwhile (HTTP 412)
  kForbidden,     // the caller may not do this (checked again below the HTTP layer)
  kBusy,          // the store is locked by someone else for now: the same call may succeed later
  kIo,            // a file could not be read or written
  kStorage,       // the store failed (SQL error, corrupt database)
  kUnsupported,   // a valid request this build cannot serve (unknown URL scheme, ...)
  kUnavailable,   // something outside the process did not answer (a provider feed): try later
  kInternal,      // a bug
};

const char* to_string(ErrorCode code);

// One problem among several that an Error about a whole input (a model, a request body) lists:
// where (file, 1-based line and column, 0 when unknown; the field's path) and what, with a hint.
struct ErrorDetail {
  std::string file;
  uint32_t line = 0, column = 0;
  std::string path;
  std::string message;
  std::string hint;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::vector<ErrorDetail> details;  // every problem, when the message sums up several
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error)
      : error_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message), {}};
}

}  // namespace ebcm
