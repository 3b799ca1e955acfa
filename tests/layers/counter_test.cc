// Counter layer: both modes, conflicts, idempotency tokens, coalescing, threads. Runs on every
// engine kind of tests/support/engines.h (memory, file, etcd when STRATA_TEST_ETCD is set).
#include "strata/layers/counter.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/engines.h"

namespace strata::layers {
namespace {

using testsupport::errorCodeOf;

class CounterTest : public testsupport::EngineTest {
 protected:
  Subspace space_{Tuple{"counter-test"}};

  size_t keysUnder(const Tuple& t) {
    return db().read([&](Transaction& tr) {
      KeyRange r = space_.range(t);
      return tr.getRangeAll(r.begin, r.end).size();
    });
  }
};

CounterOptions blind(double coalesceProbability = 0.0) {
  CounterOptions o;
  o.mode = CounterMode::kBlindShards;
  o.coalesceProbability = coalesceProbability;
  return o;
}

TEST_P(CounterTest, ANewCounterIsZero) {
  Counter c(space_);
  EXPECT_EQ(c.get(db()), 0);
  EXPECT_EQ(db().read([&](Transaction& tr) { return c.getSnapshot(tr); }), 0);
}

TEST_P(CounterTest, AddsSumInEveryMode) {
  CounterOptions sharded;
  sharded.shards = 4;
  for (const CounterOptions& options : {CounterOptions{}, sharded, blind()}) {
    Counter c(space_, options);
    c.set(db(), 0);
    for (int i = 1; i <= 20; ++i) c.add(db(), i);
    c.add(db(), -10);
    EXPECT_EQ(c.get(db()), 200);
  }
}

TEST_P(CounterTest, ShardedAtomicAddsSpreadOverTheShards) {
  CounterOptions sharded;
  sharded.shards = 4;
  Counter c(space_, sharded);
  for (int i = 0; i < 200; ++i) c.add(db(), 1);
  EXPECT_EQ(c.get(db()), 200);
  EXPECT_GT(keysUnder(Tuple{0}), 1u);
  EXPECT_LE(keysUnder(Tuple{0}), 4u);
}

TEST_P(CounterTest, ModesShareOneValue) {
  Counter atomic(space_);
  Counter blindCounter(space_, blind());
  atomic.add(db(), 5);
  blindCounter.add(db(), 7);
  EXPECT_EQ(atomic.get(db()), 12);
  EXPECT_EQ(blindCounter.get(db()), 12);
}

TEST_P(CounterTest, SetReplacesEveryShard) {
  Counter c(space_, blind());
  for (int i = 0; i < 5; ++i) c.add(db(), 3);
  c.set(db(), 42);
  EXPECT_EQ(c.get(db()), 42);
  EXPECT_EQ(keysUnder(Tuple{1}), 0u);
  EXPECT_EQ(keysUnder(Tuple{0}), 1u);
}

TEST_P(CounterTest, ConcurrentAddsNeverConflictInEitherMode) {
  for (const CounterOptions& options : {CounterOptions{}, blind()}) {
    Counter c(space_, options);
    Transaction a = db().createTransaction();
    Transaction b = db().createTransaction();
    (void)a.getReadVersion();
    (void)b.getReadVersion();
    c.add(a, 1);
    c.add(b, 2);
    a.commit();
    EXPECT_NO_THROW(b.commit());
  }
  EXPECT_EQ(Counter(space_).get(db()), 6);
}

TEST_P(CounterTest, GetConflictsWithAConcurrentAddButGetSnapshotDoesNot) {
  Counter c(space_);
  Transaction reader = db().createTransaction();
  (void)c.get(reader);
  reader.set(space_.pack(Tuple{"note"}), "x");
  Transaction snapshotReader = db().createTransaction();
  (void)c.getSnapshot(snapshotReader);
  snapshotReader.set(space_.pack(Tuple{"note2"}), "x");
  c.add(db(), 1);
  EXPECT_EQ(errorCodeOf([&] { reader.commit(); }), 1020);
  EXPECT_NO_THROW(snapshotReader.commit());
}

TEST_P(CounterTest, ConcurrentSetAndAddAreNeverBothAppliedBlindly) {
  Counter c(space_);
  c.set(db(), 10);
  Transaction setter = db().createTransaction();
  c.set(setter, 100);
  c.add(db(), 5);
  EXPECT_EQ(errorCodeOf([&] { setter.commit(); }), 1020);
  EXPECT_EQ(c.get(db()), 15);
}

TEST_P(CounterTest, AnIdempotencyTokenAppliesAnAddOnce) {
  Counter c(space_);
  // The first attempt commits; its caller saw 1021 and runs the same body again.
  EXPECT_TRUE(db().run([&](Transaction& tr) { return c.add(tr, 5, "op-1"); }));
  EXPECT_FALSE(db().run([&](Transaction& tr) { return c.add(tr, 5, "op-1"); }));
  EXPECT_TRUE(c.add(db(), 5, "op-2"));
  EXPECT_EQ(c.get(db()), 10);
  EXPECT_EQ(keysUnder(Tuple{2}), 2u);
}

TEST_P(CounterTest, PruneTokensClearsOnlyOldMarkers) {
  Counter c(space_);
  c.add(db(), 1, "a");
  c.add(db(), 1, "b");
  auto past = std::chrono::system_clock::now() - std::chrono::hours(1);
  EXPECT_EQ(db().run([&](Transaction& tr) { return c.pruneTokens(tr, past); }), 0);
  auto future = std::chrono::system_clock::now() + std::chrono::hours(1);
  EXPECT_EQ(db().run([&](Transaction& tr) { return c.pruneTokens(tr, future, 1); }), 1);
  EXPECT_EQ(db().run([&](Transaction& tr) { return c.pruneTokens(tr, future); }), 1);
  EXPECT_EQ(keysUnder(Tuple{2}), 0u);
  EXPECT_EQ(c.get(db()), 2);
  EXPECT_EQ(errorCodeOf(
                [&] { db().run([&](Transaction& tr) { return c.pruneTokens(tr, future, -1); }); }),
            2012);
}

TEST_P(CounterTest, CoalescingFoldsShardsAndKeepsTheValue) {
  Counter c(space_, blind());
  for (int i = 0; i < 50; ++i) c.add(db(), i);
  ASSERT_EQ(keysUnder(Tuple{1}), 50u);
  int removed = db().run([&](Transaction& tr) { return c.coalesce(tr); });
  EXPECT_EQ(removed, 20);
  EXPECT_EQ(keysUnder(Tuple{1}), 31u);
  EXPECT_EQ(c.get(db()), 49 * 50 / 2);
}

TEST_P(CounterTest, CoalescingShardsThatCancelOutWritesNoShard) {
  Counter c(space_, blind());
  c.add(db(), 5);
  c.add(db(), -5);
  EXPECT_EQ(db().run([&](Transaction& tr) { return c.coalesce(tr); }), 2);
  EXPECT_EQ(keysUnder(Tuple{1}), 0u);
  EXPECT_EQ(c.get(db()), 0);
}

TEST_P(CounterTest, TwoCoalescersNeverFoldOneShardTwice) {
  Counter c(space_, blind());
  for (int i = 0; i < 5; ++i) c.add(db(), 1);
  Transaction a = db().createTransaction();
  Transaction b = db().createTransaction();
  (void)c.coalesce(a);
  (void)c.coalesce(b);
  a.commit();
  EXPECT_EQ(errorCodeOf([&] { b.commit(); }), 1020);
  EXPECT_EQ(c.get(db()), 5);
}

TEST_P(CounterTest, AddWrapsModulo2To64) {
  Counter c(space_);
  c.set(db(), std::numeric_limits<int64_t>::max());
  c.add(db(), 1);
  EXPECT_EQ(c.get(db()), std::numeric_limits<int64_t>::min());
}

TEST_P(CounterTest, ThreadsAddingConcurrentlyLoseNothing) {
  constexpr int kThreads = 8;
  // etcd: 25 adds per thread (every add is several cluster round trips; 8 contending threads
  // still conflict and retry all the time, which is what this checks).
  const int kAdds = kind() == "etcd" ? 25 : 100;
  for (const CounterOptions& options : {CounterOptions{}, blind(0.2)}) {
    Counter c(space_, options);
    c.set(db(), 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kAdds; ++i) c.add(db(), 1);
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(c.get(db()), kThreads * kAdds);
  }
}

TEST_P(CounterTest, BadOptionsAreRejected) {
  CounterOptions noShards;
  noShards.shards = 0;
  EXPECT_EQ(errorCodeOf([&] { Counter(space_, noShards); }), 2000);
  CounterOptions badBatch;
  badBatch.coalesceBatch = 0;
  EXPECT_EQ(errorCodeOf([&] { Counter(space_, badBatch); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { Counter(space_, blind(1.5)); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { Counter(space_, blind(-0.1)); }), 2000);
}

TEST_P(CounterTest, ATokenTooLongForAKeyIsRejected) {
  Counter c(space_);
  std::string token(20'000, 't');
  EXPECT_EQ(errorCodeOf([&] { c.add(db(), 1, token); }), 2102);
}

STRATA_ENGINE_SUITE(CounterTest);

}  // namespace
}  // namespace strata::layers
