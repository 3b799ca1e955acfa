// Kill -9 harness for the work queue (include/strata/layers/work_queue.h) on the embedded engine:
// a producer process pushes items with random delays and priorities (idempotent push ids); 3
// consumer processes lease, ack, nack with random delays, extend, or overrun their leases; the
// parent SIGKILLs a random consumer (usually while it holds a lease) and starts another, for
// STRATA_CRASH_CYCLES cycles (20 by default). Every lease, ack and nack writes a log entry in the
// same transaction, so the log is exactly what committed. At the end the parent drains the queue
// and checks:
//   - every pushed item was acked exactly once, or is a dead letter with exactly maxAttempts
//     attempts, and nothing else is left (no item lost);
//   - each item's deliveries carry attempts 1, 2, ... once each, and a delivery starts only after
//     the previous one's lease ended (its deadline, or its ack / nack): no item was delivered
//     while another consumer's lease on it was live.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "strata/layers/work_queue.h"
#include "support/work_queue_log.h"

namespace strata::layers {
namespace {

using std::chrono::milliseconds;

constexpr int kItems = 240;
constexpr int kConsumers = 3;
constexpr int kMaxAttempts = 3;
constexpr auto kLease = milliseconds(120);

int cycles() {
  const char* env = std::getenv("STRATA_CRASH_CYCLES");
  int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : 20;
}

int64_t wallMs() {
  return std::chrono::duration_cast<milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t toMs(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count();
}

WorkQueue jobs() {
  WorkQueueOptions options;
  options.contentionWindow = 4;
  return WorkQueue(Subspace(Tuple{"jobs"}), options);
}

// The log, beside the queue:
//   ("log", "d", item, attempt, token) -> pack((startMs, deadlineMs))   a delivery
//   ("log", "e", token)                -> pack((endMs,))                its ack or nack
//   ("log", "a", item)                 -> int64 LE, ADD                 successful acks
const Subspace kLog(Tuple{"log"});

std::string one() { return std::string("\x01\0\0\0\0\0\0\0", 8); }

// One consumer step: lease an item and deal with it at random (ack, nack with a random delay,
// extend, or overrun the lease). Returns: false when nothing was deliverable.
bool consumeOne(Database& db, const WorkQueue& q, std::mt19937_64& rng, bool allowOverrun) {
  std::optional<WorkLease> lease = db.run([&](Transaction& tr) {
    std::optional<WorkLease> l = q.lease(tr, kLease);
    if (l) {
      const int64_t deadline = toMs(l->deadline);
      tr.set(kLog.pack(Tuple{"d", l->item, l->attempt, l->token}),
             Tuple{deadline - kLease.count(), deadline}.pack());
    }
    return l;
  });
  if (!lease) {
    std::this_thread::sleep_for(milliseconds(3));
    return false;
  }
  const std::string logKey = kLog.pack(Tuple{"d", lease->item, lease->attempt, lease->token});
  const int64_t start = toMs(lease->deadline) - kLease.count();
  const int action = static_cast<int>(rng() % 100);
  std::this_thread::sleep_for(milliseconds(rng() % 15));
  if (allowOverrun && action < 8) {
    std::this_thread::sleep_for(kLease + milliseconds(20));  // overruns: the lease expires
  } else if (action < 14) {
    try {
      db.run([&](Transaction& tr) {
        const int64_t deadline = toMs(q.extend(tr, lease->token, kLease));
        tr.set(logKey, Tuple{start, deadline}.pack());
      });
    } catch (const Error& e) {
      if (e.code() != static_cast<int>(ErrorCode::lease_lost)) throw;
      return true;
    }
  }
  try {
    db.run([&](Transaction& tr) {
      const int64_t end = wallMs();
      if (action >= 8 && action < 30) {
        (void)q.nack(tr, lease->token, milliseconds(rng() % 40));
      } else if (!q.ack(tr, lease->token)) {
        return;
      } else {
        tr.atomicOp(MutationType::kAdd, kLog.pack(Tuple{"a", lease->item}), one());
      }
      tr.set(kLog.pack(Tuple{"e", lease->token}), Tuple{end}.pack());
    });
  } catch (const Error& e) {
    if (e.code() != static_cast<int>(ErrorCode::lease_lost)) throw;
  }
  return true;
}

[[noreturn]] void consumeForever(const std::string& url, uint64_t seed) {
  try {
    Database db = Database::open(url);
    WorkQueue q = jobs();
    std::mt19937_64 rng(seed);
    for (;;) (void)consumeOne(db, q, rng, true);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer failed: %s\n", e.what());
    _exit(2);
  }
}

[[noreturn]] void produce(const std::string& url, uint64_t seed) {
  try {
    Database db = Database::open(url);
    WorkQueue q = jobs();
    q.create(db, WorkQueueConfig{kMaxAttempts});
    std::mt19937_64 rng(seed);
    for (int i = 0; i < kItems; ++i) {
      WorkPushOptions o;
      o.delay = milliseconds(rng() % 60);
      o.priority = static_cast<int64_t>(rng() % 3);
      o.pushId = "item-" + std::to_string(i);
      (void)q.push(db, o.pushId, o);
      std::this_thread::sleep_for(milliseconds(rng() % 8));
    }
    _exit(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "producer failed: %s\n", e.what());
    _exit(2);
  }
}

pid_t spawn(const std::function<void()>& child) {
  pid_t pid = fork();
  if (pid == 0) {
    child();
    _exit(3);
  }
  return pid;
}

// SIGKILLs and reaps every child still registered when it goes out of scope, so a failed
// assertion never leaves consumers running (they would also keep CTest's output pipe open).
class ChildReaper {
 public:
  ChildReaper() = default;
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;
  ~ChildReaper() {
    for (pid_t pid : pids_) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  pid_t add(pid_t pid) {
    if (pid > 0) pids_.insert(pid);
    return pid;
  }
  // Waits for `pid` (already killed or expected to exit). Returns: its wait status.
  int reap(pid_t pid) {
    int status = 0;
    waitpid(pid, &status, 0);
    pids_.erase(pid);
    return status;
  }

 private:
  std::set<pid_t> pids_;
};

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "strata-wq-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(WorkQueueCrashTest, EveryItemIsAckedOnceOrDeadAfterMaxAttemptsAndNeverLeasedTwiceAtOnce) {
  TempDir dir;
  const std::string url = "file:" + dir.path() + "/db?nosync";
  std::mt19937_64 rng(std::random_device{}());
  // The parent forks before it opens anything, so children never inherit a live engine.
  ChildReaper children;
  pid_t producer = children.add(spawn([&] { produce(url, rng()); }));
  ASSERT_GT(producer, 0);
  std::vector<pid_t> consumers;
  for (int i = 0; i < kConsumers; ++i)
    consumers.push_back(children.add(spawn([&] { consumeForever(url, rng()); })));
  const int n = cycles();
  int killed = 0;
  for (int cycle = 0; cycle < n; ++cycle) {
    std::this_thread::sleep_for(milliseconds(30 + rng() % 120));
    pid_t& victim = consumers[rng() % consumers.size()];
    kill(victim, SIGKILL);
    int status = children.reap(victim);
    ASSERT_TRUE(WIFSIGNALED(status)) << "a consumer exited by itself: status " << status;
    ++killed;
    victim = children.add(spawn([&] { consumeForever(url, rng()); }));
  }
  int status = children.reap(producer);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "producer status " << status;
  for (pid_t c : consumers) {
    kill(c, SIGKILL);  // holding leases, most likely
    status = children.reap(c);
    ASSERT_TRUE(WIFSIGNALED(status)) << "a consumer exited by itself: status " << status;
  }

  // Drain: lease until nothing is queued or in flight (killed consumers' leases expire).
  Database db = Database::open(url);
  WorkQueue q = jobs();
  const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    auto [queued, inFlight] =
        db.read([&](Transaction& tr) { return std::make_pair(q.size(tr), q.inFlight(tr)); });
    if (queued == 0 && inFlight == 0) break;
    ASSERT_LT(std::chrono::steady_clock::now(), giveUp)
        << queued << " queued, " << inFlight << " in flight left";
    (void)consumeOne(db, q, rng, false);
  }

  // Read the log and the dead letters.
  testsupport::WorkQueueLog log =
      db.read([&](Transaction& tr) { return testsupport::readWorkQueueLog(tr, kLog, q); });
  ASSERT_EQ(log.deadAttempts.size(), log.deadLetters) << "an item is dead twice";
  int ackedItems = 0;
  for (int i = 0; i < kItems; ++i) {
    if (testsupport::expectDeliveredOnceOrDead(log, "item-" + std::to_string(i), kMaxAttempts)) {
      ++ackedItems;
    }
  }
  WorkQueueStats s = q.stats(db);
  EXPECT_EQ(s.dead, static_cast<int64_t>(log.deadLetters));
  EXPECT_EQ(s.visible + s.delayed + s.inFlight, 0);
  EXPECT_EQ(static_cast<int>(log.deadLetters) + ackedItems, kItems);
  std::printf("%d cycles, %d consumers killed, %d items acked, %zu dead letters\n", n, killed,
              ackedItems, log.deadLetters);
}

}  // namespace
}  // namespace strata::layers
