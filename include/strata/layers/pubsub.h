// PubSub: feeds, inboxes and subscriptions under a caller's Subspace, a durable log in the
// manner of the original layer (original-layers.md section 11) with its defects fixed. A post
// appends a message to a feed; an inbox subscribes to feeds and reads, in commit order, every
// message its feeds received since its previous read. Each (inbox, feed) subscription keeps its
// own cursor, so no message is skipped because another feed moved a shared watermark, and a
// subscriber that restarts resumes where its last committed read stopped.
//
//   layers::PubSub ps(Subspace(Tuple{"app", "pubsub"}));
//   ps.createFeed(db, "news");  ps.createInbox(db, "alice");
//   ps.subscribe(db, "alice", "news");
//   ps.post(db, "news", "hello");
//   for (const auto& m : ps.read(db, "alice")) use(m.feed, m.body);   // "news", "hello"
//   ps.wait(db, "alice", std::chrono::seconds(30));   // true once a subscribed feed has more
//
// Key layout (docs/FORMATS.md#pubsub, tuple-encoded under the subspace):
//   ("F", feed)                  -> ""            the feed exists
//   ("L", feed)                  -> 10-byte stamp last post's commit stamp (versionstamped
//                                                 value): the key wait() watches
//   ("M", feed, <vs>, seq)       -> message       one message; <vs> a Versionstamp filled in at
//                                                 commit, seq an int64 unique per process, so
//                                                 key order within a feed is commit order
//   ("K", feed, token)           -> id            idempotency marker of a post with a token
//   ("I", inbox)                 -> int64 LE      the inbox exists; atomic ADD 1 by every
//                                                 (un)subscribe, so a waiting inbox re-arms
//   ("S", inbox, feed)           -> cursor        subscription: the packed id of the last message
//                                                 delivered, "" for "from the feed's start"
//   ("W", feed, inbox)           -> ""            reverse index: the feed's subscribers
// A message id is the packed tuple (<vs>, seq): bytewise order is commit order across every feed
// of the subspace. A message value is 1 format byte (1), the 8-byte big-endian unix time of the
// post in ms, a 2-byte big-endian token length, the token, then the body.
// Differences from the original: no SimpleDoc, no global keys; versionstamped ids instead of
// prepend's random ids (which collided and were not in commit order); one cursor per
// subscription instead of one watermark per inbox (which lost messages); unsubscribe,
// retention, wait on a watch instead of polling.
//
// Cost (S = subscriptions of the inbox, n = messages returned):
//   createFeed/createInbox: 1 read, 1 write.   subscribe/unsubscribe: 3 reads, 3 writes.
//   post: 1 read of ("F", feed) (conflicts only with deleting the feed), 2 writes (versionstamped
//     key and value), no other read conflict: posters never conflict with each other or with
//     readers. With a token: +1 read of its marker, +1 write.
//   read: 1 range read of the subscriptions (conflicting: concurrent reads of one inbox
//     serialize, so each message is delivered to an inbox once), S snapshot range reads of at
//     most `limit` messages, up to S cursor writes.
//   pending, history: like read without the writes, no conflicts beyond the subscriptions.
//   wait: one read-only transaction per arming: S + 1 watches (too_many_watches 1032 past the
//     database's maxWatches), no polling.
//   trimToCount / trimBefore: reads of the retained boundary and of the removed messages, one
//     clear per removed message (and its marker), at most `batch` removals per transaction.
//
// On commit_unknown_result (1021):
//   createFeed/createInbox/subscribe/unsubscribe/trim*: idempotent, retry freely (subscribe
//     keeps an existing cursor).
//   post: a retry may post twice (not the Database& post()'s own retry loop, which runs with an
//     idempotency id and posts once). Pass a token (unique per logical post, kept by the caller
//     across retries): the marker ("K", feed, token) is written with the message and a retry that
//     finds it posts nothing and returns the first post's id. Markers go when trimming removes
//     their message, so a retry later than the feed's retention may post again.
//   read: moves the cursors; if its commit is unknown, the batch may already be consumed. A
//     caller that must not lose a message uses pending() to look, handles the messages, then
//     ack() — ack only ever moves a cursor forward, so it is idempotent.
//
// Limits: names are non-empty strings (invalid_input 3005) short enough for 10,000-byte keys;
// token + body up to 99,989 bytes (value_too_large 2103). A feed or inbox that does not exist
// makes the call throw client_invalid_operation (2000) with the name in the detail. Retention
// can remove messages an inbox has not read: read() returns what remains. Age uses the posting
// client's clock. Don't post and read one feed in the same transaction (its new keys are
// unreadable until commit).
//
// Thread safety: immutable after construction; share freely (wait() may be called from many
// threads at once).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

// One message, as read from a feed or an inbox.
struct Message {
  std::string feed;
  // Opaque and ordered: bytewise order is commit order. formatMessageId() prints it.
  std::string id;
  // Posting client's clock, unix milliseconds.
  int64_t postedAtMs = 0;
  std::string body;
};

enum class Order : bool { kOldestFirst, kNewestFirst };

// Where a new subscription's cursor starts.
enum class StartAt : bool {
  kEarliest,  // every retained message of the feed (the original's intent)
  kNow,       // only messages committed after the subscribe
};

// What the Transaction& post() leaves to do after commit.
struct PostReceipt {
  // Set when a token's earlier post was found: nothing was posted, this is that post's id.
  std::optional<std::string> existingId;
  // With the commit's stamp, the new message's id: messageId(tr.getVersionstamp().get(), seq).
  int64_t seq = 0;
};

class PubSub {
 public:
  explicit PubSub(Subspace subspace) : subspace_(std::move(subspace)) {}

  [[nodiscard]] const Subspace& subspace() const noexcept { return subspace_; }

  // Creates feed (inbox) `name`. Returns: false when it already existed (nothing written).
  // Throws: invalid_input (3005) for an empty name.
  bool createFeed(Transaction& tr, std::string_view name) const;
  bool createFeed(Database& db, std::string_view name) const;  // in Database::run()
  bool createInbox(Transaction& tr, std::string_view name) const;
  bool createInbox(Database& db, std::string_view name) const;  // in Database::run()
  [[nodiscard]] bool feedExists(Transaction& tr, std::string_view name) const;
  [[nodiscard]] bool inboxExists(Transaction& tr, std::string_view name) const;
  // Every feed (inbox) name, in name order.
  [[nodiscard]] std::vector<std::string> listFeeds(Transaction& tr) const;
  [[nodiscard]] std::vector<std::string> listInboxes(Transaction& tr) const;

  // Subscribes `inbox` to `feed`, its cursor placed by `start`.
  // Returns: false when already subscribed (its cursor is kept).
  // Throws: client_invalid_operation (2000) when the inbox or feed does not exist.
  bool subscribe(Transaction& tr, std::string_view inbox, std::string_view feed,
                 StartAt start = StartAt::kEarliest) const;
  bool subscribe(Database& db, std::string_view inbox, std::string_view feed,
                 StartAt start = StartAt::kEarliest) const;  // in Database::run()
  // Ends the subscription and forgets its cursor. Returns: false when there was none.
  // Throws: client_invalid_operation (2000) when the inbox does not exist.
  bool unsubscribe(Transaction& tr, std::string_view inbox, std::string_view feed) const;
  bool unsubscribe(Database& db, std::string_view inbox,
                   std::string_view feed) const;  // in Database::run()
  // The feeds `inbox` subscribes to, in name order. Throws: as unsubscribe.
  [[nodiscard]] std::vector<std::string> subscriptions(Transaction& tr,
                                                       std::string_view inbox) const;
  // The inboxes subscribed to `feed`, in name order.
  [[nodiscard]] std::vector<std::string> subscribers(Transaction& tr, std::string_view feed) const;

  // Appends `body` to `feed`. With a non-empty `token`, a post whose token this feed already
  // holds posts nothing (see the top).
  // Returns: see PostReceipt. Throws: client_invalid_operation (2000) when the feed does not
  //   exist; value_too_large (2103) past the limit.
  // Conflicts: see the top (none between posters).
  // Requires: commit() for the post to land; the new id is known only after it (PostReceipt).
  [[nodiscard]] PostReceipt post(Transaction& tr, std::string_view feed, std::string_view body,
                                 std::string_view token = {}) const;
  // In a retry loop like Database::run(). Returns: the message id (the earlier one for a token
  // already used).
  std::string post(Database& db, std::string_view feed, std::string_view body,
                   std::string_view token = {}) const;

  // Returns every message of `inbox`'s subscriptions past their cursors, oldest first, at most
  // `limit` (0: no limit), and moves each cursor past what it returns.
  // Throws: client_invalid_operation (2000) when the inbox does not exist; range_limits_invalid
  //   (2012) for a negative limit.
  [[nodiscard]] std::vector<Message> read(Transaction& tr, std::string_view inbox,
                                          int limit = 0) const;
  // In Database::run(); see the top for 1021.
  [[nodiscard]] std::vector<Message> read(Database& db, std::string_view inbox,
                                          int limit = 0) const;
  // Like read() without moving any cursor, in either order (kNewestFirst: the newest `limit`).
  [[nodiscard]] std::vector<Message> pending(Transaction& tr, std::string_view inbox, int limit = 0,
                                             Order order = Order::kOldestFirst) const;
  // Moves the cursors of `inbox` past `messages` (each to the greatest id given for its feed,
  // never backwards). Messages of feeds it no longer subscribes to are ignored.
  // Throws: as read().
  void ack(Transaction& tr, std::string_view inbox, const std::vector<Message>& messages) const;
  void ack(Database& db, std::string_view inbox,
           const std::vector<Message>& messages) const;  // in Database::run()

  // The feed's retained messages in `order`, at most `limit` (0: no limit).
  // Throws: client_invalid_operation (2000) when the feed does not exist; 2012 for limit < 0.
  [[nodiscard]] std::vector<Message> history(Transaction& tr, std::string_view feed, int limit = 0,
                                             Order order = Order::kNewestFirst) const;
  // In Database::read().
  [[nodiscard]] std::vector<Message> history(Database& db, std::string_view feed, int limit = 0,
                                             Order order = Order::kNewestFirst) const;
  // For a history longer than one transaction (strata pubsub history --continue): the key range
  // holding the feed's messages (oldest first; walk it with a kv/scan.h Scan, reverse for newest
  // first), and the message one of its rows holds. Cost: none (no reads).
  // Throws: invalid_input (3005) for a row outside historyRange(feed) or not a message.
  [[nodiscard]] KeyRange historyRange(std::string_view feed) const;
  [[nodiscard]] Message historyMessage(std::string_view feed, const KeyValue& row) const;

  // Retention: removes the feed's oldest messages so that at most `keep` remain (trimToCount),
  // or those posted before `cutoffMs` (unix ms; trimBefore stops at the first newer message),
  // at most `batch` per call. Returns: how many were removed.
  // Throws: client_invalid_operation (2000) when the feed does not exist, or for keep < 0 or
  //   batch < 1.
  int64_t trimToCount(Transaction& tr, std::string_view feed, int64_t keep, int batch = 1000) const;
  int64_t trimBefore(Transaction& tr, std::string_view feed, int64_t cutoffMs,
                     int batch = 1000) const;
  // Each runs batches in their own transactions until nothing more goes; returns the total.
  int64_t trimToCount(Database& db, std::string_view feed, int64_t keep) const;
  int64_t trimBefore(Database& db, std::string_view feed, int64_t cutoffMs) const;

  // Blocks until `inbox` has a message to read or `timeout` passes. Watches the "last post" key
  // of every subscribed feed and the inbox key (so a new subscription re-arms), checking for
  // unread messages first and again after each wake: no polling.
  // Returns: true when a message is there to read (another reader may still take it first),
  //   false on timeout.
  // Throws: client_invalid_operation (2000) when the inbox does not exist; too_many_watches
  //   (1032).
  [[nodiscard]] bool wait(Database& db, std::string_view inbox,
                          std::chrono::milliseconds timeout) const;

  // The id of the message a Transaction& post() made once its commit gave `stamp`.
  [[nodiscard]] static std::string messageId(const CommitStamp& stamp, int64_t seq);
  // "<20 hex digits of the stamp>-<seq>", e.g. "00000000000003e80000-7".
  [[nodiscard]] static std::string formatMessageId(std::string_view id);

 private:
  void requireFeed(Transaction& tr, std::string_view feed) const;
  void requireInbox(Transaction& tr, std::string_view inbox) const;
  void touchInbox(Transaction& tr, std::string_view inbox) const;
  // (feed, cursor) of each subscription, read with conflicts.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> cursors(
      Transaction& tr, std::string_view inbox) const;
  [[nodiscard]] std::vector<Message> collect(Transaction& tr, std::string_view inbox, int limit,
                                             Order order) const;
  [[nodiscard]] std::vector<Message> scanFeed(Transaction& tr, std::string_view feed,
                                              std::string_view after, int limit, Order order,
                                              Snapshot snapshot) const;
  int64_t trim(Transaction& tr, std::string_view feed, int64_t keep, int64_t cutoffMs,
               int batch) const;

  Subspace subspace_;
};

}  // namespace strata::layers
