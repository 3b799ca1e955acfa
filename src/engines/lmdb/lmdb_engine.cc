// The embedded engine on LMDB. How it works: docs/engines/lmdb.md.
#include "engines/lmdb/lmdb_engine.h"

#include <fcntl.h>
#include <lmdb.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <utility>
#include <vector>

#include "engines/lmdb/codec.h"
#include "engines/lmdb/errors.h"
#include "engines/lmdb/format.h"
#include "engines/lmdb/keyspace.h"
#include "engines/lmdb/lmdb_access.h"
#include "engines/lmdb/watcher.h"
#include "kv/atomic.h"
#include "kv/conflict_set.h"

namespace strata::kv {
namespace {

using lmdb::decodeBE64;
using lmdb::decodeRanges;
using lmdb::decodeU32;
using lmdb::encodeBE64;
using lmdb::encodeRanges;
using lmdb::encodeU32;

using lmdb::check;
using lmdb::MdbFailure;
using lmdb::Phase;

constexpr unsigned kMaxReaders = 4096;
constexpr size_t kReadTxnPool = 16;
constexpr size_t kMaxBatch = 1024;
constexpr size_t kRecentSnapshots = 32;

MDB_val toVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view fromVal(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

int64_t nowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::optional<std::string> metaGet(MDB_txn* txn, MDB_dbi dbi, std::string_view key,
                                   Phase phase = Phase::kRead) {
  MDB_val k = toVal(key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "mdb_get(meta)", phase);
  return std::string(fromVal(v));
}
void metaPut(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = toVal(key), v = toVal(value);
  check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put(meta)");
}

// Aborts a transaction unless released.
class TxnGuard {
 public:
  explicit TxnGuard(MDB_txn* txn) : txn_(txn) {}
  ~TxnGuard() {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  TxnGuard(const TxnGuard&) = delete;
  TxnGuard& operator=(const TxnGuard&) = delete;
  MDB_txn* release() { return std::exchange(txn_, nullptr); }

 private:
  MDB_txn* txn_;
};

// The LMDB environment, shared by the engine and every ReadView it made (a view may outlive the
// engine). Invariants:
//   1. Every LMDB call that touches the map holds mapMu shared; mdb_env_set_mapsize holds it
//      exclusively (remapping moves the map under readers' feet).
//   2. pool holds reset read transactions (MDB_NOTLS keeps their reader slots); guarded by poolMu.
struct Env {
  MDB_env* env = nullptr;
  unsigned flags = 0;  // mdb_env_open's
  MDB_dbi meta = 0, data = 0, log = 0;
  std::shared_mutex mapMu;
  std::mutex poolMu;
  std::vector<MDB_txn*> pool;

  ~Env() {
    for (MDB_txn* txn : pool) mdb_txn_abort(txn);
    if (env != nullptr) mdb_env_close(env);
  }

  // Adopts a map size another process set (after MDB_MAP_RESIZED).
  void adoptMapSize() {
    std::unique_lock lock(mapMu);
    check(mdb_env_set_mapsize(env, 0), "mdb_env_set_mapsize", Phase::kRead);
  }

  MDB_txn* beginRead() {
    for (int attempt = 0;; ++attempt) {
      MDB_txn* txn = nullptr;
      {
        std::lock_guard lock(poolMu);
        if (!pool.empty()) {
          txn = pool.back();
          pool.pop_back();
        }
      }
      int rc;
      {
        std::shared_lock lock(mapMu);
        if (txn != nullptr) {
          rc = mdb_txn_renew(txn);
          if (rc != 0) mdb_txn_abort(txn);
        } else {
          rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
        }
      }
      if (rc == 0) return txn;
      if (attempt < 8 && lmdb::isMapResized(rc)) {
        adoptMapSize();
        continue;
      }
      if (attempt < 8 && lmdb::isReadersFull(rc)) {
        int dead = 0;
        mdb_reader_check(env, &dead);
        if (dead > 0 || attempt == 0) continue;
      }
      throw lmdb::translate(rc, Phase::kRead, "mdb_txn_begin(read)");
    }
  }

  void endRead(MDB_txn* txn) {
    mdb_txn_reset(txn);
    std::lock_guard lock(poolMu);
    if (pool.size() < kReadTxnPool) {
      pool.push_back(txn);
    } else {
      mdb_txn_abort(txn);
    }
  }
};

// One LMDB read transaction and the version it sees. Shared by every view at that version that
// readAt() hands out, so each use holds `mu` (LMDB allows one thread per transaction at a time).
struct Snapshot {
  Snapshot(std::shared_ptr<Env> e, MDB_txn* t) : env(std::move(e)), txn(t) {
    try {
      std::shared_lock lock(env->mapMu);
      auto v = metaGet(txn, env->meta, lmdb::kMetaVersion);
      version = v ? decodeBE64(*v) : 0;
    } catch (const MdbFailure& f) {
      env->endRead(txn);
      throw lmdb::translate(f);
    }
  }
  ~Snapshot() { env->endRead(txn); }
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;

  std::shared_ptr<Env> env;
  MDB_txn* txn;
  int64_t version = 0;
  std::mutex mu;
  std::chrono::steady_clock::time_point opened = std::chrono::steady_clock::now();
};

class LmdbReadView final : public ReadView {
 public:
  explicit LmdbReadView(std::shared_ptr<Snapshot> snapshot) : snap_(std::move(snapshot)) {}

  [[nodiscard]] int64_t version() const override { return snap_->version; }

  std::optional<std::string> get(std::string_view key) override {
    try {
      std::lock_guard use(snap_->mu);
      std::shared_lock lock(snap_->env->mapMu);
      return lmdb::dataGet(snap_->txn, snap_->env->data, key);
    } catch (const MdbFailure& f) {
      throw lmdb::translate(f);
    }
  }

  RangeChunk getRange(std::string_view begin, std::string_view end, int limit,
                      bool reverse) override {
    try {
      std::lock_guard use(snap_->mu);
      std::shared_lock lock(snap_->env->mapMu);
      return lmdb::dataRange(snap_->txn, snap_->env->data, begin, end, limit, reverse);
    } catch (const MdbFailure& f) {
      throw lmdb::translate(f);
    }
  }

 private:
  std::shared_ptr<Snapshot> snap_;
};

struct PendingCommit {
  CommitRequest request;
  CommitResult result;
  std::exception_ptr error;
  bool done = false;  // guarded by LmdbEngine::queueMu_
};

// What one batch decided for one request.
struct Outcome {
  enum Kind { kCommitted, kConflict, kTooOld, kInvalid } kind = kCommitted;
  uint16_t order = 0;
  std::exception_ptr error;
  std::vector<KeyRange> conflicting;  // kConflict: the read ranges written after the read version
};

}  // namespace

// Thread safety: thread-safe. Commits queue in queue_; the thread that finds no leader becomes
// the leader, takes the whole queue as one batch and runs it in one LMDB write transaction.
// Invariants:
//   1. At most one leader at a time (leaderActive_ under queueMu_); only the leader touches
//      conflicts_, lastSeen_, logHorizon_ and opens LMDB write transactions in this process.
//   2. conflicts_ holds every conflict-log entry with version in (logHorizon_, lastSeen_].
class LmdbEngine final : public Engine {
 public:
  LmdbEngine(std::shared_ptr<Env> env, LmdbEngineOptions options, int notifyFd)
      : env_(std::move(env)), options_(std::move(options)), notifyFd_(notifyFd) {
    janitor_ = std::thread([this] { expireLoop(); });
  }

  ~LmdbEngine() override {
    {
      std::lock_guard lock(recentMu_);
      stopping_ = true;
    }
    recentCv_.notify_all();
    janitor_.join();
    watcher_.reset();
    {
      std::lock_guard lock(recentMu_);
      recent_.clear();
    }
    // A clean close makes ?nosync / ?nometasync commits durable too.
    if (!options_.readOnly && (options_.noSync || options_.noMetaSync)) {
      std::shared_lock lock(env_->mapMu);
      mdb_env_sync(env_->env, 1);
    }
    if (notifyFd_ >= 0) close(notifyFd_);
  }

  std::shared_ptr<ReadView> beginRead() override {
    auto snapshot = openSnapshot();
    remember(snapshot);
    return std::make_shared<LmdbReadView>(std::move(snapshot));
  }

  // Serves the newest version, or an older one while a snapshot of it is still kept (remember()).
  std::shared_ptr<ReadView> readAt(int64_t version) override {
    auto newest = openSnapshot();
    if (version > newest->version) {
      throwError(ErrorCode::future_version,
                 "newest committed version is " + std::to_string(newest->version));
    }
    if (version == newest->version) {
      remember(newest);
      return std::make_shared<LmdbReadView>(std::move(newest));
    }
    newest.reset();
    std::lock_guard lock(recentMu_);
    expireRecent();
    for (const auto& snapshot : recent_) {
      if (snapshot->version == version) return std::make_shared<LmdbReadView>(snapshot);
    }
    throwError(ErrorCode::transaction_too_old,
               "version " + std::to_string(version) + " is no longer kept by this process");
  }

  CommitResult commit(CommitRequest request) override {
    if (request.mutations.empty() && request.writeConflicts.empty()) return CommitResult{};
    if (options_.readOnly) throwError(ErrorCode::database_read_only);
    PendingCommit pending{std::move(request), {}, nullptr, false};
    std::unique_lock lock(queueMu_);
    queue_.push_back(&pending);
    while (!pending.done) {
      if (leaderActive_) {
        queueCv_.wait(lock);
        continue;
      }
      leaderActive_ = true;
      std::vector<PendingCommit*> batch;
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
      lock.unlock();
      runBatch(batch);
      lock.lock();
      for (PendingCommit* p : batch) p->done = true;
      leaderActive_ = false;
      queueCv_.notify_all();
    }
    lock.unlock();
    if (pending.error) std::rethrow_exception(pending.error);
    return pending.result;
  }

  std::function<void()> watch(WatchRequest request) override {
    lmdb::Watcher* watcher;
    {
      std::lock_guard lock(watcherMu_);
      if (!watcher_) {
        watcher_ = std::make_unique<lmdb::Watcher>(options_.path, std::string(lmdb::kNotifyFile),
                                                   [this] { return beginRead(); });
      }
      watcher = watcher_.get();
    }
    return watcher->add(std::move(request));
  }

  [[nodiscard]] std::string name() const override { return "lmdb"; }

  LmdbAccess access() const {
    return {env_->env, env_->meta,    env_->data,       &env_->mapMu,
            env_,      options_.path, options_.readOnly};
  }

  LmdbEngineStats stats() const {
    LmdbEngineStats s;
    s.batches = batches_.load();
    s.commits = commits_.load();
    s.maxBatchSize = maxBatch_.load();
    s.mapGrowths = mapGrowths_.load();
    s.conflictLogReplays = replays_.load();
    return s;
  }

 private:
  void runBatch(const std::vector<PendingCommit*>& batch);
  void writeBatch(const std::vector<PendingCommit*>& batch);
  void replayLog(MDB_txn* txn);
  void applyMutations(MDB_txn* txn, const CommitRequest& request, const CommitStamp& stamp);
  void growMap();
  std::shared_ptr<Snapshot> openSnapshot() {
    return std::make_shared<Snapshot>(env_, env_->beginRead());
  }
  // Keeps `snapshot` for later readAt() calls: the newest kRecentSnapshots versions, each for
  // at most maxTransactionLifetime.
  void remember(const std::shared_ptr<Snapshot>& snapshot) {
    std::lock_guard lock(recentMu_);
    if (recent_.empty() || recent_.back()->version < snapshot->version) {
      recent_.push_back(snapshot);
      if (recent_.size() == 1) recentCv_.notify_all();
    }
    expireRecent();
  }
  // Drops kept snapshots once they are too old even when nothing else happens, so an idle
  // process does not pin old pages (and grow data.mdb) for longer than the lifetime.
  void expireLoop() {
    std::unique_lock lock(recentMu_);
    while (!stopping_) {
      if (recent_.empty()) {
        recentCv_.wait(lock);
      } else {
        recentCv_.wait_until(lock, recent_.front()->opened + options_.maxTransactionLifetime);
      }
      expireRecent();
    }
  }
  void expireRecent() {
    auto cutoff = std::chrono::steady_clock::now() - options_.maxTransactionLifetime;
    while (!recent_.empty() &&
           (recent_.size() > kRecentSnapshots || recent_.front()->opened < cutoff)) {
      recent_.pop_front();
    }
  }
  // After a failed mdb_txn_commit: whether the batch at `version` is durable after all.
  // Throws: commit_unknown_result (1021) when that cannot be found out.
  bool batchLanded(int64_t version);

  std::shared_ptr<Env> env_;
  const LmdbEngineOptions options_;
  const int notifyFd_;

  std::mutex queueMu_;
  std::condition_variable queueCv_;
  std::deque<PendingCommit*> queue_;
  bool leaderActive_ = false;

  ConflictSet conflicts_;
  int64_t lastSeen_ = -1;
  int64_t logHorizon_ = -1;

  std::atomic<uint64_t> batches_{0}, commits_{0}, maxBatch_{0}, mapGrowths_{0}, replays_{0};

  std::mutex recentMu_;
  std::deque<std::shared_ptr<Snapshot>> recent_;  // guarded by recentMu_; ascending versions
  std::condition_variable recentCv_;
  bool stopping_ = false;  // guarded by recentMu_
  std::thread janitor_;

  std::mutex watcherMu_;
  std::unique_ptr<lmdb::Watcher> watcher_;
};

void LmdbEngine::runBatch(const std::vector<PendingCommit*>& batch) {
  for (int attempt = 0;; ++attempt) {
    try {
      writeBatch(batch);
      return;
    } catch (const MdbFailure& f) {
      if (attempt < 64 && lmdb::isMapFull(f.rc())) {
        try {
          growMap();
          continue;
        } catch (const MdbFailure&) {
          // fall through: report the original failure
        }
      } else if (attempt < 64 && lmdb::isMapResized(f.rc())) {
        env_->adoptMapSize();
        continue;
      } else if (lmdb::isTxnFull(f.rc()) && batch.size() > 1) {
        size_t half = batch.size() / 2;
        runBatch({batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(half)});
        runBatch({batch.begin() + static_cast<std::ptrdiff_t>(half), batch.end()});
        return;
      }
      auto error = std::make_exception_ptr(lmdb::translate(f));
      for (PendingCommit* p : batch) p->error = error;
      return;
    } catch (const Error& e) {
      auto error = std::make_exception_ptr(e);
      for (PendingCommit* p : batch) p->error = error;
      return;
    }
  }
}

void LmdbEngine::growMap() {
  std::unique_lock lock(env_->mapMu);
  MDB_envinfo info;
  check(mdb_env_info(env_->env, &info), "mdb_env_info");
  check(mdb_env_set_mapsize(env_->env, info.me_mapsize * 2), "mdb_env_set_mapsize");
  mapGrowths_.fetch_add(1);
}

bool LmdbEngine::batchLanded(int64_t version) {
  try {
    MDB_txn* txn = env_->beginRead();
    std::string key = encodeBE64(version);
    MDB_val k = toVal(key), v;
    int rc;
    {
      std::shared_lock lock(env_->mapMu);
      rc = mdb_get(txn, env_->log, &k, &v);
    }
    env_->endRead(txn);
    if (rc == 0) return true;
    if (lmdb::isNotFound(rc)) return false;
  } catch (const Error&) {
  }
  throwError(ErrorCode::commit_unknown_result, "cannot read the database after a failed commit");
}

void LmdbEngine::replayLog(MDB_txn* txn) {
  MDB_cursor* cursor;
  check(mdb_cursor_open(txn, env_->log, &cursor), "mdb_cursor_open(log)");
  std::string seek = encodeBE64(lastSeen_ + 1);
  MDB_val k = toVal(seek), v;
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  while (rc == 0) {
    int64_t version = decodeBE64(fromVal(k));
    decodeRanges(fromVal(v),
                 [&](std::string_view b, std::string_view e) { conflicts_.add(b, e, version); });
    lastSeen_ = version;
    replays_.fetch_add(1);
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_NOTFOUND) check(rc, "mdb_cursor_get(log)");
}

void LmdbEngine::applyMutations(MDB_txn* txn, const CommitRequest& request,
                                const CommitStamp& stamp) {
  const MDB_dbi dbi = env_->data;
  for (const Mutation& m : request.mutations) {
    switch (m.type) {
      case MutationType::kSetValue:
        lmdb::dataPut(txn, dbi, m.key, m.param);
        break;
      case MutationType::kClearRange:
        lmdb::dataClearRange(txn, dbi, m.key, m.param);
        break;
      case MutationType::kSetVersionstampedKey:
        lmdb::dataPut(txn, dbi, applyVersionstamp(m.key, stamp), m.param);
        break;
      case MutationType::kSetVersionstampedValue:
        lmdb::dataPut(txn, dbi, m.key, applyVersionstamp(m.param, stamp));
        break;
      default: {
        auto result = applyAtomic(m.type, lmdb::dataGet(txn, dbi, m.key), m.param);
        if (result) {
          lmdb::dataPut(txn, dbi, m.key, *result);
        } else {
          lmdb::dataErase(txn, dbi, m.key);
        }
      }
    }
  }
}

// Throws strata::Error for a request that cannot be applied (checked before touching the txn,
// so a bad request never leaves half its mutations in the shared batch).
void validateMutations(const CommitRequest& request) {
  for (const Mutation& m : request.mutations) {
    switch (m.type) {
      case MutationType::kSetValue:
      case MutationType::kClearRange:
        break;
      case MutationType::kSetVersionstampedKey:
        (void)versionstampOffset(m.key);
        break;
      case MutationType::kSetVersionstampedValue:
        (void)versionstampOffset(m.param);
        break;
      default:
        if (!isAtomicOp(m.type)) throwError(ErrorCode::invalid_mutation_type);
    }
  }
}

void LmdbEngine::writeBatch(const std::vector<PendingCommit*>& batch) {
  std::shared_lock mapLock(env_->mapMu);
  MDB_txn* txn = nullptr;
  check(mdb_txn_begin(env_->env, nullptr, 0, &txn), "mdb_txn_begin(write)");
  TxnGuard guard(txn);

  replayLog(txn);
  auto last = metaGet(txn, env_->meta, lmdb::kMetaVersion, Phase::kWrite);
  auto horizonValue = metaGet(txn, env_->meta, lmdb::kMetaLogHorizon, Phase::kWrite);
  const int64_t storedHorizon = horizonValue ? decodeBE64(*horizonValue) : -1;
  if (storedHorizon > logHorizon_) {
    logHorizon_ = storedHorizon;
    conflicts_.prune(logHorizon_ + 1);
  }
  const int64_t version = std::max((last ? decodeBE64(*last) : 0) + 1, nowMicros());

  ConflictSet batchWrites;
  std::vector<Outcome> outcomes(batch.size());
  std::vector<const KeyRange*> logged;
  uint16_t order = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const CommitRequest& req = batch[i]->request;
    Outcome& out = outcomes[i];
    if (req.readVersion >= 0) {
      if (req.readVersion < logHorizon_) {
        out.kind = Outcome::kTooOld;
        continue;
      }
      if (conflicts_.conflicts(req.readConflicts, req.readVersion) ||
          batchWrites.conflicts(req.readConflicts, version - 1)) {
        out.kind = Outcome::kConflict;
        for (const KeyRange& r : req.readConflicts) {
          if (conflicts_.maxVersion(r.begin, r.end) > req.readVersion ||
              batchWrites.maxVersion(r.begin, r.end) > version - 1) {
            out.conflicting.push_back(r);
          }
        }
        continue;
      }
    }
    try {
      validateMutations(req);
    } catch (const Error&) {
      out.kind = Outcome::kInvalid;
      out.error = std::current_exception();
      continue;
    }
    applyMutations(txn, req, makeCommitStamp(version, order));
    out.kind = Outcome::kCommitted;
    out.order = order++;
    for (const KeyRange& w : req.writeConflicts) {
      batchWrites.add(w.begin, w.end, version);
      logged.push_back(&w);
    }
  }

  int64_t newHorizon = logHorizon_;
  if (order > 0) {
    std::string logKey = encodeBE64(version);
    std::string logValue = encodeRanges(logged);
    MDB_val k = toVal(logKey), v = toVal(logValue);
    check(mdb_put(txn, env_->log, &k, &v, MDB_APPEND), "mdb_put(log)");
    metaPut(txn, env_->meta, lmdb::kMetaVersion, encodeBE64(version));
    // Prune log entries older than the lifetime window; remember the newest pruned version.
    const int64_t cutoff = version - std::chrono::duration_cast<std::chrono::microseconds>(
                                         options_.maxTransactionLifetime)
                                         .count();
    MDB_cursor* cursor;
    check(mdb_cursor_open(txn, env_->log, &cursor), "mdb_cursor_open(log)");
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
    while (rc == 0) {
      int64_t entry = decodeBE64(fromVal(k));
      if (entry > cutoff || entry >= version) break;
      rc = mdb_cursor_del(cursor, 0);
      if (rc != 0) break;
      newHorizon = std::max(newHorizon, entry);
      rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
    }
    mdb_cursor_close(cursor);
    if (rc != 0 && rc != MDB_NOTFOUND) check(rc, "mdb_cursor_del(log)");
    if (newHorizon > logHorizon_)
      metaPut(txn, env_->meta, lmdb::kMetaLogHorizon, encodeBE64(newHorizon));
    rc = mdb_txn_commit(guard.release());
    if (rc != 0) {
      mapLock.unlock();
      if (lmdb::isMapFull(rc)) throw MdbFailure(rc, "mdb_txn_commit", Phase::kWrite);
      if (!batchLanded(version)) throw lmdb::translateRejectedCommit(rc, options_.path);
    }
    for (const KeyRange* w : logged) conflicts_.add(w->begin, w->end, version);
    lastSeen_ = version;
    if (newHorizon > logHorizon_) {
      logHorizon_ = newHorizon;
      conflicts_.prune(logHorizon_ + 1);
    }
    batches_.fetch_add(1);
    if (notifyFd_ >= 0) {
      [[maybe_unused]] ssize_t n = pwrite(notifyFd_, logKey.data(), logKey.size(), 0);
    }
  }
  // else: nothing to write; the guard aborts the transaction.

  for (size_t i = 0; i < batch.size(); ++i) {
    PendingCommit* p = batch[i];
    const Outcome& out = outcomes[i];
    switch (out.kind) {
      case Outcome::kCommitted:
        p->result = CommitResult{version, out.order};
        break;
      case Outcome::kConflict:
        p->error = std::make_exception_ptr(conflictError(out.conflicting));
        break;
      case Outcome::kTooOld:
        p->error = std::make_exception_ptr(
            Error(ErrorCode::transaction_too_old, "read version is older than the conflict log"));
        break;
      case Outcome::kInvalid:
        p->error = out.error;
        break;
    }
  }
  commits_.fetch_add(batch.size());
  uint64_t size = batch.size(), seen = maxBatch_.load();
  while (size > seen && !maxBatch_.compare_exchange_weak(seen, size)) {
  }
}

namespace {

// Checks the path before LMDB creates files in it. Returns: true if the database must be created.
bool preparePath(const LmdbEngineOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dir(options.path);
  auto status = fs::status(dir, ec);
  if (!fs::exists(status)) {
    if (options.readOnly) {
      throwError(ErrorCode::file_not_found, "no database at " + options.path);
    }
    fs::create_directories(dir, ec);
    if (ec) throwError(ErrorCode::io_error, "cannot create " + options.path + ": " + ec.message());
    return true;
  }
  if (!fs::is_directory(status)) {
    throwError(ErrorCode::not_a_database, options.path + " is not a directory");
  }
  if (fs::exists(dir / lmdb::kDataFile, ec)) return false;
  if (options.readOnly) {
    throwError(ErrorCode::not_a_database,
               options.path + " holds no " + std::string(lmdb::kDataFile));
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    // Another process creating the same new database at this moment: its data file appeared
    // after the check above. LMDB serialises the rest of the creation through its lock file.
    if (name == lmdb::kDataFile) return false;
    if (name != lmdb::kLockFile && name != lmdb::kNotifyFile) {
      throwError(ErrorCode::not_a_database,
                 options.path + " is a non-empty directory without a strata database");
    }
  }
  return true;
}

// Opens the sub-databases and checks the metadata; initializes a new database when allowed.
void openSubDatabases(Env& env, bool readOnly) {
  for (int attempt = 0;; ++attempt) {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env.env, nullptr, readOnly ? MDB_RDONLY : 0, &txn);
    if (attempt < 8 && lmdb::isMapResized(rc)) {
      check(mdb_env_set_mapsize(env.env, 0), "mdb_env_set_mapsize", Phase::kOpen);
      continue;
    }
    check(rc, "mdb_txn_begin", Phase::kOpen);
    TxnGuard guard(txn);
    rc = mdb_dbi_open(txn, lmdb::kMetaDb, 0, &env.meta);
    if (lmdb::isNotFound(rc)) {
      MDB_dbi main;
      check(mdb_dbi_open(txn, nullptr, 0, &main), "mdb_dbi_open(main)", Phase::kOpen);
      MDB_stat st;
      check(mdb_stat(txn, main, &st), "mdb_stat", Phase::kOpen);
      if (st.ms_entries != 0 || readOnly) {
        throwError(ErrorCode::not_a_database, "LMDB environment without strata metadata");
      }
      check(mdb_dbi_open(txn, lmdb::kMetaDb, MDB_CREATE, &env.meta), "mdb_dbi_open", Phase::kOpen);
      metaPut(txn, env.meta, lmdb::kMetaMagic, lmdb::kMagic);
      metaPut(txn, env.meta, lmdb::kMetaFormat, encodeU32(lmdb::kFormatVersion));
      metaPut(txn, env.meta, lmdb::kMetaVersion, encodeBE64(nowMicros()));
      metaPut(txn, env.meta, lmdb::kMetaLogHorizon, encodeBE64(-1));
    } else {
      check(rc, "mdb_dbi_open(meta)", Phase::kOpen);
      auto magic = metaGet(txn, env.meta, lmdb::kMetaMagic, Phase::kOpen);
      auto format = metaGet(txn, env.meta, lmdb::kMetaFormat, Phase::kOpen);
      if (!magic || *magic != lmdb::kMagic || !format || format->size() != 4) {
        throwError(ErrorCode::not_a_database, "LMDB environment without strata metadata");
      }
      if (decodeU32(*format) > lmdb::kFormatVersion) {
        throwError(ErrorCode::unsupported_format_version,
                   "format " + std::to_string(decodeU32(*format)) + ", this build reads up to " +
                       std::to_string(lmdb::kFormatVersion));
      }
    }
    unsigned create = readOnly ? 0 : MDB_CREATE;
    rc = mdb_dbi_open(txn, lmdb::kDataDb, create, &env.data);
    if (lmdb::isNotFound(rc)) throwError(ErrorCode::not_a_database, "missing data sub-database");
    check(rc, "mdb_dbi_open(data)", Phase::kOpen);
    rc = mdb_dbi_open(txn, lmdb::kLogDb, create, &env.log);
    if (lmdb::isNotFound(rc)) throwError(ErrorCode::not_a_database, "missing log sub-database");
    check(rc, "mdb_dbi_open(log)", Phase::kOpen);
    check(mdb_txn_commit(guard.release()), "mdb_txn_commit", Phase::kOpen);
    return;
  }
}

}  // namespace

namespace {
// One LMDB environment per database folder per process. LMDB forbids opening one environment
// twice in a process: its lock file is guarded by fcntl locks, which belong to the process, so a
// second open believes it is the only user and re-initialises the lock table (the writer mutex
// and reader slots) under the first — which lost an acknowledged commit, about 1 run in 300 of
// two handles committing at once — and closing either one drops the other's locks. Every engine
// opened on the same folder (by device and inode) shares the Env; the last one closes it.
// gEnvsMu is held across opening and closing an Env, so an open never overlaps a close.
std::recursive_mutex gEnvsMu;
std::map<std::pair<dev_t, ino_t>, std::weak_ptr<Env>> gEnvs;

struct EnvCloser {
  void operator()(Env* env) const {
    std::lock_guard lock(gEnvsMu);
    delete env;
  }
};
}  // namespace

std::shared_ptr<Engine> makeLmdbEngine(const LmdbEngineOptions& options) {
  preparePath(options);
  std::lock_guard registryLock(gEnvsMu);
  struct stat folder {};
  if (::stat(options.path.c_str(), &folder) != 0) {
    throwError(ErrorCode::io_error, "cannot stat " + options.path + ": " + std::strerror(errno));
  }
  const auto id = std::make_pair(folder.st_dev, folder.st_ino);
  unsigned flags = MDB_NOTLS;
  if (options.readOnly) flags |= MDB_RDONLY;
  if (options.noSync) flags |= MDB_NOSYNC;
  if (options.noMetaSync) flags |= MDB_NOMETASYNC;
  std::shared_ptr<Env> env = gEnvs[id].lock();
  if (env) {
    // A read-only handle may share a writable environment (the engine refuses its writes);
    // anything else must match how the folder is already open.
    const unsigned have = env->flags & ~MDB_RDONLY, want = flags & ~MDB_RDONLY;
    if (have != want || ((env->flags & MDB_RDONLY) != 0 && !options.readOnly)) {
      throwError(ErrorCode::invalid_database_name,
                 options.path +
                     " is already open in this process with other options (readonly, nosync, "
                     "nometasync): LMDB allows one environment per database per process; open it "
                     "with the same options");
    }
  } else {
    env = std::shared_ptr<Env>(new Env(), EnvCloser());
    env->flags = flags;
    try {
      check(mdb_env_create(&env->env), "mdb_env_create", Phase::kOpen);
      check(mdb_env_set_maxdbs(env->env, 8), "mdb_env_set_maxdbs", Phase::kOpen);
      check(mdb_env_set_maxreaders(env->env, kMaxReaders), "mdb_env_set_maxreaders", Phase::kOpen);
      check(mdb_env_set_mapsize(env->env, std::max<size_t>(options.initialMapSize, 1 << 16)),
            "mdb_env_set_mapsize", Phase::kOpen);
      int rc = mdb_env_open(env->env, options.path.c_str(), flags, 0644);
      if (rc != 0) {
        mdb_env_close(env->env);
        env->env = nullptr;
        check(rc, "mdb_env_open", Phase::kOpen);
      }
      int dead = 0;
      mdb_reader_check(env->env, &dead);
      openSubDatabases(*env, options.readOnly);
    } catch (const MdbFailure& f) {
      throw lmdb::translate(f);
    }
    gEnvs[id] = env;
  }
  int notifyFd = -1;
  if (!options.readOnly) {
    std::string notifyPath = options.path + "/" + std::string(lmdb::kNotifyFile);
    notifyFd = open(notifyPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (notifyFd < 0) {
      throwError(ErrorCode::io_error, "cannot open " + notifyPath + ": " + std::strerror(errno));
    }
  }
  return std::make_shared<LmdbEngine>(std::move(env), options, notifyFd);
}

LmdbEngineStats lmdbEngineStats(Engine& engine) {
  if (auto* lmdb = dynamic_cast<LmdbEngine*>(&engine)) return lmdb->stats();
  return {};
}

std::optional<LmdbAccess> lmdbAccess(Engine& engine) {
  if (auto* lmdb = dynamic_cast<LmdbEngine*>(&engine)) return lmdb->access();
  return std::nullopt;
}

}  // namespace strata::kv
