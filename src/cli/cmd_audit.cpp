// audit: the audit trail exported as JSON lines, a JSON array or CSV.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <memory>

#include "cli/accounts_access.hpp"
#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/store_access.hpp"
#include "core/clock.hpp"

namespace ebcm::cli {
namespace {

namespace json = boost::json;

constexpr int64_t kPage = 1000;

struct AuditOptions {
  std::string db, actor, action, target, since, until, format, output;
  int64_t limit = 0;
};

Result<int64_t> parse_time(std::string_view option, std::string_view text) {
  if (auto t = parse_utc(text)) return *t;
  return make_error(ErrorCode::kInvalidInput,
                    fmt::format("{} '{}': expected a date and time such as 2026-11-21 or "
                                "2026-11-21T09:14:00Z (UTC unless an offset such as +01:00 "
                                "is given)",
                                option, text));
}

json::value document_or_null(const std::string& text) {
  if (text.empty()) return nullptr;
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return json::value(text);
  return v;
}

json::object entry_json(const store::AuditEntry& e) {
  return json::object{{"id", e.id},
                      {"time", format_utc(e.time_ms)},
                      {"time_ms", e.time_ms},
                      {"actor", e.actor},
                      {"remote", e.remote},
                      {"action", e.action},
                      {"target", e.target},
                      {"before", document_or_null(e.before)},
                      {"after", document_or_null(e.after)},
                      {"detail", e.detail}};
}

// RFC 4180 quoting; a cell that a spreadsheet would take for a formula (a sign-in's user name
// is anyone's input) gets a leading apostrophe.
std::string csv_cell(std::string_view text) {
  std::string cell;
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos) {
    cell += '\'';
  }
  cell += text;
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string csv_row(const store::AuditEntry& e) {
  return fmt::format("{},{},{},{},{},{},{},{},{}\r\n", e.id, format_utc(e.time_ms),
                     csv_cell(e.actor), csv_cell(e.remote), csv_cell(e.action), csv_cell(e.target),
                     csv_cell(e.before), csv_cell(e.after), csv_cell(e.detail));
}

int run_audit(AuditOptions o) {
  if (o.format.empty()) {
    o.format = o.output.ends_with(".csv") ? "csv" : o.output.ends_with(".json") ? "json" : "jsonl";
  }
  if (o.format != "jsonl" && o.format != "json" && o.format != "csv") {
    return report_bad_input(
        fmt::format("--format '{}': expected jsonl (the default), json or csv", o.format));
  }
  store::AuditFilter filter;
  if (!o.actor.empty()) filter.actor = o.actor;
  if (!o.action.empty()) filter.action = o.action;
  if (!o.target.empty()) filter.target = o.target;
  if (!o.since.empty()) {
    auto t = parse_time("--since", o.since);
    if (!t) return report(t.error());
    filter.since_ms = *t;
  }
  if (!o.until.empty()) {
    auto t = parse_time("--until", o.until);
    if (!t) return report(t.error());
    filter.until_ms = *t;
  }
  auto accounts = open_accounts(o.db, false);
  if (!accounts) return report(accounts.error());

  std::string text;
  json::array all;  // --format json only
  if (o.format == "csv") text = "id,time,actor,remote,action,target,before,after,detail\r\n";
  int64_t left = o.limit;  // 0: all
  while (true) {
    filter.limit = left > 0 ? std::min(left, kPage) : kPage;
    auto page = (*accounts)->audit(filter);
    if (!page) return report(page.error());
    for (const store::AuditEntry& e : *page) {
      if (o.format == "csv") {
        text += csv_row(e);
      } else if (o.format == "jsonl") {
        text += json::serialize(entry_json(e)) + "\n";
      } else {
        all.push_back(entry_json(e));
      }
    }
    if (page->empty() || static_cast<int64_t>(page->size()) < filter.limit) break;
    filter.after_id = page->back().id;
    if (left > 0 && (left -= static_cast<int64_t>(page->size())) <= 0) break;
  }
  if (o.format == "json") text = json::serialize(all) + "\n";
  auto w =
      o.output.empty() || o.output == "-" ? write_stdout(text) : write_file_atomic(o.output, text);
  if (!w) return report(w.error());
  return kExitOk;
}

}  // namespace

void add_audit_command(CLI::App& root, Commands& out) {
  auto o = std::make_shared<AuditOptions>();
  CLI::App* cmd = root.add_subcommand("audit", "Export the audit trail");
  add_db_option(*cmd, o->db);
  cmd->add_option("--actor", o->actor,
                  "only what this account did (cli:NAME for the command "
                  "line)")
      ->type_name("NAME");
  cmd->add_option("--action", o->action, "only this action: sign_in, user_add, ...")
      ->type_name("ACTION");
  cmd->add_option("--target", o->target,
                  "only this target (user/ann), or those under a prefix "
                  "ending in / (user/)")
      ->type_name("TARGET");
  cmd->add_option("--since", o->since, "only entries at or after this time")->type_name("TIME");
  cmd->add_option("--until", o->until, "only entries before this time")->type_name("TIME");
  cmd->add_option("-n,--limit", o->limit, "at most N entries, oldest first (default: all)")
      ->type_name("N")
      ->check(CLI::PositiveNumber.description(""));
  cmd->add_option("--format", o->format,
                  "jsonl (one object per line; the default), json (an "
                  "array) or csv")
      ->type_name("FORMAT");
  cmd->add_option("-o,--output", o->output,
                  "write to PATH instead of stdout (the format "
                  "follows a .csv or .json ending unless --format is "
                  "given)")
      ->type_name("PATH");
  set_help(
      *cmd,
      {.usage = "ebcm audit [--db URL] [--actor NAME] [--action ACTION] [--target TARGET] "
                "[--since TIME] [--until TIME] [-n N] [--format jsonl|json|csv] [-o PATH]",
       .details =
           "Every sign-in (and failed one), sign-out, account change and model change, oldest "
           "first: id, time (UTC), actor, remote address (or \"cli\"), action, target, the "
           "record before and after as JSON, and a detail. The trail is append-only: the store "
           "refuses to change or delete entries. No password, token, session id or hash is "
           "ever written to it.\n\n"
           "TIME is 2026-11-21, 2026-11-21T09:14 or 2026-11-21T09:14:00, in UTC unless it ends "
           "in an offset such as +01:00.",
       .examples = {{"ebcm audit --since 2026-11-01 --action sign_in_failed", ""},
                    {"ebcm audit --target user/ -o accounts.csv", "account changes, as CSV"}},
       .exit_statuses = {{0, "exported (possibly nothing)"},
                         {2, "a bad option (time, format), no store, or a wrong command line"},
                         {3, "the store could not be read or the file not written"}}});
  out.push_back({cmd, [o] { return run_audit(*o); }});
}

}  // namespace ebcm::cli
