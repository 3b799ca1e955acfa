// Spatial index: rectangle queries returning ~100 points out of N random points (default 1M),
// through the Z-order index, beside a full scan of the same points and beside an in-memory
// Boost.Geometry R-tree, in the same run. Reports queries/s, points returned and keys scanned per
// query, then the ratios (target: index >= 100x the full scan). Also k-nearest (k = 10).
//
//   build/release/bench/spatial_bench                          (embedded engine, temp dir)
//   STRATA_BENCH_URL=memory: build/release/bench/spatial_bench
//   STRATA_BENCH_POINTS=200000 build/release/bench/spatial_bench   (fewer points, faster load)
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <stdlib.h>

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/point.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "strata/layers/spatial.h"

namespace {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
// double coordinates (exact for 32-bit integers): Boost's distances on unsigned coordinates wrap.
using BoostPoint = bg::model::point<double, 2, bg::cs::cartesian>;
using BoostBox = bg::model::box<BoostPoint>;
using BoostValue = std::pair<BoostPoint, uint32_t>;

using strata::layers::kSpatialGridSize;
using strata::layers::SpatialIndex;
using strata::layers::SpatialRect;

constexpr double kTargetPerQuery = 100;
constexpr int kQueries = 1000;

struct Fixture {
  std::string dir;
  std::optional<strata::Database> db;
  SpatialIndex index{strata::Subspace(strata::Tuple{"bench", "spatial"})};
  std::vector<std::pair<uint32_t, uint32_t>> points;
  std::vector<SpatialRect> rects;
  std::optional<bgi::rtree<BoostValue, bgi::rstar<16>>> rtree;
  double loadSeconds = 0;

  Fixture() {
    const char* url = std::getenv("STRATA_BENCH_URL");
    if (url != nullptr) {
      db.emplace(strata::Database::open(url));
    } else {
      dir = (std::filesystem::temp_directory_path() / "strata-spatial-bench-XXXXXX").string();
      if (mkdtemp(dir.data()) == nullptr) std::abort();
      db.emplace(strata::Database::open("file:" + dir + "/db?nosync"));
    }
    const char* n = std::getenv("STRATA_BENCH_POINTS");
    size_t count = n != nullptr ? std::strtoull(n, nullptr, 10) : 1'000'000;
    std::mt19937_64 rng(42);
    points.resize(count);
    for (auto& p : points) p = {static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng())};
    auto start = std::chrono::steady_clock::now();
    db->run([&](strata::Transaction& tr) { index.clear(tr); });
    constexpr size_t kBatch = 5000;
    for (size_t i = 0; i < count; i += kBatch) {
      db->run([&](strata::Transaction& tr) {
        for (size_t j = i; j < std::min(count, i + kBatch); ++j) {
          index.set(tr, std::to_string(j), points[j].first, points[j].second);
        }
      });
    }
    loadSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::vector<BoostValue> values;
    values.reserve(count);
    for (size_t j = 0; j < count; ++j) {
      values.emplace_back(BoostPoint(points[j].first, points[j].second), static_cast<uint32_t>(j));
    }
    rtree.emplace(values.begin(), values.end());  // bulk-loaded (packed)
    // Square rectangles whose expected population is kTargetPerQuery.
    auto side = static_cast<uint64_t>(static_cast<double>(kSpatialGridSize) *
                                      std::sqrt(kTargetPerQuery / static_cast<double>(count)));
    side = std::min(side, kSpatialGridSize);
    for (int q = 0; q < kQueries; ++q) {
      uint64_t x0 = rng() % (kSpatialGridSize - side + 1),
               y0 = rng() % (kSpatialGridSize - side + 1);
      rects.push_back({x0, y0, x0 + side, y0 + side});
    }
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

std::map<std::string, double> gRates;  // queries per second, by benchmark

void finish(benchmark::State& state, const std::string& name, double returned, double scanned,
            double seconds) {
  auto q = static_cast<double>(state.iterations());
  state.counters["queries/s"] = benchmark::Counter(q, benchmark::Counter::kIsRate);
  state.counters["returned/q"] = returned / q;
  state.counters["scanned/q"] = scanned / q;
  gRates[name] = q / seconds;
}

void BM_ZOrderIndexQuery(benchmark::State& state) {
  Fixture& f = fixture();
  double returned = 0, scanned = 0;
  size_t i = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    auto result = f.index.query(*f.db, f.rects[i++ % f.rects.size()]);
    returned += static_cast<double>(result.points.size());
    scanned += static_cast<double>(result.scanned);
  }
  finish(state, "z-order index", returned, scanned,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

// The baseline without an index: read every point's key and keep those inside.
void BM_FullScanQuery(benchmark::State& state) {
  Fixture& f = fixture();
  strata::KeyRange all = f.index.subspace().range(strata::Tuple{0});
  double returned = 0, scanned = 0;
  size_t i = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const SpatialRect& r = f.rects[i++ % f.rects.size()];
    f.db->read([&](strata::Transaction& tr) {
      strata::RangeOptions options;
      options.snapshot = strata::Snapshot::kYes;
      for (const strata::KeyValue& kv : tr.getRange(all.begin, all.end, options)) {
        strata::Tuple t = f.index.subspace().unpack(kv.key);
        const std::string& zBytes = t.getBytes(1);
        uint64_t z = 0;
        for (char c : zBytes) z = (z << 8) | static_cast<unsigned char>(c);
        uint32_t x = 0, y = 0;
        for (int b = 0; b < 32; ++b) {
          x |= static_cast<uint32_t>((z >> (2 * b)) & 1) << b;
          y |= static_cast<uint32_t>((z >> (2 * b + 1)) & 1) << b;
        }
        scanned += 1;
        if (x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1) returned += 1;
      }
    });
  }
  finish(state, "full scan", returned, scanned,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

void BM_BoostRtreeInMemoryQuery(benchmark::State& state) {
  Fixture& f = fixture();
  double returned = 0;
  size_t i = 0;
  std::vector<BoostValue> hits;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const SpatialRect& r = f.rects[i++ % f.rects.size()];
    hits.clear();
    // Boost boxes are closed: [x0, x1 - 1] is the half-open [x0, x1).
    BoostBox box(BoostPoint(static_cast<uint32_t>(r.x0), static_cast<uint32_t>(r.y0)),
                 BoostPoint(static_cast<uint32_t>(r.x1 - 1), static_cast<uint32_t>(r.y1 - 1)));
    f.rtree->query(bgi::intersects(box), std::back_inserter(hits));
    returned += static_cast<double>(hits.size());
  }
  finish(state, "boost r-tree (in memory)", returned, 0,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

void BM_ZOrderIndexNearest10(benchmark::State& state) {
  Fixture& f = fixture();
  double returned = 0, scanned = 0;
  size_t i = 0;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const SpatialRect& r = f.rects[i++ % f.rects.size()];
    auto result = f.index.nearest(*f.db, r.x0, r.y0, 10);
    returned += static_cast<double>(result.points.size());
    scanned += static_cast<double>(result.scanned);
  }
  finish(state, "z-order nearest 10", returned, scanned,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

void BM_BoostRtreeNearest10(benchmark::State& state) {
  Fixture& f = fixture();
  double returned = 0;
  size_t i = 0;
  std::vector<BoostValue> hits;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    const SpatialRect& r = f.rects[i++ % f.rects.size()];
    hits.clear();
    f.rtree->query(
        bgi::nearest(BoostPoint(static_cast<uint32_t>(r.x0), static_cast<uint32_t>(r.y0)), 10),
        std::back_inserter(hits));
    returned += static_cast<double>(hits.size());
  }
  finish(state, "boost r-tree nearest 10", returned, 0,
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
}

BENCHMARK(BM_ZOrderIndexQuery)->Iterations(2000)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_FullScanQuery)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BoostRtreeInMemoryQuery)
    ->Iterations(20000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_ZOrderIndexNearest10)->Iterations(2000)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_BoostRtreeNearest10)->Iterations(20000)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  Fixture& f = fixture();
  fmt::print(
      "\n{} random points on {} (loaded in {:.1f} s, {:.0f} points/s); rectangles holding "
      "~{:.0f} points:\n",
      f.points.size(),
      std::getenv("STRATA_BENCH_URL") ? std::getenv("STRATA_BENCH_URL") : "file:", f.loadSeconds,
      static_cast<double>(f.points.size()) / f.loadSeconds, kTargetPerQuery);
  double scan = gRates.contains("full scan") ? gRates["full scan"] : 0;
  double rtree =
      gRates.contains("boost r-tree (in memory)") ? gRates["boost r-tree (in memory)"] : 0;
  for (const auto& [name, rate] : gRates) {
    fmt::print("  {:28} {:12.1f} queries/s  {:10.1f}x full scan  {:8.3f}x r-tree\n", name, rate,
               scan > 0 ? rate / scan : 0, rtree > 0 ? rate / rtree : 0);
  }
  return 0;
}
