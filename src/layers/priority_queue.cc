// PriorityQueue layer: see include/strata/layers/priority_queue.h for the contract and layout.
#include "strata/layers/priority_queue.h"

#include <random>
#include <utility>

#include "layers/layer_codec.h"

namespace strata::layers {
namespace {

constexpr size_t kMaxItemBytes = 9'900;

using codec::int64Le;

using codec::fromInt64Le;

std::mt19937_64& rng() { return codec::layerRng(); }

RangeOptions headRows(int limit, Snapshot snapshot) {
  RangeOptions o;
  o.limit = limit;
  o.mode = StreamingMode::kWantAll;
  o.snapshot = snapshot;
  return o;
}

}  // namespace

PriorityQueue::PriorityQueue(Subspace subspace, PriorityQueueOptions options)
    : subspace_(std::move(subspace)), options_(options) {
  if (options_.contentionWindow < 1) {
    throwError(ErrorCode::client_invalid_operation, "contentionWindow must be >= 1");
  }
}

void PriorityQueue::push(Transaction& tr, std::string_view item, int64_t priority) const {
  if (item.size() > kMaxItemBytes) {
    throwError(ErrorCode::key_too_large, "priority queue items are limited to 9,900 bytes");
  }
  const int64_t seq = tr.getApproximateSize();
  const Versionstamp stamp = Versionstamp::incomplete();
  tr.atomicOp(MutationType::kSetVersionstampedKey,
              subspace_.packWithVersionstamp(Tuple{0, priority, stamp, seq}), item);
  tr.atomicOp(MutationType::kSetVersionstampedKey,
              subspace_.packWithVersionstamp(Tuple{1, Bytes(item), priority, stamp, seq}), "");
  tr.atomicOp(MutationType::kAdd, subspace_.pack(Tuple{2}), int64Le(1));
  tr.atomicOp(MutationType::kSetVersionstampedValue, subspace_.pack(Tuple{3}),
              std::string(14, '\0'));
}

bool PriorityQueue::push(Transaction& tr, std::string_view item, int64_t priority,
                         std::string_view pushId) const {
  if (pushId.empty()) throwError(ErrorCode::client_invalid_operation, "pushId must not be empty");
  if (item.size() > kMaxItemBytes) {
    throwError(ErrorCode::key_too_large, "priority queue items are limited to 9,900 bytes");
  }
  const std::string marker = subspace_.pack(Tuple{4, Bytes(pushId)});
  if (tr.get(marker).has_value()) return false;
  push(tr, item, priority);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  tr.set(marker, int64Le(now));
  return true;
}

std::optional<KeyValue> PriorityQueue::head(Transaction& tr, PriorityEnd end, Snapshot snapshot,
                                            int window) const {
  const KeyRange items = subspace_.range(Tuple{0});
  std::vector<KeyValue> rows;
  if (end == PriorityEnd::kMin) {
    rows = tr.getRangeAll(items.begin, items.end, headRows(window, snapshot));
  } else {
    std::string last = tr.getKey(KeySelector::lastLessThan(items.end), snapshot);
    if (last < items.begin || last >= items.end) return std::nullopt;
    const int64_t priority = subspace_.unpack(last).getInt(1);
    const KeyRange level = subspace_.range(Tuple{0, priority});
    rows = tr.getRangeAll(level.begin, level.end, headRows(window, snapshot));
  }
  if (rows.empty()) return std::nullopt;
  size_t index = 0;
  if (snapshot == Snapshot::kYes && rows.size() > 1) {
    index = std::uniform_int_distribution<size_t>(0, rows.size() - 1)(rng());
  }
  if (snapshot == Snapshot::kYes) tr.addReadConflictKey(rows[index].key);
  return std::move(rows[index]);
}

std::optional<PriorityItem> PriorityQueue::pop(Transaction& tr, PriorityEnd end) const {
  const bool single = options_.mode == PopMode::kSingleClient;
  std::optional<KeyValue> kv = head(tr, end, single ? Snapshot::kNo : Snapshot::kYes,
                                    single ? 1 : options_.contentionWindow);
  if (!kv) return std::nullopt;
  Tuple t = subspace_.unpack(kv->key);
  const int64_t priority = t.getInt(1);
  tr.clear(kv->key);
  tr.clear(subspace_.pack(Tuple{1, Bytes(kv->value), priority, t.getVersionstamp(2), t.getInt(3)}));
  tr.atomicOp(MutationType::kAdd, subspace_.pack(Tuple{2}), int64Le(-1));
  return PriorityItem{std::move(kv->value), priority};
}

std::optional<PriorityItem> PriorityQueue::peek(Transaction& tr, PriorityEnd end) const {
  std::optional<KeyValue> kv = head(tr, end, Snapshot::kNo, 1);
  if (!kv) return std::nullopt;
  return PriorityItem{std::move(kv->value), subspace_.unpack(kv->key).getInt(1)};
}

int64_t PriorityQueue::remove(Transaction& tr, std::string_view item) const {
  if (item.size() > kMaxItemBytes) return 0;  // could never have been pushed
  const KeyRange members = subspace_.range(Tuple{1, Bytes(item)});
  int64_t removed = 0;
  for (const KeyValue& kv : tr.getRange(members.begin, members.end).toVector()) {
    Tuple t = subspace_.unpack(kv.key);
    tr.clear(subspace_.pack(Tuple{0, t.getInt(2), t.getVersionstamp(3), t.getInt(4)}));
    tr.clear(kv.key);
    ++removed;
  }
  if (removed > 0) tr.atomicOp(MutationType::kAdd, subspace_.pack(Tuple{2}), int64Le(-removed));
  return removed;
}

int64_t PriorityQueue::size(Transaction& tr, Snapshot snapshot) const {
  std::optional<std::string> v = tr.get(subspace_.pack(Tuple{2}), snapshot);
  return v ? fromInt64Le(*v) : 0;
}

bool PriorityQueue::empty(Transaction& tr, Snapshot snapshot) const {
  return size(tr, snapshot) == 0;
}

void PriorityQueue::clear(Transaction& tr) const {
  const KeyRange items = subspace_.range(Tuple{0});
  const KeyRange members = subspace_.range(Tuple{1});
  tr.clearRange(items.begin, items.end);
  tr.clearRange(members.begin, members.end);
  tr.clear(subspace_.pack(Tuple{2}));
}

int PriorityQueue::prunePushIds(Transaction& tr, std::chrono::system_clock::time_point olderThan,
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

void PriorityQueue::push(Database& db, std::string_view item, int64_t priority) const {
  db.run([&](Transaction& tr) { push(tr, item, priority); });
}

bool PriorityQueue::push(Database& db, std::string_view item, int64_t priority,
                         std::string_view pushId) const {
  return db.run([&](Transaction& tr) { return push(tr, item, priority, pushId); });
}

std::optional<PriorityItem> PriorityQueue::pop(Database& db, PriorityEnd end) const {
  Transaction tr = db.createTransaction();
  for (;;) {
    try {
      std::optional<PriorityItem> result = pop(tr, end);
      if (result) tr.commit();
      return result;
    } catch (const Error& e) {
      if (e.isMaybeCommitted()) throw;
      tr.onError(e);
    }
  }
}

std::optional<PriorityItem> PriorityQueue::peek(Database& db, PriorityEnd end) const {
  return db.read([&](Transaction& tr) { return peek(tr, end); });
}

int64_t PriorityQueue::remove(Database& db, std::string_view item) const {
  return db.run([&](Transaction& tr) { return remove(tr, item); });
}

int64_t PriorityQueue::size(Database& db) const {
  return db.read([&](Transaction& tr) { return size(tr); });
}

void PriorityQueue::clear(Database& db) const {
  db.run([&](Transaction& tr) { clear(tr); });
}

}  // namespace strata::layers
