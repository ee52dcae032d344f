// Who is told about an incident (MODEL.md, "Who is told about an incident"): from the impact
// report of an incident's disruption to the people to tell, each with why, on which channels,
// and which contact methods the message lists as backups; and the call trees it engages.
//
// Contract: select_audience() applies the rule to `report` (an open-ended report: its
// `functions` are the functions not up, `locations` the locations not up):
//   1. Responders: each function not up engages its call tree (a process without one uses its
//      nearest ancestor's); level 1's targets are told at once (`responder`), later levels by
//      escalation (listed in `trees`, not told in this round). The owner of each function not up
//      is told at once (`owner`).
//   2. Affected: everyone whose business unit, or a parent unit of it, is the business unit of a
//      function not up, and everyone whose location is not up (`affected`).
//   3. Responders and owners on every contact method they have; affected people on their first,
//      the others listed as backups. A message always lists the contacts it is not sent to.
//   4. Each person once, with every role and function that selects them (a responder who is
//      also affected is told as a responder).
// With `widen`, everyone else in the model is added as affected (`widened`). Recipients come
// responders first, then owners, then the affected, each group in model order of people;
// people without contacts are listed with no channels (`unreachable`).
// Thread safety: pure functions over plain values.
#pragma once

#include <string>
#include <vector>

#include "impact/report.hpp"
#include "model/model.hpp"

namespace ebcm::notify {

struct Recipient {
  std::string person, name, language;  // language: the person's, else the organization's
  std::vector<std::string> roles;      // of "responder", "owner", "affected" (in that order)
  std::vector<std::string> functions;  // the functions not up that select them (model order)
  std::vector<std::string> call_trees; // the trees whose level 1 names them
  bool widened = false;                // selected only by "widen to everyone"
  std::vector<model::Contact> channels;  // the contact methods messages go to
  // The contact methods not sent to, listed in the message as backups (affected people: all
  // but the first). A responder's message on one channel lists their other channels.
  std::vector<model::Contact> backups;
  bool responder() const;  // responder or owner: told on every contact method
};

// A call tree an incident engages, and who each level would add.
struct EngagedTree {
  std::string id, name;
  std::vector<std::string> functions;  // the functions not up that engage it (model order)
  struct Level {
    std::vector<std::string> people;  // the targets resolved to people (model order)
    Duration ack_timeout;
  };
  std::vector<Level> levels;
  int64_t repeat = 0;
};

struct Audience {
  std::vector<Recipient> recipients;
  std::vector<EngagedTree> trees;
  bool widened = false;
  // Counts for the preview: recipients by role (a person counts under each of their roles),
  // messages by channel (email, sms, voice, webhook), people with no contact method.
  size_t responders = 0, owners = 0, affected = 0, unreachable = 0;
  size_t email = 0, sms = 0, voice = 0, webhook = 0;
};

Audience select_audience(const model::Model& m, const impact::Report& report, bool widen);

// The people a call-tree target names (model order): the person; everyone of a business unit
// and its sub-units; everyone whose location it is.
std::vector<std::string> resolve_target(const model::Model& m, const model::CallTarget& t);

// The preview as JSON: {widened, counts, recipients: [{person, name, roles, language,
// functions, call_trees, widened, channels: [{channel, address}], backups}], trees: [...]}.
std::string audience_to_json(const Audience& a);

}  // namespace ebcm::notify
