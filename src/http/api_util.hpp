// Internal to http/: what the route groups share — JSON bodies in and out, the model's
// collections as URL words, query parameters.
// Thread safety: pure functions.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "http/message.hpp"
#include "model/diagnostics.hpp"
#include "model/entities.hpp"

namespace ebcm::http {

namespace json = boost::json;

Response json_response(int status, std::string body);
// The request body as JSON; 400 naming the line/offset and the problem when it is not.
Result<json::value> parse_json_body(const Request& request);

// URL words of the collections: "functions" ↔ kFunction, "business-units" ↔ kBusinessUnit, ...
std::optional<model::EntityKind> kind_of_collection(std::string_view word);
const char* collection_of(model::EntityKind kind);
// "function", "business unit", ...: for messages.
const char* noun_of(model::EntityKind kind);

// If-None-Match (a list of ETags, or *) matches `etag`, compared weakly (RFC 9110 13.1.2).
bool not_modified(const Request& request, std::string_view etag);
Response not_modified_response(const std::string& etag);
// An answer computed from a whole revision: 304 when If-None-Match has its W/"rev-N" (without
// computing anything), else compute()'s answer with that ETag and X-Ebcm-Revision: N when it
// is a success.
Response revision_wide(const Request& request, int64_t revision,
                       const std::function<Response()>& compute);

// A whole number query parameter within [lo, hi], or `fallback` when absent.
Result<int64_t> int_param(const Request& request, std::string_view name, int64_t fallback,
                          int64_t lo, int64_t hi);
// All values of a repeatable query parameter, also split at commas ("down=a,b&down=c").
std::vector<std::string> list_param(const Request& request, std::string_view name);

// "30m" from now, or an ISO time; nullopt when neither.
std::optional<int64_t> parse_when(std::string_view text, int64_t now);
// A JSON list of strings under `key` (absent or null: empty); kInvalidInput naming the key.
Result<std::vector<std::string>> string_list(const json::object& o, const char* key);
// A sentence naming the first control character of a message (C0 but line breaks and tabs,
// DEL), if any.
std::optional<std::string> control_character(std::string_view text);

}  // namespace ebcm::http
