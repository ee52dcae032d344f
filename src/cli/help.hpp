// Help text that reads like a Unix manual's synopsis: usage, a one-line summary, a paragraph
// on what the command does, its arguments and options, examples and exit statuses.
//
// Contract: install_help_formatter() must run on the root App before any subcommand is added
// (CLI11 copies the formatter into each subcommand when it is created). set_help() attaches
// the longer text to one command; commands without it still get usage and options.
// Thread safety: set up once in main, read-only afterwards.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

namespace ebcm::cli {

struct HelpText {
  std::string usage;    // after "Usage: ", e.g. "ebcm validate [--strict] [--json] PATH..."
  std::string details;  // paragraphs after the summary; blank lines separate paragraphs
  std::vector<std::pair<std::string, std::string>> examples;  // command line, what it does
  std::vector<std::pair<int, std::string>> exit_statuses;
  std::string footer;  // anything else, printed last as is
};

void install_help_formatter(CLI::App& root);
void set_help(CLI::App& app, HelpText text);
// The usage line of `app` ("Usage: ebcm export [OPTIONS]"), for error messages.
std::string usage_line(const CLI::App& app);
// "ebcm export": the command's full name.
std::string command_path(const CLI::App& app);

}  // namespace ebcm::cli
