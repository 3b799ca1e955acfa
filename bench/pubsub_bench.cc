// PubSub layer: posting throughput with 4 posting threads and 32 inboxes subscribed to every feed,
// beside the original's design in the same run (ids drawn from a shared read-then-write counter
// and the post fanned out to every subscriber's inbox); and post-to-wake latency p50/p99 for a
// subscriber blocked in wait() (a watch), in a thread and in a separate process, beside a
// subscriber polling every 10 ms.
//
//   build/release/bench/pubsub_bench                         (embedded engine, temp dir)
//   STRATA_BENCH_URL=memory: build/release/bench/pubsub_bench  (no separate-process case)
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "strata/layers/pubsub.h"

extern char** environ;

namespace {

using strata::Database;
using strata::Transaction;
using strata::Tuple;
using strata::layers::PubSub;

constexpr int kPosters = 4;
constexpr int kInboxes = 32;
constexpr int kFeeds = 4;
const std::string kBody(100, 'm');

std::string gSelf;  // this executable, for the separate-process waiter

struct Fixture {
  std::string dir;
  std::string url;
  std::optional<Database> db;
  Fixture() {
    const char* env = std::getenv("STRATA_BENCH_URL");
    if (env != nullptr) {
      url = env;
    } else {
      dir = (std::filesystem::temp_directory_path() / "strata-pubsub-bench-XXXXXX").string();
      if (mkdtemp(dir.data()) == nullptr) std::abort();
      url = "file:" + dir + "/db";
    }
    db.emplace(Database::open(url));
  }
  ~Fixture() {
    db.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

PubSub& pubsub() {
  static PubSub ps(strata::Subspace(Tuple{"bench-pubsub"}));
  static bool ready = [] {
    Database& db = *fixture().db;
    for (int f = 0; f < kFeeds; ++f) ps.createFeed(db, "feed" + std::to_string(f));
    for (int i = 0; i < kInboxes; ++i) {
      ps.createInbox(db, "inbox" + std::to_string(i));
      for (int f = 0; f < kFeeds; ++f) {
        ps.subscribe(db, "inbox" + std::to_string(i), "feed" + std::to_string(f));
      }
    }
    return true;
  }();
  (void)ready;
  return ps;
}

// Empties the feeds (retention) and the inboxes the latency cases use.
void drain() {
  PubSub& ps = pubsub();
  Database& db = *fixture().db;
  for (int f = 0; f < kFeeds; ++f) (void)ps.trimToCount(db, "feed" + std::to_string(f), 0);
  for (int i = 0; i < 3; ++i) (void)ps.read(db, "inbox" + std::to_string(i));
}

std::atomic<int64_t> gConflicts{0};

template <class Body>
void runCounting(Database& db, Body&& body) {
  Transaction tr = db.createTransaction();
  for (;;) {
    try {
      body(tr);
      tr.commit();
      return;
    } catch (const strata::Error& e) {
      if (e.errorCode() == strata::ErrorCode::not_committed) ++gConflicts;
      tr.onError(e);
    }
  }
}

void reportConflicts(benchmark::State& state, int64_t posts) {
  if (state.thread_index() == 0) {
    state.counters["conflicts/post"] = benchmark::Counter(
        static_cast<double>(gConflicts.exchange(0)) / std::max<int64_t>(posts, 1));
  }
}

// strata's post: versionstamped key, no read conflicts, no fan-out.
void BM_PostVersionstamped(benchmark::State& state) {
  PubSub& ps = pubsub();
  Database& db = *fixture().db;
  std::string feed = "feed" + std::to_string(state.thread_index() % kFeeds);
  for (auto _ : state) {
    runCounting(db, [&](Transaction& tr) { (void)ps.post(tr, feed, kBody); });
  }
  state.SetItemsProcessed(state.iterations());
  reportConflicts(state, state.iterations() * state.threads());
}
BENCHMARK(BM_PostVersionstamped)->Threads(kPosters)->UseRealTime()->MinTime(2.0);

// The original's shape: the id from a shared counter (read, then write: posters conflict) and
// the post written into each of the 32 subscribers' inboxes.
void BM_PostOriginalFanOut(benchmark::State& state) {
  Database& db = *fixture().db;
  strata::Subspace space(Tuple{"bench-pubsub-original"});
  std::string counterKey = space.pack(Tuple{"seq"});
  for (auto _ : state) {
    runCounting(db, [&](Transaction& tr) {
      auto seq = tr.get(counterKey);
      int64_t next = seq ? std::stoll(*seq) + 1 : 1;
      tr.set(counterKey, std::to_string(next));
      tr.set(space.pack(Tuple{"msg", next}), kBody);
      for (int i = 0; i < kInboxes; ++i) tr.set(space.pack(Tuple{"inbox", i, next}), "");
    });
  }
  state.SetItemsProcessed(state.iterations());
  reportConflicts(state, state.iterations() * state.threads());
}
BENCHMARK(BM_PostOriginalFanOut)->Threads(kPosters)->UseRealTime()->MinTime(2.0);

using Clock = std::chrono::steady_clock;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

void reportLatencies(benchmark::State& state, std::vector<double> us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

// A subscriber thread: in wait() (watching) or polling read() every 10 ms. Each iteration posts
// one message and measures until the subscriber has read it.
void wakeLatency(benchmark::State& state, bool polling) {
  PubSub& ps = pubsub();
  Database& db = *fixture().db;
  const std::string inbox = polling ? "inbox1" : "inbox0";
  drain();
  std::mutex mu;
  std::condition_variable cv;
  int64_t wokeAt = 0;
  std::atomic<bool> stop{false};
  std::thread subscriber([&] {
    while (!stop) {
      if (polling) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      } else if (!ps.wait(db, inbox, std::chrono::milliseconds(200))) {
        continue;
      }
      if (ps.read(db, inbox).empty()) continue;
      std::lock_guard lock(mu);
      wokeAt = nowNs();
      cv.notify_all();
    }
  });
  std::vector<double> us;
  for (auto _ : state) {
    state.PauseTiming();
    std::this_thread::sleep_for(std::chrono::milliseconds(3));  // let the subscriber re-arm
    {
      std::lock_guard lock(mu);
      wokeAt = 0;
    }
    state.ResumeTiming();
    int64_t postedAt = nowNs();
    ps.post(db, "feed0", kBody);
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return wokeAt != 0; });
    us.push_back(static_cast<double>(wokeAt - postedAt) / 1000.0);
  }
  stop = true;
  subscriber.join();
  reportLatencies(state, std::move(us));
}

void BM_WakeLatencyWatchThread(benchmark::State& state) { wakeLatency(state, false); }
BENCHMARK(BM_WakeLatencyWatchThread)->Iterations(300)->UseRealTime()->Unit(benchmark::kMicrosecond);
void BM_WakeLatencyPolling10msThread(benchmark::State& state) { wakeLatency(state, true); }
BENCHMARK(BM_WakeLatencyPolling10msThread)
    ->Iterations(100)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// The separate-process subscriber: waits on inbox2 and prints the steady-clock time (ns, the
// same clock across processes on Linux) of each read that returned messages, until "stop".
int waiterMain(const std::string& url) {
  Database db = Database::open(url);
  PubSub ps(strata::Subspace(Tuple{"bench-pubsub"}));
  for (;;) {
    if (!ps.wait(db, "inbox2", std::chrono::seconds(30))) return 1;
    auto got = ps.read(db, "inbox2");
    if (got.empty()) continue;
    std::printf("%lld\n", static_cast<long long>(nowNs()));
    std::fflush(stdout);
    for (const auto& m : got) {
      if (m.body == "stop") return 0;
    }
  }
}

void BM_WakeLatencyWatchProcess(benchmark::State& state) {
  Fixture& fx = fixture();
  if (fx.dir.empty()) {
    state.SkipWithError("needs the embedded engine (no STRATA_BENCH_URL)");
    return;
  }
  PubSub& ps = pubsub();
  Database& db = *fx.db;
  drain();
  int fds[2];
  if (pipe(fds) != 0) std::abort();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  std::string flag = "--pubsub-waiter";
  std::vector<char*> argv{gSelf.data(), flag.data(), fx.url.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, gSelf.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    std::abort();
  }
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  FILE* in = fdopen(fds[0], "r");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let it open and arm
  std::vector<double> us;
  for (auto _ : state) {
    state.PauseTiming();
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    state.ResumeTiming();
    int64_t postedAt = nowNs();
    ps.post(db, "feed0", kBody);
    long long wokeAt = 0;
    if (std::fscanf(in, "%lld", &wokeAt) != 1) {
      state.SkipWithError("the waiter process stopped");
      break;
    }
    us.push_back(static_cast<double>(wokeAt - postedAt) / 1000.0);
  }
  ps.post(db, "feed0", "stop");
  long long ignored = 0;
  while (std::fscanf(in, "%lld", &ignored) == 1) {
  }
  fclose(in);
  int status = 0;
  waitpid(pid, &status, 0);
  reportLatencies(state, std::move(us));
}
BENCHMARK(BM_WakeLatencyWatchProcess)
    ->Iterations(300)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--pubsub-waiter") == 0) return waiterMain(argv[2]);
  gSelf = std::filesystem::canonical("/proc/self/exe").string();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
