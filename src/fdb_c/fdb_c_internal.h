// The objects behind strata's libfdb_c handles (include/foundationdb/fdb_c.h, docs/FDB_C.md):
// the network loop, futures, databases and transactions, and the error mapping between strata's
// C++ exceptions and FoundationDB's fdb_error_t.
//
// Thread safety: every FDB_* object is thread-safe (a mutex each); see each type.
#pragma once

#define FDB_API_VERSION 720
#include <foundationdb/fdb_c.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/transaction.h"

namespace strata::fdbc {

// FoundationDB codes the C API returns that strata's own table (error_table.h) lacks.
inline constexpr fdb_error_t kFutureNotSet = 2015;
inline constexpr fdb_error_t kNoClusterFileFound = 1515;
inline constexpr fdb_error_t kNetworkNotSetup = 2008;
inline constexpr fdb_error_t kNetworkAlreadySetup = 2009;
inline constexpr fdb_error_t kVersionInvalid = 2011;
inline constexpr fdb_error_t kNetworkCannotBeRestarted = 2025;
inline constexpr fdb_error_t kConnectionStringInvalid = 2104;
inline constexpr fdb_error_t kUnsupportedOperation = 2108;
inline constexpr fdb_error_t kTenantsDisabled = 2136;
inline constexpr fdb_error_t kApiVersionUnset = 2200;
inline constexpr fdb_error_t kApiVersionAlreadySet = 2201;
inline constexpr fdb_error_t kApiVersionInvalid = 2202;
inline constexpr fdb_error_t kUnknownError = 4000;
inline constexpr fdb_error_t kInternalError = 4100;

inline constexpr int kMinApiVersion = 610;
inline constexpr int kMaxApiVersion = 720;

// The code of the exception being handled (strata::Error's code; 4100 for anything else).
fdb_error_t currentErrorCode() noexcept;
// Runs fn, returning 0 or the code of what it threw.
template <class Fn>
fdb_error_t guard(Fn&& fn) noexcept {
  try {
    fn();
    return 0;
  } catch (...) {
    return currentErrorCode();
  }
}

int selectedApiVersion() noexcept;  // 0 before fdb_select_api_version

// The network thread's loop: callbacks of futures that became ready, and on_error's timers.
// Tasks posted before fdb_run_network wait for it; after fdb_stop_network they are dropped.
// Thread safety: thread-safe.
class Network {
 public:
  using Clock = std::chrono::steady_clock;
  static Network& instance();

  fdb_error_t setup();
  fdb_error_t run();
  fdb_error_t stop();
  fdb_error_t addCompletionHook(void (*hook)(void*), void* parameter);
  [[nodiscard]] bool isSetup();

  void post(std::function<void()> task);
  void postAt(Clock::time_point when, std::function<void()> task);

 private:
  enum class State { kNone, kSetup, kRunning, kStopped };
  std::mutex mu_;
  std::condition_variable cv_;
  State state_ = State::kNone;
  bool stopRequested_ = false;
  std::deque<std::function<void()>> tasks_;
  std::multimap<Clock::time_point, std::function<void()>> timers_;
  std::vector<std::pair<void (*)(void*), void*>> hooks_;
};

}  // namespace strata::fdbc

// An FDBFuture. The user's pointer is an owning reference (released by fdb_future_destroy);
// completions in flight hold their own shared_ptr, so a future destroyed while a watch or a
// timer is pending is freed when that completes.
//
// Invariants (mu):
//   1. Once ready, error and the result fields never change (until release_memory frees them).
//   2. callback runs at most once: taken out under mu before it is invoked.
struct FDB_future {
  enum class Kind { kNone, kInt64, kUint64, kBool, kKey, kValue, kKeyValues, kKeys, kStrings };

  std::shared_ptr<FDB_future> self;  // the user's reference; reset by fdb_future_destroy
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false;
  bool destroyed = false;
  bool released = false;
  fdb_error_t error = 0;
  FDBCallback callback = nullptr;
  void* callbackParameter = nullptr;
  std::function<void()> canceller;  // watches: cancels the strata watch

  Kind kind = Kind::kNone;
  int64_t i64 = 0;
  std::string bytes;  // kKey, kValue
  bool present = false;
  std::vector<strata::KeyValue> rows;  // kKeyValues
  std::vector<FDBKeyValue> rowViews;
  bool more = false;
  std::vector<std::string> strings;  // kKeys, kStrings
  std::vector<FDBKey> keyViews;
  std::vector<const char*> cstrings;
  std::optional<strata::Watch> watch;  // kept alive until fired, cancelled or destroyed

  // A pending future; the returned pointer is the user's handle.
  static FDB_future* create();
  static FDB_future* readyWith(fdb_error_t error);
  // Completes the future: `fill` (may be null) stores the result under mu; error 0 = success.
  // Runs the callback on the network thread. No effect if already ready.
  void complete(fdb_error_t error, const std::function<void(FDB_future&)>& fill);
  // The views that fdb_future_get_* hand out; called under mu once ready.
  void buildViews();
};

struct FDB_database {
  strata::Database db;
  std::mutex mu;
  // Database options 500-503 and 26/27, applied to each new or reset transaction.
  std::optional<int64_t> timeoutMs, retryLimit, maxRetryDelayMs, sizeLimit;
  int snapshotRyw = 0;  // +1 per snapshot_ryw_disable, -1 per _enable
  bool bypassUnreadable = false;
  // fdb_database_destroy's reference plus one per transaction: FoundationDB lets a binding destroy
  // the database before its transactions (a garbage collector does), so the last one frees it.
  std::atomic<int> refs{1};

  explicit FDB_database(strata::Database d) : db(std::move(d)) {}
};

// Thread safety: calls on one transaction are serialised by mu.
struct FDB_transaction {
  FDB_database* database;
  std::mutex mu;
  std::optional<strata::Transaction> tr;
  // The first error of a void call (set, clear, set_read_version, ...): every later read, watch
  // and commit fails with it until on_error or reset, as in FoundationDB.
  fdb_error_t deferredError = 0;
  int64_t maxRetryDelayMs = 1000;  // ours: strata's is held at 0 so its onError never sleeps
  double backoffSeconds = 0.01;
  bool commitStarted = false;

  explicit FDB_transaction(FDB_database* d) : database(d) {}
  // Applies the database defaults to a fresh (new or reset) transaction.
  void applyDefaults();
};
