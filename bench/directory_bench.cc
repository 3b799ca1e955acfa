// The directory layer's opens and creates per second on the memory engine ("memory:"), beside a
// raw point read in a read transaction (the floor every open pays at least once) in the same
// run (docs/BENCHMARKS.md#directory-layer).
//   raw_get              db.read: one tr.get of an existing key
//   open/depth1          DirectoryLayer::open(db, {"a"}), no cache: version read + 2 reads
//   open/depth3          open(db, {"a","b","c"}), no cache: version read + 6 reads
//   open/depth3/cached   the same with the cache: version read + 1 metadata-version read
//   createOrOpen/depth3  createOrOpen(db, existing path), no cache (commits a read-only txn)
//   createOrOpen/new     createOrOpen(db, {"new", N}): a fresh directory each time (allocator,
//                        prefix checks, 2 writes, one commit)
// The same on the embedded engine ("file:<temp dir>"), suffixed /file, where reads cost more.
// A summary prints each rate and its ratio over raw_get, and cached/uncached for depth 3.
#include <benchmark/benchmark.h>

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "strata/directory.h"
#include "strata/kv.h"

namespace {

struct World {
  explicit World(const std::string& url) : db(strata::Database::open(url)) {
    db.run([&](strata::Transaction& tr) { tr.set(rawKey, "value"); });
    depth3Prefix = plain.createOrOpen(db, {"a", "b", "c"}).key();
    (void)cached.open(db, {"a", "b", "c"});  // warm the cache
  }

  strata::Database db;
  strata::DirectoryLayer plain;
  strata::DirectoryLayer cached{strata::DirectoryLayerOptions{.cacheCapacity = 1000}};
  std::string rawKey = "bench/raw";
  std::string depth3Prefix;
};

void finish(benchmark::State& state) { state.SetItemsProcessed(state.iterations()); }

void check(benchmark::State& state, bool ok) {
  if (!ok) state.SkipWithError("wrong answer");
}

void rawGet(benchmark::State& state, World* world) {
  for (auto _ : state) {
    auto v = world->db.read([&](strata::Transaction& tr) { return tr.get(world->rawKey); });
    check(state, v.has_value());
  }
  finish(state);
}

void openDepth1(benchmark::State& state, World* world) {
  for (auto _ : state) check(state, !world->plain.open(world->db, {"a"}).key().empty());
  finish(state);
}

void openDepth3(benchmark::State& state, World* world) {
  for (auto _ : state) {
    check(state, world->plain.open(world->db, {"a", "b", "c"}).key() == world->depth3Prefix);
  }
  finish(state);
}

void openDepth3Cached(benchmark::State& state, World* world) {
  for (auto _ : state) {
    check(state, world->cached.open(world->db, {"a", "b", "c"}).key() == world->depth3Prefix);
  }
  finish(state);
}

void createOrOpenExisting(benchmark::State& state, World* world) {
  for (auto _ : state) {
    check(state,
          world->plain.createOrOpen(world->db, {"a", "b", "c"}).key() == world->depth3Prefix);
  }
  finish(state);
}

void createOrOpenNew(benchmark::State& state, World* world) {
  static int next = 0;
  for (auto _ : state) {
    std::string name = std::to_string(next++);
    check(state, !world->plain.createOrOpen(world->db, {"new", name}).key().empty());
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
    std::printf("\nsummary: operations/s, and over raw_get on the same engine\n");
    for (const auto& [name, r] : rates_) {
      bool file = name.ends_with("/file");
      double raw = rate(file ? "raw_get/file" : "raw_get");
      if (raw > 0) std::printf("%-27s %12.0f /s %8.3f x raw_get\n", name.c_str(), r, r / raw);
    }
    for (const char* suffix : {"", "/file"}) {
      double cached = rate(std::string("open/depth3/cached") + suffix);
      double uncached = rate(std::string("open/depth3") + suffix);
      if (cached > 0 && uncached > 0) {
        std::printf("open depth 3%s: cached / uncached = %.2f\n", suffix, cached / uncached);
      }
    }
  }

 private:
  double rate(const std::string& name) const {
    auto it = rates_.find(name);
    return it == rates_.end() ? 0 : it->second;
  }
  std::map<std::string, double> rates_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  char tempDir[] = "/tmp/strata-directory-bench-XXXXXX";
  if (mkdtemp(tempDir) == nullptr) return 1;
  World memory("memory:");
  World file(std::string("file:") + tempDir + "/db");
  using Fn = void (*)(benchmark::State&, World*);
  const std::pair<const char*, Fn> benches[] = {
      {"raw_get", rawGet},
      {"open/depth1", openDepth1},
      {"open/depth3", openDepth3},
      {"open/depth3/cached", openDepth3Cached},
      {"createOrOpen/depth3", createOrOpenExisting},
      {"createOrOpen/new", createOrOpenNew},
  };
  for (const auto& [name, fn] : benches) {
    benchmark::RegisterBenchmark(name, fn, &memory);
    benchmark::RegisterBenchmark((std::string(name) + "/file").c_str(), fn, &file);
  }
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.printSummary();
  benchmark::Shutdown();
  std::error_code ignored;
  std::filesystem::remove_all(tempDir, ignored);
  return 0;
}
