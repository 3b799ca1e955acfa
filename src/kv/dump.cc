#include "strata/dump.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <system_error>
#include <utility>
#include <vector>

#include "kv/checksum.h"
#include "kv/engine.h"
#include "strata/kv/error.h"
#include "strata/kv/scan.h"

namespace strata {

namespace {

// docs/FORMATS.md#dump-format. On-disk format: never change; bump kDumpFormat instead.
constexpr std::string_view kMagic{"\x89STRATA\n", 8};
constexpr uint32_t kDumpFormat = 1;
constexpr uint32_t kFlagConsistent = 1;
constexpr char kBlockTag = 'B';
constexpr char kEndTag = 'E';
constexpr size_t kMaxKey = 10'000;
constexpr size_t kMaxValue = 100'000;
constexpr uint32_t kMaxBlockPayload = 8'000'000;

void putU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void putU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint64_t getLE(std::string_view in, size_t n) {
  uint64_t v = 0;
  for (size_t i = n; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}
std::string u32Bytes(uint32_t v) {
  std::string s;
  putU32(s, v);
  return s;
}

std::string endOfPrefix(const std::string& prefix) {
  // The first key after every key starting with `prefix` (strinc), capped at "\xff".
  std::string end = prefix;
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xFF) end.pop_back();
  if (end.empty()) return "\xff";
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return std::min<std::string>(end, "\xff");
}

void writeOut(std::ostream& out, std::string_view bytes) {
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throwError(ErrorCode::io_error, "dump: write failed");
}

// Reads a dump from a stream, checking as it goes. Every problem is invalid_input with the offset.
class DumpReader {
 public:
  explicit DumpReader(std::istream& in) : in_(in) {}

  DumpInfo readHeader() {
    std::string header = take(8 + 4 + 4 + 8 + 8 + 4, "header");
    if (header.substr(0, 8) != kMagic) fail(0, "not a strata dump (bad magic)");
    info_.formatVersion = static_cast<uint32_t>(getLE(header.substr(8), 4));
    if (info_.formatVersion != kDumpFormat) {
      fail(8, "dump format " + std::to_string(info_.formatVersion) + ", this build reads " +
                  std::to_string(kDumpFormat));
    }
    auto flags = static_cast<uint32_t>(getLE(header.substr(12), 4));
    info_.consistent = (flags & kFlagConsistent) != 0;
    info_.sourceVersion = static_cast<int64_t>(getLE(header.substr(16), 8));
    info_.createdMicros = static_cast<int64_t>(getLE(header.substr(24), 8));
    auto prefixLen = static_cast<uint32_t>(getLE(header.substr(32), 4));
    if (prefixLen > kMaxKey) fail(32, "prefix length " + std::to_string(prefixLen));
    info_.prefix = take(prefixLen, "header");
    header += info_.prefix;
    std::string engineLen = take(4, "header");
    header += engineLen;
    auto n = static_cast<uint32_t>(getLE(engineLen, 4));
    if (n > 64) fail(offset_ - 4, "engine name length " + std::to_string(n));
    info_.sourceEngine = take(n, "header");
    header += info_.sourceEngine;
    auto stored = static_cast<uint32_t>(getLE(take(4, "header"), 4));
    if (kv::crc32c(header) != stored) fail(offset_ - 4, "header checksum mismatch");
    chain_ = stored;
    prefixEnd_ = endOfPrefix(info_.prefix);
    return info_;
  }

  // The header, and after the end marker the totals.
  [[nodiscard]] const DumpInfo& info() const { return info_; }

  // The next block's records, or false at the (verified) end.
  bool readBlock(std::vector<KeyValue>& rows) {
    rows.clear();
    int64_t start = offset_;
    std::string tag = take(1, "block");
    if (tag[0] == kEndTag) {
      readTrailer(start);
      return false;
    }
    if (tag[0] != kBlockTag) fail(start, "expected a block or the end marker");
    std::string head = take(8, "block header");
    auto count = static_cast<uint32_t>(getLE(head, 4));
    auto length = static_cast<uint32_t>(getLE(head.substr(4), 4));
    if (count == 0 || length > kMaxBlockPayload) fail(start, "implausible block header");
    std::string payload = take(length, "block");
    auto stored = static_cast<uint32_t>(getLE(take(4, "block checksum"), 4));
    if (kv::crc32c(payload, kv::crc32c(tag + head)) != stored) {
      fail(start, "block checksum mismatch");
    }
    std::string_view p = payload;
    for (uint32_t i = 0; i < count; ++i) {
      std::string key = field(p, kMaxKey, start);
      std::string value = field(p, kMaxValue, start);
      if (!key.starts_with(info_.prefix) || key >= prefixEnd_) {
        fail(start, "key outside the dump's prefix");
      }
      if (lastKey_ && key <= *lastKey_) fail(start, "keys out of order");
      lastKey_ = key;
      bytes_ += static_cast<int64_t>(key.size() + value.size());
      rows.push_back({std::move(key), std::move(value)});
    }
    if (!p.empty()) fail(start, "block payload longer than its records");
    keys_ += count;
    ++blocks_;
    chain_ = kv::crc32c(u32Bytes(stored), chain_);
    return true;
  }

 private:
  void readTrailer(int64_t start) {
    std::string body = take(24, "end marker");
    auto keys = static_cast<int64_t>(getLE(body, 8));
    auto bytes = static_cast<int64_t>(getLE(body.substr(8), 8));
    auto blocks = static_cast<int64_t>(getLE(body.substr(16), 8));
    auto chain = static_cast<uint32_t>(getLE(take(4, "end marker"), 4));
    auto stored = static_cast<uint32_t>(getLE(take(4, "end marker"), 4));
    if (kv::crc32c(std::string(1, kEndTag) + body + u32Bytes(chain)) != stored) {
      fail(start, "end marker checksum mismatch");
    }
    if (keys != keys_ || bytes != bytes_ || blocks != blocks_ || chain != chain_) {
      fail(start, "end marker does not match the blocks read (blocks lost or reordered)");
    }
    if (in_.peek() != std::char_traits<char>::eof()) fail(offset_, "bytes after the end marker");
    info_.keys = keys_;
    info_.bytes = bytes_;
    info_.blocks = blocks_;
  }

  std::string field(std::string_view& p, size_t max, int64_t blockStart) {
    if (p.size() < 4) fail(blockStart, "record cut short");
    auto n = static_cast<size_t>(getLE(p, 4));
    p.remove_prefix(4);
    if (n > max || n > p.size()) fail(blockStart, "record length out of range");
    std::string s(p.substr(0, n));
    p.remove_prefix(n);
    return s;
  }

  std::string take(size_t n, const char* what) {
    std::string s(n, '\0');
    in_.read(s.data(), static_cast<std::streamsize>(n));
    auto got = static_cast<size_t>(in_.gcount());
    if (got != n) {
      if (in_.bad()) throwError(ErrorCode::io_error, "dump: read failed");
      fail(offset_ + static_cast<int64_t>(got),
           std::string("truncated (in the ") + what + "; no end marker)");
    }
    offset_ += static_cast<int64_t>(n);
    return s;
  }

  [[noreturn]] void fail(int64_t at, const std::string& why) {
    throwError(ErrorCode::invalid_input, "dump damaged at byte " + std::to_string(at) + ": " + why);
  }

  std::istream& in_;
  DumpInfo info_;
  std::string prefixEnd_;
  int64_t offset_ = 0;
  int64_t keys_ = 0, bytes_ = 0, blocks_ = 0;
  uint32_t chain_ = 0;
  std::optional<std::string> lastKey_;
};

// The progress file: "<header checksum as 8 hex digits> <blocks committed>\n".
std::string progressTag(const DumpInfo& info) {
  std::string s;
  putU64(s, static_cast<uint64_t>(info.createdMicros));
  putU64(s, static_cast<uint64_t>(info.sourceVersion));
  s += info.prefix;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", kv::crc32c(s));
  return hex;
}

void writeProgress(const std::filesystem::path& file, const std::string& tag, int64_t blocks) {
  auto tmp = file;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << tag << ' ' << blocks << '\n';
    if (!out) throwError(ErrorCode::io_error, "cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) throwError(ErrorCode::io_error, "cannot rename " + tmp.string() + ": " + ec.message());
}

int64_t readProgress(const std::filesystem::path& file, const std::string& tag) {
  std::ifstream in(file);
  if (!in) return 0;  // nothing committed yet
  std::string fileTag;
  int64_t blocks = -1;
  in >> fileTag >> blocks;
  if (!in || blocks < 0) throwError(ErrorCode::invalid_input, file.string() + " is damaged");
  if (fileTag != tag) {
    throwError(ErrorCode::invalid_input, file.string() + " records the load of another dump");
  }
  return blocks;
}

// Sets rows [from, to) in one transaction; an engine with smaller commits than a block (an etcd
// cluster's --max-request-bytes) gets it in halves.
void commitRows(Database& db, const std::vector<KeyValue>& rows, size_t from, size_t to) {
  try {
    db.run([&](Transaction& tr) {
      for (size_t i = from; i < to; ++i) tr.set(rows[i].key, rows[i].value);
    });
  } catch (const Error& e) {
    if (e.errorCode() != ErrorCode::transaction_too_large || to - from < 2) throw;
    size_t mid = from + (to - from) / 2;
    commitRows(db, rows, from, mid);
    commitRows(db, rows, mid, to);
  }
}

std::ifstream openDump(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throwError(ErrorCode::file_not_found, "cannot open " + path.string());
  return in;
}

}  // namespace

DumpInfo dump(Database& db, std::ostream& out, const DumpOptions& options) {
  if (options.blockBytes < 1 || options.blockBytes > 4'000'000) {
    throwError(ErrorCode::invalid_option_value, "DumpOptions::blockBytes must be in [1, 4000000]");
  }
  ScanOptions so;
  so.consistency = canPinScan(db) ? ScanConsistency::kPinned : ScanConsistency::kPerBatch;
  so.batchBytes = std::max<int64_t>(options.blockBytes, 64 << 10);
  Scan scan = Scan::open(db, options.prefix, endOfPrefix(options.prefix), so);

  DumpInfo info;
  info.formatVersion = kDumpFormat;
  info.prefix = options.prefix;
  info.sourceEngine = db.engine().name();
  info.consistent = so.consistency == ScanConsistency::kPinned;
  info.createdMicros = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  // The first batch's version goes in the header, so read it before writing anything.
  bool more = scan.hasMore();
  info.sourceVersion = scan.batchVersion();

  std::string header(kMagic);
  putU32(header, kDumpFormat);
  putU32(header, info.consistent ? kFlagConsistent : 0);
  putU64(header, static_cast<uint64_t>(info.sourceVersion));
  putU64(header, static_cast<uint64_t>(info.createdMicros));
  putU32(header, static_cast<uint32_t>(info.prefix.size()));
  header += info.prefix;
  putU32(header, static_cast<uint32_t>(info.sourceEngine.size()));
  header += info.sourceEngine;
  uint32_t chain = kv::crc32c(header);
  putU32(header, chain);
  writeOut(out, header);

  std::string payload;
  uint32_t count = 0;
  auto flush = [&] {
    if (count == 0) return;
    std::string head(1, kBlockTag);
    putU32(head, count);
    putU32(head, static_cast<uint32_t>(payload.size()));
    uint32_t crc = kv::crc32c(payload, kv::crc32c(head));
    writeOut(out, head);
    writeOut(out, payload);
    writeOut(out, u32Bytes(crc));
    chain = kv::crc32c(u32Bytes(crc), chain);
    ++info.blocks;
    payload.clear();
    count = 0;
    if (options.progress) options.progress({info.keys, info.bytes, info.blocks});
  };
  while (more) {
    auto kv = scan.next();
    if (!kv) break;
    putU32(payload, static_cast<uint32_t>(kv->key.size()));
    payload += kv->key;
    putU32(payload, static_cast<uint32_t>(kv->value.size()));
    payload += kv->value;
    ++count;
    ++info.keys;
    info.bytes += static_cast<int64_t>(kv->key.size() + kv->value.size());
    if (static_cast<int64_t>(payload.size()) >= options.blockBytes) flush();
  }
  flush();
  std::string trailer(1, kEndTag);
  putU64(trailer, static_cast<uint64_t>(info.keys));
  putU64(trailer, static_cast<uint64_t>(info.bytes));
  putU64(trailer, static_cast<uint64_t>(info.blocks));
  putU32(trailer, chain);
  putU32(trailer, kv::crc32c(trailer));
  writeOut(out, trailer);
  out.flush();
  if (!out) throwError(ErrorCode::io_error, "dump: flush failed");
  return info;
}

DumpInfo verifyDump(std::istream& in) {
  DumpReader reader(in);
  DumpInfo info = reader.readHeader();
  std::vector<KeyValue> rows;
  while (reader.readBlock(rows)) {
  }
  (void)info;
  return reader.info();
}

DumpInfo loadDump(Database& db, const std::filesystem::path& path, const LoadOptions& options) {
  if (options.resume && options.progressFile.empty()) {
    throwError(ErrorCode::client_invalid_operation, "resume needs a progress file");
  }
  int64_t totalBlocks = 0;
  if (!options.allowPartial) {
    std::ifstream in = openDump(path);
    totalBlocks = verifyDump(in).blocks;
  }
  std::ifstream in = openDump(path);
  DumpReader reader(in);
  DumpInfo info = reader.readHeader();
  std::string tag = progressTag(info);
  int64_t skip = options.resume ? readProgress(options.progressFile, tag) : 0;
  if (options.clearFirst && skip == 0) {
    std::string end = endOfPrefix(info.prefix);
    db.run([&](Transaction& tr) { tr.clearRange(info.prefix, end); });
  }
  LoadProgress progress;
  progress.totalBlocks = totalBlocks;
  std::vector<KeyValue> rows;
  while (reader.readBlock(rows)) {
    ++progress.blocks;
    for (const auto& kv : rows)
      progress.bytes += static_cast<int64_t>(kv.key.size() + kv.value.size());
    progress.keys += static_cast<int64_t>(rows.size());
    if (progress.blocks <= skip) continue;
    commitRows(db, rows, 0, rows.size());
    if (!options.progressFile.empty()) writeProgress(options.progressFile, tag, progress.blocks);
    if (options.progress) options.progress(progress);
  }
  DumpInfo totals = info;
  totals.keys = progress.keys;
  totals.bytes = progress.bytes;
  totals.blocks = progress.blocks;
  if (!options.progressFile.empty()) {
    std::error_code ec;
    std::filesystem::remove(options.progressFile, ec);
  }
  return totals;
}

}  // namespace strata
