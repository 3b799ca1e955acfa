// Pub/sub layer: feeds, inboxes subscribed to them, messages fanned out on read.
#include <strata/kv.h>
#include <strata/layers/pubsub.h>
#include <strata/tuple.h>

#include <cstdio>

int main(int argc, char** argv) {
  strata::Database db = strata::Database::open(argc > 1 ? argv[1] : "memory:");
  strata::layers::PubSub ps(strata::Subspace(strata::Tuple{"example", "pubsub"}));

  ps.createFeed(db, "news");
  ps.createFeed(db, "sports");
  ps.createInbox(db, "alice");
  ps.subscribe(db, "alice", "news");
  ps.subscribe(db, "alice", "sports");

  ps.post(db, "news", "strata 0.1 released");
  ps.post(db, "sports", "home team wins");
  // A token makes a post idempotent: retrying after an unknown result posts once.
  ps.post(db, "news", "second story", "story-2");
  ps.post(db, "news", "second story", "story-2");

  // read() returns the messages alice has not acknowledged, from every feed she follows.
  auto unread = ps.read(db, "alice");
  for (const strata::layers::Message& m : unread) {
    std::printf("[%s] %s\n", m.feed.c_str(), m.body.c_str());
  }
  ps.ack(db, "alice", unread);
  bool drained = ps.read(db, "alice").empty();

  auto latest = ps.history(db, "news", 1);  // newest first
  std::printf("latest news: %s\n", latest.at(0).body.c_str());
  return unread.size() == 3 && drained && latest[0].body == "second story" ? 0 : 1;
}
