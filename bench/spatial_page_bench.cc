// Paged rectangle queries (SpatialIndex::queryPage, docs/BENCHMARKS.md "Spatial index: paged
// rectangle queries") beside the one-transaction query() of the same rectangles, in the same run.
//
//   build/<tree>/bench/spatial_page_bench [--points=N] [--url=URL] [--page-points=P]
//
// N random points (default 1,000,000; uniform on the 2^32 x 2^32 grid) loaded 5,000 per
// transaction into URL (default: file: in a temp dir, nosync), then
//   large  the whole grid (N points) and its lower-left quarter (~N/4): query() in ONE
//          transaction (points/s, or the error it ends with, e.g. transaction_too_old 1007)
//          beside a walk of queryPage() pages (P points, at most 10,000 keys examined each, one
//          transaction per page): points/s, pages, and the ratio paged / single
//   small  1,000 rectangles holding ~100 points each: query() beside a queryPage() walk
//          (queries/s, ratio): the price of paging where one page holds the answer.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "strata/layers/spatial.h"

namespace {

using strata::layers::kSpatialGridSize;
using strata::layers::SpatialIndex;
using strata::layers::SpatialPage;
using strata::layers::SpatialPageOptions;
using strata::layers::SpatialPosition;
using strata::layers::SpatialRect;

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Walk {
  uint64_t points = 0;
  uint64_t pages = 0;
  double seconds = 0;
};

Walk walk(strata::Database& db, const SpatialIndex& index, const SpatialRect& rect,
          const SpatialPageOptions& options) {
  Walk w;
  auto start = std::chrono::steady_clock::now();
  std::optional<SpatialPosition> at;
  do {
    SpatialPage page = index.queryPage(db, rect, at, options);
    w.points += page.result.points.size();
    ++w.pages;
    at = std::move(page.next);
  } while (at);
  w.seconds = secondsSince(start);
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t count = 1'000'000;
  int64_t pagePoints = 10'000;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.starts_with("--points=")) {
      count = std::strtoull(argv[i] + 9, nullptr, 10);
    } else if (a.starts_with("--url=")) {
      url = std::string(a.substr(6));
    } else if (a.starts_with("--page-points=")) {
      pagePoints = std::strtoll(argv[i] + 14, nullptr, 10);
    } else {
      std::fprintf(stderr,
                   "usage: spatial_page_bench [--points=N] [--url=URL] [--page-points=P]\n");
      return 2;
    }
  }
  std::string dir;
  if (url.empty()) {
    dir = (std::filesystem::temp_directory_path() / "strata-spatial-page-bench-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) return 1;
    url = "file:" + dir + "/db?nosync";
  }
  int rc = 0;
  {
    strata::Database db = strata::Database::open(url);
    SpatialIndex index(strata::Subspace(strata::Tuple{"bench", "spatial-page"}));
    std::mt19937_64 rng(42);
    db.run([&](strata::Transaction& tr) { index.clear(tr); });
    auto start = std::chrono::steady_clock::now();
    for (uint64_t i = 0; i < count; i += 5000) {
      std::vector<std::pair<uint32_t, uint32_t>> batch;
      for (uint64_t j = i; j < std::min(count, i + 5000); ++j) {
        batch.emplace_back(static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng()));
      }
      db.run([&](strata::Transaction& tr) {
        for (size_t j = 0; j < batch.size(); ++j) {
          index.set(tr, std::to_string(i + j), batch[j].first, batch[j].second);
        }
      });
    }
    std::printf("url %s, %llu points loaded in %.1f s\n\n", url.c_str(),
                static_cast<unsigned long long>(count), secondsSince(start));

    SpatialPageOptions options;
    options.maxPoints = pagePoints;
    std::printf("%-22s %-8s %12s %14s %8s %10s\n", "rectangle", "how", "points", "points/s",
                "pages", "vs single");
    struct Large {
      const char* name;
      SpatialRect rect;
    };
    for (const Large& large :
         {Large{"whole grid", {0, 0, kSpatialGridSize, kSpatialGridSize}},
          Large{"lower-left quarter", {0, 0, kSpatialGridSize / 2, kSpatialGridSize / 2}}}) {
      double singleRate = 0;
      start = std::chrono::steady_clock::now();
      try {
        auto result = index.query(db, large.rect);
        double s = secondsSince(start);
        singleRate = static_cast<double>(result.points.size()) / s;
        std::printf("%-22s %-8s %12zu %14.0f %8d %10s\n", large.name, "single",
                    result.points.size(), singleRate, 1, "1x");
      } catch (const strata::Error& e) {
        std::printf("%-22s %-8s failed after %.1f s: %s\n", large.name, "single",
                    secondsSince(start), e.what());
      }
      Walk w = walk(db, index, large.rect, options);
      double rate = static_cast<double>(w.points) / w.seconds;
      char ratio[32] = "-";
      if (singleRate > 0) std::snprintf(ratio, sizeof ratio, "%.2fx", rate / singleRate);
      std::printf("%-22s %-8s %12llu %14.0f %8llu %10s\n", large.name, "paged",
                  static_cast<unsigned long long>(w.points), rate,
                  static_cast<unsigned long long>(w.pages), ratio);
      if (w.points != count && large.rect.x1 == kSpatialGridSize) rc = 1;  // must see them all
    }

    // ~100 points per rectangle.
    auto side = static_cast<uint64_t>(static_cast<double>(kSpatialGridSize) *
                                      std::sqrt(100.0 / static_cast<double>(count)));
    std::vector<SpatialRect> rects;
    for (int q = 0; q < 1000; ++q) {
      uint64_t x0 = rng() % (kSpatialGridSize - side + 1),
               y0 = rng() % (kSpatialGridSize - side + 1);
      rects.push_back({x0, y0, x0 + side, y0 + side});
    }
    uint64_t singlePoints = 0, pagedPoints = 0, pages = 0;
    start = std::chrono::steady_clock::now();
    for (const SpatialRect& r : rects) singlePoints += index.query(db, r).points.size();
    double singleSeconds = secondsSince(start);
    start = std::chrono::steady_clock::now();
    for (const SpatialRect& r : rects) {
      Walk w = walk(db, index, r, SpatialPageOptions{});
      pagedPoints += w.points;
      pages += w.pages;
    }
    double pagedSeconds = secondsSince(start);
    std::printf("\n%-22s %-8s %12s %14s %8s %10s\n", "1,000 small rectangles", "how", "points",
                "queries/s", "pages", "vs single");
    std::printf("%-22s %-8s %12llu %14.0f %8d %10s\n", "~100 points each", "single",
                static_cast<unsigned long long>(singlePoints), 1000 / singleSeconds, 1000, "1x");
    std::printf("%-22s %-8s %12llu %14.0f %8llu %9.2fx\n", "~100 points each", "paged",
                static_cast<unsigned long long>(pagedPoints), 1000 / pagedSeconds,
                static_cast<unsigned long long>(pages), singleSeconds / pagedSeconds);
    if (singlePoints != pagedPoints) rc = 1;
  }
  if (!dir.empty()) std::filesystem::remove_all(dir);
  return rc;
}
