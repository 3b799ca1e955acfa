// Conformance: get / set / clear / clearRange, byte-exact keys and values, key order, read
// versions (fdb-api.md sections 1, 2.1, 2.5).
#include <string>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

using namespace std::string_literals;

STRATA_CONFORMANCE_SUITE(ReadsTest);

TEST_P(ReadsTest, AFreshDatabaseIsEmpty) {
  Transaction tr = tx();
  EXPECT_EQ(tr.get("a"), std::nullopt);
  EXPECT_TRUE(tr.getRangeAll("", "\xff").empty());
}

TEST_P(ReadsTest, ACommittedSetIsVisibleToLaterTransactions) {
  put("hello", "world");
  EXPECT_EQ(read("hello"), "world");
}

TEST_P(ReadsTest, AnAbsentKeyIsNulloptAndAnEmptyValueIsPresent) {
  put("empty", "");
  Transaction tr = tx();
  EXPECT_EQ(tr.get("absent"), std::nullopt);
  auto v = tr.get("empty");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, "");
  auto rows = tr.getRangeAll("a", "z");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (KeyValue{"empty", ""}));
}

TEST_P(ReadsTest, TheEmptyKeyIsALegalKey) {
  put("", "root");
  EXPECT_EQ(read(""), "root");
  auto rows = readRange("", "\xff");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key, "");
}

TEST_P(ReadsTest, EveryByteValueRoundTripsInKeysAndValues) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  db().run([&](Transaction& tr) {
    for (int b = 0; b < 255; ++b) {  // 0xff alone is outside the user key space
      tr.set("k"s + static_cast<char>(b), std::string(1, static_cast<char>(b)) + all);
    }
    tr.set(all.substr(0, 255), all);  // a key holding every byte but 0xff as its first byte
  });
  Transaction tr = tx();
  for (int b = 0; b < 255; ++b) {
    EXPECT_EQ(tr.get("k"s + static_cast<char>(b)), std::string(1, static_cast<char>(b)) + all)
        << "byte " << b;
  }
  EXPECT_EQ(tr.get(all.substr(0, 255)), all);
}

TEST_P(ReadsTest, KeysWithZeroAndFfBytesInsideAreDistinct) {
  const std::string keys[] = {"a",      "a\x00"s,     "a\x00\x00"s, "a\x00\xff"s,
                              "a\xff"s, "a\xff\x00"s, "a\xff\xff"s, "b"};
  db().run([&](Transaction& tr) {
    for (size_t i = 0; i < std::size(keys); ++i) tr.set(keys[i], std::to_string(i));
  });
  Transaction tr = tx();
  for (size_t i = 0; i < std::size(keys); ++i) {
    EXPECT_EQ(tr.get(keys[i]), std::to_string(i)) << printable(keys[i]);
  }
  EXPECT_EQ(tr.get("a\x01"s), std::nullopt);
}

TEST_P(ReadsTest, KeysSortAsUnsignedBytesWithShorterFirstOnACommonPrefix) {
  // Inserted out of order; 0x80 and 0xfe must sort after 0x7f (unsigned comparison).
  std::vector<std::string> sorted = {"",   "\x00"s, "\x00\x00"s, "\x01", "a",    "a\x00"s,
                                     "ab", "b",     "\x7f",      "\x80", "\xfe", "\xfe\xff"s};
  db().run([&](Transaction& tr) {
    for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) tr.set(*it, "v");
  });
  EXPECT_EQ(keysOf(readRange("", "\xff")), sorted);
}

TEST_P(ReadsTest, AnOverwriteReplacesTheValue) {
  put("k", "one");
  put("k", "two");
  EXPECT_EQ(read("k"), "two");
}

TEST_P(ReadsTest, ClearRemovesOnlyThatKey) {
  putAll({{"a", "1"}, {"b", "2"}, {"b\x00"s, "3"}});
  db().run([](Transaction& tr) { tr.clear("b"); });
  EXPECT_EQ(read("a"), "1");
  EXPECT_EQ(read("b"), std::nullopt);
  EXPECT_EQ(read("b\x00"s), "3");
}

TEST_P(ReadsTest, ClearOfAnAbsentKeyIsANoOp) {
  db().run([](Transaction& tr) { tr.clear("nothing"); });
  EXPECT_EQ(read("nothing"), std::nullopt);
}

TEST_P(ReadsTest, ClearRangeRemovesBeginUpToButNotIncludingEnd) {
  putAll({{"a", "1"}, {"b", "2"}, {"ba", "3"}, {"c", "4"}, {"c\x00"s, "5"}, {"d", "6"}});
  db().run([](Transaction& tr) { tr.clearRange("b", "c"); });
  EXPECT_EQ(keysOf(readRange("", "\xff")), (std::vector<std::string>{"a", "c", "c\x00"s, "d"}));
}

TEST_P(ReadsTest, ClearRangeWithEqualEndsIsANoOp) {
  put("b", "2");
  db().run([](Transaction& tr) { tr.clearRange("b", "b"); });
  EXPECT_EQ(read("b"), "2");
}

TEST_P(ReadsTest, ClearRangeUpToFfClearsTheWholeUserKeySpace) {
  putAll({{"", "0"}, {"a", "1"}, {"\xfe\xff"s, "2"}});
  db().run([](Transaction& tr) { tr.clearRange("", "\xff"); });
  EXPECT_TRUE(readRange("", "\xff").empty());
}

TEST_P(ReadsTest, ClearRangeWithBeginAfterEndIsAnInvertedRange) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2005, tr.clearRange("b", "a"));
}

TEST_P(ReadsTest, AllWritesOfATransactionBecomeVisibleTogether) {
  Transaction tr = tx();
  tr.set("x", "1");
  tr.set("y", "2");
  EXPECT_EQ(read("x"), std::nullopt) << "an uncommitted write is visible to others";
  tr.commit();
  Transaction check = tx();
  EXPECT_EQ(check.get("x"), "1");
  EXPECT_EQ(check.get("y"), "2");
}

TEST_P(ReadsTest, DestroyingATransactionWithoutCommitRollsBack) {
  {
    Transaction tr = tx();
    tr.set("k", "v");
  }
  EXPECT_EQ(read("k"), std::nullopt);
}

TEST_P(ReadsTest, ResetDropsBufferedWrites) {
  Transaction tr = tx();
  tr.set("k", "v");
  tr.reset();
  EXPECT_EQ(tr.get("k"), std::nullopt);
  tr.commit();
  EXPECT_EQ(read("k"), std::nullopt);
}

TEST_P(ReadsTest, AReadSeesTheDatabaseAtItsReadVersion) {
  put("k", "old");
  Transaction tr = tx();
  (void)tr.getReadVersion();
  put("k", "new");
  EXPECT_EQ(tr.get("k"), "old");
  EXPECT_EQ(tr.get("k", Snapshot::kYes), "old");
  EXPECT_EQ(tr.getRangeAll("a", "z").at(0).value, "old");
}

TEST_P(ReadsTest, ReadVersionsAreMonotoneAndCoverEveryEarlierCommit) {
  Transaction first = tx();
  int64_t rv1 = first.getReadVersion();
  EXPECT_GE(rv1, 0);
  EXPECT_EQ(first.getReadVersion(), rv1) << "the read version changed within a transaction";

  Transaction writer = tx();
  writer.set("k", "v");
  writer.commit();
  int64_t cv = writer.getCommittedVersion();
  EXPECT_GT(cv, rv1);

  Transaction second = tx();
  EXPECT_GE(second.getReadVersion(), cv);
  EXPECT_EQ(second.get("k"), "v");
}

TEST_P(ReadsTest, CommittedVersionsIncreaseWithEachCommit) {
  int64_t last = -1;
  for (int i = 0; i < 5; ++i) {
    Transaction tr = tx();
    tr.set("k", std::to_string(i));
    tr.commit();
    int64_t cv = tr.getCommittedVersion();
    EXPECT_GT(cv, last);
    last = cv;
  }
}

TEST_P(ReadsTest, GetCommittedVersionBeforeCommitIsAnInvalidOperation) {
  Transaction tr = tx();
  tr.set("k", "v");
  EXPECT_ERROR_CODE(2000, (void)tr.getCommittedVersion());
}

TEST_P(ReadsTest, SeveralAsyncGetsCompleteWithTheirValues) {
  putAll({{"a", "1"}, {"b", "2"}});
  Transaction tr = tx();
  auto fa = tr.getAsync("a");
  auto fb = tr.getAsync("b");
  auto fc = tr.getAsync("c");
  EXPECT_EQ(fa.get(), "1");
  EXPECT_EQ(fb.get(), "2");
  EXPECT_EQ(fc.get(), std::nullopt);
}

TEST_P(ReadsTest, CommitAsyncCommits) {
  Transaction tr = tx();
  tr.set("k", "v");
  tr.commitAsync().get();
  EXPECT_EQ(read("k"), "v");
}

TEST_P(ReadsTest, SetReadVersionReadsAnOlderSnapshot) {
  put("k", "old");
  int64_t rv = tx().getReadVersion();
  put("k", "new");
  Transaction tr = tx();
  tr.setReadVersion(rv);
  EXPECT_EQ(tr.getReadVersion(), rv);
  EXPECT_EQ(tr.get("k"), "old");
}

TEST_P(ReadsTest, SetReadVersionToTheNewestVersionSharesOneSnapshot) {
  put("k", "v");
  int64_t rv = tx().getReadVersion();
  Transaction tr = tx();
  tr.setReadVersion(rv);
  EXPECT_EQ(tr.get("k"), "v");
  EXPECT_EQ(tr.getReadVersion(), rv);
}

TEST_P(ReadsTest, SetReadVersionTwiceIsReadVersionAlreadySet) {
  int64_t rv = tx().getReadVersion();
  Transaction tr = tx();
  tr.setReadVersion(rv);
  EXPECT_ERROR_CODE(2010, tr.setReadVersion(rv));
}

TEST_P(ReadsTest, SetReadVersionAfterAReadIsReadVersionAlreadySet) {
  Transaction tr = tx();
  (void)tr.get("k");
  EXPECT_ERROR_CODE(2010, tr.setReadVersion(tr.getReadVersion()));
}

TEST_P(ReadsTest, AReadVersionNewerThanTheNewestCommitIsAFutureVersion) {
  Transaction tr = tx();
  tr.setReadVersion(tx().getReadVersion() + 1'000'000'000'000LL);
  EXPECT_ERROR_CODE(1009, (void)tr.get("k"));
}

TEST_P(ReadsTest, SetReadVersionAndCommitWithAConflictingWriteFails) {
  put("k", "old");
  int64_t rv = tx().getReadVersion();
  put("k", "new");
  Transaction tr = tx();
  tr.setReadVersion(rv);
  EXPECT_EQ(tr.get("k"), "old");
  tr.set("other", "x");
  EXPECT_ERROR_CODE(1020, tr.commit());
}

TEST_P(ReadsTest, ApproximateSizeGrowsWithWrites) {
  Transaction tr = tx();
  int64_t empty = tr.getApproximateSize();
  tr.set("k", std::string(1000, 'v'));
  int64_t one = tr.getApproximateSize();
  EXPECT_GE(one, empty + 1000);
  tr.set("k2", std::string(1000, 'v'));
  EXPECT_GE(tr.getApproximateSize(), one + 1000);
}

}  // namespace
}  // namespace strata::conformance
