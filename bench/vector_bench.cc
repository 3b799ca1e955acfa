// layers::Vector push / get / set per second on the memory engine ("memory:"), each beside two
// baselines measured in the same run (docs/BENCHMARKS.md#vector):
//   kv          the raw kv call the operation boils down to, in its own transaction (a blind
//               set of a precomputed key for push and set; a get for get): the layer's overhead
//   std_vector  a std::vector<std::string> under a std::mutex doing the same thing
// Every operation is one committed (or, for get, one read-only) transaction. get and set pick
// a slot uniformly among kSlots preloaded ones; push appends to a vector of its own.
// A summary at the end prints vector/kv and vector/std_vector.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "strata/kv.h"
#include "strata/layers/vector.h"
#include "strata/subspace.h"
#include "strata/tuple.h"

namespace {

constexpr int64_t kSlots = 100'000;
constexpr int kValueSize = 100;
constexpr int kLoadBatch = 1000;

struct World {
  strata::Database db = strata::Database::open("memory:");
  strata::layers::Vector loaded{strata::Subspace(strata::Tuple{"bench", "loaded"})};
  std::vector<std::string> slotKeys;  // the loaded vector's keys, for the kv baseline
  std::string value = std::string(kValueSize, 'v');
  std::mutex mu;
  std::vector<std::string> plain;

  World() {
    for (int64_t i = 0; i < kSlots; i += kLoadBatch) {
      db.run([&](strata::Transaction& tr) {
        for (int64_t j = i; j < i + kLoadBatch && j < kSlots; ++j) loaded.set(tr, j, value);
      });
    }
    for (int64_t i = 0; i < kSlots; ++i) slotKeys.push_back(loaded.keyOf(i));
    plain.assign(kSlots, value);
  }
};
World* world = nullptr;

class SlotPicker {
 public:
  SlotPicker() : rng_(0x5eed) {}
  int64_t next() { return dist_(rng_); }

 private:
  std::mt19937_64 rng_;
  std::uniform_int_distribution<int64_t> dist_{0, kSlots - 1};
};

void finish(benchmark::State& state) { state.SetItemsProcessed(state.iterations()); }

// ---- push ------------------------------------------------------------------------------------

void vectorPush(benchmark::State& state) {
  strata::layers::Vector v(strata::Subspace(strata::Tuple{"bench", "push"}));
  v.clear(world->db);
  for (auto _ : state) benchmark::DoNotOptimize(v.push(world->db, world->value));
  finish(state);
}

void kvPush(benchmark::State& state) {
  strata::Subspace space(strata::Tuple{"bench", "kvpush"});
  int64_t next = 0;
  for (auto _ : state) {
    std::string key = space.pack(strata::Tuple{next++});
    world->db.run([&](strata::Transaction& tr) { tr.set(key, world->value); });
  }
  finish(state);
}

void stdVectorPush(benchmark::State& state) {
  std::vector<std::string> v;
  std::mutex mu;
  for (auto _ : state) {
    std::lock_guard lock(mu);
    v.push_back(world->value);
  }
  finish(state);
}

// ---- get -------------------------------------------------------------------------------------

void vectorGet(benchmark::State& state) {
  SlotPicker pick;
  for (auto _ : state) {
    std::string value = world->loaded.get(world->db, pick.next());
    if (value.size() != kValueSize) state.SkipWithError("a loaded slot read wrong");
    benchmark::DoNotOptimize(value);
  }
  finish(state);
}

void kvGet(benchmark::State& state) {
  SlotPicker pick;
  for (auto _ : state) {
    const std::string& key = world->slotKeys[static_cast<size_t>(pick.next())];
    auto value = world->db.read([&](strata::Transaction& tr) { return tr.get(key); });
    if (!value || value->size() != kValueSize) state.SkipWithError("a loaded key read wrong");
    benchmark::DoNotOptimize(value);
  }
  finish(state);
}

void stdVectorGet(benchmark::State& state) {
  SlotPicker pick;
  for (auto _ : state) {
    std::string value;
    {
      std::lock_guard lock(world->mu);
      value = world->plain[static_cast<size_t>(pick.next())];
    }
    benchmark::DoNotOptimize(value);
  }
  finish(state);
}

// ---- set -------------------------------------------------------------------------------------

void vectorSet(benchmark::State& state) {
  SlotPicker pick;
  for (auto _ : state) world->loaded.set(world->db, pick.next(), world->value);
  finish(state);
}

void kvSet(benchmark::State& state) {
  SlotPicker pick;
  for (auto _ : state) {
    const std::string& key = world->slotKeys[static_cast<size_t>(pick.next())];
    world->db.run([&](strata::Transaction& tr) { tr.set(key, world->value); });
  }
  finish(state);
}

void stdVectorSet(benchmark::State& state) {
  SlotPicker pick;
  for (auto _ : state) {
    std::lock_guard lock(world->mu);
    world->plain[static_cast<size_t>(pick.next())] = world->value;
  }
  finish(state);
}

// ---- registration and summary ----------------------------------------------------------------

struct Workload {
  const char* name;
  void (*vector)(benchmark::State&);
  void (*kv)(benchmark::State&);
  void (*plain)(benchmark::State&);
};

constexpr Workload kWorkloads[] = {
    {"push", vectorPush, kvPush, stdVectorPush},
    {"get", vectorGet, kvGet, stdVectorGet},
    {"set", vectorSet, kvSet, stdVectorSet},
};

class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred || run.run_type != Run::RT_Iteration) continue;
      auto it = run.counters.find("items_per_second");
      if (it != run.counters.end()) rates_[run.run_name.function_name] = it->second.value;
    }
  }
  void printSummary() const {
    std::printf("\nsummary: operations/s on memory:\n%-6s %12s %12s %14s %10s %16s\n", "op",
                "vector/s", "kv/s", "std_vector/s", "vector/kv", "vector/std_vector");
    for (const Workload& w : kWorkloads) {
      double v = rate(w.name, "vector"), kv = rate(w.name, "kv"), p = rate(w.name, "std_vector");
      if (v <= 0 || kv <= 0 || p <= 0) continue;
      std::printf("%-6s %12.0f %12.0f %14.0f %10.3f %16.5f\n", w.name, v, kv, p, v / kv, v / p);
    }
  }

 private:
  double rate(const std::string& op, const std::string& impl) const {
    auto it = rates_.find(op + "/" + impl);
    return it == rates_.end() ? 0 : it->second;
  }
  std::map<std::string, double> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::fprintf(stderr, "loading a vector of %lld slots of %d bytes...\n",
               static_cast<long long>(kSlots), kValueSize);
  World loaded;
  world = &loaded;
  for (const Workload& w : kWorkloads) {
    benchmark::RegisterBenchmark((std::string(w.name) + "/vector").c_str(), w.vector);
    benchmark::RegisterBenchmark((std::string(w.name) + "/kv").c_str(), w.kv);
    benchmark::RegisterBenchmark((std::string(w.name) + "/std_vector").c_str(), w.plain);
  }
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.printSummary();
  benchmark::Shutdown();
  world = nullptr;
  return 0;
}
