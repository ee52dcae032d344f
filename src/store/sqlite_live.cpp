// SqliteLive: live values, leases and queues in the model's SQLite file.

#include "store/sqlite_live.hpp"

#include <sqlite3.h>

#include <boost/json.hpp>
#include <utility>
#include <vector>

#include "core/utf8.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"

namespace ebcm::store {

namespace {

using sqlite::Db;
using sqlite::Stmt;
using sqlite::Txn;

struct Statements {
  Stmt get_value;
  Stmt list_values;
  Stmt put_value;
  Stmt get_lease;
  Stmt put_lease;
  Stmt delete_lease;
  Stmt enqueue;
  Stmt claimable;
  Stmt mark_claimed;
  Stmt item_claimer;
  Stmt delete_item;
  Stmt hand_back;
  Stmt insert_audit;
};

const sqlite::NamedSql<Statements> kSql[] = {
    {&Statements::get_value,
     "SELECT key, json, version, updated_ms, updated_by FROM live_value WHERE key = ?1"},
    // The range [prefix, prefix + U+10FFFF's last byte): the keys that start with the prefix.
    {&Statements::list_values,
     "SELECT key, json, version, updated_ms, updated_by FROM live_value "
     "WHERE key >= ?1 AND key < ?1 || x'F48FBFBF' ORDER BY key"},
    {&Statements::put_value,
     "INSERT INTO live_value (key, json, version, updated_ms, updated_by) "
     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key) DO UPDATE SET json = excluded.json, "
     "version = excluded.version, updated_ms = excluded.updated_ms, "
     "updated_by = excluded.updated_by"},
    {&Statements::get_lease, "SELECT holder, expires_ms FROM lease WHERE name = ?1"},
    {&Statements::put_lease,
     "INSERT INTO lease (name, holder, expires_ms) VALUES (?1, ?2, ?3) "
     "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms"},
    {&Statements::delete_lease, "DELETE FROM lease WHERE name = ?1"},
    {&Statements::enqueue,
     "INSERT INTO queue_item (queue, payload, available_ms, claimed_by, claim_until_ms, attempts) "
     "VALUES (?1, ?2, ?3, '', 0, 0)"},
    // Unclaimed items have claim_until_ms 0, so "not under a claim at now" is one comparison.
    {&Statements::claimable,
     "SELECT id, payload, available_ms, attempts FROM queue_item INDEXED BY queue_ready "
     "WHERE queue = ?1 AND available_ms <= ?2 AND claim_until_ms <= ?2 "
     "ORDER BY available_ms, id LIMIT ?3"},
    {&Statements::mark_claimed,
     "UPDATE queue_item SET claimed_by = ?2, claim_until_ms = ?3, attempts = attempts + 1 "
     "WHERE id = ?1"},
    {&Statements::item_claimer, "SELECT claimed_by FROM queue_item WHERE id = ?1"},
    {&Statements::delete_item, "DELETE FROM queue_item WHERE id = ?1"},
    {&Statements::hand_back,
     "UPDATE queue_item SET claimed_by = '', claim_until_ms = 0, available_ms = ?2 WHERE id = ?1"},
    {&Statements::insert_audit, sqlite::kInsertAuditSql},
};

Error invalid(std::string what) { return make_error(ErrorCode::kInvalidInput, std::move(what)); }

class SqliteLive final : public Live {
 public:
  SqliteLive(Db db, Statements stmts) : db_(std::move(db)), stmts_(std::move(stmts)) {}

  Result<std::optional<LiveValue>> get(std::string_view key) override {
    Stmt& stmt = stmts_.get_value;
    stmt.bind_static(1, key);
    Result<bool> row = stmt.step();
    if (!row) return row.error();
    std::optional<LiveValue> out;
    if (*row) {
      out = LiveValue{std::string(stmt.text(0)), std::string(stmt.text(1)), stmt.int64(2),
                      stmt.int64(3), std::string(stmt.text(4))};
    }
    stmt.reset();
    return out;
  }

  Result<LiveValue> put(std::string_view key, std::string_view json, int64_t time_ms,
                        std::string_view by, std::optional<int64_t> expected_version,
                        std::optional<AuditEntry> audit) override {
    auto r = put_many({LiveWrite{std::string(key), std::string(json), expected_version}}, time_ms,
                      by, std::move(audit));
    if (!r) return r.error();
    return std::move(r->front());
  }

  Result<size_t> record_and_end(const std::vector<LiveWrite>& writes, const std::vector<End>& ends,
                                std::string_view worker, int64_t time_ms,
                                std::string_view by) override {
    if (worker.empty()) return invalid("ending claims needs the worker's name");
    Result<Txn> txn = Txn::begin_immediate(db_);
    if (!txn) return txn.error();
    if (!writes.empty()) {
      if (auto r = put_many_locked(writes, time_ms, by, std::nullopt); !r) return r.error();
    }
    size_t ended = 0;
    for (const End& e : ends) {
      Stmt& who = stmts_.item_claimer;
      who.bind(1, e.id);
      Result<bool> row = who.step();
      if (!row) return row.error();
      const bool mine = *row && who.text(0) == worker;
      who.reset();
      if (!mine) continue;
      Stmt& write = e.retry_at ? stmts_.hand_back : stmts_.delete_item;
      write.bind(1, e.id);
      if (e.retry_at) write.bind(2, *e.retry_at);
      if (auto r = write.run(); !r) return r.error();
      ++ended;
    }
    if (auto r = txn->commit(); !r) return r.error();
    return ended;
  }

  Result<std::vector<LiveValue>> put_many(const std::vector<LiveWrite>& writes, int64_t time_ms,
                                          std::string_view by,
                                          std::optional<AuditEntry> audit) override {
    Result<Txn> txn = Txn::begin_immediate(db_);
    if (!txn) return txn.error();
    auto out = put_many_locked(writes, time_ms, by, std::move(audit));
    if (!out) return out.error();
    if (auto r = txn->commit(); !r) return r.error();
    return out;
  }

  // put_many() inside a transaction the caller holds.
  Result<std::vector<LiveValue>> put_many_locked(const std::vector<LiveWrite>& writes,
                                                 int64_t time_ms, std::string_view by,
                                                 std::optional<AuditEntry> audit) {
    if (!is_valid_utf8(by)) return invalid("the live value's author must be UTF-8");
    for (const auto& w : writes) {
      if (w.key.empty()) return invalid("a live value needs a key");
      if (!is_valid_utf8(w.key)) return invalid("the live value's key must be UTF-8");
      boost::system::error_code ec;
      (void)boost::json::parse(w.json, ec);
      if (ec) return invalid("the live value '" + w.key + "' is not JSON: " + ec.message());
    }
    std::vector<LiveValue> out;
    out.reserve(writes.size());
    for (const auto& w : writes) {
      Result<std::optional<LiveValue>> current = get(w.key);
      if (!current) return current.error();
      const int64_t version = *current ? (*current)->version : 0;
      if (w.expected_version && *w.expected_version != version) {
        return make_error(
            ErrorCode::kConflict,
            "the live value '" + w.key + "' was changed meanwhile: the write expects " +
                (*w.expected_version == 0 ? std::string("it not to exist yet")
                                          : "version " + std::to_string(*w.expected_version)) +
                ", it is " +
                (version == 0 ? std::string("not there")
                              : "at version " + std::to_string(version)));
      }
      LiveValue& value =
          out.emplace_back(LiveValue{w.key, w.json, version + 1, time_ms, std::string(by)});
      Stmt& stmt = stmts_.put_value;
      stmt.bind_static(1, value.key);
      stmt.bind_static(2, value.json);
      stmt.bind(3, value.version);
      stmt.bind(4, value.updated_ms);
      stmt.bind_static(5, value.updated_by);
      if (auto r = stmt.run(); !r) return r.error();
    }
    if (audit) {
      if (auto r = sqlite::insert_audit(stmts_.insert_audit, *audit,
                                        audit->time_ms ? audit->time_ms : time_ms, audit->detail);
          !r) {
        return r.error();
      }
    }
    return out;
  }

  Result<size_t> create_with_work(std::string_view queue, const std::vector<NewWork>& items,
                                  int64_t time_ms, std::string_view by,
                                  std::optional<AuditEntry> audit) override {
    if (queue.empty()) return invalid("an item needs a queue name");
    if (!is_valid_utf8(by) || !is_valid_utf8(queue)) {
      return invalid("the queue's name and the author must be UTF-8");
    }
    for (const auto& w : items) {
      if (w.key.empty()) return invalid("a live value needs a key");
      if (!is_valid_utf8(w.key) || !is_valid_utf8(w.payload)) {
        return invalid("the live value's key and its item's payload must be UTF-8");
      }
      boost::system::error_code ec;
      (void)boost::json::parse(w.json, ec);
      if (ec) return invalid("the live value '" + w.key + "' is not JSON: " + ec.message());
    }
    Result<Txn> txn = Txn::begin_immediate(db_);
    if (!txn) return txn.error();
    size_t created = 0;
    for (const auto& w : items) {
      Result<std::optional<LiveValue>> current = get(w.key);
      if (!current) return current.error();
      if (*current) continue;
      Stmt& stmt = stmts_.put_value;
      stmt.bind_static(1, w.key);
      stmt.bind_static(2, w.json);
      stmt.bind(3, int64_t{1});
      stmt.bind(4, time_ms);
      stmt.bind_static(5, by);
      if (auto r = stmt.run(); !r) return r.error();
      Stmt& add = stmts_.enqueue;
      add.bind_static(1, queue);
      add.bind_static(2, w.payload);
      add.bind(3, w.available_ms);
      if (auto r = add.run(); !r) return r.error();
      ++created;
    }
    if (audit && created) {
      if (auto r = sqlite::insert_audit(stmts_.insert_audit, *audit,
                                        audit->time_ms ? audit->time_ms : time_ms, audit->detail);
          !r) {
        return r.error();
      }
    }
    if (auto r = txn->commit(); !r) return r.error();
    return created;
  }

  Result<std::vector<LiveValue>> list(std::string_view prefix) override {
    Stmt& stmt = stmts_.list_values;
    stmt.bind_static(1, prefix);
    std::vector<LiveValue> out;
    for (;;) {
      Result<bool> row = stmt.step();
      if (!row) return row.error();
      if (!*row) break;
      out.push_back(LiveValue{std::string(stmt.text(0)), std::string(stmt.text(1)),
                              stmt.int64(2), stmt.int64(3), std::string(stmt.text(4))});
    }
    stmt.reset();
    return out;
  }

  Result<bool> try_lease(std::string_view name, std::string_view holder, int64_t now_ms,
                         int64_t ttl_ms) override {
    if (name.empty() || holder.empty()) return invalid("a lease needs a name and a holder");
    if (ttl_ms <= 0) return invalid("a lease needs a positive duration");
    Result<Txn> txn = Txn::begin_immediate(db_);
    if (!txn) return txn.error();
    Result<std::optional<std::pair<std::string, int64_t>>> current = lease(name);
    if (!current) return current.error();
    if (*current && (*current)->first != holder && (*current)->second > now_ms) return false;
    Stmt& put = stmts_.put_lease;
    put.bind_static(1, name);
    put.bind_static(2, holder);
    put.bind(3, now_ms + ttl_ms);
    if (auto r = put.run(); !r) return r.error();
    if (auto r = txn->commit(); !r) return r.error();
    return true;
  }

  Result<void> release_lease(std::string_view name, std::string_view holder) override {
    Result<Txn> txn = Txn::begin_immediate(db_);
    if (!txn) return txn.error();
    Result<std::optional<std::pair<std::string, int64_t>>> current = lease(name);
    if (!current) return current.error();
    if (!*current) return {};
    if ((*current)->first != holder) {
      return make_error(ErrorCode::kConflict, "the lease '" + std::string(name) + "' is held by '" +
                                                  (*current)->first + "', not by '" +
                                                  std::string(holder) + "'");
    }
    stmts_.delete_lease.bind_static(1, name);
    if (auto r = stmts_.delete_lease.run(); !r) return r.error();
    return txn->commit();
  }

  Result<int64_t> enqueue(std::string_view queue, std::string_view payload,
                          int64_t available_ms) override {
    if (queue.empty()) return invalid("an item needs a queue name");
    if (!is_valid_utf8(queue) || !is_valid_utf8(payload)) {
      return invalid("a queue item's queue and payload must be UTF-8");
    }
    Stmt& stmt = stmts_.enqueue;
    stmt.bind_static(1, queue);
    stmt.bind_static(2, payload);
    stmt.bind(3, available_ms);
    if (auto r = stmt.run(); !r) return r.error();
    return static_cast<int64_t>(sqlite3_last_insert_rowid(db_.handle()));
  }

  Result<std::vector<QueueItem>> claim(std::string_view queue, std::string_view worker,
                                       int64_t now_ms, int64_t lease_ms, size_t limit) override {
    if (worker.empty()) return invalid("a claim needs a worker name");
    if (lease_ms <= 0) return invalid("a claim needs a positive duration");
    std::vector<QueueItem> items;
    if (limit == 0) return items;
    Result<Txn> txn = Txn::begin_immediate(db_);
    if (!txn) return txn.error();
    Stmt& find = stmts_.claimable;
    find.bind_static(1, queue);
    find.bind(2, now_ms);
    find.bind(3, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    while (true) {
      Result<bool> row = find.step();
      if (!row) return row.error();
      if (!*row) break;
      items.push_back(QueueItem{find.int64(0), std::string(queue), std::string(find.text(1)),
                                find.int64(2), find.int64(3) + 1, now_ms + lease_ms});
    }
    find.reset();
    Stmt& mark = stmts_.mark_claimed;
    for (const QueueItem& item : items) {
      mark.bind(1, item.id);
      mark.bind_static(2, worker);
      mark.bind(3, item.claim_until_ms);
      if (auto r = mark.run(); !r) return r.error();
    }
    if (auto r = txn->commit(); !r) return r.error();
    return items;
  }

  Result<void> complete(int64_t id, std::string_view worker) override {
    return end_claim(id, worker, std::nullopt);
  }

  Result<void> retry(int64_t id, std::string_view worker, int64_t available_ms) override {
    return end_claim(id, worker, available_ms);
  }

  Result<int64_t> change_mark() override { return db_.data_version(); }

 private:
  Result<std::optional<std::pair<std::string, int64_t>>> lease(std::string_view name) {
    Stmt& stmt = stmts_.get_lease;
    stmt.bind_static(1, name);
    Result<bool> row = stmt.step();
    if (!row) return row.error();
    std::optional<std::pair<std::string, int64_t>> out;
    if (*row) out.emplace(std::string(stmt.text(0)), stmt.int64(1));
    stmt.reset();
    return out;
  }

  // complete (retry_at empty) or retry, by the item's claimer only.
  Result<void> end_claim(int64_t id, std::string_view worker, std::optional<int64_t> retry_at) {
    Result<Txn> txn = Txn::begin_immediate(db_);
    if (!txn) return txn.error();
    Stmt& who = stmts_.item_claimer;
    who.bind(1, id);
    Result<bool> row = who.step();
    if (!row) return row.error();
    if (!*row) {
      who.reset();
      return make_error(ErrorCode::kNotFound, "there is no queue item " + std::to_string(id) +
                                                  " (done already, or never queued)");
    }
    const std::string claimer(who.text(0));
    who.reset();
    if (claimer != worker || worker.empty()) {
      return make_error(ErrorCode::kConflict,
                        "queue item " + std::to_string(id) + " is not claimed by '" +
                            std::string(worker) + "'" +
                            (claimer.empty() ? std::string(" (nobody holds it)")
                                             : " (claimed by '" + claimer + "' since)"));
    }
    Stmt& write = retry_at ? stmts_.hand_back : stmts_.delete_item;
    write.bind(1, id);
    if (retry_at) write.bind(2, *retry_at);
    if (auto r = write.run(); !r) return r.error();
    return txn->commit();
  }

  // Declared first so the statements are finalised before the connection closes.
  Db db_;
  Statements stmts_;
};

}  // namespace

Result<std::unique_ptr<Live>> open_sqlite_live(const std::string& path, bool uri) {
  Result<Db> db = sqlite::open_database(path, uri);
  if (!db) return db.error();
  Result<Statements> stmts = sqlite::prepare_statements<Statements>(*db, kSql);
  if (!stmts) return stmts.error();
  return std::unique_ptr<Live>(
      new SqliteLive(std::move(db).value(), std::move(stmts).value()));
}

}  // namespace ebcm::store
