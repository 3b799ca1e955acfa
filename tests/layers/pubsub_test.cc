// PubSub layer: feeds, inboxes, per-subscription cursors, commit order, idempotent posts,
// retention, watches, restarts and concurrency. Runs on every engine kind of
// tests/support/engines.h (memory, file, etcd when STRATA_TEST_ETCD is set).
#include "strata/layers/pubsub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/engines.h"

namespace strata::layers {
namespace {

using namespace std::chrono_literals;

using testsupport::errorCodeOf;

std::vector<std::string> bodies(const std::vector<Message>& messages) {
  std::vector<std::string> out;
  for (const Message& m : messages) out.push_back(m.body);
  return out;
}

class PubSubTest : public testsupport::EngineTest {
 protected:
  PubSub ps_{Subspace(Tuple{"pubsub-test"})};
};

TEST_P(PubSubTest, CreateIsIdempotentAndListsNames) {
  EXPECT_TRUE(ps_.createFeed(db(), "news"));
  EXPECT_FALSE(ps_.createFeed(db(), "news"));
  EXPECT_TRUE(ps_.createInbox(db(), "alice"));
  EXPECT_FALSE(ps_.createInbox(db(), "alice"));
  ps_.createFeed(db(), "alerts");
  db().read([&](Transaction& tr) {
    EXPECT_EQ(ps_.listFeeds(tr), (std::vector<std::string>{"alerts", "news"}));
    EXPECT_EQ(ps_.listInboxes(tr), (std::vector<std::string>{"alice"}));
    EXPECT_TRUE(ps_.feedExists(tr, "news"));
    EXPECT_FALSE(ps_.inboxExists(tr, "bob"));
    return 0;
  });
}

TEST_P(PubSubTest, BadNamesAndMissingObjectsThrowTheirCodes) {
  EXPECT_EQ(errorCodeOf([&] { ps_.createFeed(db(), ""); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { ps_.createInbox(db(), ""); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { (void)ps_.post(db(), "nofeed", "x"); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)ps_.read(db(), "noinbox"); }), 2000);
  ps_.createInbox(db(), "alice");
  ps_.createFeed(db(), "news");
  EXPECT_EQ(errorCodeOf([&] { ps_.subscribe(db(), "alice", "nofeed"); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { ps_.subscribe(db(), "noinbox", "news"); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)ps_.read(db(), "alice", -1); }), 2012);
  EXPECT_EQ(errorCodeOf([&] { (void)ps_.history(db(), "news", -1); }), 2012);
  EXPECT_EQ(errorCodeOf([&] { (void)ps_.history(db(), "nofeed"); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { ps_.trimToCount(db(), "news", -1); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)ps_.wait(db(), "noinbox", 10ms); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)ps_.post(db(), "news", std::string(100'000, 'x')); }), 2103);
  EXPECT_EQ(errorCodeOf([&] {
              db().run([&](Transaction& tr) { (void)ps_.trimToCount(tr, "news", 1, 0); });
            }),
            2000);
}

TEST_P(PubSubTest, ReadReturnsNewMessagesOnceInCommitOrder) {
  ps_.createFeed(db(), "news");
  ps_.createInbox(db(), "alice");
  ps_.subscribe(db(), "alice", "news");
  EXPECT_TRUE(ps_.read(db(), "alice").empty());
  std::string a = ps_.post(db(), "news", "one");
  std::string b = ps_.post(db(), "news", "two");
  EXPECT_LT(a, b);
  auto got = ps_.read(db(), "alice");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].id, a);
  EXPECT_EQ(got[1].id, b);
  EXPECT_EQ(got[0].feed, "news");
  EXPECT_EQ(bodies(got), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(ps_.read(db(), "alice").empty());
  ps_.post(db(), "news", "three");
  EXPECT_EQ(bodies(ps_.read(db(), "alice")), (std::vector<std::string>{"three"}));
}

TEST_P(PubSubTest, ReadMergesFeedsInCommitOrderAndHonoursTheLimit) {
  ps_.createFeed(db(), "a");
  ps_.createFeed(db(), "b");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  ps_.subscribe(db(), "in", "b");
  ps_.post(db(), "b", "1");
  ps_.post(db(), "a", "2");
  ps_.post(db(), "b", "3");
  ps_.post(db(), "a", "4");
  EXPECT_EQ(bodies(ps_.read(db(), "in", 3)), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(bodies(ps_.read(db(), "in", 3)), (std::vector<std::string>{"4"}));
}

// The original's defect: one watermark per inbox skips a post to another feed that commits
// after a read has moved the watermark past its (older) id. Cursors are per subscription.
TEST_P(PubSubTest, APostToAnotherFeedIsNeverLostBehindAWatermark) {
  ps_.createFeed(db(), "a");
  ps_.createFeed(db(), "b");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  ps_.subscribe(db(), "in", "b");
  Transaction slow = db().createTransaction();
  (void)slow.getReadVersion();
  (void)ps_.post(slow, "b", "slow");  // started first, commits last
  ps_.post(db(), "a", "fast");
  EXPECT_EQ(bodies(ps_.read(db(), "in")), (std::vector<std::string>{"fast"}));
  slow.commit();
  EXPECT_EQ(bodies(ps_.read(db(), "in")), (std::vector<std::string>{"slow"}));
}

TEST_P(PubSubTest, ALateSubscriptionFromEarliestSeesTheFeedsHistory) {
  ps_.createFeed(db(), "a");
  ps_.createFeed(db(), "b");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  ps_.post(db(), "b", "old-b");
  ps_.post(db(), "a", "a1");
  EXPECT_EQ(bodies(ps_.read(db(), "in")), (std::vector<std::string>{"a1"}));
  ps_.subscribe(db(), "in", "b");
  EXPECT_EQ(bodies(ps_.read(db(), "in")), (std::vector<std::string>{"old-b"}));
}

TEST_P(PubSubTest, SubscribeFromNowSkipsEarlierMessagesOnly) {
  ps_.createFeed(db(), "a");
  ps_.createInbox(db(), "in");
  ps_.post(db(), "a", "before");
  EXPECT_TRUE(ps_.subscribe(db(), "in", "a", StartAt::kNow));
  EXPECT_FALSE(ps_.subscribe(db(), "in", "a", StartAt::kEarliest));  // cursor kept
  ps_.post(db(), "a", "after");
  EXPECT_EQ(bodies(ps_.read(db(), "in")), (std::vector<std::string>{"after"}));
}

TEST_P(PubSubTest, UnsubscribeStopsDeliveryAndForgetsTheCursor) {
  ps_.createFeed(db(), "a");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  ps_.post(db(), "a", "1");
  db().read([&](Transaction& tr) {
    EXPECT_EQ(ps_.subscriptions(tr, "in"), (std::vector<std::string>{"a"}));
    EXPECT_EQ(ps_.subscribers(tr, "a"), (std::vector<std::string>{"in"}));
    return 0;
  });
  EXPECT_TRUE(ps_.unsubscribe(db(), "in", "a"));
  EXPECT_FALSE(ps_.unsubscribe(db(), "in", "a"));
  ps_.post(db(), "a", "2");
  EXPECT_TRUE(ps_.read(db(), "in").empty());
  db().read([&](Transaction& tr) {
    EXPECT_TRUE(ps_.subscriptions(tr, "in").empty());
    EXPECT_TRUE(ps_.subscribers(tr, "a").empty());
    return 0;
  });
}

TEST_P(PubSubTest, PendingListsBothWaysWithoutMovingAndAckMovesForwardOnly) {
  ps_.createFeed(db(), "a");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  for (int i = 1; i <= 5; ++i) ps_.post(db(), "a", std::to_string(i));
  auto newest =
      db().read([&](Transaction& tr) { return ps_.pending(tr, "in", 2, Order::kNewestFirst); });
  EXPECT_EQ(bodies(newest), (std::vector<std::string>{"5", "4"}));
  auto oldest = db().read([&](Transaction& tr) { return ps_.pending(tr, "in", 2); });
  EXPECT_EQ(bodies(oldest), (std::vector<std::string>{"1", "2"}));
  ps_.ack(db(), "in", oldest);
  ps_.ack(db(), "in", oldest);            // idempotent
  ps_.ack(db(), "in", {oldest.front()});  // never backwards
  EXPECT_EQ(bodies(ps_.read(db(), "in")), (std::vector<std::string>{"3", "4", "5"}));
}

TEST_P(PubSubTest, HistoryListsNewestOrOldestFirstWithLimits) {
  ps_.createFeed(db(), "a");
  for (int i = 1; i <= 4; ++i) ps_.post(db(), "a", std::to_string(i));
  EXPECT_EQ(bodies(ps_.history(db(), "a")), (std::vector<std::string>{"4", "3", "2", "1"}));
  EXPECT_EQ(bodies(ps_.history(db(), "a", 2)), (std::vector<std::string>{"4", "3"}));
  EXPECT_EQ(bodies(ps_.history(db(), "a", 3, Order::kOldestFirst)),
            (std::vector<std::string>{"1", "2", "3"}));
}

TEST_P(PubSubTest, ATokenMakesARetriedPostLandOnce) {
  ps_.createFeed(db(), "a");
  std::string first = ps_.post(db(), "a", "pay 10", "token-1");
  std::string again = ps_.post(db(), "a", "pay 10", "token-1");
  EXPECT_EQ(first, again);
  ps_.post(db(), "a", "pay 20", "token-2");
  EXPECT_EQ(bodies(ps_.history(db(), "a", 0, Order::kOldestFirst)),
            (std::vector<std::string>{"pay 10", "pay 20"}));
  // Trimming the message removes its marker: the token is free again.
  ps_.trimToCount(db(), "a", 1);
  EXPECT_NE(ps_.post(db(), "a", "pay 10", "token-1"), first);
}

TEST_P(PubSubTest, TransactionPostGivesItsIdAfterCommit) {
  ps_.createFeed(db(), "a");
  Transaction tr = db().createTransaction();
  PostReceipt r1 = ps_.post(tr, "a", "x");
  PostReceipt r2 = ps_.post(tr, "a", "y");
  Future<CommitStamp> stamp = tr.getVersionstamp();
  tr.commit();
  auto history = ps_.history(db(), "a", 0, Order::kOldestFirst);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].id, PubSub::messageId(stamp.get(), r1.seq));
  EXPECT_EQ(history[1].id, PubSub::messageId(stamp.get(), r2.seq));
  EXPECT_EQ(history[1].body, "y");
  std::string printed = PubSub::formatMessageId(history[0].id);
  EXPECT_EQ(printed.size(), 20u + 1 + std::to_string(r1.seq).size());
}

TEST_P(PubSubTest, TrimByCountKeepsTheNewest) {
  ps_.createFeed(db(), "a");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  for (int i = 1; i <= 10; ++i) ps_.post(db(), "a", std::to_string(i));
  EXPECT_EQ(ps_.trimToCount(db(), "a", 3), 7);
  EXPECT_EQ(ps_.trimToCount(db(), "a", 3), 0);
  EXPECT_EQ(bodies(ps_.history(db(), "a", 0, Order::kOldestFirst)),
            (std::vector<std::string>{"8", "9", "10"}));
  EXPECT_EQ(bodies(ps_.read(db(), "in")), (std::vector<std::string>{"8", "9", "10"}));
  EXPECT_EQ(ps_.trimToCount(db(), "a", 0), 3);
  EXPECT_TRUE(ps_.history(db(), "a").empty());
}

TEST_P(PubSubTest, TrimByCountWorksInSmallBatches) {
  ps_.createFeed(db(), "a");
  for (int i = 1; i <= 10; ++i) ps_.post(db(), "a", std::to_string(i));
  EXPECT_EQ(db().run([&](Transaction& tr) { return ps_.trimToCount(tr, "a", 2, 3); }), 3);
  EXPECT_EQ(ps_.history(db(), "a").size(), 7u);
}

TEST_P(PubSubTest, TrimByAgeRemovesOnlyOlderMessages) {
  ps_.createFeed(db(), "a");
  ps_.post(db(), "a", "old");
  auto posted = ps_.history(db(), "a");
  ASSERT_EQ(posted.size(), 1u);
  int64_t cutoff = posted[0].postedAtMs + 1;
  // Wait for the clock to pass the cutoff so the next post is newer.
  while (std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() <= cutoff) {
    std::this_thread::sleep_for(1ms);
  }
  ps_.post(db(), "a", "new");
  EXPECT_EQ(ps_.trimBefore(db(), "a", cutoff), 1);
  EXPECT_EQ(bodies(ps_.history(db(), "a")), (std::vector<std::string>{"new"}));
}

TEST_P(PubSubTest, PostersNeverConflictWithEachOtherOrWithAReader) {
  ps_.createFeed(db(), "a");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  ps_.post(db(), "a", "0");
  Transaction p1 = db().createTransaction();
  Transaction p2 = db().createTransaction();
  Transaction reader = db().createTransaction();
  (void)p1.getReadVersion();
  (void)p2.getReadVersion();
  (void)ps_.post(p1, "a", "1");
  (void)ps_.post(p2, "a", "2");
  auto got = ps_.read(reader, "in");
  p1.commit();
  EXPECT_NO_THROW(p2.commit());
  EXPECT_NO_THROW(reader.commit());
  EXPECT_EQ(bodies(got), (std::vector<std::string>{"0"}));
  EXPECT_EQ(bodies(ps_.read(db(), "in")), (std::vector<std::string>{"1", "2"}));
}

TEST_P(PubSubTest, TwoReadsOfOneInboxConflict) {
  ps_.createFeed(db(), "a");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  ps_.post(db(), "a", "x");
  Transaction r1 = db().createTransaction();
  Transaction r2 = db().createTransaction();
  EXPECT_EQ(ps_.read(r1, "in").size(), 1u);
  EXPECT_EQ(ps_.read(r2, "in").size(), 1u);
  r1.commit();
  EXPECT_EQ(errorCodeOf([&] { r2.commit(); }), 1020);
}

TEST_P(PubSubTest, WaitReturnsAtOnceWithUnreadMessagesAndTimesOutWithout) {
  ps_.createFeed(db(), "a");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  EXPECT_FALSE(ps_.wait(db(), "in", 20ms));
  ps_.post(db(), "a", "x");
  EXPECT_TRUE(ps_.wait(db(), "in", 0ms));
  (void)ps_.read(db(), "in");
  EXPECT_FALSE(ps_.wait(db(), "in", 20ms));
}

TEST_P(PubSubTest, WaitWakesOnAPostToASubscribedFeed) {
  ps_.createFeed(db(), "a");
  ps_.createFeed(db(), "b");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  ps_.subscribe(db(), "in", "b");
  std::atomic<bool> woke{false};
  std::thread waiter([&] { woke = ps_.wait(db(), "in", 60s); });
  std::this_thread::sleep_for(20ms);  // let it arm; a post before arming also wakes it
  ps_.post(db(), "b", "ping");
  waiter.join();
  EXPECT_TRUE(woke);
}

TEST_P(PubSubTest, WaitWakesWhenANewSubscriptionHasMessages) {
  ps_.createFeed(db(), "a");
  ps_.createInbox(db(), "in");
  ps_.post(db(), "a", "history");
  std::atomic<bool> woke{false};
  std::thread waiter([&] { woke = ps_.wait(db(), "in", 60s); });
  std::this_thread::sleep_for(20ms);
  ps_.subscribe(db(), "in", "a");
  waiter.join();
  EXPECT_TRUE(woke);
}

TEST_P(PubSubTest, NoMessageIsLostAcrossASubscriberRestart) {
  ps_.createFeed(db(), "a");
  ps_.createInbox(db(), "in");
  ps_.subscribe(db(), "in", "a");
  for (int i = 0; i < 5; ++i) ps_.post(db(), "a", "m" + std::to_string(i));
  EXPECT_EQ(ps_.read(db(), "in", 2).size(), 2u);
  // A read that dies before committing consumes nothing.
  {
    Transaction crashed = db().createTransaction();
    EXPECT_EQ(ps_.read(crashed, "in").size(), 3u);
  }
  reopen();  // a new handle on the same data (the fixture keeps a memory store alive)
  ps_.post(db(), "a", "m5");
  EXPECT_EQ(bodies(ps_.read(db(), "in")), (std::vector<std::string>{"m2", "m3", "m4", "m5"}));
}

TEST_P(PubSubTest, EveryPostIsDeliveredOnceToEverySubscriberUnderConcurrency) {
  constexpr int kFeeds = 2, kInboxes = 3, kPosters = 4, kPerPoster = 40;
  for (int f = 0; f < kFeeds; ++f) ps_.createFeed(db(), "f" + std::to_string(f));
  for (int i = 0; i < kInboxes; ++i) {
    ps_.createInbox(db(), "i" + std::to_string(i));
    for (int f = 0; f < kFeeds; ++f) {
      ps_.subscribe(db(), "i" + std::to_string(i), "f" + std::to_string(f));
    }
  }
  std::atomic<int> postersLeft{kPosters};
  std::vector<std::thread> threads;
  for (int p = 0; p < kPosters; ++p) {
    threads.emplace_back([&, p] {
      for (int n = 0; n < kPerPoster; ++n) {
        ps_.post(db(), "f" + std::to_string(n % kFeeds),
                 std::to_string(p) + ":" + std::to_string(n));
      }
      --postersLeft;
    });
  }
  // Two readers per inbox, competing.
  std::vector<std::vector<std::string>> received(kInboxes * 2);
  for (int r = 0; r < kInboxes * 2; ++r) {
    threads.emplace_back([&, r] {
      std::string inbox = "i" + std::to_string(r / 2);
      for (;;) {
        bool done = postersLeft == 0;
        auto got = ps_.read(db(), inbox, 7);
        for (const Message& m : got) received[r].push_back(m.body);
        if (got.empty()) {
          if (done) return;
          (void)ps_.wait(db(), inbox, 50ms);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kInboxes; ++i) {
    std::multiset<std::string> all(received[2 * i].begin(), received[2 * i].end());
    all.insert(received[2 * i + 1].begin(), received[2 * i + 1].end());
    EXPECT_EQ(all.size(), size_t{kPosters * kPerPoster}) << "inbox " << i;
    EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size())
        << "a duplicate in inbox " << i;
    // Each poster's messages to one feed arrive in posting order within one reader's stream.
    for (int r : {2 * i, 2 * i + 1}) {
      std::map<std::string, int> lastSeen;
      for (const std::string& body : received[r]) {
        std::string poster = body.substr(0, body.find(':'));
        int n = std::stoi(body.substr(body.find(':') + 1));
        std::string stream = poster + "/" + std::to_string(n % kFeeds);
        auto it = lastSeen.find(stream);
        if (it != lastSeen.end()) {
          EXPECT_LT(it->second, n);
        }
        lastSeen[stream] = n;
      }
    }
  }
}

STRATA_ENGINE_SUITE(PubSubTest);

}  // namespace
}  // namespace strata::layers
