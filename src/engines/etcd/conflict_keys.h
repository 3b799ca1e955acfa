// How FoundationDB's range-against-range conflict check is expressed with etcd Txn compares,
// which only see keys that exist (docs/engines/etcd.md#conflicts). Pure functions.
//
// A committed write-conflict range [a, b) leaves marker keys; a later reader of [x, y) at read
// revision v compares "mod_revision < v + 1" over marker keys that exist exactly when some
// committed write range overlaps [x, y):
//   point markers  one per single-key range [k, k + "\x00"), and per key a range decomposes into
//   node markers   a trie node p stands for every key starting with p, [p, strinc(p)).
// [a, b) decomposes into nodes and points (the canonical trie cover). [x, y) overlaps a node p iff
// p lies in [x, y) or p is a prefix of x; it overlaps a point k iff k lies in [x, y). So a reader
// compares two key ranges and the prefixes of x (coveringNodes). Nodes deeper than kMaxNodeDepth
// are cut to their ancestor at that depth, and a range needing more than kMaxMarkersPerRange
// markers is covered by one node (the longest common prefix of a and b): both over-approximate,
// which can only add conflicts, never miss one.
//
// Markers are only ever added; the engine deletes those older than every live read version.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::kv::etcd {

inline constexpr size_t kMaxNodeDepth = 32;
inline constexpr size_t kMaxMarkersPerRange = 512;

struct WriteMarkers {
  std::vector<std::string> points;
  std::vector<std::string> nodes;
};

// The first key after every key starting with `key` (FoundationDB's strinc); nullopt when none
// exists (`key` is empty or all 0xff).
[[nodiscard]] std::optional<std::string> keyAfterPrefix(std::string_view key);

// The markers a committed write-conflict range [begin, end) leaves. Empty when begin >= end.
// Cost: O(markers) <= kMaxMarkersPerRange + 1.
[[nodiscard]] WriteMarkers writeMarkers(std::string_view begin, std::string_view end);

// The nodes whose interval contains `begin` without starting inside [begin, ...): the proper
// prefixes of `begin`, at most kMaxNodeDepth + 1 of them, shortest first.
[[nodiscard]] std::vector<std::string> coveringNodes(std::string_view begin);

}  // namespace strata::kv::etcd
