// Counter: atomic-ADD shards or blind-written random shards, summed on read.
// Layout: include/strata/layers/counter.h.
#include "strata/layers/counter.h"

#include <random>
#include <string>
#include <vector>

namespace strata::layers {
namespace {

constexpr int64_t kTagAtomic = 0;
constexpr int64_t kTagBlind = 1;
constexpr int64_t kTagToken = 2;
constexpr size_t kBlindIdBytes = 16;

std::mt19937_64& rng() {
  thread_local std::mt19937_64 engine{std::random_device{}() ^
                                      (static_cast<uint64_t>(std::random_device{}()) << 32)};
  return engine;
}

std::string littleEndian(int64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(static_cast<uint64_t>(value) >> (8 * i));
  return out;
}

// Values shorter than 8 bytes are zero-extended, as atomic ADD reads them.
int64_t fromLittleEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = std::min<size_t>(bytes.size(), 8); i-- > 0;) {
    v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return static_cast<int64_t>(v);
}

std::string randomId() {
  std::string id(kBlindIdBytes, '\0');
  for (size_t i = 0; i < kBlindIdBytes; i += 8) {
    uint64_t r = rng()();
    for (size_t j = 0; j < 8; ++j) id[i + j] = static_cast<char>(r >> (8 * j));
  }
  return id;
}

int64_t wrappingAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

}  // namespace

Counter::Counter(Subspace subspace, CounterOptions options)
    : subspace_(std::move(subspace)), options_(options) {
  if (options_.shards < 1) throwError(ErrorCode::client_invalid_operation, "shards must be >= 1");
  if (options_.coalesceBatch < 1) {
    throwError(ErrorCode::client_invalid_operation, "coalesceBatch must be >= 1");
  }
  if (!(options_.coalesceProbability >= 0.0 && options_.coalesceProbability <= 1.0)) {
    throwError(ErrorCode::client_invalid_operation, "coalesceProbability must be in [0, 1]");
  }
}

bool Counter::add(Transaction& tr, int64_t delta, std::string_view idempotencyToken) const {
  if (!idempotencyToken.empty()) {
    std::string marker = subspace_.pack(Tuple{kTagToken, Bytes(idempotencyToken)});
    if (tr.get(marker)) return false;
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    tr.set(marker, littleEndian(now.count()));
  }
  if (options_.mode == CounterMode::kAtomic) {
    int64_t shard = 0;
    if (options_.shards > 1) {
      shard = static_cast<int64_t>(rng()() % static_cast<uint64_t>(options_.shards));
    }
    tr.atomicOp(MutationType::kAdd, subspace_.pack(Tuple{kTagAtomic, shard}), littleEndian(delta));
  } else {
    tr.set(subspace_.pack(Tuple{kTagBlind, Bytes(randomId())}), littleEndian(delta));
  }
  return true;
}

int64_t Counter::sum(Transaction& tr, Snapshot snapshot) const {
  RangeOptions options;
  options.snapshot = snapshot;
  int64_t total = 0;
  for (const KeyValue& kv : tr.getRange(subspace_.range(Tuple{kTagAtomic}).begin,
                                        subspace_.range(Tuple{kTagBlind}).end, options)) {
    total = wrappingAdd(total, fromLittleEndian(kv.value));
  }
  return total;
}

int64_t Counter::get(Transaction& tr) const { return sum(tr, Snapshot::kNo); }
int64_t Counter::getSnapshot(Transaction& tr) const { return sum(tr, Snapshot::kYes); }

void Counter::set(Transaction& tr, int64_t value) const {
  std::string begin = subspace_.range(Tuple{kTagAtomic}).begin;
  std::string end = subspace_.range(Tuple{kTagBlind}).end;
  // The conflicting read of every shard is what keeps set() serializable against adds.
  (void)sum(tr, Snapshot::kNo);
  tr.clearRange(begin, end);
  tr.set(subspace_.pack(Tuple{kTagAtomic, 0}), littleEndian(value));
}

int Counter::coalesce(Transaction& tr) const {
  KeyRange blind = subspace_.range(Tuple{kTagBlind});
  std::string start = subspace_.pack(Tuple{kTagBlind, Bytes(randomId())});
  RangeOptions options;
  options.snapshot = Snapshot::kYes;
  options.limit = options_.coalesceBatch;
  std::vector<KeyValue> shards = tr.getRangeAll(start, blind.end, options);
  if (static_cast<int>(shards.size()) < options_.coalesceBatch) {
    options.limit = options_.coalesceBatch - static_cast<int>(shards.size());
    for (KeyValue& kv : tr.getRangeAll(blind.begin, start, options)) shards.push_back(kv);
  }
  if (shards.size() < 2) return 0;  // nothing to fold
  int64_t total = 0;
  for (const KeyValue& kv : shards) {
    total = wrappingAdd(total, fromLittleEndian(kv.value));
    tr.addReadConflictKey(kv.key);  // two coalescers never both take one shard
    tr.clear(kv.key);
  }
  if (total != 0) tr.set(subspace_.pack(Tuple{kTagBlind, Bytes(randomId())}), littleEndian(total));
  return static_cast<int>(shards.size());
}

int Counter::pruneTokens(Transaction& tr, std::chrono::system_clock::time_point olderThan,
                         int limit) const {
  if (limit < 0) throwError(ErrorCode::range_limits_invalid, "limit must not be negative");
  KeyRange tokens = subspace_.range(Tuple{kTagToken});
  auto cutoff =
      std::chrono::duration_cast<std::chrono::seconds>(olderThan.time_since_epoch()).count();
  RangeOptions options;
  options.snapshot = Snapshot::kYes;
  int cleared = 0;
  std::vector<std::string> old;
  for (const KeyValue& kv : tr.getRange(tokens.begin, tokens.end, options)) {
    if (cleared >= limit) break;
    if (fromLittleEndian(kv.value) < cutoff) {
      old.push_back(kv.key);
      ++cleared;
    }
  }
  for (const std::string& key : old) tr.clear(key);
  return cleared;
}

bool Counter::add(Database& db, int64_t delta, std::string_view idempotencyToken) const {
  // An idempotency id makes the retry after a lost acknowledgement (1021) add once.
  bool added = db.run([&](Transaction& tr) { return add(tr, delta, idempotencyToken); },
                      Idempotency::kAutomatic);
  if (options_.mode == CounterMode::kBlindShards && options_.coalesceProbability > 0.0) {
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    if (coin(rng()) < options_.coalesceProbability) {
      db.run([&](Transaction& tr) { return coalesce(tr); });
    }
  }
  return added;
}

int64_t Counter::get(Database& db) const {
  return db.read([&](Transaction& tr) { return get(tr); });
}

void Counter::set(Database& db, int64_t value) const {
  db.run([&](Transaction& tr) { set(tr, value); });
}

}  // namespace strata::layers
