// PriorityQueue layer: order at both ends, FIFO within a priority, remove, idempotent push and
// concurrency. Runs on every engine kind of tests/support/engines.h (memory, file, etcd when
// STRATA_TEST_ETCD is set).
#include "strata/layers/priority_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/engines.h"

namespace strata::layers {
namespace {

using testsupport::errorCodeOf;

class PriorityQueueTest : public testsupport::EngineTest {
 protected:
  Subspace space_{Tuple{"pq-test"}};
};

PriorityQueueOptions single() {
  PriorityQueueOptions o;
  o.mode = PopMode::kSingleClient;
  return o;
}

std::vector<PriorityItem> drain(Database& db, const PriorityQueue& q, PriorityEnd end) {
  std::vector<PriorityItem> out;
  while (auto item = q.pop(db, end)) out.push_back(*item);
  return out;
}

void pushSample(Database& db, const PriorityQueue& q) {
  q.push(db, "b1", 5);
  q.push(db, "a1", -3);
  q.push(db, "c1", 9);
  q.push(db, "b2", 5);
  q.push(db, "a2", -3);
  q.push(db, "c2", 9);
}

TEST_P(PriorityQueueTest, PopMinTakesTheLowestPriorityFirstAndFifoWithinOne) {
  PriorityQueue q(space_, single());
  pushSample(db(), q);
  EXPECT_EQ(drain(db(), q, PriorityEnd::kMin),
            (std::vector<PriorityItem>{
                {"a1", -3}, {"a2", -3}, {"b1", 5}, {"b2", 5}, {"c1", 9}, {"c2", 9}}));
}

TEST_P(PriorityQueueTest, PopMaxTakesTheHighestPriorityFirstAndIsStillFifoWithinOne) {
  PriorityQueue q(space_, single());
  pushSample(db(), q);
  EXPECT_EQ(drain(db(), q, PriorityEnd::kMax),
            (std::vector<PriorityItem>{
                {"c1", 9}, {"c2", 9}, {"b1", 5}, {"b2", 5}, {"a1", -3}, {"a2", -3}}));
}

TEST_P(PriorityQueueTest, ExtremePrioritiesOrderCorrectly) {
  PriorityQueue q(space_, single());
  q.push(db(), "max", std::numeric_limits<int64_t>::max());
  q.push(db(), "min", std::numeric_limits<int64_t>::min());
  q.push(db(), "zero", 0);
  EXPECT_EQ(q.pop(db(), PriorityEnd::kMin)->item, "min");
  EXPECT_EQ(q.pop(db(), PriorityEnd::kMax)->item, "max");
  EXPECT_EQ(q.pop(db(), PriorityEnd::kMax)->item, "zero");
}

TEST_P(PriorityQueueTest, PeekShowsEitherEndWithoutRemoving) {
  PriorityQueue q(space_);
  EXPECT_EQ(q.peek(db()), std::nullopt);
  EXPECT_EQ(q.peek(db(), PriorityEnd::kMax), std::nullopt);
  pushSample(db(), q);
  EXPECT_EQ(q.peek(db(), PriorityEnd::kMin), (PriorityItem{"a1", -3}));
  EXPECT_EQ(q.peek(db(), PriorityEnd::kMax), (PriorityItem{"c1", 9}));
  EXPECT_EQ(q.size(db()), 6);
}

TEST_P(PriorityQueueTest, RemoveDeletesEveryCopyAndTheItemCanBePushedAgain) {
  PriorityQueue q(space_, single());
  q.push(db(), "x", 1);
  q.push(db(), "y", 2);
  q.push(db(), "x", 3);
  q.push(db(), "xx", 1);
  EXPECT_EQ(q.remove(db(), "x"), 2);
  EXPECT_EQ(q.remove(db(), "x"), 0);
  EXPECT_EQ(q.size(db()), 2);
  q.push(db(), "x", 0);
  EXPECT_EQ(drain(db(), q, PriorityEnd::kMin),
            (std::vector<PriorityItem>{{"x", 0}, {"xx", 1}, {"y", 2}}));
  EXPECT_EQ(q.size(db()), 0);
}

TEST_P(PriorityQueueTest, PoppedItemsLeaveNoMembershipBehind) {
  PriorityQueue q(space_);
  q.push(db(), "x", 1);
  ASSERT_TRUE(q.pop(db()).has_value());
  EXPECT_EQ(q.remove(db(), "x"), 0);
  size_t keys = db().read([&](Transaction& tr) {
    KeyRange r = space_.range(Tuple{1});
    return tr.getRangeAll(r.begin, r.end).size();
  });
  EXPECT_EQ(keys, 0u);
  q.push(db(), "x", 1);  // the original silently dropped this push
  EXPECT_EQ(q.pop(db()), (PriorityItem{"x", 1}));
}

TEST_P(PriorityQueueTest, ClearEmptiesTheQueue) {
  PriorityQueue q(space_);
  pushSample(db(), q);
  q.clear(db());
  EXPECT_EQ(q.size(db()), 0);
  EXPECT_TRUE(db().read([&](Transaction& tr) { return q.empty(tr); }));
  EXPECT_EQ(q.pop(db()), std::nullopt);
}

TEST_P(PriorityQueueTest, APushIdMakesARetriedPushLandOnce) {
  PriorityQueue q(space_);
  EXPECT_TRUE(q.push(db(), "x", 1, "id"));
  EXPECT_FALSE(q.push(db(), "x", 1, "id"));
  EXPECT_EQ(q.size(db()), 1);
  int pruned = db().run([&](Transaction& tr) {
    return q.prunePushIds(tr, std::chrono::system_clock::now() + std::chrono::hours(1));
  });
  EXPECT_EQ(pruned, 1);
}

TEST_P(PriorityQueueTest, BadArgumentsRaiseTheirErrors) {
  PriorityQueueOptions zero;
  zero.contentionWindow = 0;
  EXPECT_EQ(errorCodeOf([&] { PriorityQueue q(space_, zero); }), 2000);
  PriorityQueue q(space_);
  EXPECT_EQ(errorCodeOf([&] { q.push(db(), std::string(9'901, 'x'), 1); }), 2102);
  EXPECT_EQ(errorCodeOf([&] { q.push(db(), "x", 1, ""); }), 2000);
  EXPECT_EQ(
      errorCodeOf([&] { db().run([&](Transaction& tr) { (void)q.prunePushIds(tr, {}, -1); }); }),
      2012);
  q.push(db(), std::string(9'900, 'x'), 1);
  EXPECT_EQ(q.pop(db())->item.size(), 9'900u);
}

TEST_P(PriorityQueueTest, ConcurrentProducersAndHighContentionConsumersLoseNothing) {
  PriorityQueue q(space_);
  // etcd: 40 items per producer (every push and pop is several cluster round trips; the 8
  // threads still contend on the head, which is what this checks).
  constexpr int kProducers = 4;
  const int kPerProducer = kind() == "etcd" ? 40 : 100, kTotal = kProducers * kPerProducer;
  std::atomic<int> popped{0};
  std::mutex mu;
  std::vector<std::string> got;
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        q.push(db(), std::to_string(p) + ":" + std::to_string(i), i % 7);
      }
    });
  }
  for (int c = 0; c < 4; ++c) {
    threads.emplace_back([&, c] {
      while (popped.load() < kTotal) {
        auto item = q.pop(db(), c % 2 ? PriorityEnd::kMax : PriorityEnd::kMin);
        if (!item) {
          std::this_thread::yield();
          continue;
        }
        ++popped;
        std::lock_guard<std::mutex> lock(mu);
        got.push_back(item->item);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<std::string> expected;
  for (int p = 0; p < kProducers; ++p) {
    for (int i = 0; i < kPerProducer; ++i)
      expected.push_back(std::to_string(p) + ":" + std::to_string(i));
  }
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
  EXPECT_EQ(q.size(db()), 0);
}

STRATA_ENGINE_SUITE(PriorityQueueTest);

}  // namespace
}  // namespace strata::layers
