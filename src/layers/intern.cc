// StringIntern (include/strata/layers/intern.h) and its cache.
//
// Why the cache can trust what it holds: mappings are write-once and never deleted, so a mapping
// present in the database's committed state stays true forever. The layer reads that state with
// a snapshot read that skips the transaction's own writes (FoundationDB's snapshot_ryw_disable,
// switched on just around the read); only those reads, and commits that succeeded, fill it.
#include "strata/layers/intern.h"

#include <list>
#include <mutex>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include "strata/tuple.h"

namespace strata::layers {

namespace detail {

// An LRU cache of (string, id) pairs, indexed both ways.
// Thread safety: thread-safe (one mutex).
// Invariants (under mu_):
//   1. byString_ and byId_ index exactly the entries of lru_, by views into the entries' own
//      strings (list nodes never move, and the strings are never modified once inserted).
//   2. bytes_ is the sum of charge() over lru_ and stays <= capacity_ after every put().
class InternCache {
 public:
  explicit InternCache(size_t capacity) : capacity_(capacity) {}

  std::optional<std::string> idOf(std::string_view s) { return find(byString_, s, true); }
  std::optional<std::string> stringOf(std::string_view id) { return find(byId_, id, false); }

  bool hasId(std::string_view id) {
    std::lock_guard lock(mu_);
    return byId_.contains(id);
  }

  // Requires: (s, id) is a committed mapping.
  void put(std::string_view s, std::string_view id) {
    const size_t cost = charge(s, id);
    std::lock_guard lock(mu_);
    if (cost > capacity_) return;
    // Both directions are one-to-one; an entry known either way is only refreshed.
    for (Index* index : {&byId_, &byString_}) {
      auto known = index->find(index == &byId_ ? id : s);
      if (known != index->end()) {
        lru_.splice(lru_.begin(), lru_, known->second);
        return;
      }
    }
    lru_.push_front(Entry{std::string(s), std::string(id)});
    byString_.emplace(lru_.front().s, lru_.begin());
    byId_.emplace(lru_.front().id, lru_.begin());
    bytes_ += cost;
    while (bytes_ > capacity_) {
      Entry& victim = lru_.back();
      bytes_ -= charge(victim.s, victim.id);
      byString_.erase(victim.s);
      byId_.erase(victim.id);
      lru_.pop_back();
      ++stats_.evictions;
    }
  }

  StringInternCacheStats stats() {
    std::lock_guard lock(mu_);
    StringInternCacheStats s = stats_;
    s.entries = lru_.size();
    s.bytes = bytes_;
    return s;
  }

  void clear() {
    std::lock_guard lock(mu_);
    byString_.clear();
    byId_.clear();
    lru_.clear();
    bytes_ = 0;
  }

 private:
  struct Entry {
    std::string s;
    std::string id;
  };
  using Index = std::unordered_map<std::string_view, std::list<Entry>::iterator>;

  static constexpr size_t kEntryOverhead = 96;  // list node + two hash nodes, roughly
  static size_t charge(std::string_view s, std::string_view id) {
    return s.size() + id.size() + kEntryOverhead;
  }

  std::optional<std::string> find(Index& index, std::string_view key, bool wantId) {
    std::lock_guard lock(mu_);
    auto it = index.find(key);
    if (it == index.end()) {
      ++stats_.misses;
      return std::nullopt;
    }
    ++stats_.hits;
    lru_.splice(lru_.begin(), lru_, it->second);
    return wantId ? it->second->id : it->second->s;
  }

  std::mutex mu_;
  const size_t capacity_;
  std::list<Entry> lru_;          // guarded by mu_; front = most recently used
  Index byString_;                // guarded by mu_
  Index byId_;                    // guarded by mu_
  size_t bytes_ = 0;              // guarded by mu_
  StringInternCacheStats stats_;  // guarded by mu_ (entries and bytes filled in by stats())
};

}  // namespace detail

namespace {

constexpr size_t kFirstIdLength = 4;
constexpr size_t kMaxIdLength = 12;
constexpr std::string_view kIdTag = "U";
constexpr std::string_view kHashTag = "H";

// Reads through `tr` see the committed database only (not its own writes) while this lives.
// Snapshot reads only: FoundationDB's snapshot_ryw_disable/enable nest as a counter, so the
// caller's own setting is restored.
class CommittedSnapshotReads {
 public:
  explicit CommittedSnapshotReads(Transaction& tr) : tr_(tr) {
    tr_.setOption(TransactionOption::kSnapshotRywDisable);
  }
  ~CommittedSnapshotReads() {
    try {
      tr_.setOption(TransactionOption::kSnapshotRywEnable);
    } catch (const Error&) {
      // The transaction is unusable (cancelled, committed): its next call reports that, and
      // onError()/reset() clear the counter anyway.
    }
  }
  CommittedSnapshotReads(const CommittedSnapshotReads&) = delete;
  CommittedSnapshotReads& operator=(const CommittedSnapshotReads&) = delete;

 private:
  Transaction& tr_;
};

std::string hashBytes(std::string_view s) {
  uint64_t h = internHash(s);
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>(h & 0xff);
    h >>= 8;
  }
  return out;
}

std::string randomId(size_t length) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(length, '\0');
  for (size_t i = 0; i < length; i += 8) {
    uint64_t word = rng();
    for (size_t j = i; j < length && j < i + 8; ++j, word >>= 8) {
      id[j] = static_cast<char>(word & 0xff);
    }
  }
  return id;
}

void checkString(std::string_view s) {
  if (s.size() > kMaxValueSize) {
    throwError(ErrorCode::value_too_large,
               "interned strings are values: " + std::to_string(s.size()) + " bytes");
  }
}

}  // namespace

uint64_t internHash(std::string_view s) noexcept {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

StringIntern::StringIntern(Subspace subspace, StringInternOptions options)
    : subspace_(std::move(subspace)),
      cache_(std::make_shared<detail::InternCache>(options.cacheBytes)) {}

std::string StringIntern::idKey(std::string_view id) const {
  return subspace_.pack(Tuple{kIdTag, Bytes(id)});
}

KeyRange StringIntern::chainRange(std::string_view s) const {
  return subspace_.range(Tuple{kHashTag, Bytes(hashBytes(s))});
}

std::optional<std::string> StringIntern::findInChain(Transaction& tr, std::string_view s,
                                                     Snapshot snapshot) const {
  KeyRange chain = chainRange(s);
  RangeOptions options;
  options.snapshot = snapshot;
  options.mode = StreamingMode::kWantAll;
  std::vector<KeyValue> entries = tr.getRangeAll(chain.begin, chain.end, options);
  // Issue every candidate's read first, then compare: one round trip on a remote engine.
  std::vector<std::pair<std::string, Future<std::optional<std::string>>>> candidates;
  candidates.reserve(entries.size());
  for (const KeyValue& entry : entries) {
    std::string id = subspace_.unpack(entry.key).getBytes(2);
    // A "U" record never changes once written: no conflict is needed to rely on it.
    auto value = tr.getAsync(idKey(id), Snapshot::kYes);
    candidates.emplace_back(std::move(id), std::move(value));
  }
  for (auto& [id, value] : candidates) {
    std::optional<std::string> stored = value.get();
    if (stored && *stored == s) return std::move(id);
  }
  return std::nullopt;
}

std::string StringIntern::allocateId(Transaction& tr) const {
  size_t length = kFirstIdLength;
  int cachedDraws = 0;
  for (;;) {
    std::string id = randomId(length);
    if (cache_->hasId(id)) {
      // Taken for sure, no read needed; grow if the cache says this length is crowded.
      if (++cachedDraws % 8 == 0 && length < kMaxIdLength) ++length;
      continue;
    }
    // Conflicting read: a concurrent transaction that draws the same id conflicts with us.
    if (!tr.get(idKey(id))) return id;
    if (length == kMaxIdLength) {
      throwError(ErrorCode::operation_failed, "no free string intern id of 12 bytes");
    }
    ++length;
  }
}

std::string StringIntern::intern(Transaction& tr, std::string_view s) const {
  checkString(s);
  if (std::optional<std::string> cached = cache_->idOf(s)) return std::move(*cached);
  return internUncached(tr, s);
}

std::string StringIntern::internUncached(Transaction& tr, std::string_view s) const {
  {
    CommittedSnapshotReads committed(tr);
    if (std::optional<std::string> id = findInChain(tr, s, Snapshot::kYes)) {
      cache_->put(s, *id);
      return std::move(*id);
    }
  }
  // Not committed. This read conflicts with a concurrent intern() of the same string (it writes
  // into this chain), and sees an earlier intern() of it in this transaction.
  if (std::optional<std::string> id = findInChain(tr, s, Snapshot::kNo)) return std::move(*id);
  std::string id = allocateId(tr);
  tr.set(idKey(id), s);
  tr.set(subspace_.pack(Tuple{kHashTag, Bytes(hashBytes(s)), Bytes(id)}), "");
  return id;
}

std::string StringIntern::intern(Database& db, std::string_view s) const {
  checkString(s);
  if (std::optional<std::string> cached = cache_->idOf(s)) return std::move(*cached);
  std::string id = db.run([&](Transaction& tr) { return internUncached(tr, s); });
  cache_->put(s, id);  // committed now
  return id;
}

std::optional<std::string> StringIntern::lookup(Transaction& tr, std::string_view id) const {
  if (std::optional<std::string> cached = cache_->stringOf(id)) return cached;
  return lookupUncached(tr, id);
}

std::optional<std::string> StringIntern::lookupUncached(Transaction& tr,
                                                        std::string_view id) const {
  const std::string key = idKey(id);
  {
    CommittedSnapshotReads committed(tr);
    if (std::optional<std::string> s = tr.get(key, Snapshot::kYes)) {
      cache_->put(*s, id);
      return s;
    }
  }
  return tr.get(key);  // this transaction's own mapping, or absent (conflict: a later mapping)
}

std::optional<std::string> StringIntern::lookup(Database& db, std::string_view id) const {
  if (std::optional<std::string> cached = cache_->stringOf(id)) return cached;
  return db.read([&](Transaction& tr) { return lookupUncached(tr, id); });
}

StringInternCacheStats StringIntern::cacheStats() const { return cache_->stats(); }

void StringIntern::clearCache() const { cache_->clear(); }

}  // namespace strata::layers
