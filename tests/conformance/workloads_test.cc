// Conformance: concurrency workloads in the style of FoundationDB's Cycle and bank tests, with 2,
// 4, 8 and 16 threads sharing one Database. Each run is bounded (a fixed number of transactions)
// and prints its seed; set STRATA_SEED=<n> to replay one. Zero violations are allowed.
//
//   cycle: N keys form a ring (key i holds the index of its successor). Each transaction reads
//          three links from a random node and swaps the order of the next two nodes. Any
//          serializable history keeps one ring of N; a lost update or a torn read breaks it.
//   bank:  accounts hold int64 balances; transactions move random amounts between two accounts
//          (read-check-write, or blind atomic ADDs). The total never changes; read-only auditors
//          check it throughout the run, and once at the end.
#include <atomic>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

STRATA_CONFORMANCE_SUITE(WorkloadsTest);

constexpr int kThreadCounts[] = {2, 4, 8, 16};
constexpr int kTransactionsPerRun = 480;  // split evenly among the threads

uint64_t workloadSeed() {
  if (const char* env = std::getenv("STRATA_SEED")) return std::strtoull(env, nullptr, 10);
  return std::random_device{}();
}

// Runs `work(threadIndex, rng)` on `threads` threads and `audit()` repeatedly on one more thread
// until they finish (and at least once afterwards).
void runConcurrently(int threads, uint64_t seed,
                     const std::function<void(int, std::mt19937_64&)>& work,
                     const std::function<void()>& audit) {
  std::atomic<bool> done{false};
  std::thread auditor([&] {
    while (!done.load()) audit();
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(seed * 1000003 + static_cast<uint64_t>(t));
      work(t, rng);
    });
  }
  for (auto& w : workers) w.join();
  done = true;
  auditor.join();
  audit();
}

// ---- cycle ------------------------------------------------------------------------------------

constexpr int kNodes = 100;

std::string nodeKey(int i) {
  std::string n = std::to_string(i);
  return "cycle/" + std::string(3 - n.size(), '0') + n;
}

// Returns: an empty string when `rows` is one ring through all kNodes nodes, else what is wrong.
std::string checkCycle(const std::vector<KeyValue>& rows) {
  if (rows.size() != static_cast<size_t>(kNodes)) {
    return "ring has " + std::to_string(rows.size()) + " nodes";
  }
  std::vector<int> next(kNodes);
  for (int i = 0; i < kNodes; ++i) {
    if (rows[i].key != nodeKey(i)) return "unexpected key " + printable(rows[i].key);
    next[i] = std::stoi(rows[i].value);
    if (next[i] < 0 || next[i] >= kNodes) return "bad link " + rows[i].value;
  }
  int at = 0;
  for (int step = 1; step <= kNodes; ++step) {
    at = next[at];
    if (at == 0 && step != kNodes) return "ring closes after " + std::to_string(step) + " nodes";
  }
  if (at != 0) return "ring does not close after " + std::to_string(kNodes) + " nodes";
  return "";
}

TEST_P(WorkloadsTest, CycleKeepsOneRingUnderConcurrentSwaps) {
  uint64_t seed = workloadSeed();
  std::cout << "[ seed     ] STRATA_SEED=" << seed << "\n";
  SCOPED_TRACE("STRATA_SEED=" + std::to_string(seed));
  for (int threads : kThreadCounts) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    reopen({});
    db().run([](Transaction& tr) {
      for (int i = 0; i < kNodes; ++i) tr.set(nodeKey(i), std::to_string((i + 1) % kNodes));
    });
    std::atomic<int> errors{0}, tornReads{0}, audits{0}, auditViolations{0};
    std::string firstViolation;
    std::mutex mu;
    auto work = [&](int, std::mt19937_64& rng) {
      for (int n = 0; n < kTransactionsPerRun / threads; ++n) {
        int r = static_cast<int>(rng() % kNodes);
        try {
          db().run([&](Transaction& tr) {
            int r2 = std::stoi(tr.get(nodeKey(r)).value());
            int r3 = std::stoi(tr.get(nodeKey(r2)).value());
            int r4 = std::stoi(tr.get(nodeKey(r3)).value());
            if (r2 == r || r3 == r || r3 == r2) ++tornReads;  // impossible in a ring of 100
            tr.set(nodeKey(r), std::to_string(r3));
            tr.set(nodeKey(r3), std::to_string(r2));
            tr.set(nodeKey(r2), std::to_string(r4));
          });
        } catch (const std::exception&) {  // std::bad_optional_access from a missing node too
          ++errors;
        }
      }
    };
    auto audit = [&] {
      auto rows = db().read([](Transaction& tr) { return tr.getRangeAll("cycle/", "cycle0"); });
      ++audits;
      std::string problem = checkCycle(rows);
      if (!problem.empty()) {
        ++auditViolations;
        std::lock_guard lock(mu);
        if (firstViolation.empty()) firstViolation = problem;
      }
    };
    runConcurrently(threads, seed, work, audit);
    EXPECT_EQ(errors.load(), 0) << "transactions failed with a non-retryable error";
    EXPECT_EQ(tornReads.load(), 0) << "a transaction read an inconsistent ring";
    EXPECT_EQ(auditViolations.load(), 0) << "first: " << firstViolation;
    EXPECT_GE(audits.load(), 1);
    EXPECT_EQ(checkCycle(readRange("cycle/", "cycle0")), "");
  }
}

// ---- bank -------------------------------------------------------------------------------------

constexpr int kAccounts = 20;
constexpr int64_t kInitialBalance = 1000;

std::string accountKey(int i) {
  std::string n = std::to_string(i);
  return "bank/" + std::string(2 - n.size(), '0') + n;
}

TEST_P(WorkloadsTest, BankTransfersNeverChangeTheTotal) {
  uint64_t seed = workloadSeed();
  std::cout << "[ seed     ] STRATA_SEED=" << seed << "\n";
  SCOPED_TRACE("STRATA_SEED=" + std::to_string(seed));
  const int64_t total = kAccounts * kInitialBalance;
  for (int threads : kThreadCounts) {
    SCOPED_TRACE(std::to_string(threads) + " threads");
    reopen({});
    db().run([](Transaction& tr) {
      for (int i = 0; i < kAccounts; ++i) tr.set(accountKey(i), int64Le(kInitialBalance));
    });
    std::atomic<int> errors{0}, audits{0}, violations{0};
    std::atomic<int64_t> lastBadTotal{0};
    auto work = [&](int, std::mt19937_64& rng) {
      for (int n = 0; n < kTransactionsPerRun / threads; ++n) {
        int from = static_cast<int>(rng() % kAccounts);
        int to = static_cast<int>((from + 1 + rng() % (kAccounts - 1)) % kAccounts);
        int64_t amount = 1 + static_cast<int64_t>(rng() % 100);
        bool blind = rng() % 2 == 0;
        try {
          db().run([&](Transaction& tr) {
            if (blind) {
              tr.atomicOp(MutationType::kAdd, accountKey(from), int64Le(-amount));
              tr.atomicOp(MutationType::kAdd, accountKey(to), int64Le(amount));
              return;
            }
            int64_t a = fromInt64Le(tr.get(accountKey(from)).value());
            int64_t b = fromInt64Le(tr.get(accountKey(to)).value());
            if (a < amount) return;  // insufficient funds: commit nothing
            tr.set(accountKey(from), int64Le(a - amount));
            tr.set(accountKey(to), int64Le(b + amount));
          });
        } catch (const std::exception&) {
          ++errors;
        }
      }
    };
    auto audit = [&] {
      auto rows = db().read([](Transaction& tr) { return tr.getRangeAll("bank/", "bank0"); });
      ++audits;
      int64_t sum = 0;
      for (const auto& kv : rows) sum += fromInt64Le(kv.value);
      if (sum != total || rows.size() != static_cast<size_t>(kAccounts)) {
        ++violations;
        lastBadTotal = sum;
      }
    };
    runConcurrently(threads, seed, work, audit);
    EXPECT_EQ(errors.load(), 0) << "transfers failed with a non-retryable error";
    EXPECT_EQ(violations.load(), 0)
        << "an auditor saw total " << lastBadTotal.load() << " instead of " << total;
    EXPECT_GE(audits.load(), 1);
    int64_t sum = 0;
    auto rows = readRange("bank/", "bank0");
    for (const auto& kv : rows) sum += fromInt64Le(kv.value);
    EXPECT_EQ(rows.size(), static_cast<size_t>(kAccounts));
    EXPECT_EQ(sum, total);
  }
}

}  // namespace
}  // namespace strata::conformance
