// layers::StringIntern lookups and interns per second on the memory engine ("memory:"), cached
// and uncached, beside a plain std::unordered_map doing the same lookups in the same run
// (docs/BENCHMARKS.md#string-interning).
//   lookup/cached        lookup(db, id), every mapping in the cache (no database access)
//   lookup/uncached      lookup(db, id) with the cache disabled (one read-only transaction)
//   lookup/unordered_map id -> string find + copy, no lock
//   intern/cached        intern(db, s) of a known string, cache hit
//   intern/uncached      intern(db, s) of a known string, cache disabled (a committed-view
//                        chain read + one "U" read, then a read-only commit)
//   intern/unordered_map string -> id find + copy
// kStrings strings of 20-60 bytes, interned before the benchmarks run; each operation picks one
// uniformly. A summary prints each rate over the unordered_map's.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "strata/kv.h"
#include "strata/layers/intern.h"
#include "strata/subspace.h"
#include "strata/tuple.h"

namespace {

constexpr int kStrings = 10'000;

struct World {
  strata::Database db = strata::Database::open("memory:");
  strata::Subspace space{strata::Tuple{"bench", "intern"}};
  strata::layers::StringIntern cached{space, {.cacheBytes = 100'000'000}};
  strata::layers::StringIntern uncached{space, {.cacheBytes = 0}};
  std::vector<std::string> strings;
  std::vector<std::string> ids;
  std::unordered_map<std::string, std::string> idToString;
  std::unordered_map<std::string, std::string> stringToId;

  World() {
    std::mt19937_64 rng(20261126);
    for (int i = 0; i < kStrings; ++i) {
      std::string s = "user/" + std::to_string(i) + "/";
      size_t length = 20 + rng() % 41;
      while (s.size() < length) s.push_back(static_cast<char>('a' + rng() % 26));
      strings.push_back(s);
    }
    for (int i = 0; i < kStrings; i += 500) {
      db.run([&](strata::Transaction& tr) {
        ids.resize(static_cast<size_t>(i));
        for (int j = i; j < i + 500 && j < kStrings; ++j)
          ids.push_back(cached.intern(tr, strings[j]));
      });
    }
    for (int i = 0; i < kStrings; ++i) {
      idToString.emplace(ids[i], strings[i]);
      stringToId.emplace(strings[i], ids[i]);
      (void)cached.lookup(db, ids[i]);  // fills the cache with the committed mappings
    }
  }
};
World* world = nullptr;

class Picker {
 public:
  size_t next() { return dist_(rng_); }

 private:
  std::mt19937_64 rng_{0x5eed};
  std::uniform_int_distribution<size_t> dist_{0, kStrings - 1};
};

void finish(benchmark::State& state) { state.SetItemsProcessed(state.iterations()); }

void check(benchmark::State& state, bool ok) {
  if (!ok) state.SkipWithError("a lookup returned the wrong answer");
}

void lookupCached(benchmark::State& state) {
  Picker pick;
  for (auto _ : state) {
    size_t i = pick.next();
    auto s = world->cached.lookup(world->db, world->ids[i]);
    check(state, s && s->size() == world->strings[i].size());
  }
  finish(state);
}

void lookupUncached(benchmark::State& state) {
  Picker pick;
  for (auto _ : state) {
    size_t i = pick.next();
    auto s = world->uncached.lookup(world->db, world->ids[i]);
    check(state, s && s->size() == world->strings[i].size());
  }
  finish(state);
}

void lookupMap(benchmark::State& state) {
  Picker pick;
  for (auto _ : state) {
    size_t i = pick.next();
    auto it = world->idToString.find(world->ids[i]);
    std::string s = it == world->idToString.end() ? std::string() : it->second;
    check(state, s.size() == world->strings[i].size());
  }
  finish(state);
}

void internCached(benchmark::State& state) {
  Picker pick;
  for (auto _ : state) {
    size_t i = pick.next();
    check(state, world->cached.intern(world->db, world->strings[i]) == world->ids[i]);
  }
  finish(state);
}

void internUncached(benchmark::State& state) {
  Picker pick;
  for (auto _ : state) {
    size_t i = pick.next();
    check(state, world->uncached.intern(world->db, world->strings[i]) == world->ids[i]);
  }
  finish(state);
}

void internMap(benchmark::State& state) {
  Picker pick;
  for (auto _ : state) {
    size_t i = pick.next();
    auto it = world->stringToId.find(world->strings[i]);
    std::string id = it == world->stringToId.end() ? std::string() : it->second;
    check(state, id == world->ids[i]);
  }
  finish(state);
}

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
    std::printf("\nsummary: operations/s on memory:, and over std::unordered_map\n");
    std::printf("%-8s %14s %14s %16s %12s %14s\n", "op", "cached/s", "uncached/s",
                "unordered_map/s", "cached/map", "uncached/map");
    for (const char* op : {"lookup", "intern"}) {
      double c = rate(op, "cached"), u = rate(op, "uncached"), m = rate(op, "unordered_map");
      if (c <= 0 || u <= 0 || m <= 0) continue;
      std::printf("%-8s %14.0f %14.0f %16.0f %12.4f %14.5f\n", op, c, u, m, c / m, u / m);
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
  std::fprintf(stderr, "interning %d strings...\n", kStrings);
  World loaded;
  world = &loaded;
  benchmark::RegisterBenchmark("lookup/cached", lookupCached);
  benchmark::RegisterBenchmark("lookup/uncached", lookupUncached);
  benchmark::RegisterBenchmark("lookup/unordered_map", lookupMap);
  benchmark::RegisterBenchmark("intern/cached", internCached);
  benchmark::RegisterBenchmark("intern/uncached", internUncached);
  benchmark::RegisterBenchmark("intern/unordered_map", internMap);
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.printSummary();
  benchmark::Shutdown();
  world = nullptr;
  return 0;
}
