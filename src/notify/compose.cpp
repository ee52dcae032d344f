#include "notify/compose.hpp"

#include <unordered_map>

#include "core/catalog.hpp"
#include "core/local_time.hpp"
#include "core/messages.hpp"
#include "core/strings.hpp"

namespace ebcm::notify {
namespace {

catalog::Language language_of(const std::string& code) {
  if (auto l = catalog::language(code)) return *l;
  return *catalog::language("en");
}

std::string contact_words(catalog::Language lang, const model::Contact& c) {
  catalog::Key key = msg::notify::channel_email;
  switch (c.channel) {
    case model::Channel::kEmail: key = msg::notify::channel_email; break;
    case model::Channel::kSms: key = msg::notify::channel_sms; break;
    case model::Channel::kVoice: key = msg::notify::channel_voice; break;
    case model::Channel::kWebhook: key = msg::notify::channel_webhook; break;
  }
  return catalog::format(lang, key, {{"address", c.address}});
}

}  // namespace

std::vector<Composed> compose(const Templates& t, const model::Model& m, const IncidentFacts& f,
                              const Recipient& r, const std::string& public_url,
                              const AckWays& ack) {
  const catalog::Language lang = language_of(r.language);
  std::unordered_map<std::string_view, const model::Function*> functions;
  for (const auto& x : m.functions) functions.emplace(x.id, &x);
  std::vector<std::string> names;  // the functions, by name in the recipient's language
  for (const auto& id : r.functions) {
    auto it = functions.find(id);
    if (it == functions.end()) {
      names.push_back(id);
      continue;
    }
    auto n = it->second->names.find(r.language);
    names.push_back(n != it->second->names.end() ? n->second
                    : it->second->name.empty()   ? id
                                                 : it->second->name);
  }
  const std::string listed = join(names, ", ");
  // Why, in one phrase: the strongest role (responder, owner, affected) and its functions.
  std::string why;
  const std::string& role = r.roles.empty() ? std::string() : r.roles.front();
  if (role == "responder") {
    why = catalog::format(lang, msg::notify::role_responder,
                          {{"trees", join(r.call_trees, ", ")}, {"functions", listed}});
  } else if (role == "owner") {
    why = catalog::format(lang, msg::notify::role_owner, {{"functions", listed}});
  } else {
    why = r.widened       ? std::string(catalog::text(lang, msg::notify::role_widened))
          : names.empty() ? std::string(catalog::text(lang, msg::notify::role_location))
                          : catalog::format(lang, msg::notify::role_affected, {{"functions", listed}});
  }
  std::string recipient_name;
  const model::Person* person = nullptr;
  for (const auto& p : m.people)
    if (p.id == r.person) person = &p;
  Values v;
  v.text = {{"incident_id", f.id},
            {"incident_title", f.title},
            {"state", std::string(catalog::text(lang, f.active ? msg::notify::state_active
                                                               : msg::notify::state_resolved))},
            {"update", f.update},
            {"recipient_name", r.name.empty() ? r.person : r.name},
            {"why", why},
            {"next_update", f.next_update_ms ? local_time(*f.next_update_ms,
                                                          m.organization.timezone, lang)
                                             : std::string()},
            {"bridge", f.bridge},
            {"status_url", public_url.empty() ? "" : public_url + "/status"},
            {"organization", m.organization.name}};
  v.lists["functions"] = names;

  std::vector<Composed> out;
  for (const auto& to : r.channels) {
    Composed c;
    c.to = to;
    // Every contact of the person but this one, as backups.
    std::vector<std::string> backups;
    if (person) {
      for (const auto& other : person->contacts)
        if (!(other.channel == to.channel && other.address == to.address))
          backups.push_back(contact_words(lang, other));
    }
    Values mine = v;
    mine.lists["backups"] = std::move(backups);
    std::string how;
    if ((to.channel == model::Channel::kEmail || to.channel == model::Channel::kWebhook) &&
        !ack.link.empty()) {
      how = catalog::format(lang, msg::notify::ack_link, {{"link", ack.link}});
    } else if (to.channel == model::Channel::kSms && !ack.sms_code.empty()) {
      how = catalog::format(lang, msg::notify::ack_sms, {{"code", ack.sms_code}});
    } else if (to.channel == model::Channel::kVoice && ack.voice) {
      how = std::string(catalog::text(lang, msg::notify::ack_voice));
    }
    mine.text["ack"] = how;
    if (to.channel == model::Channel::kEmail || to.channel == model::Channel::kWebhook) {
      c.email.to = to.address;
      c.email.to_name = r.name;
      c.email.language = std::string(catalog::code(lang));
      c.email.subject = t.render(r.language, "email.subject", mine);
      c.email.text = t.render(r.language, "email.txt", mine);
      c.email.html = t.render(r.language, "email.html", mine);
      c.email.headers = {{"X-Ebcm-Incident", f.id}};
    } else {
      c.short_text = t.render(r.language, to.channel == model::Channel::kVoice ? "voice.txt" : "sms.txt",
                              mine);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace ebcm::notify
