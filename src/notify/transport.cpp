#include "notify/transport.hpp"

#include <sodium.h>

#include <boost/json.hpp>
#include <cctype>

#include "core/strings.hpp"
#include "notify/templates.hpp"

namespace ebcm::notify {

using Kind = net::SendOutcome::Kind;

std::vector<Attempt> send_with_failover(Transport& t, size_t first, const Message& m) {
  std::vector<Attempt> out;
  for (size_t p = first; p < t.providers(); ++p) {
    out.push_back({p, t.send(p, m)});
    const Kind k = out.back().outcome.kind;
    if (k == Kind::kDelivered || k == Kind::kTemporary) break;
  }
  return out;
}

// ---- email ----

std::string EmailTransport::provider_name(size_t provider) const {
  return provider < providers_.size() ? providers_[provider].server.url : std::string("?");
}

net::SendOutcome EmailTransport::send(size_t provider, const Message& m) {
  if (provider >= providers_.size()) return {Kind::kLasting, 0, "no such email provider"};
  const EmailProvider& p = providers_[provider];
  Email e = m.email;
  e.from = p.from;
  if (!p.from_name.empty()) e.from_name = p.from_name;
  if (e.to.empty()) e.to = m.address;
  return net::smtp_send(p.server, e.from, e.to, compose_mime(e));
}

EmailResult send_email(const std::vector<EmailProvider>& providers, size_t first, Email email) {
  EmailTransport t(providers);
  Message m;
  m.address = email.to;
  m.email = std::move(email);
  const std::vector<Attempt> attempts = send_with_failover(t, first, m);
  if (attempts.empty()) return {{Kind::kLasting, 0, "no email provider is configured"}, first};
  return {attempts.back().outcome, attempts.back().provider};
}

// ---- SMS and voice (Twilio's REST API) ----

namespace {


std::string basic_auth(const std::string& user, const std::string& password) {
  const std::string plain = user + ":" + password;
  std::string out(sodium_base64_encoded_len(plain.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(plain.data()),
                    plain.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return "Basic " + out;
}

// What the provider said was wrong, without echoing what we sent: Twilio's numeric `code`
// and its `message` (it names the problem, e.g. "The 'To' number is not a valid phone number").
std::string api_error(const net::Response& r) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(r.body, ec);
  std::string out = "HTTP " + std::to_string(r.status);
  if (ec || !v.is_object()) return out;
  const auto& o = v.as_object();
  if (auto* c = o.if_contains("code"); c && c->is_int64()) out += " code " + std::to_string(c->as_int64());
  if (auto* msg = o.if_contains("message"); msg && msg->is_string()) {
    out += ": " + std::string(msg->as_string()).substr(0, 200);
  }
  return out;
}

}  // namespace

std::string voice_twiml(const Message& m) {
  const std::string lang = m.language == "sv" ? "sv-SE" : "en-GB";
  const std::string say = "<Say language=\"" + lang + "\">" + escape_markup(m.text) + "</Say>";
  if (m.voice_action.empty()) return "<Response>" + say + "</Response>";
  return "<Response><Gather numDigits=\"1\" timeout=\"10\" method=\"POST\" action=\"" +
         escape_markup(m.voice_action) + "\">" + say + "</Gather>" + say + "</Response>";
}

std::string PhoneTransport::provider_name(size_t provider) const {
  if (provider >= providers_.size()) return "?";
  return "twilio " + providers_[provider].account + " at " + net::url_host(providers_[provider].base_url);
}

net::SendOutcome PhoneTransport::send(size_t provider, const Message& m) {
  if (provider >= providers_.size()) return {Kind::kLasting, 0, "no such provider"};
  const PhoneProvider& p = providers_[provider];
  net::Request req;
  req.method = "POST";
  std::string base = p.base_url;
  while (base.ends_with('/')) base.pop_back();
  req.url = base + "/2010-04-01/Accounts/" + net::form_encode(p.account) +
            (voice_ ? "/Calls.json" : "/Messages.json");
  req.timeout_ms = p.timeout_ms;
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                 {"Accept", "application/json"},
                 {"Authorization", basic_auth(p.account, p.token)},
                 {"Idempotency-Key", m.key}};
  req.body = "To=" + net::form_encode(m.address) + "&From=" + net::form_encode(p.from) +
             (voice_ ? "&Twiml=" + net::form_encode(voice_twiml(m))
                     : "&Body=" + net::form_encode(m.text));
  std::unique_ptr<net::HttpClient> client = http_();
  Result<net::Response> r = client->send(req);
  if (!r) return {Kind::kUnreachable, 0, r.error().message};
  if (r->status >= 200 && r->status < 300) {
    net::SendOutcome ok{Kind::kDelivered, r->status, "accepted"};
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r->body, ec);
    if (!ec && v.is_object()) {
      if (auto* sid = v.as_object().if_contains("sid"); sid && sid->is_string()) {
        ok.reference = std::string(sid->as_string());
      }
    }
    return ok;
  }
  if (r->status == 429) return {Kind::kTemporary, r->status, api_error(*r)};
  if (r->status >= 500) return {Kind::kUnreachable, r->status, api_error(*r)};
  return {Kind::kLasting, r->status, api_error(*r)};
}

// ---- webhooks ----

std::string webhook_signature(const std::string& secret, int64_t timestamp_s, std::string_view body) {
  const std::string data = std::to_string(timestamp_s) + "." + std::string(body);
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  crypto_auth_hmacsha256_final(&st, mac);
  char hex[2 * sizeof mac + 1];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return std::string("v1=") + hex;
}

net::SendOutcome WebhookTransport::send(size_t, const Message& m) {
  std::string host = net::url_host(m.address);
  if (auto colon = host.rfind(':'); colon != std::string::npos) host.resize(colon);
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host.empty()) return {Kind::kLasting, 0, "the address is not an http(s) URL"};
  auto under = [&](std::string_view domain) {
    return host == domain || (host.size() > domain.size() && host.ends_with(domain) &&
                              host[host.size() - domain.size() - 1] == '.');
  };
  const std::string& subject = m.email.subject.empty() ? m.text : m.email.subject;
  const std::string& text = m.email.text.empty() ? m.text : m.email.text;
  net::Request req;
  req.method = "POST";
  req.url = m.address;
  req.timeout_ms = 15'000;
  req.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", m.key}};
  if (under("webhook.office.com") || under("logic.azure.com")) {
    req.body = boost::json::serialize(boost::json::object{{"@type", "MessageCard"},
                                                          {"@context", "https://schema.org/extensions"},
                                                          {"summary", subject},
                                                          {"title", subject},
                                                          {"text", text}});
  } else if (under("hooks.slack.com")) {
    req.body = boost::json::serialize(boost::json::object{{"text", "*" + subject + "*\n" + text}});
  } else {
    if (secret_.empty()) {
      return {Kind::kLasting, 0, "no webhook secret is configured (notify.webhook.secret_file)"};
    }
    req.body = boost::json::serialize(boost::json::object{{"key", m.key},
                                                          {"language", m.language},
                                                          {"subject", subject},
                                                          {"text", text}});
    const int64_t ts = clock_.now_ms() / 1000;
    req.headers.emplace_back("X-Ebcm-Timestamp", std::to_string(ts));
    req.headers.emplace_back("X-Ebcm-Signature", webhook_signature(secret_, ts, req.body));
  }
  std::unique_ptr<net::HttpClient> client = http_();
  Result<net::Response> r = client->send(req);
  if (!r) return {Kind::kUnreachable, 0, r.error().message};
  if (r->status >= 200 && r->status < 300) return {Kind::kDelivered, r->status, "accepted"};
  const std::string what = "HTTP " + std::to_string(r->status) + " from " + net::url_host(m.address);
  if (r->status == 429) return {Kind::kTemporary, r->status, what};
  if (r->status >= 500) return {Kind::kUnreachable, r->status, what};
  return {Kind::kLasting, r->status, what};
}

}  // namespace ebcm::notify
