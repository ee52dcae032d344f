// open_backend: every interface of the store over one database, opened together.
//
// A backend (SQLite today, PostgreSQL next) implements Store (the versioned model), Accounts
// (users, tokens, sessions, the audit trail) and Live (live state, leases, queues) over one
// database and one schema version. Each object is its own connection, used by one thread at a
// time; open another Backend for another thread. Writes through one object are seen by the
// others (and by other processes) at once, and move their change_mark().
// Thread safety: the objects are independent; each one is for one thread at a time.
#pragma once

#include <memory>
#include <string_view>

#include "core/result.hpp"
#include "store/accounts.hpp"
#include "store/live.hpp"
#include "store/store.hpp"

namespace ebcm::store {

struct Backend {
  std::unique_ptr<Store> store;
  std::unique_ptr<Accounts> accounts;
  std::unique_ptr<Live> live;
};

// Same URL forms as open_store() ("sqlite::memory:" too: one in-memory database private to
// this Backend, shared by its three objects, gone when the last of them closes). Runs the
// schema migrations once, creating the file if missing.
Result<Backend> open_backend(std::string_view url);

}  // namespace ebcm::store
