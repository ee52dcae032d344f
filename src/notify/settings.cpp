#include "notify/settings.hpp"

#include <array>
#include <cstdlib>
#include <fstream>

#include "core/settings_checker.hpp"
#include "core/strings.hpp"

namespace ebcm::notify {
namespace {

using ebcm::settings::Checker;

constexpr std::array<std::string_view, 8> kTopKeys{"public_url", "email", "sms",  "voice", "webhook",
                                                   "templates",  "rate",  "claim"};
constexpr std::array<std::string_view, 4> kRateKeys{"email", "sms", "voice", "webhook"};
constexpr std::array<std::string_view, 10> kEmailKeys{
    "smtp", "from", "from_name", "user", "password_file", "password_env", "tls", "ca_file",
    "timeout", "password"};
constexpr std::array<std::string_view, 8> kPhoneKeys{"kind",      "base_url", "account", "token_file",
                                                     "token_env", "from",     "timeout", "token"};
constexpr std::array<std::string_view, 3> kWebhookKeys{"secret_file", "secret_env", "secret"};
constexpr std::array<std::string_view, 3> kTlsModes{"try", "required", "none"};

// Exactly one of KEY_file / KEY_env; a bare KEY is refused.
void one_secret(Checker& c, const YAML::Node& n, const std::string& path, const std::string& key,
                std::string& file, std::string& env, bool needed) {
  file = c.scalar(n, (key + "_file").c_str(), path);
  env = c.scalar(n, (key + "_env").c_str(), path);
  if (n[key]) {
    c.problem(n[key], path + "." + key,
              "put the " + key + " in a file (" + key + "_file) or an environment variable (" +
                  key + "_env), never in the settings");
    return;
  }
  if (!file.empty() && !env.empty()) {
    c.problem(n, path, "give one of '" + key + "_file' and '" + key + "_env', not both");
  } else if (needed && file.empty() && env.empty()) {
    c.problem(n, path, "needs '" + key + "_file' or '" + key + "_env'");
  }
}

void check_email(Checker& c, const YAML::Node& n, const std::string& path, Settings& out) {
  if (!n.IsMap()) {
    c.problem(n, path, "an email provider must be a mapping (smtp, from, ...)");
    return;
  }
  c.unknown_keys(n, path, kEmailKeys);
  EmailSettings e;
  e.smtp = c.scalar(n, "smtp", path);
  if (e.smtp.empty()) {
    c.problem(n, path + ".smtp", "an email provider needs 'smtp', as smtp://host:587");
  } else if (!(e.smtp.starts_with("smtp://") || e.smtp.starts_with("smtps://")) ||
             e.smtp.size() <= 8 || e.smtp.find_first_of(" \t\r\n") != std::string::npos) {
    c.problem(n["smtp"], path + ".smtp",
              "'smtp' must be smtp://host[:port] or smtps://host[:port], got '" + e.smtp + "'");
  }
  e.from = c.scalar(n, "from", path);
  if (e.from.empty()) {
    c.problem(n, path + ".from", "an email provider needs 'from', the address it sends as");
  } else if (!is_email(e.from)) {
    c.problem(n["from"], path + ".from", "'" + e.from + "' is not an email address");
  }
  e.from_name = c.scalar(n, "from_name", path);
  e.user = c.scalar(n, "user", path);
  one_secret(c, n, path, "password", e.password_file, e.password_env, !e.user.empty());
  if (e.user.empty() && (!e.password_file.empty() || !e.password_env.empty())) {
    c.problem(n, path + ".user", "a password needs 'user'");
  }
  if (n["tls"]) {
    e.tls = c.scalar(n, "tls", path);
    bool known = false;
    for (auto m : kTlsModes) known = known || m == e.tls;
    if (!known) {
      c.problem(n["tls"], path + ".tls", "'tls' must be try, required or none, got '" + e.tls + "'");
    } else if (e.smtp.starts_with("smtps://") && e.tls != "try") {
      c.problem(n["tls"], path + ".tls", "smtps:// is TLS from the first byte: 'tls' is for smtp://");
    }
  }
  e.ca_file = c.scalar(n, "ca_file", path);
  c.seconds(n, "timeout", path, 1, 300, "1s to 5m", e.timeout_s);
  out.email.push_back(std::move(e));
}

void check_phone(Checker& c, const YAML::Node& n, const std::string& path,
                 std::vector<PhoneSettings>& out) {
  if (!n.IsMap()) {
    c.problem(n, path, "a provider must be a mapping (kind, account, token_file, from, ...)");
    return;
  }
  c.unknown_keys(n, path, kPhoneKeys);
  PhoneSettings p;
  p.kind = c.scalar(n, "kind", path);
  if (p.kind != "twilio") {
    c.problem(n["kind"] ? n["kind"] : n, path + ".kind",
              p.kind.empty() ? "a provider needs 'kind'" : "unknown kind '" + p.kind + "'",
              "twilio (any Twilio-compatible REST API: set base_url)");
  }
  c.url(n, "base_url", path, p.base_url);
  p.account = c.scalar(n, "account", path);
  if (p.account.empty()) c.problem(n, path + ".account", "a twilio provider needs 'account'");
  one_secret(c, n, path, "token", p.token_file, p.token_env, true);
  p.from = c.scalar(n, "from", path);
  if (p.from.empty()) {
    c.problem(n, path + ".from", "a twilio provider needs 'from', the number it sends from");
  } else if (!is_e164(p.from)) {
    c.problem(n["from"], path + ".from",
              "'" + p.from + "' is not a phone number in international form", "as +46101234567");
  }
  c.seconds(n, "timeout", path, 1, 300, "1s to 5m", p.timeout_s);
  out.push_back(std::move(p));
}

Result<Settings> check_settings(const YAML::Node& notify, const std::string& file) {
  Settings s;
  Checker c(file, "notify");
  if (!notify.IsDefined() || notify.IsNull()) return s;
  if (!notify.IsMap()) {
    c.problem(notify, "notify", "'notify' must be a mapping (public_url, email, sms, voice, webhook)");
    return c.finish(std::move(s));
  }
  c.unknown_keys(notify, "notify", kTopKeys);
  c.url(notify, "public_url", "notify", s.public_url);
  while (s.public_url.ends_with('/')) s.public_url.pop_back();  // links append "/status", "/api/..."
  s.templates = c.scalar(notify, "templates", "notify");
  c.seconds(notify, "claim", "notify", 5, 3600, "5s to 1h", s.claim_s);
  auto list = [&](const char* key, auto&& each) {
    YAML::Node l = notify[key];
    if (!l || l.IsNull()) return;
    if (!l.IsSequence()) {
      c.problem(l, std::string("notify.") + key,
                std::string("'") + key + "' must be a list of providers, tried in order");
      return;
    }
    for (size_t i = 0; i < l.size(); ++i)
      each(l[i], std::string("notify.") + key + "[" + std::to_string(i) + "]");
  };
  list("email", [&](const YAML::Node& n, const std::string& p) { check_email(c, n, p, s); });
  list("sms", [&](const YAML::Node& n, const std::string& p) { check_phone(c, n, p, s.sms); });
  list("voice", [&](const YAML::Node& n, const std::string& p) { check_phone(c, n, p, s.voice); });
  if (YAML::Node w = notify["webhook"]; w && !w.IsNull()) {
    if (!w.IsMap()) {
      c.problem(w, "notify.webhook", "'webhook' must be a mapping (secret_file or secret_env)");
    } else {
      c.unknown_keys(w, "notify.webhook", kWebhookKeys);
      one_secret(c, w, "notify.webhook", "secret", s.webhook_secret_file, s.webhook_secret_env,
                 true);
    }
  }
  if (YAML::Node r = notify["rate"]; r && !r.IsNull()) {
    if (!r.IsMap()) {
      c.problem(r, "notify.rate", "'rate' must be a mapping of channel to messages per second",
                "rate: { email: 50, sms: 5, voice: 1 }");
    } else {
      c.unknown_keys(r, "notify.rate", kRateKeys);
      for (const auto& kv : r) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
        auto channel = model::parse_channel(key);
        if (!channel) continue;  // named by unknown_keys()
        double v = 0;
        bool ok = kv.second.IsScalar();
        if (ok) {
          try {
            size_t used = 0;
            v = std::stod(kv.second.Scalar(), &used);
            ok = used == kv.second.Scalar().size() && v > 0 && v <= 100000;
          } catch (...) {
            ok = false;
          }
        }
        if (!ok) {
          c.problem(kv.second, "notify.rate." + key,
                    "'" + key + "' must be a number of messages per second above 0 (at most 100000)");
        } else {
          s.rate_per_s[*channel] = v;
        }
      }
    }
  }
  if (s.any_channel() && s.public_url.empty() && !notify["public_url"]) {
    c.problem(notify, "notify.public_url",
              "'public_url' is needed with any channel: messages link to the status page and "
              "to their acknowledgement",
              "the address people reach ebcm serve at, as https://ebcm.example.com");
  }
  return c.finish(std::move(s));
}

}  // namespace

Result<Settings> parse_settings(const YAML::Node& notify, const std::string& file) {
  try {
    return check_settings(notify, file);
  } catch (const YAML::Exception& e) {
    return ebcm::settings::unreadable(e, file, "notify");
  }
}

Result<std::string> read_secret(const std::string& file, const std::string& env,
                                const std::string& what) {
  std::string value;
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return make_error(ErrorCode::kInvalidInput, what + ": cannot read '" + file + "'");
    std::getline(in, value);
    if (!value.empty() && value.back() == '\r') value.pop_back();
    if (value.empty()) return make_error(ErrorCode::kInvalidInput, what + ": '" + file + "' is empty");
  } else if (!env.empty()) {
    const char* v = std::getenv(env.c_str());
    if (!v || !*v) {
      return make_error(ErrorCode::kInvalidInput,
                        what + ": the environment variable " + env + " is not set");
    }
    value = v;
  }
  return value;
}

Result<std::vector<EmailProvider>> email_providers(const Settings& s) {
  std::vector<EmailProvider> out;
  for (size_t i = 0; i < s.email.size(); ++i) {
    const EmailSettings& e = s.email[i];
    EmailProvider p;
    p.server.url = e.smtp;
    p.server.user = e.user;
    p.server.tls = e.tls;
    p.server.ca_file = e.ca_file;
    p.server.timeout_ms = e.timeout_s * 1000;
    p.from = e.from;
    p.from_name = e.from_name;
    if (!e.user.empty()) {
      auto secret = read_secret(e.password_file, e.password_env,
                                "notify.email[" + std::to_string(i) + "] password");
      if (!secret) return secret.error();
      p.server.password = std::move(*secret);
    }
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<PhoneProvider>> phone_providers(const std::vector<PhoneSettings>& list,
                                                   const std::string& section) {
  std::vector<PhoneProvider> out;
  for (size_t i = 0; i < list.size(); ++i) {
    const PhoneSettings& x = list[i];
    auto token = read_secret(x.token_file, x.token_env,
                             "notify." + section + "[" + std::to_string(i) + "] token");
    if (!token) return token.error();
    out.push_back({x.base_url, x.account, std::move(*token), x.from, x.timeout_s * 1000});
  }
  return out;
}

}  // namespace ebcm::notify
