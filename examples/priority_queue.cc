// Priority queue layer: items ordered by an int64 priority; pop the smallest or the largest.
#include <strata/kv.h>
#include <strata/layers/priority_queue.h>
#include <strata/tuple.h>

#include <cstdio>

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  // kSingleClient: exact order. The default, kHighContention, spreads concurrent consumers over
  // the first few items of the chosen end (so order is approximate under load).
  strata::layers::PriorityQueueOptions options;
  options.mode = strata::layers::PopMode::kSingleClient;
  strata::layers::PriorityQueue tasks(strata::Subspace(strata::Tuple{"example", "tasks"}), options);

  tasks.push(db, "write docs", 5);
  tasks.push(db, "fix outage", 1);  // lower number = more urgent when popping kMin
  tasks.push(db, "lunch", 9);
  tasks.push(db, "review", 5);  // equal priorities pop in push order

  auto urgent = tasks.pop(db);  // PriorityEnd::kMin by default
  auto last = tasks.pop(db, strata::layers::PriorityEnd::kMax);
  std::printf("most urgent: %s (%lld)\n", urgent->item.c_str(),
              static_cast<long long>(urgent->priority));
  std::printf("least urgent: %s (%lld)\n", last->item.c_str(),
              static_cast<long long>(last->priority));

  // remove() drops every copy of an item wherever it sits.
  int64_t removed = tasks.remove(db, "review");
  auto next = tasks.peek(db);
  std::printf("removed %lld; next up: %s\n", static_cast<long long>(removed), next->item.c_str());

  return urgent->item == "fix outage" && last->item == "lunch" && removed == 1 &&
                 next->item == "write docs" && tasks.size(db) == 1
             ? 0
             : 1;
}
