// `strata spatial`: 2-D point indexes (include/strata/layers/spatial.h) under
// ("strata.spatial", NAME) (docs/FORMATS.md#spatial-index).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common.h"
#include "listing.h"
#include "strata/layers/spatial.h"

namespace strata::cli {
namespace {

layers::SpatialIndex indexNamed(const std::string& name) {
  return layers::SpatialIndex(Subspace(Tuple{"strata.spatial"}).sub(Tuple{name}));
}

// Prints "ID X Y" lines sorted by id, and the work done on stderr.
void printSortedById(layers::SpatialQueryResult result) {
  std::sort(
      result.points.begin(), result.points.end(),
      [](const layers::SpatialPoint& a, const layers::SpatialPoint& b) { return a.id < b.id; });
  for (const layers::SpatialPoint& p : result.points) fmt::print("{} {} {}\n", p.id, p.x, p.y);
  fmt::print(stderr, "returned {} of {} keys scanned ({} curve ranges, {} reads)\n",
             result.points.size(), result.scanned, result.ranges, result.reads);
}

}  // namespace

void addSpatialCommands(CLI::App& app, Context& context) {
  CLI::App* spatial = app.add_subcommand(
      "spatial",
      "2-D point indexes on a Z-order curve, under (\"strata.spatial\", NAME). Coordinates are "
      "integers in [0, 2^32).");
  spatial->footer(
      "Examples:\n  strata spatial set cafes corner 100 100\n  strata spatial near cafes 110 95 3");
  spatial->require_subcommand(1);

  struct SetArgs {
    std::string name, id;
    uint64_t x = 0, y = 0;
  };
  auto setArgs = std::make_shared<SetArgs>();
  CLI::App* set = spatial->add_subcommand(
      "set", "Place point ID at (X, Y), moving it if it exists. Safe to rerun.");
  set->footer("Examples:\n  strata spatial set cafes corner 100 100");
  set->add_option("NAME", setArgs->name, "Index name")->required();
  set->add_option("ID", setArgs->id, "Point id")->required();
  set->add_option("X", setArgs->x, "X in [0, 2^32)")->required();
  set->add_option("Y", setArgs->y, "Y in [0, 2^32)")->required();
  set->callback([setArgs, &context] {
    Database db = openDatabase(context);
    indexNamed(setArgs->name).set(db, setArgs->id, setArgs->x, setArgs->y);
  });

  struct IdArgs {
    std::string name, id;
  };
  auto getArgs = std::make_shared<IdArgs>();
  CLI::App* get =
      spatial->add_subcommand("get", "Print \"X Y\" of point ID; exit 3 when it is absent.");
  get->footer("Examples:\n  strata spatial get cafes corner");
  get->add_option("NAME", getArgs->name, "Index name")->required();
  get->add_option("ID", getArgs->id, "Point id")->required();
  get->callback([getArgs, &context] {
    Database db = openDatabase(context);
    auto at = indexNamed(getArgs->name).get(db, getArgs->id);
    if (!at) {
      fmt::print(stderr, "no point '{}'\n", getArgs->id);
      context.exitCode = kExitAbsent;
      return;
    }
    fmt::print("{} {}\n", at->first, at->second);
  });

  auto rmArgs = std::make_shared<IdArgs>();
  CLI::App* rm =
      spatial->add_subcommand("rm", "Remove point ID; exit 3 when it was already absent.");
  rm->footer("Examples:\n  strata spatial rm cafes corner");
  rm->add_option("NAME", rmArgs->name, "Index name")->required();
  rm->add_option("ID", rmArgs->id, "Point id")->required();
  rm->callback([rmArgs, &context] {
    Database db = openDatabase(context);
    if (!indexNamed(rmArgs->name).remove(db, rmArgs->id)) {
      fmt::print(stderr, "no point '{}'\n", rmArgs->id);
      context.exitCode = kExitAbsent;
    }
  });

  struct QueryArgs {
    std::string name;
    uint64_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    ListingArgs listing;
  };
  auto queryArgs = std::make_shared<QueryArgs>();
  CLI::App* query = spatial->add_subcommand(
      "query",
      "Print the points in [X0, X1) x [Y0, Y1), one \"ID X Y\" line each, sorted by id; the keys "
      "scanned versus returned go to stderr. With --limit or --continue, the points are listed "
      "by walking every point's location in id order (no curve ranges, no stderr statistics).");
  query->footer(
      "Examples:\n  strata spatial query cafes 0 0 200 200\n  strata spatial query cafes 0 0 200 "
      "200 --limit 100 --continue TOKEN");
  query->add_option("NAME", queryArgs->name, "Index name")->required();
  query->add_option("X0", queryArgs->x0, "Lowest x (inclusive)")->required();
  query->add_option("Y0", queryArgs->y0, "Lowest y (inclusive)")->required();
  query->add_option("X1", queryArgs->x1, "Highest x (exclusive, up to 2^32)")->required();
  query->add_option("Y1", queryArgs->y1, "Highest y (exclusive, up to 2^32)")->required();
  queryArgs->listing.addTo(*query);
  query->callback([queryArgs, &context] {
    Database db = openDatabase(context);
    const QueryArgs& a = *queryArgs;
    if (a.listing.limitOption->count() > 0 || !a.listing.token.empty()) {
      if (a.x1 > layers::kSpatialGridSize || a.y1 > layers::kSpatialGridSize) {
        throwError(ErrorCode::invalid_option_value, "rectangle bounds must be <= 2^32");
      }
      layers::SpatialIndex index = indexNamed(a.name);
      // A continuation scan of the id -> location rows, filtered by the rectangle. The token
      // ("s1", packListingToken) wraps the scan's with the rectangle, so another rectangle's
      // token is refused.
      const std::string fingerprint =
          fmt::format("{}\n{} {} {} {}", a.name, a.x0, a.y0, a.x1, a.y1);
      KeyRange range = index.locationRange();
      std::optional<Scan> scan;
      if (a.listing.token.empty()) {
        scan.emplace(Scan::open(db, range.begin, range.end));
      } else {
        Tuple t = unpackListingToken("s1", a.listing.token, "spatial query", fingerprint);
        if (t.size() != 3 || t.type(2) != TupleType::kString) {
          throwError(ErrorCode::invalid_input, "not a continuation token of this 'spatial query'");
        }
        scan.emplace(Scan::resume(db, range.begin, range.end, t.getString(2)));
      }
      int64_t printed = 0;
      while (a.listing.limit == 0 || printed < a.listing.limit) {
        std::optional<KeyValue> row = scan->next();
        if (!row) return;
        layers::SpatialPoint p = index.pointOfLocation(*row);
        if (p.x < a.x0 || p.x >= a.x1 || p.y < a.y0 || p.y >= a.y1) continue;
        fmt::print("{} {} {}\n", p.id, p.x, p.y);
        ++printed;
      }
      if (scan->hasMore()) {
        fmt::print(
            stderr, "next: {}\n",
            packListingToken("s1", Tuple{"spatial query", fingerprint, scan->continuation()}));
      }
      return;
    }
    printSortedById(indexNamed(a.name).query(db, layers::SpatialRect{a.x0, a.y0, a.x1, a.y1}));
  });

  struct NearArgs {
    std::string name;
    uint64_t x = 0, y = 0;
    int k = 0;
  };
  auto nearArgs = std::make_shared<NearArgs>();
  CLI::App* near = spatial->add_subcommand(
      "near",
      "Print the K points nearest to (X, Y), nearest first (ties by id), one \"ID X Y\" line "
      "each; the keys scanned go to stderr.");
  near->footer("Examples:\n  strata spatial near cafes 110 95 3");
  near->add_option("NAME", nearArgs->name, "Index name")->required();
  near->add_option("X", nearArgs->x, "X in [0, 2^32)")->required();
  near->add_option("Y", nearArgs->y, "Y in [0, 2^32)")->required();
  near->add_option("K", nearArgs->k, "How many neighbours")->required();
  near->callback([nearArgs, &context] {
    Database db = openDatabase(context);
    const NearArgs& a = *nearArgs;
    layers::SpatialQueryResult result = indexNamed(a.name).nearest(db, a.x, a.y, a.k);
    for (const layers::SpatialPoint& p : result.points) fmt::print("{} {} {}\n", p.id, p.x, p.y);
    fmt::print(stderr, "returned {} of {} keys scanned\n", result.points.size(), result.scanned);
  });

  struct PolygonArgs {
    std::string name;
    std::vector<uint64_t> coordinates;
  };
  auto polygonArgs = std::make_shared<PolygonArgs>();
  CLI::App* polygon = spatial->add_subcommand(
      "polygon",
      "Print the points inside the polygon X1 Y1 X2 Y2 X3 Y3 ... (at least 3 vertices, even-odd "
      "rule), one \"ID X Y\" line each, sorted by id.");
  polygon->footer("Examples:\n  strata spatial polygon cafes 0 0 200 0 100 200");
  polygon->add_option("NAME", polygonArgs->name, "Index name")->required();
  polygon->add_option("VERTICES", polygonArgs->coordinates, "X Y pairs")->required();
  polygon->callback([polygonArgs, &context] {
    const std::vector<uint64_t>& c = polygonArgs->coordinates;
    if (c.size() % 2 != 0 || c.size() < 6) {
      throw CLI::ValidationError("VERTICES", "need at least 3 X Y pairs");
    }
    std::vector<std::pair<uint32_t, uint32_t>> vertices;
    for (size_t i = 0; i < c.size(); i += 2) {
      if (c[i] >= layers::kSpatialGridSize || c[i + 1] >= layers::kSpatialGridSize) {
        throwError(ErrorCode::invalid_option_value, "vertex coordinates must be < 2^32");
      }
      vertices.emplace_back(static_cast<uint32_t>(c[i]), static_cast<uint32_t>(c[i + 1]));
    }
    Database db = openDatabase(context);
    layers::SpatialIndex index = indexNamed(polygonArgs->name);
    printSortedById(db.read([&](Transaction& tr) { return index.queryPolygon(tr, vertices); }));
  });
}

}  // namespace strata::cli
