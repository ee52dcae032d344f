// validate, import and export: a model between files and the store.
#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/store_access.hpp"
#include "core/clock.hpp"
#include "core/strings.hpp"
#include "impact/compiled_graph.hpp"
#include "impact/open_psa.hpp"
#include "model/diagnostics.hpp"
#include "model/entities.hpp"
#include "model/load.hpp"
#include "model/write.hpp"

namespace ebcm::cli {
namespace {

model::Loaded load_model(const std::vector<std::string>& paths,
                         const std::function<void(const model::Model&)>& alongside = {}) {
  model::Loaded loaded;
  Progress progress("reading " + join(paths, " "));
  progress.spin_while([&] { loaded = model::load_and_validate(paths, alongside); });
  loaded.diagnostics.sort();
  return loaded;
}

// "contoso.yaml: 0 errors, 2 warnings"
std::string count_line(const std::vector<std::string>& paths, const model::Diagnostics& d) {
  return fmt::format("{}: {}, {}", join(paths, " "), plural(d.error_count(), "error", "errors"),
                     plural(d.warning_count(), "warning", "warnings"));
}

void print_diagnostics(const model::Diagnostics& d) {
  if (d.empty()) return;
  std::fflush(stdout);
  std::fputs(model::format_text(d, colour_enabled(STDERR_FILENO)).c_str(), stderr);
}

// --- validate ------------------------------------------------------------------------------

struct ValidateOptions {
  std::vector<std::string> paths;
  bool strict = false;
  bool json = false;
};

int run_validate(const ValidateOptions& o) {
  model::Loaded loaded = load_model(o.paths);
  const model::Diagnostics& d = loaded.diagnostics;
  if (o.json) {
    if (auto w = write_stdout(model::format_json(d)); !w) return report(w.error());
  } else {
    print_diagnostics(d);
    if (auto w = write_stdout(count_line(o.paths, d) + "\n"); !w) return report(w.error());
  }
  if (d.has_errors()) return kExitBadInput;
  if (o.strict && d.warning_count() > 0) return kExitFindings;
  return kExitOk;
}

void add_validate(CLI::App& root, Commands& out) {
  auto o = std::make_shared<ValidateOptions>();
  CLI::App* cmd = root.add_subcommand("validate", "Check model files and report every problem");
  cmd->add_option("PATH", o->paths, "model files (.yaml, .yml, .json) or folders of them")
      ->required();
  cmd->add_flag("--strict", o->strict, "treat warnings as findings: exit 1 when there are any");
  cmd->add_flag("--json", o->json, "print the diagnostics as JSON on stdout");
  set_help(*cmd,
           {.usage = "ebcm validate [--strict] [--json] PATH...",
            .details = "Reads the model from the given files (a folder contributes its .yaml, "
                       ".yml and .json files), checks it and reports every problem at once, "
                       "each with its file, line, column and the path of the field. Errors "
                       "make the model unusable; warnings (an unknown key, a dependency "
                       "cycle) do not. Diagnostics go to stderr and a count to stdout; with "
                       "--json, only a JSON document goes to stdout:\n\n"
                       "  {\"errors\": N, \"warnings\": N, \"diagnostics\": [\n"
                       "    {\"severity\": \"error\", \"file\": \"model.yaml\", \"line\": 12, "
                       "\"column\": 7,\n"
                       "     \"path\": \"functions[payroll].bia.rto\", \"message\": \"...\", "
                       "\"hint\": \"...\"}]}",
            .examples = {{"ebcm validate examples/contoso.yaml", "check one file"},
                         {"ebcm validate --strict model/", "check a folder; fail on warnings too"},
                         {"ebcm validate --json model.yaml | jq '.diagnostics[].message'", ""}},
            .exit_statuses = {{0, "the model is valid (warnings are allowed)"},
                              {1, "--strict was given and there are warnings"},
                              {2, "the model has errors, or the command line is wrong"}}});
  out.push_back({cmd, [o] { return run_validate(*o); }});
}

// --- import --------------------------------------------------------------------------------

struct ImportOptions {
  std::vector<std::string> paths;
  std::string db;
  std::string message;
  std::string author;
};

std::string default_author() {
  for (const char* var : {"EBCM_AUTHOR", "USER", "LOGNAME"}) {
    const char* value = std::getenv(var);
    if (value != nullptr && *value != '\0') return value;
  }
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  return "unknown";
}

std::string format_elapsed(std::chrono::steady_clock::duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms < 1000) return fmt::format("{} ms", ms);
  return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
}

int run_import(const ImportOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  // The entities are made on the second core while the model is validated.
  std::vector<model::Entity> entities;
  model::Loaded loaded =
      load_model(o.paths, [&](const model::Model& m) { entities = model::to_entities(m); });
  const model::Diagnostics& d = loaded.diagnostics;
  print_diagnostics(d);
  if (d.has_errors()) {
    // The store is not even opened: a broken model must leave it exactly as it was.
    return report_bad_input(count_line(o.paths, d) + "; nothing was imported");
  }
  Progress progress("importing");

  auto store = open_store_for_writing(o.db);
  if (!store) return report(store.error());
  store::CommitRequest request{
      .author = o.author.empty() ? default_author() : o.author,
      .message = o.message.empty() ? "import " + join(o.paths, " ") : o.message,
      .time_ms = SystemClock().now_ms()};
  progress.stage("importing");
  // From here on only the entities are needed: the model (a million nodes are ~10^7 small
  // objects) is freed on the other core while the store works on this one.
  std::jthread free_model([m = std::move(loaded.model)]() mutable { m = model::Model{}; });
  auto info = (*store)->commit(entities, request, progress.callback());
  progress.clear();
  if (!info) return report(info.error());

  std::string line;
  if (info->added == 0 && info->changed == 0 && info->removed == 0) {
    line = fmt::format("no changes since revision {}\n", info->number);
  } else {
    line = fmt::format("revision {}: {} added, {} changed, {} removed ({})\n", info->number,
                       info->added, info->changed, info->removed,
                       format_elapsed(std::chrono::steady_clock::now() - start));
  }
  if (auto w = write_stdout(line); !w) return report(w.error());
  return kExitOk;
}

void add_import(CLI::App& root, Commands& out) {
  auto o = std::make_shared<ImportOptions>();
  CLI::App* cmd = root.add_subcommand("import", "Store a model as a new revision");
  cmd->add_option("PATH", o->paths, "model files (.yaml, .yml, .json) or folders of them")
      ->required();
  add_db_option(*cmd, o->db);
  cmd->add_option("-m,--message", o->message,
                  "say why the model changed (default: \"import PATH...\")")
      ->type_name("TEXT");
  cmd->add_option("--author", o->author,
                  "who made the change (default: $EBCM_AUTHOR, else your user name)")
      ->type_name("NAME");
  set_help(
      *cmd,
      {.usage = "ebcm import [--db URL] [-m MESSAGE] [--author NAME] PATH...",
       .details = "Validates the model as `ebcm validate` does and, when it has no errors, "
                  "stores it as the new head revision. The import is all or nothing: a model "
                  "with errors is reported and changes nothing (the store is not even opened), "
                  "and a failure half way leaves the store as it was. Warnings are printed but "
                  "do not stop the import. Importing a model equal to the head makes no new "
                  "revision.",
       .examples = {{"ebcm import examples/contoso.yaml", "the first import makes revision 1"},
                    {"ebcm import -m \"BIA review 2025\" model/", "import a folder of files"},
                    {"ebcm import --db sqlite:/var/lib/ebcm/ebcm.db model.json", ""}},
       .exit_statuses = {{0, "imported, or nothing changed"},
                         {2,
                          "the model has errors (nothing changed), or the command line is "
                          "wrong"},
                         {3, "the store could not be opened or written"}}});
  out.push_back({cmd, [o] { return run_import(*o); }});
}

// --- export --------------------------------------------------------------------------------

struct ExportOptions {
  std::string db;
  int64_t rev = 0;
  std::string format;
  std::string output;
  bool compact = false;
};

int run_export(const ExportOptions& o) {
  std::string format = o.format;
  if (format.empty()) {
    const bool json_name = o.output.size() >= 5 && o.output.ends_with(".json");
    format = json_name ? "json" : "yaml";
  }
  auto store = open_existing_store(o.db);
  if (!store) return report(store.error());
  Progress progress("exporting");
  auto snapshot = read_snapshot(**store, o.rev, progress);
  if (!snapshot) return report(snapshot.error());
  std::string text;
  progress.stage("writing " + format);
  progress.spin_while([&] {
    if (format == "open-psa") {
      // The down logic as an Open-PSA MEF fault tree (docs/spof.md).
      text = impact::to_open_psa(impact::CompiledGraph::compile(snapshot->model));
    } else {
      text = format == "json" ? model::to_json(snapshot->model, !o.compact)
                              : model::to_yaml(snapshot->model);
    }
  });
  auto written =
      o.output.empty() || o.output == "-" ? write_stdout(text) : write_file_atomic(o.output, text);
  if (!written) return report(written.error());
  return kExitOk;
}

void add_export(CLI::App& root, Commands& out) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* cmd = root.add_subcommand("export", "Write a stored revision out as YAML or JSON");
  add_db_option(*cmd, o->db);
  add_rev_option(*cmd, o->rev);
  cmd->add_option("--format", o->format,
                  "yaml, json or open-psa (a fault tree; default: json when PATH ends in .json, else yaml)")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"yaml", "json", "open-psa"}).description(""));
  cmd->add_option("-o,--output", o->output, "write to PATH instead of stdout")->type_name("PATH");
  cmd->add_flag("--compact", o->compact, "JSON on one line, for big models");
  set_help(*cmd,
           {.usage = "ebcm export [--db URL] [--rev N] [--format yaml|json|open-psa] [-o PATH]",
            .details = "Writes the model as it was at a revision (the newest by default) in "
                       "the canonical form, which `ebcm import` reads back to the same model. "
                       "With -o, the text is written to PATH.tmp and renamed over PATH, so "
                       "PATH never holds half a model. --format open-psa writes instead the model's "
                       "down logic as an Open-PSA MEF fault tree (one top gate FN_<id> per "
                       "function), for SCRAM and other PSA tools; see docs/spof.md.",
            .examples = {{"ebcm export > model.yaml", "the newest revision, as YAML"},
                         {"ebcm export --rev 3 -o model-r3.json", "revision 3, as JSON"}},
            .exit_statuses = {{0, "written"},
                              {2,
                               "the store is empty, the revision does not exist, or the "
                               "command line is wrong"},
                              {3, "the store could not be read or the output not written"}}});
  out.push_back({cmd, [o] { return run_export(*o); }});
}

}  // namespace

void add_model_commands(CLI::App& root, Commands& out) {
  add_validate(root, out);
  add_import(root, out);
  add_export(root, out);
}

}  // namespace ebcm::cli
