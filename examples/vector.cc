// Vector layer: a growable array of byte strings, one key per element, with a default value
// for holes.
#include <strata/kv.h>
#include <strata/layers/vector.h>
#include <strata/tuple.h>

#include <cstdio>

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  strata::layers::Vector scores(strata::Subspace(strata::Tuple{"example", "scores"}), "0");

  scores.push(db, "10");
  scores.push(db, "20");
  scores.push(db, "30");
  scores.set(db, 5, "60");  // grows the vector; indexes 3 and 4 read the default "0"

  std::printf("size %lld, [4] = %s, back = %s\n", static_cast<long long>(scores.size(db)),
              scores.get(db, 4).c_str(), scores.back(db)->c_str());

  // Python-style slices: every second element.
  for (const auto& v : scores.getRange(db, 0, std::nullopt, 2))
    std::printf("even: %s\n", v.c_str());

  // Several operations in one transaction commit together.
  db.run([&](strata::Transaction& tr) {
    scores.swap(tr, 0, 2);
    scores.pop(tr);
  });
  auto all = scores.getRange(db);
  std::printf("after swap and pop: %zu elements, first %s\n", all.size(), all.at(0).c_str());
  return all.size() == 5 && all[0] == "30" && all[3] == "0" ? 0 : 1;
}
