// Queue layer: order, both pop modes, idempotent push, leases, blocking pop, concurrency and a
// consumer killed mid-lease. Runs on every engine kind of tests/support/engines.h (memory, file,
// etcd when STRATA_TEST_ETCD is set).
#include "strata/layers/queue.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/engines.h"

namespace strata::layers {
namespace {

using std::chrono::milliseconds;

using testsupport::errorCodeOf;

class QueueTest : public testsupport::EngineTest {
 protected:
  Subspace space_{Tuple{"queue-test"}};
};

// The consumer of AConsumerKilledMidLeaseLosesNothing, in a process of its own: this binary
// started again with kConsumerUrlEnv set. It takes a lease, reports through the pipe named by
// kConsumerFdEnv ('y' when it holds "survivor"), and "works" until it is killed. A global
// environment runs it once main() has initialised everything, before the filtered test starts.
constexpr const char* kConsumerUrlEnv = "STRATA_QUEUE_TEST_CONSUMER_URL";
constexpr const char* kConsumerFdEnv = "STRATA_QUEUE_TEST_CONSUMER_FD";

class LeaseHoldingConsumer : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* url = std::getenv(kConsumerUrlEnv);
    const char* fd = std::getenv(kConsumerFdEnv);
    if (url == nullptr || fd == nullptr) return;
    const int out = std::atoi(fd);
    try {
      Database db = Database::open(url);
      auto lease = Queue(Subspace(Tuple{"queue-test"})).popWithLease(db, milliseconds(300));
      char ok = lease && lease->item == "survivor" ? 'y' : 'n';
      if (write(out, &ok, 1) != 1) _exit(2);
      for (;;) pause();  // "working" until killed
    } catch (...) {
      _exit(3);
    }
  }
};
[[maybe_unused]] ::testing::Environment* const kLeaseHoldingConsumer =
    ::testing::AddGlobalTestEnvironment(new LeaseHoldingConsumer);

QueueOptions single() {
  QueueOptions o;
  o.mode = PopMode::kSingleClient;
  return o;
}

QueueOptions contended(int window) {
  QueueOptions o;
  o.mode = PopMode::kHighContention;
  o.contentionWindow = window;
  return o;
}

std::vector<std::string> drain(Database& db, const Queue& q) {
  std::vector<std::string> out;
  while (auto item = q.pop(db)) out.push_back(*item);
  return out;
}

TEST_P(QueueTest, PopReturnsItemsInTheOrderTheirPushesCommitted) {
  Queue q(space_, single());
  for (int i = 0; i < 10; ++i) q.push(db(), "item" + std::to_string(i));
  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.push_back("item" + std::to_string(i));
  EXPECT_EQ(drain(db(), q), expected);
}

TEST_P(QueueTest, PushesInOneTransactionKeepTheirOrder) {
  Queue q(space_, single());
  db().run([&](Transaction& tr) {
    q.push(tr, "c");
    q.push(tr, "a");
    q.push(tr, "b");
  });
  q.push(db(), "d");
  EXPECT_EQ(drain(db(), q), (std::vector<std::string>{"c", "a", "b", "d"}));
}

TEST_P(QueueTest, AHighContentionWindowOfOneIsStrictFifo) {
  Queue q(space_, contended(1));
  for (int i = 0; i < 5; ++i) q.push(db(), std::to_string(i));
  EXPECT_EQ(drain(db(), q), (std::vector<std::string>{"0", "1", "2", "3", "4"}));
}

TEST_P(QueueTest, HighContentionPopDeliversEveryItemOnceWithinItsWindow) {
  Queue q(space_, contended(4));
  for (int i = 0; i < 40; ++i) q.push(db(), std::to_string(i));
  std::vector<std::string> got = drain(db(), q);
  ASSERT_EQ(got.size(), 40u);
  for (size_t n = 0; n < got.size(); ++n) {
    // The n-th pop chooses among the 4 oldest remaining items, so it is at most n + 3.
    EXPECT_LE(std::stoi(got[n]), static_cast<int>(n) + 3);
  }
  std::sort(got.begin(), got.end(), [](auto& a, auto& b) { return std::stoi(a) < std::stoi(b); });
  for (int i = 0; i < 40; ++i) EXPECT_EQ(got[i], std::to_string(i));
}

TEST_P(QueueTest, ConcurrentSingleClientPopsConflictOnTheHead) {
  Queue q(space_, single());
  q.push(db(), "a");
  q.push(db(), "b");
  Transaction t1 = db().createTransaction();
  Transaction t2 = db().createTransaction();
  EXPECT_EQ(q.pop(t1), std::optional<std::string>("a"));
  EXPECT_EQ(q.pop(t2), std::optional<std::string>("a"));
  t1.commit();
  EXPECT_EQ(errorCodeOf([&] { t2.commit(); }), 1020);
}

TEST_P(QueueTest, ConcurrentHighContentionPopsConflictOnlyWhenTheyClaimTheSameItem) {
  Queue q(space_, contended(16));
  int bothCommitted = 0;
  for (int trial = 0; trial < 20; ++trial) {
    q.clear(db());
    for (int i = 0; i < 16; ++i) q.push(db(), std::to_string(i));
    Transaction t1 = db().createTransaction();
    Transaction t2 = db().createTransaction();
    std::optional<std::string> a = q.pop(t1);
    std::optional<std::string> b = q.pop(t2);
    ASSERT_TRUE(a && b);
    t1.commit();
    int code = errorCodeOf([&] { t2.commit(); });
    EXPECT_EQ(code, *a == *b ? 1020 : 0) << *a << " " << *b;
    if (code == 0) ++bothCommitted;
    EXPECT_EQ(q.size(db()), code == 0 ? 14 : 15);
  }
  EXPECT_GT(bothCommitted, 0);
}

TEST_P(QueueTest, PopOnAnEmptyQueueReturnsNothing) {
  Queue q(space_);
  EXPECT_EQ(q.pop(db()), std::nullopt);
  EXPECT_EQ(q.peek(db()), std::nullopt);
  EXPECT_TRUE(q.empty(db()));
}

TEST_P(QueueTest, AnEmptyItemIsAnItemNotAbsence) {
  Queue q(space_);
  q.push(db(), "");
  EXPECT_EQ(q.pop(db()), std::optional<std::string>(""));
  EXPECT_EQ(q.pop(db()), std::nullopt);
}

TEST_P(QueueTest, PeekShowsTheHeadWithoutRemovingIt) {
  Queue q(space_);
  q.push(db(), "first");
  q.push(db(), "second");
  EXPECT_EQ(q.peek(db()), std::optional<std::string>("first"));
  EXPECT_EQ(q.size(db()), 2);
}

TEST_P(QueueTest, SizeCountsQueuedAndLeasedItemsUntilAcked) {
  Queue q(space_);
  q.push(db(), "a");
  q.push(db(), "b");
  EXPECT_EQ(q.size(db()), 2);
  auto lease = q.popWithLease(db(), milliseconds(60'000));
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(q.size(db()), 2);
  EXPECT_TRUE(q.ack(db(), lease->token));
  EXPECT_EQ(q.size(db()), 1);
  ASSERT_TRUE(q.pop(db()).has_value());
  EXPECT_EQ(q.size(db()), 0);
  EXPECT_TRUE(q.empty(db()));
}

TEST_P(QueueTest, ClearRemovesItemsAndLeases) {
  Queue q(space_);
  q.push(db(), "a");
  q.push(db(), "b");
  auto lease = q.popWithLease(db(), milliseconds(1));
  ASSERT_TRUE(lease.has_value());
  q.clear(db());
  EXPECT_EQ(q.size(db()), 0);
  EXPECT_EQ(q.pop(db()), std::nullopt);
  EXPECT_FALSE(q.ack(db(), lease->token));
  q.push(db(), "c");
  EXPECT_EQ(q.pop(db()), std::optional<std::string>("c"));
}

TEST_P(QueueTest, APushIdMakesARetriedPushLandOnce) {
  Queue q(space_, single());
  EXPECT_TRUE(q.push(db(), "x", "id-1"));
  EXPECT_FALSE(q.push(db(), "x", "id-1"));
  EXPECT_TRUE(q.push(db(), "y", "id-2"));
  EXPECT_EQ(drain(db(), q), (std::vector<std::string>{"x", "y"}));
  // The marker outlives the item: a late retry still does nothing.
  EXPECT_FALSE(q.push(db(), "x", "id-1"));
  EXPECT_EQ(q.size(db()), 0);
}

TEST_P(QueueTest, PrunePushIdsForgetsOldMarkersOnly) {
  Queue q(space_);
  EXPECT_TRUE(q.push(db(), "x", "id-1"));
  int pruned = db().run([&](Transaction& tr) {
    return q.prunePushIds(tr, std::chrono::system_clock::now() - std::chrono::hours(1));
  });
  EXPECT_EQ(pruned, 0);
  pruned = db().run([&](Transaction& tr) {
    return q.prunePushIds(tr, std::chrono::system_clock::now() + std::chrono::hours(1));
  });
  EXPECT_EQ(pruned, 1);
  EXPECT_TRUE(q.push(db(), "x", "id-1"));
}

TEST_P(QueueTest, BadArgumentsRaiseTheirErrors) {
  EXPECT_EQ(errorCodeOf([&] { Queue q(space_, contended(0)); }), 2000);
  Queue q(space_);
  EXPECT_EQ(errorCodeOf([&] { q.push(db(), std::string(100'000, 'x')); }), 2103);
  EXPECT_EQ(errorCodeOf([&] { q.push(db(), "x", ""); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { q.push(db(), "x", std::string(20'000, 'k')); }), 2102);
  EXPECT_EQ(errorCodeOf([&] { (void)q.popWithLease(db(), milliseconds(0)); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { (void)q.pop(db(), milliseconds(-1)); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { q.ack(db(), "not a token"); }), 3005);
  EXPECT_EQ(errorCodeOf([&] { q.ack(db(), Tuple{1, 2, 3}.pack()); }), 3005);
  EXPECT_EQ(
      errorCodeOf([&] { db().run([&](Transaction& tr) { (void)q.prunePushIds(tr, {}, -1); }); }),
      2012);
  // The largest allowed item goes through.
  q.push(db(), std::string(99'992, 'x'));
  EXPECT_EQ(q.pop(db())->size(), 99'992u);
}

TEST_P(QueueTest, ALeaseHidesItsItemAndAckDeletesItOnce) {
  Queue q(space_);
  q.push(db(), "job");
  auto lease = q.popWithLease(db(), milliseconds(60'000));
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->item, "job");
  EXPECT_GT(lease->deadline, std::chrono::system_clock::now());
  EXPECT_EQ(q.pop(db()), std::nullopt);
  EXPECT_EQ(q.peek(db()), std::nullopt);
  EXPECT_TRUE(q.ack(db(), lease->token));
  EXPECT_FALSE(q.ack(db(), lease->token));
  EXPECT_TRUE(q.empty(db()));
}

TEST_P(QueueTest, AnUnackedItemComesBackAfterItsVisibilityTimeout) {
  Queue q(space_, single());
  q.push(db(), "job");
  q.push(db(), "later");
  auto lease = q.popWithLease(db(), milliseconds(100));
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->item, "job");
  EXPECT_EQ(q.pop(db()), std::optional<std::string>("later"));
  // The blocking pop sleeps until the lease deadline and then gets the item back.
  auto again = q.popWithLease(db(), milliseconds(60'000), milliseconds(30'000));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->item, "job");
  EXPECT_FALSE(q.ack(db(), lease->token));  // the first holder's lease is gone
  EXPECT_TRUE(q.ack(db(), again->token));
  EXPECT_TRUE(q.empty(db()));
}

TEST_P(QueueTest, AnExpiredLeaseIsDeliveredBeforeQueuedItems) {
  Queue q(space_, single());
  q.push(db(), "first");
  auto lease = q.popWithLease(db(), milliseconds(1));
  ASSERT_TRUE(lease.has_value());
  q.push(db(), "second");
  while (std::chrono::system_clock::now() <= lease->deadline) std::this_thread::yield();
  EXPECT_EQ(q.peek(db()), std::optional<std::string>("first"));
  EXPECT_EQ(drain(db(), q), (std::vector<std::string>{"first", "second"}));
  EXPECT_TRUE(q.empty(db()));
}

TEST_P(QueueTest, ABlockingPopTimesOutOnAnEmptyQueue) {
  Queue q(space_);
  EXPECT_EQ(q.pop(db(), milliseconds(50)), std::nullopt);
}

TEST_P(QueueTest, ABlockingPopWakesWhenAnotherThreadPushes) {
  Queue q(space_);
  std::optional<std::string> got;
  std::thread consumer([&] { got = q.pop(db(), milliseconds(30'000)); });
  q.push(db(), "wake");
  consumer.join();
  EXPECT_EQ(got, std::optional<std::string>("wake"));
}

// 4 producers and 4 consumers: the multiset popped equals the multiset pushed.
// etcd passes a smaller `perProducer` (every push and pop is several cluster round trips; 8
// threads still contend on the head, which is what this checks).
void runProducersAndConsumers(Database& db, const Queue& q, bool leases, int perProducer) {
  constexpr int kProducers = 4, kConsumers = 4;
  const int kPerProducer = perProducer;
  const int kTotal = kProducers * kPerProducer;
  std::atomic<int> popped{0};
  std::mutex mu;
  std::vector<std::string> got;
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        q.push(db, std::to_string(p) + ":" + std::to_string(i));
      }
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      while (popped.load() < kTotal) {
        std::optional<std::string> item;
        if (leases) {
          auto lease = q.popWithLease(db, milliseconds(60'000), milliseconds(20));
          if (lease) {
            EXPECT_TRUE(q.ack(db, lease->token));
            item = lease->item;
          }
        } else {
          item = q.pop(db, milliseconds(20));
        }
        if (!item) continue;
        ++popped;
        std::lock_guard<std::mutex> lock(mu);
        got.push_back(*item);
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
  EXPECT_TRUE(q.empty(db));
}

TEST_P(QueueTest, FourProducersAndFourHighContentionConsumersLoseAndDuplicateNothing) {
  runProducersAndConsumers(db(), Queue(space_, contended(16)), false, kind() == "etcd" ? 50 : 150);
}

TEST_P(QueueTest, FourProducersAndFourSingleClientConsumersLoseAndDuplicateNothing) {
  runProducersAndConsumers(db(), Queue(space_, single()), false, kind() == "etcd" ? 50 : 150);
}

TEST_P(QueueTest, FourProducersAndFourLeasingConsumersLoseAndDuplicateNothing) {
  runProducersAndConsumers(db(), Queue(space_, contended(16)), true, kind() == "etcd" ? 50 : 150);
}

TEST_P(QueueTest, AConsumerKilledMidLeaseLosesNothing) {
  if (!scratch().sharedAcrossProcesses()) {
    GTEST_SKIP() << "needs a database shared between processes (memory: is per process)";
  }
  Queue q(space_);
  q.push(db(), "survivor");
  // The consumer is this binary started afresh (exec, not a bare fork: a forked child would
  // inherit the etcd engine's gRPC state without its threads), running only this test, so its
  // global environment plays the consumer (LeaseHoldingConsumer above).
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string self = "/proc/self/exe";
  std::string filter =
      std::string("--gtest_filter=") + info->test_suite_name() + "." + info->name();
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.push_back(std::string(kConsumerUrlEnv) + "=" + scratch().url());
  env.push_back(std::string(kConsumerFdEnv) + "=" + std::to_string(fds[1]));
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> argv{self.data(), filter.data(), nullptr};
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    int devNull = open("/dev/null", O_WRONLY);  // the child's gtest banner is noise here
    if (devNull >= 0) dup2(devNull, STDOUT_FILENO);
    execve(self.c_str(), argv.data(), envp.data());
    _exit(4);
  }
  close(fds[1]);
  char ok = 0;
  ASSERT_EQ(read(fds[0], &ok, 1), 1);
  close(fds[0]);
  EXPECT_EQ(ok, 'y');
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  reopen();  // a fresh handle, as a restarted consumer would open
  EXPECT_EQ(q.size(db()), 1);
  auto back = q.popWithLease(db(), milliseconds(60'000), milliseconds(30'000));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->item, "survivor");
  EXPECT_TRUE(q.ack(db(), back->token));
  EXPECT_TRUE(q.empty(db()));
}

STRATA_ENGINE_SUITE(QueueTest);

}  // namespace
}  // namespace strata::layers
