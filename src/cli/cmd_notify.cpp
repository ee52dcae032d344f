// notify preview | send | status, and ack: who an incident tells, why and over which channels;
// a round queued and delivered; what became of each message; an acknowledgement.
#include <fmt/format.h>

#include <unistd.h>

#include <memory>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/service_access.hpp"
#include "cli/store_access.hpp"
#include "core/clock.hpp"
#include "core/strings.hpp"
#include "app/notifier.hpp"
#include "notify/compose.hpp"

namespace ebcm::cli {
namespace {

struct NotifyOptions {
  std::string db, incident, config, person;
  bool widen = false, json = false, messages = false;
};

// Every message of the round, as it would go out.
std::string messages_text(const notify::Templates& t, const model::Model& m,
                          const notify::IncidentFacts& f, const notify::Audience& a,
                          const std::string& public_url) {
  std::string out;
  for (const auto& r : a.recipients) {
    for (const auto& c : notify::compose(t, m, f, r, public_url)) {
      out += fmt::format("\n=== {} ({}) by {} to {}\n", r.name, r.person,
                         model::to_string(c.to.channel), c.to.address);
      if (c.to.channel == model::Channel::kEmail) {
        out += "Subject: " + c.email.subject + "\n\n" + c.email.text;
      } else {
        out += c.short_text + "\n";
      }
    }
  }
  return out;
}

std::string channel_list(const std::vector<model::Contact>& contacts) {
  std::vector<std::string> names;
  for (const auto& c : contacts) names.emplace_back(model::to_string(c.channel));
  return names.empty() ? std::string("(no contact method)") : join(names, ", ");
}

std::string preview_text(const app::Incident& i, const notify::Audience& a) {
  std::string t = fmt::format("{} — {}\n", i.id, i.title);
  t += fmt::format("{} to tell{}: {} responders, {} owners, {} affected; messages: {} email, {} "
                   "sms, {} voice, {} webhook\n",
                   plural(static_cast<int64_t>(a.recipients.size()), "person", "people"),
                   a.widened ? " (widened to everyone)" : "", a.responders, a.owners, a.affected,
                   a.email, a.sms, a.voice, a.webhook);
  if (a.unreachable) {
    t += fmt::format("{} no contact method and cannot be told.\n",
                     plural(static_cast<int64_t>(a.unreachable), "person has", "people have"));
  }
  if (a.recipients.empty()) {
    t += "Nobody: the incident takes no function and no location out (--widen tells everyone).\n";
    return t;
  }
  t += "\n";
  for (const auto& r : a.recipients) {
    t += fmt::format("  {} ({}), {}: {} [{}]\n", r.name.empty() ? r.person : r.name, r.person,
                     join(r.roles, ", "), channel_list(r.channels), r.language);
    std::string why;
    if (!r.functions.empty()) why = "for " + join(r.functions, ", ");
    if (!r.call_trees.empty()) why += (why.empty() ? "" : "; ") + ("call tree " + join(r.call_trees, ", "));
    if (r.widened) why = "widened to everyone";
    if (why.empty()) why = "works at a location that is down";
    t += "      " + why + "\n";
    if (!r.backups.empty()) t += "      backups in the message: " + channel_list(r.backups) + "\n";
  }
  if (!a.trees.empty()) t += "\nEscalation (a level starts when the one before has not acknowledged)\n";
  for (const auto& tree : a.trees) {
    t += fmt::format("  {} ({}), engaged by {}{}\n", tree.id, tree.name, join(tree.functions, ", "),
                     tree.repeat ? fmt::format("; then from level 1 again (repeat: {})", tree.repeat) : "");
    int64_t at = 0;
    for (size_t l = 0; l < tree.levels.size(); ++l) {
      t += fmt::format("    level {} {}: {}\n", l + 1,
                       l == 0 ? std::string("at once") : "after " + format_duration(Duration{at}),
                       tree.levels[l].people.empty() ? "(nobody)" : join(tree.levels[l].people, ", "));
      at += tree.levels[l].ack_timeout.minutes;
    }
  }
  return t;
}

int run_preview(const NotifyOptions& o) {
  SystemClock clock;
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  auto i = (*svc)->incident(o.incident);
  if (!i) return report(i.error());
  auto a = (*svc)->notification_preview(o.incident, o.widen);
  if (!a) return report(a.error());
  std::string text = o.json ? notify::audience_to_json(*a) : preview_text(*i, *a);
  if (o.messages && !o.json) {
    notify::Settings settings;
    if (!o.config.empty()) {
      auto s = load_notify_settings(o.config);
      if (!s) return report(s.error());
      settings = std::move(*s);
    }
    auto t = notify::Templates::load(settings.templates);
    if (!t) return report(t.error());
    notify::IncidentFacts f;
    f.id = i->id;
    f.title = i->title;
    f.active = i->active;
    if (!i->timeline.empty()) f.update = i->timeline.back().text;
    f.next_update_ms = i->next_update_ms;
    text += messages_text(*t, (*svc)->snapshot()->model(), f, *a, settings.public_url);
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

// The notifier of --config's notify section; no channel configured is bad input.
Result<std::unique_ptr<app::Notifier>> make_notifier(app::Service& svc, const std::string& config) {
  if (config.empty()) {
    return make_error(ErrorCode::kInvalidInput,
                      "--config: give the settings file whose notify: section names the channels' "
                      "providers (docs/notifications.md)");
  }
  auto s = load_notify_settings(config);
  if (!s) return s.error();
  if (!s->any_channel()) {
    return make_error(ErrorCode::kInvalidInput,
                      config + ": notify: no channel is configured (email, sms, voice or webhook)");
  }
  auto t = notify::Templates::load(s->templates);
  if (!t) return t.error();
  return app::Notifier::create(svc, std::move(*s), std::move(*t));
}

std::string status_text(const app::NotificationStatus& s) {
  std::string t = fmt::format("{}: {} messages — {} delivered, {} retrying, {} failed, {} waiting\n",
                              s.incident, s.entries.size(), s.delivered, s.retrying, s.failed,
                              s.queued + s.sending);
  std::string round;
  for (const auto& e : s.entries) {
    if (e.round != round) {
      round = e.round;
      t += "\n" + std::string(round.starts_with("r") ? "round " + round.substr(1)
                                                      : "escalation " + round) + "\n";
    }
    std::string line = fmt::format("  {:<10} {} ({}) by {} to {}", e.state,
                                   e.name.empty() ? e.person : e.name, e.person,
                                   model::to_string(e.message.channel), e.message.address);
    if (!e.provider_name.empty()) line += " via " + e.provider_name;
    if (e.state != "delivered" && !e.answer.empty()) line += ": " + e.answer;
    if (e.next_attempt_ms) line += "; next attempt " + format_utc(*e.next_attempt_ms);
    t += line + "\n";
  }
  for (const auto& x : s.escalations) {
    t += fmt::format("\nCall tree {} ({}): {}", x.tree, x.name, x.state);
    if (x.state == "running") t += fmt::format("; level {} due {}", x.step % static_cast<int64_t>(x.levels.size()) + 1, format_utc(x.due_ms));
    if (!x.acknowledged_by.empty()) t += " by " + x.acknowledged_by;
    t += "\n";
  }
  if (!s.acks.empty()) t += "\nAcknowledged\n";
  for (const auto& a : s.acks) {
    t += fmt::format("  {} ({}) by {} at {}\n", a.name.empty() ? a.person : a.name, a.person,
                     a.channel, format_utc(a.at_ms));
  }
  return t;
}

int run_send(const NotifyOptions& o) {
  SystemClock clock;
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  auto n = make_notifier(**svc, o.config);
  if (!n) return report(n.error());
  auto round = (*n)->send_round(cli_app_actor(), o.incident, o.widen);
  if (!round) return report(round.error());
  std::string text = fmt::format(
      "{} round {}: {} ({} messages{})\n", round->incident, round->round.substr(1),
      plural(static_cast<int64_t>(round->recipients), "person", "people"), round->messages,
      round->queued == round->messages ? std::string()
      : round->queued == 0             ? std::string(", all queued before: nothing new")
                                       : fmt::format(", {} new", round->queued));
  if (round->escalations) {
    text += fmt::format("Escalation started for {} (it needs ebcm serve to run on time).\n",
                        plural(static_cast<int64_t>(round->escalations), "call tree", "call trees"));
  }
  const std::string me = "cli:" + std::to_string(::getpid());
  auto server = (*n)->server_delivers(me);
  if (!server) return report(server.error());
  if (*server) {
    text += "A running ebcm serve delivers them: ebcm notify status --incident " + round->incident + "\n";
  } else {
    auto d = (*n)->drain();
    if (!d) return report(d.error());
    auto st = (*n)->status(o.incident);
    if (!st) return report(st.error());
    text += status_text(*st);
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

int run_status(const NotifyOptions& o) {
  SystemClock clock;
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  app::Notifier n(**svc, {}, notify::Templates{}, {});
  auto st = n.status(o.incident);
  if (!st) return report(st.error());
  std::string text = o.json ? app::to_json(*st) + "\n" : status_text(*st);
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

int run_ack(const NotifyOptions& o) {
  SystemClock clock;
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  app::Notifier n(**svc, {}, notify::Templates{}, {});
  auto a = n.acknowledge(cli_app_actor(), o.incident, o.person, "cli");
  if (!a) return report(a.error());
  std::string text;
  if (o.json) {
    text = app::to_json(*a) + "\n";
  } else if (a->already) {
    text = fmt::format("{} acknowledged {} already ({} at {}).\n", a->name, a->incident, a->channel,
                       format_utc(a->at_ms));
  } else {
    text = fmt::format("{} acknowledged {}{}.\n", a->name, a->incident,
                       a->trees.empty() ? std::string()
                                        : "; escalation of " + join(a->trees, ", ") + " stopped");
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

}  // namespace

void add_notify_commands(CLI::App& root, Commands& out) {
  CLI::App* group = root.add_subcommand("notify", "Notifications: who an incident tells");
  group->require_subcommand(1);
  auto o = std::make_shared<NotifyOptions>();
  CLI::App* preview = group->add_subcommand("preview", "Who the incident tells, why and how");
  add_db_option(*preview, o->db);
  preview->add_option("--incident", o->incident, "the incident (EX226792, INC-3)")->required();
  preview->add_flag("--widen", o->widen, "tell everyone in the model (the scope is unclear)");
  preview->add_flag("--json", o->json, "print JSON");
  preview->add_flag("--messages", o->messages,
                    "print every message as it would go out (the templates of --config's notify "
                    "section, else the built-in ones)");
  preview->add_option("--config", o->config, "the settings file (notify: public_url, templates)");
  set_help(*preview,
           {.usage = "ebcm notify preview --incident ID [--widen] [--messages [--config FILE]] [--db URL] "
                      "[--json]",
            .details = "Applies MODEL.md's rule to the incident's own disruption: each function "
                       "not up engages its call tree (level 1 at once, the next levels when "
                       "nobody acknowledges in time) and tells its owner; everyone of a business "
                       "unit with a function not up, and everyone at a location that is down, is "
                       "affected. Responders and owners are told on every contact method they "
                       "have, affected people on their first with the others as backups. Nothing "
                       "is sent.",
            .examples = {{"ebcm notify preview --incident EX226792",
                          "who would be told, on which channels, and the escalation"},
                         {"ebcm notify preview --incident INC-3 --widen --json",
                          "everyone, as JSON: person, roles, language, channels"}}});
  out.push_back({preview, [o] { return run_preview(*o); }});

  auto so = std::make_shared<NotifyOptions>();
  CLI::App* send = group->add_subcommand("send", "Queue one round of the incident's messages and deliver it");
  add_db_option(*send, so->db);
  send->add_option("--incident", so->incident, "the incident (EX226792, INC-3)")->required();
  send->add_flag("--widen", so->widen, "tell everyone in the model (the scope is unclear)");
  send->add_option("--config", so->config, "the settings file (notify: the channels' providers)")
      ->required();
  set_help(*send,
           {.usage = "ebcm notify send --incident ID [--widen] --config FILE [--db URL]",
            .details = "Queues one round: the messages of the incident's latest update to the people "
                       "`ebcm notify preview` lists, each once per channel (asked again for the same "
                       "update, nothing is sent twice), and starts the call trees' escalation. When "
                       "no ebcm serve runs on the database, delivers the round before returning and "
                       "prints what became of each message; otherwise the server delivers it.",
            .examples = {{"ebcm notify send --incident EX226792 --config ebcm.yaml",
                          "tell the people Exchange Online's incident reaches"}}});
  out.push_back({send, [so] { return run_send(*so); }});

  auto st = std::make_shared<NotifyOptions>();
  CLI::App* status = group->add_subcommand("status", "What became of each message of an incident");
  add_db_option(*status, st->db);
  status->add_option("--incident", st->incident, "the incident (EX226792, INC-3)")->required();
  status->add_flag("--json", st->json, "print JSON");
  set_help(*status,
           {.usage = "ebcm notify status --incident ID [--db URL] [--json]",
            .details = "Every message of every round and escalation: delivered (through which "
                       "provider), retrying (the provider's answer and the next attempt) or failed; "
                       "the call trees' escalation; who acknowledged.",
            .examples = {{"ebcm notify status --incident INC-3", "the outbox of INC-3"}}});
  out.push_back({status, [st] { return run_status(*st); }});
}

void add_ack_command(CLI::App& root, Commands& out) {
  auto o = std::make_shared<NotifyOptions>();
  CLI::App* ack = root.add_subcommand("ack", "Acknowledge an incident for a person who was told");
  add_db_option(*ack, o->db);
  ack->add_option("--incident", o->incident, "the incident (EX226792, INC-3)")->required();
  ack->add_option("--person", o->person, "the person acknowledging (a person id of the model)")
      ->required();
  ack->add_flag("--json", o->json, "print JSON");
  set_help(*ack,
           {.usage = "ebcm ack --incident ID --person P [--db URL] [--json]",
            .details = "Records the acknowledgement once, stops the escalation of every call tree "
                       "whose levels so far named the person, and puts it on the incident's "
                       "timeline and in the audit trail.",
            .examples = {{"ebcm ack --incident INC-3 --person erik", "Erik takes the incident"}}});
  out.push_back({ack, [o] { return run_ack(*o); }});
}

}  // namespace ebcm::cli
