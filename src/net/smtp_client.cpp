#include "net/smtp_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <cstring>
#include <mutex>

namespace ebcm::net {
namespace {

struct Upload {
  std::string_view data;
  size_t at = 0;
};

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  auto* u = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, u->data.size() - u->at);
  std::memcpy(buffer, u->data.data() + u->at, n);
  u->at += n;
  return n;
}

// A connection cache per server setting (address, credentials, TLS mode, CA): a message to a
// server that answered the one before goes over the same connection (no new TCP, TLS, EHLO and
// AUTH per message), from whichever thread sends it. Per setting, because libcurl does not
// tell a STARTTLS connection verified against one CA from another: a cached connection must
// never carry a message whose settings would not have made it. libcurl checks a cached
// connection is alive before reusing it.
class SharedConnections {
 public:
  SharedConnections() {
    share_ = curl_share_init();
    if (!share_) return;
    curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &SharedConnections::lock);
    curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &SharedConnections::unlock);
    curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
  CURLSH* get() const { return share_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<SharedConnections*>(user)->mutex(data).lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<SharedConnections*>(user)->mutex(data).unlock();
  }
  std::mutex& mutex(curl_lock_data data) {
    return mutexes_[static_cast<size_t>(data) % mutexes_.size()];
  }
  CURLSH* share_ = nullptr;  // lives as long as the process
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mutexes_;
};

SendOutcome outcome(SendOutcome::Kind kind, long reply, std::string detail) {
  return SendOutcome{kind, static_cast<int>(reply), std::move(detail)};
}

}  // namespace

const char* to_string(SendOutcome::Kind kind) {
  switch (kind) {
    case SendOutcome::Kind::kDelivered: return "delivered";
    case SendOutcome::Kind::kUnreachable: return "unreachable";
    case SendOutcome::Kind::kTemporary: return "temporary";
    case SendOutcome::Kind::kLasting: return "lasting";
  }
  return "?";
}

SendOutcome smtp_send(const SmtpServer& server, std::string_view from, std::string_view to,
                      std::string_view message) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  using Kind = SendOutcome::Kind;
  const bool implicit_tls = server.url.starts_with("smtps://");
  if (!implicit_tls && !server.url.starts_with("smtp://")) {
    return outcome(Kind::kLasting, 0, "the address is not smtp:// or smtps://");
  }
  SharedConnections* shared = nullptr;
  {
    static std::mutex mutex;
    static auto* by_setting = new std::map<std::string, SharedConnections*>();  // never freed
    const std::string key = server.url + '\n' + server.user + '\n' + server.password + '\n' +
                            server.tls + '\n' + server.ca_file;
    std::lock_guard lock(mutex);
    SharedConnections*& s = (*by_setting)[key];
    if (!s) s = new SharedConnections();
    shared = s;
  }
  CURL* easy = curl_easy_init();
  if (!easy) return outcome(Kind::kTemporary, 0, "could not start a connection");
  if (shared->get()) curl_easy_setopt(easy, CURLOPT_SHARE, shared->get());
  const std::string mail_from = "<" + std::string(from) + ">";
  const std::string rcpt = "<" + std::string(to) + ">";
  curl_slist* recipients = curl_slist_append(nullptr, rcpt.c_str());
  Upload upload{message};
  curl_easy_setopt(easy, CURLOPT_URL, server.url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(server.timeout_ms));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(server.timeout_ms));
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!server.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, server.ca_file.c_str());
  if (!implicit_tls) {
    const long use = server.tls == "required" ? CURLUSESSL_ALL
                     : server.tls == "none"   ? CURLUSESSL_NONE
                                              : CURLUSESSL_TRY;
    curl_easy_setopt(easy, CURLOPT_USE_SSL, use);
  }
  if (!server.user.empty()) {
    curl_easy_setopt(easy, CURLOPT_USERNAME, server.user.c_str());
    curl_easy_setopt(easy, CURLOPT_PASSWORD, server.password.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(easy, CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(easy, CURLOPT_READDATA, &upload);
  curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));

  const CURLcode code = curl_easy_perform(easy);
  long reply = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &reply);
  curl_slist_free_all(recipients);
  curl_easy_cleanup(easy);

  if (code == CURLE_OK) return outcome(Kind::kDelivered, reply ? reply : 250, "accepted");
  const std::string what = curl_easy_strerror(code);
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
      return outcome(Kind::kUnreachable, reply, what);
    case CURLE_LOGIN_DENIED:
      return outcome(Kind::kLasting, reply, "the server refused the credentials");
    case CURLE_USE_SSL_FAILED:
      return outcome(Kind::kLasting, reply, "the server does not offer STARTTLS, which is required");
    default:
      break;
  }
  if (reply >= 400 && reply < 500) {
    return outcome(Kind::kTemporary, reply, fmt::format("refused for now ({}): {}", reply, what));
  }
  if (reply >= 500) {
    return outcome(Kind::kLasting, reply, fmt::format("refused ({}): {}", reply, what));
  }
  return outcome(Kind::kUnreachable, reply, what);
}

}  // namespace ebcm::net
