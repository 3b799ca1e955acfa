#include "directory/hca.h"

#include <optional>
#include <random>

#include "strata/kv/error.h"
#include "strata/kv/mutation.h"
#include "strata/kv/options.h"
#include "strata/kv/range.h"
#include "strata/tuple.h"

namespace strata::directory {
namespace {

std::string littleEndian64(int64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(static_cast<uint64_t>(value) >> (8 * i));
  return out;
}

int64_t fromLittleEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes.size() && i < 8; ++i) {
    value |= uint64_t{static_cast<uint8_t>(bytes[i])} << (8 * i);
  }
  return static_cast<int64_t>(value);
}

// The start of the newest window (snapshot read), if any counter exists.
std::optional<int64_t> latestWindowStart(Transaction& tr, const Subspace& counters) {
  KeyRange range = counters.range();
  RangeOptions options;
  options.limit = 1;
  options.reverse = Reverse::kYes;
  options.snapshot = Snapshot::kYes;
  std::vector<KeyValue> rows = tr.getRangeAll(range.begin, range.end, options);
  if (rows.empty()) return std::nullopt;
  Tuple t = counters.unpack(rows[0].key);
  if (t.size() != 1 || t.type(0) != TupleType::kInt) {
    throwError(ErrorCode::invalid_directory_layer_metadata, "allocator counter key is not (int,)");
  }
  return t.getInt(0);
}

int64_t randomInWindow(int64_t start, int64_t window) {
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return std::uniform_int_distribution<int64_t>(start, start + window - 1)(generator);
}

}  // namespace

int64_t hcaWindowSize(int64_t start) noexcept {
  if (start < 255) return 64;
  if (start < 65535) return 1024;
  return 8192;
}

std::string hcaAllocate(Transaction& tr, const Subspace& hca) {
  const Subspace counters = hca[0];
  const Subspace recent = hca[1];
  for (;;) {
    int64_t start = latestWindowStart(tr, counters).value_or(0);
    int64_t window = 0;
    bool advanced = false;
    for (;;) {
      if (advanced) {
        tr.clearRange(counters.key(), counters.pack(Tuple{start}));
        tr.setOption(TransactionOption::kNextWriteNoWriteConflictRange);
        tr.clearRange(recent.key(), recent.pack(Tuple{start}));
      }
      const std::string counterKey = counters.pack(Tuple{start});
      tr.atomicOp(MutationType::kAdd, counterKey, littleEndian64(1));
      std::optional<std::string> count = tr.get(counterKey, Snapshot::kYes);
      window = hcaWindowSize(start);
      if (fromLittleEndian(count.value_or(std::string())) * 2 < window) break;
      start += window;
      advanced = true;
    }
    for (;;) {
      const int64_t candidate = randomInWindow(start, window);
      const std::string candidateKey = recent.pack(Tuple{candidate});
      std::optional<int64_t> latest = latestWindowStart(tr, counters);
      std::optional<std::string> taken = tr.get(candidateKey);  // the one conflicting read
      tr.setOption(TransactionOption::kNextWriteNoWriteConflictRange);
      tr.set(candidateKey, "");
      if (latest && *latest > start) break;  // the window moved on: start over
      if (!taken) {
        tr.addWriteConflictKey(candidateKey);
        return Tuple{candidate}.pack();
      }
    }
  }
}

}  // namespace strata::directory
