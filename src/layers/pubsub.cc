// PubSub layer: see include/strata/layers/pubsub.h and docs/FORMATS.md#pubsub.
#include "strata/layers/pubsub.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "layers/layer_codec.h"

namespace strata::layers {
namespace {

constexpr char kFormatVersion = 1;
constexpr size_t kHeaderBytes = 1 + 8 + 2;
constexpr size_t kMaxValueBytes = 100'000;

std::atomic<int64_t> nextSeq{1};

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void checkName(std::string_view what, std::string_view name) {
  if (name.empty()) throwError(ErrorCode::invalid_input, std::string(what) + " name is empty");
}

void checkLimit(int limit) {
  if (limit < 0) throwError(ErrorCode::range_limits_invalid, "negative limit");
}

std::string encodeMessage(int64_t postedAtMs, std::string_view token, std::string_view body) {
  std::string v;
  v.reserve(kHeaderBytes + token.size() + body.size());
  v.push_back(kFormatVersion);
  auto t = static_cast<uint64_t>(postedAtMs);
  for (int i = 7; i >= 0; --i) v.push_back(static_cast<char>((t >> (8 * i)) & 0xff));
  v.push_back(static_cast<char>((token.size() >> 8) & 0xff));
  v.push_back(static_cast<char>(token.size() & 0xff));
  v.append(token);
  v.append(body);
  return v;
}

struct DecodedValue {
  int64_t postedAtMs = 0;
  std::string token;
  std::string body;
};

DecodedValue decodeMessage(std::string_view v) {
  if (v.size() < kHeaderBytes || v[0] != kFormatVersion) {
    throwError(ErrorCode::invalid_input, "pubsub message value has an unknown format");
  }
  uint64_t t = 0;
  for (int i = 1; i <= 8; ++i) t = (t << 8) | static_cast<uint8_t>(v[i]);
  size_t tokenLen = (size_t{static_cast<uint8_t>(v[9])} << 8) | static_cast<uint8_t>(v[10]);
  if (v.size() < kHeaderBytes + tokenLen) {
    throwError(ErrorCode::invalid_input, "pubsub message value is truncated");
  }
  DecodedValue d;
  d.postedAtMs = static_cast<int64_t>(t);
  d.token = std::string(v.substr(kHeaderBytes, tokenLen));
  d.body = std::string(v.substr(kHeaderBytes + tokenLen));
  return d;
}

using codec::int64Le;

// SET_VERSIONSTAMPED_VALUE operand: a 10-byte placeholder the commit stamp replaces.
std::string stampPlaceholder() {
  std::string s(10, '\0');
  s.append(std::string(4, '\0'));  // offset 0, little-endian
  return s;
}

}  // namespace

// ---- feeds and inboxes ---------------------------------------------------------------------

bool PubSub::createFeed(Transaction& tr, std::string_view name) const {
  checkName("feed", name);
  std::string key = subspace_.pack(Tuple{"F", name});
  if (tr.get(key)) return false;
  tr.set(key, "");
  return true;
}

bool PubSub::createFeed(Database& db, std::string_view name) const {
  return db.run([&](Transaction& tr) { return createFeed(tr, name); });
}

bool PubSub::createInbox(Transaction& tr, std::string_view name) const {
  checkName("inbox", name);
  std::string key = subspace_.pack(Tuple{"I", name});
  if (tr.get(key)) return false;
  tr.set(key, int64Le(0));
  return true;
}

bool PubSub::createInbox(Database& db, std::string_view name) const {
  return db.run([&](Transaction& tr) { return createInbox(tr, name); });
}

bool PubSub::feedExists(Transaction& tr, std::string_view name) const {
  checkName("feed", name);
  return tr.get(subspace_.pack(Tuple{"F", name})).has_value();
}

bool PubSub::inboxExists(Transaction& tr, std::string_view name) const {
  checkName("inbox", name);
  return tr.get(subspace_.pack(Tuple{"I", name})).has_value();
}

void PubSub::requireFeed(Transaction& tr, std::string_view feed) const {
  if (!feedExists(tr, feed)) {
    throwError(ErrorCode::client_invalid_operation,
               "pubsub feed '" + std::string(feed) + "' does not exist");
  }
}

void PubSub::requireInbox(Transaction& tr, std::string_view inbox) const {
  if (!inboxExists(tr, inbox)) {
    throwError(ErrorCode::client_invalid_operation,
               "pubsub inbox '" + std::string(inbox) + "' does not exist");
  }
}

void PubSub::touchInbox(Transaction& tr, std::string_view inbox) const {
  tr.atomicOp(MutationType::kAdd, subspace_.pack(Tuple{"I", inbox}), int64Le(1));
}

namespace {
std::vector<std::string> lastElements(Transaction& tr, const Subspace& space, const Tuple& t,
                                      size_t index) {
  std::vector<std::string> out;
  KeyRange r = space.range(t);
  for (const KeyValue& kv : tr.getRange(r.begin, r.end)) {
    out.push_back(space.unpack(kv.key).getString(index));
  }
  return out;
}
}  // namespace

std::vector<std::string> PubSub::listFeeds(Transaction& tr) const {
  return lastElements(tr, subspace_, Tuple{"F"}, 1);
}

std::vector<std::string> PubSub::listInboxes(Transaction& tr) const {
  return lastElements(tr, subspace_, Tuple{"I"}, 1);
}

// ---- subscriptions -------------------------------------------------------------------------

bool PubSub::subscribe(Transaction& tr, std::string_view inbox, std::string_view feed,
                       StartAt start) const {
  requireInbox(tr, inbox);
  requireFeed(tr, feed);
  std::string key = subspace_.pack(Tuple{"S", inbox, feed});
  if (tr.get(key)) return false;
  if (start == StartAt::kEarliest) {
    tr.set(key, "");
  } else {
    // The cursor becomes (<this commit's stamp>,): every earlier commit's ids sort before it,
    // every later one's (and this transaction's own posts) after.
    tr.atomicOp(MutationType::kSetVersionstampedValue, key,
                Tuple{Versionstamp::incomplete(0)}.packWithVersionstamp());
  }
  tr.set(subspace_.pack(Tuple{"W", feed, inbox}), "");
  touchInbox(tr, inbox);
  return true;
}

bool PubSub::subscribe(Database& db, std::string_view inbox, std::string_view feed,
                       StartAt start) const {
  return db.run([&](Transaction& tr) { return subscribe(tr, inbox, feed, start); });
}

bool PubSub::unsubscribe(Transaction& tr, std::string_view inbox, std::string_view feed) const {
  requireInbox(tr, inbox);
  checkName("feed", feed);
  std::string key = subspace_.pack(Tuple{"S", inbox, feed});
  if (!tr.get(key)) return false;
  tr.clear(key);
  tr.clear(subspace_.pack(Tuple{"W", feed, inbox}));
  touchInbox(tr, inbox);
  return true;
}

bool PubSub::unsubscribe(Database& db, std::string_view inbox, std::string_view feed) const {
  return db.run([&](Transaction& tr) { return unsubscribe(tr, inbox, feed); });
}

std::vector<std::string> PubSub::subscriptions(Transaction& tr, std::string_view inbox) const {
  requireInbox(tr, inbox);
  return lastElements(tr, subspace_, Tuple{"S", inbox}, 2);
}

std::vector<std::string> PubSub::subscribers(Transaction& tr, std::string_view feed) const {
  requireFeed(tr, feed);
  return lastElements(tr, subspace_, Tuple{"W", feed}, 2);
}

std::vector<std::pair<std::string, std::string>> PubSub::cursors(Transaction& tr,
                                                                 std::string_view inbox) const {
  requireInbox(tr, inbox);
  std::vector<std::pair<std::string, std::string>> out;
  KeyRange r = subspace_.range(Tuple{"S", inbox});
  for (const KeyValue& kv : tr.getRange(r.begin, r.end)) {
    out.emplace_back(subspace_.unpack(kv.key).getString(2), kv.value);
  }
  return out;
}

// ---- posting -------------------------------------------------------------------------------

PostReceipt PubSub::post(Transaction& tr, std::string_view feed, std::string_view body,
                         std::string_view token) const {
  requireFeed(tr, feed);
  if (kHeaderBytes + token.size() + body.size() > kMaxValueBytes) {
    throwError(ErrorCode::value_too_large, "pubsub token + body exceed 99,989 bytes");
  }
  PostReceipt receipt;
  std::string markerKey;
  if (!token.empty()) {
    markerKey = subspace_.pack(Tuple{"K", feed, Bytes(token)});
    if (auto existing = tr.get(markerKey)) {
      receipt.existingId = std::move(*existing);
      return receipt;
    }
  }
  receipt.seq = nextSeq.fetch_add(1, std::memory_order_relaxed);
  Tuple id{Versionstamp::incomplete(0), receipt.seq};
  tr.atomicOp(
      MutationType::kSetVersionstampedKey,
      subspace_.packWithVersionstamp(Tuple{"M", feed, Versionstamp::incomplete(0), receipt.seq}),
      encodeMessage(nowMs(), token, body));
  tr.atomicOp(MutationType::kSetVersionstampedValue, subspace_.pack(Tuple{"L", feed}),
              stampPlaceholder());
  if (!token.empty()) {
    tr.atomicOp(MutationType::kSetVersionstampedValue, markerKey, id.packWithVersionstamp());
  }
  return receipt;
}

std::string PubSub::post(Database& db, std::string_view feed, std::string_view body,
                         std::string_view token) const {
  Transaction tr = db.createTransaction();
  // An idempotency id makes the retry after a lost acknowledgement (1021) post once.
  tr.setOption(TransactionOption::kAutomaticIdempotency);
  for (;;) {
    try {
      PostReceipt r = post(tr, feed, body, token);
      if (r.existingId) {
        tr.commit();
        return *r.existingId;
      }
      Future<CommitStamp> stamp = tr.getVersionstamp();
      tr.commit();
      return messageId(stamp.get(), r.seq);
    } catch (const Error& e) {
      tr.onError(e);
    }
  }
}

std::string PubSub::messageId(const CommitStamp& stamp, int64_t seq) {
  Versionstamp vs;
  vs.transactionVersion = stamp;
  vs.userVersion = 0;
  return Tuple{vs, seq}.pack();
}

std::string PubSub::formatMessageId(std::string_view id) {
  Tuple t = Tuple::unpack(id);
  const Versionstamp& vs = t.getVersionstamp(0);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : vs.transactionVersion) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out + "-" + std::to_string(t.getInt(1));
}

// ---- reading -------------------------------------------------------------------------------

std::vector<Message> PubSub::scanFeed(Transaction& tr, std::string_view feed,
                                      std::string_view after, int limit, Order order,
                                      Snapshot snapshot) const {
  std::string prefix = subspace_.pack(Tuple{"M", feed});
  KeyRange r = subspace_.range(Tuple{"M", feed});
  std::string begin = after.empty() ? r.begin : prefix + std::string(after) + '\0';
  RangeOptions options;
  options.limit = limit;
  options.snapshot = snapshot;
  options.reverse = order == Order::kNewestFirst ? Reverse::kYes : Reverse::kNo;
  std::vector<Message> out;
  for (const KeyValue& kv : tr.getRange(begin, r.end, options)) {
    DecodedValue d = decodeMessage(kv.value);
    out.push_back(
        Message{std::string(feed), kv.key.substr(prefix.size()), d.postedAtMs, std::move(d.body)});
  }
  return out;
}

std::vector<Message> PubSub::collect(Transaction& tr, std::string_view inbox, int limit,
                                     Order order) const {
  checkLimit(limit);
  std::vector<Message> all;
  // Snapshot reads of the messages: a post committing after the read version has a greater id
  // than any message seen, so it stays past the cursor and is delivered by a later read.
  for (const auto& [feed, cursor] : cursors(tr, inbox)) {
    auto part = scanFeed(tr, feed, cursor, limit, order, Snapshot::kYes);
    std::move(part.begin(), part.end(), std::back_inserter(all));
  }
  std::sort(all.begin(), all.end(), [order](const Message& a, const Message& b) {
    return order == Order::kOldestFirst ? a.id < b.id : a.id > b.id;
  });
  if (limit > 0 && all.size() > static_cast<size_t>(limit)) all.resize(limit);
  return all;
}

std::vector<Message> PubSub::read(Transaction& tr, std::string_view inbox, int limit) const {
  std::vector<Message> batch = collect(tr, inbox, limit, Order::kOldestFirst);
  ack(tr, inbox, batch);
  return batch;
}

std::vector<Message> PubSub::read(Database& db, std::string_view inbox, int limit) const {
  return db.run([&](Transaction& tr) { return read(tr, inbox, limit); });
}

std::vector<Message> PubSub::pending(Transaction& tr, std::string_view inbox, int limit,
                                     Order order) const {
  return collect(tr, inbox, limit, order);
}

void PubSub::ack(Transaction& tr, std::string_view inbox,
                 const std::vector<Message>& messages) const {
  std::map<std::string, std::string, std::less<>> newest;
  for (const Message& m : messages) {
    auto [it, inserted] = newest.emplace(m.feed, m.id);
    if (!inserted && it->second < m.id) it->second = m.id;
  }
  if (newest.empty()) {
    requireInbox(tr, inbox);
    return;
  }
  for (const auto& [feed, cursor] : cursors(tr, inbox)) {
    auto it = newest.find(feed);
    if (it == newest.end() || it->second <= cursor) continue;
    tr.set(subspace_.pack(Tuple{"S", inbox, feed}), it->second);
  }
}

void PubSub::ack(Database& db, std::string_view inbox, const std::vector<Message>& messages) const {
  db.run([&](Transaction& tr) { ack(tr, inbox, messages); });
}

std::vector<Message> PubSub::history(Transaction& tr, std::string_view feed, int limit,
                                     Order order) const {
  checkLimit(limit);
  requireFeed(tr, feed);
  return scanFeed(tr, feed, {}, limit, order, Snapshot::kYes);
}

std::vector<Message> PubSub::history(Database& db, std::string_view feed, int limit,
                                     Order order) const {
  return db.read([&](Transaction& tr) { return history(tr, feed, limit, order); });
}

KeyRange PubSub::historyRange(std::string_view feed) const {
  return subspace_.range(Tuple{"M", feed});
}

Message PubSub::historyMessage(std::string_view feed, const KeyValue& row) const {
  std::string prefix = subspace_.pack(Tuple{"M", feed});
  if (!row.key.starts_with(prefix) || row.key.size() == prefix.size()) {
    throwError(ErrorCode::invalid_input, "not a message of feed " + std::string(feed));
  }
  DecodedValue d = decodeMessage(row.value);
  return Message{std::string(feed), row.key.substr(prefix.size()), d.postedAtMs, std::move(d.body)};
}

// ---- retention -----------------------------------------------------------------------------

int64_t PubSub::trim(Transaction& tr, std::string_view feed, int64_t keep, int64_t cutoffMs,
                     int batch) const {
  requireFeed(tr, feed);
  if (batch < 1) throwError(ErrorCode::client_invalid_operation, "trim batch must be >= 1");
  KeyRange r = subspace_.range(Tuple{"M", feed});
  std::string end = r.end;
  if (keep > 0) {
    // The keep-th newest message bounds the victims; concurrent posts only add newer ones.
    if (keep > 1'000'000) throwError(ErrorCode::client_invalid_operation, "keep > 1,000,000");
    RangeOptions o;
    o.limit = static_cast<int>(keep);
    o.reverse = Reverse::kYes;
    o.snapshot = Snapshot::kYes;
    std::vector<KeyValue> newest = tr.getRangeAll(r.begin, r.end, o);
    if (newest.size() < static_cast<size_t>(keep)) return 0;
    end = newest.back().key;
  }
  RangeOptions o;
  o.limit = batch;
  int64_t removed = 0;
  for (const KeyValue& kv : tr.getRangeAll(r.begin, end, o)) {
    DecodedValue d = decodeMessage(kv.value);
    if (keep < 0 && d.postedAtMs >= cutoffMs) break;
    tr.clear(kv.key);
    if (!d.token.empty()) tr.clear(subspace_.pack(Tuple{"K", feed, Bytes(d.token)}));
    ++removed;
  }
  return removed;
}

int64_t PubSub::trimToCount(Transaction& tr, std::string_view feed, int64_t keep, int batch) const {
  if (keep < 0) throwError(ErrorCode::client_invalid_operation, "keep must be >= 0");
  return trim(tr, feed, keep, 0, batch);
}

int64_t PubSub::trimBefore(Transaction& tr, std::string_view feed, int64_t cutoffMs,
                           int batch) const {
  return trim(tr, feed, -1, cutoffMs, batch);
}

int64_t PubSub::trimToCount(Database& db, std::string_view feed, int64_t keep) const {
  int64_t total = 0;
  for (;;) {
    int64_t n = db.run([&](Transaction& tr) { return trimToCount(tr, feed, keep); });
    total += n;
    if (n == 0) return total;
  }
}

int64_t PubSub::trimBefore(Database& db, std::string_view feed, int64_t cutoffMs) const {
  int64_t total = 0;
  for (;;) {
    int64_t n = db.run([&](Transaction& tr) { return trimBefore(tr, feed, cutoffMs); });
    total += n;
    if (n == 0) return total;
  }
}

// ---- waiting -------------------------------------------------------------------------------

bool PubSub::wait(Database& db, std::string_view inbox, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  struct Wake {
    std::mutex mu;
    std::condition_variable cv;
    bool fired = false;
  };
  for (;;) {
    std::vector<Watch> watches;
    Transaction tr = db.createTransaction();
    for (;;) {
      try {
        watches.clear();
        bool ready = false;
        for (const auto& [feed, cursor] : cursors(tr, inbox)) {
          if (!scanFeed(tr, feed, cursor, 1, Order::kOldestFirst, Snapshot::kYes).empty()) {
            ready = true;
            break;
          }
          watches.push_back(tr.watch(subspace_.pack(Tuple{"L", feed})));
        }
        if (ready) return true;
        watches.push_back(tr.watch(subspace_.pack(Tuple{"I", inbox})));
        tr.commit();  // read-only: arms the watches at the read version
        break;
      } catch (const Error& e) {
        tr.onError(e);
      }
    }
    auto wake = std::make_shared<Wake>();
    for (const Watch& w : watches) {
      w.future().onReady([wake] {
        {
          std::lock_guard lock(wake->mu);
          wake->fired = true;
        }
        wake->cv.notify_all();
      });
    }
    std::unique_lock lock(wake->mu);
    if (!wake->cv.wait_until(lock, deadline, [&] { return wake->fired; })) return false;
  }
}

}  // namespace strata::layers
