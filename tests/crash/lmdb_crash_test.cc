// Kill -9 harness for the embedded engine: a child process commits transactions from several
// threads and reports each acknowledged commit through a pipe; the parent kills it with SIGKILL
// at a random moment, reopens the database and checks that every acknowledged commit is present
// and that no transaction is partly applied. 20 cycles by default; STRATA_CRASH_CYCLES=N for more.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engines/lmdb/lmdb_engine.h"
#include "engines/lmdb_test_util.h"

namespace strata::kv {
namespace {

using testing::TempDir;

std::string le64(int64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}
int64_t fromLe64(const std::string& s) {
  int64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(s[static_cast<size_t>(i)]);
  return v;
}

std::string txnKey(int64_t id, char part) {
  char buf[40];
  snprintf(buf, sizeof buf, "txn/%016lld/%c", static_cast<long long>(id), part);
  return buf;
}

// The child: commits forever from several threads; writes each acknowledged id to `ackFd`.
[[noreturn]] void commitForever(const std::string& path, int64_t firstId, int ackFd) {
  LmdbEngineOptions options;
  options.path = path;
  options.initialMapSize = 1 << 20;  // small, so crashes also hit map growth
  auto engine = makeLmdbEngine(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0;; ++i) {
        int64_t id = firstId + t * 100'000'000LL + i;
        CommitRequest req;
        std::string payload(static_cast<size_t>(i % 7) * 300, 'p');
        for (char part : {'a', 'b', 'c'}) {
          req.mutations.push_back({MutationType::kSetValue, txnKey(id, part), payload + le64(id)});
          req.writeConflicts.push_back({txnKey(id, part), txnKey(id, part) + '\0'});
        }
        req.mutations.push_back({MutationType::kAdd, "count", le64(1)});
        req.writeConflicts.push_back({"count", std::string("count") + '\0'});
        (void)engine->commit(std::move(req));
        if (write(ackFd, &id, sizeof id) != sizeof id) _exit(3);
      }
    });
  }
  for (auto& th : threads) th.join();
  _exit(0);
}

int cycles() {
  const char* env = std::getenv("STRATA_CRASH_CYCLES");
  int n = env != nullptr ? std::atoi(env) : 0;
  return n > 0 ? n : 20;
}

TEST(LmdbCrashTest, EveryAcknowledgedCommitSurvivesKillNineAndNoneIsPartial) {
  TempDir dir;
  std::mt19937 rng(std::random_device{}());
  std::set<int64_t> acknowledged;
  int64_t lastVersion = 0;
  const int n = cycles();
  for (int cycle = 0; cycle < n; ++cycle) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      commitForever(dir.path(), int64_t{cycle + 1} * 1'000'000'000LL, fds[1]);
    }
    close(fds[1]);
    // Wait for the first acknowledgement (so the child is committing), then a random while.
    int64_t id;
    ASSERT_EQ(read(fds[0], &id, sizeof id), static_cast<ssize_t>(sizeof id)) << "cycle " << cycle;
    acknowledged.insert(id);
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 150'000));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "cycle " << cycle << " status " << status;
    for (ssize_t got; (got = read(fds[0], &id, sizeof id)) == sizeof id;) acknowledged.insert(id);
    close(fds[0]);

    // Reopen (recovering the writer lock and reader slots the child held) and check.
    auto engine = testing::openAt(dir.path());
    auto view = engine->beginRead();
    ASSERT_GT(view->version(), lastVersion);
    lastVersion = view->version();
    std::set<int64_t> present;
    std::map<int64_t, int> parts;
    std::string from = "txn/";
    for (;;) {
      auto chunk = view->getRange(from, "txn0", 10000, false);
      for (const auto& kv : chunk.kvs) {
        int64_t owner = std::stoll(kv.key.substr(4, 16));
        ASSERT_EQ(fromLe64(kv.value.substr(kv.value.size() - 8)), owner) << kv.key;
        ++parts[owner];
      }
      if (!chunk.more) break;
      from = chunk.kvs.back().key + '\0';
    }
    for (const auto& [owner, count] : parts) {
      ASSERT_EQ(count, 3) << "transaction " << owner << " partly applied, cycle " << cycle;
      present.insert(owner);
    }
    for (int64_t acked : acknowledged) {
      ASSERT_TRUE(present.count(acked)) << "acknowledged " << acked << " lost, cycle " << cycle;
    }
    auto count = view->get("count");
    ASSERT_TRUE(count.has_value());
    ASSERT_EQ(fromLe64(*count), static_cast<int64_t>(present.size())) << "cycle " << cycle;
  }
  RecordProperty("acknowledged", static_cast<int>(acknowledged.size()));
  std::printf("%d cycles, %zu acknowledged commits checked\n", n, acknowledged.size());
}

}  // namespace
}  // namespace strata::kv
