// open_backend: from a URL to the three interfaces over one database.

#include "store/backend.hpp"

#include <atomic>
#include <string>

#include "store/sqlite_accounts.hpp"
#include "store/sqlite_live.hpp"
#include "store/sqlite_store.hpp"

namespace ebcm::store {

namespace {

Result<Backend> open_sqlite(const std::string& path, bool uri) {
  Backend backend;
  // The store first: it runs the migrations, so the two others find the schema current.
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::open(path, uri);
  if (!store) return store.error();
  backend.store = std::move(store).value();
  Result<std::unique_ptr<Accounts>> accounts = open_sqlite_accounts(path, uri);
  if (!accounts) return accounts.error();
  backend.accounts = std::move(accounts).value();
  Result<std::unique_ptr<Live>> live = open_sqlite_live(path, uri);
  if (!live) return live.error();
  backend.live = std::move(live).value();
  return backend;
}

}  // namespace

Result<Backend> open_backend(std::string_view url) {
  Result<StoreUrl> parsed = parse_store_url(url);
  if (!parsed) return parsed.error();
  switch (parsed->backend) {
    case StoreUrl::Backend::kSqlite: {
      if (parsed->path != ":memory:") return open_sqlite(parsed->path, false);
      // Three connections to one in-memory database: SQLite's memdb VFS shares a database
      // named "/..." between the connections of a process, with the usual locking (so the
      // busy timeout applies), and drops it when the last one closes. A name of its own per
      // Backend, so two in-memory backends are two databases.
      static std::atomic<uint64_t> counter{0};
      const std::string name = "file:/ebcm-memory-" + std::to_string(++counter) + "?vfs=memdb";
      return open_sqlite(name, true);
    }
  }
  return make_error(ErrorCode::kInternal, "unhandled store backend");
}

}  // namespace ebcm::store
