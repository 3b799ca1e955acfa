// Idempotency ids: a commit_unknown_result (1021) injected after a commit that landed (or one
// that did not, or one still in flight) is resolved by the commit, so a retry loop applies the
// transaction once. Runs on every engine kind, with kv/fault_engine.h in front of the engine.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "kv/fault_engine.h"
#include "strata/kv/database.h"
#include "strata/layers/blob.h"
#include "strata/layers/counter.h"
#include "strata/layers/pubsub.h"
#include "strata/subspace.h"
#include "support/engines.h"

namespace strata {
namespace {

using testsupport::errorCodeOf;

class IdempotencyTest : public testsupport::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    faults_ = &kv::injectFaults(db());
  }

  // Adds 1 to "n" with an atomic ADD (not idempotent by itself).
  static void increment(Transaction& tr) {
    tr.atomicOp(MutationType::kAdd, "n", std::string("\x01\0\0\0\0\0\0\0", 8));
  }
  int64_t counter() {
    auto v = db().read([](Transaction& tr) { return tr.get("n"); });
    if (!v) return 0;
    int64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>((*v)[static_cast<size_t>(i)]);
    return n;
  }

  kv::FaultEngine* faults_ = nullptr;
};

TEST_P(IdempotencyTest, WithoutAnIdARetryAfterALandedCommitAppliesTwice) {
  faults_->unknownAfterLanding = 1;
  db().run(increment);
  EXPECT_EQ(counter(), 2);  // the hazard the ids remove
  EXPECT_EQ(db().stats().unknownResults, 1);
}

TEST_P(IdempotencyTest, ALandedCommitWhoseAcknowledgementWasLostIsAppliedOnce) {
  faults_->unknownAfterLanding = 1;
  int runs = 0;
  db().run(
      [&](Transaction& tr) {
        ++runs;
        increment(tr);
      },
      Idempotency::kAutomatic);
  EXPECT_EQ(runs, 1);  // commit() resolved the 1021 to success: no retry
  EXPECT_EQ(counter(), 1);
  DatabaseStats stats = db().stats();
  EXPECT_EQ(stats.unknownResults, 1);
  EXPECT_EQ(stats.idempotentResolvedCommitted, 1);
}

TEST_P(IdempotencyTest, ACommitLostBeforeSendingIsRetriedAndAppliedOnce) {
  faults_->unknownBeforeSending = 1;
  int runs = 0;
  db().run(
      [&](Transaction& tr) {
        ++runs;
        increment(tr);
      },
      Idempotency::kAutomatic);
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(counter(), 1);
  EXPECT_EQ(db().stats().idempotentResolvedNotCommitted, 1);
}

TEST_P(IdempotencyTest, ACommitStillInFlightIsFencedOffAndCanNeverLandLater) {
  faults_->holdInFlight = 1;
  db().run(increment, Idempotency::kAutomatic);
  EXPECT_EQ(counter(), 1);
  // The held first attempt arrives now: its read of the id record conflicts with the fence.
  EXPECT_EQ(faults_->releaseHeld(), std::vector<int>{static_cast<int>(ErrorCode::not_committed)});
  EXPECT_EQ(counter(), 1);
}

TEST_P(IdempotencyTest, TheSameIdInANewTransactionCommitsAtMostOnce) {
  const std::string id = "order-42-payment";
  Transaction first = db().createTransaction();
  first.setIdempotencyId(id);
  increment(first);
  first.commit();
  const int64_t version = first.getCommittedVersion();
  EXPECT_FALSE(first.committedEarlier());

  Transaction again = db().createTransaction();  // e.g. a retry after a restart
  again.setIdempotencyId(id);
  increment(again);
  again.commit();
  EXPECT_TRUE(again.committedEarlier());
  EXPECT_EQ(again.getCommittedVersion(), version);
  EXPECT_EQ(counter(), 1);
}

TEST_P(IdempotencyTest, TheVersionstampOfAResolvedCommitIsTheOneThatLanded) {
  faults_->unknownAfterLanding = 1;
  Transaction tr = db().createTransaction();
  tr.setOption(TransactionOption::kAutomaticIdempotency);
  tr.atomicOp(MutationType::kSetVersionstampedValue, "stamped",
              std::string(10, '\0') + std::string("\0\0\0\0", 4));
  Future<CommitStamp> stamp = tr.getVersionstamp();
  tr.commit();
  auto stored = db().read([](Transaction& r) { return r.get("stamped"); });
  ASSERT_TRUE(stored.has_value());
  CommitStamp got = stamp.get();
  EXPECT_EQ(std::string(got.begin(), got.end()), *stored);
}

TEST_P(IdempotencyTest, TheIdSurvivesOnErrorAndResetDropsIt) {
  Transaction tr = db().createTransaction();
  tr.setOption(TransactionOption::kAutomaticIdempotency);
  const std::string id = tr.idempotencyId();
  EXPECT_EQ(id.size(), 16u);
  tr.setOption(TransactionOption::kAutomaticIdempotency);  // keeps the id it has
  EXPECT_EQ(tr.idempotencyId(), id);
  tr.onError(Error(ErrorCode::not_committed));
  EXPECT_EQ(tr.idempotencyId(), id);
  tr.reset();
  EXPECT_EQ(tr.idempotencyId(), "");
}

TEST_P(IdempotencyTest, BadIdsAreRefused) {
  Transaction tr = db().createTransaction();
  EXPECT_EQ(errorCodeOf([&] { tr.setIdempotencyId(""); }),
            static_cast<int>(ErrorCode::invalid_option_value));
  EXPECT_EQ(errorCodeOf([&] { tr.setIdempotencyId(std::string(256, 'x')); }),
            static_cast<int>(ErrorCode::invalid_option_value));
  DatabaseOptions options;
  options.idempotencyIdLifetime = std::chrono::milliseconds(0);
  EXPECT_EQ(errorCodeOf([&] { (void)scratch().open(options); }),
            static_cast<int>(ErrorCode::invalid_option_value));
}

TEST_P(IdempotencyTest, ExpiredIdRecordsAreRemovedByLaterIdempotentCommits) {
  DatabaseOptions options;
  options.idempotencyIdLifetime = std::chrono::milliseconds(1);
  reopen(options);
  for (int i = 0; i < 3; ++i) db().run(increment, Idempotency::kAutomatic);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  db().run(increment, Idempotency::kAutomatic);  // removes the 3 expired records and entries
  auto system = db().read([](Transaction& tr) {
    tr.setOption(TransactionOption::kReadSystemKeys);
    return tr.getRangeAll("\xff/strata/idmp/", "\xff/strata/idmp0").size();
  });
  EXPECT_EQ(system, 2u);  // the last commit's record and index entry
  EXPECT_EQ(counter(), 4);
}

TEST_P(IdempotencyTest, LayerMutationsLandOnceAfterALostAcknowledgement) {
  layers::Counter counter(Subspace(Tuple{"idem-counter"}));
  faults_->unknownAfterLanding = 1;
  counter.add(db(), 5);
  EXPECT_EQ(counter.get(db()), 5);

  layers::Blob blob(Subspace(Tuple{"idem-blob"}));
  faults_->unknownAfterLanding = 1;
  EXPECT_EQ(blob.append(db(), "abc"), 0);
  EXPECT_EQ(blob.read(db(), 0, 100), "abc");

  layers::PubSub pubsub(Subspace(Tuple{"idem-pubsub"}));
  pubsub.createFeed(db(), "news");
  faults_->unknownAfterLanding = 1;
  std::string id = pubsub.post(db(), "news", "hello");
  auto history = pubsub.history(db(), "news", 10);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].id, id);
}

STRATA_ENGINE_SUITE(IdempotencyTest);

}  // namespace
}  // namespace strata
