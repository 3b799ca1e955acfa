// WorkQueue: a job queue for production workers under a caller's Subspace, built on the ideas of
// queue.h (versionstamped pushes that never conflict, claims that conflict only on the claimed
// item, a watch instead of polling) and adding what SQS, Redis queues and Apple's QuiCK give:
//   - leased delivery with attempt numbers: lease() hides an item for a duration and returns it
//     with a token and its attempt number (1 for the first delivery); ack() removes it, nack()
//     gives it back (visible again after a delay), extend() keeps a long job's lease alive. An
//     expired lease makes the item deliverable again with its attempt count kept.
//   - fencing: a token is valid only for the lease that issued it. ack/nack/extend with a token
//     whose item was leased again by another consumer throws lease_lost (3010) and changes nothing.
//   - dead letters: with maxAttempts > 0 (create()), an item whose attempts are exhausted (a
//     counted nack of its last attempt, or the expiry of its last attempt's lease) moves to the
//     dead-letter area in the same transaction; listDead / requeueDead / purgeDead manage them.
//   - delayed delivery: push with a delay or a not-before time; lower priority numbers first, then
//     due time, then commit order.
//   - blocking lease/pop: sleeps on a watch of the signal key (written by every push, nack, release
//     and requeue) with a timer to the earliest delayed item or lease deadline; no polling.
//   - O(1) counts: queued (visible + delayed), in flight (leased) and dead are atomic-ADD counters.
// Delivery is at-least-once through lease + ack; nothing runs twice while its lease is live.
// pop() is the plain at-most-once take of queue.h, kept for callers that want it.
//
// Order: lease() first redelivers an expired lease (deadline passed), whatever its priority; then
// it takes, from the lowest priority number that has a due item, the due item with the earliest
// due time (commit order among equal due times). With contentionWindow W > 1 it picks at random
// among the first W candidates, so an item may be overtaken by up to W - 1 later ones.
//
// Clock assumption (as queue.h): due times and lease deadlines are wall-clock milliseconds since
// the Unix epoch computed by the client; clients' clocks must agree to well within the shortest
// lease or delay. An immediate push is due at the pusher's "now".
//
// Key layout (docs/FORMATS.md#work-queue, tuple-encoded under the subspace; id = (vs, seq): the
// push commit's versionstamp and the pushing transaction's approximate size at the push):
//   (0, priority, dueMs, vs, seq)  -> ""              a queued item (delayed while dueMs > now)
//   (1, deadlineMs, vs, seq)       -> ""              a leased item
//   (2, vs, seq)                   -> ""              a dead letter
//   (3, 0) / (3, 1) / (3, 2)       -> int64 LE        queued / in-flight / dead counts (ADD)
//   (4,)                           -> 10-byte stamp   signal key blocking leases watch
//   (5, pushId)                    -> int64 LE secs   idempotent-push marker
//   (6,)                           -> pack((maxAttempts,))  configuration written by create()
//   (7, vs, seq)                   -> record          34-byte header (state, attempts, priority,
//                                                     lease nonce, time) + the item's bytes
// A token is the printable "<24 hex of vs>.<seq>.<16 hex of nonce>"; a dead letter's id is
// "<24 hex of vs>.<seq>".
//
// Cost per call (W = contentionWindow, L = priority levels scanned):
//   push: no reads (1 with a pushId), 4 writes (record, index, ADD, signal; +1 marker). Never
//     conflicts: its versionstamped keys are written without write-conflict ranges (no reader
//     can have seen a key stamped after its read version).
//   lease / pop: a snapshot range read of up to W expired leases, then per priority level one
//     1-row read and at most one W-row read; one conflicting read of the claimed record (and of
//     the config key when a lease expired or maxAttempts matters); 3-5 writes.
//   ack: 1 read, 3 writes. nack: 2 reads (record, config), 4-5 writes. extend: 1 read, 3 writes.
//   size / inFlight / deadCount: one read. stats: 3 reads + O(L + delayed items).
//   listDead: O(limit) reads. requeueDead / purgeDead: O(limit) reads and writes.
//
// On commit_unknown_result (1021) (the Database& forms retry through Database::run unless said):
//   create: idempotent (sets the configuration again).
//   push: the Database& form commits with an automatic idempotency id (transaction.h), so its
//     retry after 1021 never pushes twice. The Transaction& form may land twice when its caller
//     retries without one; pass a pushId (kept across retries) and a retry that finds
//     its marker pushes nothing (markers stay until prunePushIds()).
//   lease: safe to retry: if the first attempt landed, its item is leased to a token nobody holds
//     and comes back when that lease expires, with that attempt counted.
//   pop: at-most-once; the item may be gone with nobody holding it. The Database& pop rethrows
//   1021. ack: idempotent: a retry that finds the item gone returns false. nack / release: a retry
//   that finds the item already given back under the same token returns
//     the same outcome and changes nothing; if the first attempt landed and another consumer has
//     since leased the item, the retry throws lease_lost (3010) although the nack happened.
//   extend: idempotent (extends again, from the retry's now).
//   requeueDead / purgeDead / clear: idempotent (act on what is still there).
//
// Limits: items up to 99,966 bytes (value_too_large 2103); pushIds up to ~9,900 bytes
// (key_too_large 2102); lease durations from 1 ms to one year; delays from 0 to one year.
//
// Thread safety: immutable after construction; share freely (randomness is thread-local).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

// Persisted per queue by WorkQueue::create().
struct WorkQueueConfig {
  // Deliveries an item may have before it becomes a dead letter; 0 = unlimited (never dead).
  int maxAttempts = 0;
  friend bool operator==(const WorkQueueConfig&, const WorkQueueConfig&) = default;
};

struct WorkQueueOptions {
  // How many head candidates a lease or pop chooses among at random; concurrent consumers then
  // conflict only when they pick the same item. 1 = strict order (concurrent consumers of the
  // same head conflict and retry). Must be >= 1.
  int contentionWindow = 16;
};

struct WorkPushOptions {
  // Lower numbers are delivered first. Any int64.
  int64_t priority = 0;
  // Hidden until now + delay. 0 to one year.
  std::chrono::milliseconds delay{0};
  // Hidden until this time (wall clock); overrides `delay` when set.
  std::optional<std::chrono::system_clock::time_point> notBefore;
  // When non-empty, the push is skipped if a push with this id already committed.
  std::string pushId;
};

// An item delivered by lease().
struct WorkLease {
  std::string item;
  // Pass to ack / nack / extend. Printable; stays the same across extend().
  std::string token;
  // 1 for the first delivery.
  int attempt = 0;
  int64_t priority = 0;
  // When the item becomes deliverable again unless acked, nacked or extended (wall clock).
  std::chrono::system_clock::time_point deadline;
};

struct DeadLetter {
  // Printable id, "<24 hex>.<seq>", stable while the item lives.
  std::string id;
  std::string item;
  int attempts = 0;
  int64_t priority = 0;
};

struct WorkQueueStats {
  int64_t visible = 0;   // queued and due now
  int64_t delayed = 0;   // queued, not yet due
  int64_t inFlight = 0;  // leased (expired leases included until redelivered)
  int64_t dead = 0;      // dead letters
};

// Whether a nack counts the delivery as an attempt.
enum class CountAttempt : bool { kNo, kYes };

enum class NackOutcome {
  kRequeued,      // queued again, due after the delay
  kDeadLettered,  // that was its last attempt: moved to the dead-letter area
};

class WorkQueue {
 public:
  // Throws: client_invalid_operation (2000) for contentionWindow < 1.
  explicit WorkQueue(Subspace subspace, WorkQueueOptions options = {});

  [[nodiscard]] const Subspace& subspace() const noexcept { return subspace_; }

  // Stores `config` (a queue that was never created behaves as maxAttempts 0).
  // Throws: client_invalid_operation (2000) for maxAttempts < 0. Conflicts: none.
  void create(Transaction& tr, const WorkQueueConfig& config) const;
  // Returns: the stored configuration (defaults when never created).
  [[nodiscard]] WorkQueueConfig config(Transaction& tr) const;

  // Queues `item` (see WorkPushOptions).
  // Returns: false when options.pushId was already used (nothing pushed), true otherwise.
  // Throws: value_too_large (2103) for an item over 99,966 bytes; client_invalid_operation (2000)
  //   for a delay outside [0, 1 year]; key_too_large (2102) for an oversized pushId.
  // Conflicts: none; with a pushId a read of its marker.
  bool push(Transaction& tr, std::string_view item, const WorkPushOptions& options = {}) const;

  // Leases the next deliverable item for `duration` (see Order above); moves an expired lease whose
  // attempts are exhausted to the dead letters on the way.
  // Returns: std::nullopt when no item is deliverable now.
  // Throws: client_invalid_operation (2000) for duration outside [1 ms, 1 year].
  // Conflicts: on the claimed item's keys only.
  [[nodiscard]] std::optional<WorkLease> lease(Transaction& tr,
                                               std::chrono::milliseconds duration) const;
  // Removes the leased item of `token`.
  // Returns: true if it removed it, false if the item is gone (already acked).
  // Throws: lease_lost (3010) when the item was leased again under another token, given back, or
  //   dead-lettered; invalid_input (3005) for a malformed token. Conflicts: the item's record.
  bool ack(Transaction& tr, std::string_view token) const;
  // Gives the leased item of `token` back, deliverable after `delay`. With CountAttempt::kYes a
  // nack of the item's last attempt (maxAttempts) dead-letters it instead; with kNo the delivery
  // does not count and the item is never dead-lettered by this call.
  // Returns: what happened (the same outcome again for a retry of a nack that landed).
  // Throws: lease_lost (3010) when the item is gone or leased under another token; invalid_input
  //   (3005); client_invalid_operation (2000) for a delay outside [0, 1 year].
  NackOutcome nack(Transaction& tr, std::string_view token, std::chrono::milliseconds delay = {},
                   CountAttempt count = CountAttempt::kYes) const;
  // nack(token, 0, CountAttempt::kNo): hands an unfinished item back at once.
  NackOutcome release(Transaction& tr, std::string_view token) const;
  // Moves the lease of `token` to end `duration` from now (the token stays valid).
  // Returns: the new deadline.
  // Throws: lease_lost (3010) when the item is gone or leased under another token; invalid_input
  //   (3005); client_invalid_operation (2000) for duration outside [1 ms, 1 year].
  std::chrono::system_clock::time_point extend(Transaction& tr, std::string_view token,
                                               std::chrono::milliseconds duration) const;

  // Removes and returns the next deliverable item, without a lease (at-most-once).
  // Returns: std::nullopt when none is deliverable.
  [[nodiscard]] std::optional<std::string> pop(Transaction& tr) const;
  // The item a strict-order lease would take now, without taking it.
  [[nodiscard]] std::optional<std::string> peek(Transaction& tr) const;
  // Listing the queued items from a position (what `strata queue peek --limit` does): walk
  // queuedRange() with a strata::Scan (strata/kv/scan.h) and pass each row to queuedItem(). Rows
  // come in key order: priority, then due time, then commit order, i.e. the order lease() takes
  // them once due (delayed items included; leased items and dead letters are not in the range).
  // The Scan's continuation token is the opaque position: each batch is a consistent snapshot,
  // the whole listing is not (an item leased meanwhile is missed or, if given back, may show
  // twice).
  // Returns: the subspace range of the queued-items index (keys (0, ...)).
  [[nodiscard]] KeyRange queuedRange() const;
  // The item of a row of queuedRange(), read at snapshot (no conflicts).
  // Returns: std::nullopt when the item was taken since the row was read.
  // Throws: invalid_input (3005) for a key outside queuedRange(). Cost: one read.
  [[nodiscard]] std::optional<std::string> queuedItem(Transaction& tr,
                                                      std::string_view indexKey) const;

  // Queued items (visible + delayed). Cost: one read. Conflicts: unless snapshot, with every
  //   push, lease and nack (use Snapshot::kYes for a dashboard).
  [[nodiscard]] int64_t size(Transaction& tr, Snapshot snapshot = Snapshot::kNo) const;
  // Leased items. Cost: one read.
  [[nodiscard]] int64_t inFlight(Transaction& tr, Snapshot snapshot = Snapshot::kNo) const;
  // Dead letters. Cost: one read.
  [[nodiscard]] int64_t deadCount(Transaction& tr, Snapshot snapshot = Snapshot::kNo) const;
  // All four counts, read at snapshot. Cost: 3 reads plus a scan of the delayed items.
  [[nodiscard]] WorkQueueStats stats(Transaction& tr) const;

  // Up to `limit` dead letters, oldest push first. Throws: range_limits_invalid (2012) for < 0.
  [[nodiscard]] std::vector<DeadLetter> listDead(Transaction& tr, int limit = 1'000) const;
  // Queues up to `limit` dead letters again, due now, with attempts reset to 0.
  // Returns: how many. Throws: as listDead.
  int requeueDead(Transaction& tr, int limit = 1'000) const;
  // Deletes up to `limit` dead letters. Returns: how many. Throws: as listDead.
  int purgeDead(Transaction& tr, int limit = 1'000) const;
  // Removes every item, lease and dead letter (markers and configuration stay).
  void clear(Transaction& tr) const;
  // Clears pushId markers older than `olderThan`, at most `limit`. Returns: how many.
  int prunePushIds(Transaction& tr, std::chrono::system_clock::time_point olderThan,
                   int limit = 10'000) const;

  // Database& forms: each runs the method above inside Database::run() (reads inside
  // Database::read()), except pop(), which rethrows 1021 instead of retrying.
  void create(Database& db, const WorkQueueConfig& config) const;
  bool push(Database& db, std::string_view item, const WorkPushOptions& options = {}) const;
  // Blocking lease: when nothing is deliverable, waits up to `wait` on a watch of the signal key
  // with a timer to the earliest delayed item or lease deadline, then tries again.
  // Returns: std::nullopt if nothing came within `wait` (0 = don't wait).
  // Throws: client_invalid_operation (2000) for a negative wait, and as lease().
  [[nodiscard]] std::optional<WorkLease> lease(Database& db, std::chrono::milliseconds duration,
                                               std::chrono::milliseconds wait = {}) const;
  bool ack(Database& db, std::string_view token) const;
  NackOutcome nack(Database& db, std::string_view token, std::chrono::milliseconds delay = {},
                   CountAttempt count = CountAttempt::kYes) const;
  NackOutcome release(Database& db, std::string_view token) const;
  std::chrono::system_clock::time_point extend(Database& db, std::string_view token,
                                               std::chrono::milliseconds duration) const;
  // Blocking pop, as the blocking lease. Throws: 1021 as pop().
  [[nodiscard]] std::optional<std::string> pop(Database& db,
                                               std::chrono::milliseconds wait = {}) const;
  [[nodiscard]] WorkQueueStats stats(Database& db) const;

 private:
  struct Claim;
  // window 0 = peek (no writes); nextDueMs (may be null) receives the next due time on a miss.
  [[nodiscard]] std::optional<Claim> claim(Transaction& tr, int64_t now, int window,
                                           int64_t* nextDueMs) const;
  [[nodiscard]] std::optional<WorkLease> leaseOrNextDue(Transaction& tr,
                                                        std::chrono::milliseconds duration,
                                                        int64_t* nextDueMs) const;
  [[nodiscard]] std::optional<std::string> popOrNextDue(Transaction& tr, int64_t* nextDueMs) const;
  template <class Result, class Attempt>
  std::optional<Result> blocking(Database& db, std::chrono::milliseconds wait, bool retryUnknown,
                                 Attempt attempt) const;

  Subspace subspace_;
  WorkQueueOptions options_;
};

// A consumer that remembers the tokens it holds, so that it can give them all back when it shuts
// down (releaseAll). Thread-safe: several worker threads may share one.
class WorkConsumer {
 public:
  // Lifetime: `db` must outlive the consumer.
  WorkConsumer(Database& db, WorkQueue queue) : db_(db), queue_(std::move(queue)) {}

  // As WorkQueue::lease(db, ...), remembering the token.
  [[nodiscard]] std::optional<WorkLease> lease(std::chrono::milliseconds duration,
                                               std::chrono::milliseconds wait = {});
  // As WorkQueue's; each forgets the token (also when it throws lease_lost).
  bool ack(std::string_view token);
  NackOutcome nack(std::string_view token, std::chrono::milliseconds delay = {},
                   CountAttempt count = CountAttempt::kYes);
  std::chrono::system_clock::time_point extend(std::string_view token,
                                               std::chrono::milliseconds duration);
  // Releases every held lease (WorkQueue::release; leases already lost are skipped).
  // Returns: how many items it gave back.
  int releaseAll();
  // Tokens held now.
  [[nodiscard]] size_t held() const;

 private:
  void forget(std::string_view token);

  Database& db_;
  WorkQueue queue_;
  mutable std::mutex mu_;
  std::set<std::string, std::less<>> tokens_;  // guarded by mu_
};

}  // namespace strata::layers
