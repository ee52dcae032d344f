// The `ebcm` command line: builds the command tree, parses, runs one command and returns its
// exit status. Never throws: CLI11's parse errors become exit 2 with the usage line, and
// anything unexpected exit 3 (main.cpp catches what slips through).
#pragma once

namespace ebcm::cli {

int run_cli(int argc, char** argv);

}  // namespace ebcm::cli
