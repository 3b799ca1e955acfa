#include "strata/layers/expiry.h"

#include <utility>

#include "strata/tuple.h"

namespace strata::layers {
namespace {

constexpr int64_t kTagDeadline = 0;
constexpr int64_t kTagIndex = 1;

std::string encodeBE64(int64_t value) {
  auto v = static_cast<uint64_t>(value);
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

std::optional<int64_t> decodeBE64(const std::optional<std::string>& raw) {
  if (!raw || raw->size() != 8) return std::nullopt;
  uint64_t v = 0;
  for (char c : *raw) v = (v << 8) | static_cast<uint8_t>(c);
  return static_cast<int64_t>(v);
}

}  // namespace

Expiry::Expiry(Subspace subspace, ExpiryOptions options)
    : subspace_(std::move(subspace)), options_(std::move(options)) {}

Subspace Expiry::cliSubspace() { return Subspace(Tuple{"strata", "expiry"}); }

int64_t Expiry::nowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(options_.clock().time_since_epoch())
      .count();
}

bool Expiry::dropDeadline(Transaction& tr, std::string_view key) const {
  const std::string deadlineKey = subspace_.pack(Tuple{kTagDeadline, Bytes(std::string(key))});
  auto old = decodeBE64(tr.get(deadlineKey));
  if (!old) return false;
  tr.clear(deadlineKey);
  tr.clear(subspace_.pack(Tuple{kTagIndex, *old, Bytes(std::string(key))}));
  return true;
}

void Expiry::set(Transaction& tr, std::string_view key, std::string_view value,
                 std::chrono::milliseconds ttl) const {
  if (ttl.count() <= 0) {
    throwError(ErrorCode::client_invalid_operation, "a time to live must be positive");
  }
  const int64_t deadline = nowMs() + ttl.count();
  const Bytes keyBytes{std::string(key)};
  const std::string deadlineKey = subspace_.pack(Tuple{kTagDeadline, keyBytes});
  const std::string indexKey = subspace_.pack(Tuple{kTagIndex, deadline, keyBytes});
  tr.set(key, value);
  auto old = decodeBE64(tr.get(deadlineKey));
  if (old && *old != deadline) tr.clear(subspace_.pack(Tuple{kTagIndex, *old, keyBytes}));
  tr.set(deadlineKey, encodeBE64(deadline));
  tr.set(indexKey, "");
}

void Expiry::setPersistent(Transaction& tr, std::string_view key, std::string_view value) const {
  tr.set(key, value);
  (void)dropDeadline(tr, key);
}

std::optional<std::chrono::system_clock::time_point> Expiry::deadline(Transaction& tr,
                                                                      std::string_view key,
                                                                      Snapshot snapshot) const {
  auto d =
      decodeBE64(tr.get(subspace_.pack(Tuple{kTagDeadline, Bytes(std::string(key))}), snapshot));
  if (!d) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(*d));
}

std::optional<std::string> Expiry::get(Transaction& tr, std::string_view key,
                                       Snapshot snapshot) const {
  auto value = tr.get(key, snapshot);
  if (!value) return std::nullopt;
  auto d =
      decodeBE64(tr.get(subspace_.pack(Tuple{kTagDeadline, Bytes(std::string(key))}), snapshot));
  if (d && *d <= nowMs()) return std::nullopt;
  return value;
}

bool Expiry::persist(Transaction& tr, std::string_view key) const { return dropDeadline(tr, key); }

void Expiry::clear(Transaction& tr, std::string_view key) const {
  tr.clear(key);
  (void)dropDeadline(tr, key);
}

int64_t Expiry::sweep(Transaction& tr, int limit) const {
  if (limit <= 0) throwError(ErrorCode::range_limits_invalid, "sweep limit must be positive");
  int64_t examined = 0;
  return sweepBatch(tr, limit, &examined);
}

int64_t Expiry::sweepBatch(Transaction& tr, int limit, int64_t* examined) const {
  const int64_t now = nowMs();
  RangeOptions options;
  options.limit = limit;
  options.snapshot = Snapshot::kYes;
  options.mode = StreamingMode::kWantAll;
  // Entries are re-checked against (0, key) below, so the index itself is read as a snapshot.
  std::vector<KeyValue> due = tr.getRangeAll(subspace_.range(Tuple{kTagIndex}).begin,
                                             subspace_.pack(Tuple{kTagIndex, now + 1}), options);
  *examined = static_cast<int64_t>(due.size());
  int64_t removed = 0;
  for (const KeyValue& entry : due) {
    Tuple t = subspace_.unpack(entry.key);
    const int64_t d = t.getInt(1);
    const std::string& key = t.getBytes(2);
    const std::string deadlineKey = subspace_.pack(Tuple{kTagDeadline, Bytes(key)});
    auto current = decodeBE64(tr.get(deadlineKey));
    tr.clear(entry.key);
    if (current != d) continue;  // a stale entry; (0, key) names the live deadline
    tr.clear(key);
    tr.clear(deadlineKey);
    ++removed;
  }
  return removed;
}

int64_t Expiry::sweep(Database& db, SweepOptions options) const {
  if (options.batch <= 0 || options.limit < 0) {
    throwError(ErrorCode::range_limits_invalid, "sweep batch must be positive, limit >= 0");
  }
  int64_t total = 0;
  for (;;) {
    int batch = options.batch;
    if (options.limit > 0) {
      if (total >= options.limit) break;
      batch = static_cast<int>(std::min<int64_t>(batch, options.limit - total));
    }
    struct Pass {
      int64_t removed;
      int64_t examined;
    };
    Pass pass = db.run([&](Transaction& tr) {
      Pass p{0, 0};
      p.removed = sweepBatch(tr, batch, &p.examined);
      return p;
    });
    total += pass.removed;
    if (pass.examined < batch) break;  // nothing due remains past this batch
  }
  return total;
}

int64_t Expiry::countDue(Transaction& tr) const {
  RangeOptions options;
  options.snapshot = Snapshot::kYes;
  int64_t n = 0;
  for (const KeyValue& kv : tr.getRange(subspace_.range(Tuple{kTagIndex}).begin,
                                        subspace_.pack(Tuple{kTagIndex, nowMs() + 1}), options)) {
    (void)kv;
    ++n;
  }
  return n;
}

}  // namespace strata::layers
