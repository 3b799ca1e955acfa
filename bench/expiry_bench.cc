// Expiry sweep keys/s (layers/expiry.h) beside its baseline in the same run: a plain clearRange
// of the same keys in transactions of the same size (what deleting them costs without the
// deadline index and its per-key checks). Then a contended phase — two sweepers and a writer
// rewriting TTLs on the same keys — prints Database::stats(): conflicts and retries per prefix.
//
//   build/X/bench/expiry_bench [--benchmark_filter=...]    STRATA_BENCH_KEYS=N (default 20000)
//   STRATA_BENCH_URL=memory: to use the memory engine (default: a file: database in /tmp)
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "strata/kv.h"
#include "strata/layers/expiry.h"
#include "strata/tuple.h"

namespace {

using strata::layers::Expiry;
using strata::layers::ExpiryOptions;
using strata::layers::SweepOptions;

constexpr int kBatch = 1000;

int64_t keyCount() {
  const char* n = std::getenv("STRATA_BENCH_KEYS");
  return n ? std::atoll(n) : 20000;
}

struct Fixture {
  std::string dir;
  std::string url;
  std::unique_ptr<strata::Database> db;
  Fixture() {
    if (const char* u = std::getenv("STRATA_BENCH_URL")) {
      url = u;
    } else {
      std::string pattern = (std::filesystem::temp_directory_path() / "expiry-bench-XXXXXX");
      if (mkdtemp(pattern.data()) == nullptr) std::abort();
      dir = pattern;
      url = "file:" + dir + "/db?nosync";
    }
    db = std::make_unique<strata::Database>(strata::Database::open(url));
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

// A clock far in the future makes every key written with a 1 s TTL due at once.
std::atomic<int64_t> gNowMs{1'700'000'000'000};
ExpiryOptions fakeClock() {
  ExpiryOptions o;
  o.clock = [] { return std::chrono::system_clock::time_point(std::chrono::milliseconds(gNowMs)); };
  return o;
}

std::string keyOf(int64_t i) { return strata::Tuple{"bench-ttl", i}.pack(); }

std::map<std::string, double> gRates;

void BM_ExpirySweep(benchmark::State& state) {
  strata::Database& db = *fixture().db;
  Expiry expiry(strata::Subspace(strata::Tuple{"bench-expiry"}), fakeClock());
  const int64_t n = keyCount();
  double seconds = 0;
  int64_t swept = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int64_t i = 0; i < n; i += kBatch) {
      db.run([&](strata::Transaction& tr) {
        for (int64_t j = i; j < std::min(n, i + kBatch); ++j) {
          expiry.set(tr, keyOf(j), "value-0123456789", std::chrono::seconds(1));
        }
      });
    }
    gNowMs += 2000;
    state.ResumeTiming();
    auto start = std::chrono::steady_clock::now();
    SweepOptions options;
    options.batch = kBatch;
    swept += expiry.sweep(db, options);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  if (swept != n * static_cast<int64_t>(state.iterations())) state.SkipWithError("missed keys");
  state.counters["keys/s"] = benchmark::Counter(static_cast<double>(swept) / seconds);
  gRates["sweep"] = static_cast<double>(swept) / seconds;
}

void BM_ClearRangeBaseline(benchmark::State& state) {
  strata::Database& db = *fixture().db;
  const int64_t n = keyCount();
  double seconds = 0;
  int64_t cleared = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (int64_t i = 0; i < n; i += kBatch) {
      db.run([&](strata::Transaction& tr) {
        for (int64_t j = i; j < std::min(n, i + kBatch); ++j) tr.set(keyOf(j), "value-0123456789");
      });
    }
    state.ResumeTiming();
    auto start = std::chrono::steady_clock::now();
    // The same keys, deleted a batch per transaction: each batch found by a range read.
    for (;;) {
      int64_t got = db.run([&](strata::Transaction& tr) {
        strata::RangeOptions o;
        o.limit = kBatch;
        auto rows = tr.getRangeAll(keyOf(0), keyOf(n), o);
        if (!rows.empty()) tr.clearRange(rows.front().key, strata::keyAfter(rows.back().key));
        return static_cast<int64_t>(rows.size());
      });
      cleared += got;
      if (got < kBatch) break;
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  state.counters["keys/s"] = benchmark::Counter(static_cast<double>(cleared) / seconds);
  gRates["clearRange"] = static_cast<double>(cleared) / seconds;
}

BENCHMARK(BM_ExpirySweep)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ClearRangeBaseline)->Iterations(3)->UseRealTime()->Unit(benchmark::kMillisecond);

// Two sweepers and a TTL rewriter on the same 2,000 keys: prints Database::stats().
void contendedPhase() {
  strata::Database db = strata::Database::open(fixture().url);
  Expiry expiry(strata::Subspace(strata::Tuple{"bench-contended"}), fakeClock());
  constexpr int kKeys = 2000;
  for (int i = 0; i < kKeys; i += 500) {
    db.run([&](strata::Transaction& tr) {
      for (int j = i; j < i + 500; ++j) expiry.set(tr, keyOf(j), "v", std::chrono::seconds(1));
    });
  }
  gNowMs += 2000;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop; i = (i + 7) % kKeys) {
      db.run(
          [&](strata::Transaction& tr) { expiry.set(tr, keyOf(i), "w", std::chrono::hours(1)); });
    }
  });
  SweepOptions small;
  small.batch = 50;
  std::thread sweeper([&] { (void)expiry.sweep(db, small); });
  (void)expiry.sweep(db, small);
  sweeper.join();
  stop = true;
  writer.join();
  strata::DatabaseStats s = db.stats();
  fmt::print("\nDatabase::stats() after 2 sweepers + 1 TTL rewriter on {} keys:\n", kKeys);
  fmt::print("  commits {}  conflicts {}  retries {}  commit_unknown_result {}\n", s.commits,
             s.conflicts, s.retries, s.unknownResults);
  for (const auto& p : s.prefixes) {
    fmt::print("  prefix {:24} conflicts {:6}  retries {:6}\n", strata::printable(p.prefix),
               p.conflicts, p.retries);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fmt::print("\n{} keys, batches of {} ({}):\n", keyCount(), kBatch, fixture().url);
  if (gRates.count("sweep") && gRates.count("clearRange")) {
    fmt::print("  expiry sweep      {:10.0f} keys/s\n", gRates["sweep"]);
    fmt::print("  clearRange        {:10.0f} keys/s\n", gRates["clearRange"]);
    fmt::print("  ratio sweep / clearRange: {:.3f}\n", gRates["sweep"] / gRates["clearRange"]);
  }
  contendedPhase();
  return 0;
}
