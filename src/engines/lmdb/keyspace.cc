#include "engines/lmdb/keyspace.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "engines/lmdb/errors.h"
#include "engines/lmdb/format.h"

namespace strata::kv::lmdb {
namespace {

using Bucket = std::vector<std::pair<std::string, std::string>>;  // (suffix, value), sorted

MDB_val toVal(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view fromVal(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

bool isLong(std::string_view key) { return key.size() > kInlineKeyMax; }

std::string inlineKey(std::string_view key) {
  std::string k(key);
  k.push_back(kInlineTag);
  return k;
}
std::string bucketKey(std::string_view key) {
  std::string k(key.substr(0, kInlineKeyMax));
  k.push_back(kBucketTag);
  return k;
}
// The smallest LMDB key whose entry may hold user keys >= key.
std::string seekKey(std::string_view key) { return isLong(key) ? bucketKey(key) : inlineKey(key); }

void putU32(std::string& out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out.append(b, 4);
}
uint32_t getU32(std::string_view in, size_t pos) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(static_cast<uint8_t>(in[pos + i])) << (8 * i);
  return v;
}

// Throws: io_error (1510) for a truncated bucket (a damaged file; found by
// fuzz/format_open_fuzzer.cc: the lengths were trusted and read past the value).
Bucket decodeBucket(std::string_view in) {
  Bucket out;
  size_t pos = 0;
  auto field = [&]() {
    if (in.size() - pos < 4) throwError(ErrorCode::io_error, "corrupt key bucket");
    uint32_t len = getU32(in, pos);
    pos += 4;
    if (in.size() - pos < len) throwError(ErrorCode::io_error, "corrupt key bucket");
    std::string field(in.substr(pos, len));
    pos += len;
    return field;
  };
  while (pos < in.size()) {
    std::string suffix = field();
    out.emplace_back(std::move(suffix), field());
  }
  return out;
}
std::string encodeBucket(const Bucket& bucket) {
  std::string out;
  for (const auto& [suffix, value] : bucket) {
    putU32(out, static_cast<uint32_t>(suffix.size()));
    out += suffix;
    putU32(out, static_cast<uint32_t>(value.size()));
    out += value;
  }
  return out;
}

std::optional<Bucket> loadBucket(MDB_txn* txn, MDB_dbi dbi, const std::string& bkey) {
  MDB_val k = toVal(bkey), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "mdb_get");
  return decodeBucket(fromVal(v));
}
void storeBucket(MDB_txn* txn, MDB_dbi dbi, const std::string& bkey, const Bucket& bucket) {
  MDB_val k = toVal(bkey);
  if (bucket.empty()) {
    int rc = mdb_del(txn, dbi, &k, nullptr);
    if (rc != MDB_NOTFOUND) check(rc, "mdb_del");
    return;
  }
  std::string enc = encodeBucket(bucket);
  MDB_val v = toVal(enc);
  check(mdb_put(txn, dbi, &k, &v, 0), "mdb_put");
}

class Cursor {
 public:
  Cursor(MDB_txn* txn, MDB_dbi dbi, Phase phase) : phase_(phase) {
    check(mdb_cursor_open(txn, dbi, &cursor_), "mdb_cursor_open", phase);
  }
  ~Cursor() { mdb_cursor_close(cursor_); }
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  // Positions the cursor; returns false at the end (MDB_NOTFOUND).
  bool move(MDB_cursor_op op, std::string_view seek = {}) {
    key_ = toVal(seek);
    int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
    if (rc == MDB_NOTFOUND) return false;
    check(rc, "mdb_cursor_get", phase_);
    return true;
  }
  [[nodiscard]] std::string_view key() const { return fromVal(key_); }
  [[nodiscard]] std::string_view value() const { return fromVal(value_); }
  MDB_cursor* get() { return cursor_; }

 private:
  MDB_cursor* cursor_ = nullptr;
  Phase phase_;
  MDB_val key_{}, value_{};
};

}  // namespace

std::optional<std::string> dataGet(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  if (!isLong(key)) {
    std::string k = inlineKey(key);
    MDB_val kv = toVal(k), v;
    int rc = mdb_get(txn, dbi, &kv, &v);
    if (rc == MDB_NOTFOUND) return std::nullopt;
    check(rc, "mdb_get", Phase::kRead);
    return std::string(fromVal(v));
  }
  auto bucket = loadBucket(txn, dbi, bucketKey(key));
  if (!bucket) return std::nullopt;
  std::string_view suffix = key.substr(kInlineKeyMax);
  auto it = std::lower_bound(bucket->begin(), bucket->end(), suffix,
                             [](const auto& e, std::string_view s) { return e.first < s; });
  if (it == bucket->end() || it->first != suffix) return std::nullopt;
  return std::move(it->second);
}

void dataPut(MDB_txn* txn, MDB_dbi dbi, std::string_view key, std::string_view value) {
  if (!isLong(key)) {
    std::string k = inlineKey(key);
    MDB_val kv = toVal(k), v = toVal(value);
    check(mdb_put(txn, dbi, &kv, &v, 0), "mdb_put");
    return;
  }
  std::string bkey = bucketKey(key);
  Bucket bucket = loadBucket(txn, dbi, bkey).value_or(Bucket{});
  std::string suffix(key.substr(kInlineKeyMax));
  auto it = std::lower_bound(bucket.begin(), bucket.end(), suffix,
                             [](const auto& e, const std::string& s) { return e.first < s; });
  if (it != bucket.end() && it->first == suffix) {
    it->second = std::string(value);
  } else {
    bucket.emplace(it, std::move(suffix), std::string(value));
  }
  storeBucket(txn, dbi, bkey, bucket);
}

void dataErase(MDB_txn* txn, MDB_dbi dbi, std::string_view key) {
  if (!isLong(key)) {
    std::string k = inlineKey(key);
    MDB_val kv = toVal(k);
    int rc = mdb_del(txn, dbi, &kv, nullptr);
    if (rc != MDB_NOTFOUND) check(rc, "mdb_del");
    return;
  }
  std::string bkey = bucketKey(key);
  auto bucket = loadBucket(txn, dbi, bkey);
  if (!bucket) return;
  std::string_view suffix = key.substr(kInlineKeyMax);
  auto it = std::lower_bound(bucket->begin(), bucket->end(), suffix,
                             [](const auto& e, std::string_view s) { return e.first < s; });
  if (it == bucket->end() || it->first != suffix) return;
  bucket->erase(it);
  storeBucket(txn, dbi, bkey, *bucket);
}

void dataClearRange(MDB_txn* txn, MDB_dbi dbi, std::string_view begin, std::string_view end) {
  if (begin >= end) return;
  if (end.size() == begin.size() + 1 && end.back() == '\0' && end.starts_with(begin)) {
    dataErase(txn, dbi, begin);
    return;
  }
  Cursor cursor(txn, dbi, Phase::kWrite);
  std::string seek = seekKey(begin);
  bool found = cursor.move(MDB_SET_RANGE, seek);
  while (found) {
    std::string_view raw = cursor.key();
    std::string_view prefix = raw.substr(0, raw.size() - 1);
    if (raw.back() == kInlineTag) {
      if (prefix >= end) break;
      std::string deleted(raw);
      check(mdb_cursor_del(cursor.get(), 0), "mdb_cursor_del");
      // Re-seek rather than rely on where a delete leaves the cursor.
      found = cursor.move(MDB_SET_RANGE, deleted);
      continue;
    }
    if (prefix >= end) break;  // every key in the bucket is longer than prefix, so >= end
    std::string bkey(raw);
    Bucket bucket = decodeBucket(cursor.value());
    Bucket kept;
    for (auto& [suffix, value] : bucket) {
      std::string full = std::string(prefix) + suffix;
      if (full >= begin && full < end) continue;
      kept.emplace_back(std::move(suffix), std::move(value));
    }
    if (kept.size() != bucket.size()) storeBucket(txn, dbi, bkey, kept);
    found = cursor.move(MDB_SET_RANGE, bkey);
    if (found && cursor.key() == bkey) found = cursor.move(MDB_NEXT);
  }
}

RangeChunk dataRange(MDB_txn* txn, MDB_dbi dbi, std::string_view begin, std::string_view end,
                     int limit, bool reverse) {
  RangeChunk chunk;
  if (begin >= end || limit <= 0) return chunk;
  const size_t want = static_cast<size_t>(limit) + 1;  // one extra row decides `more`
  std::vector<KeyValue>& out = chunk.kvs;
  Cursor cursor(txn, dbi, Phase::kRead);
  // Emits one decoded row; returns false once the walk must stop.
  auto emit = [&](std::string key, std::string_view value) {
    if (!reverse) {
      if (key < begin) return true;
      if (key >= end) return false;
    } else {
      if (key >= end) return true;
      if (key < begin) return false;
    }
    out.push_back(KeyValue{std::move(key), std::string(value)});
    return out.size() < want;
  };
  auto visit = [&]() {
    std::string_view raw = cursor.key();
    std::string_view prefix = raw.substr(0, raw.size() - 1);
    if (raw.back() == kInlineTag) return emit(std::string(prefix), cursor.value());
    Bucket bucket = decodeBucket(cursor.value());
    if (!reverse) {
      for (auto& [suffix, value] : bucket) {
        if (!emit(std::string(prefix) + suffix, value)) return false;
      }
    } else {
      for (auto it = bucket.rbegin(); it != bucket.rend(); ++it) {
        if (!emit(std::string(prefix) + it->first, it->second)) return false;
      }
    }
    return true;
  };
  if (!reverse) {
    std::string seek = seekKey(begin);
    for (bool found = cursor.move(MDB_SET_RANGE, seek); found; found = cursor.move(MDB_NEXT)) {
      if (!visit()) break;
    }
  } else {
    std::string seek = seekKey(end);
    bool found = cursor.move(MDB_SET_RANGE, seek);
    if (!found) found = cursor.move(MDB_LAST);
    for (; found; found = cursor.move(MDB_PREV)) {
      if (!visit()) break;
    }
  }
  if (out.size() > static_cast<size_t>(limit)) {
    out.pop_back();
    chunk.more = true;
  }
  return chunk;
}

}  // namespace strata::kv::lmdb
