#include "notify/email.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <array>
#include <ctime>

namespace ebcm::notify {
namespace {

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint32_t(uint8_t(in[i])) << 16) | (uint32_t(uint8_t(in[i + 1])) << 8) |
                       uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kBase64[(v >> s) & 63];
  }
  if (i < in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) v |= uint32_t(uint8_t(in[i + 1])) << 8;
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Base64 in lines of 76 characters, each ended by CRLF.
std::string base64_lines(std::string_view in) {
  const std::string b = base64(in);
  std::string out;
  for (size_t i = 0; i < b.size(); i += 76) {
    out += b.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

bool plain_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

std::string random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out;
  for (unsigned char c : raw) out += fmt::format("{:02x}", c);
  return out;
}

// "Name <address>", the name encoded (or quoted) as needed; the address alone without a name.
std::string mailbox(std::string_view name, std::string_view address) {
  if (name.empty()) return std::string(address);
  std::string shown;
  if (!plain_ascii(name)) {
    shown = encode_header_words(name);
  } else {
    shown = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') shown += '\\';
      shown += c;
    }
    shown += '"';
  }
  return fmt::format("{} <{}>", shown, address);
}

// Header values never carry line breaks (they would start a header of their own).
std::string one_line(std::string_view v) {
  std::string out;
  for (char c : v) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

}  // namespace

std::string encode_header_words(std::string_view text) {
  if (plain_ascii(text)) return std::string(text);
  // Each word holds at most 39 bytes (52 in base64: 64 characters with its frame, so even the
  // first, after "Subject: ", keeps its line within 78), cut only between UTF-8 characters.
  std::string out;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = std::min(text.size(), at + 39);
    while (end < text.size() && end > at && (uint8_t(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";  // folded: a long subject stays within line limits
    out += "=?UTF-8?B?" + base64(text.substr(at, end - at)) + "?=";
    at = end;
  }
  return out;
}

std::string rfc5322_date(int64_t unix_ms) {
  const std::time_t t = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[size_t(tm.tm_wday)],
                     tm.tm_mday, kMonths[size_t(tm.tm_mon)], tm.tm_year + 1900, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

std::string compose_mime(const Email& e) {
  static const bool sodium_ready = sodium_init() >= 0;  // for randombytes_buf
  (void)sodium_ready;
  const std::string domain = e.from.find('@') != std::string::npos
                                 ? e.from.substr(e.from.find('@') + 1)
                                 : std::string("ebcm.invalid");
  const std::string id =
      e.message_id.empty() ? fmt::format("<{}.{}@{}>", random_hex(12), e.date_ms, domain)
                           : e.message_id;
  const std::string boundary = "=_ebcm_" + random_hex(8);
  std::string m;
  m += "From: " + one_line(mailbox(e.from_name, e.from)) + "\r\n";
  m += "To: " + one_line(mailbox(e.to_name, e.to)) + "\r\n";
  m += "Subject: " + encode_header_words(one_line(e.subject)) + "\r\n";
  m += "Date: " + rfc5322_date(e.date_ms) + "\r\n";
  m += "Message-ID: " + one_line(id) + "\r\n";
  m += "Content-Language: " + one_line(e.language) + "\r\n";
  for (const auto& [name, value] : e.headers) m += one_line(name) + ": " + one_line(value) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(e.text);
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(e.html);
  m += "--" + boundary + "--\r\n";
  return m;
}

}  // namespace ebcm::notify
