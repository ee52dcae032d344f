// Live: the state of a running continuity operation that is not the model, shared by every
// `ebcm serve` instance on one database, and two primitives for dividing work between them.
//
//   - Values: small named JSON documents ("status": the status declaration; more later), each
//     with a version that a writer can require (compare-and-set), and an audit entry written in
//     the same transaction as the value.
//   - Leases: one holder at a time of a named job (the health poller), until an expiry the
//     holder renews; a crashed holder's lease simply runs out.
//   - Queues: items (the notification outbox) that workers claim for a while, then complete or
//     hand back for a retry; an item whose claim ran out (its worker died) can be claimed again.
//     At least once: a worker that stalls past its claim may see its item done twice, so
//     consumers make delivery idempotent (the payload carries what it takes).
// Times are Unix ms given by the caller (a Clock), never read by the store, so tests drive them
// and several instances agree as far as their clocks do.
// Thread safety: one Live object per thread, as Store; several objects (threads, processes)
// share one database, which serialises their writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "store/audit.hpp"

namespace ebcm::store {

struct LiveValue {
  std::string key, json;
  int64_t version = 0;  // 1 for the first write, +1 for each write after
  int64_t updated_ms = 0;
  std::string updated_by;
  bool operator==(const LiveValue&) const = default;
};

// One value of a put_many().
struct LiveWrite {
  std::string key, json;
  std::optional<int64_t> expected_version;  // as put()'s
};

// One value of create_with_work(), and the item that carries it out.
struct NewWork {
  std::string key, json;  // the value, created only when `key` does not exist yet
  std::string payload;    // the item's
  int64_t available_ms = 0;
};

struct QueueItem {
  int64_t id = 0;  // increasing in enqueue order, never reused
  std::string queue, payload;
  int64_t available_ms = 0;    // not claimable before
  int64_t attempts = 0;        // claims so far, this one included
  int64_t claim_until_ms = 0;  // the claim this item was returned with holds until then
  bool operator==(const QueueItem&) const = default;
};

class Live {
 public:
  virtual ~Live() = default;

  // The value of `key`; nullopt when it was never written.
  virtual Result<std::optional<LiveValue>> get(std::string_view key) = 0;
  // Writes key := json (JSON text, stored as given; an empty key or text that is not UTF-8 →
  // kInvalidInput). expected_version: nullopt writes whatever is there; 0 requires that the key
  // does not exist yet; N requires that its version is still N; otherwise kConflict naming both
  // versions, and nothing is written. `audit`, when given, is appended in the same transaction
  // (its time_ms 0: time_ms). Returns the value as stored.
  virtual Result<LiveValue> put(std::string_view key, std::string_view json, int64_t time_ms,
                                std::string_view by, std::optional<int64_t> expected_version,
                                std::optional<AuditEntry> audit) = 0;

  // Several values in one transaction, each as put() would write it: all are written or none
  // (the error names the first key that fails). `audit` is appended once. Returns the values as
  // stored, in the order given.
  virtual Result<std::vector<LiveValue>> put_many(const std::vector<LiveWrite>& writes,
                                                  int64_t time_ms, std::string_view by,
                                                  std::optional<AuditEntry> audit) = 0;
  // Every value whose key starts with `prefix` ("incident/"), by key.
  virtual Result<std::vector<LiveValue>> list(std::string_view prefix) = 0;

  // true when `holder` now holds the lease `name` until now_ms + ttl_ms: it was free, expired
  // (its expiry <= now_ms) or already `holder`'s (renewed). false when another holder's lease
  // has not expired. ttl_ms <= 0 or an empty name/holder → kInvalidInput.
  virtual Result<bool> try_lease(std::string_view name, std::string_view holder, int64_t now_ms,
                                 int64_t ttl_ms) = 0;
  // Gives the lease up, so another can take it at once. Not held by anyone: nothing to do;
  // held by another holder → kConflict (the lease was lost meanwhile).
  virtual Result<void> release_lease(std::string_view name, std::string_view holder) = 0;

  // Adds an item, claimable from available_ms on; returns its id.
  virtual Result<int64_t> enqueue(std::string_view queue, std::string_view payload,
                                  int64_t available_ms) = 0;
  // Claims up to `limit` items of `queue` that are available at now_ms and not under another
  // claim (never claimed, handed back, or their claim expired: claim_until_ms <= now_ms), the
  // earliest available first, for `worker` until now_ms + lease_ms; each claim adds 1 to
  // attempts. Two workers never hold the same item at once. lease_ms <= 0 → kInvalidInput.
  virtual Result<std::vector<QueueItem>> claim(std::string_view queue, std::string_view worker,
                                               int64_t now_ms, int64_t lease_ms, size_t limit) = 0;
  // The item is done and leaves the queue. Only its current claimer: an item claimed by
  // another worker since (this claim expired) → kConflict; an unknown id → kNotFound.
  virtual Result<void> complete(int64_t id, std::string_view worker) = 0;
  // The claim ends; the item is claimable again from available_ms (attempts stays). Same
  // errors as complete().
  virtual Result<void> retry(int64_t id, std::string_view worker, int64_t available_ms) = 0;

  // Created once: each value of `items` whose key does not exist yet is written (version 1)
  // and its item enqueued in `queue`, in one transaction; a key that exists already is left
  // alone and gets no item. So work keyed by what it is (the outbox: incident, round, person,
  // channel) is queued at most once however often it is asked for, and a value is never
  // without its item. Checked as put() and enqueue() check (nothing written on an error).
  // Returns how many were created.
  virtual Result<size_t> create_with_work(std::string_view queue, const std::vector<NewWork>& items,
                                          int64_t time_ms, std::string_view by,
                                          std::optional<AuditEntry> audit) = 0;

  // The outcome of claimed work in one transaction: `writes` as put_many() writes them, then
  // each item of `ends` completed (no retry time) or handed back for a retry at the time given,
  // as complete() and retry() would; an item no longer this worker's (its claim ran out and
  // another took it) or gone is skipped, not an error. Returns how many items were ended.
  struct End {
    int64_t id = 0;
    std::optional<int64_t> retry_at;
  };
  virtual Result<size_t> record_and_end(const std::vector<LiveWrite>& writes,
                                        const std::vector<End>& ends, std::string_view worker,
                                        int64_t time_ms, std::string_view by) = 0;

  // As Store::change_mark().
  virtual Result<int64_t> change_mark() = 0;
};

}  // namespace ebcm::store
