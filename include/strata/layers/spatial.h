// SpatialIndex: 2-D points with byte-string ids under a caller's Subspace, indexed on a Z-order
// (Morton) curve so that rectangle queries, k-nearest-neighbour searches and point-in-polygon
// queries read only the parts of the curve that can hold an answer.
//
// Coordinates are integers in [0, 2^32) on each axis; the Morton code z interleaves them (bit k of
// x -> bit 2k of z, bit k of y -> bit 2k+1), a 64-bit value stored big-endian so key order is curve
// order. A longitude/latitude front end (toGrid / fromGrid and the *LonLat methods) maps
// [-180, 180] x [-90, 90] degrees linearly onto the grid (about 8.4e-8 degrees per step in x).
//
// A rectangle query [x0, x1) x [y0, y1) first splits the rectangle into at most
// SpatialOptions::maxRanges curve ranges (a quadtree decomposition: cells fully inside become
// exact ranges; cells on the border are split level by level while the budget lasts), then reads
// each range with snapshot reads, and inside a border range jumps over the curve's gaps: at the
// first key outside the rectangle it computes the next curve position inside it (BIGMIN) and
// resumes the read there. No read runs past a range, so nothing far outside the rectangle is read.
//
// Key layout (docs/FORMATS.md#spatial-index, tuple-encoded under the subspace):
//   (0, z, id) -> ""          one point; z = 8-byte big-endian Morton code (tuple bytes)
//   (1, id)    -> z           the point's location, 8 bytes big-endian
//
// Cost per call (R = curve ranges of the decomposition, S = keys scanned):
//   set: 1 read of (1, id) (conflicting: a concurrent set/remove of the same id retries), 0-1
//     clear of the old curve entry, 2 writes. The old curve entry is removed in the same
//     transaction, so a move never leaves a stale point.
//   get: 1 read (conflicting on (1, id)). remove: 1 read, 2 clears.
//   query: R snapshot range reads (each bounded by its range, restarted once per gap jumped),
//     S keys examined, R read-conflict ranges, one per covered curve range: a write inside the
//     rectangle conflicts with the query's transaction; a write outside every covered range does
//     not. The covered ranges are exact for cells fully inside and may overhang the rectangle by
//     border cells no larger than the decomposition's finest level.
//   nearest: expanding square queries (x4 while empty, x2 while short of k, then one square of
//     the k-th candidate's distance: at most ~34 rounds); conflict ranges for the final square.
//   queryPolygon: one query of the polygon's bounding box, filtered by pointInPolygon.
//   queryPage: as query, but stops after SpatialPageOptions::maxPoints points or maxScanned keys
//     examined (or maxScannedBytes of keys), so its transaction stays small whatever the
//     rectangle holds; its read-conflict ranges cover only the part of the curve ranges it read.
//
// Paged rectangle queries (queryPage, SpatialPosition): a rectangle holding millions of points
// does not fit in one transaction. queryPage() reads one bounded page of the same curve ranges
// query() reads (same decomposition, same gap jumps: the cost stays proportional to the
// rectangle, not to the index) and returns a SpatialPosition to resume from in a later
// transaction, or in another process (SpatialPosition::pack()). Pages come in curve order; with
// no write meanwhile they concatenate to exactly query()'s answer. A page that throws (a read
// error, or 1007 on a stalled engine) changes nothing: retry it from the same position.
// Consistency: each page is a consistent snapshot (one transaction); the walk as a whole is not.
// A point present and unmoved for the whole walk is returned exactly once; a point added behind
// the position is missed, one added ahead is returned, one removed ahead is not returned, one
// moved during the walk may be returned twice (old and new place) or not at all.
//
// On commit_unknown_result (1021): every mutation is idempotent: set(id, x, y) sets the same
// state when run again (a retry finds the point already at (x, y) and only rewrites it);
// remove(id) of an absent id does nothing; clear() clears again. Retrying after 1021 is safe.
//
// Limits: ids up to ~9,900 bytes (key limit 10,000: key_too_large 2102). Coordinates must be
// < 2^32 (invalid_option_value 2006). A query's read-conflict ranges count toward the 10 MB
// commit limit (maxRanges keeps them few). query() returns all its points from one
// transaction: keep it to rectangles that fit in memory and in the 5-second transaction window,
// and walk larger ones with queryPage(), whose every page is bounded.
//
// Thread safety: immutable after construction; share freely. A SpatialPosition is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/kv.h"
#include "strata/subspace.h"

namespace strata::layers {

// One past the largest coordinate on each axis.
inline constexpr uint64_t kSpatialGridSize = uint64_t{1} << 32;

struct SpatialPoint {
  std::string id;
  uint32_t x = 0;
  uint32_t y = 0;
  bool operator==(const SpatialPoint&) const = default;
};

// A half-open rectangle [x0, x1) x [y0, y1); x1 and y1 may be kSpatialGridSize. Empty when
// x0 >= x1 or y0 >= y1.
struct SpatialRect {
  uint64_t x0 = 0;
  uint64_t y0 = 0;
  uint64_t x1 = 0;
  uint64_t y1 = 0;
  bool operator==(const SpatialRect&) const = default;
};

// What a query returns: the points, and how much work finding them took.
struct SpatialQueryResult {
  // The points inside, in curve (Morton) order; nearest(): by distance, then id.
  std::vector<SpatialPoint> points;
  // Keys examined (inside and outside the shape); points.size() of them were returned.
  uint64_t scanned = 0;
  // Curve ranges the query was split into (each one read, each one a read-conflict range).
  uint64_t ranges = 0;
  // Range reads issued (one per range, plus one per gap jumped inside a range).
  uint64_t reads = 0;
};

struct SpatialOptions {
  // Most curve ranges a rectangle is split into. More ranges read less outside the rectangle
  // and give narrower conflict ranges, at one range read each. Must be >= 1.
  int maxRanges = 64;
};

// Where a paged rectangle query resumes: inside curve range `range` of the rectangle's
// decomposition, at the first curve key after (z, afterId), or at or after curve position z when
// afterId is std::nullopt. A position belongs to one rectangle and one decomposition budget
// (SpatialOptions::maxRanges), which it records: queryPage() refuses it for any other.
//
// Bytes (pack/unpack, docs/FORMATS.md#spatial-index): the tuple
//   ("spatial.position", 1, x0, y0, x1, y1, maxRanges, range, z, afterId or null)
// with z a uint64 integer and afterId bytes. Printable forms (the CLI's tokens) wrap these bytes.
struct SpatialPosition {
  SpatialRect rect;
  int maxRanges = 0;
  uint64_t range = 0;
  uint64_t z = 0;
  std::optional<std::string> afterId;
  bool operator==(const SpatialPosition&) const = default;

  // Returns: the bytes above (binary; not printable).
  [[nodiscard]] std::string pack() const;
  // The position packed in `bytes`.
  // Throws: invalid_input (3005) for bytes that are not a packed position (garbled, truncated,
  //   another version, fields out of range).
  [[nodiscard]] static SpatialPosition unpack(std::string_view bytes);
};

// Bounds of one page of queryPage(): what keeps its transaction well inside the 5-second and
// 10 MB limits. Each must be >= 1.
struct SpatialPageOptions {
  // Most points a page returns.
  int64_t maxPoints = 1000;
  // Most curve keys a page examines (inside and outside the rectangle). With the default, a page
  // reads at most ~10,000 keys, milliseconds on every engine.
  int64_t maxScanned = 10'000;
  // A page stops examining keys once the keys it examined total this many bytes (long ids).
  int64_t maxScannedBytes = 1 << 20;
};

// One page of a paged rectangle query.
struct SpatialPage {
  // points: in curve order, at most maxPoints. scanned and reads: this page's work. ranges: the
  // curve ranges this page began reading (so over a whole walk they sum to query()'s ranges).
  SpatialQueryResult result;
  // Where the next page starts; std::nullopt when the walk is complete (no point of the
  // rectangle remains after the last one returned, at this page's snapshot). A page that stopped
  // at its scan bound returns a position even if nothing is left: the next page then says so.
  std::optional<SpatialPosition> next;
};

// Longitude/latitude in degrees.
struct LonLat {
  double lon = 0;
  double lat = 0;
};

class SpatialIndex {
 public:
  // Throws: client_invalid_operation (2000) for maxRanges < 1.
  explicit SpatialIndex(Subspace subspace, SpatialOptions options = {});

  [[nodiscard]] const Subspace& subspace() const noexcept { return subspace_; }

  // Places point `id` at (x, y), moving it if it exists (its old curve entry is cleared here).
  // Throws: invalid_option_value (2006) for x or y >= 2^32; key_too_large (2102) for a long id.
  // Conflicts: reads (1, id).
  void set(Transaction& tr, std::string_view id, uint64_t x, uint64_t y) const;
  // Returns: (x, y) of `id`, or std::nullopt when absent. Conflicts: reads (1, id).
  [[nodiscard]] std::optional<std::pair<uint32_t, uint32_t>> get(Transaction& tr,
                                                                 std::string_view id) const;
  // Removes `id`. Returns: true if it existed (a Database& retry after 1021 may say false for a
  // removal that did land). Throws: key_too_large (2102). Conflicts: reads (1, id).
  bool remove(Transaction& tr, std::string_view id) const;
  // Removes every point. Cost: one range clear.
  void clear(Transaction& tr) const;

  // The points in `rect` (half-open). An empty rectangle returns nothing and reads nothing.
  // Throws: invalid_option_value (2006) when x1 or y1 > 2^32.
  // Conflicts: one read-conflict range per covered curve range (see the header).
  [[nodiscard]] SpatialQueryResult query(Transaction& tr, const SpatialRect& rect) const;
  // One bounded page of query(tr, rect): the points of `rect` after `from` (from the start when
  // std::nullopt) in curve order, stopping after options.maxPoints points or options.maxScanned
  // keys (or maxScannedBytes) examined, whichever comes first. Before stopping on maxPoints it
  // looks ahead (within the same bounds) for one more point, so `next` is std::nullopt when the
  // page reached the end. Run each page in its own transaction (the Database& overload does);
  // see the header on consistency across pages.
  // Returns: the points, the next position (std::nullopt when done) and this page's work.
  // Throws: invalid_option_value (2006) when x1 or y1 > 2^32 or an option is < 1; invalid_input
  //   (3005) when `from` was made for another rectangle or maxRanges, or names a curve range or
  //   position outside the decomposition.
  // Conflicts: one read-conflict range per curve range the page read, covering only the keys
  //   from its start to where it stopped (snapshot reads otherwise): a write there conflicts.
  // Cost: at most maxScanned keys examined (maxPoints + the look-ahead), one range read per
  //   curve range entered plus one per gap jumped; the decomposition is recomputed per page (CPU
  //   only, O(maxRanges) cells per level).
  [[nodiscard]] SpatialPage queryPage(Transaction& tr, const SpatialRect& rect,
                                      const std::optional<SpatialPosition>& from,
                                      const SpatialPageOptions& options = {}) const;
  // The `k` points nearest to (x, y) by Euclidean distance, nearest first, ties by id; fewer when
  // the index holds fewer. Exact. Throws: invalid_option_value (2006) for x or y >= 2^32 or
  // k < 0. Conflicts: the final search square's curve ranges.
  [[nodiscard]] SpatialQueryResult nearest(Transaction& tr, uint64_t x, uint64_t y, int k) const;
  // The points inside the simple or self-intersecting polygon `vertices` (even-odd rule, see
  // pointInPolygon), in curve order. Fewer than 3 vertices: nothing.
  // Conflicts: the bounding box's curve ranges.
  [[nodiscard]] SpatialQueryResult queryPolygon(
      Transaction& tr, const std::vector<std::pair<uint32_t, uint32_t>>& vertices) const;

  // Longitude/latitude front end: the same calls on toGrid() coordinates.
  // Throws: invalid_option_value (2006) for lon outside [-180, 180] or lat outside [-90, 90].
  void setLonLat(Transaction& tr, std::string_view id, LonLat where) const;
  [[nodiscard]] std::optional<LonLat> getLonLat(Transaction& tr, std::string_view id) const;
  // The points whose grid cell lies in the box [sw.lon, ne.lon] x [sw.lat, ne.lat] (both ends
  // inclusive). A box crossing the antimeridian (sw.lon > ne.lon) is two rectangles.
  [[nodiscard]] SpatialQueryResult queryLonLat(Transaction& tr, LonLat sw, LonLat ne) const;

  // Database& conveniences: each runs the method above inside Database::run() (reads inside
  // Database::read()).
  void set(Database& db, std::string_view id, uint64_t x, uint64_t y) const;
  [[nodiscard]] std::optional<std::pair<uint32_t, uint32_t>> get(Database& db,
                                                                 std::string_view id) const;
  bool remove(Database& db, std::string_view id) const;
  [[nodiscard]] SpatialQueryResult query(Database& db, const SpatialRect& rect) const;
  [[nodiscard]] SpatialQueryResult nearest(Database& db, uint64_t x, uint64_t y, int k) const;
  // One page in its own transaction (Database::read(): retried on retryable errors). A whole
  // rectangle: pos = std::nullopt; do { page = queryPage(db, rect, pos); use(page.result.points);
  // pos = page.next; } while (pos);
  [[nodiscard]] SpatialPage queryPage(Database& db, const SpatialRect& rect,
                                      const std::optional<SpatialPosition>& from,
                                      const SpatialPageOptions& options = {}) const;

  // The grid cell of a longitude/latitude: floor((lon + 180) / 360 * 2^32), likewise for lat over
  // 180 degrees, with the upper edge mapped to 2^32 - 1. Throws: invalid_option_value (2006).
  [[nodiscard]] static std::pair<uint32_t, uint32_t> toGrid(LonLat where);
  // The south-west corner of a grid cell, in degrees.
  [[nodiscard]] static LonLat fromGrid(uint32_t x, uint32_t y);
  // The Morton code of (x, y).
  [[nodiscard]] static uint64_t morton(uint32_t x, uint32_t y) noexcept;
  // Even-odd (crossing number) test with exact 128-bit integer arithmetic. Points exactly on an
  // edge count as inside or outside by the rule's half-open convention (consistently, so two
  // polygons sharing an edge never both claim a point on it).
  [[nodiscard]] static bool pointInPolygon(
      uint32_t x, uint32_t y, const std::vector<std::pair<uint32_t, uint32_t>>& vertices) noexcept;

 private:
  using CurveRanges = std::vector<std::pair<uint64_t, uint64_t>>;  // inclusive [first, last]

  [[nodiscard]] std::string curveKey(uint64_t z, std::string_view id) const;
  [[nodiscard]] std::string curveBound(uint64_t z) const;       // before every key of z
  [[nodiscard]] std::string curveBoundAfter(uint64_t z) const;  // after every key of z
  [[nodiscard]] std::string locationKey(std::string_view id) const;
  [[nodiscard]] CurveRanges plan(const SpatialRect& rect) const;
  void scan(Transaction& tr, const SpatialRect& rect, const CurveRanges& ranges,
            SpatialQueryResult& out) const;
  void addConflicts(Transaction& tr, const CurveRanges& ranges) const;

  Subspace subspace_;
  SpatialOptions options_;
};

}  // namespace strata::layers
