// Fault test of the work queue (include/strata/layers/work_queue.h) on etcd: starts its own
// 3-member cluster (scripts/etcd-cluster.sh, ports STRATA_ETCD_FAULT_PORT + 300 so it never meets
// the other fault tests), runs producers pushing with random delays and priorities (idempotent
// push ids) and consumers that ack, nack, extend or abandon their leases (a crashed consumer),
// SIGKILLs the leader in the middle, drains the queue and checks, from a log written in the same
// transactions as the leases, acks and nacks:
//   - every item was acked exactly once or is a dead letter with exactly maxAttempts attempts;
//   - attempts run 1, 2, ... once each, and no delivery started while the previous lease on the
//     item was live.
// Retries after commit_unknown_result are part of the test: the leader kill produces them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "strata/layers/work_queue.h"
#include "support/work_queue_log.h"

namespace strata::layers {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

constexpr int kProducers = 2, kItemsPerProducer = 40, kConsumers = 3, kMaxAttempts = 4;
constexpr auto kLease = milliseconds(400);

std::string run(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, f) != nullptr) out += buf;
  pclose(f);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

int64_t wallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t toMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

const Subspace kLog(Tuple{"log"});

class WorkQueueFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/dev/shm/strata-etcd-wq-fault-" + std::to_string(getpid());
    env_ = "STRATA_ETCD_DIR=" + dir_ +
           " STRATA_ETCD_PORT=" + std::to_string(STRATA_ETCD_FAULT_PORT + 300) + " ";
    endpoints_ = run(env_ + STRATA_ETCD_SCRIPT " stop >/dev/null 2>&1; " + env_ +
                     STRATA_ETCD_SCRIPT " start");
    ASSERT_NE(endpoints_.find("127.0.0.1:"), std::string::npos) << "cluster did not start";
    db_.emplace(Database::open("etcd://" + endpoints_ + "/?prefix=wqfault/"));
  }
  void TearDown() override {
    db_.reset();
    if (HasFailure()) std::printf("%s\n", run("tail -n 40 " + dir_ + "/m*.log 2>&1").c_str());
    (void)run(env_ + STRATA_ETCD_SCRIPT " stop");
  }
  int killLeader() {
    std::string leader = run(env_ + STRATA_ETCD_SCRIPT " leader");
    EXPECT_FALSE(leader.empty()) << "no leader found";
    if (leader.empty()) return 0;
    (void)run(env_ + STRATA_ETCD_SCRIPT " kill " + leader);
    return std::stoi(leader);
  }
  Database& db() { return *db_; }

  std::string dir_, env_, endpoints_;
  std::optional<Database> db_;
};

// One consumer step. Returns: false when nothing was deliverable.
bool consumeOne(Database& db, const WorkQueue& q, std::mt19937_64& rng, bool mayAbandon) {
  std::optional<WorkLease> lease = db.run([&](Transaction& tr) {
    std::optional<WorkLease> l = q.lease(tr, kLease);
    if (l) {
      const int64_t deadline = toMs(l->deadline);
      tr.set(kLog.pack(Tuple{"d", l->item, l->attempt, l->token}),
             Tuple{deadline - kLease.count(), deadline}.pack());
    }
    return l;
  });
  if (!lease) return false;
  const std::string logKey = kLog.pack(Tuple{"d", lease->item, lease->attempt, lease->token});
  const int64_t start = toMs(lease->deadline) - kLease.count();
  const int action = static_cast<int>(rng() % 100);
  if (mayAbandon && action < 10) return true;  // the consumer "crashed": the lease expires
  try {
    if (action < 20) {
      db.run([&](Transaction& tr) {
        tr.set(logKey, Tuple{start, toMs(q.extend(tr, lease->token, kLease))}.pack());
      });
    }
    db.run([&](Transaction& tr) {
      const int64_t end = wallMs();
      if (action >= 20 && action < 45) {
        (void)q.nack(tr, lease->token, milliseconds(rng() % 50));
      } else if (!q.ack(tr, lease->token)) {
        return;  // a retry of an ack that landed: counted once already
      } else {
        tr.atomicOp(MutationType::kAdd, kLog.pack(Tuple{"a", lease->item}),
                    std::string("\x01\0\0\0\0\0\0\0", 8));
      }
      tr.set(kLog.pack(Tuple{"e", lease->token}), Tuple{end}.pack());
    });
  } catch (const Error& e) {
    if (e.code() != static_cast<int>(ErrorCode::lease_lost)) throw;
  }
  return true;
}

TEST_F(WorkQueueFailoverTest, EveryItemIsAckedOnceOrDeadWhenTheLeaderIsKilled) {
  WorkQueueOptions options;
  options.contentionWindow = 4;
  const WorkQueue q(Subspace(Tuple{"jobs"}), options);
  q.create(db(), WorkQueueConfig{kMaxAttempts});
  std::atomic<int> pushed{0}, failures{0};
  std::atomic<bool> producing{true};
  std::vector<std::thread> producers, consumers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      std::mt19937_64 rng(static_cast<uint64_t>(p) * 31 + 7);
      for (int i = 0; i < kItemsPerProducer; ++i) {
        WorkPushOptions o;
        o.delay = milliseconds(rng() % 200);
        o.priority = static_cast<int64_t>(rng() % 3);
        o.pushId = "item-" + std::to_string(p) + "-" + std::to_string(i);
        try {
          (void)q.push(db(), o.pushId, o);
          ++pushed;
        } catch (const Error& e) {
          ++failures;
          ADD_FAILURE() << "push failed: " << e.what();
        }
        std::this_thread::sleep_for(milliseconds(rng() % 30));
      }
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    consumers.emplace_back([&, c] {
      std::mt19937_64 rng(static_cast<uint64_t>(c) * 131 + 3);
      while (producing.load()) {
        try {
          if (!consumeOne(db(), q, rng, true)) std::this_thread::sleep_for(5ms);
        } catch (const Error& e) {
          ++failures;
          ADD_FAILURE() << "consumer failed: " << e.what();
        }
      }
    });
  }
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (pushed.load() < kProducers * kItemsPerProducer / 3 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_GT(killLeader(), 0);
  for (auto& t : producers) t.join();
  producing = false;
  for (auto& t : consumers) t.join();
  EXPECT_EQ(failures.load(), 0);

  std::mt19937_64 rng(99);
  const auto giveUp = std::chrono::steady_clock::now() + 120s;
  for (;;) {
    auto [queued, inFlight] =
        db().read([&](Transaction& tr) { return std::make_pair(q.size(tr), q.inFlight(tr)); });
    if (queued == 0 && inFlight == 0) break;
    ASSERT_LT(std::chrono::steady_clock::now(), giveUp)
        << queued << " queued, " << inFlight << " in flight left";
    if (!consumeOne(db(), q, rng, false)) std::this_thread::sleep_for(10ms);
  }

  testsupport::WorkQueueLog log =
      db().read([&](Transaction& tr) { return testsupport::readWorkQueueLog(tr, kLog, q); });
  EXPECT_EQ(log.deadAttempts.size(), log.deadLetters) << "an item is dead twice";
  for (int p = 0; p < kProducers; ++p) {
    for (int i = 0; i < kItemsPerProducer; ++i) {
      (void)testsupport::expectDeliveredOnceOrDead(
          log, "item-" + std::to_string(p) + "-" + std::to_string(i), kMaxAttempts);
    }
  }
}

}  // namespace
}  // namespace strata::layers
