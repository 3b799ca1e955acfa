// Document store: JSON Lines import of 100k small documents (docs/s), without and with a value
// index maintained during the import, then one indexed equality query beside a full scan that
// computes the same answer (one range read of every document, filtered in memory), in the same
// run. Both answers are compared; the run aborts if they differ. Then document writes/s (one
// small document set() per transaction) with 0, 1 and 3 plugins (include/strata/layers/
// doc_plugin.h): a user plugin counting per city with ADD; then also a value index and a change
// feed; the 3 with the plugins version key cleared (every write reloads the plugin records, as
// every write did before the plugin-set cache); and the same 3 recorded on another path, cached
// and reloaded (they see no write: what remains is the per-write plugin-set cost). Prints the
// ratios against no plugin.
//
//   build/release/bench/doc_bench                          (embedded engine, temp dir)
//   STRATA_BENCH_URL=memory: build/release/bench/doc_bench
//   STRATA_DOC_BENCH_DOCS=20000 build/release/bench/doc_bench   (a smaller run)
//   STRATA_DOC_BENCH_WRITES=2000 ...        (writes per plugin variant, default 5000)
//   build/release/bench/doc_bench --benchmark_filter=Writes   (the plugin figures only)
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "strata/layers/doc.h"
#include "strata/layers/doc_plugin.h"

namespace {

using nlohmann::json;
using strata::layers::DocPath;
using strata::layers::DocumentStore;
using strata::layers::IndexKind;

constexpr int kCities = 100;

int documentCount() {
  const char* n = std::getenv("STRATA_DOC_BENCH_DOCS");
  return n != nullptr ? std::max(1, std::atoi(n)) : 100'000;
}

struct Fixture {
  std::string dir;
  std::optional<strata::Database> db;
  Fixture() {
    const char* url = std::getenv("STRATA_BENCH_URL");
    if (url != nullptr) {
      db.emplace(strata::Database::open(url));
      return;
    }
    dir = (std::filesystem::temp_directory_path() / "strata-doc-bench-XXXXXX").string();
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

std::string jsonLines(int docs) {
  std::string out;
  for (int i = 0; i < docs; ++i) {
    out += json{{"path", "u" + std::to_string(i)},
                {"value",
                 {{"name", "user" + std::to_string(i)},
                  {"age", i % 90},
                  {"city", "c" + std::to_string(i % kCities)}}}}
               .dump();
    out += '\n';
  }
  return out;
}

double gImportPlain = 0;
double gImportIndexed = 0;
double gIndexedQuery = 0;
double gScanQuery = 0;

double importRate(benchmark::State& state, bool indexed) {
  strata::Database& db = *fixture().db;
  int docs = documentCount();
  std::string input = jsonLines(docs);
  double rate = 0;
  int round = 0;
  for (auto _ : state) {
    DocumentStore store(strata::Subspace(strata::Tuple{"doc-bench", indexed, round++}));
    if (indexed) {
      store.addIndex(db, {"city", "users.?.city", IndexKind::kValue});
      store.buildIndex(db, "city");
    }
    std::istringstream in(input);
    auto start = std::chrono::steady_clock::now();
    int64_t n = store.importJson(db, DocPath::parse("users"), in);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (n != docs) std::abort();
    rate = static_cast<double>(n) / seconds;
    state.SetIterationTime(seconds);
  }
  state.counters["docs/s"] = rate;
  return rate;
}

void BM_ImportJsonLines(benchmark::State& state) { gImportPlain = importRate(state, false); }
void BM_ImportJsonLinesWithIndex(benchmark::State& state) {
  gImportIndexed = importRate(state, true);
}

// The store the queries read: the indexed import's first round.
DocumentStore queryStore() {
  return DocumentStore(strata::Subspace(strata::Tuple{"doc-bench", true, 0}));
}

std::set<std::string> indexedAnswer(strata::Database& db, const DocumentStore& store) {
  std::set<std::string> out;
  for (const auto& m : store.find(db, "city", "c42")) out.insert(m.document.toString());
  return out;
}

std::set<std::string> scanAnswer(strata::Database& db, const DocumentStore& store) {
  std::set<std::string> out;
  std::optional<json> all = store.get(db, DocPath::parse("users"));
  for (const auto& [name, doc] : all->items()) {
    if (doc.value("city", "") == "c42") out.insert("users." + name);
  }
  return out;
}

void BM_QueryIndexed(benchmark::State& state) {
  strata::Database& db = *fixture().db;
  DocumentStore store = queryStore();
  size_t hits = 0;
  auto start = std::chrono::steady_clock::now();
  int64_t n = 0;
  for (auto _ : state) {
    hits = indexedAnswer(db, store).size();
    ++n;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  gIndexedQuery = static_cast<double>(n) / seconds;
  state.counters["queries/s"] = gIndexedQuery;
  state.counters["matches"] = static_cast<double>(hits);
}

void BM_QueryFullScan(benchmark::State& state) {
  strata::Database& db = *fixture().db;
  DocumentStore store = queryStore();
  size_t hits = 0;
  auto start = std::chrono::steady_clock::now();
  int64_t n = 0;
  for (auto _ : state) {
    std::set<std::string> scanned = scanAnswer(db, store);
    if (scanned != indexedAnswer(db, store)) {
      fmt::print(stderr, "the index and the scan disagree\n");
      std::abort();
    }
    hits = scanned.size();
    ++n;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  gScanQuery = static_cast<double>(n) / seconds;
  state.counters["queries/s"] = gScanQuery;
  state.counters["matches"] = static_cast<double>(hits);
}

// ---- document writes with 0, 1 and 3 plugins ----

int writeCount() {
  const char* n = std::getenv("STRATA_DOC_BENCH_WRITES");
  return n != nullptr ? std::max(1, std::atoi(n)) : 5'000;
}

class CityCount : public strata::layers::DocPlugin {
 public:
  std::string name() const override { return "city-count"; }
  std::string pattern() const override { return "users.?.city"; }
  void onChange(const strata::layers::DocPluginContext& context,
                const strata::layers::DocChange& change) const override {
    if (change.oldValue && change.oldValue->is_string()) add(context, *change.oldValue, -1);
    if (change.newValue && change.newValue->is_string()) add(context, *change.newValue, 1);
  }

 private:
  static void add(const strata::layers::DocPluginContext& context, const json& city, int64_t d) {
    std::string le(8, '\0');
    for (int i = 0; i < 8; ++i)
      le[i] = static_cast<char>((static_cast<uint64_t>(d) >> (8 * i)) & 0xff);
    context.transaction().atomicOp(strata::MutationType::kAdd,
                                   context.subspace().pack(strata::Tuple{city.get<std::string>()}),
                                   le);
  }
};

double gWrites[4] = {0, 0, 0, 0};
double gIdleWrites = 0, gIdleUncachedWrites = 0, gUncachedWrites = 0;

// The same three plugins recorded on `root` instead of users (so `idle` ones see no write).
void addThreePlugins(strata::Database& db, const DocumentStore& store, const std::string& root) {
  store.addPlugin(db, "city-count");
  store.addIndex(db, {"city", root + ".?.city", IndexKind::kValue});
  store.buildIndex(db, "city");
  store.addChangeFeed(db, "feed", root);
}

class IdleCityCount : public CityCount {
 public:
  std::string pattern() const override { return "idle.?.city"; }
};

void BM_Writes(benchmark::State& state) {
  strata::Database& db = *fixture().db;
  const int plugins = static_cast<int>(state.range(0));
  // Mode bit 1: idle plugins; bit 2: uncached (the plugins version key cleared after the set-up,
  // as in a store whose plugins 0.1.0 recorded: every write reloads the records, as every write
  // did before the cache).
  const bool idle = (state.range(1) & 1) != 0;
  const bool uncached = (state.range(1) & 2) != 0;
  const int writes = writeCount();
  double rate = 0;
  // Once per process, untimed: else the first variant alone would pay for the database's first
  // growth (LMDB's map, the memory engine's tables) and skew every ratio against it.
  static bool warm = false;
  if (!warm) {
    warm = true;
    DocumentStore scratch(strata::Subspace(strata::Tuple{"doc-bench-warm-up"}));
    for (int i = 0; i < writes; ++i) {
      scratch.set(db, DocPath::parse("users.u" + std::to_string(i)), json{{"n", i}});
    }
  }
  for (auto _ : state) {
    std::shared_ptr<const strata::layers::DocPlugin> plugin;
    if (idle) {
      plugin = std::make_shared<IdleCityCount>();
    } else {
      plugin = std::make_shared<CityCount>();
    }
    static int64_t runs = 0;  // a fresh store for every run (--benchmark_repetitions)
    strata::Subspace space(strata::Tuple{"doc-bench-writes", plugins, state.range(1), ++runs});
    DocumentStore store(space, {plugin});
    if (plugins == 1) store.addPlugin(db, "city-count");
    if (plugins >= 3) addThreePlugins(db, store, idle ? "idle" : "users");
    if (uncached) {
      db.run([&](strata::Transaction& tr) { tr.clear(space.pack(strata::Tuple{1})); });
    }
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < writes; ++i) {
      store.set(db, DocPath::parse("users.u" + std::to_string(i)),
                json{{"name", "user" + std::to_string(i)},
                     {"age", i % 90},
                     {"city", "c" + std::to_string(i % kCities)}});
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rate = writes / seconds;
    state.SetIterationTime(seconds);
  }
  if (state.range(1) == 0) gWrites[plugins] = rate;
  if (state.range(1) == 1) gIdleWrites = rate;
  if (state.range(1) == 2) gUncachedWrites = rate;
  if (state.range(1) == 3) gIdleUncachedWrites = rate;
  state.counters["writes/s"] = rate;
}

// Args: plugins, mode (0 normal; 1 idle: the plugins' patterns match no written node, so only
// dispatch costs; 2 uncached; 3 idle and uncached).
BENCHMARK(BM_Writes)
    ->Args({0, 0})
    ->Args({1, 0})
    ->Args({3, 0})
    ->Args({3, 2})
    ->Args({3, 1})
    ->Args({3, 3})
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK(BM_ImportJsonLines)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ImportJsonLinesWithIndex)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QueryIndexed)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_QueryFullScan)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (gImportPlain > 0) {
    fmt::print(
        "\n{} docs ({}): import {:.0f} docs/s plain, {:.0f} docs/s with a value index "
        "({:.2f}x)\n",
        documentCount(), fixture().db->url(), gImportPlain, gImportIndexed,
        gImportPlain > 0 ? gImportIndexed / gImportPlain : 0.0);
    fmt::print("query city == c42 ({} of {} docs): indexed {:.0f}/s, full scan {:.2f}/s: {:.0f}x\n",
               documentCount() / kCities, documentCount(), gIndexedQuery, gScanQuery,
               gScanQuery > 0 ? gIndexedQuery / gScanQuery : 0.0);
  }
  if (gWrites[0] > 0) {
    fmt::print(
        "document writes ({} one-document transactions each): {:.0f}/s with no plugin, {:.0f}/s "
        "with 1 ({:.2f}x), {:.0f}/s with 3 ({:.2f}x)\n",
        writeCount(), gWrites[0], gWrites[1], gWrites[1] / gWrites[0], gWrites[3],
        gWrites[3] / gWrites[0]);
    fmt::print(
        "  3 plugins with the plugin set reloaded every write (no version key): {:.0f}/s "
        "({:.2f}x)\n",
        gUncachedWrites, gUncachedWrites / gWrites[0]);
    fmt::print(
        "  3 plugins on another path (dispatch only): {:.0f}/s cached ({:.2f}x), {:.0f}/s "
        "reloaded every write ({:.2f}x)\n",
        gIdleWrites, gIdleWrites / gWrites[0], gIdleUncachedWrites,
        gIdleUncachedWrites / gWrites[0]);
  }
  return 0;
}
