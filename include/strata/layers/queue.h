// Queue: a FIFO of byte items under a caller's Subspace, ordered by commit. Pushers never read
// and never conflict (the item key carries the commit's versionstamp). Poppers take items from the
// head in one of two modes (QueueOptions::mode):
//   kSingleClient    pop takes exactly the first item with a conflicting read of it: strict FIFO,
//                    but every concurrent pop conflicts with every other (one winner per round).
//   kHighContention  (default) pop snapshot-reads the first `contentionWindow` items, claims one at
//                    random and adds a read conflict only on the key it claims; concurrent
//                    consumers conflict only when they pick the same item, so N consumers make
//                    progress together. Order is FIFO up to the window: an item is delivered no
//                    later than `contentionWindow - 1` items pushed after it. Chosen over the
//                    original's request/fulfil scheme because that scheme strands items in
//                    result keys when a requester dies and needs polling; this one has neither.
// Leases (at-least-once delivery): popWithLease() hides an item for a visibility timeout and
// returns a token; ack(token) deletes it. An item whose lease expires unacknowledged comes back
// and is delivered (before queued items) by the next pop, so a consumer that dies loses nothing.
// A blocking pop (the Database& overloads with `wait`) sleeps on a watch of the push signal key,
// waking when a push commits or the earliest lease expires; it never polls.
//
// Clock assumption: lease deadlines are wall-clock (std::chrono::system_clock) milliseconds since
// the Unix epoch, computed by the leasing client and stored in the database; any client whose clock
// has passed a deadline may take the item back. Clients' clocks must agree to well within the
// visibility timeout: a clock running ahead redelivers early (a duplicate while the first holder
// still works), one running behind redelivers late.
//
// Key layout (docs/FORMATS.md#queue, tuple-encoded under the subspace; vs = the push commit's
// 10-byte versionstamp with user version 0, seq = the pushing transaction's approximate size at
// the push, strictly increasing within one transaction so several pushes in one keep their order):
//   (0, vs, seq)               -> item                   a queued item
//   (1,)                       -> int64 LE               unacknowledged items (queued + leased),
//                                                        atomic ADD
//   (2,)                       -> 10-byte stamp          the last push's versionstamp: the key
//                                                        blocking pops watch
//   (3, deadlineMs, vs, seq)   -> 8-byte nonce + item    a leased item, hidden until deadlineMs
//   (4, pushId)                -> int64 LE unix seconds  idempotent-push marker
// A lease token is the packed tuple (deadlineMs, vs, seq, nonce): opaque to callers.
//
// Cost per call (W = contentionWindow; 1 in kSingleClient mode):
//   push: no reads, 3 writes (versionstamped key, ADD, signal); with a pushId +1 read, +1 write.
//   pop / popWithLease: 2 range reads of up to W rows (expired leases, then items); kSingleClient
//     conflicts on the ranges it read up to the first row, kHighContention only on the claimed
//     key; 2 writes (clear + ADD, or clear + new lease).
//   peek: the same reads as a kSingleClient pop, no writes. size / empty: one read of (1,).
//   ack: one read of the lease key, 2 writes. clear: one range clear, one clear.
//
// On commit_unknown_result (1021):
//   push: the Database& form commits with an automatic idempotency id (transaction.h), so its
//     retry after 1021 never pushes twice. The Transaction& form may land twice when its caller
//     retries without one: pass a pushId (unique per logical push, kept by the caller
//     across retries): the marker (4, pushId) is written with the item and a retry that finds it
//     pushes nothing. Markers stay until prunePushIds() removes them.
//   pop: the item may have been removed with nobody holding it (at-most-once). The Database& pop
//     rethrows 1021 instead of retrying, so the caller knows; where every item must be processed,
//     use popWithLease + ack.
//   popWithLease: safe to retry: if the first attempt landed, its item is leased to a token nobody
//     holds and comes back when the lease expires (delayed, never lost). The Database& form
//     retries.
//   ack: idempotent (a second ack finds no lease and returns false). clear: idempotent.
//
// Limits: items up to 99,992 bytes (value_too_large 2103: the value limit minus the lease nonce);
// pushIds up to ~9,900 bytes (key_too_large 2102); visibility timeouts from 1 ms to one year.
//
// Thread safety: immutable after construction; share freely (randomness is thread-local).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

enum class PopMode {
  kSingleClient,
  kHighContention,
};

struct QueueOptions {
  PopMode mode = PopMode::kHighContention;
  // kHighContention: how many head items a pop chooses among. Larger spreads more consumers with
  // fewer conflicts but loosens FIFO order. Must be >= 1.
  int contentionWindow = 16;
};

// An item held under a lease by popWithLease().
struct Lease {
  std::string item;
  // Pass to ack(). Opaque bytes.
  std::string token;
  // When the item comes back unless acknowledged (wall clock; see the clock assumption above).
  std::chrono::system_clock::time_point deadline;
};

class Queue {
 public:
  // Throws: client_invalid_operation (2000) for contentionWindow < 1.
  explicit Queue(Subspace subspace, QueueOptions options = {});

  [[nodiscard]] const Subspace& subspace() const noexcept { return subspace_; }
  [[nodiscard]] const QueueOptions& options() const noexcept { return options_; }

  // Appends `item`; its place is its transaction's commit order.
  // Throws: value_too_large (2103) for an item over 99,992 bytes.
  // Conflicts: none (write-only).
  void push(Transaction& tr, std::string_view item) const;
  // push() that does nothing when a push with the same non-empty `pushId` already committed.
  // Returns: true if it pushed, false if `pushId` was already used.
  // Throws: client_invalid_operation (2000) for an empty pushId, key_too_large (2102), and as
  //   push(). Conflicts: a read of the marker (4, pushId) only.
  bool push(Transaction& tr, std::string_view item, std::string_view pushId) const;

  // Removes and returns the head item (an expired lease's item first; see the modes above).
  // Returns: std::nullopt when no item is available.
  // Conflicts: as described in the class comment for the mode.
  [[nodiscard]] std::optional<std::string> pop(Transaction& tr) const;
  // Hides the head item until now + `visibility` and returns it with a token for ack().
  // Returns: std::nullopt when no item is available.
  // Throws: client_invalid_operation (2000) for visibility outside [1 ms, 1 year].
  [[nodiscard]] std::optional<Lease> popWithLease(Transaction& tr,
                                                  std::chrono::milliseconds visibility) const;
  // Deletes the leased item of `token`.
  // Returns: true if the lease was still held (not yet taken back by another pop after expiry),
  //   false if there was nothing to delete (already acked, or redelivered after expiry).
  // Throws: invalid_input (3005) for a token popWithLease did not make.
  // Conflicts: a read of the lease key.
  bool ack(Transaction& tr, std::string_view token) const;

  // The item pop() would return now, without removing it.
  // Conflicts: reads (conflicting) up to the head item.
  [[nodiscard]] std::optional<std::string> peek(Transaction& tr) const;
  // Unacknowledged items: queued plus leased. Conflicts: a read of the count key, which every
  //   push, pop and ack writes (use Snapshot::kYes for a dashboard).
  [[nodiscard]] int64_t size(Transaction& tr, Snapshot snapshot = Snapshot::kNo) const;
  // True when size() is 0.
  [[nodiscard]] bool empty(Transaction& tr, Snapshot snapshot = Snapshot::kNo) const;
  // Removes every item and lease (pushId markers stay, so retried pushes still dedupe).
  void clear(Transaction& tr) const;
  // Clears pushId markers older than `olderThan`, at most `limit`.
  // Returns: how many it cleared. Cost: one snapshot range read over the markers.
  int prunePushIds(Transaction& tr, std::chrono::system_clock::time_point olderThan,
                   int limit = 10'000) const;

  // Database& conveniences: each runs the method above inside Database::run() (peek, size and
  // empty inside Database::read()), except pop(), which retries 1020 and 1007 but rethrows 1021.
  void push(Database& db, std::string_view item) const;
  bool push(Database& db, std::string_view item, std::string_view pushId) const;
  // Blocking pop: when the queue is empty, waits up to `wait` on a watch of the push signal key
  // (woken by a commit that pushes, or by the earliest lease expiring), then tries again.
  // Returns: std::nullopt if no item came within `wait` (0 = don't wait).
  // Throws: client_invalid_operation (2000) for a negative wait; 1021 as pop().
  [[nodiscard]] std::optional<std::string> pop(Database& db,
                                               std::chrono::milliseconds wait = {}) const;
  [[nodiscard]] std::optional<Lease> popWithLease(Database& db,
                                                  std::chrono::milliseconds visibility,
                                                  std::chrono::milliseconds wait = {}) const;
  bool ack(Database& db, std::string_view token) const;
  [[nodiscard]] std::optional<std::string> peek(Database& db) const;
  [[nodiscard]] int64_t size(Database& db) const;
  [[nodiscard]] bool empty(Database& db) const;
  void clear(Database& db) const;

 private:
  struct Claim;
  [[nodiscard]] std::optional<Claim> claimHead(Transaction& tr, Snapshot snapshot,
                                               int window) const;
  template <class Result, class Attempt>
  std::optional<Result> blockingPop(Database& db, std::chrono::milliseconds wait, bool retryUnknown,
                                    Attempt attempt) const;

  Subspace subspace_;
  QueueOptions options_;
};

}  // namespace strata::layers
