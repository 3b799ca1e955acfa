// Spatial layer: points on a 2^32 x 2^32 grid (or longitude/latitude), queried by rectangle
// and by nearest neighbours through a Z-order (Morton) index.
#include <strata/kv.h>
#include <strata/layers/spatial.h>
#include <strata/tuple.h>

#include <cstdio>

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  strata::layers::SpatialIndex cafes(strata::Subspace(strata::Tuple{"example", "cafes"}));

  cafes.set(db, "corner", 100, 100);
  cafes.set(db, "station", 120, 90);
  cafes.set(db, "harbour", 5000, 5000);

  // Everything in the rectangle [0, 200] x [0, 200].
  auto nearby = cafes.query(db, strata::layers::SpatialRect{0, 0, 200, 200});
  for (const auto& p : nearby.points) std::printf("in box: %s (%u, %u)\n", p.id.c_str(), p.x, p.y);

  // The two points closest to (110, 95).
  auto closest = cafes.nearest(db, 110, 95, 2);
  std::printf("closest: %s, then %s\n", closest.points.at(0).id.c_str(),
              closest.points.at(1).id.c_str());

  // Geographic coordinates map onto the same grid.
  db.run([&](strata::Transaction& tr) {
    cafes.setLonLat(tr, "paris", {2.35, 48.86});
    cafes.setLonLat(tr, "berlin", {13.40, 52.52});
  });
  auto west = db.read([&](strata::Transaction& tr) {
    return cafes.queryLonLat(tr, {-5.0, 40.0}, {5.0, 55.0});  // south-west, north-east corners
  });
  std::printf("west of 5E: %zu point(s)\n", west.points.size());

  return nearby.points.size() == 2 && west.points.size() == 1 && west.points[0].id == "paris" ? 0
                                                                                              : 1;
}
