#include "kv/write_map.h"

#include <gtest/gtest.h>

namespace strata::kv {
namespace {

std::string le64(int64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

TEST(WriteMapTest, UnwrittenKeysAreUnmodified) {
  WriteMap m;
  EXPECT_EQ(m.state("a"), WriteMap::State::kUnmodified);
  EXPECT_EQ(m.find("a"), nullptr);
}

TEST(WriteMapTest, SetAndClearAreKnown) {
  WriteMap m;
  m.set("a", "1");
  m.clear("b");
  ASSERT_NE(m.find("a"), nullptr);
  EXPECT_EQ(m.find("a")->value, "1");
  EXPECT_EQ(m.state("b"), WriteMap::State::kKnown);
  EXPECT_FALSE(m.find("b")->value.has_value());
}

TEST(WriteMapTest, ClearRangeRemovesEarlierPointsAndMergesRanges) {
  WriteMap m;
  m.set("b", "1");
  m.clearRange("a", "c");
  EXPECT_EQ(m.find("b"), nullptr);
  EXPECT_TRUE(m.isCleared("b"));
  m.clearRange("c", "e");  // adjacent: merged
  m.clearRange("x", "z");
  EXPECT_TRUE(m.isCleared("d"));
  EXPECT_FALSE(m.isCleared("e"));
  EXPECT_FALSE(m.isCleared("w"));
  EXPECT_TRUE(m.isCleared("x"));
  m.clearRange("0", "zz");  // swallows everything
  EXPECT_TRUE(m.isCleared("m"));
  EXPECT_TRUE(m.isCleared("0"));
  EXPECT_FALSE(m.isCleared("zz"));
}

TEST(WriteMapTest, SetAfterClearRangeOverridesTheClear) {
  WriteMap m;
  m.clearRange("a", "z");
  m.set("m", "v");
  EXPECT_EQ(m.find("m")->value, "v");
  EXPECT_TRUE(m.isCleared("n"));
}

TEST(WriteMapTest, AtomicOpOnUnknownBaseIsDependentAndFoldsInOrder) {
  WriteMap m;
  m.atomicOp(MutationType::kAdd, "c", le64(2));
  m.atomicOp(MutationType::kAdd, "c", le64(3));
  const auto* e = m.find("c");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->dependent);
  EXPECT_EQ(e->resolve(le64(10)), le64(15));
  EXPECT_EQ(e->resolve(std::nullopt), le64(5));
}

TEST(WriteMapTest, AtomicOpAfterSetOrClearIsComputedLocally) {
  WriteMap m;
  m.set("c", le64(7));
  m.atomicOp(MutationType::kAdd, "c", le64(1));
  EXPECT_FALSE(m.find("c")->dependent);
  EXPECT_EQ(m.find("c")->value, le64(8));
  m.clearRange("d", "e");
  m.atomicOp(MutationType::kAdd, "d", le64(4));
  EXPECT_FALSE(m.find("d")->dependent);
  EXPECT_EQ(m.find("d")->value, le64(4));
}

}  // namespace
}  // namespace strata::kv

namespace strata::kv {
namespace {

TEST(WriteMapTest, KnownSegmentsMergeClearedRangesAndKnownPointsButNotDependentOnes) {
  WriteMap m;
  m.clearRange("b", "d");
  m.set("d", "x");  // adjacent to the cleared range: merged with it
  m.set("f", "y");
  m.atomicOp(MutationType::kAdd, "g", std::string(8, '\1'));  // dependent: not known
  auto segments = m.knownSegments("a", "z");
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0], (std::pair<std::string, std::string>{"b", std::string("d\0", 2)}));
  EXPECT_EQ(segments[1], (std::pair<std::string, std::string>{"f", std::string("f\0", 2)}));
  auto clipped = m.knownSegments("c", "e");
  ASSERT_EQ(clipped.size(), 1u);
  EXPECT_EQ(clipped[0], (std::pair<std::string, std::string>{"c", std::string("d\0", 2)}));
  EXPECT_TRUE(m.knownSegments("h", "z").empty());
}

}  // namespace
}  // namespace strata::kv
