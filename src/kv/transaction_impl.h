// TransactionImpl: the engine-independent transaction logic behind strata::Transaction —
// read-your-writes over a WriteMap, key selector resolution against the merged view, read and
// write conflict ranges, limits, the 5-second rule, timeouts, versionstamps, watches and the
// onError retry state. Engines only see ReadViews and a finished CommitRequest.
//
// Thread safety: used by one thread at a time, plus — when the database has a ReadPool — the
// pool's threads serving this transaction's asynchronous reads. Then every call holds a Guard:
// mu_ serialises them, readers release it while they wait on the engine (so reads issued
// together are in flight together), and calls that change the transaction's state wait until
// no asynchronous read is pending, so a read answers from the writes issued before it and from
// none issued after. Without a pool, Guards do nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kv/database_shared.h"
#include "kv/engine.h"
#include "kv/write_map.h"
#include "strata/kv/transaction.h"

namespace strata::kv {

class TransactionImpl {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TransactionImpl(std::shared_ptr<DatabaseShared> db);
  // Waits for pending asynchronous reads first.
  ~TransactionImpl();

  // Held by every call of strata::Transaction (see the thread-safety note above).
  class Guard {
   public:
    enum class Mode {
      kRead,   // reads: may run beside pending asynchronous reads
      kWrite,  // everything else: waits until no asynchronous read is pending
    };
    Guard(TransactionImpl& impl, Mode mode);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;

   private:
    std::unique_lock<std::mutex> lock_;
    std::unique_lock<std::mutex>* outer_ = nullptr;
  };

  // The reads' futures: ready at once without a ReadPool, else served by the pool. Called with
  // a kRead Guard.
  Future<std::optional<std::string>> getAsync(std::string_view key, Snapshot snapshot);
  Future<std::string> getKeyAsync(const KeySelector& selector, Snapshot snapshot);
  Future<RangeBatch> getRangeAsync(const KeySelector& begin, const KeySelector& end,
                                   const RangeOptions& options, int iteration);

  std::optional<std::string> get(std::string_view key, Snapshot snapshot);
  std::string getKey(const KeySelector& selector, Snapshot snapshot);
  RangeBatch getRangeBatch(const KeySelector& begin, const KeySelector& end,
                           const RangeOptions& options, int iteration);
  int64_t getReadVersion();
  void setReadVersion(int64_t version);

  void set(std::string_view key, std::string_view value);
  void clear(std::string_view key);
  void clearRange(std::string_view begin, std::string_view end);
  void atomicOp(MutationType type, std::string_view key, std::string_view param);
  void addReadConflictRange(std::string_view begin, std::string_view end);
  void addWriteConflictRange(std::string_view begin, std::string_view end);

  void commit();
  int64_t getCommittedVersion() const;
  Future<CommitStamp> getVersionstamp();
  int64_t getApproximateSize() const { return size_; }
  Watch watch(std::string_view key);

  void onError(const Error& error);
  void reset();
  void cancel();

  void setOption(TransactionOption option, int64_t value);
  TransactionOptions& options() { return options_; }
  void setIdempotencyId(std::string_view id);
  const std::string& idempotencyId() const { return idempotencyId_; }
  bool committedEarlier() const { return committedEarlier_; }

 private:
  struct WatchSlot;
  struct ScanResult {
    std::vector<KeyValue> rows;
    bool more = false;
  };

  void checkUsable();
  ReadView& view();
  // Engine reads: with a ReadPool, mu_ is released while the engine answers.
  std::optional<std::string> engineGet(std::string_view key);
  RangeChunk engineGetRange(std::string_view begin, std::string_view end, int limit, bool reverse);
  // Runs op() on the ReadPool (or now, without one) and returns its result as a future.
  template <class T, class Op>
  Future<T> runAsync(Op op);
  [[nodiscard]] std::string maxReadableKey() const;
  [[nodiscard]] bool ryw(Snapshot snapshot) const;
  void checkWriteKey(std::string_view key);
  void checkReadable(std::string_view begin, std::string_view end) const;
  void addReadConflict(std::string_view begin, std::string_view end);
  // addReadConflict for the parts of [begin, end) the write map does not determine.
  void addReadConflictSkippingOwnWrites(std::string_view begin, std::string_view end);
  void addWriteConflict(std::string_view begin, std::string_view end);
  void addMutation(MutationType type, std::string_view key, std::string_view param);
  void triggerOwnWatches(std::string_view key);
  std::optional<std::string> mergedValue(std::string_view key, bool ryw);

  ScanResult scan(std::string_view begin, std::string_view end, bool reverse, int limit,
                  int64_t byteLimit, bool ryw);
  std::string resolve(const KeySelector& selector, bool ryw, KeyRange* conflict);

  // Reads of "\xff\xff/transaction/conflicting_keys/" (the last commit's conflict report).
  static bool isConflictReportKey(std::string_view key);
  std::optional<std::string> conflictReportGet(std::string_view key) const;
  RangeBatch conflictReportRange(const KeySelector& begin, const KeySelector& end,
                                 const RangeOptions& options) const;
  // Arms this attempt's watches with the engine at `version`.
  void armWatches(int64_t version);
  // Idempotency ids (docs/FORMATS.md#idempotency-ids). prepareIdempotentCommit() reads the id's
  // record: returns the earlier attempt's stamp when it committed, else adds the record, its
  // index entry and the cleanup of expired records to `request`.
  std::optional<CommitStamp> prepareIdempotentCommit(CommitRequest& request);
  enum class Resolution { kLanded, kFenced };
  // After a 1021: whether the attempt landed (its stamp in *stamp) or is now fenced off.
  // Throws: commit_unknown_result (1021) when the engine cannot be asked.
  Resolution resolveUnknownResult(CommitStamp* stamp);
  void finishCommit(const CommitStamp& stamp);

  // Drops per-attempt state; `full` also drops retry state and options (reset()).
  void clearState(bool full, int failCode);
  void failWatches(int code);

  std::shared_ptr<DatabaseShared> db_;
  const bool concurrent_;  // the database has a ReadPool: Guards lock
  std::mutex mu_;
  std::condition_variable idle_;  // pending_ fell to 0
  int pending_ = 0;               // asynchronous reads issued and not finished; guarded by mu_
  TransactionOptions options_;
  Clock::time_point startTime_;
  int64_t retries_ = 0;
  double backoffSeconds_ = 0.01;

  // Options that last one attempt.
  bool accessSystemKeys_ = false;
  bool readSystemKeys_ = false;
  bool nextWriteNoWriteConflict_ = false;
  bool readYourWritesDisabled_ = false;
  bool bypassUnreadable_ = false;
  int snapshotRywDisables_ = 0;

  std::shared_ptr<ReadView> view_;
  Clock::time_point readVersionTime_;
  std::optional<int64_t> requestedReadVersion_;
  WriteMap writes_;
  std::vector<Mutation> mutations_;
  std::vector<KeyRange> readConflicts_;
  std::vector<KeyRange> writeConflicts_;
  std::vector<KeyRange> unreadable_;
  int64_t size_ = 0;
  int failedCode_ = 0;  // 1025 cancelled, 1031 timed out: every call fails with it
  bool committed_ = false;
  int64_t committedVersion_ = -1;
  std::optional<CommitStamp> committedStamp_;
  std::vector<Promise<CommitStamp>> stampPromises_;
  std::vector<std::shared_ptr<WatchSlot>> watches_;  // set in this attempt, armed at commit
  std::string idempotencyId_;                        // kept by onError(), dropped by reset()
  bool committedEarlier_ = false;
  std::vector<ConflictRange> conflictReport_;  // the last commit's 1020, until onError/reset
};

}  // namespace strata::kv
