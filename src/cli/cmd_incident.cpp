// incident list|show|declare|update|resolve|review, and health status: the live state on the
// command line, through the same app::Service `ebcm serve` runs.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <memory>

#include <yaml-cpp/yaml.h>

#include "app/health_view.hpp"
#include "app/poller.hpp"
#include "app/review.hpp"
#include "health/settings.hpp"
#include "notify/templates.hpp"
#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/service_access.hpp"
#include "cli/store_access.hpp"
#include "core/clock.hpp"
#include "core/duration.hpp"
#include "core/strings.hpp"

namespace ebcm::cli {
namespace {

namespace json = boost::json;

struct IncidentOptions {
  std::string db, id, title, message, owner, next_update, lang = "en";
  impact::DisruptionQuery query;
  bool json = false, all = false;
};

// "30m" (from now) or a time.
Result<int64_t> parse_next_update(const std::string& text, int64_t now) {
  if (auto d = parse_duration(text)) return now + d->minutes * 60'000;
  if (auto t = parse_utc(text)) return *t;
  return make_error(ErrorCode::kInvalidInput,
                    fmt::format("--next-update '{}': expected a duration from now (30m, 2h) or a "
                                "time (2026-11-21T10:00:00Z)",
                                text));
}

std::string incident_line(const app::Incident& i, int64_t now) {
  std::string due = i.next_update_ms ? "next update " + format_utc(*i.next_update_ms) : "";
  if (app::update_overdue(i, now)) due += " (OVERDUE)";
  return fmt::format("{:<12} {:<9} {:<13} {}{}\n", i.id, i.active ? "active" : "resolved",
                     i.source, i.title, due.empty() ? "" : "\n" + std::string(37, ' ') + due);
}

std::string incident_text(const app::Incident& i, int64_t now) {
  std::string t = fmt::format("{} — {}\n", i.id, i.title);
  t += fmt::format("  state:        {}\n", i.active ? "active" : "resolved");
  t += fmt::format("  source:       {}\n", i.source);
  if (!i.owner.empty()) t += fmt::format("  owner:        {}\n", i.owner);
  t += fmt::format("  opened:       {}\n", format_utc(i.opened_ms));
  if (i.resolved_ms) t += fmt::format("  resolved:     {}\n", format_utc(*i.resolved_ms));
  if (i.next_update_ms) {
    t += fmt::format("  next update:  {}{}{}\n", format_utc(*i.next_update_ms),
                     i.next_update_from_provider ? " (the provider's promise)" : "",
                     app::update_overdue(i, now) ? " — OVERDUE" : "");
  }
  const auto& q = i.disruption;
  if (!q.down.empty()) t += "  down:         " + join(q.down, ", ") + "\n";
  if (!q.degraded.empty()) t += "  degraded:     " + join(q.degraded, ", ") + "\n";
  if (!q.workforce.empty()) t += "  workforce:    " + join(q.workforce, ", ") + "\n";
  if (!q.scenario.empty()) t += "  scenario:     " + q.scenario + "\n";
  if (i.issue) {
    t += fmt::format("  provider:     {} {} ({}{})\n", i.issue->service, i.issue->status,
                     i.issue->classification,
                     i.issue->feature.empty() ? "" : ", " + i.issue->feature);
  }
  t += "\ntimeline\n";
  for (const auto& e : i.timeline) {
    t += fmt::format("  {}  {} ({}): {}\n", format_utc(e.time_ms), e.by, e.kind, e.text);
  }
  return t;
}

int print_incident(const app::Incident& i, bool as_json, int64_t now) {
  const std::string text = as_json ? app::to_json(i) + "\n" : incident_text(i, now);
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

int run_list(const IncidentOptions& o) {
  SystemClock clock;
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  const int64_t now = clock.now_ms();
  std::string text;
  json::array list;
  size_t shown = 0;
  for (const auto& i : (*svc)->incidents()) {
    if (!o.all && !i.active) continue;
    ++shown;
    if (o.json) list.push_back(json::parse(app::to_json(i)));
    else text += incident_line(i, now);
  }
  if (o.json) text = json::serialize(list) + "\n";
  else if (shown == 0) text = o.all ? "No incidents.\n" : "No active incidents (--all lists the resolved ones too).\n";
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

int run_show(const IncidentOptions& o) {
  SystemClock clock;
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  auto i = (*svc)->incident(o.id);
  if (!i) return report(i.error());
  return print_incident(*i, o.json, clock.now_ms());
}

int run_declare(const IncidentOptions& o) {
  SystemClock clock;
  app::IncidentDeclaration d;
  d.field_prefix = "--";
  d.message = o.message;
  d.title = o.title.empty() ? o.message.substr(0, o.message.find('\n')) : o.title;
  if (d.title.size() > 120 && o.title.empty()) d.title = d.title.substr(0, 117) + "...";
  if (d.title.empty()) return report_bad_input("say what happens: -m MESSAGE (and --title TITLE)");
  d.owner = o.owner;
  d.disruption = o.query;
  if (!o.next_update.empty()) {
    auto t = parse_next_update(o.next_update, clock.now_ms());
    if (!t) return report(t.error());
    d.next_update_ms = *t;
  }
  if (d.disruption.empty()) {
    return report_bad_input("say what the incident disrupts: --down REF, --degraded REF, "
                            "--workforce 40%[@SCOPE] or --scenario ID");
  }
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  auto made = (*svc)->declare_incident(cli_app_actor(), std::move(d));
  if (!made) return report(made.error());
  return print_incident(*made, o.json, clock.now_ms());
}

int run_update(const IncidentOptions& o) {
  SystemClock clock;
  app::IncidentUpdate u;
  u.field_prefix = "--";
  u.message = o.message;
  if (!o.title.empty()) u.title = o.title;
  if (!o.owner.empty()) u.owner = o.owner;
  if (!o.next_update.empty()) {
    auto t = parse_next_update(o.next_update, clock.now_ms());
    if (!t) return report(t.error());
    u.next_update_ms = *t;
  }
  if (!o.query.empty()) u.disruption = o.query;
  if (u.message.empty() && !u.title && !u.owner && !u.next_update_ms && !u.disruption) {
    return report_bad_input("say what changes: -m MESSAGE, --title, --owner, --next-update or "
                            "the disruption (--down, --degraded, --workforce, --scenario)");
  }
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  auto kept = (*svc)->update_incident(cli_app_actor(), o.id, std::move(u));
  if (!kept) return report(kept.error());
  return print_incident(*kept, o.json, clock.now_ms());
}

int run_resolve(const IncidentOptions& o) {
  SystemClock clock;
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  auto kept = (*svc)->resolve_incident(cli_app_actor(), o.id, o.message);
  if (!kept) return report(kept.error());
  return print_incident(*kept, o.json, clock.now_ms());
}

int run_review(const IncidentOptions& o) {
  SystemClock clock;
  auto lang = catalog::language(o.lang);
  if (!lang) return report_bad_input(fmt::format("--lang '{}': expected en or sv", o.lang));
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  auto i = (*svc)->incident(o.id);
  if (!i) return report(i.error());
  const auto snap = (*svc)->snapshot();
  std::string text;
  if (o.json) {
    const app::Review r = app::prefilled_review(*snap, *i, (*svc)->sources(), clock.now_ms(), *lang);
    app::Incident with = *i;
    with.review = r;
    text = json::serialize(json::parse(app::to_json(with)).as_object().at("review")) + "\n";
  } else {
    text = app::review_markdown(*snap, *i, (*svc)->sources(), clock.now_ms(), *lang);
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

int run_health_status(const IncidentOptions& o) {
  SystemClock clock;
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  const auto snap = (*svc)->snapshot();
  const auto sources = (*svc)->sources();
  const auto incidents = (*svc)->incidents();
  json::array out;
  std::string text;
  for (const auto& s : sources) {
    const auto effect = health::map_provider(snap->model(), s.provider, s.services,
                                             app::active_issues(incidents, s.provider));
    json::array services, unmapped(effect.unmapped.begin(), effect.unmapped.end());
    text += fmt::format("{}: last answered {}{}\n", s.provider,
                        s.last_success_ms ? format_utc(s.last_success_ms) : "never",
                        s.unknown_since_ms ? ", HEALTH UNKNOWN since " + format_utc(*s.unknown_since_ms) +
                                                 " (" + s.last_error + ")"
                                           : "");
    for (const auto& m : snap->model().services) {
      if (m.provider != s.provider || m.provider_service.empty()) continue;
      std::string state = "not in the feed";
      for (const auto& h : s.services) {
        if (iequals(h.id, m.provider_service) || iequals(h.name, m.provider_service)) state = h.status;
      }
      if (s.unknown_since_ms) state += " (last known)";
      services.push_back(json::object{{"service", m.id}, {"provider_service", m.provider_service},
                                      {"state", state}});
      text += fmt::format("  {:<24} {:<28} {}\n", m.id, m.provider_service, state);
    }
    if (!effect.unmapped.empty()) {
      text += "  unmapped (no model service names them): " + join(effect.unmapped, ", ") + "\n";
    }
    out.push_back(json::object{
        {"provider", s.provider},
        {"last_success", s.last_success_ms ? json::value(format_utc(s.last_success_ms)) : nullptr},
        {"unknown_since", s.unknown_since_ms ? json::value(format_utc(*s.unknown_since_ms)) : nullptr},
        {"last_error", s.last_error},
        {"services", std::move(services)},
        {"unmapped", std::move(unmapped)}});
  }
  if (o.json) text = json::serialize(json::object{{"sources", std::move(out)}}) + "\n";
  else if (sources.empty()) text = "No health source has been read yet: ebcm health poll --once --config FILE\n";
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

int run_changes(const IncidentOptions& o) {
  SystemClock clock;
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  const auto changes = app::planned_changes(*(*svc)->snapshot(), (*svc)->sources());
  std::string text;
  if (o.json) {
    text = app::changes_to_json(changes);
  } else if (changes.empty()) {
    text = "No planned change reported (ebcm health poll reads them from the message center).\n";
  } else {
    for (const auto& c : changes) {
      text += app::change_summary(c) + "\n    " + c.change.title + "\n";
      if (!c.critical.empty()) text += "    critical: " + join(c.critical, ", ") + "\n";
    }
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

void add_disruption_flags(CLI::App& cmd, impact::DisruptionQuery& q) {
  cmd.add_option("-s,--scenario", q.scenario, "a scenario of the model")->type_name("ID");
  cmd.add_option("--down", q.down, "nodes that are down")->type_name("REF");
  cmd.add_option("--degraded", q.degraded, "nodes that run degraded")->type_name("REF");
  cmd.add_option("--workforce", q.workforce, "share of the workforce out: 40%, 50%@hq")
      ->type_name("P%[@SCOPE]");
}

}  // namespace

void add_incident_commands(CLI::App& root, Commands& out) {
  CLI::App* group = root.add_subcommand("incident", "Incidents: list, show, declare, update, resolve, review");
  group->require_subcommand(1);
  auto add = [&](const char* name, const char* what, int (*run)(const IncidentOptions&),
                 bool takes_id, HelpText help) {
    auto o = std::make_shared<IncidentOptions>();
    CLI::App* cmd = group->add_subcommand(name, what);
    add_db_option(*cmd, o->db);
    if (takes_id) cmd->add_option("ID", o->id, "the incident (EX226792, INC-3)")->required();
    cmd->add_flag("--json", o->json, "print JSON");
    set_help(*cmd, std::move(help));
    out.push_back({cmd, [o, run] { return run(*o); }});
    return std::pair{cmd, o};
  };
  {
    auto [cmd, o] = add("list", "The active incidents (--all: also the resolved)", run_list, false,
                        {.usage = "ebcm incident list [--db URL] [--all] [--json]"});
    cmd->add_flag("--all", o->all, "also the resolved incidents");
  }
  add("show", "One incident with its timeline", run_show, true,
      {.usage = "ebcm incident show ID [--db URL] [--json]"});
  {
    auto [cmd, o] = add(
        "declare", "Declare an incident no feed reports (a WAN outage, a snowstorm)", run_declare,
        false,
        {.usage = "ebcm incident declare (--down REF... | --degraded REF... | --workforce P%[@SCOPE] "
                  "| --scenario ID) -m MESSAGE [--title TITLE] [--owner NAME] [--next-update WHEN] "
                  "[--db URL] [--json]",
         .details = "The incident joins the live disruption at once: the status page and the live "
                    "impact show it. Its next update is due after the cadence (1h) unless "
                    "--next-update says otherwise.",
         .examples = {{"ebcm incident declare --down wan-hq -m \"HQ WAN link down\"", ""},
                      {"ebcm incident declare --workforce 30%@hq -m \"Snowstorm\" --next-update 2h", ""}},
         .exit_statuses = {{0, "declared"}, {2, "bad options, an unknown node"}, {3, "the store failed"}}});
    add_disruption_flags(*cmd, o->query);
    cmd->add_option("-m,--message", o->message, "what happens (the first line is the title)")
        ->type_name("MESSAGE");
    cmd->add_option("--title", o->title, "a short title")->type_name("TITLE");
    cmd->add_option("--owner", o->owner, "who owns it (default: you)")->type_name("NAME");
    cmd->add_option("--next-update", o->next_update, "when the next update is due: 30m, or a time")
        ->type_name("WHEN");
  }
  {
    auto [cmd, o] = add("update", "Add an update to an incident's timeline; change its owner, "
                        "next update or disruption", run_update, true,
                        {.usage = "ebcm incident update ID -m MESSAGE [--owner NAME] [--next-update WHEN] "
                                  "[--title TITLE] [--down/--degraded/--workforce/--scenario ...]"});
    add_disruption_flags(*cmd, o->query);
    cmd->add_option("-m,--message", o->message, "the update")->type_name("MESSAGE");
    cmd->add_option("--title", o->title, "a new title")->type_name("TITLE");
    cmd->add_option("--owner", o->owner, "a new owner")->type_name("NAME");
    cmd->add_option("--next-update", o->next_update, "when the next update is due")->type_name("WHEN");
  }
  {
    auto [cmd, o] = add("resolve", "Resolve an incident", run_resolve, true,
                        {.usage = "ebcm incident resolve ID [-m MESSAGE] [--db URL] [--json]"});
    cmd->add_option("-m,--message", o->message, "how it ended")->type_name("MESSAGE");
  }
  {
    auto [cmd, o] = add("review", "The post-incident review as Markdown (or JSON)", run_review, true,
                        {.usage = "ebcm incident review ID [--lang en|sv] [--db URL] [--json]",
                         .details = "The six sections of the guidance — user impact, scope of "
                                    "impact, start and end, root cause, actions taken, next steps "
                                    "— prefilled from what ebcm knows where nobody wrote them, "
                                    "the action items and the timeline."});
    cmd->add_option("--lang", o->lang, "en (default) or sv")->type_name("LANG");
  }

  CLI::App* health = root.add_subcommand("health", "Provider health feeds: poll, status");
  health->require_subcommand(1);
  auto o = std::make_shared<IncidentOptions>();
  CLI::App* status = health->add_subcommand("status", "Each source's last answer and its services");
  add_db_option(*status, o->db);
  status->add_flag("--json", o->json, "print JSON");
  set_help(*status, {.usage = "ebcm health status [--db URL] [--json]",
                     .details = "Per source: when it last answered and, when it cannot be read, "
                                "since when its health is unknown (its services keep their last "
                                "known state); per mapped service its provider state; the "
                                "provider services no model service names (unmapped)."});
  out.push_back({status, [o] { return run_health_status(*o); }});
  add_health_poll_command(*health, out);
  auto co = std::make_shared<IncidentOptions>();
  CLI::App* changes = health->add_subcommand("changes", "Planned changes and the functions that depend on them");
  add_db_option(*changes, co->db);
  changes->add_flag("--json", co->json, "print JSON");
  set_help(*changes, {.usage = "ebcm health changes [--db URL] [--json]",
                      .details = "The providers' planned changes (Microsoft 365 message center, "
                                 "Statuspage scheduled maintenances) as last polled, soonest "
                                 "first, each with the business functions that depend on what it "
                                 "changes and the critical ones among them."});
  out.push_back({changes, [co] { return run_changes(*co); }});
}

}  // namespace ebcm::cli

namespace ebcm::cli {

Result<YAML::Node> load_settings_file(const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return make_error(ErrorCode::kInvalidInput, file + ": cannot be read");
  } catch (const YAML::Exception& e) {
    return make_error(ErrorCode::kInvalidInput, fmt::format("{}:{}:{}: not valid YAML: {}", file,
                                                            e.mark.line + 1, e.mark.column + 1,
                                                            e.msg));
  }
  return root.IsMap() ? root : YAML::Node();
}

Result<health::Settings> load_health_settings(const std::string& file) {
  auto root = load_settings_file(file);
  if (!root) return root.error();
  return health::parse_settings(root->IsMap() ? (*root)["health"] : YAML::Node(), file);
}

Result<notify::Settings> load_notify_settings(const std::string& file) {
  auto root = load_settings_file(file);
  if (!root) return root.error();
  auto s = notify::parse_settings(root->IsMap() ? (*root)["notify"] : YAML::Node(), file);
  if (!s) return s.error();
  // The secrets are read now, and the templates checked, so a missing secret or a broken
  // template stops the start rather than the first message.
  if (auto providers = notify::email_providers(*s); !providers) return providers.error();
  if (auto p = notify::phone_providers(s->sms, "sms"); !p) return p.error();
  if (auto p = notify::phone_providers(s->voice, "voice"); !p) return p.error();
  if (auto w = notify::read_secret(s->webhook_secret_file, s->webhook_secret_env,
                                   "notify.webhook secret");
      !w) {
    return w.error();
  }
  if (auto templates = notify::Templates::load(s->templates); !templates) return templates.error();
  return s;
}

Result<std::vector<std::unique_ptr<health::HealthSource>>> make_sources(
    const health::Settings& s, const Clock& clock) {
  std::vector<std::unique_ptr<health::HealthSource>> out;
  for (const auto& x : s.sources) {
    auto src = health::make_source(x, clock);
    if (!src) return src.error();
    out.push_back(std::move(*src));
  }
  return out;
}

namespace {

struct PollOptions {
  std::string db, config;
  bool once = false, json = false;
};

int run_poll(const PollOptions& o) {
  if (!o.once) {
    return report_bad_input("health poll runs one cycle: give --once (ebcm serve --config FILE "
                            "polls on its interval)");
  }
  if (o.config.empty()) return report_bad_input("--config FILE: the settings with the health sources");
  auto settings = load_health_settings(o.config);
  if (!settings) return report(settings.error());
  if (settings->sources.empty()) return report_bad_input(o.config + ": no health.sources to poll");
  SystemClock clock;
  auto sources = make_sources(*settings, clock);
  if (!sources) return report(sources.error());
  auto svc = open_service(o.db, clock);
  if (!svc) return report(svc.error());
  app::Poller poller(**svc, std::move(*sources), settings->interval_ms);
  const auto results = poller.poll_once();
  bool all = true;
  json::array out;
  std::string text;
  for (const auto& r : results) {
    all = all && r.ok;
    json::array changes;
    for (const auto& c : r.changes)
      changes.push_back(json::object{{"incident", c.id}, {"what", c.what}, {"title", c.title}});
    out.push_back(json::object{{"provider", r.provider}, {"ok", r.ok}, {"error", r.error},
                               {"changes", std::move(changes)}});
    if (!r.ok) {
      text += fmt::format("{}: could not be read: {} (its services keep their last known state)\n",
                          r.provider, r.error);
      continue;
    }
    text += fmt::format("{}: read, {}\n", r.provider,
                        r.changes.empty() ? std::string("nothing changed")
                                          : plural(static_cast<int64_t>(r.changes.size()),
                                                   "incident changed", "incidents changed"));
    for (const auto& c : r.changes) text += fmt::format("  {:<9} {:<12} {}\n", c.what, c.id, c.title);
  }
  if (o.json) text = json::serialize(json::object{{"sources", std::move(out)}}) + "\n";
  if (auto w = write_stdout(text); !w) return report(w.error());
  return all ? kExitOk : kExitFailure;
}

}  // namespace

void add_health_poll_command(CLI::App& health, Commands& out) {
  auto o = std::make_shared<PollOptions>();
  CLI::App* cmd = health.add_subcommand("poll", "Read every health source once and store it");
  add_db_option(*cmd, o->db);
  cmd->add_flag("--once", o->once, "one cycle of every source");
  cmd->add_option("--config", o->config, "the settings file with health.sources")->type_name("FILE");
  cmd->add_flag("--json", o->json, "print JSON");
  set_help(*cmd, {.usage = "ebcm health poll --once --config FILE [--db URL] [--json]",
                  .details = "Reads every source of the settings' health section at once, keeps "
                             "provider issues in sync with their incidents, and prints what "
                             "changed. A source that cannot be read keeps its last known state "
                             "and is marked unknown; the others are stored all the same. The "
                             "client secret comes from client_secret_file or client_secret_env, "
                             "never from the command line, and is never printed.",
                  .exit_statuses = {{0, "every source answered"},
                                    {2, "bad settings or options"},
                                    {3, "a source could not be read (the others are stored)"}}});
  out.push_back({cmd, [o] { return run_poll(*o); }});
}

}  // namespace ebcm::cli
