// Outbound email: one message to one recipient over SMTP through libcurl (OpenSSL, the system
// CA certificates), with STARTTLS and AUTH.
//
// Contract: smtp_send() connects to `server.url` (smtp://host[:port], or smtps://host[:port] for
// TLS from the first byte), upgrades with STARTTLS as `server.tls` says, authenticates when a
// user is set, and sends `message` (a whole RFC 5322 message with CRLF line ends; libcurl
// dot-stuffs it) from `from` to `to`. It never throws and says what happened in a way a sender
// can act on: delivered; the server unreachable (connect failure, time-out, TLS failure: try
// the next provider); a temporary refusal (4xx: retry this one later); a lasting one (5xx,
// rejected credentials, STARTTLS required but not offered: try the next provider). Passwords
// never appear in the outcome's detail.
// Thread safety: smtp_send() may be called from several threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ebcm::net {

struct SmtpServer {
  std::string url;             // smtp://127.0.0.1:2525, smtps://smtp.example:465
  std::string user, password;  // AUTH (PLAIN or LOGIN, as offered) when `user` is set
  // smtp:// only: "try" STARTTLS when the server offers it (the default), "required" (refuse to
  // send in clear), "none" (never).
  std::string tls = "try";
  std::string ca_file;         // a CA bundle instead of the system's (a private relay's CA)
  int64_t timeout_ms = 30'000;
};

struct SendOutcome {
  enum class Kind { kDelivered, kUnreachable, kTemporary, kLasting };
  Kind kind = Kind::kDelivered;
  int reply = 0;       // the server's last SMTP reply code, 0 when none
  std::string detail;  // for the log and the outbox: what went wrong, in words
  std::string reference;  // the provider's id of what it took (a Twilio SID), when it gives one
  bool ok() const { return kind == Kind::kDelivered; }
};
const char* to_string(SendOutcome::Kind kind);  // "delivered", "unreachable", ...

SendOutcome smtp_send(const SmtpServer& server, std::string_view from, std::string_view to,
                      std::string_view message);

}  // namespace ebcm::net
