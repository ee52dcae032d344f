// Roles by name, and Accounts::open: from a URL to a backend.

#include "store/accounts.hpp"

#include "store/sqlite_accounts.hpp"
#include "store/store.hpp"

namespace ebcm::store {

namespace {

constexpr std::pair<Role, const char*> kRoleNames[] = {
    {Role::kAdmin, "admin"},         {Role::kCoordinator, "coordinator"}, {Role::kOwner, "owner"},
    {Role::kResponder, "responder"}, {Role::kViewer, "viewer"},
};

}  // namespace

const char* to_string(Role role) {
  for (const auto& [r, name] : kRoleNames) {
    if (r == role) return name;
  }
  return "viewer";
}

std::optional<Role> parse_role(std::string_view text) {
  for (const auto& [r, name] : kRoleNames) {
    if (text == name) return r;
  }
  return std::nullopt;
}

Result<std::unique_ptr<Accounts>> Accounts::open(std::string_view url) {
  // A bare ":memory:" is accepted here (not by open_store, where it would be a surprise as a
  // --db value): tests of the accounts need no file.
  if (url == ":memory:") return open_sqlite_accounts(":memory:");
  Result<StoreUrl> parsed = parse_store_url(url);
  if (!parsed) return parsed.error();
  switch (parsed->backend) {
    case StoreUrl::Backend::kSqlite:
      return open_sqlite_accounts(parsed->path);
  }
  return make_error(ErrorCode::kInternal, "unhandled store backend");
}

}  // namespace ebcm::store
