// `strata spatial`: 2-D point indexes (include/strata/layers/spatial.h) under
// ("strata.spatial", NAME) (docs/FORMATS.md#spatial-index).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
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

// `spatial query`: pages of SpatialIndex::queryPage(), each in its own transaction. The token
// ("s2", packListingToken) wraps SpatialPosition::pack() with the name and rectangle, so another
// rectangle's token (or an "s1" token of the old id-order listing) is refused.
template <class Args>
void runQuery(const Args& a, Context& context) {
  constexpr int64_t kPagePoints = 1000;
  const std::string fingerprint = fmt::format("{}\n{} {} {} {}", a.name, a.x0, a.y0, a.x1, a.y1);
  const layers::SpatialRect rect{a.x0, a.y0, a.x1, a.y1};
  const layers::SpatialIndex index = indexNamed(a.name);
  std::optional<layers::SpatialPosition> position;
  if (!a.listing.token.empty()) {
    Tuple t = unpackListingToken("s2", a.listing.token, "spatial query", fingerprint);
    if (t.size() != 3 || t.type(2) != TupleType::kBytes) {
      throwError(ErrorCode::invalid_input, "not a continuation token of this 'spatial query'");
    }
    position = layers::SpatialPosition::unpack(t.getBytes(2));
  }
  Database db = openDatabase(context);
  const int64_t limit = a.listing.limit;
  // A listing (--limit or --continue) prints each page as it comes, in curve order; a plain
  // query collects the rectangle and prints it sorted by id.
  const bool listing = limit != 0 || position.has_value();
  layers::SpatialPageOptions options;
  options.maxScanned = a.scanPerTransaction;
  layers::SpatialQueryResult total;  // points kept only to sort a plain query's answer
  int64_t returned = 0;
  auto addWork = [&](const layers::SpatialQueryResult& r) {
    total.scanned += r.scanned;
    total.reads += r.reads;
  };
  bool first = true;
  while ((first || position) && (limit == 0 || returned < limit)) {
    first = false;
    options.maxPoints = limit == 0 ? kPagePoints : std::min(kPagePoints, limit - returned);
    layers::SpatialPage page = index.queryPage(db, rect, position, options);
    addWork(page.result);
    total.ranges += page.result.ranges;
    returned += static_cast<int64_t>(page.result.points.size());
    for (layers::SpatialPoint& p : page.result.points) {
      if (listing) {
        fmt::print("{} {} {}\n", p.id, p.x, p.y);
      } else {
        total.points.push_back(std::move(p));
      }
    }
    position = std::move(page.next);
  }
  // The limit was reached: a token only when a point remains (pages that stopped at their scan
  // bound may leave a position with nothing after it).
  std::optional<layers::SpatialPosition> resume;
  while (position) {
    options.maxPoints = 1;
    layers::SpatialPage peek = index.queryPage(db, rect, position, options);
    addWork(peek.result);
    if (!peek.result.points.empty()) {
      resume = position;
      break;
    }
    position = std::move(peek.next);
  }
  if (!listing) {
    std::sort(
        total.points.begin(), total.points.end(),
        [](const layers::SpatialPoint& a, const layers::SpatialPoint& b) { return a.id < b.id; });
    for (const layers::SpatialPoint& p : total.points) fmt::print("{} {} {}\n", p.id, p.x, p.y);
  }
  fmt::print(stderr, "returned {} of {} keys scanned ({} curve ranges, {} reads)\n", returned,
             total.scanned, total.ranges, total.reads);
  if (resume) {
    fmt::print(stderr, "next: {}\n",
               packListingToken("s2", Tuple{"spatial query", fingerprint, Bytes(resume->pack())}));
  }
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
    int64_t scanPerTransaction = layers::SpatialPageOptions{}.maxScanned;
  };
  auto queryArgs = std::make_shared<QueryArgs>();
  CLI::App* query = spatial->add_subcommand(
      "query",
      "Print the points in [X0, X1) x [Y0, Y1), one \"ID X Y\" line each, sorted by id; the keys "
      "scanned versus returned go to stderr. The rectangle is read in bounded transactions "
      "(any number of points). With --limit or --continue, points come page by page in curve "
      "(Z-order) order, and with --limit the last stderr line is 'next: TOKEN' when more "
      "remain.");
  query->footer(
      "Examples:\n  strata spatial query cafes 0 0 200 200\n  strata spatial query cafes 0 0 200 "
      "200 --limit 100\n  strata spatial query cafes 0 0 200 200 --limit 100 --continue TOKEN");
  query->add_option("NAME", queryArgs->name, "Index name")->required();
  query->add_option("X0", queryArgs->x0, "Lowest x (inclusive)")->required();
  query->add_option("Y0", queryArgs->y0, "Lowest y (inclusive)")->required();
  query->add_option("X1", queryArgs->x1, "Highest x (exclusive, up to 2^32)")->required();
  query->add_option("Y1", queryArgs->y1, "Highest y (exclusive, up to 2^32)")->required();
  queryArgs->listing.addTo(*query);
  // Hidden: the keys one transaction examines (tests force many transactions with a small one).
  query
      ->add_option("--scan-per-transaction", queryArgs->scanPerTransaction,
                   "Most curve keys one transaction examines (default 10,000)")
      ->check(CLI::PositiveNumber)
      ->group("");
  query->callback([queryArgs, &context] { runQuery(*queryArgs, context); });

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
