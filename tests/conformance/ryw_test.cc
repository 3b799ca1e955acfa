// Conformance: read-your-writes - point and range reads merged with the transaction's own sets,
// clears, clear-ranges and atomic ops (fdb-api.md 2.2, 2.3).
#include <string>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

using namespace std::string_literals;

STRATA_CONFORMANCE_SUITE(RywTest);

TEST_P(RywTest, GetSeesAnOwnSetBeforeCommit) {
  put("k", "db");
  Transaction tr = tx();
  tr.set("k", "local");
  EXPECT_EQ(tr.get("k"), "local");
  EXPECT_EQ(tr.get("k", Snapshot::kYes), "local");
  tr.set("new", "n");
  EXPECT_EQ(tr.get("new"), "n");
}

TEST_P(RywTest, GetSeesAnOwnClearAsAbsent) {
  put("k", "db");
  Transaction tr = tx();
  tr.clear("k");
  EXPECT_EQ(tr.get("k"), std::nullopt);
}

TEST_P(RywTest, GetInsideAnOwnClearRangeIsAbsent) {
  putAll({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  Transaction tr = tx();
  tr.clearRange("a", "c");
  EXPECT_EQ(tr.get("a"), std::nullopt);
  EXPECT_EQ(tr.get("b"), std::nullopt);
  EXPECT_EQ(tr.get("c"), "3");
}

TEST_P(RywTest, ASetAfterAClearRangeIsVisible) {
  putAll({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  Transaction tr = tx();
  tr.clearRange("a", "d");
  tr.set("b", "new");
  EXPECT_EQ(tr.get("a"), std::nullopt);
  EXPECT_EQ(tr.get("b"), "new");
  EXPECT_EQ(tr.getRangeAll("a", "d"), (std::vector<KeyValue>{{"b", "new"}}));
  tr.commit();
  EXPECT_EQ(readRange("a", "d"), (std::vector<KeyValue>{{"b", "new"}}));
}

TEST_P(RywTest, AClearRangeAfterASetRemovesIt) {
  Transaction tr = tx();
  tr.set("b", "new");
  tr.set("d", "kept");
  tr.clearRange("a", "c");
  EXPECT_EQ(tr.get("b"), std::nullopt);
  EXPECT_EQ(tr.getRangeAll("a", "z"), (std::vector<KeyValue>{{"d", "kept"}}));
  tr.commit();
  EXPECT_EQ(readRange("a", "z"), (std::vector<KeyValue>{{"d", "kept"}}));
}

TEST_P(RywTest, ASetAfterAClearIsVisible) {
  put("k", "db");
  Transaction tr = tx();
  tr.clear("k");
  tr.set("k", "again");
  EXPECT_EQ(tr.get("k"), "again");
}

TEST_P(RywTest, RangeReadsMergeSetsClearsAndClearRangesWithTheDatabase) {
  putAll({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}, {"f", "6"}});
  Transaction tr = tx();
  tr.set("b2", "local");  // inserted
  tr.set("a", "over");    // overwrites a db key
  tr.clear("c");          // removes a db key
  tr.clearRange("e", "f");
  tr.set("g", "tail");
  const std::vector<KeyValue> expected = {{"a", "over"}, {"b", "2"}, {"b2", "local"},
                                          {"d", "4"},    {"f", "6"}, {"g", "tail"}};
  EXPECT_EQ(tr.getRangeAll("a", "z"), expected);
  EXPECT_EQ(tr.getRangeAll("a", "z", {.snapshot = Snapshot::kYes}), expected);

  std::vector<KeyValue> reversed(expected.rbegin(), expected.rend());
  EXPECT_EQ(tr.getRangeAll("a", "z", {.reverse = Reverse::kYes}), reversed);
}

TEST_P(RywTest, RangeLimitsApplyToTheMergedResult) {
  putAll({{"a", "1"}, {"c", "3"}, {"e", "5"}});
  Transaction tr = tx();
  tr.set("b", "2");
  tr.clear("c");
  tr.set("d", "4");
  EXPECT_EQ(keysOf(tr.getRangeAll("a", "z", {.limit = 3})),
            (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(keysOf(tr.getRangeAll("a", "z", {.limit = 2, .reverse = Reverse::kYes})),
            (std::vector<std::string>{"e", "d"}));
}

// 300 database rows with local inserts, overwrites, clears and a clear-range spread over them,
// read in small batches so local writes straddle batch boundaries.
TEST_P(RywTest, BatchedRangeReadsMergeLocalWritesAcrossBatchBoundaries) {
  auto key = [](int i) {
    std::string n = std::to_string(i);
    return "r" + std::string(3 - n.size(), '0') + n;
  };
  db().run([&](Transaction& tr) {
    for (int i = 0; i < 300; i += 2) tr.set(key(i), std::string(50, 'd'));
  });
  Transaction tr = tx();
  std::vector<KeyValue> expected;
  for (int i = 0; i < 300; ++i) {
    if (i >= 100 && i < 140) continue;  // cleared below
    if (i % 6 == 0) continue;           // cleared below
    if (i % 2 == 1 && i % 5 != 0) continue;
    expected.push_back(
        {key(i), i % 2 == 1 ? "local" : (i % 4 == 0 ? "over" : std::string(50, 'd'))});
  }
  for (int i = 0; i < 300; ++i) {
    if (i % 2 == 1 && i % 5 == 0) tr.set(key(i), "local");
    if (i % 4 == 0) tr.set(key(i), "over");
    if (i % 6 == 0) tr.clear(key(i));
  }
  tr.set(key(120), "gone");
  tr.clearRange(key(100), key(140));
  for (StreamingMode mode : {StreamingMode::kSmall, StreamingMode::kIterator}) {
    SCOPED_TRACE("mode " + std::to_string(static_cast<int>(mode)));
    EXPECT_EQ(tr.getRange("r", "s", {.mode = mode}).toVector(), expected);
    std::vector<KeyValue> reversed(expected.rbegin(), expected.rend());
    EXPECT_EQ(tr.getRange("r", "s", {.mode = mode, .reverse = Reverse::kYes}).toVector(), reversed);
    std::vector<KeyValue> first50(expected.begin(), expected.begin() + 50);
    EXPECT_EQ(tr.getRange("r", "s", {.limit = 50, .mode = mode}).toVector(), first50);
  }
}

TEST_P(RywTest, AnAtomicOpOnAnUnreadKeyReadsTheDatabaseValueThenApplies) {
  put("counter", int64Le(5));
  Transaction tr = tx();
  tr.atomicOp(MutationType::kAdd, "counter", int64Le(3));
  tr.atomicOp(MutationType::kAdd, "counter", int64Le(10));
  EXPECT_EQ(fromInt64Le(tr.get("counter").value()), 18);
  tr.commit();
  EXPECT_EQ(fromInt64Le(read("counter").value()), 18);
}

TEST_P(RywTest, StackedDependentOpsFoldInIssueOrder) {
  put("k", "\x05"s);
  Transaction tr = tx();
  tr.atomicOp(MutationType::kAdd, "k", "\x03"s);             // 8
  tr.atomicOp(MutationType::kMax, "k", "\x06"s);             // 8
  tr.atomicOp(MutationType::kAppendIfFits, "k", "xy");       // 08 'x' 'y'
  tr.atomicOp(MutationType::kBitXor, "k", "\x01\x00\x00"s);  // 09 'x' 'y'
  EXPECT_EQ(tr.get("k"), "\x09xy"s);
}

TEST_P(RywTest, AnAtomicOpAfterASetIsComputedLocally) {
  put("k", int64Le(100));
  Transaction tr = tx();
  tr.set("k", int64Le(1));
  tr.atomicOp(MutationType::kAdd, "k", int64Le(2));
  EXPECT_EQ(fromInt64Le(tr.get("k").value()), 3);
  tr.commit();
  EXPECT_EQ(fromInt64Le(read("k").value()), 3);
}

TEST_P(RywTest, AnAtomicOpAfterAClearTreatsTheKeyAsAbsent) {
  put("k", int64Le(100));
  Transaction tr = tx();
  tr.clear("k");
  tr.atomicOp(MutationType::kAdd, "k", int64Le(2));
  EXPECT_EQ(fromInt64Le(tr.get("k").value()), 2);
  tr.commit();
  EXPECT_EQ(fromInt64Le(read("k").value()), 2);
}

TEST_P(RywTest, AnAtomicOpInsideAClearRangeTreatsTheKeyAsAbsent) {
  put("k", "\x0f"s);
  Transaction tr = tx();
  tr.clearRange("a", "z");
  tr.atomicOp(MutationType::kBitAnd, "k", "\x03"s);
  EXPECT_EQ(tr.get("k"), "\x03"s);
}

TEST_P(RywTest, ASetAfterAnAtomicOpReplacesIt) {
  put("k", int64Le(100));
  Transaction tr = tx();
  tr.atomicOp(MutationType::kAdd, "k", int64Le(1));
  tr.set("k", "plain");
  EXPECT_EQ(tr.get("k"), "plain");
  tr.commit();
  EXPECT_EQ(read("k"), "plain");
}

TEST_P(RywTest, RangeReadsShowAtomicOpResults) {
  putAll({{"a", int64Le(1)}, {"c", "same"}, {"d", "other"}});
  Transaction tr = tx();
  tr.atomicOp(MutationType::kAdd, "a", int64Le(41));                  // dependent on the db
  tr.atomicOp(MutationType::kAdd, "b", int64Le(7));                   // creates b
  tr.atomicOp(MutationType::kCompareAndClear, "c", "same");           // removes c
  tr.atomicOp(MutationType::kCompareAndClear, "d", "not-the-value");  // keeps d
  tr.atomicOp(MutationType::kCompareAndClear, "e", "x");              // absent stays absent
  auto rows = tr.getRangeAll("a", "z");
  ASSERT_EQ(keysOf(rows), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(fromInt64Le(rows[0].value), 42);
  EXPECT_EQ(fromInt64Le(rows[1].value), 7);
  EXPECT_EQ(rows[2].value, "other");
  EXPECT_EQ(tr.get("c"), std::nullopt);
  EXPECT_EQ(tr.get("e"), std::nullopt);
}

TEST_P(RywTest, KeySelectorsResolveAgainstTheMergedView) {
  putAll({{"a", "1"}, {"c", "3"}, {"e", "5"}});
  Transaction tr = tx();
  tr.set("b", "2");
  tr.clear("c");
  EXPECT_EQ(tr.getKey(KeySelector::firstGreaterThan("a")), "b");
  EXPECT_EQ(tr.getKey(KeySelector::firstGreaterThan("b")), "e");
  EXPECT_EQ(tr.getKey(KeySelector::lastLessThan("e")), "b");
  EXPECT_EQ(tr.getKey(KeySelector::firstGreaterOrEqual("a") + 2), "e");
}

TEST_P(RywTest, OnErrorDropsTheWritesOfTheFailedAttempt) {
  // onError drops the writes of the failed attempt: the retry starts from the database alone.
  put("k", "db");
  Transaction tr = tx();
  tr.set("k", "attempt1");
  tr.onError(Error(ErrorCode::not_committed));
  EXPECT_EQ(tr.get("k"), "db");
}

TEST_P(RywTest, ReadYourWritesDisabledReadsOnlyTheDatabase) {
  put("k", "db");
  Transaction tr = tx();
  tr.setOption(TransactionOption::kReadYourWritesDisable);
  tr.set("k", "local");
  tr.set("new", "n");
  EXPECT_EQ(tr.get("k"), "db");
  EXPECT_EQ(tr.get("new"), std::nullopt);
  EXPECT_EQ(keysOf(tr.getRangeAll("a", "z")), (std::vector<std::string>{"k"}));
  tr.commit();
  EXPECT_EQ(read("k"), "local");
  EXPECT_EQ(read("new"), "n");
}

TEST_P(RywTest, ReadYourWritesDisableAfterAReadOrWriteIsAnInvalidOperation) {
  Transaction reader = tx();
  (void)reader.get("k");
  EXPECT_ERROR_CODE(2000, reader.setOption(TransactionOption::kReadYourWritesDisable));
  Transaction writer = tx();
  writer.set("k", "v");
  EXPECT_ERROR_CODE(2000, writer.setOption(TransactionOption::kReadYourWritesDisable));
}

TEST_P(RywTest, SnapshotRywDisableHidesOwnWritesFromSnapshotReadsOnly) {
  put("k", "db");
  Transaction tr = tx();
  tr.setOption(TransactionOption::kSnapshotRywDisable);
  tr.set("k", "local");
  EXPECT_EQ(tr.get("k", Snapshot::kYes), "db");
  EXPECT_EQ(tr.get("k"), "local");
  // Enables and disables are counted: one enable cancels the one disable.
  tr.setOption(TransactionOption::kSnapshotRywEnable);
  EXPECT_EQ(tr.get("k", Snapshot::kYes), "local");
}

}  // namespace
}  // namespace strata::conformance
