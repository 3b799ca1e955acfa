// The parts of TransactionImpl that make failures safe to handle: the conflict report read
// through "\xff\xff/transaction/conflicting_keys/" and idempotency ids
// (docs/FORMATS.md#idempotency-ids, docs/ARCHITECTURE.md#commit_unknown_result).
#include <algorithm>
#include <chrono>
#include <thread>

#include "kv/atomic.h"
#include "kv/transaction_impl.h"

namespace strata::kv {
namespace {

const std::string kConflictingKeys("\xff\xff/transaction/conflicting_keys/");
const std::string kIdRecords("\xff/strata/idmp/i/");
const std::string kIdIndex("\xff/strata/idmp/t/");
constexpr char kCommittedTag = 'C';
constexpr char kFencedTag = 'F';
constexpr int kCleanupPerCommit = 8;
constexpr int kResolveAttempts = 50;

std::string encodeBE64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

uint64_t decodeBE64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Record: tag(1) stamp(10) expiresMs(8, BE). A fenced record has a zero stamp.
struct IdRecord {
  char tag = 0;
  CommitStamp stamp{};
  int64_t expiresMs = 0;
};

std::optional<IdRecord> decodeRecord(const std::optional<std::string>& raw) {
  if (!raw || raw->size() != 19) return std::nullopt;
  IdRecord r;
  r.tag = (*raw)[0];
  std::copy(raw->begin() + 1, raw->begin() + 11, r.stamp.begin());
  r.expiresMs = static_cast<int64_t>(decodeBE64(std::string_view(*raw).substr(11)));
  return r;
}

std::vector<KeyRange> coalesceRanges(std::vector<KeyRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const KeyRange& a, const KeyRange& b) { return a.begin < b.begin; });
  std::vector<KeyRange> out;
  for (auto& r : ranges) {
    if (r.begin >= r.end) continue;
    if (!out.empty() && r.begin <= out.back().end) {
      if (r.end > out.back().end) out.back().end = std::move(r.end);
    } else {
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace

// ---- conflict report -----------------------------------------------------------------------

bool TransactionImpl::isConflictReportKey(std::string_view key) {
  return key.starts_with(kConflictingKeys);
}

namespace {
std::vector<KeyValue> reportRows(const std::vector<ConflictRange>& report) {
  std::vector<KeyValue> rows;
  for (const auto& r : report) {
    rows.push_back({kConflictingKeys + r.begin, "1"});
    rows.push_back({kConflictingKeys + r.end, "0"});
  }
  return rows;
}
}  // namespace

std::optional<std::string> TransactionImpl::conflictReportGet(std::string_view key) const {
  for (auto& row : reportRows(conflictReport_)) {
    if (row.key == key) return row.value;
  }
  return std::nullopt;
}

RangeBatch TransactionImpl::conflictReportRange(const KeySelector& begin, const KeySelector& end,
                                                const RangeOptions& options) const {
  if (options.limit < 0 || options.targetBytes < 0) {
    throwError(ErrorCode::range_limits_invalid, "negative limit or target bytes");
  }
  const std::string moduleEnd = strinc(kConflictingKeys);
  if (end.key > moduleEnd) {
    throwError(ErrorCode::key_outside_legal_range,
               "a conflicting_keys range must end within " + printable(kConflictingKeys));
  }
  std::vector<KeyValue> rows = reportRows(conflictReport_);
  // Resolves a selector over the module's keys: "" and the module's end bound it.
  auto resolve = [&](const KeySelector& sel) -> std::string {
    std::string k = sel.orEqual ? keyAfter(sel.key) : sel.key;
    auto pos = static_cast<int64_t>(
        std::lower_bound(rows.begin(), rows.end(), k,
                         [](const KeyValue& kv, const std::string& x) { return kv.key < x; }) -
        rows.begin());
    int64_t index = pos + sel.offset - 1;
    if (index < 0) return kConflictingKeys;
    if (index >= static_cast<int64_t>(rows.size())) return moduleEnd;
    return rows[static_cast<size_t>(index)].key;
  };
  const std::string b = resolve(begin), e = resolve(end);
  RangeBatch batch;
  for (auto& row : rows) {
    if (row.key >= b && row.key < e) batch.kvs.push_back(std::move(row));
  }
  if (options.reverse == Reverse::kYes) std::reverse(batch.kvs.begin(), batch.kvs.end());
  if (options.limit > 0 && static_cast<int>(batch.kvs.size()) > options.limit) {
    batch.kvs.resize(static_cast<size_t>(options.limit));
  }
  return batch;
}

// ---- idempotency ids -----------------------------------------------------------------------

void TransactionImpl::setIdempotencyId(std::string_view id) {
  checkUsable();
  if (id.empty() || id.size() > 255) {
    throwError(ErrorCode::invalid_option_value, "an idempotency id is 1 to 255 bytes");
  }
  idempotencyId_ = std::string(id);
}

std::optional<CommitStamp> TransactionImpl::prepareIdempotentCommit(CommitRequest& request) {
  const std::string key = kIdRecords + idempotencyId_;
  ReadView& v = view();
  if (auto record = decodeRecord(v.get(key)); record && record->tag == kCommittedTag) {
    return record->stamp;
  }
  // The record's read conflict fences this attempt off once a resolver writes the record.
  request.readConflicts.push_back({key, keyAfter(key)});
  const int64_t now = nowMs();
  const int64_t expires = now + db_->options.idempotencyIdLifetime.count();
  std::string operand(1, kCommittedTag);
  operand.append(10, '\0');
  operand += encodeBE64(static_cast<uint64_t>(expires));
  operand += std::string("\x01\x00\x00\x00", 4);  // the stamp's offset, 4 bytes LE
  request.mutations.push_back({MutationType::kSetVersionstampedValue, key, operand});
  const std::string indexKey =
      kIdIndex + encodeBE64(static_cast<uint64_t>(expires)) + idempotencyId_;
  request.mutations.push_back({MutationType::kSetValue, indexKey, ""});
  request.writeConflicts.push_back({key, keyAfter(key)});
  request.writeConflicts.push_back({indexKey, keyAfter(indexKey)});
  // Remove a few expired records, without conflicts: expired index entries are never rewritten.
  RangeChunk expired = v.getRange(kIdIndex, kIdIndex + encodeBE64(static_cast<uint64_t>(now)),
                                  kCleanupPerCommit, false);
  for (const KeyValue& kv : expired.kvs) {
    request.mutations.push_back({MutationType::kClearRange, kv.key, keyAfter(kv.key)});
    const std::string recordKey = kIdRecords + kv.key.substr(kIdIndex.size() + 8);
    if (recordKey == key) continue;
    auto record = decodeRecord(v.get(recordKey));
    // A record rewritten since (a fence followed by the commit) expires later: keep it.
    if (record && record->expiresMs <= now) {
      request.mutations.push_back({MutationType::kClearRange, recordKey, keyAfter(recordKey)});
    }
  }
  return std::nullopt;
}

TransactionImpl::Resolution TransactionImpl::resolveUnknownResult(CommitStamp* stamp) {
  const std::string key = kIdRecords + idempotencyId_;
  std::string lastError = "no attempt made";
  for (int attempt = 0; attempt < kResolveAttempts; ++attempt) {
    try {
      auto v = db_->engine->beginRead();
      if (auto record = decodeRecord(v->get(key)); record && record->tag == kCommittedTag) {
        *stamp = record->stamp;
        db_->stats.count(StatsCollector::Event::kResolvedCommitted);
        return Resolution::kLanded;
      }
      // Absent (or fenced): write the fenced record at a version after the lost attempt's read
      // version; its read conflict on the record then stops it from ever landing.
      const int64_t expires = nowMs() + db_->options.idempotencyIdLifetime.count();
      std::string value(1, kFencedTag);
      value.append(10, '\0');
      value += encodeBE64(static_cast<uint64_t>(expires));
      const std::string indexKey =
          kIdIndex + encodeBE64(static_cast<uint64_t>(expires)) + idempotencyId_;
      CommitRequest fence;
      fence.readVersion = v->version();
      v.reset();
      fence.mutations.push_back({MutationType::kSetValue, key, value});
      fence.mutations.push_back({MutationType::kSetValue, indexKey, ""});
      fence.readConflicts.push_back({key, keyAfter(key)});
      fence.writeConflicts = coalesceRanges({{key, keyAfter(key)}, {indexKey, keyAfter(indexKey)}});
      (void)db_->engine->commit(std::move(fence));
      db_->stats.count(StatsCollector::Event::kResolvedNotCommitted);
      return Resolution::kFenced;
    } catch (const Error& e) {
      if (!e.isRetryable()) {
        lastError = e.what();
        break;
      }
      lastError = e.what();
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(5 * (attempt + 1), 100)));
    }
  }
  throwError(ErrorCode::commit_unknown_result,
             "the idempotency id's record could not be resolved (" + lastError + ")");
}

}  // namespace strata::kv
