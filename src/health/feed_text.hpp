// What the feed parsers (graph.cpp, statuspage.cpp) share: times, provider text, JSON fields.
//
// Contract: pure functions; a JsonReader collects the first problem of a payload as an Error
// (kInvalidInput) "<what>: <path>: <problem>", and every getter returns a neutral value once it
// has failed, so a parser reads on and checks ok() at the end of each item.
// Thread safety: plain functions; a JsonReader is used by one thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace ebcm::health {

// An ISO 8601 time ("2020-11-20T17:56:31.39Z", "2022-02-15T13:14:17.744-08:00") → Unix ms,
// the fractional seconds kept to the millisecond.
std::optional<int64_t> parse_iso_ms(std::string_view text);

// HTML (as Graph posts and messages carry it) → plain text: tags removed, <br>, <p>, <li>,
// <div>, <tr> and headings become line breaks, &amp; &lt; &gt; &quot; &#39; &apos; &nbsp; and
// numeric entities decoded, runs of blank lines squeezed, the whole trimmed.
std::string html_to_text(std::string_view html);

// The provider's promise of its next update in a post: "Next update by: Wednesday, March 17,
// 2021, at 8:00 PM UTC", "Next Update: Friday, August 6, 2021, at 9:00 PM UTC", or an ISO time
// after "Next update by:" → Unix ms; nullopt when the text promises nothing readable.
std::optional<int64_t> parse_next_update(std::string_view text);

// The first https URL in `text` that points at a post-incident review (its address or the words
// just before it say "review", "post-incident", "incident report" or "PIR"), else "".
std::string find_review_url(std::string_view text);

std::string lower(std::string_view s);

// Reads fields of a parsed payload, remembering the first problem with its path.
class JsonReader {
 public:
  explicit JsonReader(std::string what) : what_(std::move(what)) {}

  // Parses `body` (whole, one JSON value) as an object; a syntax error or truncation fails.
  // The object lives as long as this reader.
  const boost::json::object* parse(std::string_view body);

  bool ok() const { return !error_.has_value(); }
  Error error() const { return *error_; }
  void fail(const std::string& path, const std::string& problem);

  // A required string: fails "no 'key'" when absent or null, "'key' is not a string" otherwise.
  std::string required(const boost::json::object& o, std::string_view key, const std::string& path);
  // An optional string: "" when absent or null.
  std::string text(const boost::json::object& o, std::string_view key, const std::string& path);
  // An optional time: nullopt when absent, null or ""; fails when not an ISO 8601 time.
  std::optional<int64_t> time(const boost::json::object& o, std::string_view key,
                              const std::string& path);
  bool boolean(const boost::json::object& o, std::string_view key, const std::string& path);
  // An optional array (nullptr when absent or null); fails when another type.
  const boost::json::array* array(const boost::json::object& o, std::string_view key,
                                  const std::string& path);
  const boost::json::object* object(const boost::json::object& o, std::string_view key,
                                    const std::string& path);
  // An optional array of strings.
  std::vector<std::string> strings(const boost::json::object& o, std::string_view key,
                                   const std::string& path);
  // Element `i` of `a` as an object; fails "<path>[i]: not an object".
  const boost::json::object* element(const boost::json::array& a, size_t i,
                                     const std::string& path);

 private:
  std::string what_;
  boost::json::value root_;  // what parse() read; the objects it hands out point into it
  std::optional<Error> error_;
};

}  // namespace ebcm::health
