// Conformance: watches - when they fire, when they must not, their errors and lifetime
// (fdb-api.md section 5).
#include <chrono>
#include <string>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

STRATA_CONFORMANCE_SUITE(WatchTest);

// Generous: a watch that should fire gets this long. A watch that must not fire is given
// kQuiet: long enough for a wrongly firing one to be caught, short enough to keep tests fast.
constexpr auto kFires = 10s;
constexpr auto kQuiet = 200ms;

// Watches `key` in a committed transaction.
Watch committedWatch(Database& db, std::string_view key) {
  Transaction tr = db.createTransaction();
  Watch w = tr.watch(key);
  tr.commit();
  return w;
}

TEST_P(WatchTest, AWatchFiresWhenAnotherTransactionChangesTheValue) {
  put("k", "one");
  Watch w = committedWatch(db(), "k");
  EXPECT_FALSE(w.isReady());
  put("k", "two");
  EXPECT_TRUE(w.waitFor(kFires));
}

TEST_P(WatchTest, AWatchOnAnAbsentKeyFiresWhenItIsCreated) {
  Watch w = committedWatch(db(), "k");
  put("k", "");
  EXPECT_TRUE(w.waitFor(kFires));
}

TEST_P(WatchTest, AWatchFiresWhenTheKeyIsCleared) {
  put("k", "one");
  Watch w = committedWatch(db(), "k");
  db().run([](Transaction& tr) { tr.clearRange("a", "z"); });
  EXPECT_TRUE(w.waitFor(kFires));
}

TEST_P(WatchTest, AWatchFiresOnAnAtomicOpThatChangesTheValue) {
  put("k", int64Le(1));
  Watch w = committedWatch(db(), "k");
  db().run([](Transaction& tr) { tr.atomicOp(MutationType::kAdd, "k", int64Le(1)); });
  EXPECT_TRUE(w.waitFor(kFires));
}

TEST_P(WatchTest, WritingTheSameValueDoesNotFireAWatch) {
  put("k", "same");
  Watch w = committedWatch(db(), "k");
  put("k", "same");
  put("other", "x");
  EXPECT_FALSE(w.waitFor(kQuiet));
  put("k", "different");
  EXPECT_TRUE(w.waitFor(kFires));
}

TEST_P(WatchTest, WaitForReturnsFalseOnTimeout) {
  put("k", "v");
  Watch w = committedWatch(db(), "k");
  EXPECT_FALSE(w.waitFor(50ms));
  EXPECT_FALSE(w.isReady());
}

TEST_P(WatchTest, AWatchFiresWhenItsOwnTransactionThenWritesTheKey) {
  put("k", "one");
  Transaction tr = tx();
  Watch w = tr.watch("k");
  tr.set("k", "two");
  EXPECT_TRUE(w.waitFor(kFires)) << "own later write did not fire the watch before commit";
  tr.commit();
  EXPECT_TRUE(w.isReady());
}

TEST_P(WatchTest, AWatchAfterAnOwnWriteWatchesTheWrittenValue) {
  put("k", "one");
  Transaction tr = tx();
  tr.set("k", "two");
  Watch w = tr.watch("k");
  tr.commit();
  EXPECT_FALSE(w.waitFor(kQuiet)) << "fired although the value is what the transaction saw";
  put("k", "two");
  EXPECT_FALSE(w.waitFor(kQuiet));
  put("k", "three");
  EXPECT_TRUE(w.waitFor(kFires));
}

TEST_P(WatchTest, AReadOnlyTransactionMustCommitToArmItsWatch) {
  put("k", "one");
  Transaction tr = tx();
  EXPECT_EQ(tr.get("k"), "one");
  Watch w = tr.watch("k");
  tr.commit();
  put("k", "two");
  EXPECT_TRUE(w.waitFor(kFires));
}

TEST_P(WatchTest, AWatchOutlivesItsTransaction) {
  put("k", "one");
  Watch w;
  {
    Transaction tr = tx();
    w = tr.watch("k");
    tr.commit();
  }
  put("k", "two");
  EXPECT_TRUE(w.waitFor(kFires));
}

TEST_P(WatchTest, AChangeCommittedBeforeTheWatchingCommitStillFiresIt) {
  put("k", "one");
  Transaction tr = tx();
  EXPECT_EQ(tr.get("k"), "one");
  Watch w = tr.watch("k");
  put("k", "two");  // after tr's read version, before its commit
  tr.commit();      // read-only: commits, and the watch sees "two" differs from "one"
  EXPECT_TRUE(w.waitFor(kFires));
}

TEST_P(WatchTest, ManyWatchesOnOneKeyAllFire) {
  put("k", "one");
  std::vector<Watch> watches;
  for (int i = 0; i < 5; ++i) watches.push_back(committedWatch(db(), "k"));
  put("k", "two");
  for (auto& w : watches) EXPECT_TRUE(w.waitFor(kFires));
}

TEST_P(WatchTest, AWatchOnAnotherKeyDoesNotFire) {
  put("k", "one");
  Watch w = committedWatch(db(), "k");
  put("k\x00"s, "neighbour");
  put("j", "neighbour");
  EXPECT_FALSE(w.waitFor(kQuiet));
}

TEST_P(WatchTest, CancellingAWatchFailsItsWaitWithOperationCancelled) {
  put("k", "one");
  Watch w = committedWatch(db(), "k");
  w.cancel();
  EXPECT_ERROR_CODE(1101, w.wait());
  put("k", "two");  // a change after cancel changes nothing
  EXPECT_ERROR_CODE(1101, w.wait());
}

TEST_P(WatchTest, AWatchWhoseTransactionIsDestroyedBeforeCommitFailsWithCancelled) {
  Watch w;
  {
    Transaction tr = tx();
    w = tr.watch("k");
  }
  ASSERT_TRUE(w.future().waitFor(kFires)) << "the watch of a destroyed transaction never failed";
  EXPECT_ERROR_CODE(1025, w.wait());
}

TEST_P(WatchTest, AWatchWhoseTransactionIsResetBeforeCommitFailsWithCancelled) {
  Transaction tr = tx();
  Watch w = tr.watch("k");
  tr.reset();
  ASSERT_TRUE(w.future().waitFor(kFires)) << "the watch of a reset transaction never failed";
  EXPECT_ERROR_CODE(1025, w.wait());
}

TEST_P(WatchTest, AWatchWhoseCommitFailsFailsWithTheCommitsError) {
  put("k", "one");
  Transaction tr = tx();
  (void)tr.get("r");
  Watch w = tr.watch("k");
  tr.set("x", "1");
  put("r", "conflict");
  EXPECT_ERROR_CODE(1020, tr.commit());
  ASSERT_TRUE(w.future().waitFor(kFires)) << "the watch of a failed commit never failed";
  EXPECT_ERROR_CODE(1020, w.wait());
}

TEST_P(WatchTest, AWatchAddsAReadConflictOnItsKey) {
  put("k", "one");
  Watch w;
  EXPECT_TRUE(conflicts([&](Transaction& tr) { w = tr.watch("k"); },
                        [](Transaction& tr) { tr.set("k", "two"); }));
}

TEST_P(WatchTest, WatchesAreDisabledWithoutReadYourWrites) {
  Transaction tr = tx();
  tr.setOption(TransactionOption::kReadYourWritesDisable);
  EXPECT_ERROR_CODE(1034, Watch w = tr.watch("k"));
}

TEST_P(WatchTest, WatchingABadKeyIsAnError) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2004, Watch w = tr.watch("\xff"));
  EXPECT_ERROR_CODE(2004, Watch w = tr.watch("\xff\x00"s));
  EXPECT_ERROR_CODE(2102, Watch w = tr.watch(std::string(kMaxKeySize + 1, 'k')));
}

TEST_P(WatchTest, TooManyOutstandingWatchesFailAndCancellingFreesASlot) {
  DatabaseOptions options;
  options.maxWatches = 2;
  reopen(options);
  Watch w1 = committedWatch(db(), "a");
  Watch w2 = committedWatch(db(), "b");
  // The third watch fails with too_many_watches: at the call, or (FoundationDB) on its future.
  int code = errorCodeOf([&] {
    Transaction tr = tx();
    Watch w3 = tr.watch("c");
    tr.commit();
    if (w3.future().waitFor(kQuiet)) w3.wait();
  });
  EXPECT_EQ(code, 1032);
  w1.cancel();
  Watch w4;
  EXPECT_NO_THROW(w4 = committedWatch(db(), "d"));
  put("d", "changed");
  EXPECT_TRUE(w4.waitFor(kFires));
}

}  // namespace
}  // namespace strata::conformance
