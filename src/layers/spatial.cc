// SpatialIndex: points on a Z-order curve, rectangle queries by bounded quadtree decomposition
// plus BIGMIN gap jumps. Layout and costs: include/strata/layers/spatial.h.
#include "strata/layers/spatial.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace strata::layers {
namespace {

constexpr int64_t kTagCurve = 0;
constexpr int64_t kTagLocation = 1;
constexpr size_t kKeyLimit = 10'000;
constexpr uint64_t kEvenBits = 0x5555555555555555ULL;  // x's bits
constexpr uint64_t kOddBits = 0xAAAAAAAAAAAAAAAAULL;   // y's bits
constexpr const char* kPositionTag = "spatial.position";
constexpr int64_t kPositionVersion = 1;

uint64_t spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

uint32_t compact(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

std::string bigEndian(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[7 - i] = static_cast<char>(v >> (8 * i));
  return out;
}

uint64_t fromBigEndian(std::string_view bytes) {
  if (bytes.size() != 8) throwError(ErrorCode::client_invalid_operation, "corrupt spatial entry");
  uint64_t v = 0;
  for (char c : bytes) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

// The inclusive rectangle a query works on, with its corner Morton codes.
struct Box {
  uint32_t x0, y0, x1, y1;  // inclusive
  [[nodiscard]] bool contains(uint32_t x, uint32_t y) const {
    return x >= x0 && x <= x1 && y >= y0 && y <= y1;
  }
  [[nodiscard]] bool containsZ(uint64_t z) const { return contains(compact(z), compact(z >> 1)); }
};

// Sets bit p and clears the lower bits of p's dimension ("1000..." in that dimension).
uint64_t loadOnes(uint64_t v, int p) {
  uint64_t dim = (p % 2 == 0) ? kEvenBits : kOddBits;
  uint64_t lower = dim & ((uint64_t{1} << p) - 1);
  return (v | (uint64_t{1} << p)) & ~lower;
}

// Clears bit p and sets the lower bits of p's dimension ("0111..." in that dimension).
uint64_t loadZeros(uint64_t v, int p) {
  uint64_t dim = (p % 2 == 0) ? kEvenBits : kOddBits;
  uint64_t lower = dim & ((uint64_t{1} << p) - 1);
  return (v & ~(uint64_t{1} << p)) | lower;
}

// BIGMIN (Tropf & Herzog): the smallest Morton code > z inside the box whose corner codes are
// zmin and zmax, for a z outside the box; std::nullopt when no later code is inside.
std::optional<uint64_t> nextInside(uint64_t z, uint64_t zmin, uint64_t zmax) {
  std::optional<uint64_t> best;
  for (int p = 63; p >= 0; --p) {
    bool bz = (z >> p) & 1, bmin = (zmin >> p) & 1, bmax = (zmax >> p) & 1;
    if (!bz && !bmin && bmax) {
      best = loadOnes(zmin, p);
      zmax = loadZeros(zmax, p);
    } else if (!bz && bmin && bmax) {
      return zmin;
    } else if (bz && !bmin && !bmax) {
      return best;
    } else if (bz && !bmin && bmax) {
      zmin = loadOnes(zmin, p);
    }
    // (0,0,0) and (1,1,1): same half on both sides, go on; (x,1,0) cannot happen for zmin <= zmax
    // per dimension.
  }
  return best;
}

// The curve ranges [first, last] covering the box: a quadtree decomposition refined level by
// level while the merged range count stays within maxRanges.
std::vector<std::pair<uint64_t, uint64_t>> decompose(const Box& box, int maxRanges) {
  struct Cell {
    uint64_t zmin;
    int level;  // side 2^level
    bool full;
  };
  auto last = [](const Cell& c) {
    return c.level == 32 ? ~uint64_t{0} : c.zmin + ((uint64_t{1} << (2 * c.level)) - 1);
  };
  auto merge = [&](const std::vector<Cell>& cells) {
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const Cell& c : cells) {
      if (!ranges.empty() && ranges.back().second + 1 == c.zmin) {
        ranges.back().second = last(c);
      } else {
        ranges.emplace_back(c.zmin, last(c));
      }
    }
    return ranges;
  };
  auto classify = [&](uint64_t zmin, int level) -> int {  // 0 outside, 1 partial, 2 inside
    uint64_t cx = compact(zmin), cy = compact(zmin >> 1);
    uint64_t side = uint64_t{1} << level;
    uint64_t ex = cx + side - 1, ey = cy + side - 1;
    if (ex < box.x0 || cx > box.x1 || ey < box.y0 || cy > box.y1) return 0;
    if (cx >= box.x0 && ex <= box.x1 && cy >= box.y0 && ey <= box.y1) return 2;
    return 1;
  };
  std::vector<Cell> cells{{0, 32, classify(0, 32) == 2}};
  for (;;) {
    bool anyPartial = false;
    std::vector<Cell> next;
    for (const Cell& c : cells) {
      if (c.full) {
        next.push_back(c);
        continue;
      }
      anyPartial = true;
      uint64_t quarter = uint64_t{1} << (2 * (c.level - 1));
      for (uint64_t q = 0; q < 4; ++q) {
        uint64_t zmin = c.zmin + q * quarter;
        int kind = classify(zmin, c.level - 1);
        if (kind != 0) next.push_back({zmin, c.level - 1, kind == 2});
      }
    }
    if (!anyPartial) break;
    if (merge(next).size() > static_cast<size_t>(maxRanges)) break;
    cells = std::move(next);
  }
  return merge(cells);
}

__int128 cross(int64_t ax, int64_t ay, int64_t bx, int64_t by) {
  return static_cast<__int128>(ax) * by - static_cast<__int128>(ay) * bx;
}

uint32_t checkedCoordinate(uint64_t v, const char* what) {
  if (v >= kSpatialGridSize) {
    throwError(ErrorCode::invalid_option_value, std::string(what) + " must be < 2^32");
  }
  return static_cast<uint32_t>(v);
}

}  // namespace

SpatialIndex::SpatialIndex(Subspace subspace, SpatialOptions options)
    : subspace_(std::move(subspace)), options_(options) {
  if (options_.maxRanges < 1) {
    throwError(ErrorCode::client_invalid_operation, "maxRanges must be >= 1");
  }
}

uint64_t SpatialIndex::morton(uint32_t x, uint32_t y) noexcept {
  return spread(x) | (spread(y) << 1);
}

std::string SpatialIndex::curveKey(uint64_t z, std::string_view id) const {
  return subspace_.pack(Tuple{kTagCurve, Bytes(bigEndian(z)), Bytes(id)});
}

std::string SpatialIndex::curveBound(uint64_t z) const {
  return subspace_.pack(Tuple{kTagCurve, Bytes(bigEndian(z))});
}

std::string SpatialIndex::curveBoundAfter(uint64_t z) const {
  if (z == ~uint64_t{0}) return subspace_.range(Tuple{kTagCurve}).end;
  return curveBound(z + 1);
}

std::string SpatialIndex::locationKey(std::string_view id) const {
  return subspace_.pack(Tuple{kTagLocation, Bytes(id)});
}

void SpatialIndex::set(Transaction& tr, std::string_view id, uint64_t x, uint64_t y) const {
  uint64_t z = morton(checkedCoordinate(x, "x"), checkedCoordinate(y, "y"));
  std::string curve = curveKey(z, id);
  if (curve.size() > kKeyLimit) throwError(ErrorCode::key_too_large, "spatial id too long");
  std::string location = locationKey(id);
  if (std::optional<std::string> old = tr.get(location)) {
    uint64_t oldZ = fromBigEndian(*old);
    if (oldZ != z) tr.clear(curveKey(oldZ, id));
  }
  tr.set(curve, "");
  tr.set(location, bigEndian(z));
}

std::optional<std::pair<uint32_t, uint32_t>> SpatialIndex::get(Transaction& tr,
                                                               std::string_view id) const {
  std::string location = locationKey(id);
  if (location.size() > kKeyLimit) throwError(ErrorCode::key_too_large, "spatial id too long");
  std::optional<std::string> value = tr.get(location);
  if (!value) return std::nullopt;
  uint64_t z = fromBigEndian(*value);
  return std::make_pair(compact(z), compact(z >> 1));
}

bool SpatialIndex::remove(Transaction& tr, std::string_view id) const {
  std::string location = locationKey(id);
  if (location.size() > kKeyLimit) throwError(ErrorCode::key_too_large, "spatial id too long");
  std::optional<std::string> value = tr.get(location);
  if (!value) return false;
  tr.clear(curveKey(fromBigEndian(*value), id));
  tr.clear(location);
  return true;
}

void SpatialIndex::clear(Transaction& tr) const {
  KeyRange all = subspace_.range();
  tr.clearRange(all.begin, all.end);
}

std::vector<std::pair<uint64_t, uint64_t>> SpatialIndex::plan(const SpatialRect& rect) const {
  if (rect.x1 > kSpatialGridSize || rect.y1 > kSpatialGridSize) {
    throwError(ErrorCode::invalid_option_value, "rectangle bounds must be <= 2^32");
  }
  if (rect.x0 >= rect.x1 || rect.y0 >= rect.y1) return {};
  Box box{static_cast<uint32_t>(rect.x0), static_cast<uint32_t>(rect.y0),
          static_cast<uint32_t>(rect.x1 - 1), static_cast<uint32_t>(rect.y1 - 1)};
  return decompose(box, options_.maxRanges);
}

void SpatialIndex::scan(Transaction& tr, const SpatialRect& rect,
                        const std::vector<std::pair<uint64_t, uint64_t>>& ranges,
                        SpatialQueryResult& out) const {
  if (ranges.empty()) return;
  Box box{static_cast<uint32_t>(rect.x0), static_cast<uint32_t>(rect.y0),
          static_cast<uint32_t>(rect.x1 - 1), static_cast<uint32_t>(rect.y1 - 1)};
  uint64_t zmin = morton(box.x0, box.y0), zmax = morton(box.x1, box.y1);
  RangeOptions options;
  options.snapshot = Snapshot::kYes;
  out.ranges += ranges.size();
  for (const auto& [first, lastZ] : ranges) {
    std::optional<uint64_t> start = first;
    if (!box.containsZ(first)) start = nextInside(first, zmin, zmax);
    std::string end = curveBoundAfter(lastZ);
    while (start && *start <= lastZ) {
      ++out.reads;
      std::optional<uint64_t> jump;
      for (const KeyValue& kv : tr.getRange(curveBound(*start), end, options)) {
        Tuple t = subspace_.unpack(kv.key);
        uint64_t z = fromBigEndian(t.getBytes(1));
        ++out.scanned;
        uint32_t x = compact(z), y = compact(z >> 1);
        if (box.contains(x, y)) {
          out.points.push_back({t.getBytes(2), x, y});
        } else {
          jump = nextInside(z, zmin, zmax);  // std::nullopt: nothing later is inside
          break;
        }
      }
      if (!jump) break;
      start = jump;
    }
  }
}

void SpatialIndex::addConflicts(Transaction& tr,
                                const std::vector<std::pair<uint64_t, uint64_t>>& ranges) const {
  for (const auto& [first, lastZ] : ranges) {
    tr.addReadConflictRange(curveBound(first), curveBoundAfter(lastZ));
  }
}

SpatialQueryResult SpatialIndex::query(Transaction& tr, const SpatialRect& rect) const {
  std::vector<std::pair<uint64_t, uint64_t>> ranges = plan(rect);
  SpatialQueryResult out;
  scan(tr, rect, ranges, out);
  addConflicts(tr, ranges);
  return out;
}

std::string SpatialPosition::pack() const {
  Tuple t{kPositionTag, kPositionVersion,   rect.x0, rect.y0, rect.x1,
          rect.y1,      int64_t{maxRanges}, range,   z};
  if (afterId) {
    t.append(Bytes(*afterId));
  } else {
    t.append(nullptr);
  }
  return t.pack();
}

SpatialPosition SpatialPosition::unpack(std::string_view bytes) {
  auto bad = [] { throwError(ErrorCode::invalid_input, "not a spatial query position"); };
  Tuple t;
  try {
    t = Tuple::unpack(bytes);
  } catch (const Error&) {
    bad();
  }
  if (t.size() != 10 || t.type(0) != TupleType::kString || t.getString(0) != kPositionTag) bad();
  for (size_t i = 1; i < 9; ++i) {
    if (t.type(i) != TupleType::kInt) bad();
  }
  std::optional<uint64_t> fields[8];
  for (size_t i = 1; i < 9; ++i) fields[i - 1] = t.getBigInt(i).toUint64();
  for (const auto& f : fields) {
    if (!f) bad();  // negative or wider than 64 bits
  }
  if (*fields[0] != static_cast<uint64_t>(kPositionVersion)) bad();
  SpatialPosition p;
  p.rect = SpatialRect{*fields[1], *fields[2], *fields[3], *fields[4]};
  if (p.rect.x1 > kSpatialGridSize || p.rect.y1 > kSpatialGridSize) bad();
  if (*fields[5] < 1 || *fields[5] > static_cast<uint64_t>(INT32_MAX)) bad();
  p.maxRanges = static_cast<int>(*fields[5]);
  p.range = *fields[6];
  p.z = *fields[7];
  if (t.type(9) == TupleType::kBytes) {
    p.afterId = t.getBytes(9);
  } else if (t.type(9) != TupleType::kNull) {
    bad();
  }
  return p;
}

SpatialPage SpatialIndex::queryPage(Transaction& tr, const SpatialRect& rect,
                                    const std::optional<SpatialPosition>& from,
                                    const SpatialPageOptions& options) const {
  if (options.maxPoints < 1 || options.maxScanned < 1 || options.maxScannedBytes < 1) {
    throwError(ErrorCode::invalid_option_value, "spatial page bounds must be >= 1");
  }
  CurveRanges ranges = plan(rect);
  auto position = [&](size_t range, uint64_t z, std::optional<std::string> id) {
    return SpatialPosition{rect, options_.maxRanges, range, z, std::move(id)};
  };
  size_t i = 0;
  uint64_t z = ranges.empty() ? 0 : ranges[0].first;
  std::optional<std::string> after;
  if (from) {
    if (from->rect != rect || from->maxRanges != options_.maxRanges) {
      throwError(ErrorCode::invalid_input, "spatial position of another rectangle or maxRanges");
    }
    if (from->range >= ranges.size() || from->z < ranges[from->range].first ||
        from->z > ranges[from->range].second ||
        (from->afterId && from->afterId->size() > kKeyLimit)) {
      throwError(ErrorCode::invalid_input, "spatial position outside the rectangle's ranges");
    }
    i = from->range;
    z = from->z;
    after = from->afterId;
  }
  SpatialPage page;
  if (ranges.empty()) return page;
  Box box{static_cast<uint32_t>(rect.x0), static_cast<uint32_t>(rect.y0),
          static_cast<uint32_t>(rect.x1 - 1), static_cast<uint32_t>(rect.y1 - 1)};
  uint64_t zmin = morton(box.x0, box.y0), zmax = morton(box.x1, box.y1);
  SpatialQueryResult& out = page.result;
  int64_t budget = options.maxScanned;
  int64_t bytes = 0;
  std::optional<SpatialPosition> afterLast;  // just after the last point returned
  std::string afterLastKey;
  RangeOptions readOptions;
  readOptions.snapshot = Snapshot::kYes;
  for (; i < ranges.size(); ++i) {
    const auto [first, lastZ] = ranges[i];
    if (!from || i != from->range) {
      z = first;
      after.reset();
    }
    if (!after && z == first) ++out.ranges;  // this page reads the range from its start
    const std::string end = curveBoundAfter(lastZ);
    const std::string spanBegin = after ? curveKey(z, *after) + '\0' : curveBound(z);
    std::string spanEnd = end;  // where this page's read of the range stops (exclusive)
    bool stopped = false;
    std::string readFrom = spanBegin;
    if (!after) {
      std::optional<uint64_t> start =
          box.containsZ(z) ? std::optional<uint64_t>(z) : nextInside(z, zmin, zmax);
      if (!start || *start > lastZ) {
        tr.addReadConflictRange(spanBegin, end);
        continue;
      }
      readFrom = curveBound(*start);
    }
    for (;;) {
      ++out.reads;
      readOptions.limit = static_cast<int>(std::min<int64_t>(budget, INT32_MAX));
      bool jumped = false;
      std::optional<uint64_t> jump;
      for (const KeyValue& kv : tr.getRange(readFrom, end, readOptions)) {
        Tuple t = subspace_.unpack(kv.key);
        uint64_t rowZ = fromBigEndian(t.getBytes(1));
        uint32_t x = compact(rowZ), y = compact(rowZ >> 1);
        ++out.scanned;
        --budget;
        bytes += static_cast<int64_t>(kv.key.size());
        if (box.contains(x, y)) {
          if (out.points.size() == static_cast<size_t>(options.maxPoints)) {
            // The look-ahead found one more point: the next page starts with it. Every key
            // between the last point returned and this one was examined (a key of the same z
            // before this one would be inside and returned), so when the last point returned
            // lies in an earlier range the next page may start at this key's z.
            if (afterLast->range == i) {
              page.next = afterLast;
              spanEnd = afterLastKey;
            } else {
              page.next = position(i, rowZ, std::nullopt);
              spanEnd = curveBound(rowZ);
              if (rowZ == first) --out.ranges;  // the next page reads it from its start
            }
            stopped = true;
            break;
          }
          out.points.push_back({t.getBytes(2), x, y});
          afterLast = position(i, rowZ, t.getBytes(2));
          afterLastKey = kv.key + '\0';
        } else {
          jumped = true;
          jump = nextInside(rowZ, zmin, zmax);  // std::nullopt: nothing later is inside
        }
        if (budget > 0 && bytes < options.maxScannedBytes) {
          if (jumped) break;
          continue;
        }
        // Scan bound reached: stop after this row.
        stopped = true;
        if (!jumped) {
          page.next = position(i, rowZ, t.getBytes(2));
          spanEnd = kv.key + '\0';
        } else if (jump && *jump <= lastZ) {
          page.next = position(i, *jump, std::nullopt);
          spanEnd = curveBound(*jump);
        } else if (i + 1 < ranges.size()) {
          page.next = position(i + 1, ranges[i + 1].first, std::nullopt);
        }
        break;
      }
      if (stopped || !jumped || !jump || *jump > lastZ) break;
      readFrom = curveBound(*jump);
    }
    tr.addReadConflictRange(spanBegin, spanEnd);
    if (stopped) return page;
  }
  return page;
}

SpatialQueryResult SpatialIndex::nearest(Transaction& tr, uint64_t x, uint64_t y, int k) const {
  checkedCoordinate(x, "x");
  checkedCoordinate(y, "y");
  if (k < 0) throwError(ErrorCode::invalid_option_value, "k must be >= 0");
  SpatialQueryResult out;
  if (k == 0) return out;
  using Dist = unsigned __int128;
  auto dist = [&](const SpatialPoint& p) {
    Dist dx = p.x > x ? p.x - x : x - p.x;
    Dist dy = p.y > y ? p.y - y : y - p.y;
    return dx * dx + dy * dy;
  };
  uint64_t r = 1;
  for (;;) {
    SpatialRect square{x > r ? x - r : 0, y > r ? y - r : 0, std::min(x + r + 1, kSpatialGridSize),
                       std::min(y + r + 1, kSpatialGridSize)};
    bool whole = square.x0 == 0 && square.y0 == 0 && square.x1 == kSpatialGridSize &&
                 square.y1 == kSpatialGridSize;
    std::vector<std::pair<uint64_t, uint64_t>> ranges = plan(square);
    SpatialQueryResult round;
    scan(tr, square, ranges, round);
    out.scanned += round.scanned;
    out.ranges += round.ranges;
    out.reads += round.reads;
    std::vector<std::pair<Dist, SpatialPoint>> ranked;
    ranked.reserve(round.points.size());
    for (SpatialPoint& p : round.points) ranked.emplace_back(dist(p), std::move(p));
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second.id < b.second.id;
    });
    bool enough = ranked.size() >= static_cast<size_t>(k);
    // Every point outside the square is farther than r, so the k-th distance within r is final.
    if (whole || (enough && ranked[static_cast<size_t>(k) - 1].first <= Dist{r} * r)) {
      addConflicts(tr, ranges);
      if (ranked.size() > static_cast<size_t>(k)) ranked.resize(static_cast<size_t>(k));
      for (auto& entry : ranked) out.points.push_back(std::move(entry.second));
      return out;
    }
    if (enough) {
      // The k-th candidate bounds the answer: one more square of that radius is final.
      auto bound = static_cast<double>(ranked[static_cast<size_t>(k) - 1].first);
      uint64_t next = static_cast<uint64_t>(std::ceil(std::sqrt(bound))) + 1;
      r = std::max(next, r + 1);
    } else {
      r *= ranked.empty() ? 4 : 2;  // an empty square says little about the density: grow faster
    }
    r = std::min(r, kSpatialGridSize);
  }
}

bool SpatialIndex::pointInPolygon(
    uint32_t x, uint32_t y, const std::vector<std::pair<uint32_t, uint32_t>>& vertices) noexcept {
  bool inside = false;
  size_t n = vertices.size();
  if (n < 3) return false;
  auto px = static_cast<int64_t>(x), py = static_cast<int64_t>(y);
  for (size_t i = 0, j = n - 1; i < n; j = i++) {
    auto ax = static_cast<int64_t>(vertices[i].first),
         ay = static_cast<int64_t>(vertices[i].second);
    auto bx = static_cast<int64_t>(vertices[j].first),
         by = static_cast<int64_t>(vertices[j].second);
    if ((ay > py) == (by > py)) continue;
    // The edge crosses the horizontal line through y; toggle when the crossing is right of x,
    // i.e. px < ax + (py - ay) * (bx - ax) / (by - ay), multiplied out without division.
    __int128 lhs = cross(px - ax, py - ay, bx - ax, by - ay);  // sign tells the side
    if ((by > ay) ? lhs < 0 : lhs > 0) inside = !inside;
  }
  return inside;
}

SpatialQueryResult SpatialIndex::queryPolygon(
    Transaction& tr, const std::vector<std::pair<uint32_t, uint32_t>>& vertices) const {
  SpatialQueryResult out;
  if (vertices.size() < 3) return out;
  SpatialRect box{kSpatialGridSize, kSpatialGridSize, 0, 0};
  for (const auto& [vx, vy] : vertices) {
    box.x0 = std::min<uint64_t>(box.x0, vx);
    box.y0 = std::min<uint64_t>(box.y0, vy);
    box.x1 = std::max<uint64_t>(box.x1, uint64_t{vx} + 1);
    box.y1 = std::max<uint64_t>(box.y1, uint64_t{vy} + 1);
  }
  out = query(tr, box);
  std::erase_if(out.points,
                [&](const SpatialPoint& p) { return !pointInPolygon(p.x, p.y, vertices); });
  return out;
}

std::pair<uint32_t, uint32_t> SpatialIndex::toGrid(LonLat where) {
  if (!(where.lon >= -180.0 && where.lon <= 180.0)) {
    throwError(ErrorCode::invalid_option_value, "longitude must be in [-180, 180]");
  }
  if (!(where.lat >= -90.0 && where.lat <= 90.0)) {
    throwError(ErrorCode::invalid_option_value, "latitude must be in [-90, 90]");
  }
  auto scale = [](double fraction) {
    double v = std::floor(fraction * static_cast<double>(kSpatialGridSize));
    return static_cast<uint32_t>(std::min(v, static_cast<double>(kSpatialGridSize - 1)));
  };
  return {scale((where.lon + 180.0) / 360.0), scale((where.lat + 90.0) / 180.0)};
}

LonLat SpatialIndex::fromGrid(uint32_t x, uint32_t y) {
  auto grid = static_cast<double>(kSpatialGridSize);
  return {static_cast<double>(x) / grid * 360.0 - 180.0,
          static_cast<double>(y) / grid * 180.0 - 90.0};
}

void SpatialIndex::setLonLat(Transaction& tr, std::string_view id, LonLat where) const {
  auto [x, y] = toGrid(where);
  set(tr, id, x, y);
}

std::optional<LonLat> SpatialIndex::getLonLat(Transaction& tr, std::string_view id) const {
  auto cell = get(tr, id);
  if (!cell) return std::nullopt;
  return fromGrid(cell->first, cell->second);
}

SpatialQueryResult SpatialIndex::queryLonLat(Transaction& tr, LonLat sw, LonLat ne) const {
  auto [x0, y0] = toGrid(sw);
  auto [x1, y1] = toGrid(ne);
  SpatialQueryResult out;
  if (y0 > y1) return out;
  std::vector<SpatialRect> rects;
  if (x0 <= x1) {
    rects.push_back({x0, y0, uint64_t{x1} + 1, uint64_t{y1} + 1});
  } else {
    rects.push_back({x0, y0, kSpatialGridSize, uint64_t{y1} + 1});
    rects.push_back({0, y0, uint64_t{x1} + 1, uint64_t{y1} + 1});
  }
  for (const SpatialRect& rect : rects) {
    SpatialQueryResult part = query(tr, rect);
    out.scanned += part.scanned;
    out.ranges += part.ranges;
    out.reads += part.reads;
    for (SpatialPoint& p : part.points) out.points.push_back(std::move(p));
  }
  return out;
}

void SpatialIndex::set(Database& db, std::string_view id, uint64_t x, uint64_t y) const {
  db.run([&](Transaction& tr) { set(tr, id, x, y); });
}

std::optional<std::pair<uint32_t, uint32_t>> SpatialIndex::get(Database& db,
                                                               std::string_view id) const {
  return db.read([&](Transaction& tr) { return get(tr, id); });
}

bool SpatialIndex::remove(Database& db, std::string_view id) const {
  return db.run([&](Transaction& tr) { return remove(tr, id); });
}

SpatialQueryResult SpatialIndex::query(Database& db, const SpatialRect& rect) const {
  return db.read([&](Transaction& tr) { return query(tr, rect); });
}

SpatialQueryResult SpatialIndex::nearest(Database& db, uint64_t x, uint64_t y, int k) const {
  return db.read([&](Transaction& tr) { return nearest(tr, x, y, k); });
}

SpatialPage SpatialIndex::queryPage(Database& db, const SpatialRect& rect,
                                    const std::optional<SpatialPosition>& from,
                                    const SpatialPageOptions& options) const {
  return db.read([&](Transaction& tr) { return queryPage(tr, rect, from, options); });
}

}  // namespace strata::layers
