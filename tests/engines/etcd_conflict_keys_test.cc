// The etcd engine's conflict markers (src/engines/etcd/conflict_keys.h): a reader of [x, y)
// finds a marker left by a write range [a, b) whenever the two ranges overlap (no missed
// conflict), and finds none when they do not, unless the write range was over-approximated.
#include "engines/etcd/conflict_keys.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace strata::kv::etcd {
namespace {

using namespace std::string_literals;

// What the engine's compares see: a point marker in [x, y), a node marker in [x, y), or a node
// marker at a proper prefix of x.
bool readerSees(const WriteMarkers& m, const std::string& x, const std::string& y) {
  for (const auto& p : m.points) {
    if (x <= p && p < y) return true;
  }
  auto covering = coveringNodes(x);
  for (const auto& n : m.nodes) {
    if (x <= n && n < y) return true;
    for (const auto& c : covering) {
      if (c == n) return true;
    }
  }
  return false;
}

bool overlap(const std::string& a, const std::string& b, const std::string& x,
             const std::string& y) {
  return a < y && x < b && a < b && x < y;
}

TEST(EtcdConflictKeysTest, APointRangeIsOnePointMarker) {
  auto m = writeMarkers("k", "k\x00"s);
  EXPECT_EQ(m.points, std::vector<std::string>{"k"});
  EXPECT_TRUE(m.nodes.empty());
}

TEST(EtcdConflictKeysTest, APrefixRangeIsOneNode) {
  auto m = writeMarkers("users/", "users0");
  EXPECT_TRUE(m.points.empty());
  EXPECT_EQ(m.nodes, std::vector<std::string>{"users/"});
}

TEST(EtcdConflictKeysTest, AnEmptyOrInvertedRangeLeavesNothing) {
  EXPECT_TRUE(writeMarkers("b", "b").points.empty());
  EXPECT_TRUE(writeMarkers("b", "a").nodes.empty());
}

TEST(EtcdConflictKeysTest, NeighbouringKeysAreNotCovered) {
  // A write of "k" is invisible to a reader of "k\x00" and of "j\xff", and vice versa.
  auto k = writeMarkers("k", "k\x00"s);
  EXPECT_FALSE(readerSees(k, "k\x00"s, "k\x00\x00"s));
  EXPECT_FALSE(readerSees(k, "j\xff"s, "j\xff\x00"s));
  EXPECT_TRUE(readerSees(k, "a", "z"));
  auto longer = writeMarkers("k\x00"s, "k\x00\x00"s);
  EXPECT_FALSE(readerSees(longer, "k", "k\x00"s));
}

TEST(EtcdConflictKeysTest, AReaderInsideAWideWriteRangeSeesIt) {
  auto m = writeMarkers("j", "l");  // addWriteConflictRange("j", "l") against a get("k")
  EXPECT_TRUE(readerSees(m, "k", "k\x00"s));
  EXPECT_TRUE(readerSees(m, "k5/deep/key", "k5/deep/key\x00"s));
  EXPECT_FALSE(readerSees(m, "l", "l\x00"s));
  EXPECT_FALSE(readerSees(m, "i\xff", "i\xff\x00"s));
}

TEST(EtcdConflictKeysTest, KeyAfterPrefixStripsTrailingFf) {
  EXPECT_EQ(keyAfterPrefix("a\xff\xff"s), "b");
  EXPECT_EQ(keyAfterPrefix("ab"), "ac");
  EXPECT_EQ(keyAfterPrefix("\xff\xff"s), std::nullopt);
  EXPECT_EQ(keyAfterPrefix(""), std::nullopt);
}

TEST(EtcdConflictKeysTest, MarkersNeverMissAnOverlapOnRandomRanges) {
  std::mt19937_64 rng(12345);
  const std::string alphabet =
      "\x00\x01"
      "ab\xfe\xff"s;
  auto randomKey = [&] {
    std::string s;
    size_t len = rng() % 5;
    for (size_t i = 0; i < len; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
    return s;
  };
  int overlaps = 0, exactMisses = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string a = randomKey(), b = randomKey(), x = randomKey(), y = randomKey();
    if (a >= b || x >= y) continue;
    auto m = writeMarkers(a, b);
    bool sees = readerSees(m, x, y);
    if (overlap(a, b, x, y)) {
      ++overlaps;
      ASSERT_TRUE(sees) << "missed conflict: write [" << a << "," << b << ") read [" << x << ","
                        << y << ")";
    } else if (sees) {
      // Only the marker-count cap may over-approximate here (keys are shorter than the depth
      // cap): it leaves one node, the common prefix, instead of the exact cover.
      bool capped =
          m.points.empty() && m.nodes.size() == 1 && !(m.nodes[0] == a && keyAfterPrefix(a) == b);
      if (!capped) ++exactMisses;
    }
  }
  EXPECT_GT(overlaps, 1000);
  EXPECT_EQ(exactMisses, 0) << "false conflicts without hitting a cap";
}

TEST(EtcdConflictKeysTest, DeepAndHugeRangesOverApproximateButNeverMiss) {
  std::string deep(100, 'q');
  auto m = writeMarkers(deep + "a", deep + "z");
  EXPECT_LE(m.points.size() + m.nodes.size(), kMaxMarkersPerRange + 1);
  EXPECT_TRUE(readerSees(m, deep + "m", deep + "m\x00"s));
  EXPECT_TRUE(readerSees(m, deep + "a", deep + "a\x00"s));
  auto wide = writeMarkers("a\x01"s, "z\xfe\xfe"s);
  EXPECT_LE(wide.points.size() + wide.nodes.size(), kMaxMarkersPerRange + 1);
  EXPECT_TRUE(readerSees(wide, "m", "m\x00"s));
  EXPECT_TRUE(readerSees(wide, "z\xfe\x01"s, "z\xfe\x02"s));
}

}  // namespace
}  // namespace strata::kv::etcd
