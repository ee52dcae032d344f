#include "http/config.hpp"

#include <gtest/gtest.h>

#include "core/test_dir.hpp"
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace ebcm::http {
namespace {

using Map = std::map<std::string, std::string>;

class ConfigTest : public ::testing::Test {
 protected:
  std::string file(const std::string& text) {
    std::string path = (dir_ / "serve.yaml").string();
    std::ofstream(path) << text;
    return path;
  }

  TestDir dir_{"ebcm-config"};
};

TEST_F(ConfigTest, DefaultsWithNothingSet) {
  auto c = resolve_config({}, {}, "");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->db, "ebcm.db");
  EXPECT_EQ(c->listen, "127.0.0.1:8080");
  EXPECT_EQ(c->threads, 0);
  EXPECT_EQ(c->log_level, "info");
  EXPECT_EQ(c->read_timeout_s, 30);
}

TEST_F(ConfigTest, FlagsBeatEnvironmentBeatFile) {
  std::string path = file("listen: 127.0.0.1:7000\nthreads: 3\ndb: file.db\nlog-level: debug\n");
  Map env = {{"EBCM_THREADS", "5"},
             {"EBCM_DB", "env.db"},
             {"PATH", "/bin"},
             {"EBCM_SOMETHING_ELSE", "ignored"}};
  Map flags = {{"--db", "flag.db"}};
  auto c = resolve_config(flags, env, path);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->db, "flag.db");
  EXPECT_EQ(c->threads, 5);
  EXPECT_EQ(c->listen, "127.0.0.1:7000");
  EXPECT_EQ(c->log_level, "debug");
}

TEST_F(ConfigTest, ParsesSizesAndDurations) {
  auto c = resolve_config({{"body-limit", "2M"},
                           {"header-limit", "32KiB"},
                           {"read-timeout", "2m"},
                           {"idle-timeout", "15s"},
                           {"shutdown-grace", "0"}},
                          {}, "");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->body_limit, 2u << 20);
  EXPECT_EQ(c->header_limit, 32u << 10);
  EXPECT_EQ(c->read_timeout_s, 120);
  EXPECT_EQ(c->idle_timeout_s, 15);
  EXPECT_EQ(c->shutdown_grace_s, 0);
}

TEST_F(ConfigTest, BadValuesNameTheirSource) {
  auto c = resolve_config({}, {{"EBCM_THREADS", "x"}}, "");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "EBCM_THREADS: expected a whole number, got 'x'");
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidInput);

  c = resolve_config({{"--read-timeout", "soon"}}, {}, "");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message.rfind("--read-timeout: expected seconds", 0), 0u)
      << c.error().message;

  std::string path = file("# ebcm serve\nlisten: 127.0.0.1:8080\nthreads: many\n");
  c = resolve_config({}, {}, path);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, path + ":3: threads: expected a whole number, got 'many'");
}

TEST_F(ConfigTest, AllErrorsAtOnce) {
  auto c = resolve_config({{"threads", "-1"}}, {{"EBCM_LOG_LEVEL", "loud"}}, "");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("EBCM_LOG_LEVEL: expected trace, debug, info, warn, error or "
                                   "off, got 'loud'"),
            std::string::npos)
      << c.error().message;
  EXPECT_NE(c.error().message.find("--threads: "), std::string::npos);
}

TEST_F(ConfigTest, UnknownKeyInFileSuggestsTheRightOne) {
  std::string path = file("listen: 127.0.0.1:8080\ntls-cret: /etc/cert.pem\n");
  auto c = resolve_config({}, {}, path);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, path + ":2: unknown setting 'tls-cret' — did you mean 'tls-cert'?");
}

TEST_F(ConfigTest, UnknownFlagIsAnError) {
  auto c = resolve_config({{"--lissten", ":80"}}, {}, "");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("did you mean 'listen'"), std::string::npos);
}

TEST_F(ConfigTest, MissingFileAndBadYamlAreNamed) {
  auto c = resolve_config({}, {}, (dir_ / "nope.yaml").string());
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("nope.yaml"), std::string::npos);

  std::string path = file("listen: [127.0.0.1\n");
  c = resolve_config({}, {}, path);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message.rfind(path + ":", 0), 0u) << c.error().message;

  path = file("- listen\n");
  c = resolve_config({}, {}, path);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("expected a mapping"), std::string::npos);
}

TEST_F(ConfigTest, EmptyFileIsFine) {
  auto c = resolve_config({}, {}, file(""));
  ASSERT_TRUE(c) << c.error().message;
}

TEST_F(ConfigTest, TlsNeedsBothFiles) {
  auto c = resolve_config({}, {{"EBCM_TLS_CERT", "/etc/cert.pem"}}, "");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("tls-cert is set (by EBCM_TLS_CERT) but tls-key is not"),
            std::string::npos)
      << c.error().message;
  c = resolve_config({{"tls-cert", "c.pem"}, {"tls-key", "k.pem"}}, {}, "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->tls_key, "k.pem");
}

TEST_F(ConfigTest, ParseListen) {
  auto a = parse_listen("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->first, "127.0.0.1");
  EXPECT_EQ(a->second, 8080);
  auto b = parse_listen("[::1]:443");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->first, "::1");
  EXPECT_EQ(b->second, 443);
  auto c = parse_listen(":9000");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->first, "0.0.0.0");
  EXPECT_EQ(c->second, 9000);
  auto d = parse_listen("localhost:0");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->second, 0);
  for (const char* bad : {"8080", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:http", "::1:80",
                          "[127.0.0.1]:80", "[::1]80", "a b:80", ""}) {
    auto r = parse_listen(bad);
    EXPECT_FALSE(r) << bad;
  }
  EXPECT_NE(parse_listen("::1:80").error().message.find("brackets"), std::string::npos);
}

TEST_F(ConfigTest, ServerOptionsFromConfig) {
  auto c = resolve_config({{"listen", "[::1]:0"}, {"read-timeout", "5"}}, {}, "");
  ASSERT_TRUE(c);
  auto o = server_options(*c);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->host, "::1");
  EXPECT_EQ(o->port, 0);
  EXPECT_EQ(o->read_timeout, std::chrono::seconds(5));
}

}  // namespace
}  // namespace ebcm::http
