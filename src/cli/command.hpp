// How commands plug into `ebcm`: each command group adds its subcommands to the root App and
// a Command for each, whose `run` does the work once parsing succeeded and returns the exit
// status (output.hpp). Handlers stay thin: they parse nothing themselves and call plain
// functions of model/ and store/.
// Thread safety: set up and run from main's thread.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <vector>

namespace ebcm::cli {

struct Command {
  CLI::App* app = nullptr;
  std::function<int()> run;
};
using Commands = std::vector<Command>;

// cmd_model.cpp: validate, import, export.
void add_model_commands(CLI::App& root, Commands& out);
// cmd_history.cpp: history, diff.
void add_history_commands(CLI::App& root, Commands& out);
// cmd_show.cpp: show.
void add_show_command(CLI::App& root, Commands& out);
// cmd_summary.cpp: summary.
void add_summary_command(CLI::App& root, Commands& out);
// cmd_impact.cpp: impact, scenarios.
void add_impact_commands(CLI::App& root, Commands& out);
// cmd_spof.cpp: spof.
void add_spof_command(CLI::App& root, Commands& out);
// cmd_user.cpp: user add|list|disable|enable|password|token|tokens|revoke-token.
void add_user_commands(CLI::App& root, Commands& out);
// cmd_audit.cpp: audit.
void add_audit_command(CLI::App& root, Commands& out);
// cmd_incident.cpp: incident list|show|declare|update|resolve|review, health status.
void add_incident_commands(CLI::App& root, Commands& out);
void add_notify_commands(CLI::App& root, Commands& out);
void add_ack_command(CLI::App& root, Commands& out);
void add_health_poll_command(CLI::App& health, Commands& out);
// cmd_serve.cpp: serve.
void add_serve_command(CLI::App& root, Commands& out);

}  // namespace ebcm::cli
