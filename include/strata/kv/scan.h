// A Scan walks a key range that does not fit in one transaction: it reads the range in as many
// transactions as it needs, each one well inside the 5-second and 10,000,000-byte limits, and
// hands out a continuation token after any row, so the walk can stop and resume later, in another
// process, on any engine (FoundationDB users' most requested missing piece: a range read that
// outlives transaction_too_old).
//
// Consistency (the one thing to understand before using a Scan):
//   ScanConsistency::kPerBatch (the default): each batch is read in one transaction at one read
//     version, so each batch is a consistent snapshot. The whole scan is NOT: a key written
//     behind the scan's position after it started is missed, one written ahead of it is seen, a
//     key moved from ahead to behind may be seen twice or not at all. Rows come out in key order,
//     each key at most once. Reads are snapshot reads: a scan adds no read conflicts and never
//     makes another transaction fail.
//   ScanConsistency::kPinned: the whole scan reads one version, kept by the engine until the Scan
//     is destroyed. Only the embedded engine (file:) can keep a version for longer than the
//     5-second transaction lifetime (it holds one LMDB read transaction: pages freed by later
//     commits cannot be reused meanwhile, so data.mdb may grow during a long pinned scan).
//     memory: and etcd:// keep old versions only for the transaction lifetime (etcd compacts
//     them), so opening a pinned scan there throws unsupported_operation (2108) at once rather
//     than failing half-way through.
//
// Continuation tokens: continuation() returns printable ASCII ("c1" followed by base64url text,
// no spaces, safe in a shell argument) naming the position just after the last row returned, the
// scan's direction, a fingerprint of its range, and for pinned scans the pinned version. A token
// is engine-neutral: a token from a file: scan resumes a scan of the same range on etcd. Resuming
// a pinned token re-pins the same version if the engine still has it (same process, or nothing
// committed since), else throws transaction_too_old (1007): resume it unpinned
// (ScanConsistency::kPerBatch) to continue with per-batch consistency.
// Token format (docs/FORMATS.md#continuation-tokens): see there; treat it as opaque.
//
// Limits: keys must lie below "\xff" (the system keys are not scanned). A token grows with the
// last key (up to ~13,400 characters for a 10,000-byte key).
//
// Thread safety: a Scan is used by one thread at a time. The Database must outlive it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/range.h"

namespace strata {

enum class ScanConsistency : int {
  kPerBatch = 0,  // each batch a snapshot; the scan as a whole is not (see above)
  kPinned = 1,    // one version for the whole scan; the embedded engine only
};

struct ScanOptions {
  // Per-batch consistency or one pinned version (see the header comment).
  ScanConsistency consistency = ScanConsistency::kPerBatch;
  // Reverse::kYes walks from the end of the range downwards.
  Reverse reverse = Reverse::kNo;
  // A batch (one transaction) ends after this many bytes of keys and values. Must be in
  // [1, 8,000,000]: well under the 10 MB transaction limit. Larger batches mean fewer
  // transactions and more memory.
  int64_t batchBytes = 1 << 20;
  // A batch ends after this long even when batchBytes is not reached, keeping each transaction
  // far from the 5-second limit on a slow engine. Must be in [1 ms, 4 s].
  std::chrono::milliseconds batchTime{1000};
};

class Scan {
 public:
  // Starts a scan of [begin, end) (no row when begin >= end).
  // Throws: key_outside_legal_range (2004) when end > "\xff"; invalid_option_value (2006) for
  //   options out of range; unsupported_operation (2108) for a pinned scan on an engine that
  //   cannot keep a version (memory, etcd).
  // Cost: no engine call until the first next(), except a pinned scan, which pins a version now.
  [[nodiscard]] static Scan open(Database& db, std::string_view begin, std::string_view end,
                                 ScanOptions options = {});
  // Resumes the scan of [begin, end) that continuation() described by `token`: the first row is
  // the one after the token's last row (before it, in reverse).
  // Throws: invalid_input (3005) for a malformed or damaged token, or one made by a scan of a
  //   different range or direction; transaction_too_old (1007) for a pinned token whose version
  //   the engine no longer keeps; and as open().
  [[nodiscard]] static Scan resume(Database& db, std::string_view begin, std::string_view end,
                                   std::string_view token, ScanOptions options = {});

  Scan(Scan&&) noexcept;
  Scan& operator=(Scan&&) noexcept;
  ~Scan();  // releases a pinned version

  // The next row, or std::nullopt when the range is exhausted.
  // Throws: the errors of a read (io_error 1510, ...); transaction_too_old (1007) only in a
  //   pinned scan on an engine that dropped the version (retryable errors of a per-batch read
  //   are retried inside, as Database::read does).
  // Cost: amortised; one transaction per batch (batchBytes / batchTime).
  [[nodiscard]] std::optional<KeyValue> next();
  // Every row left in the current batch, fetching a new batch when it is empty; an empty vector
  // when the range is exhausted. Rows returned count as returned for continuation().
  [[nodiscard]] std::vector<KeyValue> nextBatch();

  // Whether rows remain after the last one returned (what a listing needs to decide to print a
  // continuation after cutting its output). Cost: may read the next batch (kept for next()).
  [[nodiscard]] bool hasMore();
  // True once next() has returned std::nullopt (or nextBatch() an empty vector). Before that,
  // rows may or may not remain.
  [[nodiscard]] bool done() const;
  // A token that resumes just after the last row returned (at the range's start before any row).
  // Valid after done() too (resuming it returns nothing).
  [[nodiscard]] std::string continuation() const;

  // The read version of the current batch (the pinned version for a pinned scan); -1 before the
  // first batch.
  [[nodiscard]] int64_t batchVersion() const;
  // Transactions (batches) read so far, rows returned so far, and bytes (key + value) returned.
  [[nodiscard]] int64_t batches() const;
  [[nodiscard]] int64_t rowsReturned() const;
  [[nodiscard]] int64_t bytesReturned() const;

  class Impl;

 private:
  explicit Scan(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether `db`'s engine can keep one version for a whole scan (ScanConsistency::kPinned).
// Returns: true for the embedded engine (file:), false for memory: and etcd://.
[[nodiscard]] bool canPinScan(const Database& db);

}  // namespace strata
