// Bulk import: the pipeline (batches, writers, resume after a failure or a cancel, completion),
// the CSV dialect and the CSV row -> key/value mapping. Runs on every engine kind of
// tests/support/engines.h (memory, file, etcd when STRATA_TEST_ETCD is set).
#include "strata/layers/bulk_import.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/engines.h"

namespace strata::layers {
namespace {

using testsupport::errorCodeOf;

class BulkImportTest : public testsupport::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    options_.progress = Subspace(Tuple{"import-test", "progress"});
    options_.batchBytes = 2000;
    options_.writers = 3;
    options_.fingerprint = "input-v1";
  }

  // A source of `n` records key i -> "value i"; throws after `failAfter` records if set.
  ImportSource numbers(int n, std::optional<int> failAfter = std::nullopt) {
    auto next = std::make_shared<int>(0);
    return [this, n, failAfter, next](ImportRecord& r) {
      if (failAfter && *next == *failAfter) throw Error(ErrorCode::io_error, "disk went away");
      if (*next == n) return false;
      r.key = target_.pack(Tuple{*next});
      r.value = "value " + std::to_string(*next);
      ++*next;
      return true;
    };
  }
  ImportApply setter(std::atomic<int>* applied = nullptr) {
    return [applied](Transaction& tr, const ImportRecord& r) {
      tr.set(r.key, r.value);
      if (applied) ++*applied;
    };
  }
  size_t importedKeys() {
    return db().read([&](Transaction& tr) {
      KeyRange all = target_.range();
      size_t n = 0;
      for (const KeyValue& kv : tr.getRange(all.begin, all.end)) {
        (void)kv;
        ++n;
      }
      return n;
    });
  }

  Subspace target_{Tuple{"import-test", "data"}};
  BulkImportOptions options_;
};

TEST_P(BulkImportTest, ImportsEveryRecordInBatches) {
  BulkImportReport report = runBulkImport(db(), numbers(5000), setter(), options_);
  EXPECT_TRUE(report.complete);
  EXPECT_FALSE(report.alreadyComplete);
  EXPECT_EQ(report.totals.records, 5000);
  EXPECT_GT(report.totals.batches, 10);
  EXPECT_EQ(report.totals.batchesSkipped, 0);
  EXPECT_EQ(importedKeys(), 5000u);
  auto value = db().read([&](Transaction& tr) { return tr.get(target_.pack(Tuple{4321})); });
  EXPECT_EQ(value, "value 4321");
}

TEST_P(BulkImportTest, AFailedImportResumesWithoutRewritingCommittedBatches) {
  EXPECT_EQ(errorCodeOf([&] { runBulkImport(db(), numbers(5000, 3000), setter(), options_); }),
            1510);
  size_t afterFailure = importedKeys();
  EXPECT_GT(afterFailure, 0u);
  EXPECT_LE(afterFailure, 3000u);

  std::atomic<int> applied{0};
  BulkImportReport report = runBulkImport(db(), numbers(5000), setter(&applied), options_);
  EXPECT_TRUE(report.complete);
  EXPECT_GT(report.totals.batchesSkipped, 0);
  EXPECT_EQ(report.totals.records, 5000);
  EXPECT_EQ(applied.load(), 5000 - static_cast<int>(afterFailure));
  EXPECT_EQ(importedKeys(), 5000u);
}

TEST_P(BulkImportTest, ACancelledImportStopsAndResumes) {
  std::atomic<bool> cancel{false};
  options_.cancel = &cancel;
  options_.onProgress = [&](const BulkImportProgress& p) {
    if (p.batches >= 3) cancel = true;
  };
  BulkImportReport first = runBulkImport(db(), numbers(20000), setter(), options_);
  EXPECT_FALSE(first.complete);
  EXPECT_LT(first.totals.records, 20000);
  cancel = false;
  options_.onProgress = nullptr;
  BulkImportReport second = runBulkImport(db(), numbers(20000), setter(), options_);
  EXPECT_TRUE(second.complete);
  EXPECT_EQ(second.totals.records, 20000);
  EXPECT_EQ(importedKeys(), 20000u);
}

TEST_P(BulkImportTest, ACompletedImportIsNotRunAgain) {
  (void)runBulkImport(db(), numbers(100), setter(), options_);
  bool sourceCalled = false;
  BulkImportReport again = runBulkImport(
      db(),
      [&](ImportRecord&) {
        sourceCalled = true;
        return false;
      },
      setter(), options_);
  EXPECT_TRUE(again.alreadyComplete);
  EXPECT_EQ(again.totals.records, 100);
  EXPECT_FALSE(sourceCalled);
  // Clearing the progress makes it run again.
  clearBulkImportProgress(db(), options_.progress);
  EXPECT_FALSE(runBulkImport(db(), numbers(100), setter(), options_).alreadyComplete);
}

TEST_P(BulkImportTest, ResumingWithAnotherInputIsRefused) {
  EXPECT_EQ(errorCodeOf([&] { runBulkImport(db(), numbers(100, 50), setter(), options_); }), 1510);
  options_.fingerprint = "input-v2";
  EXPECT_EQ(errorCodeOf([&] { runBulkImport(db(), numbers(100), setter(), options_); }), 3005);
}

TEST_P(BulkImportTest, AFatalWriteErrorStopsTheImport) {
  ImportApply tooLarge = [](Transaction& tr, const ImportRecord& r) {
    tr.set(r.key, std::string(200'000, 'x'));
  };
  EXPECT_EQ(errorCodeOf([&] { runBulkImport(db(), numbers(1000), tooLarge, options_); }), 2103);
}

TEST_P(BulkImportTest, BadOptionsAreRejected) {
  BulkImportOptions bad = options_;
  bad.writers = 0;
  EXPECT_EQ(errorCodeOf([&] { runBulkImport(db(), numbers(1), setter(), bad); }), 2000);
  bad = options_;
  bad.batchBytes = 0;
  EXPECT_EQ(errorCodeOf([&] { runBulkImport(db(), numbers(1), setter(), bad); }), 2000);
  bad.batchBytes = 20'000'000;
  EXPECT_EQ(errorCodeOf([&] { runBulkImport(db(), numbers(1), setter(), bad); }), 2000);
  bad = options_;
  bad.progress = Subspace();
  EXPECT_EQ(errorCodeOf([&] { runBulkImport(db(), numbers(1), setter(), bad); }), 2000);
  bad = options_;
  bad.queueDepth = -1;
  EXPECT_EQ(errorCodeOf([&] { runBulkImport(db(), numbers(1), setter(), bad); }), 2000);
}

STRATA_ENGINE_SUITE(BulkImportTest);

// ---- CSV (no database) ------------------------------------------------------------------------

std::vector<std::vector<CsvField>> parseAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<std::vector<CsvField>> rows;
  std::vector<CsvField> row;
  while (reader.next(row)) rows.push_back(row);
  return rows;
}

TEST(CsvReaderTest, ReadsQuotedFieldsWithCommasQuotesAndLineBreaks) {
  auto rows = parseAll("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",x\n\n,last\n");
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_EQ(rows[0].size(), 3u);
  EXPECT_EQ(rows[0][0].text, "a");
  EXPECT_FALSE(rows[0][0].quoted);
  EXPECT_EQ(rows[0][1].text, "b,c");
  EXPECT_TRUE(rows[0][1].quoted);
  EXPECT_EQ(rows[0][2].text, "say \"hi\"");
  EXPECT_EQ(rows[1][0].text, "two\nlines");
  EXPECT_EQ(rows[2][0].text, "");
  EXPECT_EQ(rows[2][1].text, "last");
}

TEST(CsvReaderTest, ALastRecordWithoutANewlineIsRead) {
  auto rows = parseAll("k,v");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][1].text, "v");
}

TEST(CsvReaderTest, CountsLinesForMessages) {
  std::istringstream in("a,b\n\"x\ny\",z\nc,d\n");
  CsvReader reader(in);
  std::vector<CsvField> row;
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(reader.line(), 1);
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(reader.line(), 2);
  ASSERT_TRUE(reader.next(row));
  EXPECT_EQ(reader.line(), 4);
}

TEST(CsvReaderTest, AnUnclosedQuoteIsMalformed) {
  EXPECT_EQ(errorCodeOf([] { parseAll("a,\"open\n"); }), 3005);
}

TEST(CsvReaderTest, TextAfterAClosingQuoteIsMalformed) {
  EXPECT_EQ(errorCodeOf([] { parseAll("\"a\"b,c\n"); }), 3005);
}

TEST(CsvRowTest, CanonicalIntegersBecomeTupleIntegersOthersStayStrings) {
  Subspace target(Tuple{"t"});
  std::vector<CsvField> row = {{"42", false}, {"-7", false},  {"007", false},
                               {"42", true},  {"1e3", false}, {"99999999999999999999", false},
                               {"v", false}};
  ImportRecord r = csvRowToRecord(row, target);
  EXPECT_EQ(target.unpack(r.key), (Tuple{42, -7, "007", "42", "1e3", "99999999999999999999"}));
  EXPECT_EQ(r.value, "v");
}

TEST(CsvRowTest, ARowNeedsAKeyAndAValue) {
  Subspace target(Tuple{"t"});
  EXPECT_EQ(errorCodeOf([&] { (void)csvRowToRecord({{"only", false}}, target); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { (void)csvRowToRecord({}, target); }), 3005);
}

}  // namespace
}  // namespace strata::layers
