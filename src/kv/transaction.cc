#include <algorithm>
#include <mutex>
#include <random>
#include <thread>

#include "kv/atomic.h"
#include "kv/transaction_impl.h"

namespace strata::kv {
namespace {

const std::string kSystemPrefix("\xff", 1);
const std::string kSpecialPrefix("\xff\xff", 2);

bool isRetryableCode(int code) { return errorIsRetryable(code); }

std::vector<KeyRange> coalesce(std::vector<KeyRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const KeyRange& a, const KeyRange& b) { return a.begin < b.begin; });
  std::vector<KeyRange> out;
  for (auto& r : ranges) {
    if (r.begin >= r.end) continue;
    if (!out.empty() && r.begin <= out.back().end) {
      if (r.end > out.back().end) out.back().end = std::move(r.end);
    } else {
      out.push_back(std::move(r));
    }
  }
  return out;
}

double uniform01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

}  // namespace

// A watch set by this transaction: pending until commit arms it with the engine.
struct TransactionImpl::WatchSlot {
  std::string key;
  std::optional<std::string> seen;
  Promise<void> promise;
  std::mutex mu;
  std::function<void()> engineCancel;  // guarded by mu
  bool cancelled = false;              // guarded by mu

  void cancel() {
    std::function<void()> c;
    {
      std::lock_guard lock(mu);
      if (cancelled) return;
      cancelled = true;
      c = std::move(engineCancel);
    }
    if (c) c();
    promise.setError(Error(ErrorCode::operation_cancelled));
  }
};

TransactionImpl::TransactionImpl(std::shared_ptr<DatabaseShared> db)
    : db_(std::move(db)),
      concurrent_(db_->readPool != nullptr),
      options_(db_->options.transactionDefaults),
      startTime_(Clock::now()) {}

TransactionImpl::~TransactionImpl() {
  if (concurrent_) {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [&] { return pending_ == 0; });
  }
  failWatches(static_cast<int>(ErrorCode::transaction_cancelled));
  for (auto& p : stampPromises_) p.setError(Error(ErrorCode::transaction_cancelled));
}

// ---- concurrency ---------------------------------------------------------------------------

namespace {
// The Guard lock this thread holds, if any: engine reads release it while they wait.
thread_local std::unique_lock<std::mutex>* tHeldGuard = nullptr;
}  // namespace

TransactionImpl::Guard::Guard(TransactionImpl& impl, Mode mode) {
  if (!impl.concurrent_) return;
  lock_ = std::unique_lock(impl.mu_);
  if (mode == Mode::kWrite) impl.idle_.wait(lock_, [&] { return impl.pending_ == 0; });
  outer_ = std::exchange(tHeldGuard, &lock_);
}

TransactionImpl::Guard::~Guard() {
  if (lock_.mutex() != nullptr) tHeldGuard = outer_;
}

namespace {
// Runs fn() with `mu` released when this thread holds it through a Guard.
template <class Fn>
auto releasedWhile(std::mutex& mu, Fn&& fn) {
  std::unique_lock<std::mutex>* held = tHeldGuard;
  if (held == nullptr || held->mutex() != &mu || !held->owns_lock()) return fn();
  held->unlock();
  struct Relock {
    std::unique_lock<std::mutex>* lock;
    ~Relock() { lock->lock(); }
  } relock{held};
  return fn();
}
}  // namespace

std::optional<std::string> TransactionImpl::engineGet(std::string_view key) {
  (void)view();
  std::shared_ptr<ReadView> v = view_;
  return releasedWhile(mu_, [&] { return v->get(key); });
}

RangeChunk TransactionImpl::engineGetRange(std::string_view begin, std::string_view end, int limit,
                                           bool reverse) {
  (void)view();
  std::shared_ptr<ReadView> v = view_;
  return releasedWhile(mu_, [&] { return v->getRange(begin, end, limit, reverse); });
}

template <class T, class Op>
Future<T> TransactionImpl::runAsync(Op op) {
  if (!concurrent_) return makeReadyFuture(op);
  Promise<T> promise;
  ++pending_;  // the caller's Guard holds mu_
  db_->readPool->post([this, op = std::move(op), promise]() mutable {
    std::optional<T> value;
    std::exception_ptr error;
    {
      Guard guard(*this, Guard::Mode::kRead);
      try {
        value.emplace(op());
      } catch (...) {
        error = std::current_exception();
      }
      if (--pending_ == 0) idle_.notify_all();
    }
    // `this` may be gone from here on: only the promise is used.
    if (error) {
      promise.setError(error);
    } else {
      promise.setValue(std::move(*value));
    }
  });
  return promise.future();
}

Future<std::optional<std::string>> TransactionImpl::getAsync(std::string_view key,
                                                             Snapshot snapshot) {
  return runAsync<std::optional<std::string>>(
      [this, k = std::string(key), snapshot] { return get(k, snapshot); });
}

Future<std::string> TransactionImpl::getKeyAsync(const KeySelector& selector, Snapshot snapshot) {
  return runAsync<std::string>([this, selector, snapshot] { return getKey(selector, snapshot); });
}

Future<RangeBatch> TransactionImpl::getRangeAsync(const KeySelector& begin, const KeySelector& end,
                                                  const RangeOptions& options, int iteration) {
  return runAsync<RangeBatch>([this, begin, end, options, iteration] {
    return getRangeBatch(begin, end, options, iteration);
  });
}

// ---- state helpers -------------------------------------------------------------------------

void TransactionImpl::checkUsable() {
  if (failedCode_ != 0) throw Error(failedCode_);
  if (options_.timeout.count() > 0 && Clock::now() - startTime_ >= options_.timeout) {
    failedCode_ = static_cast<int>(ErrorCode::transaction_timed_out);
    failWatches(failedCode_);
    throw Error(failedCode_);
  }
}

ReadView& TransactionImpl::view() {
  if (!view_) {
    view_ = requestedReadVersion_ ? db_->engine->readAt(*requestedReadVersion_)
                                  : db_->engine->beginRead();
    readVersionTime_ = Clock::now();
  } else if (Clock::now() - readVersionTime_ > db_->options.maxTransactionLifetime) {
    throwError(ErrorCode::transaction_too_old, "read version is older than the 5-second limit");
  }
  return *view_;
}

std::string TransactionImpl::maxReadableKey() const {
  return (readSystemKeys_ || accessSystemKeys_) ? kSpecialPrefix : kSystemPrefix;
}

bool TransactionImpl::ryw(Snapshot snapshot) const {
  if (readYourWritesDisabled_) return false;
  return !(snapshot == Snapshot::kYes && snapshotRywDisables_ > 0);
}

void TransactionImpl::checkWriteKey(std::string_view key) {
  checkUsable();
  if (key >= std::string_view(kSpecialPrefix)) {
    throwError(ErrorCode::key_outside_legal_range,
               "write to the special key space: " + printable(key.substr(0, 40)));
  }
  if (!accessSystemKeys_ && key >= std::string_view(kSystemPrefix)) {
    throwError(ErrorCode::key_outside_legal_range,
               "write to a system key without access_system_keys: " + printable(key.substr(0, 40)));
  }
  size_t limit = key.starts_with(kSystemPrefix) ? kMaxSystemKeySize : kMaxKeySize;
  if (key.size() > limit) {
    throwError(ErrorCode::key_too_large,
               std::to_string(key.size()) + " bytes, limit " + std::to_string(limit));
  }
}

void TransactionImpl::checkReadable(std::string_view begin, std::string_view end) const {
  if (bypassUnreadable_) return;
  for (const auto& r : unreadable_) {
    if (std::string_view(r.begin) < end && begin < std::string_view(r.end)) {
      throwError(ErrorCode::accessed_unreadable,
                 "key written by a versionstamped operation in this transaction");
    }
  }
}

void TransactionImpl::addReadConflict(std::string_view begin, std::string_view end) {
  if (begin >= end) return;
  readConflicts_.push_back({std::string(begin), std::string(end)});
  size_ += static_cast<int64_t>(begin.size() + end.size());
}

void TransactionImpl::addReadConflictSkippingOwnWrites(std::string_view begin,
                                                       std::string_view end) {
  std::string from(begin);
  for (auto& [b, e] : writes_.knownSegments(begin, end)) {
    addReadConflict(from, b);
    from = e;
  }
  addReadConflict(from, end);
}

void TransactionImpl::addWriteConflict(std::string_view begin, std::string_view end) {
  if (begin >= end) return;
  writeConflicts_.push_back({std::string(begin), std::string(end)});
  size_ += static_cast<int64_t>(begin.size() + end.size());
}

void TransactionImpl::addMutation(MutationType type, std::string_view key, std::string_view param) {
  mutations_.push_back({type, std::string(key), std::string(param)});
  size_ += static_cast<int64_t>(key.size() + param.size()) + 16;
}

// ---- reads ---------------------------------------------------------------------------------

std::optional<std::string> TransactionImpl::mergedValue(std::string_view key, bool useWrites) {
  if (useWrites) {
    if (const WriteMap::Entry* e = writes_.find(key)) {
      return e->dependent ? e->resolve(engineGet(key)) : e->value;
    }
    if (writes_.isCleared(key)) return std::nullopt;
  }
  return engineGet(key);
}

std::optional<std::string> TransactionImpl::get(std::string_view key, Snapshot snapshot) {
  checkUsable();
  if (isConflictReportKey(key)) return conflictReportGet(key);
  if (key >= std::string_view(maxReadableKey())) {
    throwError(ErrorCode::key_outside_legal_range, "read of " + printable(key.substr(0, 40)));
  }
  size_t limit = key.starts_with(kSystemPrefix) ? kMaxSystemKeySize : kMaxKeySize;
  if (key.size() > limit) return std::nullopt;  // such a key cannot exist
  checkReadable(key, keyAfter(key));
  const bool useWrites = ryw(snapshot);
  // A read the transaction answers from its own set/clear does not depend on the database.
  const bool local = useWrites && writes_.state(key) == WriteMap::State::kKnown;
  auto value = mergedValue(key, useWrites);
  if (snapshot == Snapshot::kNo && !local) addReadConflict(key, keyAfter(key));
  return value;
}

TransactionImpl::ScanResult TransactionImpl::scan(std::string_view begin, std::string_view end,
                                                  bool reverse, int limit, int64_t byteLimit,
                                                  bool useWrites) {
  ScanResult out;
  if (begin >= end) return out;
  int64_t bytes = 0;
  auto full = [&] {
    return (limit > 0 && static_cast<int>(out.rows.size()) >= limit) ||
           (byteLimit > 0 && bytes >= byteLimit);
  };
  auto emit = [&](std::string_view key, std::string value) {
    bytes += static_cast<int64_t>(key.size() + value.size()) + 8;
    out.rows.push_back({std::string(key), std::move(value)});
  };
  const auto& points = writes_.points();
  int chunk = limit > 0 ? std::min(limit + 1, 1000) : 128;
  std::string lo(begin), hi(end);  // the part of [begin, end) not scanned yet
  while (lo < hi) {
    RangeChunk c = engineGetRange(lo, hi, chunk, reverse);
    // The part of the key space this chunk covers completely.
    std::string coveredLo = lo, coveredHi = hi;
    if (c.more) {
      if (reverse) {
        coveredLo = c.kvs.back().key;
      } else {
        coveredHi = keyAfter(c.kvs.back().key);
      }
    }
    // Write-map points inside the covered part, in scan order.
    std::vector<const std::pair<const std::string, WriteMap::Entry>*> local;
    if (useWrites) {
      for (auto it = points.lower_bound(coveredLo);
           it != points.end() && std::string_view(it->first) < coveredHi; ++it) {
        local.push_back(&*it);
      }
      if (reverse) std::reverse(local.begin(), local.end());
    }
    size_t ei = 0, wi = 0;
    auto before = [&](std::string_view a, std::string_view b) { return reverse ? a > b : a < b; };
    while ((ei < c.kvs.size() || wi < local.size()) && !full()) {
      const KeyValue* e = ei < c.kvs.size() ? &c.kvs[ei] : nullptr;
      const auto* w = wi < local.size() ? local[wi] : nullptr;
      if (w && (!e || !before(e->key, w->first))) {
        std::optional<std::string> base;
        if (e && e->key == w->first) {
          base = e->value;
          ++ei;
        }
        ++wi;
        auto v = w->second.resolve(base);
        if (v) emit(w->first, std::move(*v));
      } else {
        ++ei;
        if (useWrites && writes_.isCleared(e->key)) continue;
        emit(e->key, e->value);
      }
    }
    if (full()) {
      out.more = true;
      return out;
    }
    if (!c.more) break;
    if (reverse) {
      hi = coveredLo;
    } else {
      lo = coveredHi;
    }
    chunk = std::min(chunk * 2, 10000);
  }
  return out;
}

std::string TransactionImpl::resolve(const KeySelector& selector, bool useWrites,
                                     KeyRange* conflict) {
  const std::string maxKey = maxReadableKey();
  if (selector.key > maxKey) {
    throwError(ErrorCode::key_outside_legal_range,
               "selector key past the legal key space: " + printable(selector.key.substr(0, 40)));
  }
  // (k, orEqual, o) == (k + "\x00", !orEqual, o): work with "greatest key < k".
  std::string k = selector.orEqual ? keyAfter(selector.key) : selector.key;
  if (k > maxKey) k = maxKey;
  std::string result;
  if (selector.offset >= 1) {
    ScanResult r = scan(k, maxKey, false, selector.offset, 0, useWrites);
    result = static_cast<int>(r.rows.size()) == selector.offset ? r.rows.back().key : maxKey;
    if (conflict) *conflict = {k, result == maxKey ? maxKey : keyAfter(result)};
  } else {
    int want = 1 - selector.offset;
    ScanResult r = scan("", k, true, want, 0, useWrites);
    result = static_cast<int>(r.rows.size()) == want ? r.rows.back().key : std::string();
    if (conflict) *conflict = {result, k};
  }
  return result;
}

std::string TransactionImpl::getKey(const KeySelector& selector, Snapshot snapshot) {
  checkUsable();
  KeyRange conflict;
  std::string result = resolve(selector, ryw(snapshot), &conflict);
  if (snapshot == Snapshot::kNo) addReadConflictSkippingOwnWrites(conflict.begin, conflict.end);
  return result;
}

RangeBatch TransactionImpl::getRangeBatch(const KeySelector& begin, const KeySelector& end,
                                          const RangeOptions& options, int iteration) {
  checkUsable();
  if (isConflictReportKey(begin.key)) return conflictReportRange(begin, end, options);
  if (options.limit < 0 || options.targetBytes < 0) {
    throwError(ErrorCode::range_limits_invalid, "negative limit or target bytes");
  }
  if (options.mode == StreamingMode::kExact && options.limit == 0) {
    throwError(ErrorCode::exact_mode_without_limits);
  }
  if (options.mode == StreamingMode::kIterator && iteration <= 0) {
    throwError(ErrorCode::client_invalid_operation, "iteration must be >= 1 in iterator mode");
  }
  if (static_cast<int>(options.mode) < -2 || static_cast<int>(options.mode) > 4) {
    throwError(ErrorCode::client_invalid_operation, "unknown streaming mode");
  }
  const bool useWrites = ryw(options.snapshot);
  const bool reverse = options.reverse == Reverse::kYes;
  const std::string maxKey = maxReadableKey();

  std::string b, e;
  KeyRange conflict, cb, ce;
  const bool plain = !begin.orEqual && begin.offset == 1 && !end.orEqual && end.offset == 1;
  if (plain) {
    if (begin.key > maxKey || end.key > maxKey) {
      throwError(ErrorCode::key_outside_legal_range,
                 "range past the legal key space (end at most " + printable(maxKey) + ")");
    }
    b = begin.key;
    e = end.key;
    conflict = {b, e};
  } else {
    b = resolve(begin, useWrites, &cb);
    e = resolve(end, useWrites, &ce);
    conflict = {std::min({cb.begin, ce.begin, b}), std::max({cb.end, ce.end, e})};
  }
  RangeBatch batch;
  if (b >= e) {
    if (options.snapshot == Snapshot::kNo && !plain) {
      addReadConflictSkippingOwnWrites(conflict.begin, conflict.end);
    }
    return batch;
  }
  checkReadable(b, e);
  int64_t byteLimit = streamingModeBytes(options.mode, iteration);
  if (options.targetBytes > 0) {
    byteLimit =
        byteLimit == 0 ? options.targetBytes : std::min<int64_t>(byteLimit, options.targetBytes);
  }
  ScanResult r = scan(b, e, reverse, options.limit, byteLimit, useWrites);
  if (options.snapshot == Snapshot::kNo) {
    if (r.more && !r.rows.empty()) {
      // A read cut short depends only on the keys up to the last one returned.
      if (reverse) {
        conflict.begin = std::max(conflict.begin, r.rows.back().key);
        if (!plain) conflict.end = std::max(conflict.end, e);
      } else {
        conflict.end = keyAfter(r.rows.back().key);
      }
      if (!plain) {
        // The selectors' resolutions depend on keys the cut-short range may not cover.
        addReadConflictSkippingOwnWrites(cb.begin, cb.end);
        addReadConflictSkippingOwnWrites(ce.begin, ce.end);
      }
    }
    addReadConflictSkippingOwnWrites(conflict.begin, conflict.end);
  }
  batch.kvs = std::move(r.rows);
  batch.more = r.more;
  return batch;
}

int64_t TransactionImpl::getReadVersion() {
  checkUsable();
  return view().version();
}

void TransactionImpl::setReadVersion(int64_t version) {
  checkUsable();
  if (view_ || requestedReadVersion_) throwError(ErrorCode::read_version_already_set);
  if (version < 0) throwError(ErrorCode::invalid_option_value, "negative read version");
  requestedReadVersion_ = version;
}

// ---- writes --------------------------------------------------------------------------------

void TransactionImpl::set(std::string_view key, std::string_view value) {
  checkWriteKey(key);
  if (value.size() > kMaxValueSize) {
    throwError(ErrorCode::value_too_large, std::to_string(value.size()) + " bytes, limit 100000");
  }
  writes_.set(key, value);
  addMutation(MutationType::kSetValue, key, value);
  if (!std::exchange(nextWriteNoWriteConflict_, false)) addWriteConflict(key, keyAfter(key));
  triggerOwnWatches(key);
}

void TransactionImpl::clear(std::string_view key) {
  checkWriteKey(key);
  writes_.clear(key);
  std::string end = keyAfter(key);
  addMutation(MutationType::kClearRange, key, end);
  if (!std::exchange(nextWriteNoWriteConflict_, false)) addWriteConflict(key, end);
  triggerOwnWatches(key);
}

void TransactionImpl::clearRange(std::string_view begin, std::string_view end) {
  checkUsable();
  if (begin > end) throwError(ErrorCode::inverted_range);
  const std::string_view limit = accessSystemKeys_ ? kSpecialPrefix : kSystemPrefix;
  if (end > limit || (begin >= limit && begin != end)) {
    throwError(ErrorCode::key_outside_legal_range,
               "clear range past " + printable(limit) + " without access_system_keys");
  }
  if (begin == end) return;
  if (begin.size() > kMaxSystemKeySize || end.size() > kMaxSystemKeySize + 1) {
    throwError(ErrorCode::key_too_large);
  }
  writes_.clearRange(begin, end);
  addMutation(MutationType::kClearRange, begin, end);
  if (!std::exchange(nextWriteNoWriteConflict_, false)) addWriteConflict(begin, end);
  for (auto& w : watches_) {
    if (w->key >= begin && w->key < end) triggerOwnWatches(w->key);
  }
}

void TransactionImpl::atomicOp(MutationType type, std::string_view key, std::string_view param) {
  checkUsable();
  if (!isAtomicOp(type)) {
    throwError(ErrorCode::invalid_mutation_type,
               "mutation type " + std::to_string(static_cast<int>(type)));
  }
  if (param.size() > kMaxValueSize) {
    throwError(ErrorCode::value_too_large, std::to_string(param.size()) + " bytes, limit 100000");
  }
  const bool conflict = !std::exchange(nextWriteNoWriteConflict_, false);
  if (type == MutationType::kSetVersionstampedKey) {
    uint32_t pos = versionstampOffset(key);
    std::string low(key.substr(0, key.size() - 4)), high = low;
    // Any stamp from (read version + 1, 0) up to all 0xff could land here.
    CommitStamp lowest{};
    if (view_) lowest = makeCommitStamp(view_->version() + 1, 0);
    std::copy(lowest.begin(), lowest.end(), low.begin() + pos);
    std::fill(high.begin() + pos, high.begin() + pos + 10, '\xff');
    checkWriteKey(low);
    checkWriteKey(high);
    addMutation(type, key, param);
    unreadable_.push_back({low, keyAfter(high)});
    if (conflict) addWriteConflict(low, keyAfter(high));
    return;
  }
  checkWriteKey(key);
  if (type == MutationType::kSetVersionstampedValue) {
    (void)versionstampOffset(param);
    addMutation(type, key, param);
    unreadable_.push_back({std::string(key), keyAfter(key)});
  } else {
    writes_.atomicOp(type, key, param);
    addMutation(type, key, param);
  }
  if (conflict) addWriteConflict(key, keyAfter(key));
  triggerOwnWatches(key);
}

void TransactionImpl::addReadConflictRange(std::string_view begin, std::string_view end) {
  checkUsable();
  if (begin > end) throwError(ErrorCode::inverted_range);
  if (end > std::string_view(maxReadableKey())) {
    throwError(ErrorCode::key_outside_legal_range, "conflict range past the legal key space");
  }
  (void)view();  // a read conflict is only meaningful against a read version
  addReadConflictSkippingOwnWrites(begin, end);
}

void TransactionImpl::addWriteConflictRange(std::string_view begin, std::string_view end) {
  checkUsable();
  if (begin > end) throwError(ErrorCode::inverted_range);
  const std::string_view limit = accessSystemKeys_ ? kSpecialPrefix : kSystemPrefix;
  if (end > limit) {
    throwError(ErrorCode::key_outside_legal_range, "conflict range past the legal key space");
  }
  if (begin == end) return;
  addWriteConflict(begin, end);
}

// ---- watches -------------------------------------------------------------------------------

Watch TransactionImpl::watch(std::string_view key) {
  checkUsable();
  if (readYourWritesDisabled_) throwError(ErrorCode::watches_disabled);
  if (key.size() > (key.starts_with(kSystemPrefix) ? kMaxSystemKeySize : kMaxKeySize)) {
    throwError(ErrorCode::key_too_large);
  }
  if (key >= std::string_view(maxReadableKey())) {
    throwError(ErrorCode::key_outside_legal_range, "watch of " + printable(key.substr(0, 40)));
  }
  if (db_->outstandingWatches.fetch_add(1) >= db_->options.maxWatches) {
    db_->outstandingWatches.fetch_sub(1);
    throwError(ErrorCode::too_many_watches,
               "limit " + std::to_string(db_->options.maxWatches) + " per database");
  }
  auto slot = std::make_shared<WatchSlot>();
  slot->key = std::string(key);
  std::weak_ptr<DatabaseShared> weakDb = db_;
  slot->promise.future().onReady([weakDb] {
    if (auto db = weakDb.lock()) db->outstandingWatches.fetch_sub(1);
  });
  try {
    slot->seen = get(key, Snapshot::kNo);
  } catch (...) {
    slot->promise.setError(std::current_exception());
    throw;
  }
  watches_.push_back(slot);
  return Watch(slot->promise.future(), [slot] { slot->cancel(); });
}

void TransactionImpl::triggerOwnWatches(std::string_view key) {
  for (auto& w : watches_) {
    if (w->key != key || w->promise.isReady()) continue;
    const WriteMap::Entry* e = writes_.find(key);
    bool changed = true;
    if (e && !e->dependent) changed = e->value != w->seen;
    if (!e && writes_.isCleared(key)) changed = w->seen.has_value();
    if (changed) w->promise.setValue();
  }
}

void TransactionImpl::failWatches(int code) {
  for (auto& w : watches_) w->promise.setError(Error(code));
  watches_.clear();
}

// ---- commit --------------------------------------------------------------------------------

void TransactionImpl::commit() {
  checkUsable();
  if (mutations_.empty() && writeConflicts_.empty()) {
    // Read-only: nothing to check. Watches arm at the read version.
    int64_t armAt = view_ ? view_->version() : db_->engine->beginRead()->version();
    committed_ = true;
    committedVersion_ = -1;
    for (auto& w : watches_) {
      auto cancel = db_->engine->watch({w->key, w->seen, armAt, w->promise});
      std::lock_guard lock(w->mu);
      if (w->cancelled) {
        cancel();
      } else {
        w->engineCancel = std::move(cancel);
      }
    }
    watches_.clear();
    for (auto& p : stampPromises_) p.setError(Error(ErrorCode::no_commit_version));
    stampPromises_.clear();
    view_.reset();
    return;
  }
  try {
    if (size_ > options_.sizeLimit) {
      throwError(ErrorCode::transaction_too_large,
                 std::to_string(size_) + " bytes, limit " + std::to_string(options_.sizeLimit));
    }
    CommitRequest request;
    request.mutations = mutations_;
    request.readConflicts = readConflicts_;
    request.writeConflicts = writeConflicts_;
    if (!idempotencyId_.empty()) {
      if (auto earlier = prepareIdempotentCommit(request)) {
        committedEarlier_ = true;
        finishCommit(*earlier);
        return;
      }
    }
    if (view_) {
      if (Clock::now() - readVersionTime_ > db_->options.maxTransactionLifetime) {
        throwError(ErrorCode::transaction_too_old, "commit more than 5 s after the read version");
      }
      request.readVersion = view_->version();
    }
    request.readConflicts = coalesce(std::move(request.readConflicts));
    request.writeConflicts = coalesce(std::move(request.writeConflicts));
    view_.reset();  // release the snapshot (an LMDB reader slot) before the commit waits
    CommitStamp stamp;
    try {
      CommitResult result = db_->engine->commit(std::move(request));
      stamp = makeCommitStamp(result.version, result.batchOrder);
    } catch (const Error& e) {
      if (e.code() != static_cast<int>(ErrorCode::commit_unknown_result)) throw;
      db_->stats.count(StatsCollector::Event::kUnknownResult);
      if (idempotencyId_.empty()) throw;
      if (resolveUnknownResult(&stamp) == Resolution::kFenced) {
        throwError(ErrorCode::not_committed,
                   "commit_unknown_result (1021) resolved by the idempotency id: the attempt "
                   "did not commit and never will");
      }
    }
    db_->stats.count(StatsCollector::Event::kCommit);
    finishCommit(stamp);
    return;
  } catch (const Error& e) {
    if (e.code() == static_cast<int>(ErrorCode::not_committed)) {
      conflictReport_ = e.conflictingRanges();
      db_->stats.countConflict(conflictReport_);
    }
    failWatches(e.code());
    for (auto& p : stampPromises_) p.setError(Error(ErrorCode::transaction_invalid_version));
    stampPromises_.clear();
    throw;
  }
}

void TransactionImpl::finishCommit(const CommitStamp& stamp) {
  committed_ = true;
  committedStamp_ = stamp;
  committedVersion_ = 0;
  for (int i = 0; i < 8; ++i) committedVersion_ = (committedVersion_ << 8) | stamp[i];
  view_.reset();
  for (auto& p : stampPromises_) p.setValue(*committedStamp_);
  stampPromises_.clear();
  armWatches(committedVersion_);
}

void TransactionImpl::armWatches(int64_t version) {
  for (auto& w : watches_) {
    auto cancel = db_->engine->watch({w->key, w->seen, version, w->promise});
    std::lock_guard lock(w->mu);
    if (w->cancelled) {
      cancel();
    } else {
      w->engineCancel = std::move(cancel);
    }
  }
  watches_.clear();
}

int64_t TransactionImpl::getCommittedVersion() const {
  if (!committed_) {
    throwError(ErrorCode::client_invalid_operation, "getCommittedVersion before a commit");
  }
  return committedVersion_;
}

Future<CommitStamp> TransactionImpl::getVersionstamp() {
  if (committed_) {
    if (committedVersion_ < 0) {
      return Future<CommitStamp>::failedWith(
          std::make_exception_ptr(Error(ErrorCode::no_commit_version)));
    }
    return Future<CommitStamp>::ready(*committedStamp_);
  }
  stampPromises_.emplace_back();
  return stampPromises_.back().future();
}

// ---- lifecycle -----------------------------------------------------------------------------

void TransactionImpl::clearState(bool full, int failCode) {
  failWatches(failCode);
  for (auto& p : stampPromises_) p.setError(Error(failCode));
  stampPromises_.clear();
  accessSystemKeys_ = readSystemKeys_ = nextWriteNoWriteConflict_ = false;
  readYourWritesDisabled_ = bypassUnreadable_ = false;
  snapshotRywDisables_ = 0;
  view_.reset();
  requestedReadVersion_.reset();
  writes_.reset();
  mutations_.clear();
  readConflicts_.clear();
  writeConflicts_.clear();
  unreadable_.clear();
  size_ = 0;
  failedCode_ = 0;
  committed_ = false;
  committedVersion_ = -1;
  committedStamp_.reset();
  committedEarlier_ = false;
  conflictReport_.clear();
  if (full) {
    idempotencyId_.clear();
    options_ = db_->options.transactionDefaults;
    startTime_ = Clock::now();
    retries_ = 0;
    backoffSeconds_ = 0.01;
  }
}

void TransactionImpl::reset() {
  clearState(true, static_cast<int>(ErrorCode::transaction_cancelled));
}

void TransactionImpl::cancel() {
  failWatches(static_cast<int>(ErrorCode::transaction_cancelled));
  for (auto& p : stampPromises_) p.setError(Error(ErrorCode::transaction_cancelled));
  stampPromises_.clear();
  failedCode_ = static_cast<int>(ErrorCode::transaction_cancelled);
  view_.reset();
}

void TransactionImpl::onError(const Error& error) {
  if (failedCode_ != 0) throw Error(failedCode_);
  const int code = error.code();
  if (code == 0) throwError(ErrorCode::client_invalid_operation, "onError(success)");
  const bool tooOld = code == static_cast<int>(ErrorCode::transaction_too_old) ||
                      code == static_cast<int>(ErrorCode::future_version);
  if (!isRetryableCode(code) || (options_.retryLimit >= 0 && retries_ >= options_.retryLimit)) {
    cancel();
    throw error;
  }
  if (options_.timeout.count() > 0 && Clock::now() - startTime_ >= options_.timeout) {
    cancel();
    failedCode_ = static_cast<int>(ErrorCode::transaction_timed_out);
    throw Error(ErrorCode::transaction_timed_out);
  }
  ++retries_;
  {
    std::vector<std::string_view> prefixKeys;
    for (const auto& r : error.conflictingRanges()) prefixKeys.push_back(r.begin);
    if (prefixKeys.empty() && !writeConflicts_.empty())
      prefixKeys.push_back(writeConflicts_[0].begin);
    if (prefixKeys.empty() && !readConflicts_.empty())
      prefixKeys.push_back(readConflicts_[0].begin);
    if (prefixKeys.empty()) prefixKeys.push_back({});
    db_->stats.countRetry(prefixKeys);
  }
  const double cap = std::chrono::duration<double>(options_.maxRetryDelay).count();
  double delay = tooOld ? std::min(0.01, cap) : std::min(backoffSeconds_, cap) * uniform01();
  if (!tooOld) backoffSeconds_ = std::min(backoffSeconds_ * 2, std::max(cap, 0.01));
  clearState(false, code);
  if (delay > 0) std::this_thread::sleep_for(std::chrono::duration<double>(delay));
}

void TransactionImpl::setOption(TransactionOption option, int64_t value) {
  checkUsable();
  switch (option) {
    case TransactionOption::kNextWriteNoWriteConflictRange:
      nextWriteNoWriteConflict_ = true;
      break;
    case TransactionOption::kReadYourWritesDisable:
      if (!mutations_.empty() || view_) {
        throwError(ErrorCode::client_invalid_operation,
                   "read_your_writes_disable must be set before any read or write");
      }
      readYourWritesDisabled_ = true;
      break;
    case TransactionOption::kAccessSystemKeys:
      accessSystemKeys_ = true;
      break;
    case TransactionOption::kReadSystemKeys:
      readSystemKeys_ = true;
      break;
    case TransactionOption::kTimeout:
      if (value < 0 || value > INT32_MAX) throwError(ErrorCode::invalid_option_value, "timeout");
      options_.timeout = std::chrono::milliseconds(value);
      break;
    case TransactionOption::kRetryLimit:
      if (value < -1 || value > INT32_MAX)
        throwError(ErrorCode::invalid_option_value, "retry_limit");
      options_.retryLimit = value;
      break;
    case TransactionOption::kMaxRetryDelay:
      if (value < 0 || value > INT32_MAX) {
        throwError(ErrorCode::invalid_option_value, "max_retry_delay");
      }
      options_.maxRetryDelay = std::chrono::milliseconds(value);
      break;
    case TransactionOption::kSizeLimit:
      if (value < 32 || value > kMaxTransactionSize) {
        throwError(ErrorCode::invalid_option_value, "size_limit must be in [32, 10000000]");
      }
      options_.sizeLimit = value;
      break;
    case TransactionOption::kSnapshotRywEnable:
      --snapshotRywDisables_;
      break;
    case TransactionOption::kSnapshotRywDisable:
      ++snapshotRywDisables_;
      break;
    case TransactionOption::kBypassUnreadable:
      bypassUnreadable_ = true;
      break;
    case TransactionOption::kAutomaticIdempotency:
      if (idempotencyId_.empty()) {
        std::string id(16, '\0');
        thread_local std::mt19937_64 rng{std::random_device{}()};
        for (size_t i = 0; i < id.size(); i += 8) {
          uint64_t r = rng();
          for (size_t j = 0; j < 8; ++j) id[i + j] = static_cast<char>(r >> (8 * j));
        }
        idempotencyId_ = std::move(id);
      }
      break;
    case TransactionOption::kReadAheadDisable:
    case TransactionOption::kPrioritySystemImmediate:
    case TransactionOption::kPriorityBatch:
    case TransactionOption::kLockAware:
    case TransactionOption::kUsedDuringCommitProtectionDisable:
    case TransactionOption::kReportConflictingKeys:
      break;  // accepted; no effect on a single-process engine
    default:
      throwError(ErrorCode::invalid_option,
                 "transaction option " + std::to_string(static_cast<int>(option)));
  }
}

}  // namespace strata::kv

// ---- the public wrapper ------------------------------------------------------------------------

namespace strata {
namespace {
// Every call holds one (kv/transaction_impl.h): reads kRead, the rest kWrite.
using Guard = kv::TransactionImpl::Guard;
constexpr Guard::Mode kRead = Guard::Mode::kRead;
constexpr Guard::Mode kWrite = Guard::Mode::kWrite;
}  // namespace

Transaction::Transaction(std::unique_ptr<kv::TransactionImpl> impl) : impl_(std::move(impl)) {}
Transaction::Transaction(Transaction&&) noexcept = default;
Transaction& Transaction::operator=(Transaction&&) noexcept = default;
Transaction::~Transaction() = default;

std::optional<std::string> Transaction::get(std::string_view key, Snapshot snapshot) {
  const Guard guard(*impl_, kRead);
  return impl_->get(key, snapshot);
}
Future<std::optional<std::string>> Transaction::getAsync(std::string_view key, Snapshot snapshot) {
  const Guard guard(*impl_, kRead);
  return impl_->getAsync(key, snapshot);
}
std::string Transaction::getKey(const KeySelector& selector, Snapshot snapshot) {
  const Guard guard(*impl_, kRead);
  return impl_->getKey(selector, snapshot);
}
Future<std::string> Transaction::getKeyAsync(const KeySelector& selector, Snapshot snapshot) {
  const Guard guard(*impl_, kRead);
  return impl_->getKeyAsync(selector, snapshot);
}
Range Transaction::getRange(const KeySelector& begin, const KeySelector& end,
                            RangeOptions options) {
  return Range(this, begin, end, options);
}
Range Transaction::getRange(std::string_view begin, std::string_view end, RangeOptions options) {
  return Range(this, KeySelector::firstGreaterOrEqual(begin), KeySelector::firstGreaterOrEqual(end),
               options);
}
Range Transaction::getRangeStartsWith(std::string_view prefix, RangeOptions options) {
  return getRange(prefix, strinc(prefix), options);
}
RangeBatch Transaction::getRangeBatch(const KeySelector& begin, const KeySelector& end,
                                      const RangeOptions& options, int iteration) {
  const Guard guard(*impl_, kRead);
  return impl_->getRangeBatch(begin, end, options, iteration);
}
Future<RangeBatch> Transaction::getRangeAsync(const KeySelector& begin, const KeySelector& end,
                                              RangeOptions options, int iteration) {
  const Guard guard(*impl_, kRead);
  return impl_->getRangeAsync(begin, end, options, iteration);
}
std::vector<KeyValue> Transaction::getRangeAll(std::string_view begin, std::string_view end,
                                               RangeOptions options) {
  return getRange(begin, end, options).toVector();
}
int64_t Transaction::getReadVersion() {
  const Guard guard(*impl_, kRead);
  return impl_->getReadVersion();
}
void Transaction::setReadVersion(int64_t version) {
  const Guard guard(*impl_, kWrite);
  impl_->setReadVersion(version);
}
void Transaction::set(std::string_view key, std::string_view value) {
  const Guard guard(*impl_, kWrite);
  impl_->set(key, value);
}
void Transaction::clear(std::string_view key) {
  const Guard guard(*impl_, kWrite);
  impl_->clear(key);
}
void Transaction::clearRange(std::string_view begin, std::string_view end) {
  const Guard guard(*impl_, kWrite);
  impl_->clearRange(begin, end);
}
void Transaction::atomicOp(MutationType type, std::string_view key, std::string_view param) {
  const Guard guard(*impl_, kWrite);
  impl_->atomicOp(type, key, param);
}
void Transaction::addReadConflictRange(std::string_view begin, std::string_view end) {
  const Guard guard(*impl_, kWrite);
  impl_->addReadConflictRange(begin, end);
}
void Transaction::addReadConflictKey(std::string_view key) {
  const Guard guard(*impl_, kWrite);
  impl_->addReadConflictRange(key, keyAfter(key));
}
void Transaction::addWriteConflictRange(std::string_view begin, std::string_view end) {
  const Guard guard(*impl_, kWrite);
  impl_->addWriteConflictRange(begin, end);
}
void Transaction::addWriteConflictKey(std::string_view key) {
  const Guard guard(*impl_, kWrite);
  impl_->addWriteConflictRange(key, keyAfter(key));
}
void Transaction::commit() {
  const Guard guard(*impl_, kWrite);
  impl_->commit();
}
Future<void> Transaction::commitAsync() {
  const Guard guard(*impl_, kWrite);
  return makeReadyFuture([&] { impl_->commit(); });
}
int64_t Transaction::getCommittedVersion() const {
  const Guard guard(*impl_, kRead);
  return impl_->getCommittedVersion();
}
Future<CommitStamp> Transaction::getVersionstamp() {
  const Guard guard(*impl_, kWrite);
  return impl_->getVersionstamp();
}
int64_t Transaction::getApproximateSize() const {
  const Guard guard(*impl_, kRead);
  return impl_->getApproximateSize();
}
void Transaction::setIdempotencyId(std::string_view id) {
  const Guard guard(*impl_, kWrite);
  impl_->setIdempotencyId(id);
}
const std::string& Transaction::idempotencyId() const {
  const Guard guard(*impl_, kRead);
  return impl_->idempotencyId();
}
bool Transaction::committedEarlier() const {
  const Guard guard(*impl_, kRead);
  return impl_->committedEarlier();
}
Watch Transaction::watch(std::string_view key) {
  const Guard guard(*impl_, kWrite);
  return impl_->watch(key);
}
void Transaction::onError(const Error& error) {
  const Guard guard(*impl_, kWrite);
  impl_->onError(error);
}
void Transaction::reset() {
  const Guard guard(*impl_, kWrite);
  impl_->reset();
}
void Transaction::cancel() {
  const Guard guard(*impl_, kWrite);
  impl_->cancel();
}
void Transaction::setTimeout(std::chrono::milliseconds timeout) {
  const Guard guard(*impl_, kWrite);
  impl_->setOption(TransactionOption::kTimeout, timeout.count());
}
void Transaction::setRetryLimit(int64_t limit) {
  const Guard guard(*impl_, kWrite);
  impl_->setOption(TransactionOption::kRetryLimit, limit);
}
void Transaction::setMaxRetryDelay(std::chrono::milliseconds delay) {
  const Guard guard(*impl_, kWrite);
  impl_->setOption(TransactionOption::kMaxRetryDelay, delay.count());
}
void Transaction::setSizeLimit(int64_t bytes) {
  const Guard guard(*impl_, kWrite);
  impl_->setOption(TransactionOption::kSizeLimit, bytes);
}
void Transaction::setOption(TransactionOption option, int64_t value) {
  const Guard guard(*impl_, kWrite);
  impl_->setOption(option, value);
}

// ---- Range ---------------------------------------------------------------------------------

Range::Range(Transaction* tr, KeySelector begin, KeySelector end, RangeOptions options)
    : tr_(tr),
      begin_(std::move(begin)),
      end_(std::move(end)),
      options_(options),
      remaining_(options.limit) {}

bool Range::fetch() {
  while (!done_) {
    RangeOptions opts = options_;
    if (options_.limit > 0) {
      if (remaining_ <= 0) {
        done_ = true;
        break;
      }
      opts.limit = remaining_;
    }
    batch_ = tr_->getRangeBatch(begin_, end_, opts, ++iteration_);
    if (options_.limit > 0) remaining_ -= static_cast<int>(batch_.kvs.size());
    if (!batch_.more || batch_.kvs.empty()) {
      done_ = true;
    } else if (options_.reverse == Reverse::kYes) {
      end_ = KeySelector::firstGreaterOrEqual(batch_.kvs.back().key);
    } else {
      begin_ = KeySelector::firstGreaterThan(batch_.kvs.back().key);
    }
    if (!batch_.kvs.empty()) return true;
  }
  batch_.kvs.clear();
  return false;
}

Range::iterator::iterator(Range* r) : range_(r) {
  if (!range_->fetch()) range_ = nullptr;
}

Range::iterator& Range::iterator::operator++() {
  if (++index_ >= range_->batch_.kvs.size()) {
    index_ = 0;
    if (!range_->fetch()) range_ = nullptr;
  }
  return *this;
}

std::vector<KeyValue> Range::toVector() {
  std::vector<KeyValue> out;
  for (const auto& kv : *this) out.push_back(kv);
  return out;
}

}  // namespace strata
