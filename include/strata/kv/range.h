// Range reads: the options of Transaction::getRange and what it returns.
//
// A range read returns the pairs with resolve(begin) <= key < resolve(end), ascending, or
// descending with Reverse::kYes (the limit then counts from the end). Results come in batches
// sized by the streaming mode (FoundationDB's byte targets), so a large range never has to sit in
// memory at once: iterate a Range, or take batches with Transaction::getRangeBatch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata {

enum class Snapshot : bool { kNo, kYes };
enum class Reverse : bool { kNo, kYes };

// FoundationDB's streaming modes (fdb_c FDBStreamingMode numbers): bytes fetched per batch.
enum class StreamingMode : int {
  kWantAll = -2,   // everything at once (as kSerial)
  kIterator = -1,  // batches grow with the iteration number: 4096 .. 120000 bytes
  kExact = 0,      // exactly `limit` rows in one batch; requires a limit
  kSmall = 1,      // 256 bytes
  kMedium = 2,     // 1000 bytes
  kLarge = 3,      // 4096 bytes
  kSerial = 4,     // 120000 bytes
};

struct RangeOptions {
  // Most rows to return in total; 0 = no limit. Negative: range_limits_invalid (2012).
  int limit = 0;
  // Soft cap on bytes per batch (key + value + 8 per row); 0 = the streaming mode's.
  int targetBytes = 0;
  StreamingMode mode = StreamingMode::kIterator;
  Reverse reverse = Reverse::kNo;
  // Snapshot::kYes adds no read conflict.
  Snapshot snapshot = Snapshot::kNo;
};

struct KeyValue {
  std::string key;
  std::string value;
  bool operator==(const KeyValue&) const = default;
};

// One batch of a range read.
struct RangeBatch {
  std::vector<KeyValue> kvs;
  // True when rows may remain past this batch; false guarantees the range (or limit) is exhausted.
  bool more = false;
};

// Bytes per batch for `mode` at `iteration` (1-based), FoundationDB's table; 0 for kExact.
[[nodiscard]] int64_t streamingModeBytes(StreamingMode mode, int iteration);

}  // namespace strata
