// The SQLite backend of store::Live: tables live_value, lease and queue_item in the model's
// file (schema version 3, migrations.cpp). Every write is one IMMEDIATE transaction, so the
// check (version, holder, claim) and the write it allows happen under one lock: two
// connections, or two processes, cannot both win.
// Thread safety: one object per thread (the connection is opened NOMUTEX).
#pragma once

#include <memory>
#include <string>

#include "core/result.hpp"
#include "store/live.hpp"

namespace ebcm::store {

// Opens (creating if missing) and migrates the database at `path` (":memory:" works too;
// `uri`: `path` is an SQLite URI, see sqlite::Db::open).
Result<std::unique_ptr<Live>> open_sqlite_live(const std::string& path, bool uri = false);

}  // namespace ebcm::store
