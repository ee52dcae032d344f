// The SQLite backend of store::Accounts: tables users, api_tokens, sessions and audit in the
// same file as the model (schema version 2, migrations.cpp), each query a named statement
// prepared once per connection.
//
// The audit table has triggers that refuse UPDATE and DELETE, so even SQL run beside ebcm
// cannot rewrite history without dropping them first (which a later `ebcm` would not notice;
// the trail is tamper-evident only against the program, not against the file's owner).
// Thread safety: one object per thread (the connection is opened NOMUTEX).
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"
#include "store/accounts.hpp"

namespace ebcm::store {

// Opens (creating if missing) and migrates the database at `path` (":memory:" works too;
// `uri`: `path` is an SQLite URI, see sqlite::Db::open).
Result<std::unique_ptr<Accounts>> open_sqlite_accounts(const std::string& path, bool uri = false);

}  // namespace ebcm::store
