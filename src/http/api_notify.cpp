// Notifications: a round sent and its status, acknowledgements (the API, the signed link's page,
// SMS replies, voice keypresses). A thin adapter over app::Notifier.
//   - GET/POST /api/v1/incidents/{id}/notifications: the outbox (viewers) / one round (responders);
//   - POST /api/v1/incidents/{id}/acknowledge: for a person (responders; default the account's);
//   - GET/POST /api/v1/ack/{token}: the link's page, no sign-in (GET only shows a button: mail
//     scanners that open links must not acknowledge), in the person's language;
//   - POST /api/v1/inbound/sms and /api/v1/inbound/voice: Twilio's webhooks, their
//     X-Twilio-Signature checked (HMAC-SHA1 of the public URL and the sorted form fields with
//     a provider's token) before anything is read.
#include <openssl/hmac.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "http/api_util.hpp"
#include "http/app.hpp"
#include "notify/settings.hpp"
#include "notify/templates.hpp"

namespace ebcm::http {
namespace {

Response not_configured() {
  return error_response(409, "not_configured",
                        "notifications are not configured: start ebcm serve with --config naming a "
                        "notify: section (docs/notifications.md)");
}


std::string person_language(const App& app, const std::string& person) {
  const auto snap = app.snapshot();
  for (const auto& p : snap->model().people)
    if (p.id == person && !p.language.empty()) return p.language;
  return snap->model().organization.language == "sv" ? "sv" : "en";
}

std::string person_name(const App& app, const std::string& person) {
  const auto snap = app.snapshot();
  for (const auto& p : snap->model().people)
    if (p.id == person) return p.name.empty() ? p.id : p.name;
  return person;
}

// The acknowledgement page: plain HTML that reads well on a phone.
Response page(int status, const std::string& lang, const std::string& title, const std::string& body) {
  Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body = fmt::format(
      "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>{}</title><style>body{{font:1.1rem/1.5 system-ui,sans-serif;max-width:34rem;"
      "margin:2rem auto;padding:0 1rem;color:#111}}h1{{font-size:1.4rem}}"
      "button{{font-size:1.2rem;padding:.8rem 1.6rem;border:0;border-radius:.4rem;"
      "background:#0a5;color:#fff;cursor:pointer}}button:focus{{outline:3px solid #036}}"
      "</style></head><body><main><h1>{}</h1>{}</main></body></html>",
      lang, notify::escape_markup(title), notify::escape_markup(title), body);
  r.set("Cache-Control", "no-store");
  return r;
}

Response ack_error_page(const Error& e) {
  const int status = e.code == ErrorCode::kStale ? 410 : e.code == ErrorCode::kInvalidInput ? 400 : 503;
  const std::string text = e.code == ErrorCode::kStale || e.code == ErrorCode::kInvalidInput
                               ? e.message
                               : "The acknowledgement could not be recorded now; try again, or "
                                 "acknowledge by phone or SMS.";
  return page(status, "en", "Not acknowledged", "<p>" + notify::escape_markup(text) + "</p>");
}

// One application/x-www-form-urlencoded name or value, decoded ("+" is a space).
std::string form_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The form fields of an application/x-www-form-urlencoded body, decoded, in order.
std::vector<std::pair<std::string, std::string>> form_fields(std::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    out.emplace_back(form_decode(pair.substr(0, eq)),
                     eq == std::string_view::npos ? std::string() : form_decode(pair.substr(eq + 1)));
  }
  return out;
}

std::string field(const std::vector<std::pair<std::string, std::string>>& f, std::string_view k) {
  for (const auto& [key, value] : f)
    if (key == k) return value;
  return "";
}

// Twilio's request signature: base64(HMAC-SHA1(token, url + each field's name and value, by name)).
bool twilio_signed(const Request& req, const std::string& url,
                   const std::vector<std::pair<std::string, std::string>>& fields,
                   const std::vector<std::string>& tokens) {
  auto sent = req.header("X-Twilio-Signature");
  if (!sent || tokens.empty()) return false;
  auto sorted = fields;
  std::sort(sorted.begin(), sorted.end());
  std::string data = url;
  for (const auto& [k, v] : sorted) data += k + v;
  for (const auto& token : tokens) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha1(), token.data(), static_cast<int>(token.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
    std::string b64(sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(b64.data(), b64.size(), mac, len, sodium_base64_VARIANT_ORIGINAL);
    b64.resize(b64.size() - 1);
    if (b64.size() == sent->size() && sodium_memcmp(b64.data(), sent->data(), b64.size()) == 0) return true;
  }
  return false;
}

std::vector<std::string> tokens_of(const std::vector<notify::PhoneSettings>& list, const char* section) {
  std::vector<std::string> out;
  if (auto p = notify::phone_providers(list, section))
    for (const auto& x : *p) out.push_back(x.token);
  return out;
}

Response twiml(std::string body) {
  Response r;
  r.content_type = "text/xml; charset=utf-8";
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>" + std::move(body) + "</Response>";
  return r;
}

}  // namespace

void add_notify_routes(App& app, Router& r) {
  r.add({"GET", "/api/v1/incidents/{id}/notifications", Access::kRead,
         [&app](Context& c) {
           auto s = app.notifier().status(c.param("id"));
           if (!s) return error_response(s.error());
           return json_response(200, app::to_json(*s));
         },
         {}, "what became of each message of the incident, its call trees' escalation and who "
             "acknowledged"});
  r.add({"POST", "/api/v1/incidents/{id}/notifications", Access::kRespond,
         [&app](Context& c) {
           if (!app.notifier().can_send()) return not_configured();
           bool widen = false;
           if (!c.request.body.empty()) {
             const auto& body = c.json_body();
             if (!body) return error_response(body.error());
             if (!body->is_object()) return error_response(400, "invalid_input", "expected a JSON object");
             for (const auto& [k, v] : body->as_object()) {
               if (k != "widen") {
                 return error_response(400, "invalid_input",
                                       fmt::format("unknown key '{}'; expected widen", std::string_view(k)));
               }
               if (!v.is_bool()) return error_response(400, "invalid_input", "widen: expected true or false");
               widen = v.as_bool();
             }
           }
           auto s = app.notifier().send_round(actor_of(c), c.param("id"), widen);
           if (!s) return error_response(s.error());
           return json_response(202, app::to_json(*s));
         },
         {}, "send one round of the incident's messages (body {\"widen\": true} tells everyone); "
             "the same update is never sent twice"});
  r.add({"POST", "/api/v1/incidents/{id}/acknowledge", Access::kRespond,
         [&app](Context& c) {
           app::Actor actor = actor_of(c);
           std::string person = actor.person;
           if (!c.request.body.empty()) {
             const auto& body = c.json_body();
             if (!body) return error_response(body.error());
             if (!body->is_object()) return error_response(400, "invalid_input", "expected a JSON object");
             for (const auto& [k, v] : body->as_object()) {
               if (k != "person" || !v.is_string()) {
                 return error_response(400, "invalid_input", "expected {\"person\": \"<person id>\"}");
               }
               person = std::string(v.as_string());
             }
           }
           if (person.empty()) {
             return error_response(400, "invalid_input",
                                   "person: name who acknowledges (this account has no person)");
           }
           auto a = app.notifier().acknowledge(actor, c.param("id"), person, "api");
           if (!a) return error_response(a.error());
           return json_response(200, app::to_json(*a));
         },
         {}, "acknowledge the incident for a person who was told (default: the account's "
             "person); stops their call trees' escalation"});
  r.add({"GET", "/api/v1/ack/{token}", Access::kPublic,
         [&app](Context& c) {
           auto t = app.notifier().check_token(c.param("token"));
           if (!t) return ack_error_page(t.error());
           const std::string lang = person_language(app, t->person);
           const bool sv = lang == "sv";
           auto i = app.service().incident(t->incident);
           const std::string title = i ? i->title : t->incident;
           const std::string body = fmt::format(
               "<p>{}</p><p><strong>{}</strong> ({})</p><form method=\"post\"><button "
               "type=\"submit\">{}</button></form>",
               notify::escape_markup(person_name(app, t->person)), notify::escape_markup(title), notify::escape_markup(t->incident),
               sv ? "Kvittera" : "Acknowledge");
           return page(200, lang, sv ? "Kvittera incidenten" : "Acknowledge the incident", body);
         },
         {}, "the acknowledgement link's page: a button that acknowledges (no sign-in)"});
  r.add({"POST", "/api/v1/ack/{token}", Access::kPublic,
         [&app](Context& c) {
           auto a = app.notifier().acknowledge_token(c.param("token"), "link", c.request.remote);
           if (!a) return ack_error_page(a.error());
           const std::string lang = person_language(app, a->person);
           const bool sv = lang == "sv";
           std::string text = fmt::format(
               fmt::runtime(sv ? "{} kvitterade {} {} UTC." : "{} acknowledged {} at {} UTC."), notify::escape_markup(a->name),
               notify::escape_markup(a->incident), format_utc(a->at_ms).substr(0, 16).replace(10, 1, " "));
           if (!a->trees.empty()) {
             text += sv ? " Larmkedjan stoppades: ingen mer behöver väckas." :
                          " The call tree stops: nobody else needs to be woken.";
           }
           return page(200, lang, sv ? "Kvitterat" : "Acknowledged", "<p>" + text + "</p>");
         },
         {}, "acknowledge through the link (used once)"});
  r.add({"POST", "/api/v1/inbound/sms", Access::kPublic,
         [&app](Context& c) {
           app::Notifier* n = &app.notifier();
           const auto fields = form_fields(c.request.body);
           const std::string url = n->settings().public_url + c.request.target;
           if (!twilio_signed(c.request, url, fields, tokens_of(n->settings().sms, "sms"))) {
             return error_response(403, "forbidden", "the request's signature does not match");
           }
           auto a = n->acknowledge_sms(field(fields, "From"), field(fields, "Body"));
           const bool sv = a && person_language(app, a->person) == "sv";
           if (!a) {
             return twiml(a.error().code == ErrorCode::kNotFound
                              ? "<Message>No incident matches this code. Reply with the 6-digit code "
                                "of the message.</Message>"
                              : "");
           }
           return twiml((sv ? "<Message>Kvitterat: " : "<Message>Acknowledged: ") +
                        notify::escape_markup(a->incident) + ".</Message>");
         },
         {}, "Twilio's SMS webhook: a reply with the message's code acknowledges"});
  r.add({"POST", "/api/v1/inbound/voice", Access::kPublic,
         [&app](Context& c) {
           app::Notifier* n = &app.notifier();
           const auto fields = form_fields(c.request.body);
           const std::string url = n->settings().public_url + c.request.target;
           if (!twilio_signed(c.request, url, fields, tokens_of(n->settings().voice, "voice"))) {
             return error_response(403, "forbidden", "the request's signature does not match");
           }
           const auto token = c.request.param("token");
           if (!token || field(fields, "Digits") != "1") {
             return twiml("<Say>Not acknowledged.</Say>");
           }
           auto a = n->acknowledge_token(std::string(*token), "voice", "voice");
           if (!a) return twiml("<Say>Not acknowledged.</Say>");
           const bool sv = person_language(app, a->person) == "sv";
           return twiml(sv ? "<Say language=\"sv-SE\">Kvitterat. Tack.</Say>"
                           : "<Say language=\"en-GB\">Acknowledged. Thank you.</Say>");
         },
         {}, "Twilio's voice webhook: pressing 1 during the call acknowledges"});
}

}  // namespace ebcm::http
