// Each recipient's messages for one round of an incident: one per channel the audience gives
// them, in their language, from the templates.
//
// Contract: compose() fills the templates with the incident's facts and the recipient's own:
// why they are told (their roles and the functions that select them, by name in their
// language), the functions, their *other* contact methods as backups (every message lists all
// of the recipient's contacts but the one it goes to), the bridge, the status page
// (`public_url` + "/status", when set) and the next update. Email gets a subject, text and HTML
// (`Email`, without From: the provider sets it; a webhook gets the same subject and text); SMS
// and voice get the short text. Each says how
// to acknowledge on its own channel (`AckWays`: email the signed link, SMS the reply code, voice
// the keypress); with no way given the template's line is left out.
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/model.hpp"
#include "notify/audience.hpp"
#include "notify/email.hpp"
#include "notify/templates.hpp"

namespace ebcm::notify {

struct IncidentFacts {
  std::string id, title;
  bool active = true;
  std::string update;       // the latest message of its timeline
  std::optional<int64_t> next_update_ms;  // written in the organisation's time zone
  std::string bridge;       // "" when none is set
};

// How one recipient acknowledges ("" each: not offered).
struct AckWays {
  std::string link;      // email (and SMS, after the code): the signed link
  std::string sms_code;  // SMS: the code to reply with
  bool voice = false;    // voice: a keypress
};

struct Composed {
  model::Contact to;
  Email email;             // channel email
  std::string short_text;  // channels sms, voice (and the webhook's text)
};

std::vector<Composed> compose(const Templates& t, const model::Model& m, const IncidentFacts& f,
                              const Recipient& r, const std::string& public_url,
                              const AckWays& ack = {});

}  // namespace ebcm::notify
