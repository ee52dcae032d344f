// Where an analysis command reads its model: the files or folders given on the command line,
// else a revision of the store (`--db URL`, `--rev N`). Shared by impact, scenarios and spof.
// Thread safety: called from main's thread.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "model/model.hpp"

namespace ebcm::cli {

struct Source {
  std::vector<std::string> paths;  // a model file or folder; else the store
  std::string db;
  int64_t rev = 0;
};

// Adds the MODEL... positional, --db and --rev.
void add_source_options(CLI::App& cmd, Source& s);

// The model to analyse: the files given (validated; errors are printed to stderr and give
// kInvalidInput), else the store's revision.
Result<model::Model> load_source(const Source& s);

}  // namespace ebcm::cli
