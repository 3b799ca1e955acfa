// Blob: fixed 64 KiB chunks with a CRC-32C trailer, a size raised by atomic MAX, generations for
// atomic publication of multi-transaction uploads. Layout: include/strata/layers/blob.h.
#include "strata/layers/blob.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <random>

namespace strata::layers {
namespace {

constexpr int64_t kTagGeneration = 0;
constexpr int64_t kTagSize = 1;
constexpr int64_t kTagChunk = 2;
constexpr int64_t kTagDigest = 3;
constexpr int64_t kTagUpload = 4;
constexpr size_t kCrcBytes = 4;

// ---- CRC-32C --------------------------------------------------------------------------------

constexpr uint32_t kCastagnoli = 0x82F63B78u;  // reflected polynomial

constexpr std::array<std::array<uint32_t, 256>, 8> makeTables() {
  std::array<std::array<uint32_t, 256>, 8> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kCastagnoli : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xff];
  }
  return t;
}
constexpr auto kTables = makeTables();

// Slicing-by-8 over the raw (pre/post-inverted) state.
uint32_t crcPortable(const unsigned char* p, size_t n, uint32_t c) {
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    word ^= c;
    c = kTables[7][word & 0xff] ^ kTables[6][(word >> 8) & 0xff] ^ kTables[5][(word >> 16) & 0xff] ^
        kTables[4][(word >> 24) & 0xff] ^ kTables[3][(word >> 32) & 0xff] ^
        kTables[2][(word >> 40) & 0xff] ^ kTables[1][(word >> 48) & 0xff] ^ kTables[0][word >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = kTables[0][(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crcHardware(const unsigned char* p, size_t n,
                                                       uint32_t c) {
  uint64_t c64 = c;
  while (n >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    c64 = __builtin_ia32_crc32di(c64, word);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<uint32_t>(c64);
  while (n-- > 0) c32 = __builtin_ia32_crc32qi(c32, *p++);
  return c32;
}
const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
#endif

std::string littleEndian(uint64_t value, size_t bytes = 8) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<char>(value >> (8 * i));
  return out;
}

uint64_t fromLittleEndian(std::string_view bytes) {
  uint64_t v = 0;
  for (size_t i = std::min<size_t>(bytes.size(), 8); i-- > 0;) {
    v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return v;
}

[[noreturn]] void invalidCall(std::string_view what) {
  throwError(ErrorCode::client_invalid_operation, what);
}

void checkRange(int64_t offset, int64_t length) {
  if (offset < 0 || length < 0) invalidCall("blob offset and length must not be negative");
  if (offset > kBlobMaxSize || length > kBlobMaxSize - offset) {
    invalidCall("blob offset + length past kBlobMaxSize (2^62)");
  }
}

// A chunk's stored value: its bytes followed by their CRC-32C.
std::string encodeChunk(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + kCrcBytes);
  out.append(bytes);
  out += littleEndian(crc32c(bytes), kCrcBytes);
  return out;
}

// Returns: the chunk's bytes (a view into `stored`). Throws: io_error (1510) on a bad checksum.
std::string_view decodeChunk(std::string_view stored, int64_t index) {
  if (stored.size() < kCrcBytes) {
    throwError(ErrorCode::io_error, "blob chunk " + std::to_string(index) + " is truncated");
  }
  std::string_view bytes = stored.substr(0, stored.size() - kCrcBytes);
  auto expected = static_cast<uint32_t>(fromLittleEndian(stored.substr(bytes.size())));
  if (crc32c(bytes) != expected) {
    throwError(ErrorCode::io_error, "blob chunk " + std::to_string(index) + " fails its CRC-32C");
  }
  return bytes;
}

uint64_t randomGeneration() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^
                                   (static_cast<uint64_t>(std::random_device{}()) << 32)};
  uint64_t g = 0;
  while (g == 0) g = rng();
  return g;
}

std::string encodeUpload(const BlobUpload& u) {
  return littleEndian(u.generation) + littleEndian(static_cast<uint64_t>(u.stagedBytes)) +
         littleEndian(u.stagedCrc32c, 4);
}

}  // namespace

uint32_t crc32c(std::string_view bytes, uint32_t crc) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
#if defined(__x86_64__)
  if (kHaveSse42) return ~crcHardware(p, bytes.size(), ~crc);
#endif
  return ~crcPortable(p, bytes.size(), ~crc);
}

// ---- Keys -------------------------------------------------------------------------------------

std::string Blob::sizeKey(uint64_t g) const { return subspace_.pack(Tuple{kTagSize, g}); }
std::string Blob::chunkKey(uint64_t g, int64_t index) const {
  return subspace_.pack(Tuple{kTagChunk, g, index});
}
std::string Blob::digestKey(uint64_t g) const { return subspace_.pack(Tuple{kTagDigest, g}); }

uint64_t Blob::generation(Transaction& tr, Snapshot snapshot) const {
  auto value = tr.get(subspace_.pack(Tuple{kTagGeneration}), snapshot);
  return value ? fromLittleEndian(*value) : 0;
}

int64_t Blob::sizeOf(Transaction& tr, uint64_t g, Snapshot snapshot) const {
  auto value = tr.get(sizeKey(g), snapshot);
  return value ? static_cast<int64_t>(fromLittleEndian(*value)) : 0;
}

// ---- In-place operations ----------------------------------------------------------------------

int64_t Blob::size(Transaction& tr, Snapshot snapshot) const {
  return sizeOf(tr, generation(tr, snapshot), snapshot);
}

std::string Blob::read(Transaction& tr, int64_t offset, int64_t length, Snapshot snapshot) const {
  checkRange(offset, 0);
  if (length < 0) invalidCall("blob read length must not be negative");
  uint64_t g = generation(tr, snapshot);
  int64_t total = sizeOf(tr, g, snapshot);
  if (offset >= total || length == 0) return {};
  int64_t n = std::min(length, total - offset);
  std::string out(static_cast<size_t>(n), '\0');
  int64_t first = offset / kBlobChunkSize;
  int64_t last = (offset + n - 1) / kBlobChunkSize;
  RangeOptions options;
  options.snapshot = snapshot;
  options.mode = StreamingMode::kWantAll;
  for (const KeyValue& kv : tr.getRange(chunkKey(g, first), chunkKey(g, last + 1), options)) {
    int64_t index = subspace_.unpack(kv.key).getInt(2);
    std::string_view bytes = decodeChunk(kv.value, index);
    int64_t chunkBegin = index * kBlobChunkSize;
    int64_t from = std::max(offset, chunkBegin);
    int64_t to = std::min(offset + n, chunkBegin + static_cast<int64_t>(bytes.size()));
    if (from < to) {
      std::memcpy(out.data() + (from - offset), bytes.data() + (from - chunkBegin),
                  static_cast<size_t>(to - from));
    }
  }
  return out;
}

void Blob::writeInto(Transaction& tr, uint64_t g, int64_t offset, std::string_view data) const {
  checkRange(offset, static_cast<int64_t>(data.size()));
  if (data.empty()) return;
  int64_t end = offset + static_cast<int64_t>(data.size());
  for (int64_t index = offset / kBlobChunkSize; index * kBlobChunkSize < end; ++index) {
    int64_t chunkBegin = index * kBlobChunkSize;
    int64_t from = std::max(offset, chunkBegin);
    int64_t to = std::min(end, chunkBegin + kBlobChunkSize);
    std::string_view piece =
        data.substr(static_cast<size_t>(from - offset), static_cast<size_t>(to - from));
    std::string key = chunkKey(g, index);
    if (from == chunkBegin && to == chunkBegin + kBlobChunkSize) {
      tr.set(key, encodeChunk(piece));  // a whole chunk: no read, no conflict
      continue;
    }
    std::string bytes;
    if (auto stored = tr.get(key)) bytes = std::string(decodeChunk(*stored, index));
    auto within = static_cast<size_t>(from - chunkBegin);
    if (bytes.size() < within + piece.size()) bytes.resize(within + piece.size(), '\0');
    bytes.replace(within, piece.size(), piece);
    tr.set(key, encodeChunk(bytes));
  }
  tr.atomicOp(MutationType::kMax, sizeKey(g), littleEndian(static_cast<uint64_t>(end)));
}

void Blob::write(Transaction& tr, int64_t offset, std::string_view data) const {
  checkRange(offset, static_cast<int64_t>(data.size()));
  if (data.empty()) return;
  uint64_t g = generation(tr, Snapshot::kNo);
  writeInto(tr, g, offset, data);
  tr.clear(digestKey(g));
}

int64_t Blob::append(Transaction& tr, std::string_view data) const {
  uint64_t g = generation(tr, Snapshot::kNo);
  int64_t offset = sizeOf(tr, g, Snapshot::kNo);
  checkRange(offset, static_cast<int64_t>(data.size()));
  if (data.empty()) return offset;
  writeInto(tr, g, offset, data);
  tr.clear(digestKey(g));
  return offset;
}

void Blob::truncate(Transaction& tr, int64_t newSize) const {
  checkRange(newSize, 0);
  uint64_t g = generation(tr, Snapshot::kNo);
  int64_t current = sizeOf(tr, g, Snapshot::kNo);
  if (newSize == current) return;
  if (newSize < current) {
    int64_t index = newSize / kBlobChunkSize;
    int64_t within = newSize % kBlobChunkSize;
    int64_t clearFrom = index;
    if (within != 0) {
      std::string key = chunkKey(g, index);
      if (auto stored = tr.get(key)) {
        std::string_view bytes = decodeChunk(*stored, index);
        if (static_cast<int64_t>(bytes.size()) > within) {
          tr.set(key, encodeChunk(bytes.substr(0, static_cast<size_t>(within))));
        }
      }
      clearFrom = index + 1;
    }
    tr.clearRange(chunkKey(g, clearFrom), subspace_.range(Tuple{kTagChunk, g}).end);
  }
  tr.set(sizeKey(g), littleEndian(static_cast<uint64_t>(newSize)));
  tr.clear(digestKey(g));
}

void Blob::remove(Transaction& tr) const {
  KeyRange all = subspace_.range();
  tr.clearRange(all.begin, all.end);
}

std::optional<BlobDigest> Blob::digest(Transaction& tr, Snapshot snapshot) const {
  auto value = tr.get(digestKey(generation(tr, snapshot)), snapshot);
  if (!value || value->size() != 12) return std::nullopt;
  return BlobDigest{static_cast<int64_t>(fromLittleEndian(std::string_view(*value).substr(4))),
                    static_cast<uint32_t>(fromLittleEndian(std::string_view(*value).substr(0, 4)))};
}

int64_t Blob::size(Database& db) const {
  return db.read([&](Transaction& tr) { return size(tr); });
}
std::string Blob::read(Database& db, int64_t offset, int64_t length) const {
  return db.read([&](Transaction& tr) { return read(tr, offset, length); });
}
void Blob::write(Database& db, int64_t offset, std::string_view data) const {
  db.run([&](Transaction& tr) { write(tr, offset, data); });
}
int64_t Blob::append(Database& db, std::string_view data) const {
  // An idempotency id makes the retry after a lost acknowledgement (1021) append once.
  return db.run([&](Transaction& tr) { return append(tr, data); }, Idempotency::kAutomatic);
}
void Blob::truncate(Database& db, int64_t newSize) const {
  db.run([&](Transaction& tr) { truncate(tr, newSize); });
}
void Blob::remove(Database& db) const {
  db.run([&](Transaction& tr) { remove(tr); });
}

// ---- Uploads ----------------------------------------------------------------------------------

std::optional<BlobUpload> Blob::findUpload(Transaction& tr, std::string_view uploadId) const {
  auto value = tr.get(subspace_.pack(Tuple{kTagUpload, Bytes(uploadId)}));
  if (!value) return std::nullopt;
  if (value->size() != 20) {
    throwError(ErrorCode::io_error,
               "blob upload record has " + std::to_string(value->size()) + " bytes, expected 20");
  }
  std::string_view v = *value;
  return BlobUpload{std::string(uploadId), fromLittleEndian(v.substr(0, 8)),
                    static_cast<int64_t>(fromLittleEndian(v.substr(8, 8))),
                    static_cast<uint32_t>(fromLittleEndian(v.substr(16, 4)))};
}

BlobUpload Blob::startUpload(Transaction& tr, std::string_view uploadId) const {
  if (uploadId.empty()) invalidCall("blob upload id must not be empty");
  if (auto existing = findUpload(tr, uploadId)) return *existing;
  BlobUpload upload{std::string(uploadId), randomGeneration(), 0, 0};
  recordUploadProgress(tr, upload);
  return upload;
}

void Blob::writeUpload(Transaction& tr, const BlobUpload& upload, int64_t offset,
                       std::string_view data) const {
  writeInto(tr, upload.generation, offset, data);
}

void Blob::recordUploadProgress(Transaction& tr, const BlobUpload& upload) const {
  tr.set(subspace_.pack(Tuple{kTagUpload, Bytes(upload.id)}), encodeUpload(upload));
}

void Blob::publishUpload(Transaction& tr, const BlobUpload& upload,
                         const BlobDigest& finalDigest) const {
  checkRange(finalDigest.size, 0);
  uint64_t old = generation(tr, Snapshot::kNo);
  if (old == upload.generation) return;  // an earlier attempt committed (1021)
  uint64_t g = upload.generation;
  // Chunks past the final size (from a longer interrupted attempt) must not survive.
  int64_t endIndex = (finalDigest.size + kBlobChunkSize - 1) / kBlobChunkSize;
  tr.clearRange(chunkKey(g, endIndex), subspace_.range(Tuple{kTagChunk, g}).end);
  if (finalDigest.size % kBlobChunkSize != 0) {
    // The last chunk may hold bytes past the size from an earlier, longer attempt.
    int64_t last = finalDigest.size / kBlobChunkSize;
    if (auto stored = tr.get(chunkKey(g, last), Snapshot::kYes)) {
      std::string_view bytes = decodeChunk(*stored, last);
      auto keep = static_cast<size_t>(finalDigest.size % kBlobChunkSize);
      if (bytes.size() > keep) tr.set(chunkKey(g, last), encodeChunk(bytes.substr(0, keep)));
    }
  }
  tr.set(sizeKey(g), littleEndian(static_cast<uint64_t>(finalDigest.size)));
  tr.set(digestKey(g), littleEndian(finalDigest.crc32c, 4) +
                           littleEndian(static_cast<uint64_t>(finalDigest.size)));
  tr.set(subspace_.pack(Tuple{kTagGeneration}), littleEndian(g));
  for (int64_t tag : {kTagSize, kTagDigest}) tr.clear(subspace_.pack(Tuple{tag, old}));
  KeyRange oldChunks = subspace_.range(Tuple{kTagChunk, old});
  tr.clearRange(oldChunks.begin, oldChunks.end);
  tr.clear(subspace_.pack(Tuple{kTagUpload, Bytes(upload.id)}));
}

void Blob::abortUpload(Transaction& tr, const BlobUpload& upload) const {
  tr.clear(subspace_.pack(Tuple{kTagUpload, Bytes(upload.id)}));
  if (generation(tr, Snapshot::kNo) == upload.generation) return;
  for (int64_t tag : {kTagSize, kTagDigest}) {
    tr.clear(subspace_.pack(Tuple{tag, upload.generation}));
  }
  KeyRange chunks = subspace_.range(Tuple{kTagChunk, upload.generation});
  tr.clearRange(chunks.begin, chunks.end);
}

// ---- BlobWriter -------------------------------------------------------------------------------

namespace {
int64_t roundToChunks(int64_t bytes) {
  if (bytes <= 0) invalidCall("bytesPerTransaction must be positive");
  return (bytes + kBlobChunkSize - 1) / kBlobChunkSize * kBlobChunkSize;
}

std::string randomUploadId() {
  uint64_t a = randomGeneration(), b = randomGeneration();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (uint64_t v : {a, b}) {
    for (int i = 15; i >= 0; --i) id += kHex[(v >> (4 * i)) & 0xf];
  }
  return id;
}
}  // namespace

BlobWriter::BlobWriter(Database& db, Blob blob, BlobStreamOptions options)
    : db_(db),
      blob_(std::move(blob)),
      bytesPerTransaction_(roundToChunks(options.bytesPerTransaction)) {
  std::string id = options.uploadId.empty() ? randomUploadId() : options.uploadId;
  upload_ = db_.run([&](Transaction& tr) { return blob_.startUpload(tr, id); });
  resumeOffset_ = upload_.stagedBytes;
  resumeCrc_ = upload_.stagedCrc32c;
  buffer_.reserve(static_cast<size_t>(bytesPerTransaction_));
}

void BlobWriter::write(std::string_view data) {
  if (finished_) invalidCall("BlobWriter used after publish() or abort()");
  while (!data.empty()) {
    size_t room = static_cast<size_t>(bytesPerTransaction_) - buffer_.size();
    size_t take = std::min(room, data.size());
    buffer_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (buffer_.size() == static_cast<size_t>(bytesPerTransaction_)) flush(false);
  }
}

void BlobWriter::flush(bool final) {
  if (buffer_.empty() && !final) return;
  BlobUpload next = upload_;
  next.stagedBytes += static_cast<int64_t>(buffer_.size());
  next.stagedCrc32c = crc32c(buffer_, upload_.stagedCrc32c);
  if (!buffer_.empty()) {
    db_.run([&](Transaction& tr) {
      blob_.writeUpload(tr, upload_, upload_.stagedBytes, buffer_);
      blob_.recordUploadProgress(tr, next);
    });
  }
  upload_ = next;
  buffer_.clear();
}

BlobDigest BlobWriter::publish() {
  if (finished_) invalidCall("BlobWriter used after publish() or abort()");
  flush(true);
  BlobDigest digest{upload_.stagedBytes, upload_.stagedCrc32c};
  db_.run([&](Transaction& tr) { blob_.publishUpload(tr, upload_, digest); });
  finished_ = true;
  return digest;
}

void BlobWriter::abort() {
  if (finished_) return;
  db_.run([&](Transaction& tr) { blob_.abortUpload(tr, upload_); });
  buffer_.clear();
  finished_ = true;
}

// ---- BlobReader -------------------------------------------------------------------------------

BlobReader::BlobReader(Database& db, Blob blob, int64_t offset, std::optional<int64_t> length,
                       BlobStreamOptions options)
    : db_(db),
      blob_(std::move(blob)),
      bytesPerTransaction_(roundToChunks(options.bytesPerTransaction)) {
  checkRange(offset, 0);
  if (length && *length < 0) invalidCall("blob read length must not be negative");
  db_.read([&](Transaction& tr) {
    generation_ = blob_.generation(tr, Snapshot::kNo);
    int64_t total = blob_.sizeOf(tr, generation_, Snapshot::kNo);
    begin_ = std::min(offset, total);
    end_ = length ? begin_ + std::min(*length, total - begin_) : total;
    digest_ = (begin_ == 0 && end_ == total) ? blob_.digest(tr) : std::nullopt;
  });
  position_ = begin_;
}

std::optional<std::string> BlobReader::next() {
  if (position_ >= end_) return std::nullopt;
  int64_t n = std::min(bytesPerTransaction_ - position_ % kBlobChunkSize, end_ - position_);
  // The check's error is thrown outside Database::read, whose loop would retry 1020 forever.
  std::optional<std::string> read = db_.read([&](Transaction& tr) -> std::optional<std::string> {
    uint64_t g = blob_.generation(tr, Snapshot::kNo);
    if (g != generation_ || blob_.sizeOf(tr, g, Snapshot::kNo) < end_) return std::nullopt;
    return blob_.read(tr, position_, n);
  });
  if (!read) {
    throwError(ErrorCode::not_committed,
               "the blob was replaced, removed or shortened during a streaming read");
  }
  std::string piece = std::move(*read);
  position_ += static_cast<int64_t>(piece.size());
  if (digest_) {
    crc_ = crc32c(piece, crc_);
    if (position_ == end_ && (digest_->size != end_ || digest_->crc32c != crc_)) {
      throwError(ErrorCode::io_error, "blob content does not match its recorded CRC-32C");
    }
  }
  return piece;
}

}  // namespace strata::layers
