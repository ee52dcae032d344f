#include "cli/app.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <string_view>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "core/strings.hpp"

#ifndef EBCM_VERSION
#define EBCM_VERSION "0.0.0"
#endif

namespace ebcm::cli {
namespace {

HelpText root_help() {
  return {.usage = "ebcm [--version] [--help] COMMAND [ARGS...]",
          .details =
              "ebcm keeps an organisation's continuity model — business functions and their "
              "impact analysis, the services, locations and people they depend on, "
              "mitigations and scenarios — in a versioned store, and answers questions about "
              "it. The model is written as YAML or JSON; `ebcm validate` checks it and "
              "`ebcm import` stores it as a new revision.",
          .examples = {{"ebcm validate examples/contoso.yaml", "check a model, all errors at once"},
                       {"ebcm import examples/contoso.yaml", "store it as a new revision"},
                       {"ebcm summary", "what the store holds"},
                       {"ebcm show incident-mgmt", "one function: its requirements and dependants"},
                       {"ebcm history", "the revisions, newest first"},
                       {"ebcm help import", "more on one command"}},
          .exit_statuses = {{0, "success"},
                            {1, "findings: warnings with --strict"},
                            {2,
                             "bad input (an invalid model, an unknown id or revision) or a wrong "
                             "command line"},
                            {3, "the store or a file could not be read or written"}},
          .footer =
              "Environment:\n"
              "  EBCM_DB       the store when --db is not given (default: sqlite:ebcm.db)\n"
              "  EBCM_AUTHOR   the author `ebcm import` records (default: your user name)\n"
              "  NO_COLOR      when set, no colour even on a terminal\n\n"
              "Run 'ebcm help COMMAND' (or 'ebcm COMMAND --help') for a command's options."};
}

std::string print_help(const CLI::App& app) {
  return app.get_formatter()->make_help(&app, app.get_name(), CLI::AppFormatMode::Normal);
}

const CLI::App* find_command(const CLI::App& root, std::string_view name) {
  for (const CLI::App* sub : root.get_subcommands({})) {
    if (sub->get_name() == name) return sub;
  }
  return nullptr;
}

std::string unknown_command(const CLI::App& root, std::string_view name) {
  std::vector<std::string> names;
  for (const CLI::App* sub : root.get_subcommands({})) names.push_back(sub->get_name());
  std::vector<std::string_view> views(names.begin(), names.end());
  std::string message = fmt::format("unknown command '{}'", name);
  if (auto guess = closest_match(name, views); !guess.empty()) {
    message += fmt::format(" — did you mean '{}'?", guess);
  }
  return message + "\nRun 'ebcm --help' for the list of commands.";
}

void add_help_command(CLI::App& root, Commands& out) {
  auto name = std::make_shared<std::string>();
  CLI::App* cmd = root.add_subcommand("help", "Show help for a command");
  cmd->add_option("COMMAND", *name, "the command to explain (default: list the commands)");
  set_help(*cmd, {.usage = "ebcm help [COMMAND]",
                  .details = "`ebcm help COMMAND` prints the same text as `ebcm COMMAND --help`.",
                  .examples = {{"ebcm help import", ""}},
                  .exit_statuses = {{0, "shown"}, {2, "no such command"}}});
  out.push_back({cmd, [&root, name]() -> int {
                   const CLI::App* target = name->empty() ? &root : find_command(root, *name);
                   if (target == nullptr) return report_bad_input(unknown_command(root, *name));
                   if (auto w = write_stdout(print_help(*target)); !w) return report(w.error());
                   return kExitOk;
                 }});
}

int usage_error(const CLI::App& root, const CLI::ParseError& e) {
  const auto parsed = root.get_subcommands();
  const CLI::App& where = parsed.empty() ? root : *parsed.front();
  std::string message = e.what();
  message += "\n" + usage_line(where);
  message += parsed.empty()
                 ? "\nRun 'ebcm --help' for more information."
                 : fmt::format("\nRun 'ebcm help {}' for more information.", where.get_name());
  return report_bad_input(message);
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app("Business continuity management: assess, plan and validate.", "ebcm");
  install_help_formatter(app);
  app.set_help_flag("-h,--help", "show this help and exit");
  app.set_version_flag("--version", "ebcm " EBCM_VERSION, "show the version and exit");
  app.require_subcommand(0, 1);
  set_help(app, root_help());

  Commands commands;
  add_model_commands(app, commands);
  add_history_commands(app, commands);
  add_show_command(app, commands);
  add_summary_command(app, commands);
  add_impact_commands(app, commands);
  add_spof_command(app, commands);
  add_user_commands(app, commands);
  add_audit_command(app, commands);
  add_incident_commands(app, commands);
  add_notify_commands(app, commands);
  add_ack_command(app, commands);
  add_serve_command(app, commands);
  add_help_command(app, commands);

  if (argc < 2) {
    std::fputs(print_help(app).c_str(), stderr);
    return kExitBadInput;
  }
  if (std::string_view first = argv[1];
      !first.empty() && first[0] != '-' && find_command(app, first) == nullptr) {
    return report_bad_input(unknown_command(app, first));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return usage_error(app, e);
  }
  for (const Command& c : commands) {
    if (c.app->parsed()) return c.run();
  }
  std::fputs(print_help(app).c_str(), stderr);
  return kExitBadInput;
}

}  // namespace ebcm::cli
