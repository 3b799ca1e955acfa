// Conformance: key selectors and getKey - the four constructors, offsets, clamping at the ends of
// the key space, resolution against local writes, and getKey's conflict ranges (fdb-api.md 3.1,
// 3.2, 2.4).
#include <functional>
#include <string>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

using namespace std::string_literals;
using KS = KeySelector;

class SelectorsTest : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    fill();
  }
  // The database every test starts from: a b c d e.
  void fill() { putAll({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}}); }
  std::string resolve(const KeySelector& sel) { return tx().getKey(sel); }

  // conflicts() on a fresh database holding a c e, with `reader` resolving `sel` serializably.
  bool getKeyConflicts(const KeySelector& sel, const std::string& expected,
                       std::string_view written, Snapshot snapshot = Snapshot::kNo) {
    reopen({});
    putAll({{"a", "1"}, {"c", "3"}, {"e", "5"}});
    return conflicts(
        [&](Transaction& tr) { EXPECT_EQ(tr.getKey(sel, snapshot), expected) << sel.toString(); },
        [&](Transaction& tr) { tr.set(written, "w"); });
  }
};
INSTANTIATE_TEST_SUITE_P(Engines, SelectorsTest, ::testing::ValuesIn(engineKinds()),
                         engineKindName);

TEST_P(SelectorsTest, TheFourConstructorsOnAnExistingKey) {
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("c")), "c");
  EXPECT_EQ(resolve(KS::firstGreaterThan("c")), "d");
  EXPECT_EQ(resolve(KS::lastLessOrEqual("c")), "c");
  EXPECT_EQ(resolve(KS::lastLessThan("c")), "b");
}

TEST_P(SelectorsTest, TheFourConstructorsBetweenKeys) {
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("bb")), "c");
  EXPECT_EQ(resolve(KS::firstGreaterThan("bb")), "c");
  EXPECT_EQ(resolve(KS::lastLessOrEqual("bb")), "b");
  EXPECT_EQ(resolve(KS::lastLessThan("bb")), "b");
}

TEST_P(SelectorsTest, ConstructorsHaveFoundationDbsFields) {
  EXPECT_EQ(KS::lastLessThan("k"), (KS{"k", false, 0}));
  EXPECT_EQ(KS::lastLessOrEqual("k"), (KS{"k", true, 0}));
  EXPECT_EQ(KS::firstGreaterThan("k"), (KS{"k", true, 1}));
  EXPECT_EQ(KS::firstGreaterOrEqual("k"), (KS{"k", false, 1}));
  EXPECT_EQ(KS::firstGreaterOrEqual("k") + 3, (KS{"k", false, 4}));
  EXPECT_EQ(KS::lastLessThan("k") - 2, (KS{"k", false, -2}));
}

TEST_P(SelectorsTest, PositiveOffsetsMoveForward) {
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("a") + 2), "c");
  EXPECT_EQ(resolve(KS::firstGreaterThan("a") + 3), "e");
  EXPECT_EQ(resolve(KS{"c", true, 2}), "e");
  EXPECT_EQ(resolve(KS{"c", false, 3}), "e");
  EXPECT_EQ(resolve(KS::lastLessOrEqual("a") + 1), "b");
}

TEST_P(SelectorsTest, NegativeOffsetsMoveBackward) {
  EXPECT_EQ(resolve(KS::lastLessThan("e") - 2), "b");
  EXPECT_EQ(resolve(KS::lastLessOrEqual("e") - 4), "a");
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("d") - 2), "b");
  EXPECT_EQ(resolve(KS{"cc", false, -1}), "b");
}

TEST_P(SelectorsTest, OffsetsPastTheLastKeyClampToFf) {
  EXPECT_EQ(resolve(KS::firstGreaterThan("e")), "\xff");
  EXPECT_EQ(resolve(KS{"c", false, 4}), "\xff");
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("a") + 1000), "\xff");
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("z")), "\xff");
}

TEST_P(SelectorsTest, OffsetsBeforeTheFirstKeyClampToEmpty) {
  EXPECT_EQ(resolve(KS::lastLessThan("a")), "");
  EXPECT_EQ(resolve(KS::lastLessOrEqual("0")), "");
  EXPECT_EQ(resolve(KS::lastLessThan("e") - 1000), "");
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("c") - 3), "");
}

TEST_P(SelectorsTest, SelectorsAtTheEndsOfTheKeySpace) {
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("")), "a");
  EXPECT_EQ(resolve(KS::lastLessThan("")), "");
  EXPECT_EQ(resolve(KS::lastLessOrEqual("")), "");
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("\xff")), "\xff");
  EXPECT_EQ(resolve(KS::lastLessThan("\xff")), "e");
  EXPECT_EQ(resolve(KS::lastLessOrEqual("\xff")), "e");
  EXPECT_EQ(resolve(KS::lastLessThan("\xff") - 1), "d");
}

TEST_P(SelectorsTest, TheEmptyKeyIsFoundLikeAnyOther) {
  put("", "root");
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("")), "");
  EXPECT_EQ(resolve(KS::firstGreaterThan("")), "a");
  EXPECT_EQ(resolve(KS::lastLessOrEqual("")), "");
  EXPECT_EQ(resolve(KS::lastLessThan("a")), "");
}

TEST_P(SelectorsTest, OnAnEmptyDatabaseEverySelectorClamps) {
  reopen({});
  EXPECT_EQ(resolve(KS::firstGreaterOrEqual("")), "\xff");
  EXPECT_EQ(resolve(KS::firstGreaterThan("m")), "\xff");
  EXPECT_EQ(resolve(KS::lastLessThan("\xff")), "");
  EXPECT_EQ(resolve(KS::lastLessOrEqual("m")), "");
}

TEST_P(SelectorsTest, KeysWithZeroAndFfBytesResolveByteWise) {
  putAll({{"c\x00"s, "x"}, {"c\xff"s, "y"}});
  EXPECT_EQ(resolve(KS::firstGreaterThan("c")), "c\x00"s);
  EXPECT_EQ(resolve(KS::firstGreaterThan("c\x00"s)), "c\xff"s);
  EXPECT_EQ(resolve(KS::lastLessThan("d")), "c\xff"s);
  EXPECT_EQ(resolve(KS::lastLessThan("c\x00"s)), "c");
}

TEST_P(SelectorsTest, SelectorsResolveAgainstLocalSetsAndClears) {
  Transaction tr = tx();
  tr.set("bb", "local");
  tr.clear("c");
  EXPECT_EQ(tr.getKey(KS::firstGreaterThan("b")), "bb");
  EXPECT_EQ(tr.getKey(KS::firstGreaterThan("bb")), "d");
  EXPECT_EQ(tr.getKey(KS::lastLessThan("d")), "bb");
  EXPECT_EQ(tr.getKey(KS::lastLessOrEqual("c")), "bb");
  EXPECT_EQ(tr.getKey(KS::firstGreaterOrEqual("a") + 3), "d");
}

TEST_P(SelectorsTest, SelectorsSkipALocalClearRange) {
  Transaction tr = tx();
  tr.clearRange("b", "e");
  EXPECT_EQ(tr.getKey(KS::firstGreaterThan("a")), "e");
  EXPECT_EQ(tr.getKey(KS::lastLessThan("e")), "a");
  EXPECT_EQ(tr.getKey(KS::firstGreaterOrEqual("a") + 2), "\xff");
  tr.clear("a");
  EXPECT_EQ(tr.getKey(KS::lastLessThan("e")), "");
}

TEST_P(SelectorsTest, SelectorsSeeKeysCreatedByLocalAtomicOps) {
  Transaction tr = tx();
  tr.atomicOp(MutationType::kAdd, "cc", int64Le(1));
  tr.atomicOp(MutationType::kCompareAndClear, "d", "4");
  EXPECT_EQ(tr.getKey(KS::firstGreaterThan("c")), "cc");
  EXPECT_EQ(tr.getKey(KS::firstGreaterThan("cc")), "e");
}

TEST_P(SelectorsTest, ASelectorKeyPastFfIsOutsideTheLegalRange) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2004, (void)tr.getKey(KS::firstGreaterOrEqual("\xff\x00"s)));
  EXPECT_ERROR_CODE(2004, (void)tr.getKey(KS::lastLessThan("\xff\xff")));
}

TEST_P(SelectorsTest, GetKeyAsyncResolvesLikeGetKey) {
  Transaction tr = tx();
  auto f1 = tr.getKeyAsync(KS::firstGreaterThan("b"));
  auto f2 = tr.getKeyAsync(KS::lastLessThan("b"));
  EXPECT_EQ(f1.get(), "c");
  EXPECT_EQ(f2.get(), "a");
}

// getKey conflict ranges (db: a c e). Offset > 0: [K, result + \x00); offset <= 0: [result, K),
// where K is the selector key (+ \x00 when orEqual).
TEST_P(SelectorsTest, FirstGreaterOrEqualConflictsFromItsKeyThroughTheResult) {
  auto sel = KS::firstGreaterOrEqual("b");
  EXPECT_TRUE(getKeyConflicts(sel, "c", "b"));
  EXPECT_TRUE(getKeyConflicts(sel, "c", "bb"));
  EXPECT_TRUE(getKeyConflicts(sel, "c", "c"));
  EXPECT_FALSE(getKeyConflicts(sel, "c", "c\x00"s));
  EXPECT_FALSE(getKeyConflicts(sel, "c", "a\xff"s));
}

TEST_P(SelectorsTest, FirstGreaterThanConflictsFromJustAfterItsKey) {
  auto sel = KS::firstGreaterThan("b");
  EXPECT_FALSE(getKeyConflicts(sel, "c", "b"));
  EXPECT_TRUE(getKeyConflicts(sel, "c", "b\x00"s));
  EXPECT_FALSE(getKeyConflicts(sel, "c", "c\x00"s));
}

TEST_P(SelectorsTest, LastLessThanConflictsFromTheResultUpToItsKey) {
  auto sel = KS::lastLessThan("d");
  EXPECT_TRUE(getKeyConflicts(sel, "c", "c"));
  EXPECT_TRUE(getKeyConflicts(sel, "c", "cc"));
  EXPECT_FALSE(getKeyConflicts(sel, "c", "d"));
  EXPECT_FALSE(getKeyConflicts(sel, "c", "b\xff"s));
}

TEST_P(SelectorsTest, LastLessOrEqualConflictsThroughItsKey) {
  auto sel = KS::lastLessOrEqual("d");
  EXPECT_TRUE(getKeyConflicts(sel, "c", "d"));
  EXPECT_FALSE(getKeyConflicts(sel, "c", "d\x00"s));
}

TEST_P(SelectorsTest, AnOffsetSelectorConflictsOverEveryKeyItCounted) {
  auto sel = KS::firstGreaterOrEqual("a") + 1;  // the second key: c
  EXPECT_TRUE(getKeyConflicts(sel, "c", "a"));
  EXPECT_TRUE(getKeyConflicts(sel, "c", "b"));
  EXPECT_FALSE(getKeyConflicts(sel, "c", "c\x00"s));
  auto back = KS::lastLessThan("e") - 1;  // a
  EXPECT_TRUE(getKeyConflicts(back, "a", "b"));
  EXPECT_TRUE(getKeyConflicts(back, "a", "d"));
  EXPECT_FALSE(getKeyConflicts(back, "a", "e"));
}

TEST_P(SelectorsTest, ASelectorThatRanOffTheEndConflictsWithAnyLaterKey) {
  EXPECT_TRUE(getKeyConflicts(KS::firstGreaterThan("e"), "\xff", "z"));
  EXPECT_TRUE(getKeyConflicts(KS::lastLessThan("a"), "", "0"));
}

TEST_P(SelectorsTest, ASnapshotGetKeyAddsNoConflict) {
  EXPECT_FALSE(getKeyConflicts(KS::firstGreaterOrEqual("b"), "c", "bb", Snapshot::kYes));
  EXPECT_FALSE(getKeyConflicts(KS::lastLessThan("d"), "c", "c", Snapshot::kYes));
}

}  // namespace
}  // namespace strata::conformance
