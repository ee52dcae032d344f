// The `notify:` section of the settings file (ebcm serve --config FILE, ebcm notify ...):
// the channels' providers, in the order they are tried, and the public address.
//
// Contract: parse_settings() checks every rule and reports every problem at once (as
// core/settings_checker.hpp does). Rules: `public_url` an http(s) URL (for acknowledgement links
// and the status page; required as soon as any channel is set). `email`: a list of providers,
// each with `smtp` (smtp:// or smtps://) and `from` (an email address), optional `from_name`,
// `user` with exactly one of `password_file` / `password_env` (a `password` key is refused: a
// secret never belongs in the settings), `tls` (try, required, none; smtp:// only), `ca_file`,
// `timeout` (1s to 5m, default 30s). `sms` and `voice`: lists of `kind: twilio` providers with
// `account`, exactly one of `token_file` / `token_env`, `from` (an E.164 number), optional
// `base_url` (default https://api.twilio.com) and `timeout` (default 15s). `webhook`:
// exactly one of `secret_file` / `secret_env` (the HMAC key of signed webhooks). `templates`: a
// directory of message templates (notify/templates.hpp), loaded and checked by the caller.
// email_providers() reads the passwords (a file's first line, or the variable): kInvalidInput
// naming the file or variable, never its content, when one cannot be read or is empty.
// Thread safety: plain functions.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "notify/email.hpp"
#include "notify/transport.hpp"

namespace ebcm::notify {

struct EmailSettings {
  std::string smtp, from, from_name, user, password_file, password_env, tls = "try", ca_file;
  int64_t timeout_s = 30;
};

struct PhoneSettings {  // sms and voice: a Twilio-compatible REST API
  std::string kind = "twilio", base_url = "https://api.twilio.com", account, token_file,
              token_env, from;
  int64_t timeout_s = 15;
};

struct Settings {
  std::string public_url;
  std::string templates;  // a directory of message templates replacing the built-in ones ("")
  std::vector<EmailSettings> email;
  std::vector<PhoneSettings> sms, voice;
  std::string webhook_secret_file, webhook_secret_env;
  // `rate: { email: 50, sms: 5, voice: 1 }`: messages per second per channel (absent: no limit).
  std::map<model::Channel, double> rate_per_s;
  // `claim: 2m`: how long a worker holds the messages it took; an instance that dies holding
  // them leaves them to the others (or to itself restarted) after this. Longer than a batch's
  // sending takes (the providers' timeouts, tried in turn).
  int64_t claim_s = 120;
  bool any_channel() const {
    return !email.empty() || !sms.empty() || !voice.empty() || !webhook_secret_file.empty() ||
           !webhook_secret_env.empty();
  }
};

// The `notify:` section (`notify` may be undefined or null: no channels).
Result<Settings> parse_settings(const YAML::Node& notify, const std::string& file);

// The email providers, in order, with their passwords read.
Result<std::vector<EmailProvider>> email_providers(const Settings& s);

// The SMS or voice providers (`section`: "sms", "voice"), in order, with their tokens read.
Result<std::vector<PhoneProvider>> phone_providers(const std::vector<PhoneSettings>& list,
                                                   const std::string& section);

// A secret from a file (its first line) or an environment variable; `what` names it in errors.
Result<std::string> read_secret(const std::string& file, const std::string& env,
                                const std::string& what);

}  // namespace ebcm::notify
