// A Database is a handle to one strata key space on one engine, chosen by URL:
//   "memory:"                   in-process MVCC, gone when the last handle closes (tests, caches)
//   "memory:NAME"               a named in-process store shared by every handle in the process
//   "file:PATH" or a plain path the embedded, durable engine on LMDB (the default)
//   "etcd://h:p,h:p[/?prefix=P]" an etcd v3 cluster
// Query options follow '?': e.g. "file:/data/db?nosync", "memory:?lifetime_ms=500",
// "etcd://h:p?read_concurrency=32" (DatabaseOptions::readConcurrency; README lists them all).
//
// Thread safety: thread-safe; share one Database across threads. Transactions are per thread.
// Lifetime: must outlive every Transaction and Watch made from it.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "strata/kv/error.h"
#include "strata/kv/options.h"
#include "strata/kv/stats.h"
#include "strata/kv/transaction.h"

namespace strata {

namespace kv {
class Engine;
class DatabaseShared;
struct DatabaseAccess;
}  // namespace kv

// Whether Database::run gives its transaction an idempotency id (TransactionOption
// kAutomaticIdempotency): with kAutomatic a commit_unknown_result (1021) is resolved before
// run() sees it, so fn's effects land at most once (transaction.h, setIdempotencyId).
enum class Idempotency : bool { kNo, kAutomatic };

class Database {
 public:
  // Opens the database at `url` (see above).
  // Throws: invalid_database_name (2013) for an unknown scheme or URL option, invalid_option_value
  //   (2006) for out-of-range DatabaseOptions, file_not_found (1511),
  //   not_a_database (3001), unsupported_format_version (3002), io_error (1510).
  [[nodiscard]] static Database open(std::string_view url, DatabaseOptions options = {});

  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  // A new transaction with the database's default options. Cost: no engine call.
  [[nodiscard]] Transaction createTransaction();

  // The retry loop: runs fn(Transaction&), commits, and on error calls onError() and runs fn again
  // on the same transaction, until it commits or onError() rethrows.
  // Returns: what fn returns. Throws: the first error onError() does not retry.
  // On 1021 (commit_unknown_result) fn runs again although its first run may have committed:
  // make fn idempotent, read back whether its effect is there first, or pass
  // Idempotency::kAutomatic: the transaction then carries an idempotency id, the commit resolves
  // a 1021 itself (success if the attempt landed, else a retry), and fn's effects land at most
  // once. Cost of kAutomatic: one point read and two system-key writes per commit.
  template <class Fn>
  auto run(Fn&& fn, Idempotency idempotency = Idempotency::kNo)
      -> std::invoke_result_t<Fn&, Transaction&> {
    Transaction tr = createTransaction();
    if (idempotency == Idempotency::kAutomatic) {
      tr.setOption(TransactionOption::kAutomaticIdempotency);
    }
    for (;;) {
      try {
        if constexpr (std::is_void_v<std::invoke_result_t<Fn&, Transaction&>>) {
          fn(tr);
          tr.commit();
          return;
        } else {
          auto result = fn(tr);
          tr.commit();
          return result;
        }
      } catch (const Error& e) {
        tr.onError(e);
      }
    }
  }

  // The retry loop for read-only work: runs fn(Transaction&) without committing, retrying on
  // retryable errors (1007 after a long read, for instance).
  template <class Fn>
  auto read(Fn&& fn) -> std::invoke_result_t<Fn&, Transaction&> {
    Transaction tr = createTransaction();
    for (;;) {
      try {
        return fn(tr);
      } catch (const Error& e) {
        tr.onError(e);
      }
    }
  }

  // The URL this database was opened with.
  [[nodiscard]] const std::string& url() const;
  [[nodiscard]] const DatabaseOptions& options() const;

  // Internal: the engine (for strata's own tools and tests).
  [[nodiscard]] kv::Engine& engine() const;

  // Commit, conflict and retry counts of the transactions made from this handle (and handles
  // moved from it), in total and per key prefix (stats.h). Cost: copies the counters.
  [[nodiscard]] DatabaseStats stats() const;

 private:
  friend struct kv::DatabaseAccess;  // test-only hooks (src/kv/fault_engine.h)
  explicit Database(std::shared_ptr<kv::DatabaseShared> shared);
  std::shared_ptr<kv::DatabaseShared> shared_;
};

}  // namespace strata
