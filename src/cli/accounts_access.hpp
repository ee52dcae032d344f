// What `ebcm user` and `ebcm audit` share: opening the accounts in the store's database and
// naming the person at the keyboard in the audit trail.
// Thread safety: one thread.
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"
#include "store/accounts.hpp"

namespace ebcm::cli {

// Opens the accounts of the database `url` names (running the migrations). With `create`
// false, an SQLite file that does not exist is kNotFound, so reading never creates one.
Result<std::shared_ptr<store::Accounts>> open_accounts(const std::string& url, bool create);

// "cli:" and the operating system's user name ($USER, else the password database's entry,
// else the numeric uid): the actor of changes made on the command line.
std::string cli_actor();

}  // namespace ebcm::cli
