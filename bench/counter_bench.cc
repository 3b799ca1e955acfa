// Counter layer under contention: 8 threads incrementing one counter, one transaction per
// increment with a retry loop, in each mode beside a naive get+set counter in the same run.
// Reports increments/s and conflicts (not_committed retries) per increment, then the ratios
// (target: atomic mode 0 conflicts and >= 10x the naive rate).
//
//   build/release/bench/counter_bench                         (embedded engine, temp dir)
//   STRATA_BENCH_URL=memory: build/release/bench/counter_bench
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "strata/layers/counter.h"

namespace {

using strata::layers::Counter;
using strata::layers::CounterMode;
using strata::layers::CounterOptions;

constexpr int kThreads = 8;

struct Fixture {
  std::string dir;
  std::optional<strata::Database> db;
  Fixture() {
    const char* url = std::getenv("STRATA_BENCH_URL");
    if (url != nullptr) {
      db.emplace(strata::Database::open(url));
      return;
    }
    dir = (std::filesystem::temp_directory_path() / "strata-counter-bench-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) std::abort();
    db.emplace(strata::Database::open("file:" + dir + "/db"));
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

struct Totals {
  int64_t increments = 0;
  int64_t conflicts = 0;
  double seconds = 0;
};
std::mutex gMu;
std::map<std::string, Totals> gTotals;

// Runs body(tr) and commits, retrying; returns the number of not_committed retries.
template <class Body>
int64_t incrementOnce(strata::Database& db, Body&& body) {
  strata::Transaction tr = db.createTransaction();
  int64_t conflicts = 0;
  for (;;) {
    try {
      body(tr);
      tr.commit();
      return conflicts;
    } catch (const strata::Error& e) {
      if (e.errorCode() == strata::ErrorCode::not_committed) ++conflicts;
      tr.onError(e);
    }
  }
}

template <class Body>
void runContended(benchmark::State& state, const std::string& name, Body&& body) {
  strata::Database& db = *fixture().db;
  int64_t conflicts = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) conflicts += incrementOnce(db, body);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  state.counters["increments/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["conflicts/inc"] =
      benchmark::Counter(static_cast<double>(conflicts) / static_cast<double>(state.iterations()),
                         benchmark::Counter::kAvgThreads);
  std::lock_guard lock(gMu);
  Totals& t = gTotals[name];
  t.increments += static_cast<int64_t>(state.iterations());
  t.conflicts += conflicts;
  t.seconds = std::max(t.seconds, seconds);
}

strata::Subspace space(const char* name) { return strata::Subspace(strata::Tuple{"bench", name}); }

void BM_NaiveGetSet(benchmark::State& state) {
  std::string key = space("naive").pack();
  runContended(state, "naive get+set", [&](strata::Transaction& tr) {
    auto v = tr.get(key);
    int64_t n = v ? std::stoll(*v) : 0;
    tr.set(key, std::to_string(n + 1));
  });
}

void BM_CounterAtomic(benchmark::State& state) {
  Counter c(space("atomic"));
  runContended(state, "atomic ADD", [&](strata::Transaction& tr) { c.add(tr, 1); });
}

void BM_CounterAtomic8Shards(benchmark::State& state) {
  CounterOptions o;
  o.shards = 8;
  Counter c(space("atomic8"), o);
  runContended(state, "atomic ADD, 8 shards", [&](strata::Transaction& tr) { c.add(tr, 1); });
}

void BM_CounterBlindShards(benchmark::State& state) {
  CounterOptions o;
  o.mode = CounterMode::kBlindShards;
  Counter c(space("blind"), o);
  // One coalesce per ten increments, folded into that increment's transaction (so a coalesce
  // conflict retries the increment too: a pessimistic figure for this mode).
  std::atomic<int64_t> n{0};
  runContended(state, "blind shards (+coalesce 1/10)", [&](strata::Transaction& tr) {
    c.add(tr, 1);
    if (n.fetch_add(1) % 10 == 9) (void)c.coalesce(tr);
  });
}

// Fixed iterations per thread, so each benchmark runs exactly once and the totals below are of
// that one run.
BENCHMARK(BM_NaiveGetSet)->Threads(kThreads)->Iterations(250)->UseRealTime();
BENCHMARK(BM_CounterAtomic)->Threads(kThreads)->Iterations(2000)->UseRealTime();
BENCHMARK(BM_CounterAtomic8Shards)->Threads(kThreads)->Iterations(2000)->UseRealTime();
BENCHMARK(BM_CounterBlindShards)->Threads(kThreads)->Iterations(2000)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  // Rates: every thread's increments over the slowest thread's time.
  auto rate = [](const Totals& t) {
    return t.seconds > 0 ? static_cast<double>(t.increments) / t.seconds : 0;
  };
  double naive = gTotals.contains("naive get+set") ? rate(gTotals["naive get+set"]) : 0;
  fmt::print("\n{} threads on one counter ({}):\n", kThreads,
             std::getenv("STRATA_BENCH_URL") ? std::getenv("STRATA_BENCH_URL") : "file:");
  for (const auto& [name, t] : gTotals) {
    fmt::print("  {:32} {:10.0f} increments/s  {:.3f} conflicts/increment  {:6.1f}x naive\n", name,
               rate(t), static_cast<double>(t.conflicts) / static_cast<double>(t.increments),
               naive > 0 ? rate(t) / naive : 0);
  }
  return 0;
}
