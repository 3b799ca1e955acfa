// A Transaction is a set of reads and writes that commits atomically, or not at all. Reads see
// the database at the transaction's read version merged with its own earlier writes
// (read-your-writes). Reads that are not snapshot reads add read-conflict ranges; commit() fails
// with not_committed (1020) if another transaction committed a write into one of them after the
// read version. Writes are buffered until commit().
//
// Thread safety: used by one thread at a time; the futures and watches it returns may be waited
// on anywhere. The Database that created it must outlive it.
//
// Limits (docs/FORMATS.md#limits): key 10,000 bytes (key_too_large 2102), value 100,000 bytes
// (value_too_large 2103), 10,000,000 bytes of mutations and conflict ranges per commit
// (transaction_too_large 2101), 5 seconds from read version to the last read or commit
// (transaction_too_old 1007). Keys at or past "\xff" need system-key access
// (key_outside_legal_range 2004).
//
// Unlike FoundationDB's C API, argument errors (2102, 2103, 2004, 2005, 2000) are thrown at the
// call that makes them, not deferred to commit.
//
// Prefer writing functions that take `Transaction&` and running them with Database::run(),
// which commits and retries.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv/error.h"
#include "strata/kv/future.h"
#include "strata/kv/key_selector.h"
#include "strata/kv/mutation.h"
#include "strata/kv/options.h"
#include "strata/kv/range.h"

namespace strata {

namespace kv {
class TransactionImpl;
}

// The 10 bytes a commit stamps: 8-byte big-endian commit version, 2-byte big-endian order.
using CommitStamp = std::array<uint8_t, 10>;

// A Watch becomes ready when the watched key's value changes after the transaction that set it
// commits (see Transaction::watch). It outlives its transaction.
// Thread safety: thread-safe.
class [[nodiscard]] Watch {
 public:
  Watch() = default;
  Watch(Future<void> fired, std::function<void()> canceller)
      : fired_(std::move(fired)), canceller_(std::move(canceller)) {}
  Watch(Watch&&) noexcept = default;
  Watch& operator=(Watch&&) noexcept = default;
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  // Destroying an unfired watch cancels it and frees its slot.
  ~Watch() { cancel(); }

  // Blocks until the watch fires. Throws: the error it failed with (1025 transaction cancelled
  // before commit, the commit's error, 1101 after cancel()).
  void wait() const { fired_.get(); }
  // Returns: true if it fired within `timeout`, false on timeout. Throws: as wait().
  template <class Rep, class Period>
  [[nodiscard]] bool waitFor(std::chrono::duration<Rep, Period> timeout) const {
    if (!fired_.waitFor(timeout)) return false;
    fired_.get();
    return true;
  }
  [[nodiscard]] bool isReady() const { return fired_.isReady(); }
  // Stops watching; a waiter gets operation_cancelled (1101). No effect once fired.
  void cancel() {
    if (canceller_) {
      auto c = std::move(canceller_);
      canceller_ = nullptr;
      c();
    }
  }
  [[nodiscard]] const Future<void>& future() const { return fired_; }

 private:
  Future<void> fired_;
  std::function<void()> canceller_;
};

class Transaction;

// A lazily fetched range read: iterating fetches batches from the engine as needed (FoundationDB's
// iterator streaming), so memory stays at one batch. Obtained from Transaction::getRange.
// Lifetime: the Transaction must outlive the Range and its iterators; don't write to the
// transaction while iterating.
class Range {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = KeyValue;
    using difference_type = std::ptrdiff_t;
    using pointer = const KeyValue*;
    using reference = const KeyValue&;

    iterator() = default;
    reference operator*() const { return range_->batch_.kvs[index_]; }
    pointer operator->() const { return &range_->batch_.kvs[index_]; }
    iterator& operator++();
    bool operator==(const iterator& o) const { return range_ == o.range_; }

   private:
    friend class Range;
    explicit iterator(Range* r);
    Range* range_ = nullptr;  // nullptr = end
    size_t index_ = 0;
  };

  [[nodiscard]] iterator begin() { return iterator(this); }
  [[nodiscard]] iterator end() { return iterator(); }
  // Fetches every remaining row. Cost: the whole range in memory; prefer iterating.
  [[nodiscard]] std::vector<KeyValue> toVector();

 private:
  friend class Transaction;
  Range(Transaction* tr, KeySelector begin, KeySelector end, RangeOptions options);
  bool fetch();  // next batch into batch_; false when exhausted

  Transaction* tr_;
  KeySelector begin_, end_;
  RangeOptions options_;
  int iteration_ = 0;
  int remaining_;  // rows left under options_.limit; 0 means unlimited when limit was 0
  bool done_ = false;
  RangeBatch batch_;
};

class Transaction {
 public:
  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) noexcept;
  ~Transaction();  // without commit(): rolls back; unarmed watches fail with 1025

  // ---- Reads --------------------------------------------------------------------------------

  // Reads `key`, seeing this transaction's own earlier writes.
  // Returns: the value, or std::nullopt when the key is absent (also for keys over 10,000 bytes).
  // Throws: key_outside_legal_range (2004) for keys at or past "\xff" unless system keys are
  //   enabled; accessed_unreadable (1036) for a key written by a versionstamped op here;
  //   transaction_too_old (1007) once the read version is older than 5 s.
  // Conflicts: adds [key, key + "\x00") to the read set unless `snapshot` is Snapshot::kYes.
  // Cost: one engine read; none when this transaction already set or cleared `key`.
  [[nodiscard]] std::optional<std::string> get(std::string_view key,
                                               Snapshot snapshot = Snapshot::kNo);
  // get() as a future: issue several, then wait for them together. On the local engines the read
  // completes before the call returns; on etcd it runs on the database's read pool
  // (DatabaseOptions::readConcurrency), so reads issued together are in flight together. The read
  // sees the writes issued before it and none after: a later write, option, commit, reset, cancel
  // or the destructor waits until the transaction's pending reads are done. Errors (those of
  // get()) arrive through the future. Callbacks (Future::onReady) run on a pool thread: they must
  // not block on this transaction's writes.
  [[nodiscard]] Future<std::optional<std::string>> getAsync(std::string_view key,
                                                            Snapshot snapshot = Snapshot::kNo);

  // Resolves `selector` (see key_selector.h) against the merged view.
  // Returns: the key; "" before the first key, "\xff" past the last.
  // Throws: key_outside_legal_range (2004) when selector.key is past the legal key space.
  // Conflicts: offset <= 0: [result, K); offset > 0: [K, result + "\x00"), K = the selector's key
  //   (+ "\x00" when orEqual), unless snapshot.
  // Cost: O(|offset|) keys read.
  [[nodiscard]] std::string getKey(const KeySelector& selector, Snapshot snapshot = Snapshot::kNo);
  // getKey() as a future, as getAsync().
  [[nodiscard]] Future<std::string> getKeyAsync(const KeySelector& selector,
                                                Snapshot snapshot = Snapshot::kNo);

  // Streams the rows with resolve(begin) <= key < resolve(end) (see range.h).
  // Throws (when iterated): range_limits_invalid (2012) for a negative limit,
  //   exact_mode_without_limits (2210), and the errors of get().
  // Conflicts: the range read; a read cut short by its limit conflicts only up to the last key
  //   it returned (FoundationDB's rule), unless snapshot.
  // Cost: one engine range read per batch.
  // Lifetime: see Range.
  [[nodiscard]] Range getRange(const KeySelector& begin, const KeySelector& end,
                               RangeOptions options = {});
  // Plain keys: [begin, end).
  [[nodiscard]] Range getRange(std::string_view begin, std::string_view end,
                               RangeOptions options = {});
  // Every key starting with `prefix`.
  [[nodiscard]] Range getRangeStartsWith(std::string_view prefix, RangeOptions options = {});
  // One batch, FoundationDB's get_range: `iteration` (1-based) sizes kIterator batches.
  // Returns: the rows and whether more may remain past the last one returned.
  [[nodiscard]] RangeBatch getRangeBatch(const KeySelector& begin, const KeySelector& end,
                                         const RangeOptions& options = {}, int iteration = 1);
  // getRangeBatch() as a future, as getAsync().
  [[nodiscard]] Future<RangeBatch> getRangeAsync(const KeySelector& begin, const KeySelector& end,
                                                 RangeOptions options = {}, int iteration = 1);
  // Every row of the range in one vector: convenient for small ranges.
  [[nodiscard]] std::vector<KeyValue> getRangeAll(std::string_view begin, std::string_view end,
                                                  RangeOptions options = {});

  // The read version, acquiring it if this transaction has none yet.
  // Cost: one engine call the first time.
  [[nodiscard]] int64_t getReadVersion();
  // Uses `version` as the read version. Throws: read_version_already_set (2010) if one is set;
  //   later reads fail with transaction_too_old (1007) when the engine no longer has it, or
  //   future_version (1009) when it is newer than the newest commit.
  void setReadVersion(int64_t version);

  // ---- Writes (buffered until commit) -------------------------------------------------------

  // Sets `key` to `value`. Throws: key_too_large (2102), value_too_large (2103),
  //   key_outside_legal_range (2004). Conflicts: write [key, key + "\x00").
  void set(std::string_view key, std::string_view value);
  // Removes `key`. Throws and conflicts: as set().
  void clear(std::string_view key);
  // Removes every key in [begin, end). Throws: inverted_range (2005) when begin > end, and as
  //   set(). Conflicts: write [begin, end). Cost: counts only the two keys in the size limit.
  void clearRange(std::string_view begin, std::string_view end);
  // Applies an atomic operation at commit (see mutation.h). Throws: invalid_mutation_type
  //   (2018), client_invalid_operation (2000) for a versionstamp operand without a valid 4-byte
  //   little-endian offset, and as set(). Conflicts: write only (no read conflict).
  void atomicOp(MutationType type, std::string_view key, std::string_view param);

  // ---- Conflict ranges ----------------------------------------------------------------------

  // Adds [begin, end) to the read (write) conflict set as if it were read (written).
  // Throws: inverted_range (2005) when begin > end; key_outside_legal_range (2004).
  void addReadConflictRange(std::string_view begin, std::string_view end);
  void addReadConflictKey(std::string_view key);
  void addWriteConflictRange(std::string_view begin, std::string_view end);
  void addWriteConflictKey(std::string_view key);

  // ---- Commit and lifecycle -----------------------------------------------------------------

  // Commits the writes atomically. A transaction with no writes and no write-conflict ranges
  // commits at once without a conflict check (committed version -1).
  // Throws: not_committed (1020) on a conflict, transaction_too_old (1007), transaction_too_large
  //   (2101), commit_unknown_result (1021) when the engine cannot tell whether it landed,
  //   transaction_timed_out (1031), transaction_cancelled (1025), disk_full (3004), io_error.
  //   A 1020 from a conflict carries Error::conflictingRanges(); until onError() or reset() the
  //   same ranges read as FoundationDB's special keys: "\xff\xff/transaction/conflicting_keys/"
  //   + K -> "1" where a conflicting range begins at K, -> "0" where it ends (get/getRange; no
  //   option needed, report_conflicting_keys 712 is accepted).
  // With an idempotency id (setIdempotencyId): commits at most once per id. It reads the id's
  //   record (a serializable read of one system key) and, when an earlier attempt already
  //   committed, succeeds without applying this attempt (committedEarlier() is then true and
  //   the committed version and versionstamp are the earlier attempt's); otherwise it writes the
  //   record with the mutations. A 1021 from the engine is resolved before commit() returns:
  //   the record is read in a new transaction and, if absent, fenced (so the lost attempt can
  //   never land later) — success if the attempt landed, else not_committed (1020). 1021 is
  //   thrown only when that resolution itself cannot reach the engine; a retry then still
  //   commits at most once.
  // Cost: one engine commit; durable when it returns (unless the database was opened nosync).
  //   With an idempotency id: +1 point read, +2 system-key writes, and a snapshot read that
  //   removes up to 8 expired id records.
  void commit();
  [[nodiscard]] Future<void> commitAsync();
  // The version the commit landed at; -1 for a read-only commit.
  // Throws: client_invalid_operation (2000) before a successful commit.
  [[nodiscard]] int64_t getCommittedVersion() const;
  // The 10-byte stamp versionstamped ops of this transaction received. Ready after a successful
  // commit; fails with transaction_invalid_version (2020) if the commit fails, no_commit_version
  // (2021) for a read-only commit.
  [[nodiscard]] Future<CommitStamp> getVersionstamp();
  // Approximate commit size so far (FDB accounting).
  [[nodiscard]] int64_t getApproximateSize() const;

  // Gives the transaction an idempotency id (FoundationDB 7.3's IDEMPOTENCY_ID): 1 to 255 bytes,
  // unique per logical transaction, kept by onError() (dropped by reset()), so every retry of it
  // commits at most once while the id's record lives (DatabaseOptions::idempotencyIdLifetime).
  // The same id given to another Transaction (a retry after a restart, say) is honoured too.
  // Key layout: docs/FORMATS.md#idempotency-ids (system keys under "\xff/strata/idmp/").
  // Throws: invalid_option_value (2006) for an empty id or one over 255 bytes.
  void setIdempotencyId(std::string_view id);
  // The idempotency id, or "" when none was set.
  [[nodiscard]] const std::string& idempotencyId() const;
  // True after a successful commit() that found its idempotency id already committed by an
  // earlier attempt: this attempt's writes were not applied (the earlier attempt's were).
  [[nodiscard]] bool committedEarlier() const;

  // Watches `key`: the returned Watch becomes ready once a commit after this transaction's
  // commit changes the key's value away from the one this transaction saw (its own writes
  // included). Writing the same value does not fire it; A->B->A may be missed.
  // Throws: watches_disabled (1034) with read-your-writes disabled, too_many_watches (1032),
  //   key_too_large (2102), key_outside_legal_range (2004).
  // Conflicts: reads the key serializably. Requires: commit() (a read-only commit arms it).
  [[nodiscard]] Watch watch(std::string_view key);

  // FoundationDB's on_error: for a retryable error (error.h) sleeps a backoff (10 ms doubling,
  // jittered, capped by maxRetryDelay) and resets the transaction for another attempt, keeping the
  // retry count, timeout and retry options. Throws: `error` again when it is not retryable or
  // the retry limit is used up (the transaction is then cancelled until reset()).
  void onError(const Error& error);
  // Fresh state: drops writes, conflicts, read version, options and the retry count.
  void reset();
  // Every later call fails with transaction_cancelled (1025) until reset().
  void cancel();

  // ---- Options ------------------------------------------------------------------------------
  void setTimeout(std::chrono::milliseconds timeout);
  void setRetryLimit(int64_t limit);
  void setMaxRetryDelay(std::chrono::milliseconds delay);
  // Throws: invalid_option_value (2006) outside [32, 10,000,000].
  void setSizeLimit(int64_t bytes);
  // A FoundationDB numbered option; `value` is an int64 for the integer options.
  // Throws: invalid_option (2007) for an unknown option, invalid_option_value (2006).
  void setOption(TransactionOption option, int64_t value = 0);

 private:
  friend class Database;
  friend class Range;
  explicit Transaction(std::unique_ptr<kv::TransactionImpl> impl);
  std::unique_ptr<kv::TransactionImpl> impl_;
};

}  // namespace strata
