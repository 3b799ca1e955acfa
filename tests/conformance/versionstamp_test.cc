// Conformance: SET_VERSIONSTAMPED_KEY / SET_VERSIONSTAMPED_VALUE - the 4-byte little-endian
// offset, the 10-byte stamp (8-byte BE commit version + 2-byte BE order), getVersionstamp,
// ordering, validation and unreadability within the transaction (fdb-api.md 4.1, 2.2, 2.5).
#include <algorithm>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

using namespace std::string_literals;
using MT = MutationType;

STRATA_CONFORMANCE_SUITE(VersionstampTest);

const std::string kPlaceholder(10, '\xee');

// `operand` followed by the 4-byte little-endian offset `pos`.
std::string withOffset(std::string operand, uint32_t pos) {
  for (int i = 0; i < 4; ++i) operand.push_back(static_cast<char>((pos >> (8 * i)) & 0xff));
  return operand;
}

std::string stampBytes(const CommitStamp& stamp) {
  return std::string(reinterpret_cast<const char*>(stamp.data()), stamp.size());
}

int64_t stampVersion(const CommitStamp& stamp) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | stamp[i];
  return static_cast<int64_t>(v);
}

// The 10 stamp bytes of a commit at version `v` with order 0..65535 lie between these.
std::string stampFloor(int64_t v) {
  std::string s(10, '\0');
  for (int i = 0; i < 8; ++i)
    s[i] = static_cast<char>((static_cast<uint64_t>(v) >> (56 - 8 * i)) & 0xff);
  return s;
}

TEST_P(VersionstampTest, AVersionstampedKeyGetsTheStampAtItsOffset) {
  Transaction tr = tx();
  tr.atomicOp(MT::kSetVersionstampedKey, withOffset("vs/" + kPlaceholder + "/x", 3), "val");
  auto stampFuture = tr.getVersionstamp();
  tr.commit();
  CommitStamp stamp = stampFuture.get();
  EXPECT_EQ(stampVersion(stamp), tr.getCommittedVersion());

  auto rows = readRange("vs/", "vs0");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key, "vs/" + stampBytes(stamp) + "/x");
  EXPECT_EQ(rows[0].value, "val");
}

TEST_P(VersionstampTest, AVersionstampedValueGetsTheStampAtItsOffset) {
  Transaction tr = tx();
  tr.atomicOp(MT::kSetVersionstampedValue, "k", withOffset("pre" + kPlaceholder + "post", 3));
  auto stampFuture = tr.getVersionstamp();
  tr.commit();
  CommitStamp stamp = stampFuture.get();
  EXPECT_EQ(stampVersion(stamp), tr.getCommittedVersion());
  EXPECT_EQ(read("k"), "pre" + stampBytes(stamp) + "post");
}

TEST_P(VersionstampTest, TheStampMayStartTheOperandOrEndIt) {
  Transaction tr = tx();
  tr.atomicOp(MT::kSetVersionstampedValue, "first", withOffset(kPlaceholder + "tail", 0));
  tr.atomicOp(MT::kSetVersionstampedValue, "last", withOffset("head" + kPlaceholder, 4));
  tr.atomicOp(MT::kSetVersionstampedValue, "only", withOffset(kPlaceholder, 0));
  tr.atomicOp(MT::kSetVersionstampedKey, withOffset("end/" + kPlaceholder, 4), "v");
  auto stampFuture = tr.getVersionstamp();
  tr.commit();
  std::string s = stampBytes(stampFuture.get());
  EXPECT_EQ(read("first"), s + "tail");
  EXPECT_EQ(read("last"), "head" + s);
  EXPECT_EQ(read("only"), s);
  EXPECT_EQ(read("end/" + s), "v");
}

TEST_P(VersionstampTest, EveryVersionstampedOpOfOneCommitGetsTheSameStamp) {
  Transaction tr = tx();
  tr.atomicOp(MT::kSetVersionstampedValue, "a", withOffset(kPlaceholder, 0));
  tr.atomicOp(MT::kSetVersionstampedValue, "b", withOffset(kPlaceholder, 0));
  tr.atomicOp(MT::kSetVersionstampedKey, withOffset("c/" + kPlaceholder, 2), "");
  tr.commit();
  auto a = read("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(read("b"), a);
  EXPECT_EQ(read("c/" + *a), "");
}

TEST_P(VersionstampTest, StampsIncreaseInCommitOrder) {
  std::string last;
  int64_t lastVersion = -1;
  for (int i = 0; i < 6; ++i) {
    Transaction tr = tx();
    tr.atomicOp(MT::kSetVersionstampedKey, withOffset("log/" + kPlaceholder, 4), std::to_string(i));
    auto stampFuture = tr.getVersionstamp();
    tr.commit();
    std::string s = stampBytes(stampFuture.get());
    EXPECT_GT(s, last) << "commit " << i;  // unsigned byte order = numeric order (big-endian)
    EXPECT_GT(tr.getCommittedVersion(), lastVersion);
    last = s;
    lastVersion = tr.getCommittedVersion();
  }
  // The keys sort in commit order.
  auto rows = readRange("log/", "log0");
  ASSERT_EQ(rows.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(rows[i].value, std::to_string(i));
}

TEST_P(VersionstampTest, StampsFromConcurrentCommitsAreUniqueAndMatchTheirVersions) {
  constexpr int kThreads = 4, kPerThread = 25;
  std::mutex mu;
  std::vector<std::pair<std::string, int64_t>> seen;  // stamp, committed version
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Transaction tr = db().createTransaction();
        tr.atomicOp(MT::kSetVersionstampedKey, withOffset("c/" + kPlaceholder, 2),
                    std::to_string(t));
        auto stampFuture = tr.getVersionstamp();
        tr.commit();  // blind writes: never conflict
        std::string s = stampBytes(stampFuture.get());
        std::lock_guard lock(mu);
        seen.emplace_back(s, tr.getCommittedVersion());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> unique;
  for (const auto& [s, v] : seen) {
    unique.insert(s);
    EXPECT_EQ(s.substr(0, 8), stampFloor(v).substr(0, 8));
  }
  EXPECT_EQ(unique.size(), seen.size()) << "two commits received the same versionstamp";
  EXPECT_EQ(readRange("c/", "c0").size(), seen.size());
}

TEST_P(VersionstampTest, BadOffsetsAreInvalidOperations) {
  Transaction tr = tx();
  for (MT op : {MT::kSetVersionstampedKey, MT::kSetVersionstampedValue}) {
    SCOPED_TRACE(mutationName(op));
    auto apply = [&](const std::string& operand) {
      if (op == MT::kSetVersionstampedKey) {
        tr.atomicOp(op, operand, "v");
      } else {
        tr.atomicOp(op, "k", operand);
      }
    };
    EXPECT_ERROR_CODE(2000, apply(""));
    EXPECT_ERROR_CODE(2000, apply("abc"));                                 // no 4-byte offset
    EXPECT_ERROR_CODE(2000, apply(withOffset("short", 0)));                // < 10 bytes to stamp
    EXPECT_ERROR_CODE(2000, apply(withOffset(kPlaceholder, 1)));           // pos + 10 > len
    EXPECT_ERROR_CODE(2000, apply(withOffset("ab" + kPlaceholder, 3)));    // one byte too far
    EXPECT_ERROR_CODE(2000, apply(withOffset(kPlaceholder, 0xffffffff)));  // negative
    EXPECT_ERROR_CODE(2000, apply(withOffset(kPlaceholder, 0x7fffffff)));
    EXPECT_NO_THROW(apply(withOffset("ab" + kPlaceholder, 2)));
  }
}

TEST_P(VersionstampTest, AVersionstampedValueKeyIsUnreadableInItsTransaction) {
  put("k", "old");
  Transaction tr = tx();
  tr.atomicOp(MT::kSetVersionstampedValue, "k", withOffset(kPlaceholder, 0));
  EXPECT_ERROR_CODE(1036, (void)tr.get("k"));
  EXPECT_ERROR_CODE(1036, (void)tr.get("k", Snapshot::kYes));
  EXPECT_ERROR_CODE(1036, (void)tr.getRangeAll("a", "z"));
  EXPECT_NO_THROW((void)tr.get("j"));
  EXPECT_NO_THROW((void)tr.getRangeAll("a", "k"));
}

TEST_P(VersionstampTest, AKeyStaysUnreadableAfterALaterSet) {
  Transaction tr = tx();
  tr.atomicOp(MT::kSetVersionstampedValue, "k", withOffset(kPlaceholder, 0));
  tr.set("k", "plain");
  EXPECT_ERROR_CODE(1036, (void)tr.get("k"));
}

TEST_P(VersionstampTest, EveryKeyAVersionstampedKeyCouldProduceIsUnreadable) {
  Transaction tr = tx();  // no read version yet: stamps from all-00 to all-ff are possible
  tr.atomicOp(MT::kSetVersionstampedKey, withOffset("vs/" + kPlaceholder + "/x", 3), "val");
  EXPECT_ERROR_CODE(1036, (void)tr.get("vs/" + std::string(10, '\xff') + "/x"));
  EXPECT_ERROR_CODE(1036, (void)tr.get("vs/" + std::string(10, '\x00') + "/x"));
  EXPECT_ERROR_CODE(1036, (void)tr.getRangeAll("vs/", "vs0"));
  EXPECT_ERROR_CODE(1036, (void)tr.getRangeStartsWith("vs/").toVector());
  EXPECT_NO_THROW((void)tr.get("vs/"));
  EXPECT_NO_THROW((void)tr.get("vs0"));
  EXPECT_NO_THROW((void)tr.getRangeAll("a", "vs/"));
}

TEST_P(VersionstampTest, WithAReadVersionOnlyStampsAfterItAreUnreadable) {
  Transaction tr = tx();
  int64_t rv = tr.getReadVersion();
  tr.atomicOp(MT::kSetVersionstampedKey, withOffset("vs/" + kPlaceholder + "/x", 3), "val");
  EXPECT_ERROR_CODE(1036, (void)tr.get("vs/" + stampFloor(rv + 1) + "/x"));
  EXPECT_ERROR_CODE(1036, (void)tr.get("vs/" + std::string(10, '\xff') + "/x"));
  EXPECT_NO_THROW((void)tr.get("vs/" + stampFloor(rv) + "/x"));
}

TEST_P(VersionstampTest, VersionstampedOpsAddNoReadConflict) {
  put("k", "v");
  Transaction a = tx();
  (void)a.getReadVersion();
  a.atomicOp(MT::kSetVersionstampedValue, "k", withOffset(kPlaceholder, 0));
  put("k", "other");
  EXPECT_NO_THROW(a.commit());
  EXPECT_EQ(read("k").value_or("").size(), 10u);
}

TEST_P(VersionstampTest, AFailedCommitsVersionstampIsInvalid) {
  put("k", "v");
  Transaction a = tx();
  (void)a.get("k");
  a.atomicOp(MT::kSetVersionstampedValue, "s", withOffset(kPlaceholder, 0));
  auto stampFuture = a.getVersionstamp();
  put("k", "changed");
  EXPECT_ERROR_CODE(1020, a.commit());
  EXPECT_ERROR_CODE(2020, (void)stampFuture.get());
}

TEST_P(VersionstampTest, AReadOnlyCommitHasNoVersionstamp) {
  Transaction a = tx();
  (void)a.get("k");
  auto stampFuture = a.getVersionstamp();
  a.commit();
  EXPECT_ERROR_CODE(2021, (void)stampFuture.get());
}

TEST_P(VersionstampTest, VersionstampedKeysMustStayInTheUserKeySpace) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(
      2004, tr.atomicOp(MT::kSetVersionstampedKey, withOffset("\xff" + kPlaceholder, 1), "v"));
  EXPECT_ERROR_CODE(2004,
                    tr.atomicOp(MT::kSetVersionstampedValue, "\xff", withOffset(kPlaceholder, 0)));
}

}  // namespace
}  // namespace strata::conformance
