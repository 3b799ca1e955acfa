// Options of databases and transactions. FoundationDB's numbered options (fdb_c's
// FDBTransactionOption / FDBDatabaseOption) map onto these fields through setOption().
#pragma once

#include <chrono>
#include <cstdint>

namespace strata {

// FoundationDB transaction option numbers accepted by Transaction::setOption.
enum class TransactionOption : int {
  kNextWriteNoWriteConflictRange = 30,
  kReadYourWritesDisable = 51,
  kReadAheadDisable = 52,
  kPrioritySystemImmediate = 200,
  kPriorityBatch = 201,
  kAccessSystemKeys = 301,
  kReadSystemKeys = 302,
  kTimeout = 500,        // int64 ms, 0 = off
  kRetryLimit = 501,     // int64, -1 = unlimited
  kMaxRetryDelay = 502,  // int64 ms
  kSizeLimit = 503,      // int64 bytes, 32 .. 10,000,000
  // No value: give the transaction a random 16-byte idempotency id unless it has one
  // (Transaction::setIdempotencyId). FoundationDB 7.3's AUTOMATIC_IDEMPOTENCY.
  kAutomaticIdempotency = 505,
  kSnapshotRywEnable = 600,
  kSnapshotRywDisable = 601,
  kLockAware = 700,
  kUsedDuringCommitProtectionDisable = 701,
  kReportConflictingKeys = 712,
  kBypassUnreadable = 1100,
};

struct TransactionOptions {
  // Cancel the transaction this long after it starts (transaction_timed_out, 1031); 0 disables.
  // FDB option 500. Not reset by onError(), so one retry loop keeps one deadline.
  std::chrono::milliseconds timeout{0};
  // onError() gives up after this many retries; -1 = unlimited. FDB option 501.
  int64_t retryLimit = -1;
  // Cap on the exponential backoff between retries. FDB option 502.
  std::chrono::milliseconds maxRetryDelay{1000};
  // Largest commit in bytes (FDB accounting: mutations + conflict ranges). FDB option 503.
  int64_t sizeLimit = 10'000'000;
};

// Limits enforced on every engine (FoundationDB's).
inline constexpr size_t kMaxKeySize = 10'000;
inline constexpr size_t kMaxSystemKeySize = 30'000;
inline constexpr size_t kMaxValueSize = 100'000;
inline constexpr int64_t kMaxTransactionSize = 10'000'000;
inline constexpr int64_t kVersionsPerSecond = 1'000'000;

struct DatabaseOptions {
  // Defaults copied into every new transaction (FDB database options 500-503).
  TransactionOptions transactionDefaults;
  // Most outstanding watches per Database (too_many_watches, 1032). FDB option 20.
  int64_t maxWatches = 10'000;
  // How long a read version stays usable (transaction_too_old, 1007). FoundationDB's 5 s; tests
  // lower it to exercise the rule without sleeping long.
  std::chrono::milliseconds maxTransactionLifetime{5000};
  // How long a commit's idempotency id record is kept (Transaction::setIdempotencyId): a retry
  // of the same id later than this may apply the transaction again. Each record costs two system
  // keys until an idempotent commit after its expiry removes it (docs/FORMATS.md#idempotency-ids).
  std::chrono::milliseconds idempotencyIdLifetime{std::chrono::minutes(10)};
  // Threads that serve Transaction::getAsync, getKeyAsync and getRangeAsync, so that reads issued
  // together are in flight together: at most this many at once per Database. -1 (the default):
  // 8 on a remote engine (etcd), 0 on the local ones, whose reads take microseconds. 0: every
  // read completes on the calling thread before the call returns.
  int readConcurrency = -1;
};

}  // namespace strata
