// Spatial index layer: rectangle queries, kNN and polygons against brute force, moves, removes,
// conflicts, errors, the longitude/latitude front end, threads. Runs on every engine kind of
// tests/support/engines.h (memory, file, etcd when STRATA_TEST_ETCD is set).
#include "strata/layers/spatial.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/engines.h"

namespace strata::layers {
namespace {

using Points = std::map<std::string, std::pair<uint32_t, uint32_t>>;

using testsupport::errorCodeOf;

std::vector<std::string> idsOf(const SpatialQueryResult& r) {
  std::vector<std::string> ids;
  for (const SpatialPoint& p : r.points) ids.push_back(p.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> bruteRect(const Points& all, const SpatialRect& r) {
  std::vector<std::string> ids;
  for (const auto& [id, at] : all) {
    if (at.first >= r.x0 && at.first < r.x1 && at.second >= r.y0 && at.second < r.y1) {
      ids.push_back(id);
    }
  }
  return ids;  // std::map order = sorted
}

class SpatialTest : public testsupport::EngineTest {
 protected:
  // Loads `all` in batches of 500 points per transaction.
  void load(const SpatialIndex& index, const Points& all) {
    auto it = all.begin();
    while (it != all.end()) {
      auto batchEnd = it;
      for (int i = 0; i < 500 && batchEnd != all.end(); ++i) ++batchEnd;
      db().run([&](Transaction& tr) {
        for (auto p = it; p != batchEnd; ++p)
          index.set(tr, p->first, p->second.first, p->second.second);
      });
      it = batchEnd;
    }
  }

  size_t keysUnder(const Tuple& t) {
    return db().read([&](Transaction& tr) {
      KeyRange r = space_.range(t);
      return tr.getRangeAll(r.begin, r.end).size();
    });
  }

  Subspace space_{Tuple{"spatial-test"}};
};

Points randomPoints(std::mt19937_64& rng, int n, uint64_t gridSize) {
  Points all;
  for (int i = 0; i < n; ++i) {
    all["p" + std::to_string(i)] = {static_cast<uint32_t>(rng() % gridSize),
                                    static_cast<uint32_t>(rng() % gridSize)};
  }
  return all;
}

SpatialRect randomRect(std::mt19937_64& rng, uint64_t gridSize) {
  uint64_t a = rng() % (gridSize + 1), b = rng() % (gridSize + 1);
  uint64_t c = rng() % (gridSize + 1), d = rng() % (gridSize + 1);
  return {std::min(a, b), std::min(c, d), std::max(a, b), std::max(c, d)};
}

TEST_P(SpatialTest, SetGetAndRemoveRoundTrip) {
  SpatialIndex index(space_);
  EXPECT_EQ(index.get(db(), "a"), std::nullopt);
  index.set(db(), "a", 7, 9);
  EXPECT_EQ(index.get(db(), "a"), std::make_pair(uint32_t{7}, uint32_t{9}));
  index.set(db(), "max", kSpatialGridSize - 1, kSpatialGridSize - 1);
  EXPECT_EQ(index.get(db(), "max"), std::make_pair(uint32_t{0xFFFFFFFF}, uint32_t{0xFFFFFFFF}));
  EXPECT_TRUE(index.remove(db(), "a"));
  EXPECT_FALSE(index.remove(db(), "a"));
  EXPECT_EQ(index.get(db(), "a"), std::nullopt);
  EXPECT_EQ(keysUnder(Tuple{0}), 1u);
  EXPECT_EQ(keysUnder(Tuple{1}), 1u);
}

TEST_P(SpatialTest, RectangleEdgesAreInclusiveBelowAndExclusiveAbove) {
  SpatialIndex index(space_);
  index.set(db(), "p", 10, 20);
  auto ids = [&](SpatialRect r) { return idsOf(index.query(db(), r)); };
  std::vector<std::string> hit{"p"}, none;
  EXPECT_EQ(ids({10, 20, 11, 21}), hit);
  EXPECT_EQ(ids({0, 0, 10, 100}), none);  // x1 == 10 excludes x = 10
  EXPECT_EQ(ids({0, 0, 100, 20}), none);  // y1 == 20 excludes y = 20
  EXPECT_EQ(ids({11, 0, 100, 100}), none);
  EXPECT_EQ(ids({0, 21, 100, 100}), none);
  EXPECT_EQ(ids({10, 20, 10, 30}), none);  // zero width is empty
  EXPECT_EQ(ids({0, 0, kSpatialGridSize, kSpatialGridSize}), hit);
}

TEST_P(SpatialTest, RandomRectanglesOnADenseGridMatchBruteForce) {
  std::mt19937_64 rng(1);
  constexpr uint64_t kGrid = 64;
  Points all = randomPoints(rng, 1500, kGrid);
  for (int maxRanges : {1, 4, 64}) {
    SpatialIndex index(space_, SpatialOptions{maxRanges});
    db().run([&](Transaction& tr) { index.clear(tr); });
    load(index, all);
    for (int i = 0; i < 150; ++i) {
      SpatialRect r = randomRect(rng, kGrid);
      SpatialQueryResult got = index.query(db(), r);
      ASSERT_EQ(idsOf(got), bruteRect(all, r)) << "rect [" << r.x0 << "," << r.x1 << ")x[" << r.y0
                                               << "," << r.y1 << ") maxRanges " << maxRanges;
      EXPECT_GE(got.scanned, got.points.size());
      for (const SpatialPoint& p : got.points) EXPECT_EQ(all.at(p.id), std::make_pair(p.x, p.y));
    }
  }
}

TEST_P(SpatialTest, RandomRectanglesOnTheFullGridMatchBruteForce) {
  std::mt19937_64 rng(2);
  Points all = randomPoints(rng, 800, kSpatialGridSize);
  // Points on the grid's edges and corners.
  all["corner00"] = {0, 0};
  all["cornerMM"] = {0xFFFFFFFF, 0xFFFFFFFF};
  all["edgeX"] = {0xFFFFFFFF, 12345};
  all["edgeY"] = {0x80000000, 0xFFFFFFFF};
  SpatialIndex index(space_);
  load(index, all);
  for (int i = 0; i < 150; ++i) {
    SpatialRect r = randomRect(rng, kSpatialGridSize);
    ASSERT_EQ(idsOf(index.query(db(), r)), bruteRect(all, r));
  }
  // Narrow rectangles around each point, so that small results are checked too (etcd: around
  // every 4th point; each query is several cluster round trips and the corners are all kept).
  const size_t step = kind() == "etcd" ? 4 : 1;
  size_t n = 0;
  for (const auto& [id, at] : all) {
    if (n++ % step != 0 && id.rfind("corner", 0) != 0 && id.rfind("edge", 0) != 0) continue;
    SpatialRect r{at.first > 1000 ? at.first - 1000 : 0, at.second > 5 ? at.second - 5 : 0,
                  std::min<uint64_t>(uint64_t{at.first} + 3, kSpatialGridSize),
                  std::min<uint64_t>(uint64_t{at.second} + 1, kSpatialGridSize)};
    ASSERT_EQ(idsOf(index.query(db(), r)), bruteRect(all, r));
  }
}

TEST_P(SpatialTest, QueryScansFewKeysOutsideTheRectangle) {
  SpatialIndex index(space_);
  Points all;
  for (uint32_t x = 0; x < 64; ++x) {
    for (uint32_t y = 0; y < 64; ++y) all[std::to_string(x) + "," + std::to_string(y)] = {x, y};
  }
  load(index, all);
  // A 4x4 square across the grid's centre: the worst place for a Z-order curve.
  SpatialQueryResult got = index.query(db(), SpatialRect{30, 30, 34, 34});
  EXPECT_EQ(got.points.size(), 16u);
  EXPECT_LE(got.scanned, 32u) << "a full scan would examine 4096 keys";
  EXPECT_LE(got.ranges, 64u);
  // A thin column: gaps between its runs are jumped, not read.
  got = index.query(db(), SpatialRect{5, 0, 6, 64});
  EXPECT_EQ(got.points.size(), 64u);
  EXPECT_LE(got.scanned, 140u);
}

TEST_P(SpatialTest, SetMovesAPointAndRemovesItsOldCurveEntry) {
  SpatialIndex index(space_);
  index.set(db(), "m", 100, 100);
  index.set(db(), "m", 5000, 7);
  EXPECT_TRUE(index.query(db(), SpatialRect{0, 0, 1000, 1000}).points.empty());
  EXPECT_EQ(idsOf(index.query(db(), SpatialRect{5000, 7, 5001, 8})), std::vector<std::string>{"m"});
  EXPECT_EQ(keysUnder(Tuple{0}), 1u);
  // Moving twice in one transaction leaves one entry too.
  db().run([&](Transaction& tr) {
    index.set(tr, "m", 1, 1);
    index.set(tr, "m", 2, 2);
  });
  EXPECT_EQ(keysUnder(Tuple{0}), 1u);
  EXPECT_EQ(index.get(db(), "m"), std::make_pair(uint32_t{2}, uint32_t{2}));
}

TEST_P(SpatialTest, SetIsIdempotentSoARetryAfterUnknownResultIsSafe) {
  SpatialIndex index(space_);
  index.set(db(), "i", 3, 4);
  index.set(db(), "i", 3, 4);  // what a retry after 1021 does
  EXPECT_EQ(keysUnder(Tuple{0}), 1u);
  EXPECT_EQ(keysUnder(Tuple{1}), 1u);
  EXPECT_EQ(idsOf(index.query(db(), SpatialRect{0, 0, 10, 10})), std::vector<std::string>{"i"});
}

TEST_P(SpatialTest, RemovedPointsLeaveQueries) {
  std::mt19937_64 rng(3);
  Points all = randomPoints(rng, 300, 1000);
  SpatialIndex index(space_);
  load(index, all);
  db().run([&](Transaction& tr) {
    for (int i = 0; i < 300; i += 2) EXPECT_TRUE(index.remove(tr, "p" + std::to_string(i)));
  });
  for (int i = 0; i < 300; i += 2) all.erase("p" + std::to_string(i));
  for (int i = 0; i < 50; ++i) {
    SpatialRect r = randomRect(rng, 1000);
    ASSERT_EQ(idsOf(index.query(db(), r)), bruteRect(all, r));
  }
  EXPECT_EQ(keysUnder(Tuple{0}), all.size());
}

TEST_P(SpatialTest, NearestMatchesBruteForce) {
  std::mt19937_64 rng(4);
  for (uint64_t grid : {uint64_t{200}, kSpatialGridSize}) {
    Points all = randomPoints(rng, 400, grid);
    SpatialIndex index(space_);
    db().run([&](Transaction& tr) { index.clear(tr); });
    load(index, all);
    // etcd: 20 queries per grid (each widens its search over several cluster round trips).
    const int queries = kind() == "etcd" ? 20 : 60;
    for (int i = 0; i < queries; ++i) {
      uint64_t x = rng() % grid, y = rng() % grid;
      int k = static_cast<int>(rng() % 12);
      std::vector<std::pair<unsigned __int128, std::string>> ranked;
      for (const auto& [id, at] : all) {
        unsigned __int128 dx = at.first > x ? at.first - x : x - at.first;
        unsigned __int128 dy = at.second > y ? at.second - y : y - at.second;
        ranked.emplace_back(dx * dx + dy * dy, id);
      }
      std::sort(ranked.begin(), ranked.end());
      std::vector<std::string> want;
      for (int j = 0; j < k; ++j) want.push_back(ranked[static_cast<size_t>(j)].second);
      std::vector<std::string> got;
      for (const SpatialPoint& p : index.nearest(db(), x, y, k).points) got.push_back(p.id);
      ASSERT_EQ(got, want) << "at (" << x << "," << y << ") k=" << k;
    }
  }
}

TEST_P(SpatialTest, NearestReturnsEveryPointWhenKExceedsTheCount) {
  SpatialIndex index(space_);
  index.set(db(), "far", 0xFFFFFFFF, 0xFFFFFFFF);
  index.set(db(), "near", 1, 1);
  SpatialQueryResult got = index.nearest(db(), 0, 0, 5);
  ASSERT_EQ(got.points.size(), 2u);
  EXPECT_EQ(got.points[0].id, "near");
  EXPECT_EQ(got.points[1].id, "far");
  SpatialIndex empty(Subspace(Tuple{"spatial-empty"}));
  EXPECT_TRUE(empty.nearest(db(), 5, 5, 3).points.empty());
}

TEST_P(SpatialTest, PolygonQueryMatchesBruteForce) {
  std::mt19937_64 rng(5);
  Points all = randomPoints(rng, 1000, 256);
  SpatialIndex index(space_);
  load(index, all);
  // A concave "L" shape and random triangles.
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> polygons{
      {{10, 10}, {200, 10}, {200, 60}, {60, 60}, {60, 220}, {10, 220}}};
  for (int i = 0; i < 30; ++i) {
    std::vector<std::pair<uint32_t, uint32_t>> tri;
    for (int v = 0; v < 3; ++v) {
      tri.emplace_back(static_cast<uint32_t>(rng() % 256), static_cast<uint32_t>(rng() % 256));
    }
    polygons.push_back(tri);
  }
  for (const auto& poly : polygons) {
    std::vector<std::string> want;
    for (const auto& [id, at] : all) {
      if (SpatialIndex::pointInPolygon(at.first, at.second, poly)) want.push_back(id);
    }
    SpatialQueryResult got =
        db().read([&](Transaction& tr) { return index.queryPolygon(tr, poly); });
    ASSERT_EQ(idsOf(got), want);
  }
  // Inside the L's foot, not in its notch.
  std::vector<std::pair<uint32_t, uint32_t>> ell = polygons[0];
  EXPECT_TRUE(SpatialIndex::pointInPolygon(30, 200, ell));
  EXPECT_TRUE(SpatialIndex::pointInPolygon(150, 30, ell));
  EXPECT_FALSE(SpatialIndex::pointInPolygon(150, 150, ell));
  EXPECT_FALSE(SpatialIndex::pointInPolygon(5, 5, ell));
  EXPECT_FALSE(SpatialIndex::pointInPolygon(5, 5, {{0, 0}, {10, 10}}));
}

TEST_P(SpatialTest, AWriteInsideAQueriedRectangleConflicts) {
  SpatialIndex index(space_);
  index.set(db(), "seed", 500, 500);
  Transaction reader = db().createTransaction();
  EXPECT_EQ(index.query(reader, SpatialRect{400, 400, 600, 600}).points.size(), 1u);
  reader.set("unrelated", "x");  // a read-only transaction never conflicts
  index.set(db(), "intruder", 450, 599);
  EXPECT_EQ(errorCodeOf([&] { reader.commit(); }), 1020);
}

TEST_P(SpatialTest, AWriteOutsideAQueriedRectangleDoesNotConflict) {
  SpatialIndex index(space_);
  index.set(db(), "seed", 500, 500);
  Transaction reader = db().createTransaction();
  EXPECT_EQ(index.query(reader, SpatialRect{400, 400, 600, 600}).points.size(), 1u);
  reader.set("unrelated", "x");
  index.set(db(), "faraway", 3'000'000, 10);
  index.set(db(), "justOutside", 600, 500);  // x1 is exclusive, and on another curve branch
  EXPECT_EQ(errorCodeOf([&] { reader.commit(); }), 0);
}

TEST_P(SpatialTest, MovingAPointOutOfAQueriedRectangleConflicts) {
  SpatialIndex index(space_);
  index.set(db(), "mover", 500, 500);
  Transaction reader = db().createTransaction();
  EXPECT_EQ(index.query(reader, SpatialRect{400, 400, 600, 600}).points.size(), 1u);
  reader.set("unrelated", "x");
  index.set(db(), "mover", 3'000'000, 10);
  EXPECT_EQ(errorCodeOf([&] { reader.commit(); }), 1020);
}

TEST_P(SpatialTest, ANewPointNearerThanTheKthNeighbourConflictsWithNearest) {
  SpatialIndex index(space_);
  index.set(db(), "a", 100, 100);
  index.set(db(), "b", 200, 200);
  Transaction reader = db().createTransaction();
  EXPECT_EQ(index.nearest(reader, 100, 100, 2).points.size(), 2u);
  reader.set("unrelated", "x");
  index.set(db(), "c", 150, 150);
  EXPECT_EQ(errorCodeOf([&] { reader.commit(); }), 1020);
}

TEST_P(SpatialTest, BadInputsThrowTheRightErrors) {
  SpatialIndex index(space_);
  EXPECT_EQ(errorCodeOf([&] { SpatialIndex bad(space_, SpatialOptions{0}); }), 2000);
  EXPECT_EQ(errorCodeOf([&] { index.set(db(), "x", kSpatialGridSize, 0); }), 2006);
  EXPECT_EQ(errorCodeOf([&] { index.set(db(), "x", 0, kSpatialGridSize); }), 2006);
  EXPECT_EQ(errorCodeOf([&] { (void)index.query(db(), {0, 0, kSpatialGridSize + 1, 5}); }), 2006);
  EXPECT_EQ(errorCodeOf([&] { (void)index.query(db(), {0, 0, 5, kSpatialGridSize + 1}); }), 2006);
  EXPECT_EQ(errorCodeOf([&] { (void)index.nearest(db(), 0, 0, -1); }), 2006);
  EXPECT_EQ(errorCodeOf([&] { (void)index.nearest(db(), kSpatialGridSize, 0, 1); }), 2006);
  EXPECT_EQ(errorCodeOf([&] { (void)SpatialIndex::toGrid({180.5, 0}); }), 2006);
  EXPECT_EQ(errorCodeOf([&] { (void)SpatialIndex::toGrid({0, -90.5}); }), 2006);
  EXPECT_EQ(errorCodeOf([&] { (void)SpatialIndex::toGrid({std::nan(""), 0}); }), 2006);
  std::string longId(10'000, 'i');
  EXPECT_EQ(errorCodeOf([&] { index.set(db(), longId, 1, 1); }), 2102);
  EXPECT_EQ(errorCodeOf([&] { (void)index.get(db(), longId); }), 2102);
  EXPECT_EQ(errorCodeOf([&] { (void)index.remove(db(), longId); }), 2102);
  EXPECT_EQ(keysUnder(Tuple{}), 0u);
}

TEST_P(SpatialTest, LongitudeLatitudeFrontEndMapsOntoTheGrid) {
  SpatialIndex index(space_);
  EXPECT_EQ(SpatialIndex::toGrid({-180, -90}), std::make_pair(uint32_t{0}, uint32_t{0}));
  EXPECT_EQ(SpatialIndex::toGrid({180, 90}),
            std::make_pair(uint32_t{0xFFFFFFFF}, uint32_t{0xFFFFFFFF}));
  EXPECT_EQ(SpatialIndex::toGrid({0, 0}), std::make_pair(uint32_t{1} << 31, uint32_t{1} << 31));
  db().run([&](Transaction& tr) {
    index.setLonLat(tr, "paris", {2.3522, 48.8566});
    index.setLonLat(tr, "berlin", {13.4050, 52.5200});
    index.setLonLat(tr, "sydney", {151.2093, -33.8688});
    index.setLonLat(tr, "fiji", {179.5, -17.7});
    index.setLonLat(tr, "samoa", {-172.1, -13.8});
  });
  auto back = db().read([&](Transaction& tr) { return index.getLonLat(tr, "paris"); });
  ASSERT_TRUE(back.has_value());
  EXPECT_NEAR(back->lon, 2.3522, 1e-6);
  EXPECT_NEAR(back->lat, 48.8566, 1e-6);
  auto box = [&](LonLat sw, LonLat ne) {
    return idsOf(db().read([&](Transaction& tr) { return index.queryLonLat(tr, sw, ne); }));
  };
  EXPECT_EQ(box({-10, 35}, {20, 60}), (std::vector<std::string>{"berlin", "paris"}));
  EXPECT_EQ(box({170, -30}, {-160, 0}), (std::vector<std::string>{"fiji", "samoa"}));
  EXPECT_EQ(box({2.3522, 48.8566}, {2.3522, 48.8566}), std::vector<std::string>{"paris"});
  EXPECT_TRUE(box({0, 10}, {10, 0}).empty());
}

TEST_P(SpatialTest, ConcurrentWritersAndMoversKeepOneEntryPerPoint) {
  SpatialIndex index(space_);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) + 10);
      for (int i = 0; i < 60; ++i) {
        // Ids shared between threads: concurrent moves of one point must never leave two entries.
        std::string id = "shared" + std::to_string(rng() % 10);
        index.set(db(), id, rng() % 1000, rng() % 1000);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(keysUnder(Tuple{0}), 10u);
  SpatialQueryResult all = index.query(db(), SpatialRect{0, 0, 1000, 1000});
  ASSERT_EQ(all.points.size(), 10u);
  for (const SpatialPoint& p : all.points) {
    EXPECT_EQ(index.get(db(), p.id), std::make_pair(p.x, p.y));
  }
}

STRATA_ENGINE_SUITE(SpatialTest);
}  // namespace
}  // namespace strata::layers
