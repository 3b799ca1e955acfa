// WorkQueue layer: see include/strata/layers/work_queue.h for the contract and key layout.
#include "strata/layers/work_queue.h"

#include <algorithm>
#include <cstdio>
#include <random>
#include <utility>

#include "layers/layer_codec.h"

namespace strata::layers {
namespace {

using std::chrono::milliseconds;

constexpr size_t kHeaderBytes = 34;
constexpr size_t kMaxItemBytes = 100'000 - kHeaderBytes;
constexpr uint8_t kRecordFormat = 1;
constexpr auto kOneYear = milliseconds(365LL * 24 * 3600 * 1000);

// Record states: on-disk format (docs/FORMATS.md#work-queue), never renumber.
enum class State : uint8_t { kQueued = 0, kLeased = 1, kDead = 2 };

// Counter slots under (3, slot): on-disk format, never renumber.
constexpr int kQueuedSlot = 0;
constexpr int kInFlightSlot = 1;
constexpr int kDeadSlot = 2;

using codec::int64Le;

using codec::fromInt64Le;

std::mt19937_64& rng() { return codec::layerRng(); }

int64_t wallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::chrono::system_clock::time_point fromMs(int64_t ms) {
  return std::chrono::system_clock::time_point(milliseconds(ms));
}

RangeOptions rows(int limit, Snapshot snapshot = Snapshot::kYes) {
  RangeOptions o;
  o.limit = limit;
  o.mode = StreamingMode::kWantAll;
  o.snapshot = snapshot;
  return o;
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out += kDigits[static_cast<uint8_t>(c) >> 4];
    out += kDigits[static_cast<uint8_t>(c) & 15];
  }
  return out;
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = digit(text[i]), lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// The item's record: a fixed header then the item's bytes.
struct Record {
  State state = State::kQueued;
  int64_t attempts = 0;
  int64_t priority = 0;
  std::string nonce = std::string(8, '\0');
  int64_t timeMs = 0;  // due time (queued), deadline (leased), death time (dead)
  std::string item;

  [[nodiscard]] std::string encode() const {
    std::string out;
    out.reserve(kHeaderBytes + item.size());
    out += static_cast<char>(kRecordFormat);
    out += static_cast<char>(state);
    out += int64Le(attempts);
    out += int64Le(priority);
    out += nonce;
    out += int64Le(timeMs);
    out += item;
    return out;
  }
  static Record decode(std::string_view value) {
    if (value.size() < kHeaderBytes || static_cast<uint8_t>(value[0]) != kRecordFormat ||
        static_cast<uint8_t>(value[1]) > 2) {
      throwError(ErrorCode::invalid_input, "work queue record has an unknown format");
    }
    Record r;
    r.state = static_cast<State>(value[1]);
    r.attempts = fromInt64Le(value.substr(2, 8));
    r.priority = fromInt64Le(value.substr(10, 8));
    r.nonce = std::string(value.substr(18, 8));
    r.timeMs = fromInt64Le(value.substr(26, 8));
    r.item = std::string(value.substr(kHeaderBytes));
    return r;
  }
};

// An item's identity: its push's versionstamp and seq.
struct ItemId {
  Versionstamp stamp;
  int64_t seq = 0;
};

std::string formatId(const ItemId& id) {
  return hex(id.stamp.toBytes()) + "." + std::to_string(id.seq);
}

struct ParsedToken {
  ItemId id;
  std::string nonce;
};

ParsedToken parseToken(std::string_view token) {
  auto bad = [] { throwError(ErrorCode::invalid_input, "not a work queue lease token"); };
  const size_t dot1 = token.find('.');
  const size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot1 != 24 || dot2 == std::string_view::npos || token.size() - dot2 - 1 != 16) bad();
  std::optional<std::string> stamp = unhex(token.substr(0, 24));
  std::optional<std::string> nonce = unhex(token.substr(dot2 + 1));
  std::string_view seqText = token.substr(dot1 + 1, dot2 - dot1 - 1);
  if (!stamp || !nonce || seqText.empty() || seqText.size() > 18 ||
      !std::all_of(seqText.begin(), seqText.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    bad();
  }
  ParsedToken parsed;
  parsed.id.stamp = Versionstamp::fromBytes(*stamp);
  parsed.id.seq = std::stoll(std::string(seqText));
  parsed.nonce = std::move(*nonce);
  if (!parsed.id.stamp.isComplete() || parsed.nonce == std::string(8, '\0')) bad();
  return parsed;
}

std::string makeToken(const ItemId& id, const std::string& nonce) {
  return formatId(id) + "." + hex(nonce);
}

std::string randomNonce() {
  uint64_t r = 0;
  while (r == 0) r = rng()();
  std::string out(8, '\0');
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((r >> (8 * i)) & 0xff);
  return out;
}

void checkDuration(milliseconds duration) {
  if (duration < milliseconds(1) || duration > kOneYear) {
    throwError(ErrorCode::client_invalid_operation,
               "lease duration must be between 1 ms and one year");
  }
}

void checkDelay(milliseconds delay) {
  if (delay < milliseconds(0) || delay > kOneYear) {
    throwError(ErrorCode::client_invalid_operation, "delay must be between 0 and one year");
  }
}

void checkLimit(int limit) {
  if (limit < 0) throwError(ErrorCode::range_limits_invalid, "limit must not be negative");
}

}  // namespace

// Key builders and counter updates, private to this file.
struct WorkQueueKeys {
  const Subspace& s;
  std::string record(const ItemId& id) const { return s.pack(Tuple{7, id.stamp, id.seq}); }
  std::string queued(int64_t priority, int64_t dueMs, const ItemId& id) const {
    return s.pack(Tuple{0, priority, dueMs, id.stamp, id.seq});
  }
  std::string leased(int64_t deadlineMs, const ItemId& id) const {
    return s.pack(Tuple{1, deadlineMs, id.stamp, id.seq});
  }
  std::string dead(const ItemId& id) const { return s.pack(Tuple{2, id.stamp, id.seq}); }
  std::string counter(int slot) const { return s.pack(Tuple{3, slot}); }
  std::string signal() const { return s.pack(Tuple{4}); }
  std::string marker(std::string_view pushId) const { return s.pack(Tuple{5, Bytes(pushId)}); }
  std::string config() const { return s.pack(Tuple{6}); }

  void add(Transaction& tr, int slot, int64_t delta) const {
    if (delta != 0) tr.atomicOp(MutationType::kAdd, counter(slot), int64Le(delta));
  }
  void signalChange(Transaction& tr) const {
    tr.atomicOp(MutationType::kSetVersionstampedValue, signal(), std::string(14, '\0'));
  }
  // Where the record's state puts its index key.
  std::string indexOf(const Record& r, const ItemId& id) const {
    switch (r.state) {
      case State::kQueued:
        return queued(r.priority, r.timeMs, id);
      case State::kLeased:
        return leased(r.timeMs, id);
      case State::kDead:
        break;
    }
    return dead(id);
  }
  // Rewrites the record in its new state and moves its index key.
  void move(Transaction& tr, const ItemId& id, const std::string& oldIndex, const Record& r) const {
    tr.clear(oldIndex);
    tr.set(indexOf(r, id), "");
    tr.set(record(id), r.encode());
  }
};

struct WorkQueue::Claim {
  ItemId id;
  std::string indexKey;
  Record record;
  bool wasLeased = false;
};

WorkQueue::WorkQueue(Subspace subspace, WorkQueueOptions options)
    : subspace_(std::move(subspace)), options_(options) {
  if (options_.contentionWindow < 1) {
    throwError(ErrorCode::client_invalid_operation, "contentionWindow must be >= 1");
  }
}

void WorkQueue::create(Transaction& tr, const WorkQueueConfig& config) const {
  if (config.maxAttempts < 0) {
    throwError(ErrorCode::client_invalid_operation, "maxAttempts must not be negative");
  }
  tr.set(WorkQueueKeys{subspace_}.config(), Tuple{config.maxAttempts}.pack());
}

WorkQueueConfig WorkQueue::config(Transaction& tr) const {
  WorkQueueConfig config;
  std::optional<std::string> v = tr.get(WorkQueueKeys{subspace_}.config());
  if (v) config.maxAttempts = static_cast<int>(Tuple::unpack(*v).getInt(0));
  return config;
}

bool WorkQueue::push(Transaction& tr, std::string_view item, const WorkPushOptions& options) const {
  if (item.size() > kMaxItemBytes) {
    throwError(ErrorCode::value_too_large, "work queue items are limited to 99,966 bytes");
  }
  checkDelay(options.delay);
  const WorkQueueKeys keys{subspace_};
  if (!options.pushId.empty()) {
    const std::string marker = keys.marker(options.pushId);
    if (tr.get(marker).has_value()) return false;
    tr.set(marker, int64Le(wallMs() / 1000));
  }
  const int64_t due =
      options.notBefore
          ? std::chrono::duration_cast<milliseconds>(options.notBefore->time_since_epoch()).count()
          : wallMs() + options.delay.count();
  Record r;
  r.priority = options.priority;
  r.timeMs = due;
  r.item = std::string(item);
  const int64_t seq = tr.getApproximateSize();
  const Versionstamp stamp = Versionstamp::incomplete();
  // A versionstamped key's write-conflict range spans every stamp after the read version, so it
  // would conflict with consumers claiming other recent items. Nobody can have read the new keys
  // (their stamp is newer than any read version), so the two writes need no conflict range.
  tr.setOption(TransactionOption::kNextWriteNoWriteConflictRange);
  tr.atomicOp(MutationType::kSetVersionstampedKey,
              subspace_.packWithVersionstamp(Tuple{0, r.priority, due, stamp, seq}), "");
  tr.setOption(TransactionOption::kNextWriteNoWriteConflictRange);
  tr.atomicOp(MutationType::kSetVersionstampedKey,
              subspace_.packWithVersionstamp(Tuple{7, stamp, seq}), r.encode());
  keys.add(tr, kQueuedSlot, 1);
  keys.signalChange(tr);
  return true;
}

// Finds the next deliverable item (see "Order" in the header) and adds read conflicts on it. Unless
// `peekOnly`, moves expired leases of exhausted items to the dead letters on the way. When nothing
// is deliverable and `nextDueMs` is given, stores there the earliest due time or lease deadline
// (INT64_MAX when the queue holds none).
std::optional<WorkQueue::Claim> WorkQueue::claim(Transaction& tr, int64_t now, int window,
                                                 int64_t* nextDueMs) const {
  const bool peekOnly = window == 0;
  if (peekOnly) window = 1;
  const WorkQueueKeys keys{subspace_};
  std::optional<int> maxAttempts;
  auto start = [&](size_t n) -> size_t {
    return n <= 1 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng());
  };

  // 1. Expired leases.
  const KeyRange leases = subspace_.range(Tuple{1});
  std::vector<KeyValue> expired =
      tr.getRangeAll(leases.begin, subspace_.pack(Tuple{1, now + 1}), rows(window));
  const size_t first = start(expired.size());
  for (size_t n = 0; n < expired.size(); ++n) {
    const KeyValue& row = expired[(first + n) % expired.size()];
    Tuple t = subspace_.unpack(row.key);
    Claim c;
    c.id = ItemId{t.getVersionstamp(2), t.getInt(3)};
    c.indexKey = row.key;
    tr.addReadConflictKey(row.key);
    std::optional<std::string> value = tr.get(keys.record(c.id));
    if (!value) continue;
    c.record = Record::decode(*value);
    c.wasLeased = true;
    if (!maxAttempts) maxAttempts = config(tr).maxAttempts;
    if (*maxAttempts > 0 && c.record.attempts >= *maxAttempts) {
      if (peekOnly) continue;
      Record dead = c.record;
      dead.state = State::kDead;
      dead.timeMs = now;
      keys.move(tr, c.id, c.indexKey, dead);
      keys.add(tr, kInFlightSlot, -1);
      keys.add(tr, kDeadSlot, 1);
      continue;
    }
    return c;
  }

  // 2. Queued items, one priority level at a time.
  int64_t next = INT64_MAX;
  const KeyRange queued = subspace_.range(Tuple{0});
  std::string begin = queued.begin;
  for (;;) {
    std::vector<KeyValue> head = tr.getRangeAll(begin, queued.end, rows(1));
    if (head.empty()) break;
    Tuple t = subspace_.unpack(head.front().key);
    const int64_t priority = t.getInt(1);
    const int64_t due = t.getInt(2);
    const KeyRange level = subspace_.range(Tuple{0, priority});
    if (due > now) {
      next = std::min(next, due);
      begin = level.end;
      continue;
    }
    std::vector<KeyValue> candidates =
        window == 1 ? std::move(head)
                    : tr.getRangeAll(level.begin, subspace_.pack(Tuple{0, priority, now + 1}),
                                     rows(window));
    const KeyValue& row = candidates[start(candidates.size())];
    Tuple ct = subspace_.unpack(row.key);
    Claim c;
    c.id = ItemId{ct.getVersionstamp(3), ct.getInt(4)};
    c.indexKey = row.key;
    tr.addReadConflictKey(row.key);
    std::optional<std::string> value = tr.get(keys.record(c.id));
    if (!value) throwError(ErrorCode::invalid_input, "work queue index entry without a record");
    c.record = Record::decode(*value);
    return c;
  }
  if (nextDueMs != nullptr) {
    std::vector<KeyValue> lease = tr.getRangeAll(leases.begin, leases.end, rows(1));
    if (!lease.empty()) next = std::min(next, subspace_.unpack(lease.front().key).getInt(1));
    *nextDueMs = next;
  }
  return std::nullopt;
}

std::optional<WorkLease> WorkQueue::lease(Transaction& tr, milliseconds duration) const {
  checkDuration(duration);
  return leaseOrNextDue(tr, duration, nullptr);
}

std::optional<WorkLease> WorkQueue::leaseOrNextDue(Transaction& tr, milliseconds duration,
                                                   int64_t* nextDueMs) const {
  const int64_t now = wallMs();
  std::optional<Claim> c = claim(tr, now, options_.contentionWindow, nextDueMs);
  if (!c) return std::nullopt;
  const WorkQueueKeys keys{subspace_};
  Record r = std::move(c->record);
  r.state = State::kLeased;
  r.attempts += 1;
  r.nonce = randomNonce();
  r.timeMs = now + duration.count();
  keys.move(tr, c->id, c->indexKey, r);
  if (!c->wasLeased) {
    keys.add(tr, kQueuedSlot, -1);
    keys.add(tr, kInFlightSlot, 1);
  }
  WorkLease lease;
  lease.token = makeToken(c->id, r.nonce);
  lease.attempt = static_cast<int>(r.attempts);
  lease.priority = r.priority;
  lease.deadline = fromMs(r.timeMs);
  lease.item = std::move(r.item);
  return lease;
}

namespace {

// The record a token's lease is held on, or lease_lost. `allowReleased` accepts a record already
// given back (queued or dead) under the same nonce, for idempotent nack retries.
std::optional<Record> heldRecord(Transaction& tr, const std::string& recordKey,
                                 const ParsedToken& token, bool allowReleased) {
  std::optional<std::string> value = tr.get(recordKey);
  if (!value) return std::nullopt;
  Record r = Record::decode(*value);
  if (r.nonce != token.nonce || (r.state != State::kLeased && !allowReleased)) {
    throwError(ErrorCode::lease_lost,
               "the item was leased again, given back or dead-lettered since this token's lease");
  }
  return r;
}

}  // namespace

bool WorkQueue::ack(Transaction& tr, std::string_view token) const {
  const ParsedToken parsed = parseToken(token);
  const WorkQueueKeys keys{subspace_};
  const std::string recordKey = keys.record(parsed.id);
  std::optional<Record> r = heldRecord(tr, recordKey, parsed, false);
  if (!r) return false;
  tr.clear(recordKey);
  tr.clear(keys.leased(r->timeMs, parsed.id));
  keys.add(tr, kInFlightSlot, -1);
  return true;
}

NackOutcome WorkQueue::nack(Transaction& tr, std::string_view token, milliseconds delay,
                            CountAttempt count) const {
  const ParsedToken parsed = parseToken(token);
  checkDelay(delay);
  const WorkQueueKeys keys{subspace_};
  std::optional<Record> r = heldRecord(tr, keys.record(parsed.id), parsed, true);
  if (!r) {
    throwError(ErrorCode::lease_lost, "the item was acked or purged since this token's lease");
  }
  if (r->state == State::kQueued) return NackOutcome::kRequeued;
  if (r->state == State::kDead) return NackOutcome::kDeadLettered;
  const std::string oldIndex = keys.leased(r->timeMs, parsed.id);
  const int64_t now = wallMs();
  keys.add(tr, kInFlightSlot, -1);
  if (count == CountAttempt::kNo) {
    r->attempts = std::max<int64_t>(0, r->attempts - 1);
  } else {
    const int maxAttempts = config(tr).maxAttempts;
    if (maxAttempts > 0 && r->attempts >= maxAttempts) {
      r->state = State::kDead;
      r->timeMs = now;
      keys.move(tr, parsed.id, oldIndex, *r);
      keys.add(tr, kDeadSlot, 1);
      return NackOutcome::kDeadLettered;
    }
  }
  r->state = State::kQueued;
  r->timeMs = now + delay.count();
  keys.move(tr, parsed.id, oldIndex, *r);
  keys.add(tr, kQueuedSlot, 1);
  keys.signalChange(tr);
  return NackOutcome::kRequeued;
}

NackOutcome WorkQueue::release(Transaction& tr, std::string_view token) const {
  return nack(tr, token, milliseconds(0), CountAttempt::kNo);
}

std::chrono::system_clock::time_point WorkQueue::extend(Transaction& tr, std::string_view token,
                                                        milliseconds duration) const {
  const ParsedToken parsed = parseToken(token);
  checkDuration(duration);
  const WorkQueueKeys keys{subspace_};
  std::optional<Record> r = heldRecord(tr, keys.record(parsed.id), parsed, false);
  if (!r) {
    throwError(ErrorCode::lease_lost, "the item was acked or purged since this token's lease");
  }
  const std::string oldIndex = keys.leased(r->timeMs, parsed.id);
  r->timeMs = wallMs() + duration.count();
  keys.move(tr, parsed.id, oldIndex, *r);
  return fromMs(r->timeMs);
}

std::optional<std::string> WorkQueue::pop(Transaction& tr) const {
  return popOrNextDue(tr, nullptr);
}

std::optional<std::string> WorkQueue::popOrNextDue(Transaction& tr, int64_t* nextDueMs) const {
  std::optional<Claim> c = claim(tr, wallMs(), options_.contentionWindow, nextDueMs);
  if (!c) return std::nullopt;
  const WorkQueueKeys keys{subspace_};
  tr.clear(c->indexKey);
  tr.clear(keys.record(c->id));
  keys.add(tr, c->wasLeased ? kInFlightSlot : kQueuedSlot, -1);
  return std::move(c->record.item);
}

std::optional<std::string> WorkQueue::peek(Transaction& tr) const {
  std::optional<Claim> c = claim(tr, wallMs(), 0, nullptr);
  if (!c) return std::nullopt;
  return std::move(c->record.item);
}

KeyRange WorkQueue::queuedRange() const { return subspace_.range(Tuple{0}); }

std::optional<std::string> WorkQueue::queuedItem(Transaction& tr, std::string_view indexKey) const {
  const KeyRange queued = queuedRange();
  if (indexKey < std::string_view(queued.begin) || indexKey >= std::string_view(queued.end)) {
    throwError(ErrorCode::invalid_input, "not a key of the work queue's queued-items index");
  }
  Tuple t = subspace_.unpack(indexKey);
  std::optional<std::string> value = tr.get(
      WorkQueueKeys{subspace_}.record(ItemId{t.getVersionstamp(3), t.getInt(4)}), Snapshot::kYes);
  if (!value) return std::nullopt;
  return std::move(Record::decode(*value).item);
}

int64_t WorkQueue::size(Transaction& tr, Snapshot snapshot) const {
  std::optional<std::string> v = tr.get(WorkQueueKeys{subspace_}.counter(kQueuedSlot), snapshot);
  return v ? fromInt64Le(*v) : 0;
}

int64_t WorkQueue::inFlight(Transaction& tr, Snapshot snapshot) const {
  std::optional<std::string> v = tr.get(WorkQueueKeys{subspace_}.counter(kInFlightSlot), snapshot);
  return v ? fromInt64Le(*v) : 0;
}

int64_t WorkQueue::deadCount(Transaction& tr, Snapshot snapshot) const {
  std::optional<std::string> v = tr.get(WorkQueueKeys{subspace_}.counter(kDeadSlot), snapshot);
  return v ? fromInt64Le(*v) : 0;
}

WorkQueueStats WorkQueue::stats(Transaction& tr) const {
  WorkQueueStats stats;
  const int64_t queuedCount = size(tr, Snapshot::kYes);
  stats.inFlight = inFlight(tr, Snapshot::kYes);
  stats.dead = deadCount(tr, Snapshot::kYes);
  const int64_t now = wallMs();
  const KeyRange queued = subspace_.range(Tuple{0});
  std::string begin = queued.begin;
  for (;;) {
    std::vector<KeyValue> head = tr.getRangeAll(begin, queued.end, rows(1));
    if (head.empty()) break;
    const int64_t priority = subspace_.unpack(head.front().key).getInt(1);
    const KeyRange level = subspace_.range(Tuple{0, priority});
    RangeOptions o;
    o.snapshot = Snapshot::kYes;
    stats.delayed += static_cast<int64_t>(
        tr.getRangeAll(subspace_.pack(Tuple{0, priority, now + 1}), level.end, o).size());
    begin = level.end;
  }
  stats.visible = std::max<int64_t>(0, queuedCount - stats.delayed);
  return stats;
}

std::vector<DeadLetter> WorkQueue::listDead(Transaction& tr, int limit) const {
  checkLimit(limit);
  std::vector<DeadLetter> out;
  if (limit == 0) return out;
  const WorkQueueKeys keys{subspace_};
  const KeyRange dead = subspace_.range(Tuple{2});
  for (const KeyValue& row : tr.getRangeAll(dead.begin, dead.end, rows(limit, Snapshot::kNo))) {
    Tuple t = subspace_.unpack(row.key);
    const ItemId id{t.getVersionstamp(1), t.getInt(2)};
    std::optional<std::string> value = tr.get(keys.record(id));
    if (!value) continue;
    Record r = Record::decode(*value);
    out.push_back(
        DeadLetter{formatId(id), std::move(r.item), static_cast<int>(r.attempts), r.priority});
  }
  return out;
}

int WorkQueue::requeueDead(Transaction& tr, int limit) const {
  checkLimit(limit);
  if (limit == 0) return 0;
  const WorkQueueKeys keys{subspace_};
  const KeyRange dead = subspace_.range(Tuple{2});
  const int64_t now = wallMs();
  int moved = 0;
  for (const KeyValue& row : tr.getRangeAll(dead.begin, dead.end, rows(limit, Snapshot::kNo))) {
    Tuple t = subspace_.unpack(row.key);
    const ItemId id{t.getVersionstamp(1), t.getInt(2)};
    std::optional<std::string> value = tr.get(keys.record(id));
    if (!value) continue;
    Record r = Record::decode(*value);
    r.state = State::kQueued;
    r.attempts = 0;
    r.nonce = std::string(8, '\0');
    r.timeMs = now;
    keys.move(tr, id, row.key, r);
    ++moved;
  }
  keys.add(tr, kDeadSlot, -moved);
  keys.add(tr, kQueuedSlot, moved);
  if (moved > 0) keys.signalChange(tr);
  return moved;
}

int WorkQueue::purgeDead(Transaction& tr, int limit) const {
  checkLimit(limit);
  if (limit == 0) return 0;
  const WorkQueueKeys keys{subspace_};
  const KeyRange dead = subspace_.range(Tuple{2});
  int purged = 0;
  for (const KeyValue& row : tr.getRangeAll(dead.begin, dead.end, rows(limit, Snapshot::kNo))) {
    Tuple t = subspace_.unpack(row.key);
    tr.clear(row.key);
    tr.clear(keys.record(ItemId{t.getVersionstamp(1), t.getInt(2)}));
    ++purged;
  }
  keys.add(tr, kDeadSlot, -purged);
  return purged;
}

void WorkQueue::clear(Transaction& tr) const {
  for (int part : {0, 1, 2, 3, 7}) {
    const KeyRange r = subspace_.range(Tuple{part});
    tr.clearRange(r.begin, r.end);
  }
}

int WorkQueue::prunePushIds(Transaction& tr, std::chrono::system_clock::time_point olderThan,
                            int limit) const {
  checkLimit(limit);
  const int64_t cutoff =
      std::chrono::duration_cast<std::chrono::seconds>(olderThan.time_since_epoch()).count();
  const KeyRange markers = subspace_.range(Tuple{5});
  RangeOptions o;
  o.snapshot = Snapshot::kYes;
  int cleared = 0;
  for (const KeyValue& kv : tr.getRangeAll(markers.begin, markers.end, o)) {
    if (cleared >= limit) break;
    if (fromInt64Le(kv.value) < cutoff) {
      tr.addReadConflictKey(kv.key);
      tr.clear(kv.key);
      ++cleared;
    }
  }
  return cleared;
}

// The blocking loop of lease(db) and pop(db): one attempt per transaction; when it finds nothing,
// the same transaction arms a watch on the signal key and learns the next due time, commits (a
// read-only commit arms the watch), and the caller sleeps on the watch up to that time.
template <class Result, class Attempt>
std::optional<Result> WorkQueue::blocking(Database& db, milliseconds wait, bool retryUnknown,
                                          Attempt attempt) const {
  if (wait < milliseconds(0)) {
    throwError(ErrorCode::client_invalid_operation, "wait must not be negative");
  }
  const auto end = std::chrono::steady_clock::now() + wait;
  Transaction tr = db.createTransaction();
  for (;;) {
    std::optional<Watch> watch;
    int64_t nextDueMs = INT64_MAX;
    try {
      std::optional<Result> result = attempt(tr, &nextDueMs);
      if (result) {
        tr.commit();
        return result;
      }
      if (std::chrono::steady_clock::now() >= end) {
        tr.commit();  // may have dead-lettered exhausted leases
        return std::nullopt;
      }
      watch.emplace(tr.watch(WorkQueueKeys{subspace_}.signal()));
      tr.commit();
    } catch (const Error& e) {
      if (!retryUnknown && e.isMaybeCommitted()) throw;
      watch.reset();
      tr.onError(e);
      continue;
    }
    tr.reset();
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) return std::nullopt;
    auto sleep = std::chrono::duration_cast<milliseconds>(end - now) + milliseconds(1);
    if (nextDueMs != INT64_MAX) {
      sleep = std::min(sleep, milliseconds(std::max<int64_t>(nextDueMs - wallMs() + 1, 1)));
    }
    (void)watch->waitFor(sleep);
  }
}

void WorkQueue::create(Database& db, const WorkQueueConfig& config) const {
  db.run([&](Transaction& tr) { create(tr, config); });
}

bool WorkQueue::push(Database& db, std::string_view item, const WorkPushOptions& options) const {
  return db.run([&](Transaction& tr) { return push(tr, item, options); }, Idempotency::kAutomatic);
}

std::optional<WorkLease> WorkQueue::lease(Database& db, milliseconds duration,
                                          milliseconds wait) const {
  checkDuration(duration);
  return blocking<WorkLease>(db, wait, true, [&](Transaction& tr, int64_t* nextDueMs) {
    return leaseOrNextDue(tr, duration, nextDueMs);
  });
}

bool WorkQueue::ack(Database& db, std::string_view token) const {
  return db.run([&](Transaction& tr) { return ack(tr, token); });
}

NackOutcome WorkQueue::nack(Database& db, std::string_view token, milliseconds delay,
                            CountAttempt count) const {
  return db.run([&](Transaction& tr) { return nack(tr, token, delay, count); });
}

NackOutcome WorkQueue::release(Database& db, std::string_view token) const {
  return db.run([&](Transaction& tr) { return release(tr, token); });
}

std::chrono::system_clock::time_point WorkQueue::extend(Database& db, std::string_view token,
                                                        milliseconds duration) const {
  return db.run([&](Transaction& tr) { return extend(tr, token, duration); });
}

std::optional<std::string> WorkQueue::pop(Database& db, milliseconds wait) const {
  return blocking<std::string>(db, wait, false, [&](Transaction& tr, int64_t* nextDueMs) {
    return popOrNextDue(tr, nextDueMs);
  });
}

WorkQueueStats WorkQueue::stats(Database& db) const {
  return db.read([&](Transaction& tr) { return stats(tr); });
}

// ---- WorkConsumer ----

std::optional<WorkLease> WorkConsumer::lease(milliseconds duration, milliseconds wait) {
  std::optional<WorkLease> lease = queue_.lease(db_, duration, wait);
  if (lease) {
    std::lock_guard lock(mu_);
    tokens_.insert(lease->token);
  }
  return lease;
}

void WorkConsumer::forget(std::string_view token) {
  std::lock_guard lock(mu_);
  auto it = tokens_.find(token);
  if (it != tokens_.end()) tokens_.erase(it);
}

bool WorkConsumer::ack(std::string_view token) {
  const std::string held(token);
  try {
    bool acked = queue_.ack(db_, held);
    forget(held);
    return acked;
  } catch (const Error& e) {
    if (e.code() == static_cast<int>(ErrorCode::lease_lost)) forget(held);
    throw;
  }
}

NackOutcome WorkConsumer::nack(std::string_view token, milliseconds delay, CountAttempt count) {
  const std::string held(token);
  try {
    NackOutcome outcome = queue_.nack(db_, held, delay, count);
    forget(held);
    return outcome;
  } catch (const Error& e) {
    if (e.code() == static_cast<int>(ErrorCode::lease_lost)) forget(held);
    throw;
  }
}

std::chrono::system_clock::time_point WorkConsumer::extend(std::string_view token,
                                                           milliseconds duration) {
  const std::string held(token);
  try {
    return queue_.extend(db_, held, duration);
  } catch (const Error& e) {
    if (e.code() == static_cast<int>(ErrorCode::lease_lost)) forget(held);
    throw;
  }
}

int WorkConsumer::releaseAll() {
  std::set<std::string, std::less<>> tokens;
  {
    std::lock_guard lock(mu_);
    tokens.swap(tokens_);
  }
  int released = 0;
  for (const std::string& token : tokens) {
    try {
      db_.run([&](Transaction& tr) { (void)queue_.release(tr, token); });
      ++released;
    } catch (const Error& e) {
      if (e.code() != static_cast<int>(ErrorCode::lease_lost)) throw;
    }
  }
  return released;
}

size_t WorkConsumer::held() const {
  std::lock_guard lock(mu_);
  return tokens_.size();
}

}  // namespace strata::layers
