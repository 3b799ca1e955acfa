// ConflictSet remembers, for every key, the newest commit version that wrote it (a step function
// over the key space), for a window of recent versions. Engines use it to decide commits:
// a transaction conflicts iff some range it read has a write newer than its read version.
//
// Invariants:
//   1. steps_ maps a boundary key to the newest write version of [boundary, next boundary);
//      the first boundary is "" so every key is covered; versions below horizon_ mean "too old to
//      matter" and are stored as horizon_ - 1 after pruning.
//   2. Adjacent steps never carry the same version after prune().
//
// Thread safety: not thread-safe; engines hold their commit lock around it.
// Cost: add O(log n + steps replaced); maxVersion O(log n + steps in range).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kv/engine.h"

namespace strata::kv {

class ConflictSet {
 public:
  ConflictSet();

  // Records that [begin, end) was written at `version` (>= every version added before).
  void add(std::string_view begin, std::string_view end, int64_t version);
  // The newest version that wrote into [begin, end); horizon() - 1 if none since the horizon.
  [[nodiscard]] int64_t maxVersion(std::string_view begin, std::string_view end) const;
  // True iff any range in `reads` was written after `readVersion`.
  [[nodiscard]] bool conflicts(const std::vector<KeyRange>& reads, int64_t readVersion) const;
  // The read ranges written after readVersion (for conflict reports).
  [[nodiscard]] std::vector<KeyRange> conflictingRanges(const std::vector<KeyRange>& reads,
                                                        int64_t readVersion) const;
  // Forgets writes older than `horizon`; read versions below it can no longer be checked.
  void prune(int64_t horizon);
  [[nodiscard]] int64_t horizon() const { return horizon_; }
  [[nodiscard]] size_t steps() const { return steps_.size(); }

 private:
  std::map<std::string, int64_t, std::less<>> steps_;
  int64_t horizon_ = 0;
};

}  // namespace strata::kv
