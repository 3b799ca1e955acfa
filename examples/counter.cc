// Counter layer: many writers add to one counter without conflicting; an idempotency token
// makes an add safe to retry after commit_unknown_result (1021).
#include <strata/kv.h>
#include <strata/layers/counter.h>
#include <strata/tuple.h>

#include <cstdio>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  strata::layers::Counter visits(strata::Subspace(strata::Tuple{"example", "visits"}));

  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) visits.add(db, 1);  // atomic ADD: no read, no conflict
    });
  }
  for (std::thread& w : writers) w.join();
  std::printf("visits after 4 x 25 adds: %lld\n", static_cast<long long>(visits.get(db)));

  // With a token, the second add of the same logical increment changes nothing.
  bool first = visits.add(db, 10, "order-1234");
  bool again = visits.add(db, 10, "order-1234");
  std::printf("token add applied: %d, repeated: %d, total %lld\n", first, again,
              static_cast<long long>(visits.get(db)));

  // Inside a larger transaction: the add commits (or not) with the other writes.
  db.run([&](strata::Transaction& tr) {
    visits.add(tr, -5);
    tr.set("example/last-refund", "5");
  });
  return visits.get(db) == 105 && first && !again ? 0 : 1;
}
