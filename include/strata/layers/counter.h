// Counter: a 64-bit signed integer under a caller's Subspace that many clients add to at once
// without conflicting. Its value is the sum of its shards (wrapping modulo 2^64, as atomic ADD).
//
// Modes (CounterOptions::mode; both write shards every reader sums, so a counter may switch mode
// at any time without migration):
//   kAtomic (default)  add() is an atomic ADD on one of `shards` fixed keys chosen at random.
//                      Concurrent adds never conflict on engines whose atomic ops are
//                      conflict-free (memory, embedded, FoundationDB). shards > 1 spreads a hot
//                      counter over several keys (useful where one key is one server's load).
//   kBlindShards       add() blind-sets a new shard under a random 16-byte id: no read, no atomic
//                      op, a distinct key per add, so it never conflicts even on engines whose
//                      atomic ops conflict (etcd). Shards are folded together by coalesce(),
//                      which the Database& add() runs after an add with probability
//                      coalesceProbability (the original layer's scheme, in the caller's
//                      thread, never fire-and-forget, never writing an all-zero shard).
//
// Key layout (docs/FORMATS.md#counter, tuple-encoded under the subspace):
//   (0, i)         -> int64 LE          atomic shard i, 0 <= i < shards
//   (1, id)        -> int64 LE          blind shard, id = 16 random bytes
//   (2, token)     -> int64 LE seconds  idempotency marker: the add with this token was applied
//                                       (unix time of the add, for pruneTokens)
//
// Cost per call (S = shards present):
//   add: 1 write, no read (kAtomic: ADD; kBlindShards: set). With a token: +1 read of the marker
//     (its own key, so no contention) and +1 write.
//   get / getSnapshot: one range read of S shards (get conflicts with every concurrent add —
//     that is what "serializable" means; getSnapshot conflicts with nothing).
//   set: one range read (conflicting), one range clear, one write.
//   coalesce: one snapshot range read of up to maxShards blind shards, a read conflict and a
//     clear per shard taken, one write.
//
// On commit_unknown_result (1021): add is not idempotent: a retry adds twice. Pass an
// idempotency token (unique per logical add, e.g. a UUID the caller keeps across retries): the
// marker (2, token) is written in the same transaction as the add and a retry that finds it adds
// nothing. Markers stay until pruneTokens() removes them. set and coalesce are idempotent.
// The Database& add() runs with an idempotency id (Database::run, Idempotency::kAutomatic), so
// its own retry loop adds once even when a commit's outcome was lost; a caller's own retry of a
// whole add() call still needs a token.
//
// Limits: tokens up to ~9,900 bytes (key limit). get reads every shard: keep coalescing on in
// kBlindShards mode.
//
// Thread safety: immutable after construction; share freely (the random shard choice uses a
// thread-local generator).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

enum class CounterMode {
  kAtomic,
  kBlindShards,
};

struct CounterOptions {
  CounterMode mode = CounterMode::kAtomic;
  // kAtomic: number of fixed shards an add picks from at random; 1 = one key. Must be >= 1.
  int shards = 1;
  // kBlindShards: probability that the Database& add() coalesces afterwards (0 disables).
  double coalesceProbability = 0.1;
  // kBlindShards: most shards one coalesce() folds together.
  int coalesceBatch = 20;
};

class Counter {
 public:
  // Throws: client_invalid_operation (2000) for shards < 1, coalesceBatch < 1 or a
  //   probability outside [0, 1].
  explicit Counter(Subspace subspace, CounterOptions options = {});

  [[nodiscard]] const Subspace& subspace() const noexcept { return subspace_; }
  [[nodiscard]] const CounterOptions& options() const noexcept { return options_; }

  // Adds `delta`. With a non-empty `idempotencyToken`, does nothing if an add with the same
  // token already committed. Returns: true if it added, false if the token was already applied.
  // Throws: key_too_large (2102) for a token too long.
  // Conflicts: none without a token; with one, a read of the token's marker.
  bool add(Transaction& tr, int64_t delta, std::string_view idempotencyToken = {}) const;
  // The value (sum of the shards). Conflicts: the whole shard range: any concurrent add makes
  // this transaction's commit fail with not_committed (1020).
  [[nodiscard]] int64_t get(Transaction& tr) const;
  // The value without a read conflict (what a dashboard wants).
  [[nodiscard]] int64_t getSnapshot(Transaction& tr) const;
  // Makes the value exactly `value`: replaces every shard with one. Conflicts: reads the shards,
  // so a concurrent add or set makes one of them retry (never both applied blindly).
  void set(Transaction& tr, int64_t value) const;
  // Folds up to coalesceBatch blind shards, starting at a random one, into one new shard (none
  // when they sum to 0). Returns: the number of shards removed. Conflicts: each shard taken, so
  // two coalescers never both fold the same shard.
  int coalesce(Transaction& tr) const;
  // Clears idempotency markers older than `olderThan`, at most `limit` per call.
  // Returns: how many it cleared. Cost: one range read over the markers (snapshot).
  int pruneTokens(Transaction& tr, std::chrono::system_clock::time_point olderThan,
                  int limit = 10'000) const;

  // Database& conveniences: each runs the method above inside Database::run() (get() inside
  // Database::read()). add() in kBlindShards mode then runs coalesce() in its own transaction
  // with probability coalesceProbability.
  bool add(Database& db, int64_t delta, std::string_view idempotencyToken = {}) const;
  [[nodiscard]] int64_t get(Database& db) const;
  void set(Database& db, int64_t value) const;

 private:
  [[nodiscard]] int64_t sum(Transaction& tr, Snapshot snapshot) const;

  Subspace subspace_;
  CounterOptions options_;
};

}  // namespace strata::layers
