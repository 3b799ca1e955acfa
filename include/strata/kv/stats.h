// DatabaseStats: counts of commits, conflicts and retries of the transactions one Database
// handle ran in this process (Database::stats()), in total and per key prefix, so that a hot
// spot shows up as the prefix whose conflicts and retries grow. Nothing is persisted; every
// handle counts its own transactions from zero.
//
// Prefix granularity: the key's first tuple element (its type byte and payload, as packed by
// tuple.h: an integer, a byte string up to its terminator, a UUID, ...), which is the subspace or
// directory prefix of keys laid out by the layers; a key that does not start with a tuple
// element (raw keys, a nested tuple, system keys) is counted under its first byte.
// A conflict is counted under the prefix of each conflicting read range's begin key
// (Error::conflictingRanges()); a retry (an onError() that retried) under the prefixes of the
// error's conflicting ranges, or, for other errors, under the prefix of the transaction's first
// write-conflict range (else its first read-conflict range, else "").
//
// Limits: at most kMaxStatsPrefixes prefixes are kept; later new prefixes add to the totals only.
// Thread safety: a DatabaseStats is a plain value; Database::stats() is thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace strata {

inline constexpr size_t kMaxStatsPrefixes = 10'000;

struct PrefixStats {
  std::string prefix;  // raw bytes (print with strata::printable)
  int64_t conflicts = 0;
  int64_t retries = 0;
};

struct DatabaseStats {
  int64_t commits = 0;         // commit() calls that committed writes
  int64_t conflicts = 0;       // commit() calls that failed with not_committed (1020)
  int64_t unknownResults = 0;  // commit_unknown_result (1021) raised by the engine to a commit
  // 1021s an idempotency id resolved: to success (the attempt had landed) or to 1020.
  int64_t idempotentResolvedCommitted = 0;
  int64_t idempotentResolvedNotCommitted = 0;
  int64_t retries = 0;                // onError() calls that retried
  std::vector<PrefixStats> prefixes;  // ascending by prefix; prefixes with a count only
};

// The prefix `key` is counted under (see the top). Lifetime: a view into `key`.
[[nodiscard]] std::string_view statsPrefix(std::string_view key);

}  // namespace strata
