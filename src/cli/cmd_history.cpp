// history and diff: what changed in the store, revision by revision.
#include <fmt/format.h>

#include <charconv>
#include <memory>

#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/store_access.hpp"
#include "core/clock.hpp"
#include "model/diff.hpp"

namespace ebcm::cli {
namespace {

// --- history -------------------------------------------------------------------------------

struct HistoryOptions {
  std::string db;
  int64_t limit = 0;
  bool json = false;
};

int run_history(const HistoryOptions& o) {
  auto store = open_existing_store(o.db);
  if (!store) return report(store.error());
  auto revisions = (*store)->history(o.limit);
  if (!revisions) return report(revisions.error());
  std::string text;
  if (o.json) {
    text = "[";
    for (const auto& r : *revisions)
      text += (text.size() > 1 ? "," : "") + store::revision_to_json(r);
    text += "]\n";
  } else if (revisions->empty()) {
    warn(fmt::format("the store is empty; {}", kEmptyStoreHint));
  } else {
    const Style style = Style::for_stdout();
    auto changes = [](const store::RevisionInfo& r) {
      return fmt::format("+{} ~{} -{}", r.added, r.changed, r.removed);
    };
    size_t author_width = 6, changes_width = 7;
    for (const auto& r : *revisions) {
      author_width = std::max(author_width, r.author.size());
      changes_width = std::max(changes_width, changes(r).size());
    }
    text += style.dim(fmt::format("{:>8}  {:<20}  {:<{}}  {:<{}}  {}", "revision", "time (UTC)",
                                  "author", author_width, "changes", changes_width, "message")) +
            "\n";
    for (const auto& r : *revisions) {
      text += fmt::format("{:>8}  {:<20}  {:<{}}  {:<{}}  {}\n", r.number, format_utc(r.time_ms),
                          r.author, author_width, changes(r), changes_width, r.message);
    }
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

void add_history(CLI::App& root, Commands& out) {
  auto o = std::make_shared<HistoryOptions>();
  CLI::App* cmd = root.add_subcommand("history", "List the stored revisions, newest first");
  add_db_option(*cmd, o->db);
  cmd->add_option("-n,--limit", o->limit, "show only the newest N revisions")
      ->type_name("N")
      ->check(CLI::PositiveNumber.description(""));
  cmd->add_flag("--json", o->json, "print the revisions as a JSON array");
  set_help(*cmd, {.usage = "ebcm history [--db URL] [-n N] [--json]",
                  .details = "One line per revision: its number, when it was made (UTC), who made "
                             "it, how many entities it added (+), changed (~) and removed (-), and "
                             "its message.",
                  .examples = {{"ebcm history -n 5", "the last five revisions"},
                               {"ebcm history --json | jq '.[0].revision'", "the head's number"}},
                  .exit_statuses = {{0, "listed (an empty store lists nothing)"},
                                    {2,
                                     "there is no store at the given place, or the command line "
                                     "is wrong"},
                                    {3, "the store could not be read"}}});
  out.push_back({cmd, [o] { return run_history(*o); }});
}

// --- diff ----------------------------------------------------------------------------------

struct DiffOptions {
  std::string db;
  std::vector<std::string> revs;
  bool json = false;
};

// A revision on the command line: a number from 1, or "head".
Result<int64_t> parse_rev(std::string_view text) {
  if (text == "head") return int64_t{0};
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1) {
    return make_error(ErrorCode::kInvalidInput,
                      fmt::format("'{}' is not a revision: give a number from 1, or head", text));
  }
  return n;
}

std::string entity_name(const model::EntityChange& c) {
  return c.id.empty() ? std::string(model::to_string(c.entity))
                      : fmt::format("{} {}", model::to_string(c.entity), c.id);
}

std::string diff_text(int64_t from, int64_t to, const std::vector<model::EntityChange>& changes) {
  const Style style = Style::for_stdout();
  int64_t added = 0, removed = 0, changed = 0;
  for (const auto& c : changes) {
    if (c.kind == model::EntityChange::Kind::kAdded) ++added;
    if (c.kind == model::EntityChange::Kind::kRemoved) ++removed;
    if (c.kind == model::EntityChange::Kind::kChanged) ++changed;
  }
  std::string text = style.bold(fmt::format("revision {} → {}: {} added, {} changed, {} removed",
                                            from, to, added, changed, removed)) +
                     "\n";
  for (const auto& c : changes) {
    switch (c.kind) {
      case model::EntityChange::Kind::kAdded:
        text += style.green("+ " + entity_name(c)) + "\n";
        break;
      case model::EntityChange::Kind::kRemoved:
        text += style.red("- " + entity_name(c)) + "\n";
        break;
      case model::EntityChange::Kind::kChanged:
        text += style.yellow("~ " + entity_name(c)) + "\n";
        for (const auto& f : c.fields) {
          std::string before = f.before.empty() ? "(none)" : f.before;
          std::string after = f.after.empty() ? "(none)" : f.after;
          text += fmt::format("    {}: {} → {}\n", f.path, style.red(before), style.green(after));
        }
        break;
    }
  }
  return text;
}

int run_diff(const DiffOptions& o) {
  auto from = parse_rev(o.revs.at(0));
  if (!from) return report(from.error());
  auto to = parse_rev(o.revs.at(1));
  if (!to) return report(to.error());
  auto store = open_existing_store(o.db);
  if (!store) return report(store.error());
  auto from_info = resolve_revision(**store, *from);
  if (!from_info) return report(from_info.error());
  auto to_info = resolve_revision(**store, *to);
  if (!to_info) return report(to_info.error());

  Progress progress("reading revisions");
  auto before = (*store)->entities(from_info->number, progress.callback());
  if (!before) return report(before.error());
  auto after = (*store)->entities(to_info->number, progress.callback());
  progress.clear();
  if (!after) return report(after.error());
  warn_repairs(**store);
  const auto changes = model::diff(*before, *after);
  const std::string text = o.json ? model::diff_to_json(from_info->number, to_info->number, changes)
                                  : diff_text(from_info->number, to_info->number, changes);
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

void add_diff(CLI::App& root, Commands& out) {
  auto o = std::make_shared<DiffOptions>();
  CLI::App* cmd = root.add_subcommand("diff", "Show what changed between two revisions");
  cmd->add_option("REV", o->revs, "two revisions: numbers, or head for the newest")
      ->expected(2)
      ->required();
  add_db_option(*cmd, o->db);
  cmd->add_flag("--json", o->json, "print the changes as JSON");
  set_help(*cmd, {.usage = "ebcm diff [--db URL] [--json] REV REV",
                  .details =
                      "Lists the entities (functions, services, people, ...) the second "
                      "revision added (+), removed (-) and changed (~) relative to the first, "
                      "and for each changed one every field with its value before and after, "
                      "as JSON text. With --json:\n\n"
                      "  {\"from\": 1, \"to\": 2, \"changes\": [\n"
                      "    {\"change\": \"changed\", \"kind\": \"function\", \"id\": \"payroll\",\n"
                      "     \"fields\": [{\"path\": \"bia.rto\", \"before\": \"1d\", "
                      "\"after\": \"2d\"}]}]}",
                  .examples = {{"ebcm diff 1 2", "what revision 2 changed"},
                               {"ebcm diff 3 head", "everything since revision 3"}},
                  .exit_statuses = {{0, "compared (whether or not anything differs)"},
                                    {2, "a revision does not exist, or the command line is wrong"},
                                    {3, "the store could not be read"}}});
  out.push_back({cmd, [o] { return run_diff(*o); }});
}

}  // namespace

void add_history_commands(CLI::App& root, Commands& out) {
  add_history(root, out);
  add_diff(root, out);
}

}  // namespace ebcm::cli
