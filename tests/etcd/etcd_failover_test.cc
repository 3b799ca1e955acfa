// Fault tests of the etcd engine: each test starts its own 3-member cluster
// (scripts/etcd-cluster.sh), runs a concurrent workload, SIGKILLs the leader in the middle, lets
// the workload go on through the election, then checks that no acknowledged commit was lost, that
// the workload's invariant held, and that the killed member, restarted, catches up.
//   cycle + bank   ring swaps and balance transfers; the ring stays one ring, the total constant
//   queue          producers push versionstamped items, consumers pop them: nothing lost, nothing
//                  delivered twice (pushes are made idempotent for commit_unknown_result retries)
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "strata/kv/transaction.h"

namespace strata {
namespace {

using namespace std::chrono_literals;

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

bool eventually(const std::function<bool()>& condition, std::chrono::seconds timeout = 30s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

std::string int64Le(int64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
  return s;
}

class EtcdFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = "/dev/shm/strata-etcd-fault-" + std::to_string(getpid());
    env_ = "STRATA_ETCD_DIR=" + dir_ +
           " STRATA_ETCD_PORT=" + std::to_string(STRATA_ETCD_FAULT_PORT) + " ";
    endpoints_ = run(env_ + STRATA_ETCD_SCRIPT " stop >/dev/null 2>&1; " + env_ +
                     STRATA_ETCD_SCRIPT " start");
    ASSERT_NE(endpoints_.find("127.0.0.1:"), std::string::npos) << "cluster did not start";
    db_.emplace(Database::open("etcd://" + endpoints_ + "/?prefix=fault/"));
  }
  void TearDown() override {
    db_.reset();
    if (HasFailure()) {
      // The members' own logs say why one died or did not come back.
      std::printf("%s\n", run("tail -n 40 " + dir_ + "/m*.log 2>&1").c_str());
    }
    (void)run(env_ + STRATA_ETCD_SCRIPT " stop");
  }

  // SIGKILLs the current leader. Returns: its member number (1-based).
  int killLeader() {
    std::string leader = run(env_ + STRATA_ETCD_SCRIPT " leader");
    EXPECT_FALSE(leader.empty()) << "no leader found";
    if (leader.empty()) return 0;
    (void)run(env_ + STRATA_ETCD_SCRIPT " kill " + leader);
    return std::stoi(leader);
  }
  void restart(int member) {
    ASSERT_EQ(run(env_ + STRATA_ETCD_SCRIPT " restart " + std::to_string(member) +
                  " >/dev/null 2>&1; echo $?"),
              "0");
  }
  // A database reaching only member `member` (1-based).
  Database onlyMember(int member) {
    std::string e = endpoints_;
    for (int i = 1; i < member; ++i) e = e.substr(e.find(',') + 1);
    e = e.substr(0, e.find(','));
    return Database::open("etcd://" + e + "/?prefix=fault/");
  }
  Database& db() { return *db_; }

  std::string dir_, env_, endpoints_;
  std::optional<Database> db_;
};

std::string node(int i) { return "cycle/" + std::to_string(100 + i); }
std::string account(int i) { return "bank/" + std::to_string(10 + i); }
constexpr int kNodes = 30, kAccounts = 10;

TEST_F(EtcdFailoverTest, CycleAndBankLoseNoAcknowledgedCommitWhenTheLeaderIsKilled) {
  db().run([](Transaction& tr) {
    for (int i = 0; i < kNodes; ++i) tr.set(node(i), std::to_string((i + 1) % kNodes));
    for (int i = 0; i < kAccounts; ++i) tr.set(account(i), int64Le(1000));
  });
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, committed{0};
  std::mutex mu;
  std::vector<std::string> acked;
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) * 7919 + 1);
      for (int n = 0; !stop.load(); ++n) {
        std::string ack = "ack/" + std::to_string(t) + "/" + std::to_string(n);
        try {
          db().run([&](Transaction& tr) {
            if (n % 2 == 0) {
              int r = static_cast<int>(rng() % kNodes);
              int r2 = std::stoi(tr.get(node(r)).value());
              int r3 = std::stoi(tr.get(node(r2)).value());
              int r4 = std::stoi(tr.get(node(r3)).value());
              tr.set(node(r), std::to_string(r3));
              tr.set(node(r3), std::to_string(r2));
              tr.set(node(r2), std::to_string(r4));
            } else {
              int from = static_cast<int>(rng() % kAccounts),
                  to = static_cast<int>(rng() % kAccounts);
              tr.atomicOp(MutationType::kAdd, account(from), int64Le(-7));
              tr.atomicOp(MutationType::kAdd, account(to), int64Le(7));
            }
            tr.set(ack, "");
          });
          ++committed;
          std::lock_guard lock(mu);
          acked.push_back(ack);
        } catch (const Error& e) {
          ++failures;
          ADD_FAILURE() << "workload transaction failed: " << e.what();
        }
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return committed.load() >= 100; }));
  int killed = killLeader();
  int before = committed.load();
  // The workload goes on after the election.
  EXPECT_TRUE(eventually([&] { return committed.load() >= before + 200; }, 60s));
  stop = true;
  for (auto& w : workers) w.join();
  EXPECT_EQ(failures.load(), 0);

  auto check = [&](Database& d) {
    auto ring = d.read([](Transaction& tr) { return tr.getRangeAll("cycle/", "cycle0"); });
    EXPECT_EQ(ring.size(), static_cast<size_t>(kNodes));
    std::vector<int> next;
    for (auto& kv : ring) next.push_back(std::stoi(kv.value));
    int at = 0, steps = 0;
    do {
      at = next.at(static_cast<size_t>(at));
      ++steps;
    } while (at != 0 && steps <= kNodes);
    EXPECT_EQ(steps, kNodes) << "the ring was broken";
    auto accounts = d.read([](Transaction& tr) { return tr.getRangeAll("bank/", "bank0"); });
    int64_t total = 0;
    for (auto& kv : accounts) {
      uint64_t v = 0;
      for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(kv.value[i])} << (8 * i);
      total += static_cast<int64_t>(v);
    }
    EXPECT_EQ(total, 1000 * kAccounts) << "money was created or lost";
    auto acks = d.read([](Transaction& tr) { return tr.getRangeAll("ack/", "ack0"); });
    std::set<std::string> present;
    for (auto& kv : acks) present.insert(kv.key);
    for (auto& a : acked) EXPECT_TRUE(present.count(a)) << "acknowledged commit lost: " << a;
  };
  check(db());
  ASSERT_GT(killed, 0);
  ASSERT_NO_FATAL_FAILURE(restart(killed));
  Database restarted = onlyMember(killed);
  EXPECT_TRUE(eventually([&] {
    try {
      auto acks = restarted.read([](Transaction& tr) { return tr.getRangeAll("ack/", "ack0"); });
      return acks.size() >= acked.size();
    } catch (const Error&) {
      return false;
    }
  })) << "the restarted member did not catch up";
  check(restarted);
}

TEST_F(EtcdFailoverTest, AQueueNeitherLosesNorDuplicatesItemsWhenTheLeaderIsKilled) {
  constexpr int kProducers = 3, kConsumers = 3, kItems = 60;  // per producer
  std::atomic<int> pushed{0}, popped{0}, duplicates{0}, failures{0};
  std::atomic<bool> producing{true};
  auto push = [&](int p, int i) {
    std::string item = std::to_string(p) + "." + std::to_string(i);
    db().run([&](Transaction& tr) {
      if (tr.get("pushed/" + item)) return;  // a 1021 retry of a push that landed
      std::string key = "q/" + std::string(10, '\0') + std::string("\x02\x00\x00\x00", 4);
      tr.atomicOp(MutationType::kSetVersionstampedKey, key, item);
      tr.set("pushed/" + item, "");
    });
  };
  auto pop = [&]() -> bool {
    return db().run([&](Transaction& tr) -> bool {
      auto rows = tr.getRangeAll("q/", "q0", {.limit = 1});
      if (rows.empty()) return false;
      if (tr.get("consumed/" + rows[0].value)) ++duplicates;
      tr.clear(rows[0].key);
      tr.set("consumed/" + rows[0].value, "");
      return true;
    });
  };
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kItems; ++i) {
        try {
          push(p, i);
          ++pushed;
        } catch (const Error& e) {
          ++failures;
          ADD_FAILURE() << "push failed: " << e.what();
        }
      }
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      for (;;) {
        try {
          if (pop()) {
            ++popped;
          } else if (!producing.load()) {
            return;
          } else {
            std::this_thread::sleep_for(5ms);
          }
        } catch (const Error& e) {
          ++failures;
          ADD_FAILURE() << "pop failed: " << e.what();
        }
      }
    });
  }
  ASSERT_TRUE(eventually([&] { return pushed.load() >= 40; }, 60s));
  int killed = killLeader();
  for (int p = 0; p < kProducers; ++p) threads[static_cast<size_t>(p)].join();
  producing = false;
  for (size_t c = kProducers; c < threads.size(); ++c) threads[c].join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(duplicates.load(), 0) << "an item was delivered twice";
  auto left = db().read([](Transaction& tr) { return tr.getRangeAll("q/", "q0"); });
  EXPECT_TRUE(left.empty()) << left.size() << " items never consumed";
  auto pushedKeys = db().read([](Transaction& tr) { return tr.getRangeAll("pushed/", "pushed0"); });
  auto consumedKeys =
      db().read([](Transaction& tr) { return tr.getRangeAll("consumed/", "consumed0"); });
  EXPECT_EQ(pushedKeys.size(), static_cast<size_t>(kProducers * kItems));
  EXPECT_EQ(consumedKeys.size(), pushedKeys.size()) << "items lost";
  ASSERT_GT(killed, 0);
  ASSERT_NO_FATAL_FAILURE(restart(killed));
  Database restarted = onlyMember(killed);
  EXPECT_TRUE(eventually([&] {
    try {
      return restarted
                 .read([](Transaction& tr) { return tr.getRangeAll("consumed/", "consumed0"); })
                 .size() == consumedKeys.size();
    } catch (const Error&) {
      return false;
    }
  })) << "the restarted member did not catch up";
}

}  // namespace
}  // namespace strata
