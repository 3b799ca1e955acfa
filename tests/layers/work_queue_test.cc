// WorkQueue layer: leased delivery and attempts, fencing (lease_lost 3010), dead letters, delayed
// delivery and priorities, blocking leases woken by pushes and by due times, releaseAll, the O(1)
// counts, each operation's answer to commit_unknown_result (1021, simulated by running the retry
// after a first attempt that committed), and bad inputs. Runs on every engine kind of
// tests/support/engines.h (memory, file, etcd when STRATA_TEST_ETCD is set).
#include "strata/layers/work_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "strata/kv/scan.h"

#include "support/engines.h"

namespace strata::layers {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::system_clock;

constexpr int kLeaseLost = 3010;

using testsupport::errorCodeOf;

// Waits until wall-clock time `t` has passed (the queue's clock), a few ms at a time.
void sleepUntil(system_clock::time_point t) {
  while (system_clock::now() <= t) std::this_thread::sleep_for(milliseconds(2));
}

class WorkQueueTest : public testsupport::EngineTest {
 protected:
  WorkQueue queue(int window = 1) {
    WorkQueueOptions options;
    options.contentionWindow = window;
    return WorkQueue(Subspace(Tuple{"wq"}), options);
  }
  WorkQueue created(int maxAttempts) {
    WorkQueue q = queue();
    q.create(db(), WorkQueueConfig{maxAttempts});
    return q;
  }
  std::vector<std::string> drainItems(const WorkQueue& q) {
    std::vector<std::string> out;
    while (auto l = q.lease(db(), seconds(60))) {
      out.push_back(l->item);
      EXPECT_TRUE(q.ack(db(), l->token));
    }
    return out;
  }
  WorkQueueStats stats(const WorkQueue& q) { return q.stats(db()); }
};

TEST_P(WorkQueueTest, LeaseDeliversItemsInPushOrderAsFirstAttempts) {
  WorkQueue q = queue();
  for (const char* item : {"a", "b", "c"}) q.push(db(), item);
  std::vector<std::string> items;
  while (auto l = q.lease(db(), seconds(60))) {
    EXPECT_EQ(l->attempt, 1);
    EXPECT_GT(l->deadline, system_clock::now());
    items.push_back(l->item);
  }
  EXPECT_EQ(items, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(q.stats(db()).inFlight, 3);
}

TEST_P(WorkQueueTest, SeveralPushesInOneTransactionKeepTheirOrder) {
  WorkQueue q = queue();
  db().run([&](Transaction& tr) {
    q.push(tr, "x");
    q.push(tr, "y");
    q.push(tr, "z");
  });
  EXPECT_EQ(drainItems(q), (std::vector<std::string>{"x", "y", "z"}));
}

TEST_P(WorkQueueTest, AckRemovesTheItemAndASecondAckReturnsFalse) {
  WorkQueue q = queue();
  q.push(db(), "job");
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  EXPECT_TRUE(q.ack(db(), l->token));
  EXPECT_FALSE(q.ack(db(), l->token));
  EXPECT_FALSE(q.lease(db(), seconds(60)));
  WorkQueueStats s = stats(q);
  EXPECT_EQ(s.visible + s.delayed + s.inFlight + s.dead, 0);
}

TEST_P(WorkQueueTest, AnExpiredLeaseIsDeliveredAgainWithItsAttemptCountKept) {
  WorkQueue q = queue();
  q.push(db(), "job");
  auto first = q.lease(db(), milliseconds(30));
  ASSERT_TRUE(first);
  EXPECT_FALSE(q.lease(db(), seconds(60))) << "nothing is delivered while the lease is live";
  sleepUntil(first->deadline);
  auto second = q.lease(db(), seconds(60));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->item, "job");
  EXPECT_EQ(second->attempt, 2);
  EXPECT_NE(second->token, first->token);
  EXPECT_EQ(stats(q).inFlight, 1);
}

TEST_P(WorkQueueTest, AnAckAfterTheItemWasLeasedAgainThrowsLeaseLostAndChangesNothing) {
  WorkQueue q = queue();
  q.push(db(), "job");
  auto first = q.lease(db(), milliseconds(30));
  ASSERT_TRUE(first);
  sleepUntil(first->deadline);
  auto second = q.lease(db(), seconds(60));
  ASSERT_TRUE(second);
  EXPECT_EQ(errorCodeOf([&] { (void)q.ack(db(), first->token); }), kLeaseLost);
  EXPECT_EQ(errorCodeOf([&] { (void)q.nack(db(), first->token); }), kLeaseLost);
  EXPECT_EQ(errorCodeOf([&] { (void)q.extend(db(), first->token, seconds(5)); }), kLeaseLost);
  EXPECT_EQ(stats(q).inFlight, 1);
  EXPECT_EQ(q.extend(db(), second->token, seconds(90)) > system_clock::now() + seconds(60), true);
  EXPECT_TRUE(q.ack(db(), second->token)) << "the new holder's lease is untouched";
  EXPECT_EQ(stats(q).inFlight, 0);
}

TEST_P(WorkQueueTest, AnExpiredLeaseNobodyTookYetCanStillBeAcked) {
  WorkQueue q = queue();
  q.push(db(), "job");
  auto l = q.lease(db(), milliseconds(5));
  ASSERT_TRUE(l);
  sleepUntil(l->deadline);
  EXPECT_TRUE(q.ack(db(), l->token));
  EXPECT_FALSE(q.lease(db(), seconds(60)));
}

TEST_P(WorkQueueTest, NackMakesTheItemDeliverableAgainAfterItsDelay) {
  WorkQueue q = queue();
  q.push(db(), "job");
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  const auto nackedAt = system_clock::now();
  EXPECT_EQ(q.nack(db(), l->token, milliseconds(80)), NackOutcome::kRequeued);
  EXPECT_EQ(stats(q).inFlight, 0);
  auto again = q.lease(db(), seconds(60), seconds(20));
  ASSERT_TRUE(again);
  EXPECT_GE(system_clock::now(), nackedAt + milliseconds(80)) << "delivered before its delay";
  EXPECT_EQ(again->attempt, 2);
  EXPECT_EQ(errorCodeOf([&] { (void)q.ack(db(), l->token); }), kLeaseLost);
}

TEST_P(WorkQueueTest, ANackThatDoesNotCountKeepsTheAttemptNumber) {
  WorkQueue q = created(1);
  q.push(db(), "job");
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  EXPECT_EQ(q.nack(db(), l->token, milliseconds(0), CountAttempt::kNo), NackOutcome::kRequeued);
  auto again = q.lease(db(), seconds(60));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempt, 1);
}

TEST_P(WorkQueueTest, ACountedNackOfTheLastAttemptDeadLettersTheItem) {
  WorkQueue q = created(2);
  q.push(db(), "job");
  auto l1 = q.lease(db(), seconds(60));
  ASSERT_TRUE(l1);
  EXPECT_EQ(q.nack(db(), l1->token), NackOutcome::kRequeued);
  auto l2 = q.lease(db(), seconds(60));
  ASSERT_TRUE(l2);
  EXPECT_EQ(l2->attempt, 2);
  EXPECT_EQ(q.nack(db(), l2->token), NackOutcome::kDeadLettered);
  EXPECT_FALSE(q.lease(db(), seconds(60)));
  WorkQueueStats s = stats(q);
  EXPECT_EQ(s.dead, 1);
  EXPECT_EQ(s.inFlight, 0);
  EXPECT_EQ(s.visible, 0);
  auto dead = db().read([&](Transaction& tr) { return q.listDead(tr); });
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].item, "job");
  EXPECT_EQ(dead[0].attempts, 2);
}

TEST_P(WorkQueueTest, TheExpiryOfTheLastAttemptDeadLettersTheItemOnTheNextLease) {
  WorkQueue q = created(1);
  q.push(db(), "doomed");
  q.push(db(), "fine");
  auto l = q.lease(db(), milliseconds(20));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->item, "doomed");
  sleepUntil(l->deadline);
  auto next = q.lease(db(), seconds(60));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->item, "fine");
  WorkQueueStats s = stats(q);
  EXPECT_EQ(s.dead, 1);
  EXPECT_EQ(s.inFlight, 1);
  EXPECT_EQ(errorCodeOf([&] { (void)q.ack(db(), l->token); }), kLeaseLost);
  auto dead = db().read([&](Transaction& tr) { return q.listDead(tr); });
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].attempts, 1);
}

TEST_P(WorkQueueTest, DeadLettersAreRequeuedWithAttemptsResetOrPurged) {
  WorkQueue q = created(1);
  for (const char* item : {"a", "b", "c"}) q.push(db(), item);
  for (int i = 0; i < 3; ++i) {
    auto l = q.lease(db(), seconds(60));
    ASSERT_TRUE(l);
    EXPECT_EQ(q.nack(db(), l->token), NackOutcome::kDeadLettered);
  }
  EXPECT_EQ(stats(q).dead, 3);
  EXPECT_EQ(db().run([&](Transaction& tr) { return q.requeueDead(tr, 2); }), 2);
  EXPECT_EQ(stats(q).dead, 1);
  EXPECT_EQ(stats(q).visible, 2);
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->attempt, 1);
  EXPECT_EQ(l->item, "a");
  EXPECT_EQ(db().run([&](Transaction& tr) { return q.purgeDead(tr); }), 1);
  EXPECT_EQ(db().run([&](Transaction& tr) { return q.purgeDead(tr); }), 0);
  EXPECT_TRUE(db().read([&](Transaction& tr) { return q.listDead(tr); }).empty());
  EXPECT_EQ(stats(q).dead, 0);
}

TEST_P(WorkQueueTest, ADelayedItemIsHiddenUntilItIsDue) {
  WorkQueue q = queue();
  WorkPushOptions later;
  later.delay = milliseconds(60);
  const auto pushedAt = system_clock::now();
  q.push(db(), "later", later);
  q.push(db(), "now");
  WorkQueueStats s = stats(q);
  EXPECT_EQ(s.delayed + s.visible, 2);
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->item, "now");
  auto l2 = q.lease(db(), seconds(60));
  if (!l2) {
    sleepUntil(pushedAt + milliseconds(61));
    l2 = q.lease(db(), seconds(60));
  }
  ASSERT_TRUE(l2);
  EXPECT_GE(system_clock::now(), pushedAt + milliseconds(60)) << "delivered before it was due";
  EXPECT_EQ(l2->item, "later");
}

TEST_P(WorkQueueTest, DelayedItemsComeOutByDueTimeThenCommitOrder) {
  WorkQueue q = queue();
  const auto now = system_clock::now();
  auto at = [&](int msAgo) {
    WorkPushOptions o;
    o.notBefore = now - milliseconds(msAgo);
    return o;
  };
  q.push(db(), "due-1s-ago-first", at(1000));
  q.push(db(), "immediate");
  q.push(db(), "due-2s-ago", at(2000));
  q.push(db(), "due-1s-ago-second", at(1000));
  EXPECT_EQ(drainItems(q), (std::vector<std::string>{"due-2s-ago", "due-1s-ago-first",
                                                     "due-1s-ago-second", "immediate"}));
}

TEST_P(WorkQueueTest, LowerPriorityNumbersComeFirstAndAnUndueItemDoesNotBlockItsLevel) {
  WorkQueue q = queue();
  auto with = [](int64_t priority, milliseconds delay = {}) {
    WorkPushOptions o;
    o.priority = priority;
    o.delay = delay;
    return o;
  };
  q.push(db(), "p5", with(5));
  q.push(db(), "p1-delayed", with(1, seconds(3600)));
  q.push(db(), "p-3", with(-3));
  q.push(db(), "p1", with(1));
  q.push(db(), "p5-second", with(5));
  EXPECT_EQ(drainItems(q), (std::vector<std::string>{"p-3", "p1", "p5", "p5-second"}));
  WorkQueueStats s = stats(q);
  EXPECT_EQ(s.delayed, 1);
  EXPECT_EQ(s.visible, 0);
}

TEST_P(WorkQueueTest, ExtendKeepsALongJobsLeaseAliveUnderTheSameToken) {
  WorkQueue q = queue();
  q.push(db(), "long");
  auto l = q.lease(db(), milliseconds(40));
  ASSERT_TRUE(l);
  auto deadline = q.extend(db(), l->token, seconds(60));
  EXPECT_GT(deadline, l->deadline);
  sleepUntil(l->deadline);
  EXPECT_FALSE(q.lease(db(), seconds(60))) << "an extended lease must not be redelivered";
  EXPECT_TRUE(q.ack(db(), l->token));
}

TEST_P(WorkQueueTest, CountsFollowEveryOperation) {
  WorkQueue q = created(1);
  WorkPushOptions later;
  later.delay = seconds(3600);
  q.push(db(), "a");
  q.push(db(), "b");
  q.push(db(), "c", later);
  EXPECT_EQ(db().read([&](Transaction& tr) { return q.size(tr); }), 3);
  WorkQueueStats s = stats(q);
  EXPECT_EQ(s.visible, 2);
  EXPECT_EQ(s.delayed, 1);
  auto a = q.lease(db(), seconds(60));
  auto b = q.lease(db(), seconds(60));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(db().read([&](Transaction& tr) { return q.inFlight(tr); }), 2);
  EXPECT_TRUE(q.ack(db(), a->token));
  EXPECT_EQ(q.nack(db(), b->token), NackOutcome::kDeadLettered);
  s = stats(q);
  EXPECT_EQ(s.visible, 0);
  EXPECT_EQ(s.delayed, 1);
  EXPECT_EQ(s.inFlight, 0);
  EXPECT_EQ(s.dead, 1);
  EXPECT_EQ(db().read([&](Transaction& tr) { return q.deadCount(tr); }), 1);
  db().run([&](Transaction& tr) { q.clear(tr); });
  s = stats(q);
  EXPECT_EQ(s.visible + s.delayed + s.inFlight + s.dead, 0);
  EXPECT_EQ(db().read([&](Transaction& tr) { return q.config(tr); }), WorkQueueConfig{1});
}

TEST_P(WorkQueueTest, ABlockingLeaseWakesOnAPush) {
  WorkQueue q = queue();
  std::thread pusher([&] {
    std::this_thread::sleep_for(milliseconds(50));
    q.push(db(), "pushed");
  });
  auto l = q.lease(db(), seconds(60), seconds(30));
  pusher.join();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->item, "pushed");
}

TEST_P(WorkQueueTest, ABlockingLeaseWakesWhenADelayedItemBecomesDue) {
  WorkQueue q = queue();
  WorkPushOptions o;
  o.delay = milliseconds(100);
  const auto pushedAt = system_clock::now();
  q.push(db(), "delayed", o);
  auto l = q.lease(db(), seconds(60), seconds(30));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->item, "delayed");
  EXPECT_GE(system_clock::now(), pushedAt + milliseconds(100));
}

TEST_P(WorkQueueTest, ABlockingLeaseWakesWhenALeaseExpires) {
  WorkQueue q = queue();
  q.push(db(), "job");
  auto first = q.lease(db(), milliseconds(100));
  ASSERT_TRUE(first);
  auto second = q.lease(db(), seconds(60), seconds(30));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->attempt, 2);
  EXPECT_GE(system_clock::now(), first->deadline);
}

TEST_P(WorkQueueTest, ABlockingLeaseWithNothingComingReturnsNothingAfterItsWait) {
  WorkQueue q = queue();
  EXPECT_FALSE(q.lease(db(), seconds(60), milliseconds(30)));
  EXPECT_FALSE(q.pop(db(), milliseconds(30)));
}

TEST_P(WorkQueueTest, PlainPopTakesItemsAndExpiredLeasesWithoutALease) {
  WorkQueue q = queue();
  q.push(db(), "a");
  q.push(db(), "b");
  auto l = q.lease(db(), milliseconds(10));
  ASSERT_TRUE(l);
  sleepUntil(l->deadline);
  EXPECT_EQ(q.pop(db()), "a");
  EXPECT_EQ(db().read([&](Transaction& tr) { return q.peek(tr); }), "b");
  EXPECT_EQ(q.pop(db()), "b");
  EXPECT_FALSE(q.pop(db()));
  EXPECT_FALSE(db().read([&](Transaction& tr) { return q.peek(tr); }));
  WorkQueueStats s = stats(q);
  EXPECT_EQ(s.visible + s.inFlight, 0);
}

TEST_P(WorkQueueTest, ReleaseAllGivesEveryHeldLeaseBackWithoutCountingAnAttempt) {
  WorkQueue q = created(1);
  for (const char* item : {"a", "b", "c"}) q.push(db(), item);
  WorkConsumer consumer(db(), q);
  auto a = consumer.lease(seconds(60));
  auto b = consumer.lease(seconds(60));
  auto c = consumer.lease(seconds(60));
  ASSERT_TRUE(a && b && c);
  EXPECT_TRUE(consumer.ack(b->token));
  EXPECT_EQ(consumer.held(), 2u);
  EXPECT_EQ(consumer.releaseAll(), 2);
  EXPECT_EQ(consumer.held(), 0u);
  WorkQueueStats s = stats(q);
  EXPECT_EQ(s.visible, 2);
  EXPECT_EQ(s.inFlight, 0);
  EXPECT_EQ(s.dead, 0);
  auto again = q.lease(db(), seconds(60));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->attempt, 1) << "a released delivery does not count";
  EXPECT_EQ(again->item, "a");
}

TEST_P(WorkQueueTest, APushIdPushesOnce) {
  WorkQueue q = queue();
  WorkPushOptions o;
  o.pushId = "order-17";
  EXPECT_TRUE(q.push(db(), "x", o));
  EXPECT_FALSE(q.push(db(), "x", o));
  EXPECT_EQ(drainItems(q), (std::vector<std::string>{"x"}));
  EXPECT_EQ(db().run([&](Transaction& tr) {
    return q.prunePushIds(tr, system_clock::now() + seconds(5));
  }),
            1);
  EXPECT_TRUE(q.push(db(), "x", o));
}

TEST_P(WorkQueueTest, ConcurrentConsumersGetEveryItemExactlyOnce) {
  WorkQueue q = queue(8);
  constexpr int kItems = 60;
  db().run([&](Transaction& tr) {
    for (int i = 0; i < kItems; ++i) q.push(tr, std::to_string(i));
  });
  std::mutex mu;
  std::map<std::string, int> delivered;
  std::vector<std::thread> consumers;
  for (int t = 0; t < 4; ++t) {
    consumers.emplace_back([&] {
      while (auto l = q.lease(db(), seconds(60))) {
        EXPECT_TRUE(q.ack(db(), l->token));
        std::lock_guard lock(mu);
        ++delivered[l->item];
      }
    });
  }
  for (auto& t : consumers) t.join();
  ASSERT_EQ(delivered.size(), static_cast<size_t>(kItems));
  for (const auto& [item, times] : delivered) EXPECT_EQ(times, 1) << item;
}

// ---- commit_unknown_result (1021): the retry runs after a first attempt that committed ----

TEST_P(WorkQueueTest, On1021APushWithAPushIdLandsOnce) {
  WorkQueue q = queue();
  WorkPushOptions o;
  o.pushId = "p";
  EXPECT_TRUE(db().run([&](Transaction& tr) { return q.push(tr, "x", o); }));
  EXPECT_FALSE(db().run([&](Transaction& tr) { return q.push(tr, "x", o); }));  // the retry
  EXPECT_EQ(stats(q).visible, 1);
}

TEST_P(WorkQueueTest, On1021ARetriedLeaseLeavesTheFirstLeaseToExpireAndCountsIt) {
  WorkQueue q = queue();
  q.push(db(), "job");
  auto lost = db().run([&](Transaction& tr) { return q.lease(tr, milliseconds(30)); });
  ASSERT_TRUE(lost);  // landed; the caller never saw it
  auto retry = db().run([&](Transaction& tr) { return q.lease(tr, seconds(60)); });
  EXPECT_FALSE(retry) << "the item stays hidden under the unseen lease";
  sleepUntil(lost->deadline);
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->item, "job");
  EXPECT_EQ(l->attempt, 2);
}

TEST_P(WorkQueueTest, On1021ARetriedAckReturnsFalse) {
  WorkQueue q = queue();
  q.push(db(), "job");
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  EXPECT_TRUE(db().run([&](Transaction& tr) { return q.ack(tr, l->token); }));
  EXPECT_FALSE(db().run([&](Transaction& tr) { return q.ack(tr, l->token); }));
  EXPECT_EQ(stats(q).inFlight, 0);
}

TEST_P(WorkQueueTest, On1021ARetriedNackOrReleaseReturnsTheSameOutcomeAndChangesNothing) {
  WorkQueue q = created(2);
  q.push(db(), "a");
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  auto nack = [&] {
    return db().run([&](Transaction& tr) { return q.nack(tr, l->token, seconds(3600)); });
  };
  EXPECT_EQ(nack(), NackOutcome::kRequeued);
  EXPECT_EQ(nack(), NackOutcome::kRequeued);
  WorkQueueStats s = stats(q);
  EXPECT_EQ(s.delayed, 1);
  EXPECT_EQ(s.inFlight, 0);

  q.push(db(), "b");
  auto b = q.lease(db(), seconds(60));
  ASSERT_TRUE(b);
  EXPECT_EQ(db().run([&](Transaction& tr) { return q.release(tr, b->token); }),
            NackOutcome::kRequeued);
  EXPECT_EQ(db().run([&](Transaction& tr) { return q.release(tr, b->token); }),
            NackOutcome::kRequeued);
  // Once another consumer holds the item, the retry reports the lost lease.
  auto b2 = q.lease(db(), seconds(60));
  ASSERT_TRUE(b2);
  EXPECT_EQ(b2->attempt, 1);
  EXPECT_EQ(errorCodeOf([&] { (void)q.release(db(), b->token); }), kLeaseLost);

  auto b3 = b2;
  EXPECT_EQ(q.nack(db(), b2->token), NackOutcome::kRequeued);
  b3 = q.lease(db(), seconds(60));
  ASSERT_TRUE(b3);
  EXPECT_EQ(q.nack(db(), b3->token), NackOutcome::kDeadLettered);
  EXPECT_EQ(q.nack(db(), b3->token), NackOutcome::kDeadLettered);
  EXPECT_EQ(stats(q).dead, 1);
}

TEST_P(WorkQueueTest, On1021ARetriedExtendExtendsAgain) {
  WorkQueue q = queue();
  q.push(db(), "job");
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  auto d1 = db().run([&](Transaction& tr) { return q.extend(tr, l->token, seconds(100)); });
  auto d2 = db().run([&](Transaction& tr) { return q.extend(tr, l->token, seconds(100)); });
  EXPECT_GE(d2, d1);
  EXPECT_TRUE(q.ack(db(), l->token));
}

TEST_P(WorkQueueTest, On1021RetriedDeadLetterOperationsActOnWhatIsLeft) {
  WorkQueue q = created(1);
  q.push(db(), "a");
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  EXPECT_EQ(q.nack(db(), l->token), NackOutcome::kDeadLettered);
  EXPECT_EQ(db().run([&](Transaction& tr) { return q.requeueDead(tr); }), 1);
  EXPECT_EQ(db().run([&](Transaction& tr) { return q.requeueDead(tr); }), 0);
  EXPECT_EQ(stats(q).visible, 1);
  db().run([&](Transaction& tr) { q.create(tr, WorkQueueConfig{1}); });
  db().run([&](Transaction& tr) { q.create(tr, WorkQueueConfig{1}); });
  db().run([&](Transaction& tr) { q.clear(tr); });
  db().run([&](Transaction& tr) { q.clear(tr); });
  EXPECT_EQ(stats(q).visible, 0);
}

TEST_P(WorkQueueTest, On1021ARetriedPopTakesTheNextItemSoPopIsAtMostOnce) {
  WorkQueue q = queue();
  q.push(db(), "a");
  q.push(db(), "b");
  EXPECT_EQ(db().run([&](Transaction& tr) { return q.pop(tr); }), "a");  // landed, unseen
  EXPECT_EQ(db().run([&](Transaction& tr) { return q.pop(tr); }), "b");  // the retry
}

// ---- bad inputs ----

TEST_P(WorkQueueTest, BadArgumentsThrowTheDocumentedCodes) {
  WorkQueue q = queue();
  EXPECT_EQ(errorCodeOf([] { WorkQueue(Subspace(Tuple{"x"}), WorkQueueOptions{0}); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { q.create(db(), WorkQueueConfig{-1}); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)q.push(db(), std::string(99'967, 'x')); }), 2103);
  EXPECT_TRUE(q.push(db(), std::string(99'966, 'x')));
  WorkPushOptions negative;
  negative.delay = milliseconds(-1);
  EXPECT_EQ(errorCodeOf([&] { (void)q.push(db(), "x", negative); }), 2000);
  WorkPushOptions tooLong;
  tooLong.delay = seconds(366LL * 24 * 3600);
  EXPECT_EQ(errorCodeOf([&] { (void)q.push(db(), "x", tooLong); }), 2000);
  WorkPushOptions bigId;
  bigId.pushId = std::string(20'000, 'i');
  EXPECT_EQ(errorCodeOf([&] { (void)q.push(db(), "x", bigId); }), 2102);
  EXPECT_EQ(errorCodeOf([&] { (void)q.lease(db(), milliseconds(0)); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)q.lease(db(), seconds(366LL * 24 * 3600)); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)q.lease(db(), seconds(1), milliseconds(-1)); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)q.pop(db(), milliseconds(-1)); }), 2000);
  EXPECT_EQ(
      errorCodeOf([&] { (void)db().read([&](Transaction& tr) { return q.listDead(tr, -1); }); }),
      2012);
  EXPECT_EQ(
      errorCodeOf([&] { (void)db().run([&](Transaction& tr) { return q.purgeDead(tr, -1); }); }),
      2012);
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  EXPECT_EQ(errorCodeOf([&] { (void)q.extend(db(), l->token, milliseconds(0)); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)q.nack(db(), l->token, milliseconds(-5)); }), 2000);
  const std::string good = l->token;
  for (const std::string& bad :
       {std::string(), std::string("nonsense"), good.substr(0, good.size() - 1), good + "0",
        "zz" + good.substr(2), good.substr(0, 25) + "x" + good.substr(26),
        std::string(24, 'f') + good.substr(24),
        good.substr(0, good.size() - 16) + std::string(16, '0')}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(errorCodeOf([&] { (void)q.ack(db(), bad); }), 3005);
    EXPECT_EQ(errorCodeOf([&] { (void)q.nack(db(), bad); }), 3005);
    EXPECT_EQ(errorCodeOf([&] { (void)q.extend(db(), bad, seconds(1)); }), 3005);
  }
  EXPECT_TRUE(q.ack(db(), good)) << "bad tokens changed nothing";
}

TEST_P(WorkQueueTest, ATokenForAnItemThatNeverExistedIsLeaseLostForNackAndFalseForAck) {
  WorkQueue q = queue();
  q.push(db(), "job");
  auto l = q.lease(db(), seconds(60));
  ASSERT_TRUE(l);
  EXPECT_TRUE(q.ack(db(), l->token));
  EXPECT_EQ(errorCodeOf([&] { (void)q.nack(db(), l->token); }), kLeaseLost);
  EXPECT_EQ(errorCodeOf([&] { (void)q.extend(db(), l->token, seconds(1)); }), kLeaseLost);
}

STRATA_ENGINE_SUITE(WorkQueueTest);

TEST_P(WorkQueueTest, AScanOfQueuedRangeListsQueuedItemsInDeliveryOrder) {
  WorkQueue q = queue();
  q.push(db(), "a");
  WorkPushOptions later;
  later.delay = std::chrono::hours(1);
  q.push(db(), "later", later);
  WorkPushOptions urgent;
  urgent.priority = -1;
  q.push(db(), "urgent", urgent);
  ASSERT_TRUE(q.lease(db(), std::chrono::seconds(60)).has_value());  // takes "urgent"
  KeyRange range = q.queuedRange();
  Scan scan = Scan::open(db(), range.begin, range.end);
  std::vector<std::string> items;
  while (std::optional<KeyValue> row = scan.next()) {
    std::optional<std::string> item =
        db().read([&](Transaction& tr) { return q.queuedItem(tr, row->key); });
    ASSERT_TRUE(item.has_value());
    items.push_back(*item);
  }
  EXPECT_EQ(items, (std::vector<std::string>{"a", "later"}));
  EXPECT_EQ(testsupport::errorCodeOf(
                [&] { db().read([&](Transaction& tr) { return q.queuedItem(tr, range.end); }); }),
            3005);
}

}  // namespace
}  // namespace strata::layers
