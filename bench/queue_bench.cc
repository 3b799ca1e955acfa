// Queue layer under contention: 4 producer and 4 consumer threads on one queue, one transaction
// per push or pop (retried on conflict), in the single-client pop mode (the baseline: every pop
// conflicts on the head) beside the high-contention mode and the leased high-contention mode, in
// the same run on the same engine; then 2 producer + 2 consumer processes on the embedded engine.
// Reports items/s (popped), conflicts (not_committed retries) per pop, and checks that the multiset
// popped equals the multiset pushed (multiset_ok = 1), then prints the ratios.
// The work queue (layers/work_queue.h) runs the same shapes: leased jobs/s (lease, commit, ack)
// and plain pops with 4 consumer threads, and leased jobs/s with 2 consumer processes, each
// beside the Queue's high-contention pop of the same run; then the wake latency (p50/p99) of a
// blocked lease when a delayed item becomes due, beside the latency of one woken by a push.
//
//   build/release/bench/queue_bench                 (memory: and file:<temp dir>?nosync)
//   STRATA_QUEUE_BENCH_ITEMS=N ... (items per producer, default 2000)
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "strata/layers/queue.h"
#include "strata/layers/work_queue.h"

namespace {

using strata::Database;
using strata::Error;
using strata::Subspace;
using strata::Transaction;
using strata::Tuple;
using strata::layers::PopMode;
using strata::layers::Queue;
using strata::layers::QueueOptions;

int itemsPerProducer() {
  const char* n = std::getenv("STRATA_QUEUE_BENCH_ITEMS");
  return n ? std::max(1, std::atoi(n)) : 2000;
}

struct TempDb {
  std::string dir;
  std::string url;
  explicit TempDb(bool file) {
    if (!file) {
      url = "memory:";
      return;
    }
    dir = (std::filesystem::temp_directory_path() / "strata-queue-bench-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) std::abort();
    url = "file:" + dir + "/db?nosync";
  }
  ~TempDb() {
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

struct Outcome {
  double itemsPerSecond = 0;
  double conflictsPerPop = 0;
  bool multisetOk = false;
};

// Pops one item in its own transaction, counting conflicts. Returns: the item, or nullopt when
// the queue looked empty.
std::optional<std::string> popOnce(Database& db, const Queue& q, bool lease,
                                   std::atomic<int64_t>& conflicts) {
  Transaction tr = db.createTransaction();
  for (;;) {
    try {
      std::optional<std::string> item;
      std::string token;
      if (lease) {
        auto l = q.popWithLease(tr, std::chrono::seconds(60));
        if (l) {
          item = std::move(l->item);
          token = std::move(l->token);
        }
      } else {
        item = q.pop(tr);
      }
      if (!item) return std::nullopt;
      tr.commit();
      if (lease) q.ack(db, token);
      return item;
    } catch (const Error& e) {
      if (e.code() == 1020) ++conflicts;
      tr.onError(e);
    }
  }
}

std::string itemName(int producer, int i) { return fmt::format("{}:{}", producer, i); }

std::vector<std::string> expectedItems(int producers, int perProducer) {
  std::vector<std::string> out;
  for (int p = 0; p < producers; ++p) {
    for (int i = 0; i < perProducer; ++i) out.push_back(itemName(p, i));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Outcome runThreads(const std::string& url, PopMode mode, bool lease) {
  constexpr int kProducers = 4, kConsumers = 4;
  const int perProducer = itemsPerProducer();
  const int total = kProducers * perProducer;
  Database db = Database::open(url);
  QueueOptions options;
  options.mode = mode;
  Queue q(Subspace(Tuple{"bench", static_cast<int>(mode), lease}), options);
  q.clear(db);
  std::atomic<int> popped{0};
  std::atomic<int64_t> conflicts{0};
  std::mutex mu;
  std::vector<std::string> got;
  got.reserve(total);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < perProducer; ++i) q.push(db, itemName(p, i));
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      while (popped.load() < total) {
        std::optional<std::string> item = popOnce(db, q, lease, conflicts);
        if (!item) {
          std::this_thread::yield();
          continue;
        }
        ++popped;
        mine.push_back(std::move(*item));
      }
      std::lock_guard<std::mutex> lock(mu);
      got.insert(got.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(got.begin(), got.end());
  Outcome o;
  o.itemsPerSecond = total / seconds;
  o.conflictsPerPop = static_cast<double>(conflicts.load()) / total;
  o.multisetOk = got == expectedItems(kProducers, perProducer) && q.empty(db);
  return o;
}

// 2 producer and 2 consumer processes on the embedded engine; consumers send what they pop
// through pipes; the pop counter and conflict counter live in shared memory.
Outcome runProcesses(const std::string& url, PopMode mode) {
  constexpr int kProducers = 2, kConsumers = 2;
  const int perProducer = itemsPerProducer();
  const int total = kProducers * perProducer;
  QueueOptions options;
  options.mode = mode;
  const Subspace space(Tuple{"bench-proc", static_cast<int>(mode)});
  {
    Database db = Database::open(url);
    Queue(space, options).clear(db);
  }
  void* shared = mmap(nullptr, 2 * sizeof(std::atomic<int64_t>), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) std::abort();
  auto* popped = new (shared) std::atomic<int64_t>(0);
  auto* conflicts = new (static_cast<std::atomic<int64_t>*>(shared) + 1) std::atomic<int64_t>(0);
  auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> children;
  std::vector<int> readers;
  for (int p = 0; p < kProducers + kConsumers; ++p) {
    int fds[2];
    if (pipe(fds) != 0) std::abort();
    pid_t pid = fork();
    if (pid < 0) std::abort();
    if (pid == 0) {
      close(fds[0]);
      Database db = Database::open(url);
      Queue q(space, options);
      if (p < kProducers) {
        for (int i = 0; i < perProducer; ++i) q.push(db, itemName(p, i));
      } else {
        std::atomic<int64_t> localConflicts{0};
        std::string out;
        while (popped->load() < total) {
          std::optional<std::string> item = popOnce(db, q, false, localConflicts);
          if (!item) {
            std::this_thread::yield();
            continue;
          }
          ++*popped;
          out += *item + "\n";
        }
        *conflicts += localConflicts.load();
        for (size_t off = 0; off < out.size();) {
          ssize_t n = write(fds[1], out.data() + off, out.size() - off);
          if (n <= 0) _exit(2);
          off += static_cast<size_t>(n);
        }
      }
      close(fds[1]);
      _exit(0);
    }
    close(fds[1]);
    children.push_back(pid);
    readers.push_back(fds[0]);
  }
  std::vector<std::string> got;
  for (int fd : readers) {
    std::string text;
    char buf[65536];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    close(fd);
    for (size_t at = 0; at < text.size();) {
      size_t nl = text.find('\n', at);
      got.push_back(text.substr(at, nl - at));
      at = nl + 1;
    }
  }
  bool childrenOk = true;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    childrenOk = childrenOk && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(got.begin(), got.end());
  Outcome o;
  o.itemsPerSecond = total / seconds;
  o.conflictsPerPop = static_cast<double>(conflicts->load()) / total;
  Database db = Database::open(url);
  o.multisetOk = childrenOk && got == expectedItems(kProducers, perProducer) &&
                 Queue(space, options).empty(db);
  munmap(shared, 2 * sizeof(std::atomic<int64_t>));
  return o;
}

// ---- work queue ----

void report(benchmark::State& state, const std::string& name, const Outcome& o);

using strata::layers::WorkPushOptions;
using strata::layers::WorkQueue;
using strata::layers::WorkQueueOptions;

WorkQueue workQueue(const Subspace& space) {
  WorkQueueOptions options;
  options.contentionWindow = 16;
  return WorkQueue(space, options);
}

// Takes one item in its own transaction (a lease then an ack, or a plain pop), counting conflicts.
std::optional<std::string> takeOnce(Database& db, const WorkQueue& q, bool lease,
                                    std::atomic<int64_t>& conflicts) {
  Transaction tr = db.createTransaction();
  for (;;) {
    try {
      std::optional<std::string> item;
      std::string token;
      if (lease) {
        auto l = q.lease(tr, std::chrono::seconds(60));
        if (l) {
          item = std::move(l->item);
          token = std::move(l->token);
        }
      } else {
        item = q.pop(tr);
      }
      if (!item) return std::nullopt;
      tr.commit();
      if (lease) (void)q.ack(db, token);
      return item;
    } catch (const Error& e) {
      if (e.code() == 1020) ++conflicts;
      tr.onError(e);
    }
  }
}

bool workQueueEmpty(Database& db, const WorkQueue& q) {
  return db.read([&](Transaction& tr) { return q.size(tr) + q.inFlight(tr) == 0; });
}

Outcome runWorkThreads(const std::string& url, bool lease) {
  constexpr int kProducers = 4, kConsumers = 4;
  const int perProducer = itemsPerProducer();
  const int total = kProducers * perProducer;
  Database db = Database::open(url);
  WorkQueue q = workQueue(Subspace(Tuple{"bench-work", lease}));
  db.run([&](Transaction& tr) { q.clear(tr); });
  std::atomic<int> popped{0};
  std::atomic<int64_t> conflicts{0};
  std::mutex mu;
  std::vector<std::string> got;
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < perProducer; ++i) (void)q.push(db, itemName(p, i));
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      while (popped.load() < total) {
        std::optional<std::string> item = takeOnce(db, q, lease, conflicts);
        if (!item) {
          std::this_thread::yield();
          continue;
        }
        ++popped;
        mine.push_back(std::move(*item));
      }
      std::lock_guard<std::mutex> lock(mu);
      got.insert(got.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(got.begin(), got.end());
  Outcome o;
  o.itemsPerSecond = total / seconds;
  o.conflictsPerPop = static_cast<double>(conflicts.load()) / total;
  o.multisetOk = got == expectedItems(kProducers, perProducer) && workQueueEmpty(db, q);
  return o;
}

// 2 producer and 2 consumer processes leasing and acking on the embedded engine.
Outcome runWorkProcesses(const std::string& url) {
  constexpr int kProducers = 2, kConsumers = 2;
  const int perProducer = itemsPerProducer();
  const int total = kProducers * perProducer;
  const Subspace space(Tuple{"bench-work-proc"});
  {
    Database db = Database::open(url);
    db.run([&](Transaction& tr) { workQueue(space).clear(tr); });
  }
  void* shared = mmap(nullptr, 2 * sizeof(std::atomic<int64_t>), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) std::abort();
  auto* popped = new (shared) std::atomic<int64_t>(0);
  auto* conflicts = new (static_cast<std::atomic<int64_t>*>(shared) + 1) std::atomic<int64_t>(0);
  auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> children;
  std::vector<int> readers;
  for (int p = 0; p < kProducers + kConsumers; ++p) {
    int fds[2];
    if (pipe(fds) != 0) std::abort();
    pid_t pid = fork();
    if (pid < 0) std::abort();
    if (pid == 0) {
      close(fds[0]);
      Database db = Database::open(url);
      WorkQueue q = workQueue(space);
      if (p < kProducers) {
        for (int i = 0; i < perProducer; ++i) (void)q.push(db, itemName(p, i));
      } else {
        std::atomic<int64_t> localConflicts{0};
        std::string out;
        while (popped->load() < total) {
          std::optional<std::string> item = takeOnce(db, q, true, localConflicts);
          if (!item) {
            std::this_thread::yield();
            continue;
          }
          ++*popped;
          out += *item + "\n";
        }
        *conflicts += localConflicts.load();
        for (size_t off = 0; off < out.size();) {
          ssize_t n = write(fds[1], out.data() + off, out.size() - off);
          if (n <= 0) _exit(2);
          off += static_cast<size_t>(n);
        }
      }
      close(fds[1]);
      _exit(0);
    }
    close(fds[1]);
    children.push_back(pid);
    readers.push_back(fds[0]);
  }
  std::vector<std::string> got;
  for (int fd : readers) {
    std::string text;
    char buf[65536];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    close(fd);
    for (size_t at = 0; at < text.size();) {
      size_t nl = text.find('\n', at);
      got.push_back(text.substr(at, nl - at));
      at = nl + 1;
    }
  }
  bool childrenOk = true;
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    childrenOk = childrenOk && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(got.begin(), got.end());
  Outcome o;
  o.itemsPerSecond = total / seconds;
  o.conflictsPerPop = static_cast<double>(conflicts->load()) / total;
  Database db = Database::open(url);
  WorkQueue q = workQueue(space);
  o.multisetOk =
      childrenOk && got == expectedItems(kProducers, perProducer) && workQueueEmpty(db, q);
  munmap(shared, 2 * sizeof(std::atomic<int64_t>));
  return o;
}

struct Latency {
  double p50Ms = 0, p99Ms = 0;
};

std::map<std::string, Latency>& latencies() {
  static std::map<std::string, Latency> l;
  return l;
}

// A thread blocks in lease(wait); the main thread pushes one item, delayed by `delay` (0 = wake by
// the push itself). Latency = when the lease returned - when the item became due (the push's
// start + delay, so it includes the push's commit).
Latency wakeLatency(const std::string& url, std::chrono::milliseconds delay, int rounds) {
  Database db = Database::open(url);
  WorkQueue q = workQueue(Subspace(Tuple{"bench-wake", static_cast<int>(delay.count())}));
  db.run([&](Transaction& tr) { q.clear(tr); });
  std::vector<double> samples;
  for (int r = 0; r < rounds; ++r) {
    std::atomic<bool> armed{false};
    std::chrono::system_clock::time_point woke;
    std::thread waiter([&] {
      armed = true;
      auto l = q.lease(db, std::chrono::seconds(60), std::chrono::seconds(30));
      woke = std::chrono::system_clock::now();
      if (!l) std::abort();
      (void)q.ack(db, l->token);
    });
    while (!armed.load()) std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let it block on its watch
    WorkPushOptions o;
    o.delay = delay;
    const auto due = std::chrono::system_clock::now() + delay;
    (void)q.push(db, "x", o);
    waiter.join();
    samples.push_back(std::chrono::duration<double, std::milli>(woke - due).count());
  }
  std::sort(samples.begin(), samples.end());
  Latency l;
  l.p50Ms = samples[samples.size() / 2];
  l.p99Ms = samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
  return l;
}

void BM_WorkThreads(benchmark::State& state, bool file, bool lease) {
  TempDb tmp(file);
  for (auto _ : state) {
    Outcome o = runWorkThreads(tmp.url, lease);
    state.SetIterationTime(itemsPerProducer() * 4 / o.itemsPerSecond);
    report(state, fmt::format("{}/work{}", file ? "file" : "memory", lease ? "+lease" : "-pop"), o);
  }
}

void BM_WorkProcesses(benchmark::State& state) {
  TempDb tmp(true);
  for (auto _ : state) {
    Outcome o = runWorkProcesses(tmp.url);
    state.SetIterationTime(itemsPerProducer() * 2 / o.itemsPerSecond);
    report(state, "proc/work+lease", o);
  }
}

void BM_WakeLatency(benchmark::State& state, bool file, int delayMs) {
  TempDb tmp(file);
  for (auto _ : state) {
    Latency l = wakeLatency(tmp.url, std::chrono::milliseconds(delayMs), 50);
    state.SetIterationTime(l.p50Ms / 1000);
    state.counters["p50_ms"] = l.p50Ms;
    state.counters["p99_ms"] = l.p99Ms;
    latencies()[fmt::format("{}/{}", file ? "file" : "memory", delayMs == 0 ? "push" : "due")] = l;
  }
}

std::map<std::string, Outcome>& results() {
  static std::map<std::string, Outcome> r;
  return r;
}

void report(benchmark::State& state, const std::string& name, const Outcome& o) {
  state.counters["items_per_s"] = o.itemsPerSecond;
  state.counters["conflicts_per_pop"] = o.conflictsPerPop;
  state.counters["multiset_ok"] = o.multisetOk ? 1 : 0;
  if (!o.multisetOk) state.SkipWithError("multiset popped != multiset pushed");
  results()[name] = o;
}

void BM_Threads(benchmark::State& state, bool file, PopMode mode, bool lease) {
  TempDb tmp(file);
  for (auto _ : state) {
    Outcome o = runThreads(tmp.url, mode, lease);
    state.SetIterationTime(itemsPerProducer() * 4 / o.itemsPerSecond);
    report(
        state,
        fmt::format("{}/{}{}", file ? "file" : "memory",
                    mode == PopMode::kSingleClient ? "single" : "contended", lease ? "+lease" : ""),
        o);
  }
}

void BM_Processes(benchmark::State& state, PopMode mode) {
  TempDb tmp(true);
  for (auto _ : state) {
    Outcome o = runProcesses(tmp.url, mode);
    state.SetIterationTime(itemsPerProducer() * 2 / o.itemsPerSecond);
    report(state, fmt::format("proc/{}", mode == PopMode::kSingleClient ? "single" : "contended"),
           o);
  }
}

BENCHMARK_CAPTURE(BM_Threads, memory_single, false, PopMode::kSingleClient, false)
    ->Iterations(1)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_Threads, memory_contended, false, PopMode::kHighContention, false)
    ->Iterations(1)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_Threads, memory_contended_lease, false, PopMode::kHighContention, true)
    ->Iterations(1)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_Threads, file_single, true, PopMode::kSingleClient, false)
    ->Iterations(1)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_Threads, file_contended, true, PopMode::kHighContention, false)
    ->Iterations(1)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_Threads, file_contended_lease, true, PopMode::kHighContention, true)
    ->Iterations(1)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_Processes, file_2x2_single, PopMode::kSingleClient)
    ->Iterations(1)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_Processes, file_2x2_contended, PopMode::kHighContention)
    ->Iterations(1)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_WorkThreads, memory_work_pop, false, false)->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_WorkThreads, memory_work_lease_ack, false, true)
    ->Iterations(1)
    ->UseManualTime();
BENCHMARK_CAPTURE(BM_WorkThreads, file_work_pop, true, false)->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_WorkThreads, file_work_lease_ack, true, true)->Iterations(1)->UseManualTime();
BENCHMARK(BM_WorkProcesses)->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_WakeLatency, memory_woken_by_push, false, 0)->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_WakeLatency, memory_woken_when_due, false, 50)->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_WakeLatency, file_woken_by_push, true, 0)->Iterations(1)->UseManualTime();
BENCHMARK_CAPTURE(BM_WakeLatency, file_woken_when_due, true, 50)->Iterations(1)->UseManualTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (const char* engine : {"memory", "file", "proc"}) {
    auto single = results().find(fmt::format("{}/single", engine));
    auto contended = results().find(fmt::format("{}/contended", engine));
    if (single == results().end() || contended == results().end()) continue;
    fmt::print(
        "{}: high-contention / single-client pops: {:.2f}x items/s; conflicts per pop {:.3f} vs "
        "{:.3f}\n",
        engine, contended->second.itemsPerSecond / single->second.itemsPerSecond,
        contended->second.conflictsPerPop, single->second.conflictsPerPop);
  }
  for (const char* engine : {"memory", "file", "proc"}) {
    auto base = results().find(fmt::format("{}/contended", engine));
    if (base == results().end()) continue;
    for (const char* kind : {"work-pop", "work+lease"}) {
      auto it = results().find(fmt::format("{}/{}", engine, kind));
      if (it == results().end()) continue;
      fmt::print(
          "{}: work queue {} / Queue high-contention pop: {:.2f}x items/s ({:.0f} vs {:.0f})\n",
          engine, kind, it->second.itemsPerSecond / base->second.itemsPerSecond,
          it->second.itemsPerSecond, base->second.itemsPerSecond);
    }
  }
  for (const char* engine : {"memory", "file"}) {
    auto push = latencies().find(fmt::format("{}/push", engine));
    auto due = latencies().find(fmt::format("{}/due", engine));
    if (push == latencies().end() || due == latencies().end()) continue;
    fmt::print(
        "{}: blocked lease woken when a delayed item is due: p50 {:.2f} ms, p99 {:.2f} ms; woken "
        "by a push: p50 {:.2f} ms, p99 {:.2f} ms ({:.2f}x at p50)\n",
        engine, due->second.p50Ms, due->second.p99Ms, push->second.p50Ms, push->second.p99Ms,
        due->second.p50Ms / std::max(push->second.p50Ms, 1e-3));
  }
  return 0;
}
