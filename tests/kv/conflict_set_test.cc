#include "kv/conflict_set.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace strata::kv
