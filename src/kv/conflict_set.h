// ConflictSet remembers, for every key, the newest commit version that wrote it (a step function
// over the key space), for a window of recent versions. Engines use it to decide commits:
// a transaction conflicts iff some range it read has a write newer than its read version.
//
// Invariants:
//   1. steps_ maps a boundary key to the newest write version of [boundary, next boundary);
//      the first boundary is "" so every key is covered. Versions below horizon_ mean "too old to
//      matter": every query reads them as horizon_ - 1, whether or not a prune pass has rewritten
//      them yet.
//   2. A prune pass walks the steps in key order from pruneCursor_, rewriting versions below
//      horizon_ to horizon_ - 1 and merging adjacent steps of equal version. Each call advances
//      it by the credit that add() earned since (kPruneCreditPerAdd per range added), so the
//      steps stay within a constant factor of those written at or after the horizon, and no
//      single call walks more steps than the adds since the previous call paid for.
//
// Thread safety: not thread-safe; engines hold their commit lock around it.
// Cost: add O(log n + steps replaced); maxVersion O(log n + steps in range); prune amortised
// O(log n) per call plus O(1) per range added, for n steps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kv/engine.h"
#include "strata/kv/error.h"

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
  // Forgets writes older than `horizon` (a lower horizon than the current one changes nothing);
  // read versions below it can no longer be checked. Every query answers as if all of them were
  // gone at once; the memory they hold is released incrementally, by this call and later ones.
  // Cost: O(log n) plus the steps that the ranges added since the previous call paid for (8 per
  // range); call it once per commit to keep steps() proportional to the writes in the window.
  void prune(int64_t horizon);
  [[nodiscard]] int64_t horizon() const { return horizon_; }
  // Boundaries held, including those of writes older than the horizon not yet merged.
  [[nodiscard]] size_t steps() const { return steps_.size(); }

 private:
  static constexpr size_t kPruneCreditPerAdd = 8;

  std::map<std::string, int64_t, std::less<>> steps_;
  int64_t horizon_ = 0;
  size_t pruneCredit_ = 0;   // steps the next prune() may walk
  std::string pruneCursor_;  // where the current pass resumes; "" starts a new pass
};

// The not_committed (1020) error an engine raises for a conflict, carrying `ranges` (the read
// ranges that conflicted, sorted and disjoint) as Error::conflictingRanges().
[[nodiscard]] Error conflictError(const std::vector<KeyRange>& ranges,
                                  std::string_view detail = {});

}  // namespace strata::kv
