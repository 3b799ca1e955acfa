// WriteMap: a transaction's buffered writes, as read-your-writes needs to see them. Each key is
// unmodified (read the database), known (set, cleared, or atomic ops on a known base: value
// computed locally), or dependent (atomic ops on an unknown base: read the database value, then
// fold the ops in issue order).
//
// Invariants:
//   1. clearedRanges_ holds disjoint, non-adjacent [begin, end) ranges, keyed by begin.
//   2. A key in points_ overrides clearedRanges_ (it was written after the clear).
//
// Thread safety: used by one thread at a time (its transaction's).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/kv/mutation.h"

namespace strata::kv {

class WriteMap {
 public:
  struct Entry {
    // Known value (nullopt = cleared) when !dependent; otherwise ops to fold over the DB value.
    bool dependent = false;
    std::optional<std::string> value;
    std::vector<std::pair<MutationType, std::string>> ops;

    // The value this entry yields over `base` (the database value; ignored when known).
    [[nodiscard]] std::optional<std::string> resolve(const std::optional<std::string>& base) const;
  };

  // What the map says about one key.
  enum class State { kUnmodified, kKnown, kDependent };

  void set(std::string_view key, std::string_view value);
  void clear(std::string_view key);
  void clearRange(std::string_view begin, std::string_view end);
  void atomicOp(MutationType type, std::string_view key, std::string_view param);

  // Returns: the entry for `key`, or nullptr when the key is unmodified or only range-cleared
  // (check isCleared()).
  [[nodiscard]] const Entry* find(std::string_view key) const;
  // True when `key` lies in a range cleared by this transaction (and not written since).
  [[nodiscard]] bool isCleared(std::string_view key) const;
  [[nodiscard]] State state(std::string_view key) const;

  // The parts of [begin, end) whose contents this map fully determines (cleared ranges, and keys
  // set or cleared), merged and in key order. A read of them does not depend on the database.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> knownSegments(
      std::string_view begin, std::string_view end) const;

  // The point entries with begin <= key < end, in key order.
  using PointMap = std::map<std::string, Entry, std::less<>>;
  [[nodiscard]] PointMap::const_iterator lowerBound(std::string_view key) const {
    return points_.lower_bound(key);
  }
  [[nodiscard]] const PointMap& points() const { return points_; }
  // True when [begin, end) is entirely covered by set/cleared data (no database read needed).
  [[nodiscard]] bool empty() const { return points_.empty() && clearedRanges_.empty(); }

  void reset() {
    points_.clear();
    clearedRanges_.clear();
  }

 private:
  PointMap points_;
  std::map<std::string, std::string, std::less<>> clearedRanges_;
};

}  // namespace strata::kv
