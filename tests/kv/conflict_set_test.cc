#include "kv/conflict_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace strata::kv {
namespace {

TEST(ConflictSetTest, ReportsTheNewestWriteInARange) {
  ConflictSet s;
  s.add("b", "c", 10);
  s.add("x", "y", 20);
  EXPECT_EQ(s.maxVersion("a", "b"), -1);
  EXPECT_EQ(s.maxVersion("a", "bb"), 10);
  EXPECT_EQ(s.maxVersion("c", "x"), -1);
  EXPECT_EQ(s.maxVersion("a", "z"), 20);
}

TEST(ConflictSetTest, ConflictsOnlyWithWritesAfterTheReadVersion) {
  ConflictSet s;
  s.add("k", std::string("k\0", 2), 5);
  EXPECT_TRUE(s.conflicts({{"a", "z"}}, 4));
  EXPECT_FALSE(s.conflicts({{"a", "z"}}, 5));
  EXPECT_FALSE(s.conflicts({{"l", "z"}}, 0));
}

TEST(ConflictSetTest, OverlappingWritesKeepTheNewestVersion) {
  ConflictSet s;
  s.add("a", "m", 1);
  s.add("f", "h", 2);
  s.add("g", "z", 3);
  EXPECT_EQ(s.maxVersion("a", "f"), 1);
  EXPECT_EQ(s.maxVersion("f", "g"), 2);
  EXPECT_EQ(s.maxVersion("y", "zz"), 3);
  EXPECT_EQ(s.maxVersion("z", "zz"), -1);
}

TEST(ConflictSetTest, PruneForgetsOldWritesAndMergesSteps) {
  ConflictSet s;
  for (int i = 0; i < 100; ++i) {
    std::string k = "k" + std::to_string(i);
    s.add(k, k + "!", i);
  }
  size_t before = s.steps();
  s.prune(90);
  EXPECT_LT(s.steps(), before);
  EXPECT_EQ(s.maxVersion("k5", "k6"), 89);  // pruned writes read as "older than the horizon"
  EXPECT_EQ(s.maxVersion("k95", "k95!"), 95);
  EXPECT_FALSE(s.conflicts({{"a", "k90"}}, 89));
}

TEST(ConflictSetTest, WritesOlderThanTheHorizonReadAsHorizonMinusOneBeforeTheyAreMerged) {
  ConflictSet s;
  for (int i = 0; i < 1000; ++i) {
    std::string k = "k" + std::to_string(1000 + i);
    s.add(k, k + "!", i);
  }
  s.prune(0);  // spends the credit of those adds on a pass that finds nothing old
  const size_t full = s.steps();
  s.add("z", "zz", 1000);
  s.prune(900);  // the credit of one add merges only a few steps
  EXPECT_GT(s.steps(), full / 2);
  EXPECT_EQ(s.horizon(), 900);
  EXPECT_EQ(s.maxVersion("k1001", "k1002"), 899);
  EXPECT_EQ(s.maxVersion("a", "k1500"), 899);
  EXPECT_EQ(s.maxVersion("k1950", "k1950!"), 950);
  EXPECT_EQ(s.maxVersion("z", "zz"), 1000);
  EXPECT_FALSE(s.conflicts({{"a", "k1900"}}, 899));
  EXPECT_TRUE(s.conflicts({{"a", "k1901"}}, 899));
  EXPECT_EQ(s.conflictingRanges({{"a", "k1500"}, {"k1999", "z"}}, 899),
            (std::vector<KeyRange>{{"k1999", "z"}}));
}

TEST(ConflictSetTest, ALowerHorizonDoesNotUndoAPrune) {
  ConflictSet s;
  s.add("a", "b", 10);
  s.prune(20);
  s.prune(5);
  EXPECT_EQ(s.horizon(), 20);
  EXPECT_EQ(s.maxVersion("a", "b"), 19);
}

TEST(ConflictSetTest, PruningOncePerAddKeepsTheStepsProportionalToTheWindow) {
  ConflictSet s;
  constexpr int kWindow = 200;
  size_t most = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string k = "k" + std::to_string(100000 + (i * 7919) % 100000);
    s.add(k, k + "!", i);
    s.prune(i - kWindow);
    most = std::max(most, s.steps());
  }
  // Each add makes at most 2 boundaries, so the window alone holds up to 2 * kWindow + 1; the
  // steps still to merge stay within a constant factor of that.
  EXPECT_LE(most, 8u * kWindow);
  EXPECT_EQ(s.maxVersion("a", "k"), 19999 - kWindow - 1);  // no write there: horizon - 1
  EXPECT_EQ(s.maxVersion("a", "z"), 19999);
}

}  // namespace
}  // namespace strata::kv
