#include "cli/accounts_access.hpp"

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "store/store.hpp"

namespace ebcm::cli {

Result<std::shared_ptr<store::Accounts>> open_accounts(const std::string& url, bool create) {
  auto parsed = store::parse_store_url(url);
  if (!parsed) return parsed.error();
  if (!create && parsed->backend == store::StoreUrl::Backend::kSqlite &&
      parsed->path != ":memory:") {
    std::error_code ec;
    if (!std::filesystem::exists(parsed->path, ec)) {
      return make_error(ErrorCode::kNotFound,
                        fmt::format("no store at '{}'; add the first user with: ebcm user add "
                                    "NAME --role admin",
                                    parsed->path));
    }
  }
  auto accounts = store::Accounts::open(url);
  if (!accounts) return accounts.error();
  return std::shared_ptr<store::Accounts>(std::move(accounts).value());
}

std::string cli_actor() {
  const char* user = std::getenv("USER");
  if (user != nullptr && *user != '\0') return std::string("cli:") + user;
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_name != nullptr) {
    return std::string("cli:") + pw->pw_name;
  }
  return "cli:uid" + std::to_string(getuid());
}

}  // namespace ebcm::cli
