#include "core/result.hpp"

namespace ebcm {

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "invalid input";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kExists:
      return "exists already";
    case ErrorCode::kStale:
      return "changed meanwhile";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kBusy:
      return "busy";
    case ErrorCode::kIo:
      return "i/o error";
    case ErrorCode::kStorage:
      return "storage error";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "error";
}

}  // namespace ebcm
