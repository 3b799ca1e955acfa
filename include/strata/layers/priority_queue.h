// PriorityQueue: byte items under a caller's Subspace, each with an int64 priority; pop takes the
// lowest (PriorityEnd::kMin) or highest (kMax) priority, and within one priority the item whose
// push committed first (FIFO at both ends, unlike the original, which was LIFO for max).
// Pushers never read and never conflict (versionstamped keys). Pop modes as in queue.h:
// kSingleClient takes exactly the first item of the chosen priority with conflicting reads;
// kHighContention (default) snapshot-reads the first `contentionWindow` items of that priority,
// claims one at random and conflicts only on the claimed key (FIFO up to the window).
// remove(item) deletes every queued copy of an item through a membership index.
//
// Key layout (docs/FORMATS.md#priority-queue, tuple-encoded under the subspace; vs = the push
// commit's versionstamp, seq = the pushing transaction's approximate size at the push):
//   (0, priority, vs, seq)        -> item                   a queued item
//   (1, item, priority, vs, seq)  -> ""                     membership, for remove(item)
//   (2,)                          -> int64 LE               queued items, atomic ADD
//   (3,)                          -> 10-byte stamp          the last push's versionstamp
//   (4, pushId)                   -> int64 LE unix seconds  idempotent-push marker
// The item is stored as bytes in the membership key (tuple-encoded byte string).
//
// Cost per call (W = contentionWindow; 1 in kSingleClient mode):
//   push: no reads, 4 writes (item, membership, ADD, signal); with a pushId +1 read, +1 write.
//   pop kMin: one range read of up to W rows. pop kMax: one key read (the last item) plus one range
//     read of up to W rows. Then 3 writes (2 clears, ADD). Conflicts: kSingleClient on what it
//     read; kHighContention on the claimed key only.
//   peek: as a kSingleClient pop, without writes. remove: one range read of the item's
//     memberships, 2 clears per copy, one ADD. size / empty: one read. clear: one range clear.
//
// On commit_unknown_result (1021): push may land twice when retried; pass a pushId (kept by the
// caller across retries) and a retry that finds its marker pushes nothing (markers stay until
// prunePushIds()). pop may have removed an item nobody holds: the Database& pop rethrows 1021
// instead of retrying. remove and clear are idempotent (a retry finds nothing more to remove).
//
// Limits: items up to ~9,900 bytes (the membership key holds the item; key_too_large 2102);
// priorities are any int64.
//
// Thread safety: immutable after construction; share freely (randomness is thread-local).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "strata/kv.h"
#include "strata/layers/queue.h"
#include "strata/subspace.h"

namespace strata::layers {

enum class PriorityEnd {
  kMin,
  kMax,
};

struct PriorityQueueOptions {
  PopMode mode = PopMode::kHighContention;
  // kHighContention: how many items of the chosen priority a pop chooses among. Must be >= 1.
  int contentionWindow = 16;
};

struct PriorityItem {
  std::string item;
  int64_t priority = 0;
  friend bool operator==(const PriorityItem&, const PriorityItem&) = default;
};

class PriorityQueue {
 public:
  // Throws: client_invalid_operation (2000) for contentionWindow < 1.
  explicit PriorityQueue(Subspace subspace, PriorityQueueOptions options = {});

  [[nodiscard]] const Subspace& subspace() const noexcept { return subspace_; }

  // Queues `item` at `priority`, after every item of that priority already committed.
  // Throws: key_too_large (2102) for an item over ~9,900 bytes. Conflicts: none.
  void push(Transaction& tr, std::string_view item, int64_t priority) const;
  // push() that does nothing when a push with the same non-empty `pushId` already committed.
  // Returns: true if it pushed. Throws: client_invalid_operation (2000) for an empty pushId, and
  //   as push(). Conflicts: a read of the marker (4, pushId).
  bool push(Transaction& tr, std::string_view item, int64_t priority,
            std::string_view pushId) const;
  // Removes and returns the first item at the `end` priority.
  // Returns: std::nullopt when empty.
  [[nodiscard]] std::optional<PriorityItem> pop(Transaction& tr,
                                                PriorityEnd end = PriorityEnd::kMin) const;
  // The item pop(end) in kSingleClient mode would return, without removing it.
  [[nodiscard]] std::optional<PriorityItem> peek(Transaction& tr,
                                                 PriorityEnd end = PriorityEnd::kMin) const;
  // Removes every queued copy of `item`, at any priority.
  // Returns: how many copies it removed. Conflicts: reads the item's membership range.
  int64_t remove(Transaction& tr, std::string_view item) const;
  // Queued items. Conflicts: a read of the count key (every push and pop writes it).
  [[nodiscard]] int64_t size(Transaction& tr, Snapshot snapshot = Snapshot::kNo) const;
  [[nodiscard]] bool empty(Transaction& tr, Snapshot snapshot = Snapshot::kNo) const;
  // Removes every item (pushId markers stay).
  void clear(Transaction& tr) const;
  // Clears pushId markers older than `olderThan`, at most `limit`. Returns: how many.
  int prunePushIds(Transaction& tr, std::chrono::system_clock::time_point olderThan,
                   int limit = 10'000) const;

  // Database& conveniences: each runs the method above inside Database::run() (peek, size, empty
  // inside Database::read()), except pop(), which retries 1020 and 1007 but rethrows 1021.
  void push(Database& db, std::string_view item, int64_t priority) const;
  bool push(Database& db, std::string_view item, int64_t priority, std::string_view pushId) const;
  [[nodiscard]] std::optional<PriorityItem> pop(Database& db,
                                                PriorityEnd end = PriorityEnd::kMin) const;
  [[nodiscard]] std::optional<PriorityItem> peek(Database& db,
                                                 PriorityEnd end = PriorityEnd::kMin) const;
  int64_t remove(Database& db, std::string_view item) const;
  [[nodiscard]] int64_t size(Database& db) const;
  void clear(Database& db) const;

 private:
  [[nodiscard]] std::optional<KeyValue> head(Transaction& tr, PriorityEnd end, Snapshot snapshot,
                                             int window) const;

  Subspace subspace_;
  PriorityQueueOptions options_;
};

}  // namespace strata::layers
