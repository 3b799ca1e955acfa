// A program that uses strata as an installed package would: the umbrella header, a transaction,
// a layer, and the version. Prints "strata <version> ok" and exits 0 when everything worked.
#include <strata/strata.h>

#include <cstdio>
#include <string>

int main() {
  strata::Database db = strata::Database::open("memory:");
  db.run([](strata::Transaction& tr) { tr.set("hello", "world"); });
  auto value = db.read([](strata::Transaction& tr) { return tr.get("hello"); });

  strata::layers::Counter counter(strata::Subspace(strata::Tuple{"consumer", "count"}));
  counter.add(db, 2);
  counter.add(db, 3);

  try {
    (void)strata::Database::open("nosuch://x");
    return 1;
  } catch (const strata::Error& e) {
    if (e.code() != 2013) return 1;
  }
  if (value != "world" || counter.get(db) != 5) return 1;
  std::printf("strata %s ok\n", std::string(strata::version()).c_str());
  return 0;
}
