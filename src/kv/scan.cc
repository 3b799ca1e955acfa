#include "strata/kv/scan.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

#include "kv/checksum.h"
#include "kv/engine.h"
#include "strata/kv/error.h"
#include "strata/kv/key_selector.h"

namespace strata {

namespace {

constexpr std::string_view kTokenPrefix = "c1";
constexpr uint8_t kTokenFormat = 1;
constexpr uint8_t kFlagReverse = 1;
constexpr uint8_t kFlagPinned = 2;
constexpr uint8_t kFlagStarted = 4;
constexpr std::string_view kSystemPrefix = "\xff";
// Rows per engine read in a pinned scan (the engine's own chunk; batches stop on bytes/time).
constexpr int kPinnedChunkRows = 1000;

constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kBase64Url[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kBase64Url[(acc << (6 - bits)) & 0x3F]);
  return out;
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const char* p = std::strchr(kBase64Url, c);
    if (c == '\0' || p == nullptr) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(p - kBase64Url);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero padding of the last character (4 or 2 bits, never 6).
  if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

void putU32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint32_t getU32(std::string_view in) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(in[static_cast<size_t>(i)]);
  return v;
}
void putI64(std::string& out, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xFF));
}
int64_t getI64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(in[static_cast<size_t>(i)]);
  return static_cast<int64_t>(v);
}

// Identifies the range and direction a token belongs to.
uint32_t rangeFingerprint(std::string_view begin, std::string_view end, bool reverse) {
  std::string bytes;
  putU32(bytes, static_cast<uint32_t>(begin.size()));
  bytes.append(begin);
  putU32(bytes, static_cast<uint32_t>(end.size()));
  bytes.append(end);
  bytes.push_back(reverse ? 'r' : 'f');
  return kv::crc32c(bytes);
}

struct Token {
  bool reverse = false;
  std::optional<int64_t> pinnedVersion;
  std::optional<std::string> lastKey;
  uint32_t fingerprint = 0;
};

[[noreturn]] void badToken(const std::string& why) {
  throwError(ErrorCode::invalid_input, "continuation token: " + why);
}

Token decodeToken(std::string_view text) {
  if (!text.starts_with(kTokenPrefix)) badToken("does not start with \"c1\"");
  auto raw = base64UrlDecode(text.substr(kTokenPrefix.size()));
  if (!raw) badToken("not base64url text (was it cut or edited?)");
  std::string_view bytes = *raw;
  if (bytes.size() < 10) badToken("too short");
  uint32_t stored = getU32(bytes.substr(bytes.size() - 4));
  bytes.remove_suffix(4);
  if (kv::crc32c(bytes) != stored) badToken("checksum mismatch (was it cut or edited?)");
  if (static_cast<uint8_t>(bytes[0]) != kTokenFormat) {
    badToken("format " + std::to_string(static_cast<uint8_t>(bytes[0])) + " is not supported");
  }
  auto flags = static_cast<uint8_t>(bytes[1]);
  Token t;
  t.reverse = (flags & kFlagReverse) != 0;
  t.fingerprint = getU32(bytes.substr(2, 4));
  bytes.remove_prefix(6);
  if ((flags & kFlagPinned) != 0) {
    if (bytes.size() < 8) badToken("too short");
    t.pinnedVersion = getI64(bytes);
    bytes.remove_prefix(8);
  }
  if ((flags & kFlagStarted) != 0) {
    t.lastKey = std::string(bytes);
  } else if (!bytes.empty()) {
    badToken("trailing bytes");
  }
  return t;
}

std::string encodeToken(const Token& t) {
  std::string bytes;
  bytes.push_back(static_cast<char>(kTokenFormat));
  uint8_t flags = (t.reverse ? kFlagReverse : 0) | (t.pinnedVersion ? kFlagPinned : 0) |
                  (t.lastKey ? kFlagStarted : 0);
  bytes.push_back(static_cast<char>(flags));
  putU32(bytes, t.fingerprint);
  if (t.pinnedVersion) putI64(bytes, *t.pinnedVersion);
  if (t.lastKey) bytes.append(*t.lastKey);
  putU32(bytes, kv::crc32c(bytes));
  return std::string(kTokenPrefix) + base64UrlEncode(bytes);
}

void validate(std::string_view end, const ScanOptions& options) {
  if (end > kSystemPrefix) {
    throwError(ErrorCode::key_outside_legal_range, "scan end past \"\\xff\"");
  }
  if (options.batchBytes < 1 || options.batchBytes > 8'000'000) {
    throwError(ErrorCode::invalid_option_value, "ScanOptions::batchBytes must be in [1, 8000000]");
  }
  if (options.batchTime < std::chrono::milliseconds(1) ||
      options.batchTime > std::chrono::milliseconds(4000)) {
    throwError(ErrorCode::invalid_option_value,
               "ScanOptions::batchTime must be in [1 ms, 4000 ms]");
  }
  if (options.consistency != ScanConsistency::kPerBatch &&
      options.consistency != ScanConsistency::kPinned) {
    throwError(ErrorCode::invalid_option_value, "unknown ScanConsistency");
  }
}

bool enginePins(const kv::Engine& engine) { return engine.name() == "lmdb"; }

}  // namespace

bool canPinScan(const Database& db) { return enginePins(db.engine()); }

class Scan::Impl {
 public:
  Impl(Database& db, std::string_view begin, std::string_view end, const ScanOptions& options)
      : db_(db),
        options_(options),
        reverse_(options.reverse == Reverse::kYes),
        fingerprint_(rangeFingerprint(begin, end, reverse_)),
        lo_(begin),
        hi_(end) {
    validate(end, options);
    if (lo_ >= hi_) exhausted_ = true;
  }

  void pin(std::optional<int64_t> version) {
    if (!enginePins(db_.engine())) {
      throwError(ErrorCode::unsupported_operation,
                 "a pinned scan needs an engine that keeps a read version beyond the 5 s "
                 "transaction lifetime; " +
                     db_.engine().name() +
                     " does not (use ScanConsistency::kPerBatch: each batch is a snapshot)");
    }
    if (version) {
      try {
        view_ = db_.engine().readAt(*version);
      } catch (const Error& e) {
        if (e.errorCode() != ErrorCode::transaction_too_old) throw;
        throwError(ErrorCode::transaction_too_old,
                   "the token's pinned version " + std::to_string(*version) +
                       " is no longer kept; resume it with per-batch consistency");
      }
    } else {
      view_ = db_.engine().beginRead();
    }
    version_ = view_->version();
  }

  void resumeAfter(const Token& token) {
    if (token.fingerprint != fingerprint_ || token.reverse != reverse_) {
      badToken("it belongs to a scan of another range or direction (give the same arguments)");
    }
    if (!token.lastKey) return;
    lastKey_ = token.lastKey;
    if (reverse_) {
      hi_ = std::min(hi_, *token.lastKey);
    } else {
      lo_ = std::max(lo_, *token.lastKey + '\0');
    }
    if (lo_ >= hi_) exhausted_ = true;
  }

  std::optional<KeyValue> next() {
    if (pos_ >= batch_.size() && !fill()) return std::nullopt;
    KeyValue& kv = batch_[pos_++];
    noteReturned(kv);
    return std::move(kv);
  }

  std::vector<KeyValue> nextBatch() {
    if (pos_ >= batch_.size() && !fill()) return {};
    std::vector<KeyValue> out(std::make_move_iterator(batch_.begin() + static_cast<long>(pos_)),
                              std::make_move_iterator(batch_.end()));
    batch_.clear();
    pos_ = 0;
    for (const auto& kv : out) noteReturned(kv);
    return out;
  }

  bool hasMore() { return pos_ < batch_.size() || fill(); }

  [[nodiscard]] std::string continuation() const {
    Token t;
    t.reverse = reverse_;
    t.fingerprint = fingerprint_;
    if (view_) t.pinnedVersion = version_;
    t.lastKey = lastKey_;
    return encodeToken(t);
  }

  bool done_ = false;
  int64_t version_ = -1;
  int64_t batches_ = 0;
  int64_t rows_ = 0;
  int64_t bytes_ = 0;

 private:
  void noteReturned(const KeyValue& kv) {
    ++rows_;
    bytes_ += static_cast<int64_t>(kv.key.size() + kv.value.size());
    lastKey_ = kv.key;
  }

  // Reads the next batch into batch_. Returns: false (and sets done_) when nothing remains.
  bool fill() {
    batch_.clear();
    pos_ = 0;
    while (batch_.empty()) {
      if (exhausted_) {
        done_ = true;
        return false;
      }
      if (view_) {
        fillPinned();
      } else {
        fillBatch();
      }
    }
    return true;
  }

  // Moves the unscanned window past the rows just read.
  void advance(const std::vector<KeyValue>& rows) {
    if (rows.empty()) return;
    if (reverse_) {
      hi_ = rows.back().key;
    } else {
      lo_ = rows.back().key + '\0';
    }
  }

  // One transaction: snapshot reads until batchBytes or batchTime is reached.
  void fillBatch() {
    Transaction tr = db_.createTransaction();
    for (;;) {
      std::vector<KeyValue> rows;
      try {
        auto start = std::chrono::steady_clock::now();
        std::string lo = lo_, hi = hi_;
        int64_t bytes = 0;
        bool more = true;
        for (int iteration = 1; more; ++iteration) {
          RangeOptions ro;
          ro.mode = StreamingMode::kIterator;
          ro.snapshot = Snapshot::kYes;
          ro.reverse = options_.reverse;
          ro.targetBytes = static_cast<int>(std::max<int64_t>(options_.batchBytes - bytes, 1));
          RangeBatch b = tr.getRangeBatch(KeySelector::firstGreaterOrEqual(lo),
                                          KeySelector::firstGreaterOrEqual(hi), ro, iteration);
          more = b.more && !b.kvs.empty();
          for (auto& kv : b.kvs) {
            bytes += static_cast<int64_t>(kv.key.size() + kv.value.size());
            rows.push_back(std::move(kv));
          }
          if (!rows.empty()) {
            if (reverse_) {
              hi = rows.back().key;
            } else {
              lo = rows.back().key + '\0';
            }
          }
          if (bytes >= options_.batchBytes ||
              std::chrono::steady_clock::now() - start >= options_.batchTime) {
            break;
          }
        }
        version_ = tr.getReadVersion();
        ++batches_;
        if (!more) exhausted_ = true;
        advance(rows);
        batch_ = std::move(rows);
        return;
      } catch (const Error& e) {
        tr.onError(e);
      }
    }
  }

  // Reads from the pinned view until batchBytes or batchTime is reached.
  void fillPinned() {
    auto start = std::chrono::steady_clock::now();
    int64_t bytes = 0;
    std::vector<KeyValue> rows;
    for (;;) {
      kv::RangeChunk c = view_->getRange(lo_, hi_, kPinnedChunkRows, reverse_);
      for (auto& kv : c.kvs) bytes += static_cast<int64_t>(kv.key.size() + kv.value.size());
      advance(c.kvs);
      rows.insert(rows.end(), std::make_move_iterator(c.kvs.begin()),
                  std::make_move_iterator(c.kvs.end()));
      if (!c.more || c.kvs.empty() || lo_ >= hi_) {
        exhausted_ = true;
        break;
      }
      if (bytes >= options_.batchBytes ||
          std::chrono::steady_clock::now() - start >= options_.batchTime) {
        break;
      }
    }
    ++batches_;
    batch_ = std::move(rows);
  }

  Database& db_;
  ScanOptions options_;
  bool reverse_;
  uint32_t fingerprint_;
  std::string lo_, hi_;  // the part of the range not read yet
  bool exhausted_ = false;
  std::optional<std::string> lastKey_;
  std::shared_ptr<kv::ReadView> view_;  // the pinned version, when pinned
  std::vector<KeyValue> batch_;
  size_t pos_ = 0;
};

Scan Scan::open(Database& db, std::string_view begin, std::string_view end, ScanOptions options) {
  auto impl = std::make_unique<Impl>(db, begin, end, options);
  if (options.consistency == ScanConsistency::kPinned) impl->pin(std::nullopt);
  return Scan(std::move(impl));
}

Scan Scan::resume(Database& db, std::string_view begin, std::string_view end,
                  std::string_view token, ScanOptions options) {
  Token t = decodeToken(token);
  auto impl = std::make_unique<Impl>(db, begin, end, options);
  impl->resumeAfter(t);
  if (options.consistency == ScanConsistency::kPinned) impl->pin(t.pinnedVersion);
  return Scan(std::move(impl));
}

Scan::Scan(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scan::Scan(Scan&&) noexcept = default;
Scan& Scan::operator=(Scan&&) noexcept = default;
Scan::~Scan() = default;

std::optional<KeyValue> Scan::next() { return impl_->next(); }
std::vector<KeyValue> Scan::nextBatch() { return impl_->nextBatch(); }
bool Scan::hasMore() { return impl_->hasMore(); }
bool Scan::done() const { return impl_->done_; }
std::string Scan::continuation() const { return impl_->continuation(); }
int64_t Scan::batchVersion() const { return impl_->version_; }
int64_t Scan::batches() const { return impl_->batches_; }
int64_t Scan::rowsReturned() const { return impl_->rows_; }
int64_t Scan::bytesReturned() const { return impl_->bytes_; }

}  // namespace strata
