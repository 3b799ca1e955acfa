// Expiry: keys with a time to live. set(tr, key, value, ttl) writes the value at `key` itself
// (any key of the database: other readers still find it there) and records its deadline in an
// index under the Expiry's Subspace. Reads through the layer (get) never return a value whose
// deadline has passed; sweep() deletes expired keys in bounded transactions, when the caller
// runs it (`strata expire`, or on demand from the API): no thread is started, nothing runs in
// the background.
//
//   Expiry expiry(Subspace(Tuple{"app", "ttl"}));
//   db.run([&](Transaction& tr) { expiry.set(tr, "session/42", token, std::chrono::minutes(30));
//   }); auto v = db.read([&](Transaction& tr) { return expiry.get(tr, "session/42"); }); int64_t
//   removed = expiry.sweep(db);        // e.g. from a cron job or `strata expire`
//
// Key layout (docs/FORMATS.md#expiry, tuple-encoded under the subspace S; deadlines are unix
// milliseconds of the writing client's clock):
//   key                        -> value      the value itself, where the caller put it
//   S + (0, key)               -> int64 BE   the key's deadline
//   S + (1, deadline, key)     -> ""         the deadline index, in deadline order
// Invariant: (1, d, key) exists iff (0, key) holds d. set() reads (0, key) and moves the index
// entry in the same transaction, and sweep() re-reads (0, key) before deleting, so the index is
// exact under concurrency: a rewrite with a new TTL moves the deadline, and a sweep racing a
// rewrite conflicts (one of them retries) instead of deleting the new value.
//
// Cost per call:
//   set: 1 read of (0, key) (conflicting: concurrent set/clear/sweep of one key serialize),
//     3 writes (value, deadline, index entry) + 1 clear of the old index entry.
//   get: 2 reads (the value and its deadline; both conflicting unless snapshot).
//   persist / clear: 1 read, 2-3 writes.
//   sweep(tr): 1 snapshot range read of at most `limit` index entries, then per due entry
//     1 conflicting read of (0, key) and 3 clears.
//
// On commit_unknown_result (1021): every call is idempotent — set writes the same value and
// deadline again (the deadline is computed from the clock when the body runs, so a retry may
// extend it by the retry delay), clear and sweep delete again. Retrying is safe.
//
// Limits: values up to 100,000 bytes and keys up to the key limit less the index's overhead
// (key_too_large 2102 from the index entry, ~20 bytes + the subspace prefix). A TTL must be
// positive (client_invalid_operation 2000). Deadlines use the client's wall clock: clients whose
// clocks differ by d see a key expire up to d apart. A key written without the layer
// (plain Transaction::set) keeps any deadline it had; call persist() to drop it.
//
// Thread safety: immutable after construction; share freely.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

struct ExpiryOptions {
  // The clock deadlines are computed and compared with (tests give a fake one).
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

struct SweepOptions {
  // Index entries examined per transaction (each deletes at most this many keys): bounds a
  // sweep transaction well inside the 5 s and 10 MB limits.
  int batch = 1000;
  // Most keys deleted by one sweep(Database&) call; 0 = until nothing due remains.
  int64_t limit = 0;
};

class Expiry {
 public:
  explicit Expiry(Subspace subspace, ExpiryOptions options = {});

  // The index `strata kv set --ttl` and `strata expire` use: Subspace(Tuple{"strata", "expiry"}).
  [[nodiscard]] static Subspace cliSubspace();

  // Sets `key` to `value`, expiring `ttl` from now (replacing any earlier deadline).
  // Throws: client_invalid_operation (2000) for ttl <= 0; the errors of Transaction::set.
  // Conflicts: reads (0, key).
  void set(Transaction& tr, std::string_view key, std::string_view value,
           std::chrono::milliseconds ttl) const;
  // Sets `key` to `value` without a deadline (dropping one it had). Conflicts: reads (0, key).
  void setPersistent(Transaction& tr, std::string_view key, std::string_view value) const;
  // Returns: the value, or std::nullopt when `key` is absent or its deadline has passed (an
  //   expired key reads as absent even before a sweep deletes it).
  [[nodiscard]] std::optional<std::string> get(Transaction& tr, std::string_view key,
                                               Snapshot snapshot = Snapshot::kNo) const;
  // Returns: the deadline of `key`, or std::nullopt when it has none (absent or persistent).
  [[nodiscard]] std::optional<std::chrono::system_clock::time_point> deadline(
      Transaction& tr, std::string_view key, Snapshot snapshot = Snapshot::kNo) const;
  // Drops the deadline of `key`, keeping its value. Returns: true if it had one.
  bool persist(Transaction& tr, std::string_view key) const;
  // Removes `key` and its deadline. Conflicts: reads (0, key).
  void clear(Transaction& tr, std::string_view key) const;

  // Deletes up to `limit` keys whose deadline has passed, earliest first (limit > 0).
  // Returns: the keys deleted. Throws: range_limits_invalid (2012) for limit <= 0.
  int64_t sweep(Transaction& tr, int limit) const;
  // Sweeps in transactions of options.batch entries until nothing due remains (or options.limit
  // keys were deleted), each in Database::run(). Returns: the keys deleted.
  // Throws: range_limits_invalid (2012) for batch <= 0 or limit < 0.
  int64_t sweep(Database& db, SweepOptions options = {}) const;
  // Keys whose deadline has passed and a sweep has not deleted yet (a snapshot count of the
  // index up to now). Cost: one snapshot range read of those entries.
  [[nodiscard]] int64_t countDue(Transaction& tr) const;

  [[nodiscard]] const Subspace& subspace() const { return subspace_; }

 private:
  [[nodiscard]] int64_t nowMs() const;
  // Drops the deadline of `key` (both keys) if it has one. Returns: true if it had one.
  bool dropDeadline(Transaction& tr, std::string_view key) const;
  // sweep(tr, limit); *examined = the due index entries it read.
  int64_t sweepBatch(Transaction& tr, int limit, int64_t* examined) const;

  Subspace subspace_;
  ExpiryOptions options_;
};

}  // namespace strata::layers
