// Paged rectangle queries (SpatialIndex::queryPage, SpatialPosition): pages concatenate to
// query()'s answer, resume exactly after the last point returned while other writers add and
// remove points, refuse bad positions, and conflict only on what they read. Runs on every engine
// kind of tests/support/engines.h (memory, file, etcd when STRATA_TEST_ETCD is set).
// STRATA_TEST_SEED=N replays a run (the seed is printed).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "strata/layers/spatial.h"
#include "support/engines.h"

namespace strata::layers {
namespace {

using testsupport::errorCodeOf;

uint64_t testSeed() {
  const char* e = std::getenv("STRATA_TEST_SEED");
  uint64_t seed = e != nullptr ? std::strtoull(e, nullptr, 10) : std::random_device{}();
  std::cout << "STRATA_TEST_SEED=" << seed << "\n";
  return seed;
}

class SpatialPageTest : public testsupport::EngineTest {
 protected:
  // Every page of `rect` from `from` to the end, each checked against its bounds.
  std::vector<SpatialPage> walk(const SpatialIndex& index, const SpatialRect& rect,
                                const SpatialPageOptions& options,
                                std::optional<SpatialPosition> from = std::nullopt) {
    std::vector<SpatialPage> pages;
    do {
      pages.push_back(index.queryPage(db(), rect, from, options));
      const SpatialQueryResult& r = pages.back().result;
      EXPECT_LE(r.points.size(), static_cast<size_t>(options.maxPoints));
      EXPECT_LE(r.scanned, static_cast<uint64_t>(options.maxScanned));
      from = pages.back().next;
      if (pages.size() > 100'000) {
        ADD_FAILURE() << "the walk does not end";
        break;
      }
    } while (from);
    return pages;
  }

  static std::vector<SpatialPoint> pointsOf(const std::vector<SpatialPage>& pages) {
    std::vector<SpatialPoint> all;
    for (const SpatialPage& p : pages) {
      all.insert(all.end(), p.result.points.begin(), p.result.points.end());
    }
    return all;
  }

  Subspace space_{Tuple{"spatial-page-test"}};
};

// Points in clusters, so rectangles see dense and empty parts of the curve.
void loadClusters(Database& db, const SpatialIndex& index, std::mt19937_64& rng, int n,
                  uint32_t grid) {
  std::vector<std::pair<uint32_t, uint32_t>> at;
  std::pair<uint32_t, uint32_t> centre{0, 0};
  for (int i = 0; i < n; ++i) {
    if (i % 20 == 0)
      centre = {static_cast<uint32_t>(rng() % grid), static_cast<uint32_t>(rng() % grid)};
    at.emplace_back(
        std::min<uint32_t>(grid - 1, centre.first + static_cast<uint32_t>(rng() % 40)),
        std::min<uint32_t>(grid - 1, centre.second + static_cast<uint32_t>(rng() % 40)));
  }
  for (int done = 0; done < n; done += 200) {
    db.run([&](Transaction& tr) {
      for (int i = done; i < std::min(n, done + 200); ++i) {
        index.set(tr, "p" + std::to_string(i), at[static_cast<size_t>(i)].first,
                  at[static_cast<size_t>(i)].second);
      }
    });
  }
}

TEST_P(SpatialPageTest, PagesConcatenateToTheOneTransactionQueryForRandomRectangles) {
  std::mt19937_64 rng(testSeed());
  constexpr uint32_t kGrid = 1024;
  for (int maxRanges : {64, 3}) {  // 3: long border ranges, many gap jumps inside each
    SCOPED_TRACE(maxRanges);
    SpatialIndex index(space_.sub(Tuple{maxRanges}), SpatialOptions{maxRanges});
    loadClusters(db(), index, rng, 400, kGrid);
    std::vector<SpatialRect> rects{{0, 0, kSpatialGridSize, kSpatialGridSize}, {5, 5, 5, 900}};
    for (int i = 0; i < 10; ++i) {
      uint64_t a = rng() % (kGrid + 1), b = rng() % (kGrid + 1);
      uint64_t c = rng() % (kGrid + 1), d = rng() % (kGrid + 1);
      rects.push_back({std::min(a, b), std::min(c, d), std::max(a, b), std::max(c, d)});
    }
    for (const SpatialRect& rect : rects) {
      SCOPED_TRACE(::testing::Message()
                   << rect.x0 << " " << rect.y0 << " " << rect.x1 << " " << rect.y1);
      SpatialPageOptions options;
      options.maxPoints = 1 + static_cast<int64_t>(rng() % 40);
      options.maxScanned = 2 + static_cast<int64_t>(rng() % 60);
      SCOPED_TRACE(::testing::Message()
                   << "maxPoints " << options.maxPoints << " maxScanned " << options.maxScanned);
      SpatialQueryResult whole = index.query(db(), rect);
      std::vector<SpatialPage> pages = walk(index, rect, options);
      EXPECT_EQ(pointsOf(pages), whole.points);
      uint64_t ranges = 0;
      for (const SpatialPage& p : pages) ranges += p.result.ranges;
      EXPECT_EQ(ranges, whole.ranges);
    }
  }
}

TEST_P(SpatialPageTest, ARectangleLargerThanOnePageTakesManyPagesAndEndsWithoutAPosition) {
  SpatialIndex index(space_);
  db().run([&](Transaction& tr) {
    for (uint32_t i = 0; i < 100; ++i) index.set(tr, "q" + std::to_string(i), i, 100 - i);
  });
  SpatialPageOptions options;
  options.maxPoints = 7;
  std::vector<SpatialPage> pages = walk(index, SpatialRect{0, 0, 1000, 1000}, options);
  EXPECT_EQ(pages.size(), 15u);  // 14 full pages and 2 points; the look-ahead ends the walk
  EXPECT_EQ(pointsOf(pages).size(), 100u);
  EXPECT_FALSE(pages.back().next.has_value());
  EXPECT_EQ(pages.back().result.points.size(), 2u);

  // A page that holds exactly the last points says so: no position, no empty extra page.
  options.maxPoints = 100;
  pages = walk(index, SpatialRect{0, 0, 1000, 1000}, options);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].result.points.size(), 100u);
}

TEST_P(SpatialPageTest, AnEmptyRectangleIsOnePageWithNothing) {
  SpatialIndex index(space_);
  index.set(db(), "a", 1, 1);
  SpatialPage page = index.queryPage(db(), SpatialRect{3, 3, 3, 10}, std::nullopt);
  EXPECT_TRUE(page.result.points.empty());
  EXPECT_FALSE(page.next.has_value());
  EXPECT_EQ(page.result.scanned, 0u);
}

TEST_P(SpatialPageTest, ResumingAfterConcurrentInsertsAndRemovalsNeitherSkipsNorRepeats) {
  std::mt19937_64 rng(testSeed());
  SpatialIndex index(space_);
  const SpatialRect rect{100, 100, 700, 700};
  std::set<std::string> stable, removable;
  db().run([&](Transaction& tr) {
    for (int i = 0; i < 300; ++i) {
      std::string id = (i % 2 == 0 ? "stable" : "doomed") + std::to_string(i);
      uint32_t x = static_cast<uint32_t>(rng() % 800), y = static_cast<uint32_t>(rng() % 800);
      index.set(tr, id, x, y);
      if (x >= 100 && x < 700 && y >= 100 && y < 700) {
        (i % 2 == 0 ? stable : removable).insert(id);
      }
    }
  });
  SpatialPageOptions options;
  options.maxPoints = 9;
  options.maxScanned = 25;
  std::vector<SpatialPoint> seen;
  std::optional<SpatialPosition> at;
  int added = 0;
  do {
    SpatialPage page = index.queryPage(db(), rect, at, options);
    seen.insert(seen.end(), page.result.points.begin(), page.result.points.end());
    at = page.next;
    // Between pages: remove a few doomed points (behind and ahead of the position), add new ones.
    std::vector<std::string> victims;
    for (int k = 0; k < 3 && !removable.empty(); ++k) {
      auto victim = removable.begin();
      std::advance(victim, static_cast<long>(rng() % removable.size()));
      victims.push_back(*victim);
      removable.erase(victim);
    }
    std::vector<std::pair<uint32_t, uint32_t>> fresh;
    for (int k = 0; k < 2; ++k) {
      fresh.emplace_back(static_cast<uint32_t>(rng() % 800), static_cast<uint32_t>(rng() % 800));
    }
    db().run([&](Transaction& tr) {
      for (const std::string& id : victims) EXPECT_TRUE(index.remove(tr, id));
      for (size_t k = 0; k < fresh.size(); ++k) {
        index.set(tr, "new" + std::to_string(added + static_cast<int>(k)), fresh[k].first,
                  fresh[k].second);
      }
    });
    added += static_cast<int>(fresh.size());
  } while (at);

  std::map<std::string, int> count;
  for (const SpatialPoint& p : seen) {
    ++count[p.id];
    EXPECT_TRUE(p.x >= 100 && p.x < 700 && p.y >= 100 && p.y < 700) << p.id;
  }
  for (const auto& [id, n] : count) EXPECT_EQ(n, 1) << id << " repeated";
  for (const std::string& id : stable) EXPECT_EQ(count.count(id), 1u) << id << " skipped";
  // Curve order across pages, strictly: nothing went backwards.
  for (size_t i = 1; i < seen.size(); ++i) {
    uint64_t za = SpatialIndex::morton(seen[i - 1].x, seen[i - 1].y);
    uint64_t zb = SpatialIndex::morton(seen[i].x, seen[i].y);
    EXPECT_TRUE(za < zb || (za == zb && seen[i - 1].id < seen[i].id)) << i;
  }
}

TEST_P(SpatialPageTest, RemovingTheLastPointReturnedStillResumesRightAfterIt) {
  SpatialIndex index(space_);
  // Same cell: key order is id order within one curve position.
  for (const char* id : {"a", "c", "e"}) index.set(db(), id, 10, 10);
  SpatialPageOptions options;
  options.maxPoints = 1;
  const SpatialRect rect{0, 0, 20, 20};
  SpatialPage first = index.queryPage(db(), rect, std::nullopt, options);
  ASSERT_EQ(first.result.points.size(), 1u);
  EXPECT_EQ(first.result.points[0].id, "a");
  ASSERT_TRUE(first.next.has_value());
  EXPECT_TRUE(index.remove(db(), "a"));
  index.set(db(), "0", 10, 10);  // behind the position: not seen
  index.set(db(), "b", 10, 10);  // ahead of it: seen
  std::vector<std::string> rest;
  for (const SpatialPage& p : walk(index, rect, options, first.next)) {
    for (const SpatialPoint& pt : p.result.points) rest.push_back(pt.id);
  }
  EXPECT_EQ(rest, (std::vector<std::string>{"b", "c", "e"}));
}

TEST_P(SpatialPageTest, PositionsRoundTripThroughTheirBytes) {
  SpatialPosition p{SpatialRect{0, 1, kSpatialGridSize, kSpatialGridSize}, 64, 63, ~uint64_t{0},
                    std::string("id\0\xff", 4)};
  EXPECT_EQ(SpatialPosition::unpack(p.pack()), p);
  p.afterId.reset();
  p.z = 0;
  EXPECT_EQ(SpatialPosition::unpack(p.pack()), p);
}

TEST_P(SpatialPageTest, GarbledOrForeignPositionsAreInvalidInput) {
  SpatialIndex index(space_);
  for (uint32_t i = 0; i < 20; ++i) index.set(db(), "g" + std::to_string(i), i, i);
  const SpatialRect rect{0, 0, 50, 50};
  SpatialPageOptions options;
  options.maxPoints = 3;
  SpatialPage page = index.queryPage(db(), rect, std::nullopt, options);
  ASSERT_TRUE(page.next.has_value());
  const std::string bytes = page.next->pack();

  for (const std::string& garbled :
       {std::string(), std::string("xyz"), bytes.substr(0, bytes.size() - 3),
        bytes.substr(0, bytes.size() / 2), bytes + "\x15\x01",
        Tuple{"spatial.position", 2, 0, 0, 50, 50, 64, 0, 0, nullptr}.pack(),
        Tuple{"spatial.position", 1, 0, 0, 50, 50, 64, 0, -1, nullptr}.pack(),
        Tuple{"spatial.position", 1, 0, 0, 50, 50, 0, 0, 0, nullptr}.pack(),
        Tuple{"spatial.position", 1, 0, 0, int64_t{1} << 33, 50, 64, 0, 0, nullptr}.pack(),
        Tuple{"spatial.position", 1, 0, 0, 50, 50, 64, 0, 0, "text"}.pack(),
        Tuple{"other", 1, 0, 0, 50, 50, 64, 0, 0, nullptr}.pack()}) {
    EXPECT_EQ(errorCodeOf([&] { (void)SpatialPosition::unpack(garbled); }), 3005)
        << Tuple{Bytes(garbled)};
  }

  auto pageFrom = [&](SpatialPosition p, const SpatialRect& r) {
    return errorCodeOf([&] { (void)index.queryPage(db(), r, p, options); });
  };
  SpatialPosition good = *page.next;
  EXPECT_EQ(pageFrom(good, rect), 0);
  EXPECT_EQ(pageFrom(good, SpatialRect{0, 0, 51, 50}), 3005);  // another rectangle
  SpatialIndex coarser(space_, SpatialOptions{2});
  EXPECT_EQ(errorCodeOf([&] { (void)coarser.queryPage(db(), rect, good, options); }), 3005);
  SpatialPosition p = good;
  p.range = 1'000'000;
  EXPECT_EQ(pageFrom(p, rect), 3005);
  p = good;
  p.z = ~uint64_t{0};  // outside every range of this rectangle
  EXPECT_EQ(pageFrom(p, rect), 3005);
  p = good;
  p.afterId = std::string(20'000, 'x');
  EXPECT_EQ(pageFrom(p, rect), 3005);
  p = good;
  p.rect = SpatialRect{3, 3, 3, 3};  // an empty rectangle has no position at all
  EXPECT_EQ(pageFrom(p, p.rect), 3005);
}

TEST_P(SpatialPageTest, BoundsBelowOneAndRectanglesPastTheGridAreInvalidOptionValues) {
  SpatialIndex index(space_);
  for (auto change : {+[](SpatialPageOptions& o) { o.maxPoints = 0; },
                      +[](SpatialPageOptions& o) { o.maxScanned = 0; },
                      +[](SpatialPageOptions& o) { o.maxScannedBytes = -1; }}) {
    SpatialPageOptions options;
    change(options);
    EXPECT_EQ(errorCodeOf([&] {
                (void)index.queryPage(db(), SpatialRect{0, 0, 5, 5}, std::nullopt, options);
              }),
              2006);
  }
  EXPECT_EQ(errorCodeOf([&] {
              (void)index.queryPage(db(), SpatialRect{0, 0, kSpatialGridSize + 1, 5}, std::nullopt);
            }),
            2006);
}

TEST_P(SpatialPageTest, AScanBoundOfOneKeyStillMakesProgressThroughGaps) {
  SpatialIndex index(space_, SpatialOptions{1});  // one range: the whole rectangle's curve span
  // Points just outside the rectangle lie inside its curve span: each costs a scanned key.
  db().run([&](Transaction& tr) {
    for (uint32_t i = 0; i < 30; ++i) {
      index.set(tr, "in" + std::to_string(i), 8 + i % 8, 8 + i / 8);
      index.set(tr, "out" + std::to_string(i), 16 + i % 8, 8 + i / 8);
    }
  });
  SpatialPageOptions options;
  options.maxScanned = 1;
  const SpatialRect rect{8, 8, 16, 16};
  std::vector<SpatialPage> pages = walk(index, rect, options);
  EXPECT_EQ(pointsOf(pages), index.query(db(), rect).points);
  EXPECT_EQ(pointsOf(pages).size(), 30u);
  EXPECT_GE(pages.size(), 30u);
}

TEST_P(SpatialPageTest, APageConflictsOnlyOnTheKeysItRead) {
  // A short subspace and a far write: etcd decides conflicts on key prefixes of at most 32 bytes
  // (docs/engines/etcd.md#conflicts), so the keys must differ early to be told apart there.
  SpatialIndex index(Subspace(Tuple{"c"}));
  for (uint32_t i = 0; i < 8; ++i) index.set(db(), "c" + std::to_string(i), 2 * i, 0);
  const SpatialRect rect{0, 0, kSpatialGridSize, kSpatialGridSize};
  SpatialPageOptions options;
  options.maxPoints = 2;

  // A write far ahead of where the page stopped (still inside the rectangle) does not conflict.
  {
    Transaction reader = db().createTransaction();
    SpatialPage page = index.queryPage(reader, rect, std::nullopt, options);
    ASSERT_EQ(page.result.points.size(), 2u);  // (0,0) and (2,0)
    reader.set("unrelated", "x");
    index.set(db(), "ahead", 0xFFFF0000u, 0xFFFF0000u);
    EXPECT_EQ(errorCodeOf([&] { reader.commit(); }), 0);
  }
  // A write into the part it read does.
  {
    Transaction reader = db().createTransaction();
    SpatialPage page = index.queryPage(reader, rect, std::nullopt, options);
    ASSERT_EQ(page.result.points.size(), 2u);
    reader.set("unrelated", "x");
    index.set(db(), "behind", 1, 0);  // between (0,0) and (2,0) on the curve
    EXPECT_EQ(errorCodeOf([&] { reader.commit(); }), 1020);
  }
}

STRATA_ENGINE_SUITE(SpatialPageTest);

}  // namespace
}  // namespace strata::layers
