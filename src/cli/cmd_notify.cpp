// notify preview: who an incident tells, why and over which channels, before anything is sent.
#include <fmt/format.h>

#include <memory>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/service_access.hpp"
#include "cli/store_access.hpp"
#include "core/clock.hpp"
#include "core/strings.hpp"
#include "notify/compose.hpp"

namespace ebcm::cli {
namespace {

struct NotifyOptions {
  std::string db, incident, config;
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
}

}  // namespace ebcm::cli
