// Queue layer under contention: 4 producer and 4 consumer threads on one queue, one transaction
// per push or pop (retried on conflict), in the single-client pop mode (the baseline: every pop
// conflicts on the head) beside the high-contention mode and the leased high-contention mode, in
// the same run on the same engine; then 2 producer + 2 consumer processes on the embedded engine.
// Reports items/s (popped), conflicts (not_committed retries) per pop, and checks that the multiset
// popped equals the multiset pushed (multiset_ok = 1), then prints the ratios.
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
  return 0;
}
