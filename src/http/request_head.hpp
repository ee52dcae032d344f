// What the server checks of a request's head before it reads the body: the framing rules of
// RFC 9112/9110 that keep requests from being smuggled inside others, and the request target.
//
// Contract: check_head() is given a Request whose method, target, headers and version are
// filled in, as read; it fills `path` and `query` from the target (origin form "/a?b" or
// absolute form "http://host/a?b") and returns nothing when the request may be answered, or the
// error to answer. After a framing error the connection must be closed, as where the next
// request begins is not to be trusted:
//   400  a Transfer-Encoding other than exactly "chunked" (identity, gzip, "xchunked",
//        "chunked, identity", "gzip, chunked"...), any Transfer-Encoding in HTTP/1.0;
//        HTTP/1.1 without Host or with more than one  (framing errors);
//   400  a target that is neither origin nor absolute form (authority or asterisk form
//        included: no route takes them), or not validly encoded;
//   414  a target longer than kMaxTarget bytes.
// Thread safety: pure function.
#pragma once

#include <cstddef>
#include <optional>

#include "http/message.hpp"

namespace ebcm::http {

inline constexpr size_t kMaxTarget = 8 * 1024;

struct HeadError {
  Response response;
  bool framing = false;  // close the connection after answering
};

std::optional<HeadError> check_head(Request& request);

}  // namespace ebcm::http
