// Queue layer: a FIFO that many producers and consumers share; pop with a lease for
// at-least-once processing.
#include <strata/kv.h>
#include <strata/layers/queue.h>
#include <strata/tuple.h>

#include <chrono>
#include <cstdio>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  // kSingleClient: strict FIFO. The default, kHighContention, lets many consumers pop at once
  // without conflicting by each taking one of the first few items (so order is approximate).
  strata::layers::QueueOptions options;
  options.mode = strata::layers::PopMode::kSingleClient;
  strata::layers::Queue jobs(strata::Subspace(strata::Tuple{"example", "jobs"}), options);

  jobs.push(db, "resize image 1");
  jobs.push(db, "resize image 2");
  jobs.push(db, "send email");
  std::printf("queued: %lld\n", static_cast<long long>(jobs.size(db)));

  // pop() removes the head in one transaction; std::nullopt when the queue is empty.
  auto first = jobs.pop(db);
  std::printf("popped: %s\n", first ? first->c_str() : "(empty)");

  // A lease hides the item for 30 s; ack() removes it for good. An unacked lease expires
  // and the item is delivered again (at-least-once).
  auto lease = jobs.popWithLease(db, 30s);
  if (!lease) return 1;
  std::printf("leased: %s\n", lease->item.c_str());
  bool acked = jobs.ack(db, lease->token);

  // Push and pop can join other writes in one transaction.
  db.run([&](strata::Transaction& tr) {
    auto item = jobs.pop(tr);
    tr.set("example/done", item.value_or(""));
  });

  auto none = jobs.pop(db, 100ms);  // waits up to 100 ms for an item
  return *first == "resize image 1" && acked && !none && jobs.empty(db) ? 0 : 1;
}
