// Email: a message composed as proper MIME, and sent through a channel's providers in order.
//
// Contract: compose_mime() writes an RFC 5322 message with CRLF line ends: From, To (display
// names and the Subject as RFC 2047 encoded words when not ASCII), Date, Message-ID (given, or
// made from random bytes and the sender's domain), Content-Language, MIME-Version, the extra
// headers, and a multipart/alternative body of a UTF-8 text/plain part and a UTF-8 text/html
// part, both base64 (76-character lines), so no line is too long and no text needs escaping.
// Sending, through the providers in order: notify/transport.hpp.
// Thread safety: pure functions, and send_email() shares nothing between calls.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "net/smtp_client.hpp"

namespace ebcm::notify {

struct Email {
  std::string from, from_name;  // continuity@contoso.example, "Contoso continuity"
  std::string to, to_name;
  std::string subject, text, html;
  std::string language = "en";  // Content-Language
  int64_t date_ms = 0;
  std::string message_id;       // "<...@domain>"; made when empty
  std::vector<std::pair<std::string, std::string>> headers;  // extra: X-Ebcm-Incident, ...
};

std::string compose_mime(const Email& email);
// An RFC 2047 encoded word (or several, space-separated, each of whole UTF-8 characters) for
// a header value that is not plain ASCII; plain ASCII as is.
std::string encode_header_words(std::string_view text);
// "Thu, 03 Dec 2026 13:10:49 +0000"
std::string rfc5322_date(int64_t unix_ms);

struct EmailProvider {
  net::SmtpServer server;
  std::string from;       // the From address this provider sends as
  std::string from_name;  // its display name ("" keeps the message's)
};


}  // namespace ebcm::notify
