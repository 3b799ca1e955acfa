// Transactions per second on the memory engine ("memory:"), each workload measured beside a
// std::map<std::string, std::string> under one std::mutex doing the same work, in the same run;
// a summary at the end prints strata's rate over the map's (docs/BENCHMARKS.md).
//
// Data: kKeyCount keys of 16 random bytes (first byte < 0xff: keys at or past "\xff" are system
// keys), values of 100 random bytes, loaded before any benchmark runs. Every operation picks a
// key uniformly from the loaded set, so writes overwrite and the key count stays fixed.
//
// Workloads, each with 1 and 2 threads (rates are totals over the threads, by wall time):
//   blind_write  one set() in its own committed transaction / map[key] = value
//   point_read   one get() in a new transaction (read-only, no commit) / find + copy
//   range_read   the 100 rows from a random key, one transaction / lower_bound + copy 100 rows
//   rmw          get, change the value, set, commit (retrying conflicts) / the same under the lock
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "strata/kv.h"

namespace {

constexpr int kKeyCount = 200'000;
constexpr int kKeySize = 16;
constexpr int kValueSize = 100;
constexpr int kRangeRows = 100;
constexpr int kLoadBatch = 1000;

struct Dataset {
  std::vector<std::string> keys;
  std::vector<std::string> values;
};

Dataset makeDataset() {
  std::mt19937_64 rng(20261126);
  Dataset d;
  d.keys.reserve(kKeyCount);
  d.values.reserve(kKeyCount);
  auto randomBytes = [&](int n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xff);
    return s;
  };
  for (int i = 0; i < kKeyCount; ++i) {
    std::string key = randomBytes(kKeySize);
    key[0] = static_cast<char>(rng() % 0xff);  // below "\xff"
    d.keys.push_back(std::move(key));
    d.values.push_back(randomBytes(kValueSize));
  }
  return d;
}

// The shared state, built once in main() before any benchmark runs.
struct World {
  Dataset data = makeDataset();
  strata::Database db = strata::Database::open("memory:");
  std::mutex mapMu;
  std::map<std::string, std::string> map;

  World() {
    for (int i = 0; i < kKeyCount; i += kLoadBatch) {
      db.run([&](strata::Transaction& tr) {
        for (int j = i; j < i + kLoadBatch && j < kKeyCount; ++j)
          tr.set(data.keys[j], data.values[j]);
      });
    }
    for (int i = 0; i < kKeyCount; ++i) map.emplace(data.keys[i], data.values[i]);
  }
};
World* world = nullptr;

// A per-thread uniform choice of key index.
class KeyPicker {
 public:
  explicit KeyPicker(const benchmark::State& state)
      : rng_(0x5eed + static_cast<uint64_t>(state.thread_index()) * 7919) {}
  const std::string& next() { return world->data.keys[dist_(rng_)]; }

 private:
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int> dist_{0, kKeyCount - 1};
};

// The value change of rmw: bump the first byte.
void modify(std::string& value) { value[0] = static_cast<char>(value[0] + 1); }

void finish(benchmark::State& state) { state.SetItemsProcessed(state.iterations()); }

// ---- blind_write -------------------------------------------------------------------------------

void strataBlindWrite(benchmark::State& state) {
  KeyPicker pick(state);
  const std::string& value = world->data.values[0];
  for (auto _ : state) {
    const std::string& key = pick.next();
    world->db.run([&](strata::Transaction& tr) { tr.set(key, value); });
  }
  finish(state);
}

void mapBlindWrite(benchmark::State& state) {
  KeyPicker pick(state);
  const std::string& value = world->data.values[0];
  for (auto _ : state) {
    const std::string& key = pick.next();
    std::lock_guard lock(world->mapMu);
    world->map[key] = value;
  }
  finish(state);
}

// ---- point_read --------------------------------------------------------------------------------

void strataPointRead(benchmark::State& state) {
  KeyPicker pick(state);
  for (auto _ : state) {
    const std::string& key = pick.next();
    std::optional<std::string> value =
        world->db.read([&](strata::Transaction& tr) { return tr.get(key); });
    if (!value || value->size() != kValueSize) state.SkipWithError("a loaded key read wrong");
    benchmark::DoNotOptimize(value);
  }
  finish(state);
}

void mapPointRead(benchmark::State& state) {
  KeyPicker pick(state);
  for (auto _ : state) {
    const std::string& key = pick.next();
    std::optional<std::string> value;
    {
      std::lock_guard lock(world->mapMu);
      auto it = world->map.find(key);
      if (it != world->map.end()) value = it->second;
    }
    if (!value || value->size() != kValueSize) state.SkipWithError("a loaded key read wrong");
    benchmark::DoNotOptimize(value);
  }
  finish(state);
}

// ---- range_read --------------------------------------------------------------------------------

void strataRangeRead(benchmark::State& state) {
  KeyPicker pick(state);
  int64_t rows = 0;
  strata::RangeOptions options;
  options.limit = kRangeRows;
  options.mode = strata::StreamingMode::kWantAll;
  for (auto _ : state) {
    const std::string& key = pick.next();
    std::vector<strata::KeyValue> got = world->db.read(
        [&](strata::Transaction& tr) { return tr.getRangeAll(key, "\xff", options); });
    rows += static_cast<int64_t>(got.size());
    benchmark::DoNotOptimize(got);
  }
  finish(state);
  state.counters["rows_per_read"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kAvgIterations);
}

void mapRangeRead(benchmark::State& state) {
  KeyPicker pick(state);
  int64_t rows = 0;
  for (auto _ : state) {
    const std::string& key = pick.next();
    std::vector<std::pair<std::string, std::string>> got;
    got.reserve(kRangeRows);
    {
      std::lock_guard lock(world->mapMu);
      for (auto it = world->map.lower_bound(key);
           it != world->map.end() && static_cast<int>(got.size()) < kRangeRows; ++it) {
        got.emplace_back(it->first, it->second);
      }
    }
    rows += static_cast<int64_t>(got.size());
    benchmark::DoNotOptimize(got);
  }
  finish(state);
  state.counters["rows_per_read"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kAvgIterations);
}

// ---- rmw ---------------------------------------------------------------------------------------

void strataReadModifyWrite(benchmark::State& state) {
  KeyPicker pick(state);
  int64_t conflicts = 0;
  int64_t otherRetries = 0;  // retryable errors other than conflicts (1007, 1009)
  strata::Transaction tr = world->db.createTransaction();
  for (auto _ : state) {
    const std::string& key = pick.next();
    tr.reset();
    for (;;) {
      try {
        std::string value = tr.get(key).value_or(std::string(kValueSize, '\0'));
        modify(value);
        tr.set(key, value);
        tr.commit();
        break;
      } catch (const strata::Error& e) {
        if (e.code() == static_cast<int>(strata::ErrorCode::not_committed)) {
          ++conflicts;
        } else {
          ++otherRetries;
        }
        tr.onError(e);
      }
    }
  }
  finish(state);
  state.counters["conflicts"] = static_cast<double>(conflicts);
  state.counters["other_retries"] = static_cast<double>(otherRetries);
}

void mapReadModifyWrite(benchmark::State& state) {
  KeyPicker pick(state);
  for (auto _ : state) {
    const std::string& key = pick.next();
    std::lock_guard lock(world->mapMu);
    auto it = world->map.find(key);
    std::string value = it->second;
    modify(value);
    it->second = value;
  }
  finish(state);
}

// ---- registration and the summary --------------------------------------------------------------

struct Workload {
  const char* name;
  void (*strata)(benchmark::State&);
  void (*map)(benchmark::State&);
};

constexpr Workload kWorkloads[] = {
    {"blind_write", strataBlindWrite, mapBlindWrite},
    {"point_read", strataPointRead, mapPointRead},
    {"range_read", strataRangeRead, mapRangeRead},
    {"rmw", strataReadModifyWrite, mapReadModifyWrite},
};

void registerAll() {
  for (const Workload& w : kWorkloads) {
    for (auto [impl, fn] : {std::pair{"strata", w.strata}, std::pair{"map", w.map}}) {
      benchmark::RegisterBenchmark((std::string(w.name) + "/" + impl).c_str(), fn)
          ->Threads(1)
          ->Threads(2)
          ->UseRealTime();
    }
  }
}

// The console output, plus items_per_second of every run kept for the summary.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  // Colour only on a terminal (a display reporter given to RunSpecifiedBenchmarks does not see
  // --benchmark_color).
  SummaryReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      // One figure per benchmark: the median of repetitions when there are several.
      bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      if (run.error_occurred || !(median || run.run_type == Run::RT_Iteration)) continue;
      auto it = run.counters.find("items_per_second");
      if (it == run.counters.end()) continue;
      const std::string& name = run.run_name.function_name;  // "<workload>/<impl>"
      auto slash = name.find('/');
      Cell& cell = rates_[{name.substr(0, slash), static_cast<int>(run.threads)}];
      Side& side = name.substr(slash + 1) == "strata" ? cell.strata : cell.map;
      if (median || !side.fromMedian) {
        side.rate = it->second.value;
        side.perCpuSecond = run.cpu_accumulated_time > 0
                                ? static_cast<double>(run.iterations) / run.cpu_accumulated_time
                                : 0;
      }
      side.fromMedian = side.fromMedian || median;
    }
  }

  void printSummary() const {
    std::printf(
        "\nsummary: strata transactions/s on memory: vs std::map + std::mutex operations/s\n"
        "(wall: per second of wall time, all threads; cpu: per CPU second, less sensitive to a "
        "busy machine)\n");
    std::printf("%-12s %7s %12s %12s %10s %12s %12s %10s\n", "workload", "threads", "strata/s",
                "map/s", "ratio", "strata/cpu-s", "map/cpu-s", "cpu ratio");
    for (const Workload& w : kWorkloads) {
      for (int threads : {1, 2}) {
        auto it = rates_.find({w.name, threads});
        if (it == rates_.end()) continue;
        const Cell& c = it->second;
        if (c.strata.rate <= 0 || c.map.rate <= 0) continue;  // one side filtered out or failed
        std::printf("%-12s %7d %12.0f %12.0f %10.3f %12.0f %12.0f %10.3f\n", w.name, threads,
                    c.strata.rate, c.map.rate, c.strata.rate / c.map.rate, c.strata.perCpuSecond,
                    c.map.perCpuSecond,
                    c.map.perCpuSecond > 0 ? c.strata.perCpuSecond / c.map.perCpuSecond : 0.0);
      }
    }
  }

 private:
  struct Side {
    double rate = 0;          // items_per_second: operations per second of wall time
    double perCpuSecond = 0;  // operations per CPU second (summed over threads)
    bool fromMedian = false;
  };
  struct Cell {
    Side strata;
    Side map;
  };
  std::map<std::pair<std::string, int>, Cell> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::fprintf(stderr, "loading %d keys (16-byte keys, 100-byte values)...\n", kKeyCount);
  World loaded;
  world = &loaded;
  registerAll();
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.printSummary();
  benchmark::Shutdown();
  world = nullptr;
  return 0;
}
