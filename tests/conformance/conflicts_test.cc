// Conformance: strict serializability by optimistic concurrency control - exactly which reads
// conflict with which later commits, read-only commits, explicit conflict ranges (fdb-api.md
// 2.3, 2.4, 2.5).
#include <functional>
#include <string>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

using namespace std::string_literals;

class ConflictsTest : public ConformanceTest {
 protected:
  // conflicts() on a fresh database holding k0..k5, so earlier probes' writes don't shift the
  // rows a limited read returns.
  bool probe(const std::function<void(Transaction&)>& reader, const std::string& written) {
    reopen({});
    putAll({{"k0", ""}, {"k1", ""}, {"k2", ""}, {"k3", ""}, {"k4", ""}, {"k5", ""}});
    return conflicts(reader, [&](Transaction& tr) { tr.set(written, "w"); });
  }
};
INSTANTIATE_TEST_SUITE_P(Engines, ConflictsTest, ::testing::ValuesIn(engineKinds()),
                         engineKindName);

auto setKey(std::string key) {
  return [key](Transaction& tr) { tr.set(key, "w"); };
}

TEST_P(ConflictsTest, AGetConflictsWithALaterWriteOfThatKey) {
  put("k", "v");
  EXPECT_TRUE(conflicts([](Transaction& tr) { (void)tr.get("k"); }, setKey("k")));
}

TEST_P(ConflictsTest, AGetOfAnAbsentKeyConflictsWithItsCreation) {
  EXPECT_TRUE(conflicts([](Transaction& tr) { (void)tr.get("k"); }, setKey("k")));
}

TEST_P(ConflictsTest, AGetConflictsWithALaterClearOrClearRangeOverIt) {
  put("k", "v");
  EXPECT_TRUE(conflicts([](Transaction& tr) { (void)tr.get("k"); },
                        [](Transaction& tr) { tr.clear("k"); }));
  put("k", "v");
  EXPECT_TRUE(conflicts([](Transaction& tr) { (void)tr.get("k"); },
                        [](Transaction& tr) { tr.clearRange("a", "z"); }));
}

TEST_P(ConflictsTest, AGetDoesNotConflictWithWritesToNeighbouringKeys) {
  put("k", "v");
  auto reader = [](Transaction& tr) { (void)tr.get("k"); };
  EXPECT_FALSE(conflicts(reader, setKey("k\x00"s)));
  EXPECT_FALSE(conflicts(reader, setKey("j\xff"s)));
  EXPECT_FALSE(conflicts(reader, setKey("kk")));
}

TEST_P(ConflictsTest, ASnapshotGetAddsNoReadConflict) {
  put("k", "v");
  EXPECT_FALSE(conflicts([](Transaction& tr) { (void)tr.get("k", Snapshot::kYes); }, setKey("k")));
}

TEST_P(ConflictsTest, ASnapshotRangeReadAddsNoReadConflict) {
  EXPECT_FALSE(conflicts(
      [](Transaction& tr) { (void)tr.getRangeAll("a", "z", {.snapshot = Snapshot::kYes}); },
      setKey("m")));
}

TEST_P(ConflictsTest, ARangeReadConflictsWithWritesInsideItOnly) {
  putAll({{"b", "1"}, {"d", "2"}});
  auto reader = [](Transaction& tr) { (void)tr.getRangeAll("b", "e"); };
  EXPECT_TRUE(conflicts(reader, setKey("b")));
  EXPECT_TRUE(conflicts(reader, setKey("c")));  // a new key inside: a phantom
  EXPECT_TRUE(conflicts(reader, setKey("d\xff"s)));
  EXPECT_FALSE(conflicts(reader, setKey("e")));
  EXPECT_FALSE(conflicts(reader, setKey("a\xff"s)));
}

TEST_P(ConflictsTest, AnEmptyRangeReadStillConflictsWithAnInsertIntoIt) {
  EXPECT_TRUE(conflicts([](Transaction& tr) { EXPECT_TRUE(tr.getRangeAll("b", "e").empty()); },
                        setKey("c")));
}

// A fresh database holding k0..k5 for each probe, so earlier probes' writes don't shift the rows
// a limited read returns.
TEST_P(ConflictsTest, ALimitedRangeReadConflictsOnlyUpToTheLastKeyItReturned) {
  auto reader = [](Transaction& tr) {
    auto rows = tr.getRangeAll("k", "l", {.limit = 3});
    ASSERT_EQ(keysOf(rows), (std::vector<std::string>{"k0", "k1", "k2"}));
  };
  EXPECT_TRUE(probe(reader, "k"));
  EXPECT_TRUE(probe(reader, "k1"));
  EXPECT_TRUE(probe(reader, "k2"));
  EXPECT_FALSE(probe(reader, "k2\x00"s));  // just past the last returned key
  EXPECT_FALSE(probe(reader, "k4"));
}

TEST_P(ConflictsTest, AReverseLimitedRangeReadConflictsOnlyDownToTheLastKeyItReturned) {
  auto reader = [](Transaction& tr) {
    auto rows = tr.getRangeAll("k", "l", {.limit = 2, .reverse = Reverse::kYes});
    ASSERT_EQ(keysOf(rows), (std::vector<std::string>{"k5", "k4"}));
  };
  EXPECT_TRUE(probe(reader, "k4"));
  EXPECT_TRUE(probe(reader, "k5\x00"s));
  EXPECT_TRUE(probe(reader, "k\xff"s));
  EXPECT_FALSE(probe(reader, "k3\xff"s));
  EXPECT_FALSE(probe(reader, "k1"));
}

TEST_P(ConflictsTest, AByteLimitedBatchConflictsOnlyUpToTheLastKeyItReturned) {
  auto reader = [](Transaction& tr) {
    auto batch = tr.getRangeBatch(KeySelector::firstGreaterOrEqual("k"),
                                  KeySelector::firstGreaterOrEqual("l"),
                                  {.targetBytes = 1, .mode = StreamingMode::kSerial});
    ASSERT_TRUE(batch.more);  // cut short by bytes: k5, at least, was not returned
    ASSERT_FALSE(batch.kvs.empty());
    ASSERT_EQ(batch.kvs[0].key, "k0");
  };
  EXPECT_TRUE(probe(reader, "k0"));
  EXPECT_FALSE(probe(reader, "k5"));
  EXPECT_FALSE(probe(reader, "k5\x00"s));
}

TEST_P(ConflictsTest, AnIteratedRangeConflictsOverWhatItRead) {
  putAll({{"k0", ""}, {"k1", ""}, {"k2", ""}});
  EXPECT_TRUE(conflicts(
      [](Transaction& tr) {
        for (const auto& kv : tr.getRange("k", "l")) (void)kv;
      },
      setKey("k1\x00"s)));
}

TEST_P(ConflictsTest, ReadsAfterTheOtherCommitDoNotConflict) {
  put("k", "v");
  Transaction a = tx();
  put("k", "changed before a's read version");
  EXPECT_EQ(a.get("k"), "changed before a's read version");
  a.set("x", "y");
  EXPECT_NO_THROW(a.commit());
}

TEST_P(ConflictsTest, WriteWriteOverlapNeverConflictsAndTheLastCommitWins) {
  Transaction a = tx();
  (void)a.getReadVersion();
  a.set("k", "from a");
  a.clearRange("m", "n");
  Transaction b = tx();
  b.set("k", "from b");
  b.set("m1", "from b");
  b.commit();
  EXPECT_NO_THROW(a.commit());
  EXPECT_EQ(read("k"), "from a");
  EXPECT_EQ(read("m1"), std::nullopt);
}

TEST_P(ConflictsTest, AtomicOpsAddNoReadConflictAndApplyToTheValueAtCommit) {
  put("k", int64Le(10));
  Transaction a = tx();
  (void)a.getReadVersion();
  a.atomicOp(MutationType::kAdd, "k", int64Le(1));
  put("k", int64Le(100));
  EXPECT_NO_THROW(a.commit());
  EXPECT_EQ(fromInt64Le(read("k").value()), 101);
}

TEST_P(ConflictsTest, ReadingAKeyWithAPendingAtomicOpAddsAReadConflict) {
  put("k", int64Le(10));
  EXPECT_TRUE(conflicts(
      [](Transaction& tr) {
        tr.atomicOp(MutationType::kAdd, "k", int64Le(1));
        EXPECT_EQ(fromInt64Le(tr.get("k").value()), 11);
      },
      setKey("k")));
}

TEST_P(ConflictsTest, GettingAKeyThisTransactionSetAddsNoReadConflict) {
  EXPECT_FALSE(conflicts(
      [](Transaction& tr) {
        tr.set("k", "mine");
        EXPECT_EQ(tr.get("k"), "mine");
      },
      setKey("k")));
}

TEST_P(ConflictsTest, GettingAKeyThisTransactionClearedAddsNoReadConflict) {
  put("j", "v");
  EXPECT_FALSE(conflicts(
      [](Transaction& tr) {
        tr.clear("j");
        EXPECT_EQ(tr.get("j"), std::nullopt);
      },
      setKey("j")));
}

TEST_P(ConflictsTest, ReadingARangeThisTransactionClearedAddsNoReadConflict) {
  EXPECT_FALSE(conflicts(
      [](Transaction& tr) {
        tr.clearRange("m", "n");
        EXPECT_TRUE(tr.getRangeAll("m", "n").empty());
      },
      setKey("m1")));
}

TEST_P(ConflictsTest, ARangeReadPartlyOverOwnWritesConflictsOnlyOnTheRest) {
  auto reader = [](Transaction& tr) {
    tr.clearRange("m", "n");
    (void)tr.getRangeAll("a", "z");  // [a, m) and [n, z) are read from the database
  };
  EXPECT_FALSE(conflicts(reader, setKey("m5")));
  EXPECT_TRUE(conflicts(reader, setKey("n")));
  EXPECT_TRUE(conflicts(reader, setKey("b")));
}

TEST_P(ConflictsTest, BlindWritesAddNoReadConflict) {
  put("k", "v");
  EXPECT_FALSE(conflicts(
      [](Transaction& tr) {
        tr.set("k", "blind");
        tr.clear("j");
        tr.clearRange("a", "c");
      },
      [](Transaction& tr) {
        tr.set("k", "other");
        tr.set("j", "other");
        tr.set("b", "other");
      }));
}

TEST_P(ConflictsTest, AReadOnlyTransactionAlwaysCommitsWithVersionMinusOne) {
  put("k", "v");
  Transaction a = tx();
  (void)a.get("k");
  (void)a.getRangeAll("a", "z");
  auto stamp = a.getVersionstamp();
  put("k", "changed");
  EXPECT_NO_THROW(a.commit());
  EXPECT_EQ(a.getCommittedVersion(), -1);
  EXPECT_ERROR_CODE(2021, (void)stamp.get());
}

TEST_P(ConflictsTest, AnEmptyTransactionCommitsWithVersionMinusOne) {
  Transaction a = tx();
  a.commit();
  EXPECT_EQ(a.getCommittedVersion(), -1);
}

TEST_P(ConflictsTest, AddReadConflictRangeBehavesLikeARangeRead) {
  auto reader = [](Transaction& tr) { tr.addReadConflictRange("b", "d"); };
  EXPECT_TRUE(conflicts(reader, setKey("b")));
  EXPECT_TRUE(conflicts(reader, setKey("c\xff"s)));
  EXPECT_FALSE(conflicts(reader, setKey("d")));
}

TEST_P(ConflictsTest, AddReadConflictKeyBehavesLikeAGet) {
  auto reader = [](Transaction& tr) { tr.addReadConflictKey("k"); };
  EXPECT_TRUE(conflicts(reader, setKey("k")));
  EXPECT_FALSE(conflicts(reader, setKey("k\x00"s)));
}

TEST_P(ConflictsTest, AddReadConflictRangeOverOwnWritesIsSkipped) {
  EXPECT_FALSE(conflicts(
      [](Transaction& tr) {
        tr.set("k", "mine");
        tr.addReadConflictKey("k");
      },
      setKey("k")));
}

TEST_P(ConflictsTest, AddWriteConflictRangeConflictsLikeAWriteWithoutWriting) {
  put("k", "v");
  EXPECT_TRUE(conflicts([](Transaction& tr) { (void)tr.get("k"); },
                        [](Transaction& tr) { tr.addWriteConflictRange("j", "l"); }));
  EXPECT_EQ(read("k"), "v");
  EXPECT_TRUE(conflicts([](Transaction& tr) { (void)tr.get("k"); },
                        [](Transaction& tr) { tr.addWriteConflictKey("k"); }));
  EXPECT_FALSE(conflicts([](Transaction& tr) { (void)tr.get("k"); },
                         [](Transaction& tr) { tr.addWriteConflictKey("k\x00"s); }));
  EXPECT_EQ(read("k"), "v");
}

TEST_P(ConflictsTest, AWriteConflictRangeMakesATransactionNotReadOnly) {
  Transaction a = tx();
  a.addWriteConflictKey("k");
  a.commit();
  EXPECT_GT(a.getCommittedVersion(), 0);
}

TEST_P(ConflictsTest, NextWriteNoWriteConflictRangeSuppressesOneWritesConflict) {
  put("k", "v");
  EXPECT_FALSE(conflicts([](Transaction& tr) { (void)tr.get("k"); },
                         [](Transaction& tr) {
                           tr.setOption(TransactionOption::kNextWriteNoWriteConflictRange);
                           tr.set("k", "unseen");
                         }));
  EXPECT_EQ(read("k"), "unseen");
  EXPECT_TRUE(conflicts([](Transaction& tr) { (void)tr.get("k"); },
                        [](Transaction& tr) {
                          tr.setOption(TransactionOption::kNextWriteNoWriteConflictRange);
                          tr.set("j", "suppressed");
                          tr.set("k", "conflicting");
                        }));
}

TEST_P(ConflictsTest, InvertedConflictRangesAreErrors) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2005, tr.addReadConflictRange("b", "a"));
  EXPECT_ERROR_CODE(2005, tr.addWriteConflictRange("b", "a"));
}

TEST_P(ConflictsTest, ConflictRangesPastFfAreOutsideTheLegalRange) {
  Transaction tr = tx();
  EXPECT_NO_THROW(tr.addReadConflictRange("a", "\xff"));
  EXPECT_NO_THROW(tr.addWriteConflictRange("a", "\xff"));
  EXPECT_ERROR_CODE(2004, tr.addReadConflictRange("a", "\xff\x00"s));
  EXPECT_ERROR_CODE(2004, tr.addWriteConflictRange("a", "\xff\x00"s));
  EXPECT_ERROR_CODE(2004, tr.addWriteConflictKey("\xff"));
}

TEST_P(ConflictsTest, AConflictedTransactionAppliesNoneOfItsWrites) {
  put("k", "v");
  Transaction a = tx();
  (void)a.get("k");
  a.set("x", "1");
  a.set("y", "2");
  put("k", "changed");
  EXPECT_ERROR_CODE(1020, a.commit());
  EXPECT_EQ(read("x"), std::nullopt);
  EXPECT_EQ(read("y"), std::nullopt);
}

TEST_P(ConflictsTest, OnErrorAfterAConflictLetsTheRetryCommit) {
  put("k", "v");
  Transaction a = tx();
  (void)a.get("k");
  a.set("x", "1");
  put("k", "changed");
  try {
    a.commit();
    FAIL() << "expected not_committed";
  } catch (const Error& e) {
    ASSERT_EQ(e.code(), 1020);
    a.onError(e);
  }
  EXPECT_EQ(a.get("k"), "changed");
  a.set("x", "2");
  EXPECT_NO_THROW(a.commit());
  EXPECT_EQ(read("x"), "2");
}

TEST_P(ConflictsTest, OnlyCommitsAfterTheReadVersionCount) {
  // b commits between a's read version and a's commit, but writes what a did not read.
  put("k", "v");
  Transaction a = tx();
  (void)a.get("k");
  put("other", "x");
  a.set("k", "a");
  EXPECT_NO_THROW(a.commit());
}

TEST_P(ConflictsTest, ConcurrentReadModifyWritesSerialize) {
  put("n", "0");
  Transaction a = tx();
  Transaction b = tx();
  int av = std::stoi(a.get("n").value());
  int bv = std::stoi(b.get("n").value());
  a.set("n", std::to_string(av + 1));
  b.set("n", std::to_string(bv + 1));
  a.commit();
  EXPECT_ERROR_CODE(1020, b.commit());
  EXPECT_EQ(read("n"), "1");
}

}  // namespace
}  // namespace strata::conformance
