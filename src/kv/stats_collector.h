// StatsCollector: the counters behind Database::stats() (strata/kv/stats.h), kept per opened
// Database in DatabaseShared and fed by TransactionImpl's commit() and onError().
//
// Thread safety: thread-safe (one mutex; one short critical section per counted event).
// Invariants: prefixes_ holds at most kMaxStatsPrefixes entries.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kv/engine.h"
#include "strata/kv/stats.h"

namespace strata::kv {

class StatsCollector {
 public:
  enum class Event {
    kCommit,
    kConflict,
    kUnknownResult,
    kResolvedCommitted,
    kResolvedNotCommitted
  };

  void count(Event event);
  // A commit failed with 1020 on `ranges` (each counted under its begin key's prefix).
  void countConflict(const std::vector<ConflictRange>& ranges);
  // onError() retried; `prefixKeys` name the keys whose prefixes the retry is counted under.
  void countRetry(const std::vector<std::string_view>& prefixKeys);

  [[nodiscard]] DatabaseStats snapshot() const;

 private:
  PrefixStats* slot(std::string_view key);  // Requires: mu_ held. Null past the cap.

  mutable std::mutex mu_;
  DatabaseStats totals_;                                      // guarded by mu_ (prefixes unused)
  std::map<std::string, PrefixStats, std::less<>> prefixes_;  // guarded by mu_
};

}  // namespace strata::kv
