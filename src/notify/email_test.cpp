// Email: MIME composed as mail readers expect it, and sent through a real SMTP server on
// loopback (tests/notify/smtp_sink.py: Debian's aiosmtpd), with failover between providers.
#include "notify/email.hpp"
#include "notify/transport.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/test_dir.hpp"

extern char** environ;

namespace ebcm::notify {
namespace {

std::string decode_base64(std::string_view in) {
  static const std::string k =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t v = 0;
  int bits = 0;
  for (char c : in) {
    const size_t i = k.find(c);
    if (i == std::string::npos) continue;  // line breaks, '='
    v = (v << 6) | static_cast<uint32_t>(i);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((v >> bits) & 0xFF);
    }
  }
  return out;
}

Email swedish() {
  Email e;
  e.from = "continuity@contoso.example";
  e.from_name = "Contoso kontinuitet";
  e.to = "erik@contoso.example";
  e.to_name = "Erik Johansson";
  e.subject = "Störning: Exchange Online är nere — incidenthantering påverkas, svara på larmet";
  e.text = "Hej Erik,\nExchange Online är nere.\n.\nEn rad som börjar med punkt.\n";
  e.html = "<p>Hej Erik,</p><p>Exchange Online är nere.</p>";
  e.language = "sv";
  e.date_ms = 1'796'304'649'000;  // 2026-12-03 13:30:49 UTC
  e.headers = {{"X-Ebcm-Incident", "EX900001"}};
  return e;
}

TEST(EmailTest, ComposedMimeHasTheHeadersAndBothUtf8Parts) {
  const std::string m = compose_mime(swedish());
  // Every line ends in CRLF, and none is longer than 78 characters.
  std::istringstream lines(m);
  for (std::string line; std::getline(lines, line);) {
    ASSERT_FALSE(line.empty() || line.back() != '\r') << "a bare LF before: " << line;
    EXPECT_LE(line.size(), 79u) << line;
  }
  EXPECT_NE(m.find("From: \"Contoso kontinuitet\" <continuity@contoso.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("To: \"Erik Johansson\" <erik@contoso.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(m.find("Date: Thu, 03 Dec 2026 13:30:49 +0000\r\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Language: sv\r\n"), std::string::npos);
  EXPECT_NE(m.find("X-Ebcm-Incident: EX900001\r\n"), std::string::npos);
  EXPECT_NE(m.find("@contoso.example>\r\n"), std::string::npos);  // the Message-ID's domain
  EXPECT_NE(m.find("Message-ID: <"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: multipart/alternative; boundary="), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/plain; charset=utf-8"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: text/html; charset=utf-8"), std::string::npos);
  // The subject's words decode back to the subject, cut between characters only.
  std::string subject;
  const size_t at = m.find("Subject: ") + 9;
  const std::string folded = m.substr(at, m.find("\r\nDate:") - at);
  for (size_t p = 0; (p = folded.find("=?UTF-8?B?", p)) != std::string::npos;) {
    const size_t end = folded.find("?=", p + 10);
    subject += decode_base64(folded.substr(p + 10, end - p - 10));
    p = end;
  }
  EXPECT_EQ(subject, swedish().subject);
  // Two messages never share a Message-ID.
  auto id = [](const std::string& x) {
    const size_t p = x.find("Message-ID: ");
    return x.substr(p, x.find("\r\n", p) - p);
  };
  EXPECT_NE(id(m), id(compose_mime(swedish())));
}

TEST(EmailTest, HeaderValuesCannotSmuggleInHeadersOfTheirOwn) {
  Email e = swedish();
  e.subject = "Hello\r\nBcc: everyone@example.com";
  e.to_name = "Eve\r\nX-Evil: 1";
  const std::string m = compose_mime(e);
  EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(m.find("\r\nX-Evil:"), std::string::npos);
}

// The test SMTP server: started on loopback, stopped with the test.
class Sink {
 public:
  explicit Sink(std::vector<std::string> extra = {}) {
    std::filesystem::create_directories(dir_.path());
    int out[2];
    if (::pipe(out) != 0) return;
    std::vector<std::string> args{"/usr/bin/python3",
                                  std::string(EBCM_SOURCE_DIR) + "/tests/notify/smtp_sink.py",
                                  "--dir", dir_.path().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    if (posix_spawn(&pid_, argv[0], &fa, nullptr, argv.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    char line[128] = {};
    if (f && std::fgets(line, sizeof line, f)) std::sscanf(line, "port %d", &port_);
    if (f) std::fclose(f);
  }
  ~Sink() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool up() const { return port_ > 0; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::string message(int n) const { return read(std::to_string(n) + ".eml"); }
  std::string envelope(int n) const { return read(std::to_string(n) + ".json"); }
  int count() const {
    int n = 0;
    while (std::filesystem::exists(dir_.path() / (std::to_string(n + 1) + ".json"))) ++n;
    return n;
  }

 private:
  std::string read(const std::string& name) const {
    std::ifstream f(dir_.path() / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  TestDir dir_{"ebcm-smtp-sink"};
  pid_t pid_ = 0;
  int port_ = 0;
};

// A loopback port nothing listens on (a provider that is down).
std::string closed_url() { return "smtp://127.0.0.1:9"; }

EmailProvider provider(std::string url, std::string from = "continuity@contoso.example") {
  EmailProvider p;
  p.server.url = std::move(url);
  p.server.timeout_ms = 5000;
  p.from = std::move(from);
  return p;
}

TEST(EmailTest, AMessageReachesARealSmtpServerIntact) {
  Sink sink;
  ASSERT_TRUE(sink.up()) << "tests/notify/smtp_sink.py did not start (python3-aiosmtpd?)";
  const EmailResult r = send_email({provider(sink.url())}, 0, swedish());
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail;
  EXPECT_EQ(r.outcome.reply, 250);
  ASSERT_EQ(sink.count(), 1);
  EXPECT_NE(sink.envelope(1).find(R"("from": "continuity@contoso.example")"), std::string::npos);
  EXPECT_NE(sink.envelope(1).find("erik@contoso.example"), std::string::npos);
  const std::string m = sink.message(1);
  EXPECT_NE(m.find("Content-Language: sv"), std::string::npos);
  // The text part arrives as written, the line with a lone dot included (SMTP dot-stuffing
  // undone by the server).
  const size_t body = m.find("\r\n\r\n", m.find("text/plain")) + 4;
  const std::string text = decode_base64(m.substr(body, m.find("--=_ebcm", body) - body));
  EXPECT_EQ(text, swedish().text);
}

TEST(EmailTest, ADownProviderFailsOverToTheNextAndOnlyItSends) {
  Sink second;
  ASSERT_TRUE(second.up());
  const EmailResult r =
      send_email({provider(closed_url()), provider(second.url(), "backup@contoso.example")}, 0,
                 swedish());
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail;
  EXPECT_EQ(r.provider, 1u);
  ASSERT_EQ(second.count(), 1);
  EXPECT_NE(second.message(1).find("backup@contoso.example"), std::string::npos);
}

TEST(EmailTest, ALastingRefusalFailsOverATemporaryOneWaitsForARetry) {
  Sink refusing({"--refuse", "550"}), busy({"--refuse", "451"}), good;
  ASSERT_TRUE(refusing.up() && busy.up() && good.up());
  EmailResult r = send_email({provider(refusing.url()), provider(good.url())}, 0, swedish());
  EXPECT_TRUE(r.outcome.ok()) << r.outcome.detail;
  EXPECT_EQ(r.provider, 1u);
  r = send_email({provider(busy.url()), provider(good.url())}, 0, swedish());
  EXPECT_EQ(r.outcome.kind, net::SendOutcome::Kind::kTemporary) << r.outcome.detail;
  EXPECT_EQ(r.outcome.reply, 451);
  EXPECT_EQ(r.provider, 0u);   // retried there later: not sent through the next meanwhile
  EXPECT_EQ(good.count(), 1);  // only the first message
}

TEST(EmailTest, EveryProviderDownSaysUnreachable) {
  const EmailResult r = send_email({provider(closed_url()), provider(closed_url())}, 0, swedish());
  EXPECT_EQ(r.outcome.kind, net::SendOutcome::Kind::kUnreachable);
  EXPECT_EQ(r.provider, 1u);
  EXPECT_EQ(send_email({}, 0, swedish()).outcome.kind, net::SendOutcome::Kind::kLasting);
}

TEST(EmailTest, AuthSendsTheCredentialsAndAWrongPasswordIsALastingRefusal) {
  Sink sink({"--user", "ebcm", "--password", "s3cret"});
  ASSERT_TRUE(sink.up());
  EmailProvider p = provider(sink.url());
  p.server.user = "ebcm";
  p.server.password = "wrong";
  EmailResult r = send_email({p}, 0, swedish());
  EXPECT_EQ(r.outcome.kind, net::SendOutcome::Kind::kLasting) << r.outcome.detail;
  EXPECT_EQ(r.outcome.detail.find("wrong"), std::string::npos);  // no password in what is kept
  p.server.password = "s3cret";
  r = send_email({p}, 0, swedish());
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail;
  EXPECT_NE(sink.envelope(1).find(R"("auth": true)"), std::string::npos);
}

TEST(EmailTest, StartTlsIsUsedWhenRequiredAndRefusedWhenNotOffered) {
  TestDir keys("ebcm-smtp-tls");
  const std::string cert = (keys.path() / "cert.pem").string(), key = (keys.path() / "key.pem").string();
  const std::string made = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                           "-addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert +
                           " > /dev/null 2>&1";
  ASSERT_EQ(std::system(made.c_str()), 0) << "openssl could not make a test certificate";
  Sink tls({"--cert", cert, "--key", key}), clear;
  ASSERT_TRUE(tls.up() && clear.up());
  EmailProvider p = provider(tls.url());
  p.server.tls = "required";
  p.server.ca_file = cert;
  EmailResult r = send_email({p}, 0, swedish());
  ASSERT_TRUE(r.outcome.ok()) << r.outcome.detail;
  EXPECT_NE(tls.envelope(1).find(R"("tls": true)"), std::string::npos);
  // A server that does not offer STARTTLS gets nothing in clear when TLS is required.
  p.server.url = clear.url();
  r = send_email({p}, 0, swedish());
  EXPECT_EQ(r.outcome.kind, net::SendOutcome::Kind::kLasting) << r.outcome.detail;
  EXPECT_EQ(clear.count(), 0);
  // An unknown certificate is not trusted.
  p.server.url = tls.url();
  p.server.ca_file.clear();
  r = send_email({p}, 0, swedish());
  EXPECT_FALSE(r.outcome.ok());
  EXPECT_EQ(tls.count(), 1);
}

}  // namespace
}  // namespace ebcm::notify
