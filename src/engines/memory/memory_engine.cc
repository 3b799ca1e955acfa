#include "engines/memory/memory_engine.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <iterator>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kv/atomic.h"
#include "kv/conflict_set.h"
#include "strata/kv/error.h"

namespace strata::kv {
namespace {

using Clock = std::chrono::steady_clock;

// A key's state from `version` on: a value, or absence (a tombstone).
struct Version {
  int64_t version = 0;
  bool present = false;
  std::string value;
};

// One key's history. The newest entry is held inline because most keys have only one.
//
// Invariants:
//   1. older_ is ascending by version and every entry in it is older than newest_.
//   2. Entries that no read at or after the store's base version can see may linger at the front
//      of older_ until collect() drops them; at() never returns one to such a read.
//   3. queued_ counts the store's GcItems that point at this history's map node; the node is
//      erased only when it is 0, so those iterators stay valid.
class History {
 public:
  History(int64_t version, std::string value) : newest_{version, true, std::move(value)} {}

  // The entry in force at `version`, or nullptr when the key had no entry yet (absent).
  [[nodiscard]] const Version* at(int64_t version) const {
    if (newest_.version <= version) return &newest_;
    auto it = std::upper_bound(older_.begin(), older_.end(), version,
                               [](int64_t v, const Version& e) { return v < e.version; });
    return it == older_.begin() ? nullptr : &*std::prev(it);
  }
  [[nodiscard]] const Version& newest() const { return newest_; }
  [[nodiscard]] size_t versions() const { return older_.size() + 1; }
  [[nodiscard]] bool queued() const { return queued_ > 0; }
  void addQueued() { ++queued_; }
  void removeQueued() { --queued_; }

  // Makes (present, value) the key's state from `version` on. Requires: version >=
  // newest().version; an entry at the same version (an earlier write of the same commit) is
  // replaced. Returns: true when the history now holds something collectable later (an older
  // entry or a tombstone), so the caller queues the key.
  bool write(int64_t version, bool present, std::string value) {
    if (newest_.version == version) {
      newest_.present = present;
      newest_.value = std::move(value);
    } else {
      older_.push_back(std::move(newest_));
      newest_ = Version{version, present, std::move(value)};
    }
    return !newest_.present || !older_.empty();
  }

  // Drops entries that no read at `base` or later can see. The front of older_ is erased only
  // once it is at least half of it, so each entry is moved O(1) times on average; the rest stays
  // (harmless, see invariant 2) until a later collect(). Returns: true when the key is absent at
  // every version >= base, so the whole history may go.
  bool collect(int64_t base) {
    if (newest_.version <= base) {
      std::vector<Version>().swap(older_);
      return !newest_.present;
    }
    auto firstNewer = std::upper_bound(older_.begin(), older_.end(), base,
                                       [](int64_t v, const Version& e) { return v < e.version; });
    auto drop = static_cast<size_t>(firstNewer - older_.begin());
    // The entry in force at `base` stays, unless it is a tombstone: no entry reads as absent too.
    if (drop > 0 && older_[drop - 1].present) --drop;
    if (drop > 0 && 2 * drop >= older_.size()) {
      older_.erase(older_.begin(), older_.begin() + static_cast<std::ptrdiff_t>(drop));
    }
    return false;
  }

 private:
  Version newest_;
  std::vector<Version> older_;
  size_t queued_ = 0;
};

struct WatchEntry {
  uint64_t id = 0;
  std::optional<std::string> seen;
  int64_t version = 0;
  Promise<void> promise;
};

using Data = std::map<std::string, History, std::less<>>;

// A key that a commit at `version` gave a collectable entry (see History::write). It holds the
// key's map node rather than the key, so collecting it costs no O(log n) lookup; the node stays
// in the map while items point at it (History invariant 3).
struct GcItem {
  int64_t version;
  Data::iterator key;
};

// Collections a commit performs: kGcPerWrite per item it queued itself, plus kGcPerCommit. Each
// commit thus pays for about its own garbage, never for a backlog left by earlier commits (such as
// a burst of writes whose versions all leave the window at once), and still shrinks any backlog
// by at least kGcPerCommit + (items it queued) per commit.
constexpr size_t kGcPerWrite = 2;
constexpr size_t kGcPerCommit = 8;

int64_t micros(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

// The shared state of one memory engine: data, conflict window, watches.
//
// Thread safety: thread-safe. Locks, always taken in this order: commitMu_, watchMu_, dataMu_.
//   commitMu_ serialises commits and guards conflicts_, commitVersions_, gcQueue_.
//   dataMu_ guards data_: shared for reads, exclusive for changes. Every change to data_ is made
//     by a thread holding commitMu_ too, so a commit may read data_ with commitMu_ alone.
//   watchMu_ guards watches_ and watchIndex_.
// Invariants:
//   1. newest_ is the version of the newest applied commit; every entry in data_ is at or below
//      it. It only grows, and is stored (release) after the commit's entries are in place.
//   2. base_ is the newest commit version at or before (clock - window) as of the latest commit;
//      it only grows. Every read at a version >= base_ is exact. Entries visible only below base_
//      are collected only after base_ was raised past them, under exclusive dataMu_; readers check
//      base_ under shared dataMu_.
//   3. commitVersions_ holds, ascending, the commit versions newer than base_.
//   4. gcQueue_ is ascending by version; every history entry that is superseded, and every
//      tombstone, has an item in it at a version at least the one that made it collectable.
//      Each item points at a node of data_ (History invariant 3).
//   5. conflicts_ holds every write conflict range committed at a version > base_ exactly
//      (older ones may be merged down to its horizon, which is <= base_).
class Store : public std::enable_shared_from_this<Store> {
 public:
  explicit Store(const MemoryEngineOptions& options)
      : windowVersions_(micros(options.maxTransactionLifetime)), epoch_(Clock::now()) {}

  [[nodiscard]] int64_t newestVersion() const { return newest_.load(std::memory_order_acquire); }

  // Checks that a view at `version` may be created. Throws: 1007, 1009.
  void checkVersion(int64_t version) const {
    if (version > newestVersion()) {
      throwError(ErrorCode::future_version, "version " + std::to_string(version) +
                                                " is newer than the newest commit " +
                                                std::to_string(newestVersion()));
    }
    if (version < base_.load(std::memory_order_acquire)) tooOld(version);
  }

  std::optional<std::string> get(int64_t version, std::string_view key) const {
    std::shared_lock lock(dataMu_);
    checkReadable(version);
    auto it = data_.find(key);
    if (it == data_.end()) return std::nullopt;
    const Version* v = it->second.at(version);
    if (v == nullptr || !v->present) return std::nullopt;
    return v->value;
  }

  RangeChunk getRange(int64_t version, std::string_view begin, std::string_view end, int limit,
                      bool reverse) const {
    if (limit <= 0) {
      throwError(ErrorCode::range_limits_invalid, "limit " + std::to_string(limit) + " <= 0");
    }
    RangeChunk out;
    if (begin >= end) return out;
    const auto max = static_cast<size_t>(limit);
    out.kvs.reserve(std::min<size_t>(max, 128));
    std::shared_lock lock(dataMu_);
    checkReadable(version);
    // Returns false to stop the scan.
    auto visit = [&](const std::string& key, const History& history) {
      const Version* v = history.at(version);
      if (v == nullptr || !v->present) return true;
      if (out.kvs.size() == max) {
        out.more = true;
        return false;
      }
      out.kvs.push_back(KeyValue{key, v->value});
      return true;
    };
    if (!reverse) {
      for (auto it = data_.lower_bound(begin); it != data_.end() && it->first < end; ++it) {
        if (!visit(it->first, it->second)) break;
      }
    } else {
      for (auto it = data_.lower_bound(end); it != data_.begin();) {
        --it;
        if (it->first < begin || !visit(it->first, it->second)) break;
      }
    }
    return out;
  }

  CommitResult commit(CommitRequest request) {
    validate(request);
    std::vector<Promise<void>> fired;
    CommitResult result;
    {
      std::lock_guard commitLock(commitMu_);
      const int64_t now = micros(Clock::now() - epoch_);
      advanceBase(now - windowVersions_);
      if (request.readVersion != -1) {
        if (request.readVersion < base_.load(std::memory_order_relaxed)) {
          tooOld(request.readVersion);
        }
        if (auto hits = conflicts_.conflictingRanges(request.readConflicts, request.readVersion);
            !hits.empty()) {
          throw conflictError(hits);
        }
      }
      const int64_t version = std::max(newestVersion() + 1, now);
      stampOperands(request.mutations, makeCommitStamp(version, 0));
      {
        std::unique_lock dataLock(dataMu_);
        size_t queued = gcQueue_.size();
        for (auto& m : request.mutations) apply(m, version);
        queued = gcQueue_.size() - queued;
        newest_.store(version, std::memory_order_release);
        collectGarbage(kGcPerCommit + kGcPerWrite * queued);
      }
      commitVersions_.push_back(version);
      for (const auto& w : request.writeConflicts) conflicts_.add(w.begin, w.end, version);
      conflicts_.prune(base_.load(std::memory_order_relaxed));
      fired = triggerWatches(request.mutations, version);
      result.version = version;
    }
    for (auto& p : fired) p.setValue();
    return result;
  }

  std::function<void()> watch(WatchRequest request) {
    uint64_t id = 0;
    bool fireNow = false;
    {
      std::lock_guard watchLock(watchMu_);
      std::optional<std::string> current;
      {
        std::shared_lock dataLock(dataMu_);
        current = latestValue(request.key);
      }
      if (current != request.seen) {
        fireNow = true;
      } else {
        id = ++lastWatchId_;
        auto it = watches_.emplace(
            std::move(request.key),
            WatchEntry{id, std::move(request.seen), request.version, request.promise});
        watchIndex_.emplace(id, it);
      }
    }
    if (fireNow) request.promise.setValue();
    return [weak = weak_from_this(), id, promise = request.promise]() mutable {
      if (auto store = weak.lock()) store->unregisterWatch(id);
      promise.setError(Error(ErrorCode::operation_cancelled));
    };
  }

  // Fails every pending watch with operation_cancelled (1101): no commit will fire them.
  void cancelAllWatches() {
    std::vector<Promise<void>> cancelled;
    {
      std::lock_guard watchLock(watchMu_);
      for (auto& [key, w] : watches_) cancelled.push_back(std::move(w.promise));
      watches_.clear();
      watchIndex_.clear();
    }
    for (auto& p : cancelled) p.setError(Error(ErrorCode::operation_cancelled));
  }

  MemoryEngineStats stats() {
    std::lock_guard commitLock(commitMu_);
    std::lock_guard watchLock(watchMu_);
    std::shared_lock dataLock(dataMu_);
    MemoryEngineStats s;
    s.keys = data_.size();
    for (const auto& [key, history] : data_) s.versions += history.versions();
    s.pendingGc = gcQueue_.size();
    s.watches = watches_.size();
    s.conflictSteps = conflicts_.steps();
    s.baseVersion = base_.load(std::memory_order_relaxed);
    s.newestVersion = newestVersion();
    return s;
  }

 private:
  using Watches = std::multimap<std::string, WatchEntry, std::less<>>;

  [[noreturn]] void tooOld(int64_t version) const {
    throwError(ErrorCode::transaction_too_old,
               "version " + std::to_string(version) + " is older than the oldest kept, " +
                   std::to_string(base_.load(std::memory_order_relaxed)));
  }

  // Requires: dataMu_ held (shared or exclusive).
  void checkReadable(int64_t version) const {
    if (version < base_.load(std::memory_order_acquire)) tooOld(version);
  }

  // Requires: dataMu_ held, or commitMu_ held.
  std::optional<std::string> latestValue(std::string_view key) const {
    auto it = data_.find(key);
    if (it == data_.end() || !it->second.newest().present) return std::nullopt;
    return it->second.newest().value;
  }

  // Rejects a request that breaks engine.h's contract before anything changes.
  static void validate(const CommitRequest& request) {
    for (const auto& m : request.mutations) {
      switch (m.type) {
        case MutationType::kSetValue:
          break;
        case MutationType::kClearRange:
          if (m.key > m.param) throwError(ErrorCode::inverted_range, "clear range");
          break;
        case MutationType::kSetVersionstampedKey:
          (void)versionstampOffset(m.key);
          break;
        case MutationType::kSetVersionstampedValue:
          (void)versionstampOffset(m.param);
          break;
        default:
          if (!isAtomicOp(m.type)) {
            throwError(ErrorCode::invalid_mutation_type,
                       "mutation type " + std::to_string(static_cast<int>(m.type)));
          }
      }
    }
    for (const auto* ranges : {&request.readConflicts, &request.writeConflicts}) {
      for (const auto& r : *ranges) {
        if (r.begin > r.end) throwError(ErrorCode::inverted_range, "conflict range");
      }
    }
  }

  // Turns versionstamped mutations into plain sets carrying the stamp.
  static void stampOperands(std::vector<Mutation>& mutations, const CommitStamp& stamp) {
    for (auto& m : mutations) {
      if (m.type == MutationType::kSetVersionstampedKey) {
        m.key = applyVersionstamp(m.key, stamp);
        m.type = MutationType::kSetValue;
      } else if (m.type == MutationType::kSetVersionstampedValue) {
        m.param = applyVersionstamp(m.param, stamp);
        m.type = MutationType::kSetValue;
      }
    }
  }

  // Raises base_ to the newest commit at or before `floor`. Requires: commitMu_ held.
  void advanceBase(int64_t floor) {
    int64_t base = base_.load(std::memory_order_relaxed);
    while (!commitVersions_.empty() && commitVersions_.front() <= floor) {
      base = commitVersions_.front();
      commitVersions_.pop_front();
    }
    base_.store(base, std::memory_order_release);
  }

  // Requires: commitMu_ and exclusive dataMu_ held; for every apply* below.
  void apply(Mutation& m, int64_t version) {
    switch (m.type) {
      case MutationType::kSetValue:
        setKey(m.key, version, std::move(m.param));
        return;
      case MutationType::kClearRange:
        for (auto it = data_.lower_bound(m.key); it != data_.end() && it->first < m.param;) {
          it = clearKey(it, version);
        }
        return;
      default: {
        auto it = data_.find(m.key);
        std::optional<std::string> existing;
        if (it != data_.end() && it->second.newest().present) existing = it->second.newest().value;
        std::optional<std::string> result = applyAtomic(m.type, existing, m.param);
        if (result) {
          setKey(m.key, version, std::move(*result));
        } else if (it != data_.end()) {
          clearKey(it, version);
        }
        return;
      }
    }
  }

  void setKey(const std::string& key, int64_t version, std::string value) {
    auto it = data_.lower_bound(key);
    if (it == data_.end() || it->first != key) {
      data_.emplace_hint(it, key, History(version, std::move(value)));
    } else if (it->second.write(version, true, std::move(value))) {
      enqueue(version, it);
    }
  }

  // Returns: the iterator after `it`.
  Data::iterator clearKey(Data::iterator it, int64_t version) {
    History& h = it->second;
    if (!h.newest().present) return std::next(it);
    // Created by this very commit: it never existed for any reader (and nothing queued it).
    if (h.versions() == 1 && h.newest().version == version && !h.queued()) return data_.erase(it);
    if (h.write(version, false, {})) enqueue(version, it);
    return std::next(it);
  }

  void enqueue(int64_t version, Data::iterator it) {
    it->second.addQueued();
    gcQueue_.push_back(GcItem{version, it});
  }

  // Collects up to `budget` queued keys whose version the base has passed.
  void collectGarbage(size_t budget) {
    const int64_t base = base_.load(std::memory_order_relaxed);
    for (; budget > 0 && !gcQueue_.empty() && gcQueue_.front().version <= base; --budget) {
      auto it = gcQueue_.front().key;
      gcQueue_.pop_front();
      History& h = it->second;
      h.removeQueued();
      // A key absent at every version from the base on goes with its last queued item.
      if (h.collect(base) && !h.queued()) data_.erase(it);
    }
  }

  // Takes the watches a commit at `version` changed. Requires: commitMu_ held.
  std::vector<Promise<void>> triggerWatches(const std::vector<Mutation>& mutations,
                                            int64_t version) {
    std::vector<Promise<void>> fired;
    std::lock_guard watchLock(watchMu_);
    if (watches_.empty()) return fired;
    auto check = [&](Watches::iterator first, Watches::iterator last) {
      for (auto it = first; it != last;) {
        const WatchEntry& w = it->second;
        if (w.version < version && latestValue(it->first) != w.seen) {
          fired.push_back(w.promise);
          watchIndex_.erase(w.id);
          it = watches_.erase(it);
        } else {
          ++it;
        }
      }
    };
    for (const auto& m : mutations) {
      if (m.type == MutationType::kClearRange) {
        check(watches_.lower_bound(m.key), watches_.lower_bound(m.param));
      } else {
        auto [first, last] = watches_.equal_range(m.key);
        check(first, last);
      }
    }
    return fired;
  }

  void unregisterWatch(uint64_t id) {
    std::lock_guard watchLock(watchMu_);
    auto it = watchIndex_.find(id);
    if (it == watchIndex_.end()) return;
    watches_.erase(it->second);
    watchIndex_.erase(it);
  }

  const int64_t windowVersions_;
  const Clock::time_point epoch_;

  std::mutex commitMu_;
  ConflictSet conflicts_;               // guarded by commitMu_
  std::deque<int64_t> commitVersions_;  // guarded by commitMu_
  std::deque<GcItem> gcQueue_;          // guarded by commitMu_ (changed under dataMu_ too)

  mutable std::shared_mutex dataMu_;
  Data data_;  // guarded by dataMu_; changed only with commitMu_ held too
  std::atomic<int64_t> newest_{0};
  std::atomic<int64_t> base_{0};  // written with commitMu_ held

  std::mutex watchMu_;
  Watches watches_;                                             // guarded by watchMu_
  std::unordered_map<uint64_t, Watches::iterator> watchIndex_;  // guarded by watchMu_
  uint64_t lastWatchId_ = 0;                                    // guarded by watchMu_
};

// Thread safety: used by one thread at a time (engine.h); it shares the Store with others.
class MemoryReadView final : public ReadView {
 public:
  MemoryReadView(std::shared_ptr<const Store> store, int64_t version)
      : store_(std::move(store)), version_(version) {}

  [[nodiscard]] int64_t version() const override { return version_; }
  [[nodiscard]] std::optional<std::string> get(std::string_view key) override {
    return store_->get(version_, key);
  }
  [[nodiscard]] RangeChunk getRange(std::string_view begin, std::string_view end, int limit,
                                    bool reverse) override {
    return store_->getRange(version_, begin, end, limit, reverse);
  }

 private:
  const std::shared_ptr<const Store> store_;
  const int64_t version_;
};

class MemoryEngine final : public Engine {
 public:
  explicit MemoryEngine(const MemoryEngineOptions& options)
      : store_(std::make_shared<Store>(options)) {}
  ~MemoryEngine() override { store_->cancelAllWatches(); }
  MemoryEngine(const MemoryEngine&) = delete;
  MemoryEngine& operator=(const MemoryEngine&) = delete;

  [[nodiscard]] std::shared_ptr<ReadView> beginRead() override {
    return std::make_shared<MemoryReadView>(store_, store_->newestVersion());
  }
  [[nodiscard]] std::shared_ptr<ReadView> readAt(int64_t version) override {
    store_->checkVersion(version);
    return std::make_shared<MemoryReadView>(store_, version);
  }
  CommitResult commit(CommitRequest request) override { return store_->commit(std::move(request)); }
  [[nodiscard]] std::function<void()> watch(WatchRequest request) override {
    return store_->watch(std::move(request));
  }
  [[nodiscard]] std::string name() const override { return "memory"; }

  [[nodiscard]] MemoryEngineStats stats() { return store_->stats(); }

 private:
  const std::shared_ptr<Store> store_;
};

}  // namespace

std::shared_ptr<Engine> makeMemoryEngine(MemoryEngineOptions options) {
  if (options.maxTransactionLifetime.count() <= 0) {
    throwError(ErrorCode::invalid_option_value,
               "maxTransactionLifetime " + std::to_string(options.maxTransactionLifetime.count()) +
                   " ms; must be > 0");
  }
  return std::make_shared<MemoryEngine>(options);
}

MemoryEngineStats memoryEngineStats(Engine& engine) {
  auto* memory = dynamic_cast<MemoryEngine*>(&engine);
  if (memory == nullptr) {
    throwError(ErrorCode::client_invalid_operation, "not a memory engine: " + engine.name());
  }
  return memory->stats();
}

}  // namespace strata::kv
