#include "http/request_head.hpp"

#include <boost/url/parse.hpp>

#include "core/strings.hpp"

namespace ebcm::http {
namespace {

HeadError bad(std::string_view message, bool framing = false) {
  HeadError e{error_response(400, "bad_request", message), framing};
  e.response.log_note = message;
  return e;
}

// Whether the Transfer-Encoding headers, all of them together, say exactly "chunked".
bool only_chunked(const Request& request) {
  std::vector<std::string_view> codings;
  for (const auto& [name, value] : request.headers) {
    if (!iequals(name, "Transfer-Encoding")) continue;
    for (std::string_view coding : list_items(value)) codings.push_back(coding);
  }
  return codings.size() == 1 && iequals(codings[0], "chunked");
}

template <class Url>
void take_path_and_query(const Url& url, Request& request) {
  request.path = url.path();
  if (request.path.empty()) request.path = "/";
  request.query.clear();
  for (auto param : url.params())
    request.query.emplace_back(std::move(param.key), std::move(param.value));
}

}  // namespace

std::optional<HeadError> check_head(Request& request) {
  int hosts = 0;
  bool transfer_encoding = false;
  for (const auto& [name, value] : request.headers) {
    if (iequals(name, "Host")) ++hosts;
    if (iequals(name, "Transfer-Encoding")) transfer_encoding = true;
  }
  if (transfer_encoding && request.version < 11) {
    return bad("HTTP/1.0 requests may not carry Transfer-Encoding.", true);
  }
  if (transfer_encoding && !only_chunked(request)) {
    return bad("The only Transfer-Encoding this server accepts is \"chunked\".", true);
  }
  if (request.version >= 11 && hosts != 1) {
    return bad(hosts == 0 ? "An HTTP/1.1 request must carry a Host header."
                          : "The request carries more than one Host header.",
               true);
  }
  if (request.target.size() > kMaxTarget) {
    HeadError e{error_response(414, "uri_too_long",
                               "The request target is longer than this server accepts (" +
                                   std::to_string(kMaxTarget) + " bytes)."),
                false};
    e.response.log_note = "target too long";
    return e;
  }
  if (!request.target.empty() && request.target.front() == '/') {
    auto url = boost::urls::parse_origin_form(request.target);
    if (!url) return bad("The request target is not a valid path and query.");
    take_path_and_query(*url, request);
    return std::nullopt;
  }
  // The absolute form, which a client must send to a proxy and a server must accept.
  auto url = boost::urls::parse_absolute_uri(request.target);
  if (!url || !url->has_authority() ||
      !(iequals(url->scheme(), "http") || iequals(url->scheme(), "https"))) {
    return bad("The request target is neither a path (/...) nor an absolute http(s) URL.");
  }
  take_path_and_query(*url, request);
  return std::nullopt;
}

}  // namespace ebcm::http
