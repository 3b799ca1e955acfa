// Blob layer: in-place operations, chunk alignment and conflicts, checksums, streaming uploads
// and reads. Runs on every engine kind of tests/support/engines.h (memory, file, etcd when
// STRATA_TEST_ETCD is set).
#include "strata/layers/blob.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/engines.h"

namespace strata::layers {
namespace {

using testsupport::errorCodeOf;

// Deterministic, position-dependent bytes so misplaced data shows.
std::string pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>((i * 31 + static_cast<size_t>(seed)) % 251);
  return s;
}

class BlobTest : public testsupport::EngineTest {
 protected:
  Blob blob_{Subspace(Tuple{"blob-test", "b"})};
};

TEST_P(BlobTest, AnUnwrittenBlobIsEmpty) {
  EXPECT_EQ(blob_.size(db()), 0);
  EXPECT_EQ(blob_.read(db(), 0, 100), "");
}

TEST_P(BlobTest, WritesReadBackAcrossChunkBoundaries) {
  std::string data = pattern(3 * kBlobChunkSize + 123, 1);
  blob_.write(db(), 1000, data);
  EXPECT_EQ(blob_.size(db()), 1000 + static_cast<int64_t>(data.size()));
  EXPECT_EQ(blob_.read(db(), 1000, static_cast<int64_t>(data.size())), data);
  EXPECT_EQ(blob_.read(db(), 0, 1000), std::string(1000, '\0'));
  // A partial overwrite straddling a chunk boundary keeps the bytes around it.
  std::string patch = pattern(5000, 7);
  blob_.write(db(), kBlobChunkSize - 2000, patch);
  std::string expected = std::string(1000, '\0') + data;
  expected.replace(static_cast<size_t>(kBlobChunkSize - 2000), patch.size(), patch);
  EXPECT_EQ(blob_.read(db(), 0, blob_.size(db())), expected);
}

TEST_P(BlobTest, HolesReadAsZerosAndReadsClipToTheSize) {
  blob_.write(db(), 5 * kBlobChunkSize + 10, "tail");
  std::string all = blob_.read(db(), 0, 1'000'000'000);
  ASSERT_EQ(all.size(), static_cast<size_t>(5 * kBlobChunkSize + 14));
  EXPECT_EQ(all.substr(0, all.size() - 4), std::string(all.size() - 4, '\0'));
  EXPECT_EQ(all.substr(all.size() - 4), "tail");
  EXPECT_EQ(blob_.read(db(), 5 * kBlobChunkSize + 12, 100), "il");
  EXPECT_EQ(blob_.read(db(), 5 * kBlobChunkSize + 14, 100), "");
}

TEST_P(BlobTest, AnEmptyWriteChangesNothing) {
  blob_.write(db(), 500, "");
  EXPECT_EQ(blob_.size(db()), 0);
}

TEST_P(BlobTest, AppendReturnsTheOffsetAndConcatenates) {
  EXPECT_EQ(blob_.append(db(), "hello "), 0);
  EXPECT_EQ(blob_.append(db(), "world"), 6);
  EXPECT_EQ(blob_.read(db(), 0, 100), "hello world");
}

TEST_P(BlobTest, TruncateShrinksAndGrowingBackReadsZeros) {
  std::string data = pattern(2 * kBlobChunkSize, 3);
  blob_.write(db(), 0, data);
  blob_.truncate(db(), kBlobChunkSize + 10);
  EXPECT_EQ(blob_.size(db()), kBlobChunkSize + 10);
  blob_.truncate(db(), 2 * kBlobChunkSize);
  std::string expected = data.substr(0, kBlobChunkSize + 10) +
                         std::string(static_cast<size_t>(kBlobChunkSize - 10), '\0');
  EXPECT_EQ(blob_.read(db(), 0, 2 * kBlobChunkSize), expected);
  blob_.truncate(db(), 0);
  EXPECT_EQ(blob_.size(db()), 0);
  blob_.write(db(), 3, "x");
  EXPECT_EQ(blob_.read(db(), 0, 10), std::string("\0\0\0x", 4));
}

TEST_P(BlobTest, TruncateGrowsAnUnwrittenBlob) {
  blob_.truncate(db(), 100);
  EXPECT_EQ(blob_.size(db()), 100);
  EXPECT_EQ(blob_.read(db(), 0, 200), std::string(100, '\0'));
}

TEST_P(BlobTest, RemoveClearsTheBlob) {
  blob_.write(db(), 0, pattern(100'000, 1));
  blob_.remove(db());
  EXPECT_EQ(blob_.size(db()), 0);
  auto rows = db().read([&](Transaction& tr) {
    KeyRange all = blob_.subspace().range();
    return tr.getRangeAll(all.begin, all.end);
  });
  EXPECT_TRUE(rows.empty());
}

TEST_P(BlobTest, BadArgumentsAreRejected) {
  EXPECT_EQ(errorCodeOf([&] { blob_.write(db(), -1, "x"); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)blob_.read(db(), -1, 1); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)blob_.read(db(), 0, -1); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { blob_.truncate(db(), -5); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { blob_.write(db(), kBlobMaxSize, "x"); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { BlobReader(db(), blob_, -1); }), 2000);
  EXPECT_EQ(
      errorCodeOf([&] { db().run([&](Transaction& tr) { (void)blob_.startUpload(tr, ""); }); }),
      2000);
  BlobStreamOptions zero;
  zero.bytesPerTransaction = 0;
  EXPECT_EQ(errorCodeOf([&] { BlobWriter(db(), blob_, zero); }), 2000);
}

TEST_P(BlobTest, WritersOfDifferentChunksDoNotConflict) {
  Transaction a = db().createTransaction();
  Transaction b = db().createTransaction();
  blob_.write(a, 10, "first");                       // partial chunk 0: reads chunk 0
  blob_.write(b, 3 * kBlobChunkSize + 5, "second");  // partial chunk 3: reads chunk 3
  (void)a.getReadVersion();
  (void)b.getReadVersion();
  a.commit();
  EXPECT_NO_THROW(b.commit());
  EXPECT_EQ(blob_.size(db()), 3 * kBlobChunkSize + 11);
  EXPECT_EQ(blob_.read(db(), 10, 5), "first");
}

TEST_P(BlobTest, WritersOfOneChunkConflict) {
  blob_.write(db(), 0, "0123456789");
  Transaction a = db().createTransaction();
  Transaction b = db().createTransaction();
  blob_.write(a, 0, "a");
  blob_.write(b, 5, "b");
  a.commit();
  EXPECT_EQ(errorCodeOf([&] { b.commit(); }), 1020);
}

TEST_P(BlobTest, ConcurrentAppendersSerialize) {
  Transaction a = db().createTransaction();
  Transaction b = db().createTransaction();
  (void)blob_.append(a, "a");
  (void)blob_.append(b, "b");
  a.commit();
  EXPECT_EQ(errorCodeOf([&] { b.commit(); }), 1020);
}

TEST_P(BlobTest, ThreadsWritingDisjointRangesBuildTheWholeBlob) {
  constexpr int kThreads = 4;
  constexpr int kChunksEach = 8;
  std::string whole = pattern(static_cast<size_t>(kThreads * kChunksEach * kBlobChunkSize), 9);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kChunksEach; ++c) {
        int64_t offset = (static_cast<int64_t>(c) * kThreads + t) * kBlobChunkSize;
        blob_.write(db(), offset,
                    std::string_view(whole).substr(static_cast<size_t>(offset),
                                                   static_cast<size_t>(kBlobChunkSize)));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(blob_.size(db()), static_cast<int64_t>(whole.size()));
  EXPECT_TRUE(blob_.read(db(), 0, static_cast<int64_t>(whole.size())) == whole);
}

TEST_P(BlobTest, ACorruptChunkFailsItsChecksum) {
  blob_.write(db(), 0, pattern(1000, 2));
  db().run([&](Transaction& tr) {
    std::string key = blob_.subspace().pack(Tuple{2, 0, 0});
    std::string stored = *tr.get(key);
    stored[10] ^= 1;
    tr.set(key, stored);
  });
  EXPECT_EQ(errorCodeOf([&] { (void)blob_.read(db(), 0, 1000); }), 1510);
}

TEST_P(BlobTest, Crc32cMatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c("56789", crc32c("1234")), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
}

TEST_P(BlobTest, AStreamingUploadLargerThanATransactionPublishesAtomically) {
  blob_.write(db(), 0, "old content");
  std::string data = pattern(12 * 1024 * 1024 + 777, 5);  // > the 10 MB transaction limit
  BlobStreamOptions options;
  options.bytesPerTransaction = 1 << 20;
  BlobWriter writer(db(), blob_, options);
  for (size_t i = 0; i < data.size(); i += 300'001) {
    writer.write(std::string_view(data).substr(i, 300'001));
    EXPECT_EQ(blob_.read(db(), 0, 100), "old content") << "a reader saw a half-written upload";
  }
  BlobDigest digest = writer.publish();
  EXPECT_EQ(digest.size, static_cast<int64_t>(data.size()));
  EXPECT_EQ(digest.crc32c, crc32c(data));
  EXPECT_EQ(blob_.size(db()), static_cast<int64_t>(data.size()));
  auto recorded = db().read([&](Transaction& tr) { return blob_.digest(tr); });
  EXPECT_EQ(recorded, digest);

  BlobReader reader(db(), blob_, 0, std::nullopt, options);
  EXPECT_EQ(reader.size(), static_cast<int64_t>(data.size()));
  std::string back;
  while (auto piece = reader.next()) back += *piece;
  EXPECT_TRUE(back == data);
  // The old generation's keys are gone: only the new content's chunks remain.
  auto rows = db().read([&](Transaction& tr) {
    KeyRange chunks = blob_.subspace().range(Tuple{2});
    return tr.getRangeAll(chunks.begin, chunks.end);
  });
  EXPECT_EQ(rows.size(), (data.size() + kBlobChunkSize - 1) / kBlobChunkSize);
}

TEST_P(BlobTest, AnInterruptedUploadResumesFromItsLastTransaction) {
  std::string data = pattern(3 * 1024 * 1024 + 5000, 6);
  BlobStreamOptions options;
  options.bytesPerTransaction = 1 << 20;
  options.uploadId = "resume-me";
  {
    BlobWriter first(db(), blob_, options);
    first.write(std::string_view(data).substr(0, 2 * 1024 * 1024 + 100));
    // Destroyed without publish(): as if the process died.
  }
  EXPECT_EQ(blob_.size(db()), 0);
  BlobWriter second(db(), blob_, options);
  ASSERT_EQ(second.resumeOffset(), 2 * 1024 * 1024);
  EXPECT_EQ(second.resumeCrc32c(), crc32c(std::string_view(data).substr(0, 2 * 1024 * 1024)));
  second.write(std::string_view(data).substr(static_cast<size_t>(second.resumeOffset())));
  BlobDigest digest = second.publish();
  EXPECT_EQ(digest.crc32c, crc32c(data));
  EXPECT_TRUE(blob_.read(db(), 0, static_cast<int64_t>(data.size())) == data);
  auto upload = db().read([&](Transaction& tr) { return blob_.findUpload(tr, "resume-me"); });
  EXPECT_FALSE(upload.has_value()) << "publishing removes the upload record";
}

TEST_P(BlobTest, AbortDiscardsTheStagedUploadAndKeepsTheContent) {
  blob_.write(db(), 0, "keep");
  BlobStreamOptions options;
  options.bytesPerTransaction = kBlobChunkSize;
  BlobWriter writer(db(), blob_, options);
  writer.write(pattern(5 * kBlobChunkSize, 1));
  writer.abort();
  EXPECT_EQ(blob_.read(db(), 0, 100), "keep");
  auto rows = db().read([&](Transaction& tr) {
    KeyRange chunks = blob_.subspace().range(Tuple{2});
    return tr.getRangeAll(chunks.begin, chunks.end);
  });
  EXPECT_EQ(rows.size(), 1u);
  EXPECT_EQ(errorCodeOf([&] { writer.write("more"); }), 2000);
}

TEST_P(BlobTest, PublishingTwiceIsHarmless) {
  BlobUpload upload = db().run([&](Transaction& tr) { return blob_.startUpload(tr, "u"); });
  db().run([&](Transaction& tr) { blob_.writeUpload(tr, upload, 0, "abc"); });
  BlobDigest digest{3, crc32c("abc")};
  db().run([&](Transaction& tr) { blob_.publishUpload(tr, upload, digest); });
  db().run([&](Transaction& tr) { blob_.publishUpload(tr, upload, digest); });  // a 1021 retry
  EXPECT_EQ(blob_.read(db(), 0, 10), "abc");
}

TEST_P(BlobTest, AStreamingReadFailsWhenTheBlobIsReplaced) {
  blob_.write(db(), 0, pattern(4 * kBlobChunkSize, 1));
  BlobStreamOptions small;
  small.bytesPerTransaction = kBlobChunkSize;
  BlobReader reader(db(), blob_, 0, std::nullopt, small);
  ASSERT_TRUE(reader.next().has_value());
  BlobWriter writer(db(), blob_);
  writer.write("new");
  (void)writer.publish();
  EXPECT_EQ(errorCodeOf([&] { (void)reader.next(); }), 1020);
}

TEST_P(BlobTest, AStreamingReadOfARangeReturnsExactlyThatRange) {
  std::string data = pattern(3 * kBlobChunkSize, 4);
  blob_.write(db(), 0, data);
  BlobStreamOptions small;
  small.bytesPerTransaction = kBlobChunkSize;
  BlobReader reader(db(), blob_, 100, kBlobChunkSize * 2, small);
  std::string back;
  while (auto piece = reader.next()) back += *piece;
  EXPECT_TRUE(back == data.substr(100, static_cast<size_t>(kBlobChunkSize * 2)));
}

TEST_P(BlobTest, AnInPlaceWriteAfterAnUploadDropsTheDigest) {
  BlobWriter writer(db(), blob_);
  writer.write("uploaded");
  (void)writer.publish();
  EXPECT_TRUE(db().read([&](Transaction& tr) { return blob_.digest(tr); }).has_value());
  blob_.write(db(), 0, "U");
  EXPECT_EQ(blob_.read(db(), 0, 100), "Uploaded");
  EXPECT_FALSE(db().read([&](Transaction& tr) { return blob_.digest(tr); }).has_value());
}

STRATA_ENGINE_SUITE(BlobTest);

}  // namespace
}  // namespace strata::layers
