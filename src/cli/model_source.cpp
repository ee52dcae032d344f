#include "cli/model_source.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/store_access.hpp"
#include "core/strings.hpp"
#include "model/load.hpp"

namespace ebcm::cli {

void add_source_options(CLI::App& cmd, Source& s) {
  cmd.add_option("MODEL", s.paths, "model files or folders to analyse (default: the store)");
  add_db_option(cmd, s.db);
  add_rev_option(cmd, s.rev);
}

Result<model::Model> load_source(const Source& s) {
  if (!s.paths.empty()) {
    model::Loaded l = model::load_and_validate(s.paths);
    if (l.diagnostics.has_errors()) {
      std::fputs(model::format_text(l.diagnostics, colour_enabled(STDERR_FILENO)).c_str(), stderr);
      return make_error(ErrorCode::kInvalidInput,
                        fmt::format("{} has {}; fix them first (ebcm validate)", join(s.paths, " "),
                                    plural(l.diagnostics.error_count(), "error", "errors")));
    }
    return std::move(l.model);
  }
  auto store = open_existing_store(s.db);
  if (!store) return store.error();
  Progress progress("reading the store");
  auto snap = read_snapshot(**store, s.rev, progress);
  progress.clear();
  if (!snap) return snap.error();
  return std::move(snap->model);
}

}  // namespace ebcm::cli
