// Queue layer: see include/strata/layers/queue.h for the contract and key layout.
#include "strata/layers/queue.h"

#include <algorithm>
#include <random>
#include <utility>

#include "layers/layer_codec.h"

namespace strata::layers {
namespace {

constexpr size_t kMaxItemBytes = 100'000 - 8;
constexpr size_t kNonceBytes = 8;
constexpr auto kMaxVisibility = std::chrono::milliseconds(365LL * 24 * 3600 * 1000);

using codec::int64Le;

using codec::fromInt64Le;

std::mt19937_64& rng() { return codec::layerRng(); }

std::string randomNonce() {
  uint64_t r = rng()();
  std::string out(kNonceBytes, '\0');
  for (size_t i = 0; i < kNonceBytes; ++i) out[i] = static_cast<char>((r >> (8 * i)) & 0xff);
  return out;
}

int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

RangeOptions headRows(int limit, Snapshot snapshot) {
  RangeOptions o;
  o.limit = limit;
  o.mode = StreamingMode::kWantAll;
  o.snapshot = snapshot;
  return o;
}

// SET_VERSIONSTAMPED_VALUE operand: a 10-byte placeholder at offset 0.
std::string stampValueOperand() { return std::string(10, '\0') + std::string(4, '\0'); }

}  // namespace

struct Queue::Claim {
  std::string key;
  Versionstamp stamp;
  int64_t seq = 0;
  std::string item;
};

Queue::Queue(Subspace subspace, QueueOptions options)
    : subspace_(std::move(subspace)), options_(options) {
  if (options_.contentionWindow < 1) {
    throwError(ErrorCode::client_invalid_operation, "contentionWindow must be >= 1");
  }
}

void Queue::push(Transaction& tr, std::string_view item) const {
  if (item.size() > kMaxItemBytes) {
    throwError(ErrorCode::value_too_large, "queue items are limited to 99,992 bytes");
  }
  const int64_t seq = tr.getApproximateSize();
  tr.atomicOp(MutationType::kSetVersionstampedKey,
              subspace_.packWithVersionstamp(Tuple{0, Versionstamp::incomplete(), seq}), item);
  tr.atomicOp(MutationType::kAdd, subspace_.pack(Tuple{1}), int64Le(1));
  tr.atomicOp(MutationType::kSetVersionstampedValue, subspace_.pack(Tuple{2}), stampValueOperand());
}

bool Queue::push(Transaction& tr, std::string_view item, std::string_view pushId) const {
  if (pushId.empty()) throwError(ErrorCode::client_invalid_operation, "pushId must not be empty");
  if (item.size() > kMaxItemBytes) {
    throwError(ErrorCode::value_too_large, "queue items are limited to 99,992 bytes");
  }
  const std::string marker = subspace_.pack(Tuple{4, Bytes(pushId)});
  if (tr.get(marker).has_value()) return false;
  push(tr, item);
  tr.set(marker, int64Le(wallMs() / 1000));
  return true;
}

std::optional<Queue::Claim> Queue::claimHead(Transaction& tr, Snapshot snapshot, int window) const {
  const int64_t now = wallMs();
  auto pick = [&](const std::vector<KeyValue>& rows) -> const KeyValue& {
    if (rows.size() == 1 || snapshot == Snapshot::kNo) return rows.front();
    std::uniform_int_distribution<size_t> d(0, rows.size() - 1);
    return rows[d(rng())];
  };
  const KeyRange leases = subspace_.range(Tuple{3});
  std::vector<KeyValue> expired =
      tr.getRangeAll(leases.begin, subspace_.pack(Tuple{3, now + 1}), headRows(window, snapshot));
  Claim claim;
  if (!expired.empty()) {
    const KeyValue& row = pick(expired);
    Tuple t = subspace_.unpack(row.key);
    claim.key = row.key;
    claim.stamp = t.getVersionstamp(2);
    claim.seq = t.getInt(3);
    claim.item = row.value.substr(std::min(kNonceBytes, row.value.size()));
  } else {
    const KeyRange items = subspace_.range(Tuple{0});
    std::vector<KeyValue> rows = tr.getRangeAll(items.begin, items.end, headRows(window, snapshot));
    if (rows.empty()) return std::nullopt;
    const KeyValue& row = pick(rows);
    Tuple t = subspace_.unpack(row.key);
    claim.key = row.key;
    claim.stamp = t.getVersionstamp(1);
    claim.seq = t.getInt(2);
    claim.item = row.value;
  }
  if (snapshot == Snapshot::kYes) tr.addReadConflictKey(claim.key);
  return claim;
}

std::optional<std::string> Queue::pop(Transaction& tr) const {
  const bool single = options_.mode == PopMode::kSingleClient;
  auto claim = claimHead(tr, single ? Snapshot::kNo : Snapshot::kYes,
                         single ? 1 : options_.contentionWindow);
  if (!claim) return std::nullopt;
  tr.clear(claim->key);
  tr.atomicOp(MutationType::kAdd, subspace_.pack(Tuple{1}), int64Le(-1));
  return std::move(claim->item);
}

std::optional<Lease> Queue::popWithLease(Transaction& tr,
                                         std::chrono::milliseconds visibility) const {
  if (visibility < std::chrono::milliseconds(1) || visibility > kMaxVisibility) {
    throwError(ErrorCode::client_invalid_operation,
               "lease visibility must be between 1 ms and one year");
  }
  const bool single = options_.mode == PopMode::kSingleClient;
  auto claim = claimHead(tr, single ? Snapshot::kNo : Snapshot::kYes,
                         single ? 1 : options_.contentionWindow);
  if (!claim) return std::nullopt;
  tr.clear(claim->key);
  const int64_t deadline = wallMs() + visibility.count();
  const std::string nonce = randomNonce();
  tr.set(subspace_.pack(Tuple{3, deadline, claim->stamp, claim->seq}), nonce + claim->item);
  Lease lease;
  lease.item = std::move(claim->item);
  lease.token = Tuple{deadline, claim->stamp, claim->seq, Bytes(nonce)}.pack();
  lease.deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(deadline));
  return lease;
}

bool Queue::ack(Transaction& tr, std::string_view token) const {
  int64_t deadline = 0;
  int64_t seq = 0;
  Versionstamp stamp;
  std::string nonce;
  try {
    Tuple t = Tuple::unpack(token);
    if (t.size() != 4) throw Error(ErrorCode::invalid_input);
    deadline = t.getInt(0);
    stamp = t.getVersionstamp(1);
    seq = t.getInt(2);
    nonce = t.getBytes(3);
  } catch (const Error&) {
    throwError(ErrorCode::invalid_input, "not a queue lease token");
  }
  if (nonce.size() != kNonceBytes || !stamp.isComplete()) {
    throwError(ErrorCode::invalid_input, "not a queue lease token");
  }
  const std::string key = subspace_.pack(Tuple{3, deadline, stamp, seq});
  std::optional<std::string> value = tr.get(key);
  if (!value || value->compare(0, kNonceBytes, nonce) != 0) return false;
  tr.clear(key);
  tr.atomicOp(MutationType::kAdd, subspace_.pack(Tuple{1}), int64Le(-1));
  return true;
}

std::optional<std::string> Queue::peek(Transaction& tr) const {
  auto claim = claimHead(tr, Snapshot::kNo, 1);
  if (!claim) return std::nullopt;
  return std::move(claim->item);
}

int64_t Queue::size(Transaction& tr, Snapshot snapshot) const {
  std::optional<std::string> v = tr.get(subspace_.pack(Tuple{1}), snapshot);
  return v ? fromInt64Le(*v) : 0;
}

bool Queue::empty(Transaction& tr, Snapshot snapshot) const { return size(tr, snapshot) == 0; }

void Queue::clear(Transaction& tr) const {
  const KeyRange items = subspace_.range(Tuple{0});
  const KeyRange leases = subspace_.range(Tuple{3});
  tr.clearRange(items.begin, items.end);
  tr.clearRange(leases.begin, leases.end);
  tr.clear(subspace_.pack(Tuple{1}));
}

int Queue::prunePushIds(Transaction& tr, std::chrono::system_clock::time_point olderThan,
                        int limit) const {
  if (limit < 0) throwError(ErrorCode::range_limits_invalid, "limit must not be negative");
  const int64_t cutoff =
      std::chrono::duration_cast<std::chrono::seconds>(olderThan.time_since_epoch()).count();
  const KeyRange markers = subspace_.range(Tuple{4});
  RangeOptions o;
  o.snapshot = Snapshot::kYes;
  int cleared = 0;
  for (const KeyValue& kv : tr.getRange(markers.begin, markers.end, o).toVector()) {
    if (cleared >= limit) break;
    if (fromInt64Le(kv.value) < cutoff) {
      tr.addReadConflictKey(kv.key);
      tr.clear(kv.key);
      ++cleared;
    }
  }
  return cleared;
}

template <class Result, class Attempt>
std::optional<Result> Queue::blockingPop(Database& db, std::chrono::milliseconds wait,
                                         bool retryUnknown, Attempt attempt) const {
  if (wait < std::chrono::milliseconds(0)) {
    throwError(ErrorCode::client_invalid_operation, "wait must not be negative");
  }
  const auto end = std::chrono::steady_clock::now() + wait;
  Transaction tr = db.createTransaction();
  for (;;) {
    std::optional<Watch> watch;
    std::optional<int64_t> nextLeaseMs;
    try {
      std::optional<Result> result = attempt(tr);
      if (result) {
        tr.commit();
        return result;
      }
      if (std::chrono::steady_clock::now() >= end) return std::nullopt;
      watch.emplace(tr.watch(subspace_.pack(Tuple{2})));
      const KeyRange leases = subspace_.range(Tuple{3});
      std::vector<KeyValue> first =
          tr.getRangeAll(leases.begin, leases.end, headRows(1, Snapshot::kYes));
      if (!first.empty()) nextLeaseMs = subspace_.unpack(first.front().key).getInt(1);
      tr.commit();
    } catch (const Error& e) {
      if (!retryUnknown && e.isMaybeCommitted()) throw;
      watch.reset();
      tr.onError(e);
      continue;
    }
    tr.reset();
    auto now = std::chrono::steady_clock::now();
    if (now >= end) return std::nullopt;
    auto sleep = std::chrono::duration_cast<std::chrono::milliseconds>(end - now);
    if (nextLeaseMs) {
      auto untilLease =
          std::chrono::milliseconds(std::max<int64_t>(*nextLeaseMs - wallMs() + 1, 1));
      sleep = std::min(sleep, untilLease);
    }
    (void)watch->waitFor(sleep);
  }
}

void Queue::push(Database& db, std::string_view item) const {
  db.run([&](Transaction& tr) { push(tr, item); }, Idempotency::kAutomatic);
}

bool Queue::push(Database& db, std::string_view item, std::string_view pushId) const {
  return db.run([&](Transaction& tr) { return push(tr, item, pushId); });
}

std::optional<std::string> Queue::pop(Database& db, std::chrono::milliseconds wait) const {
  return blockingPop<std::string>(db, wait, false, [&](Transaction& tr) { return pop(tr); });
}

std::optional<Lease> Queue::popWithLease(Database& db, std::chrono::milliseconds visibility,
                                         std::chrono::milliseconds wait) const {
  if (visibility < std::chrono::milliseconds(1) || visibility > kMaxVisibility) {
    throwError(ErrorCode::client_invalid_operation,
               "lease visibility must be between 1 ms and one year");
  }
  return blockingPop<Lease>(db, wait, true,
                            [&](Transaction& tr) { return popWithLease(tr, visibility); });
}

bool Queue::ack(Database& db, std::string_view token) const {
  return db.run([&](Transaction& tr) { return ack(tr, token); });
}

std::optional<std::string> Queue::peek(Database& db) const {
  return db.read([&](Transaction& tr) { return peek(tr); });
}

int64_t Queue::size(Database& db) const {
  return db.read([&](Transaction& tr) { return size(tr); });
}

bool Queue::empty(Database& db) const {
  return db.read([&](Transaction& tr) { return empty(tr); });
}

void Queue::clear(Database& db) const {
  db.run([&](Transaction& tr) { clear(tr); });
}

}  // namespace strata::layers
