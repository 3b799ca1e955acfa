// Blob: an arbitrary-size, sparse binary object under a caller's Subspace. Random-access writes,
// appends, reads, truncation (shrink or grow) and removal inside a caller's transaction; bytes
// never written read as zeros. Objects larger than one transaction (10 MB) are uploaded with a
// BlobWriter that spans many transactions and publishes atomically (a reader sees the old content
// or the whole new content, never part of an upload), and read with a BlobReader.
//
// Key layout (docs/FORMATS.md#blob, tuple-encoded under the subspace S; G = a generation id):
//   (0,)          -> G, 8-byte LE       the published generation; absent means G = 0
//   (1, G)        -> size, 8-byte LE    raised with atomic MAX by writes, set by truncate
//   (2, G, i)     -> bytes + CRC-32C    chunk i: blob bytes [i * 65536, i * 65536 + len), len <=
//                                       65536, then the CRC-32C of those bytes, 4 bytes LE
//   (3, G)        -> CRC-32C LE(4) + size LE(8)   whole-content digest recorded by an upload;
//                                       cleared by any later in-place change
//   (4, uploadId) -> G LE(8) + staged bytes LE(8) + CRC-32C LE(4) of the staged bytes
// Chunks are aligned and fixed-size (kBlobChunkSize = 64 KiB, the largest power of two under the
// 100,000-byte value limit with room for the checksum), so a write touches only the chunks its
// range covers: it never splits or merges chunks, and a chunk shorter than 64 KiB is padded with
// zeros up to the size. An upload stages into a fresh random G and publishing swaps (0,) to it in
// one transaction, clearing the old generation with one range clear.
//
// Cost per call (C = chunks the range covers):
//   size: 2 reads (generation, size). read: 2 reads + 1 range read of C chunks.
//   write: 1 read (generation); C sets, of which at most 2 (the partly covered first and last
//     chunk) also read their chunk; 1 atomic MAX on the size; 1 clear of the digest. Writers of
//     different chunks never conflict with each other (the size is never read by a write).
//   append: as write plus 1 read of the size (so concurrent appenders do conflict: appends to one
//     blob are serialized by design; write at explicit offsets to avoid that).
//   truncate: 2 reads, at most 1 chunk read and rewrite, 1 range clear. remove: 1 range clear.
//   Reads add read conflicts on what they read (generation, size, chunks) unless snapshot.
//
// On commit_unknown_result (1021): write, truncate and remove are idempotent (retrying applies
// the same bytes at the same place). append is not: a retry may append twice; use
// write(size-you-read, data) instead, which is (the Database& append() runs with an idempotency
// id, so its own retry loop appends once). BlobWriter's transactions are idempotent
// (absolute sets plus a progress record); publishing checks whether its generation is already
// the published one.
//
// Integrity: every chunk carries a CRC-32C checked on every read (mismatch: io_error, 1510);
// uploads also record a whole-content CRC-32C that BlobReader checks after reading everything.
//
// Limits: offsets and sizes up to 2^62. One write or read per transaction is limited by the
// transaction (10,000,000 bytes of mutations, 5 s): use BlobWriter/BlobReader beyond a few MB.
//
// Thread safety: Blob is immutable after construction; share freely. BlobWriter and BlobReader
// are used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

// Bytes per chunk: on-disk format, never change.
inline constexpr int64_t kBlobChunkSize = 65536;
// Largest size a blob may have: offsets stay far from int64 overflow.
inline constexpr int64_t kBlobMaxSize = int64_t{1} << 62;

// CRC-32C (Castagnoli) of `bytes`, continuing from `crc` (the CRC of the bytes before them; 0 to
// start). Uses the SSE4.2 instruction when the CPU has it. Cost: one pass over the bytes.
[[nodiscard]] uint32_t crc32c(std::string_view bytes, uint32_t crc = 0) noexcept;

// The whole-content digest an upload records.
struct BlobDigest {
  int64_t size = 0;
  uint32_t crc32c = 0;
  friend bool operator==(const BlobDigest&, const BlobDigest&) = default;
};

// A staged (unpublished) upload: what (4, uploadId) holds.
struct BlobUpload {
  std::string id;
  uint64_t generation = 0;
  // Bytes [0, stagedBytes) are durably staged, and their CRC-32C (sequential writers only; a
  // parallel importer leaves both at 0 and tracks progress itself).
  int64_t stagedBytes = 0;
  uint32_t stagedCrc32c = 0;
};

class Blob {
 public:
  explicit Blob(Subspace subspace) : subspace_(std::move(subspace)) {}

  [[nodiscard]] const Subspace& subspace() const noexcept { return subspace_; }

  // ---- In-place operations on the published content ----------------------------------------

  // Returns: the size in bytes; 0 for a blob never written.
  // Conflicts: reads the generation and size keys unless `snapshot`.
  [[nodiscard]] int64_t size(Transaction& tr, Snapshot snapshot = Snapshot::kNo) const;
  // Reads up to `length` bytes at `offset`; holes read as zeros.
  // Returns: min(length, size - offset) bytes; "" when offset >= size.
  // Throws: client_invalid_operation (2000) for a negative offset or length; io_error (1510)
  //   when a chunk fails its checksum.
  // Conflicts: the generation, the size and the chunks read, unless `snapshot`.
  [[nodiscard]] std::string read(Transaction& tr, int64_t offset, int64_t length,
                                 Snapshot snapshot = Snapshot::kNo) const;
  // Writes `data` at `offset`, extending the size if it ends past it (the gap reads as zeros).
  // An empty `data` changes nothing.
  // Throws: client_invalid_operation (2000) for a negative offset or an end past kBlobMaxSize;
  //   io_error (1510) when a partly overwritten chunk fails its checksum; transaction_too_large
  //   (2101) at commit past ~9.9 MB per transaction.
  // Conflicts: reads the generation and the (at most 2) partly covered chunks.
  void write(Transaction& tr, int64_t offset, std::string_view data) const;
  // Writes `data` at the current end. Returns: the offset it was written at.
  // Throws: as write. Conflicts: as write plus the size (appenders serialize).
  int64_t append(Transaction& tr, std::string_view data) const;
  // Sets the size to `newSize`: shrinking drops the bytes past it, growing adds zeros.
  // Throws: client_invalid_operation (2000) outside [0, kBlobMaxSize].
  // Conflicts: reads the generation and size (and the chunk cut in two).
  void truncate(Transaction& tr, int64_t newSize) const;
  // Removes the blob (every generation and staged upload under the subspace).
  // Conflicts: write only.
  void remove(Transaction& tr) const;
  // Returns: the digest recorded by the upload that produced the current content, or nullopt
  //   when there is none or the content changed in place since.
  [[nodiscard]] std::optional<BlobDigest> digest(Transaction& tr,
                                                 Snapshot snapshot = Snapshot::kNo) const;

  // Database& conveniences: each runs the method above inside Database::run() (read()/size()/
  // digest() inside Database::read()).
  [[nodiscard]] int64_t size(Database& db) const;
  [[nodiscard]] std::string read(Database& db, int64_t offset, int64_t length) const;
  void write(Database& db, int64_t offset, std::string_view data) const;
  int64_t append(Database& db, std::string_view data) const;
  void truncate(Database& db, int64_t newSize) const;
  void remove(Database& db) const;

  // ---- Uploads: content staged over many transactions, published in one ---------------------

  // Returns: the staged upload named `uploadId`, or nullopt.
  [[nodiscard]] std::optional<BlobUpload> findUpload(Transaction& tr,
                                                     std::string_view uploadId) const;
  // Returns the upload named `uploadId`, creating it (a fresh random generation) if absent.
  // Throws: client_invalid_operation (2000) for an empty id.
  [[nodiscard]] BlobUpload startUpload(Transaction& tr, std::string_view uploadId) const;
  // Writes `data` at `offset` of the staged content (as write(), into the upload's generation).
  // Writes covering whole chunks read nothing, so parallel writers of one upload never conflict.
  void writeUpload(Transaction& tr, const BlobUpload& upload, int64_t offset,
                   std::string_view data) const;
  // Records `upload.stagedBytes` and `upload.stagedCrc32c` (for resuming). Idempotent.
  void recordUploadProgress(Transaction& tr, const BlobUpload& upload) const;
  // Makes the upload the blob's content: sets the size to `finalDigest.size`, records the digest,
  // swaps the generation, clears the previous generation and the upload record.
  // Idempotent: when the upload's generation is already published it does nothing.
  // Conflicts: reads the generation (so in-place writers racing a publish retry onto it).
  void publishUpload(Transaction& tr, const BlobUpload& upload,
                     const BlobDigest& finalDigest) const;
  // Discards a staged upload (its generation's keys and its record). Idempotent; does nothing to
  // a generation that is published.
  void abortUpload(Transaction& tr, const BlobUpload& upload) const;

 private:
  friend class BlobReader;
  [[nodiscard]] uint64_t generation(Transaction& tr, Snapshot snapshot) const;
  [[nodiscard]] std::string sizeKey(uint64_t generation) const;
  [[nodiscard]] std::string chunkKey(uint64_t generation, int64_t index) const;
  [[nodiscard]] std::string digestKey(uint64_t generation) const;
  [[nodiscard]] int64_t sizeOf(Transaction& tr, uint64_t generation, Snapshot snapshot) const;
  void writeInto(Transaction& tr, uint64_t generation, int64_t offset, std::string_view data) const;

  Subspace subspace_;
};

struct BlobStreamOptions {
  // Bytes of content per transaction: well under the 10 MB commit limit and the 5 s lifetime.
  // Rounded up to a multiple of kBlobChunkSize.
  int64_t bytesPerTransaction = 4 * 1024 * 1024;
  // BlobWriter: the upload's name. A writer given the id of an interrupted upload resumes it
  // (see resumeOffset()). Empty: a random id (see uploadId()).
  std::string uploadId;
};

// BlobWriter uploads a stream of bytes of any size into a blob over as many transactions as it
// takes and publishes it atomically. Content is staged in a new generation; readers keep seeing
// the old content until publish(). Progress is committed with every transaction, so an
// interrupted upload (crash, kill) resumes from its last committed transaction when a writer is
// made with the same uploadId: the caller skips resumeOffset() bytes of its input (and may check
// them against resumeCrc32c()).
//
// Cost: one transaction per bytesPerTransaction bytes; memory up to bytesPerTransaction.
// On 1021: each transaction is retried by Database::run and is idempotent (see Blob).
// Thread safety: used by one thread at a time. The Database must outlive it. Destroying it
// without publish() or abort() leaves the upload staged (resumable).
class BlobWriter {
 public:
  // Starts or resumes the upload. Throws: as Database::run. Cost: one transaction.
  BlobWriter(Database& db, Blob blob, BlobStreamOptions options = {});

  [[nodiscard]] const std::string& uploadId() const noexcept { return upload_.id; }
  // Bytes an earlier writer with this uploadId already staged (0 for a new upload), and their
  // CRC-32C.
  [[nodiscard]] int64_t resumeOffset() const noexcept { return resumeOffset_; }
  [[nodiscard]] uint32_t resumeCrc32c() const noexcept { return resumeCrc_; }
  // Appends `data` to the stream, committing a transaction each time bytesPerTransaction bytes
  // are buffered. Throws: as Database::run; client_invalid_operation (2000) after publish() or
  // abort().
  void write(std::string_view data);
  // Bytes of the stream so far (resumed + written).
  [[nodiscard]] int64_t bytesWritten() const noexcept {
    return upload_.stagedBytes + static_cast<int64_t>(buffer_.size());
  }
  // Commits the rest and publishes. Returns: the content's digest.
  BlobDigest publish();
  // Discards the staged upload.
  void abort();

 private:
  void flush(bool final);

  Database& db_;
  Blob blob_;
  int64_t bytesPerTransaction_;
  BlobUpload upload_;
  int64_t resumeOffset_ = 0;
  uint32_t resumeCrc_ = 0;
  std::string buffer_;
  bool finished_ = false;
};

// BlobReader streams a range of a blob over as many transactions as it takes, each reading up to
// bytesPerTransaction bytes. It reads the generation published when it was made: if that
// content is replaced (a publish) or removed meanwhile, next() fails with not_committed (1020)
// and the caller starts over. In-place writes made meanwhile to parts not yet read are seen.
// Reading a whole blob that an upload produced checks the upload's CRC-32C at the end.
//
// Thread safety: used by one thread at a time. The Database must outlive it.
class BlobReader {
 public:
  // Reads [offset, offset + length) clipped to the size (length nullopt: to the end).
  // Throws: client_invalid_operation (2000) for a negative offset or length; as Database::read.
  // Cost: one transaction.
  BlobReader(Database& db, Blob blob, int64_t offset = 0, std::optional<int64_t> length = {},
             BlobStreamOptions options = {});

  // Bytes this reader delivers in total.
  [[nodiscard]] int64_t size() const noexcept { return end_ - begin_; }
  // Returns: the next piece (at most bytesPerTransaction bytes), or nullopt at the end.
  // Throws: not_committed (1020) when the content was replaced or removed since construction;
  //   io_error (1510) on a checksum mismatch; as Database::read.
  [[nodiscard]] std::optional<std::string> next();

 private:
  Database& db_;
  Blob blob_;
  int64_t bytesPerTransaction_;
  uint64_t generation_ = 0;
  int64_t begin_ = 0;
  int64_t end_ = 0;
  int64_t position_ = 0;
  std::optional<BlobDigest> digest_;  // checked at the end when reading the whole blob
  uint32_t crc_ = 0;
};

}  // namespace strata::layers
