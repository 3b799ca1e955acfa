#include "strata/kv/scan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "support/engines.h"

namespace strata {
namespace {

class ScanTest : public testsupport::EngineTest {
 protected:
  // Writes keys k000..k(n-1) with values v<i>, plus keys outside "k" on both sides.
  void fill(int n) {
    db().run([&](Transaction& tr) {
      tr.set("a", "before");
      tr.set("l", "after");
      for (int i = 0; i < n; ++i) tr.set(key(i), "v" + std::to_string(i));
    });
  }
  static std::string key(int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%03d", i);
    return buf;
  }
  static std::vector<std::string> keysOf(Scan& scan, int max = -1) {
    std::vector<std::string> out;
    while (max < 0 || static_cast<int>(out.size()) < max) {
      auto kv = scan.next();
      if (!kv) break;
      out.push_back(kv->key);
    }
    return out;
  }
  static std::vector<std::string> expected(int n, bool reverse = false) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(key(reverse ? n - 1 - i : i));
    return out;
  }
  static ScanOptions tiny() {
    ScanOptions o;
    o.batchBytes = 40;  // a few rows per transaction
    return o;
  }
  void expectError(ErrorCode code, const std::function<void()>& fn) {
    try {
      fn();
      ADD_FAILURE() << "expected error " << static_cast<int>(code);
    } catch (const Error& e) {
      EXPECT_EQ(e.errorCode(), code) << e.what();
    }
  }
};

TEST_P(ScanTest, ScanReturnsEveryKeyOfTheRangeInOrderAcrossManyTransactions) {
  fill(100);
  Scan scan = Scan::open(db(), "k", "l", tiny());
  EXPECT_EQ(keysOf(scan), expected(100));
  EXPECT_TRUE(scan.done());
  EXPECT_GT(scan.batches(), 10);
  EXPECT_EQ(scan.rowsReturned(), 100);
}

TEST_P(ScanTest, ValuesComeWithTheirKeys) {
  fill(5);
  Scan scan = Scan::open(db(), "k", "l", tiny());
  auto rows = scan.nextBatch();
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].key, "k000");
  EXPECT_EQ(rows[0].value, "v0");
}

TEST_P(ScanTest, ContinuationResumesExactlyAfterTheLastKeyReturned) {
  fill(50);
  std::vector<std::string> all;
  std::string token;
  {
    Scan scan = Scan::open(db(), "k", "l", tiny());
    all = keysOf(scan, 17);  // stops inside a batch
    token = scan.continuation();
  }
  reopen();  // a new handle: nothing but the token carries the position
  while (true) {
    Scan scan = Scan::resume(db(), "k", "l", token, tiny());
    auto part = keysOf(scan, 13);
    if (part.empty()) break;
    all.insert(all.end(), part.begin(), part.end());
    token = scan.continuation();
  }
  EXPECT_EQ(all, expected(50));
}

TEST_P(ScanTest, ReverseScanResumesBelowTheLastKeyReturned) {
  fill(30);
  ScanOptions o = tiny();
  o.reverse = Reverse::kYes;
  Scan first = Scan::open(db(), "k", "l", o);
  auto all = keysOf(first, 11);
  Scan rest = Scan::resume(db(), "k", "l", first.continuation(), o);
  auto more = keysOf(rest);
  all.insert(all.end(), more.begin(), more.end());
  EXPECT_EQ(all, expected(30, true));
}

TEST_P(ScanTest, ATokenTakenBeforeAnyRowStartsAtTheBeginning) {
  fill(3);
  Scan scan = Scan::open(db(), "k", "l");
  Scan again = Scan::resume(db(), "k", "l", scan.continuation());
  EXPECT_EQ(keysOf(again), expected(3));
}

TEST_P(ScanTest, ATokenTakenAtTheEndResumesToNothing) {
  fill(3);
  Scan scan = Scan::open(db(), "k", "l");
  EXPECT_EQ(keysOf(scan).size(), 3u);
  Scan again = Scan::resume(db(), "k", "l", scan.continuation());
  EXPECT_FALSE(again.next().has_value());
  EXPECT_FALSE(again.hasMore());
}

TEST_P(ScanTest, HasMoreTellsWhetherRowsRemainWithoutLosingThem) {
  fill(4);
  Scan scan = Scan::open(db(), "k", "l", tiny());
  EXPECT_EQ(keysOf(scan, 4).size(), 4u);
  EXPECT_FALSE(scan.hasMore());
  Scan other = Scan::open(db(), "k", "l", tiny());
  EXPECT_EQ(keysOf(other, 3).size(), 3u);
  EXPECT_TRUE(other.hasMore());
  EXPECT_EQ(other.next()->key, "k003");
}

TEST_P(ScanTest, TokensArePrintableWithoutSpacesEvenForBinaryKeys) {
  db().run([](Transaction& tr) { tr.set(std::string("\x00\x01 \xfe\n", 5), "x"); });
  Scan scan = Scan::open(db(), "", "\xff");
  ASSERT_TRUE(scan.next().has_value());
  std::string token = scan.continuation();
  for (char c : token)
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << token;
  EXPECT_FALSE(Scan::resume(db(), "", "\xff", token).next().has_value());
}

TEST_P(ScanTest, ATokenOfAnotherRangeOrDirectionIsRefused) {
  fill(5);
  Scan scan = Scan::open(db(), "k", "l");
  ASSERT_TRUE(scan.next().has_value());
  std::string token = scan.continuation();
  expectError(ErrorCode::invalid_input, [&] { (void)Scan::resume(db(), "k", "m", token); });
  ScanOptions reverse;
  reverse.reverse = Reverse::kYes;
  expectError(ErrorCode::invalid_input,
              [&] { (void)Scan::resume(db(), "k", "l", token, reverse); });
}

TEST_P(ScanTest, ADamagedTokenIsRefused) {
  fill(5);
  Scan scan = Scan::open(db(), "k", "l");
  ASSERT_TRUE(scan.next().has_value());
  std::string token = scan.continuation();
  std::string flipped = token;
  flipped[5] = flipped[5] == 'A' ? 'B' : 'A';
  for (const std::string& bad :
       {token.substr(0, token.size() - 3), flipped, std::string("x") + token, std::string(""),
        token + "!", std::string("c1")}) {
    expectError(ErrorCode::invalid_input, [&] { (void)Scan::resume(db(), "k", "l", bad); });
  }
}

TEST_P(ScanTest, BadOptionsAndRangesAreRefused) {
  ScanOptions o;
  o.batchBytes = 0;
  expectError(ErrorCode::invalid_option_value, [&] { (void)Scan::open(db(), "a", "b", o); });
  o = {};
  o.batchBytes = 9'000'000;
  expectError(ErrorCode::invalid_option_value, [&] { (void)Scan::open(db(), "a", "b", o); });
  o = {};
  o.batchTime = std::chrono::seconds(5);
  expectError(ErrorCode::invalid_option_value, [&] { (void)Scan::open(db(), "a", "b", o); });
  expectError(ErrorCode::key_outside_legal_range, [&] { (void)Scan::open(db(), "a", "\xff\x01"); });
}

TEST_P(ScanTest, AnEmptyOrInvertedRangeReturnsNothing) {
  fill(3);
  EXPECT_FALSE(Scan::open(db(), "l", "k").next().has_value());
  EXPECT_FALSE(Scan::open(db(), "k", "k").next().has_value());
}

TEST_P(ScanTest, AScanOutlivesTheTransactionLifetime) {
  DatabaseOptions options;
  options.maxTransactionLifetime = std::chrono::milliseconds(200);
  reopen(options);
  fill(20);
  // The baseline: one transaction held across the same pauses is too old.
  Transaction tr = db().createTransaction();
  (void)tr.get("k000");
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  expectError(ErrorCode::transaction_too_old, [&] { (void)tr.get("k001"); });

  Scan scan = Scan::open(db(), "k", "l", tiny());
  std::vector<std::string> seen;
  while (auto kv = scan.next()) {
    seen.push_back(kv->key);
    if (seen.size() == 5 || seen.size() == 12) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }
  EXPECT_EQ(seen, expected(20));
}

TEST_P(ScanTest, APerBatchScanSeesWritesAheadOfItsPosition) {
  fill(10);
  Scan scan = Scan::open(db(), "k", "l", tiny());
  EXPECT_EQ(keysOf(scan, 3), (std::vector<std::string>{"k000", "k001", "k002"}));
  db().run([](Transaction& tr) {
    tr.set("k0000", "behind");  // sorts before k001: missed
    tr.set("k009x", "ahead");   // ahead: seen
  });
  auto rest = keysOf(scan);
  EXPECT_EQ(std::count(rest.begin(), rest.end(), "k0000"), 0);
  EXPECT_EQ(std::count(rest.begin(), rest.end(), "k009x"), 1);
}

TEST_P(ScanTest, APinnedScanSeesOneVersionOrIsRefusedWhereTheEngineCannotKeepOne) {
  fill(30);
  ScanOptions o = tiny();
  o.consistency = ScanConsistency::kPinned;
  if (!canPinScan(db())) {
    EXPECT_NE(kind(), "file");
    expectError(ErrorCode::unsupported_operation, [&] { (void)Scan::open(db(), "k", "l", o); });
    return;
  }
  EXPECT_EQ(kind(), "file");
  Scan scan = Scan::open(db(), "k", "l", o);
  int64_t version = scan.batchVersion();
  auto all = keysOf(scan, 5);
  db().run([](Transaction& tr) {
    tr.set("k020x", "new");
    tr.clear("k025");
  });
  auto rest = keysOf(scan);
  all.insert(all.end(), rest.begin(), rest.end());
  EXPECT_EQ(all, expected(30));
  EXPECT_EQ(scan.batchVersion(), version);
}

TEST_P(ScanTest, APinnedTokenWhoseVersionIsGoneIsTooOldButResumesUnpinned) {
  if (!canPinScan(db())) GTEST_SKIP() << "pinning is the embedded engine's";
  fill(10);
  ScanOptions o = tiny();
  o.consistency = ScanConsistency::kPinned;
  std::string token;
  {
    Scan scan = Scan::open(db(), "k", "l", o);
    EXPECT_EQ(keysOf(scan, 4).size(), 4u);
    token = scan.continuation();
  }
  reopen();  // another "process": nothing keeps the pinned version
  db().run([](Transaction& tr) { tr.set("z", "moves the version on"); });
  expectError(ErrorCode::transaction_too_old,
              [&] { (void)Scan::resume(db(), "k", "l", token, o); });
  Scan unpinned = Scan::resume(db(), "k", "l", token, tiny());
  EXPECT_EQ(keysOf(unpinned),
            (std::vector<std::string>{"k004", "k005", "k006", "k007", "k008", "k009"}));
}

STRATA_ENGINE_SUITE(ScanTest);

}  // namespace
}  // namespace strata
