// user add|list|disable|enable|password|token|tokens|revoke-token: accounts on the command
// line, through the same app::Auth the server uses (so the same rules and the same audit).
#include <fmt/format.h>

#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "cli/accounts_access.hpp"
#include "cli/command.hpp"
#include "cli/help.hpp"
#include "cli/output.hpp"
#include "cli/store_access.hpp"
#include "core/clock.hpp"
#include "core/duration.hpp"
#include "core/strings.hpp"
#include "app/auth.hpp"

namespace ebcm::cli {
namespace {

namespace json = boost::json;

constexpr const char* kRoles = "admin, coordinator, owner, responder or viewer";

const SystemClock& system_clock() {
  static const SystemClock clock;
  return clock;
}

Result<std::unique_ptr<app::Auth>> open_auth(const std::string& db, bool create) {
  auto accounts = open_accounts(db, create);
  if (!accounts) return accounts.error();
  return app::Auth::create(std::move(*accounts), system_clock());
}

Result<store::Role> role_of(const std::string& text) {
  if (auto role = store::parse_role(text)) return *role;
  std::vector<std::string_view> names = {"admin", "coordinator", "owner", "responder", "viewer"};
  std::string near = closest_match(text, names);
  return make_error(
      ErrorCode::kInvalidInput,
      fmt::format("unknown role '{}'{}; the roles are {}", text,
                  near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near), kRoles));
}

// One line from standard input, without its line ending.
Result<std::string> password_from_stdin() {
  std::string line;
  if (!std::getline(std::cin, line) && line.empty()) {
    return make_error(ErrorCode::kInvalidInput,
                      "--password-stdin: no password on standard input (give it as one line)");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Stdout gets only what a script captures; the rest goes to stderr.
void note(std::string_view text) { std::fputs((std::string(text) + "\n").c_str(), stderr); }

// A duplicate name is the user's to fix (exit 2), not a failure of the store.
int report_account_error(const Error& e) {
  if (e.code == ErrorCode::kConflict) return report_bad_input(e.message);
  return report(e);
}

const std::vector<std::pair<int, std::string>> kStatuses = {
    {0, "done"},
    {2, "bad input (a name, role, password or id), no such user, or a wrong command line"},
    {3, "the store could not be read or written"}};

// --- add, password -------------------------------------------------------------------------

struct AddOptions {
  std::string db, name, role, person;
  bool password_stdin = false;
};

int run_add(const AddOptions& o) {
  auto role = role_of(o.role);
  if (!role) return report(role.error());
  std::string password;
  if (o.password_stdin) {
    auto p = password_from_stdin();
    if (!p) return report(p.error());
    password = std::move(*p);
  } else {
    password = app::random_password();
  }
  auto auth = open_auth(o.db, /*create=*/true);
  if (!auth) return report(auth.error());
  auto user = (*auth)->add_user(o.name, *role, password, o.person, cli_actor());
  if (!user) return report_account_error(user.error());
  note(fmt::format("added user {} ({}{})", user->name, store::to_string(user->role),
                   user->person.empty() ? "" : ", person " + user->person));
  if (!o.password_stdin) {
    if (auto w =
            write_stdout(fmt::format("password for {} (shown once): {}\n", user->name, password));
        !w) {
      return report(w.error());
    }
  }
  return kExitOk;
}

void add_add(CLI::App& group, Commands& out) {
  auto o = std::make_shared<AddOptions>();
  CLI::App* cmd = group.add_subcommand("add", "Add an account");
  cmd->add_option("NAME", o->name, "the account's name: 1 to 64 of a-z, 0-9, '.', '_', '-'")
      ->required();
  cmd->add_option("--role", o->role, std::string("what the account may do: ") + kRoles)
      ->type_name("ROLE")
      ->required();
  cmd->add_option("--person", o->person,
                  "the model's person this account is (owners: whose "
                  "functions they own)")
      ->type_name("ID");
  cmd->add_flag("--password-stdin", o->password_stdin,
                "read the password (12 characters or more) from the first line of standard "
                "input instead of generating one");
  add_db_option(*cmd, o->db);
  set_help(
      *cmd,
      {.usage = "ebcm user add NAME --role ROLE [--person ID] [--password-stdin] [--db URL]",
       .details = "Adds an account. Without --password-stdin a password of 20 random characters is "
                  "generated and printed once on standard output; only its argon2id hash is "
                  "stored. Creates the store if there is none, so the first admin can be added "
                  "before anything else.\n\n"
                  "Roles: admin (accounts and settings), coordinator (the whole model), owner (the "
                  "BIA and plan of the functions whose owner is their --person), responder "
                  "(incidents and acknowledgements), viewer (reading).",
       .examples = {{"ebcm user add admin --role admin", "the first admin; note the password"},
                    {"pass show ebcm/ann | ebcm user add ann --role owner --person p-ann "
                     "--password-stdin",
                     ""}},
       .exit_statuses = kStatuses});
  out.push_back({cmd, [o] { return run_add(*o); }});
}

struct PasswordOptions {
  std::string db, name;
  bool password_stdin = false;
};

int run_password(const PasswordOptions& o) {
  std::string password;
  if (o.password_stdin) {
    auto p = password_from_stdin();
    if (!p) return report(p.error());
    password = std::move(*p);
  } else {
    password = app::random_password();
  }
  auto auth = open_auth(o.db, false);
  if (!auth) return report(auth.error());
  if (auto r = (*auth)->set_password(o.name, password, cli_actor()); !r) {
    return report_account_error(r.error());
  }
  note(fmt::format("set a new password for {}; their sessions have ended", o.name));
  if (!o.password_stdin) {
    if (auto w = write_stdout(fmt::format("password for {} (shown once): {}\n", o.name, password));
        !w) {
      return report(w.error());
    }
  }
  return kExitOk;
}

void add_password(CLI::App& group, Commands& out) {
  auto o = std::make_shared<PasswordOptions>();
  CLI::App* cmd = group.add_subcommand("password", "Set an account's password");
  cmd->add_option("NAME", o->name, "the account")->required();
  cmd->add_flag("--password-stdin", o->password_stdin,
                "read the password from the first line of standard input instead of generating "
                "one");
  add_db_option(*cmd, o->db);
  set_help(*cmd, {.usage = "ebcm user password NAME [--password-stdin] [--db URL]",
                  .details = "Sets a new password (generated and printed once unless "
                             "--password-stdin), lifts a lock-out after failed sign-ins, and ends "
                             "the account's sessions.",
                  .examples = {{"ebcm user password ann", "a new random password for ann"}},
                  .exit_statuses = kStatuses});
  out.push_back({cmd, [o] { return run_password(*o); }});
}

// --- list ----------------------------------------------------------------------------------

struct ListOptions {
  std::string db;
  bool json = false;
};

int run_list(const ListOptions& o) {
  auto auth = open_auth(o.db, false);
  if (!auth) return report(auth.error());
  auto users = (*auth)->users();
  if (!users) return report(users.error());
  std::string text;
  if (o.json) {
    json::array list;
    for (const store::User& u : *users) {
      list.push_back(json::object{{"name", u.name},
                                  {"role", store::to_string(u.role)},
                                  {"person", u.person},
                                  {"disabled", u.disabled},
                                  {"created", format_utc(u.created_ms)}});
    }
    text = json::serialize(list) + "\n";
  } else if (users->empty()) {
    warn("there are no accounts; add one with: ebcm user add NAME --role admin");
  } else {
    const Style style = Style::for_stdout();
    size_t name_w = 4, person_w = 6;
    for (const store::User& u : *users) {
      name_w = std::max(name_w, u.name.size());
      person_w = std::max(person_w, u.person.size());
    }
    text += style.dim(fmt::format("{:<{}}  {:<11}  {:<{}}  {:<8}  {}", "name", name_w, "role",
                                  "person", person_w, "state", "created (UTC)")) +
            "\n";
    for (const store::User& u : *users) {
      text += fmt::format("{:<{}}  {:<11}  {:<{}}  {:<8}  {}\n", u.name, name_w,
                          store::to_string(u.role), u.person.empty() ? "-" : u.person, person_w,
                          u.disabled ? "disabled" : "active", format_utc(u.created_ms));
    }
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

void add_list(CLI::App& group, Commands& out) {
  auto o = std::make_shared<ListOptions>();
  CLI::App* cmd = group.add_subcommand("list", "List the accounts");
  cmd->add_flag("--json", o->json, "print a JSON array");
  add_db_option(*cmd, o->db);
  set_help(*cmd, {.usage = "ebcm user list [--db URL] [--json]",
                  .details = "One line per account: name, role, person, whether it is disabled, "
                             "and when it was made. Passwords and their hashes are never shown.",
                  .examples = {{"ebcm user list --json | jq -r '.[].name'", "the names"}},
                  .exit_statuses = kStatuses});
  out.push_back({cmd, [o] { return run_list(*o); }});
}

// --- disable, enable -----------------------------------------------------------------------

struct NameOptions {
  std::string db, name;
};

void add_set_disabled(CLI::App& group, Commands& out, bool disabled) {
  auto o = std::make_shared<NameOptions>();
  CLI::App* cmd = group.add_subcommand(disabled ? "disable" : "enable",
                                       disabled ? "Disable an account" : "Enable an account again");
  cmd->add_option("NAME", o->name, "the account")->required();
  add_db_option(*cmd, o->db);
  set_help(*cmd,
           {.usage = fmt::format("ebcm user {} NAME [--db URL]", disabled ? "disable" : "enable"),
            .details = disabled ? "A disabled account cannot sign in; its sessions end and its "
                                  "API tokens stop working (a running server notices within a "
                                  "second). Accounts are never deleted, so the audit trail "
                                  "always names an account that exists."
                                : "Lets a disabled account sign in again; its API tokens work "
                                  "again unless revoked or expired.",
            .exit_statuses = kStatuses});
  out.push_back({cmd, [o, disabled] {
                   auto auth = open_auth(o->db, false);
                   if (!auth) return report(auth.error());
                   if (auto r = (*auth)->set_disabled(o->name, disabled, cli_actor()); !r) {
                     return report_account_error(r.error());
                   }
                   note(fmt::format("{} {}", disabled ? "disabled" : "enabled", o->name));
                   return kExitOk;
                 }});
}

// --- tokens --------------------------------------------------------------------------------

struct TokenOptions {
  std::string db, name, label, expires = std::string(app::kDefaultTokenLifetime);
};

int run_token(const TokenOptions& o) {
  int64_t expires_ms = 0;
  if (o.expires != "never") {
    auto d = parse_duration(o.expires);
    if (!d || d->minutes == 0) {
      return report_bad_input(fmt::format(
          "--expires '{}': expected a duration such as 30d, 12w or 24h, or never", o.expires));
    }
    expires_ms = system_clock().now_ms() + d->minutes * 60'000;
  }
  auto auth = open_auth(o.db, false);
  if (!auth) return report(auth.error());
  auto made = (*auth)->create_token(o.name, o.label, expires_ms, cli_actor());
  if (!made) return report_account_error(made.error());
  const store::ApiToken& t = made->first;
  note(fmt::format("API token {} for {}{}, {}; it is shown once, below — store it now", t.id,
                   t.user, t.name.empty() ? "" : " (" + t.name + ")",
                   t.expires_ms == 0 ? "never expires" : "expires " + format_utc(t.expires_ms)));
  if (auto w = write_stdout(made->second + "\n"); !w) return report(w.error());
  return kExitOk;
}

void add_token(CLI::App& group, Commands& out) {
  auto o = std::make_shared<TokenOptions>();
  CLI::App* cmd = group.add_subcommand("token", "Make an API token for an account");
  cmd->add_option("NAME", o->name, "the account the token acts as")->required();
  cmd->add_option("--name", o->label, "what the token is for")->type_name("LABEL");
  cmd->add_option("--expires", o->expires,
                  "how long it is valid: 30d, 12w, ... or never "
                  "(default: 90d)")
      ->type_name("DURATION");
  add_db_option(*cmd, o->db);
  set_help(*cmd, {.usage = "ebcm user token NAME [--name LABEL] [--expires 90d|never] [--db URL]",
                  .details = "Prints the new token, and nothing else, on standard output, so a "
                             "script can capture it; it is shown this once and only its hash is "
                             "stored. Send it as \"Authorization: Bearer TOKEN\". The token acts "
                             "with the account's role; revoke it with `ebcm user revoke-token "
                             "ID` (the id is printed on standard error, and by `ebcm user "
                             "tokens`).",
                  .examples = {{"TOKEN=$(ebcm user token ci-bot --name nightly-export)", ""}},
                  .exit_statuses = kStatuses});
  out.push_back({cmd, [o] { return run_token(*o); }});
}

struct TokensOptions {
  std::string db, name;
  bool json = false;
};

int run_tokens(const TokensOptions& o) {
  auto auth = open_auth(o.db, false);
  if (!auth) return report(auth.error());
  auto tokens = (*auth)->tokens(o.name);
  if (!tokens) return report_account_error(tokens.error());
  const int64_t now = system_clock().now_ms();
  auto state = [&](const store::ApiToken& t) {
    if (t.revoked) return "revoked";
    if (t.expires_ms != 0 && now >= t.expires_ms) return "expired";
    return "active";
  };
  auto when = [](int64_t ms) { return ms == 0 ? std::string("-") : format_utc(ms); };
  std::string text;
  if (o.json) {
    json::array list;
    for (const store::ApiToken& t : *tokens) {
      list.push_back(json::object{
          {"id", t.id},
          {"user", t.user},
          {"name", t.name},
          {"state", state(t)},
          {"created", format_utc(t.created_ms)},
          {"expires", t.expires_ms == 0 ? json::value(nullptr) : json::value(when(t.expires_ms))},
          {"last_used",
           t.last_used_ms == 0 ? json::value(nullptr) : json::value(when(t.last_used_ms))}});
    }
    text = json::serialize(list) + "\n";
  } else {
    for (const store::ApiToken& t : *tokens) {
      text += fmt::format("{:>4}  {:<16}  {:<20}  {:<7}  expires {:<20}  last used {}\n", t.id,
                          t.user, t.name.empty() ? "-" : t.name, state(t), when(t.expires_ms),
                          when(t.last_used_ms));
    }
  }
  if (auto w = write_stdout(text); !w) return report(w.error());
  return kExitOk;
}

void add_tokens(CLI::App& group, Commands& out) {
  auto o = std::make_shared<TokensOptions>();
  CLI::App* cmd = group.add_subcommand("tokens", "List API tokens (never the tokens themselves)");
  cmd->add_option("NAME", o->name, "only this account's (default: everyone's)");
  cmd->add_flag("--json", o->json, "print a JSON array");
  add_db_option(*cmd, o->db);
  set_help(*cmd, {.usage = "ebcm user tokens [NAME] [--db URL] [--json]",
                  .details = "Id, account, name, state (active, expired, revoked), expiry and "
                             "last use of each token.",
                  .exit_statuses = kStatuses});
  out.push_back({cmd, [o] { return run_tokens(*o); }});
}

struct RevokeOptions {
  std::string db;
  int64_t id = 0;
};

void add_revoke(CLI::App& group, Commands& out) {
  auto o = std::make_shared<RevokeOptions>();
  CLI::App* cmd = group.add_subcommand("revoke-token", "Revoke an API token");
  cmd->add_option("ID", o->id, "the token's id (see `ebcm user tokens`)")
      ->required()
      ->check(CLI::PositiveNumber.description(""));
  add_db_option(*cmd, o->db);
  set_help(*cmd, {.usage = "ebcm user revoke-token ID [--db URL]",
                  .details = "The token stops working at once (a running server notices within "
                             "a second). Revoking a revoked token does nothing.",
                  .exit_statuses = kStatuses});
  out.push_back({cmd, [o] {
                   auto auth = open_auth(o->db, false);
                   if (!auth) return report(auth.error());
                   if (auto r = (*auth)->revoke_token(o->id, cli_actor()); !r) {
                     return report_account_error(r.error());
                   }
                   note(fmt::format("revoked API token {}", o->id));
                   return kExitOk;
                 }});
}

}  // namespace

void add_user_commands(CLI::App& root, Commands& out) {
  CLI::App* group = root.add_subcommand("user", "Manage accounts and API tokens");
  group->require_subcommand(1);
  set_help(*group,
           {.usage = "ebcm user COMMAND [ARGS...]",
            .details = "Accounts for `ebcm serve`: who may sign in and with which role. Every "
                       "change is written to the audit trail (`ebcm audit`) with your operating "
                       "system user name as \"cli:NAME\".",
            .examples = {{"ebcm user add admin --role admin", "the first admin"},
                         {"ebcm user list", ""},
                         {"ebcm user token ci-bot --expires 30d", "a token for a script"}},
            .exit_statuses = kStatuses});
  add_add(*group, out);
  add_list(*group, out);
  add_set_disabled(*group, out, true);
  add_set_disabled(*group, out, false);
  add_password(*group, out);
  add_token(*group, out);
  add_tokens(*group, out);
  add_revoke(*group, out);
}

}  // namespace ebcm::cli
