// Layer invariants under concurrency, on every engine, for several seeds each: threads drive a
// layer at once with random operations and the test then checks what must hold whatever the
// interleaving:
//   queue      the multiset of items popped equals the multiset pushed; the queue ends empty
//   counter    the value equals the sum of every add, in both counter modes
//   pub/sub    every post is delivered exactly once to every subscribed inbox
//   directory  no two live directories share a prefix (none is a prefix of another)
//   documents  every index entry matches the documents, and the documents every entry
// Seeds are printed; STRATA_LAYER_SEED=S reruns seed S, STRATA_LAYER_SEEDS=N runs N per engine.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "strata/directory.h"
#include "strata/layers/counter.h"
#include "strata/layers/doc.h"
#include "strata/layers/pubsub.h"
#include "strata/layers/queue.h"
#include "support/engines.h"

namespace strata::reliability {
namespace {

using layers::Counter;
using layers::CounterMode;
using layers::CounterOptions;
using layers::DocPath;
using layers::DocumentStore;
using layers::PubSub;
using layers::Queue;

int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::atoi(v);
}

// The seeds of one test: printed, and fixed by STRATA_LAYER_SEED.
std::vector<uint64_t> seeds(const std::string& what, const std::string& engine) {
  int n = std::max(1, envInt("STRATA_LAYER_SEEDS", 2));
  const char* fixed = std::getenv("STRATA_LAYER_SEED");
  uint64_t first = fixed != nullptr ? std::strtoull(fixed, nullptr, 10) : std::random_device{}();
  std::vector<uint64_t> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(first + static_cast<uint64_t>(i));
    std::printf(
        "[layers] %s on %s: seed %llu (reproduce: STRATA_LAYER_SEED=%llu "
        "STRATA_LAYER_SEEDS=1)\n",
        what.c_str(), engine.c_str(), static_cast<unsigned long long>(out.back()),
        static_cast<unsigned long long>(out.back()));
  }
  std::fflush(stdout);
  return out;
}

class LayerInvariantsTest : public testsupport::EngineTest {};

TEST_P(LayerInvariantsTest, QueuePopsExactlyTheMultisetThatWasPushed) {
  for (uint64_t seed : seeds("queue", kind())) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    for (auto mode : {layers::PopMode::kHighContention, layers::PopMode::kSingleClient}) {
      Queue q(Subspace(Tuple{"q", static_cast<int64_t>(seed), static_cast<int64_t>(mode)}),
              {.mode = mode});
      const int producers = 3, consumers = 3, perProducer = kind() == "memory" ? 40 : 20;
      const int total = producers * perProducer;
      std::multiset<std::string> pushed, popped;
      std::mutex mu;
      std::atomic<int> poppedCount{0};
      std::vector<std::thread> threads;
      for (int p = 0; p < producers; ++p) {
        threads.emplace_back([&, p] {
          std::mt19937_64 rng(seed * 31 + static_cast<uint64_t>(p));
          for (int i = 0; i < perProducer; ++i) {
            // Duplicate values on purpose: the check is on multisets.
            std::string item = "v" + std::to_string(rng() % 25);
            if (rng() % 4 == 0) {
              db().run([&](Transaction& tr) {  // two pushes in one transaction
                q.push(tr, item);
              });
            } else {
              q.push(db(), item);
            }
            std::lock_guard lock(mu);
            pushed.insert(item);
          }
        });
      }
      for (int c = 0; c < consumers; ++c) {
        threads.emplace_back([&] {
          while (poppedCount.load() < total) {
            auto item = q.pop(db());
            if (!item) {
              std::this_thread::yield();
              continue;
            }
            poppedCount++;
            std::lock_guard lock(mu);
            popped.insert(*item);
          }
        });
      }
      for (auto& t : threads) t.join();
      EXPECT_EQ(popped, pushed);
      EXPECT_EQ(q.size(db()), 0);
      EXPECT_FALSE(q.pop(db()).has_value());
    }
  }
}

TEST_P(LayerInvariantsTest, CounterEqualsTheSumOfEveryAdd) {
  for (uint64_t seed : seeds("counter", kind())) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    for (auto mode : {CounterMode::kAtomic, CounterMode::kBlindShards}) {
      CounterOptions options{.mode = mode, .shards = mode == CounterMode::kAtomic ? 1 : 4};
      Counter counter(Subspace(Tuple{"c", static_cast<int64_t>(seed), static_cast<int64_t>(mode)}),
                      options);
      std::atomic<int64_t> sum{0};
      std::vector<std::thread> threads;
      const int perThread = kind() == "etcd" ? 20 : 60;
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
          std::mt19937_64 rng(seed * 17 + static_cast<uint64_t>(t));
          for (int i = 0; i < perThread; ++i) {
            int64_t delta = static_cast<int64_t>(rng() % 2001) - 1000;
            if (rng() % 10 == 0) {
              // Several adds and a read in one transaction.
              db().run([&](Transaction& tr) {
                counter.add(tr, delta);
                counter.add(tr, 1);
                (void)counter.getSnapshot(tr);
              });
              sum += delta + 1;
            } else {
              counter.add(db(), delta);
              sum += delta;
            }
            if (mode == CounterMode::kBlindShards && rng() % 15 == 0) {
              db().run([&](Transaction& tr) { (void)counter.coalesce(tr); });
            }
          }
        });
      }
      for (auto& t : threads) t.join();
      EXPECT_EQ(counter.get(db()), sum.load());
    }
  }
}

TEST_P(LayerInvariantsTest, PubSubDeliversEveryPostOnceToEverySubscriber) {
  for (uint64_t seed : seeds("pubsub", kind())) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    PubSub ps(Subspace(Tuple{"ps", static_cast<int64_t>(seed)}));
    const std::vector<std::string> feeds{"news", "sport"};
    // inbox -> the feeds it follows
    const std::map<std::string, std::vector<std::string>> inboxes{
        {"alice", {"news", "sport"}}, {"bob", {"news"}}, {"carol", {"sport"}}};
    for (const auto& f : feeds) ps.createFeed(db(), f);
    for (const auto& [inbox, follows] : inboxes) {
      ps.createInbox(db(), inbox);
      for (const auto& f : follows) ps.subscribe(db(), inbox, f);
    }
    const int posters = 3, perPoster = kind() == "etcd" ? 10 : 30;
    std::map<std::string, std::multiset<std::string>> expected, delivered;
    std::mutex mu;
    std::atomic<int> postersDone{0};
    std::vector<std::thread> threads;
    for (int p = 0; p < posters; ++p) {
      threads.emplace_back([&, p] {
        std::mt19937_64 rng(seed * 7 + static_cast<uint64_t>(p));
        for (int i = 0; i < perPoster; ++i) {
          const std::string& feed = feeds[rng() % feeds.size()];
          std::string body = feed + "/" + std::to_string(p) + "/" + std::to_string(i);
          (void)ps.post(db(), feed, body);
          std::lock_guard lock(mu);
          for (const auto& [inbox, follows] : inboxes) {
            if (std::find(follows.begin(), follows.end(), feed) != follows.end()) {
              expected[inbox].insert(body);
            }
          }
        }
        postersDone++;
      });
    }
    // Two readers share "alice" (each message must reach exactly one of them); one each for the
    // others. Readers keep going until the posters are done and a read comes back empty.
    std::vector<std::string> readers{"alice", "alice", "bob", "carol"};
    for (size_t r = 0; r < readers.size(); ++r) {
      threads.emplace_back([&, r] {
        std::mt19937_64 rng(seed * 13 + r);
        for (;;) {
          bool finished = postersDone.load() == posters;
          auto got = ps.read(db(), readers[r], static_cast<int>(rng() % 4));
          {
            std::lock_guard lock(mu);
            for (const auto& m : got) delivered[readers[r]].insert(m.body);
          }
          if (got.empty()) {
            if (finished) break;
            std::this_thread::yield();
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& [inbox, follows] : inboxes) {
      EXPECT_EQ(delivered[inbox], expected[inbox]) << "inbox " << inbox;
    }
  }
}

// Every live directory (recursively) with its raw prefix.
void collect(const DirectoryLayer& dl, Transaction& tr, const DirectoryPath& path,
             std::map<std::string, DirectoryPath>& out, std::vector<std::string>& clash) {
  for (const auto& name : dl.list(tr, path)) {
    DirectoryPath child = path;
    child.push_back(name);
    auto dir = dl.open(tr, child);
    auto [it, inserted] = out.emplace(dir.key(), child);
    if (!inserted)
      clash.push_back(formatDirectoryPath(child) + " = " + formatDirectoryPath(it->second));
    collect(dl, tr, child, out, clash);
  }
}

TEST_P(LayerInvariantsTest, NoTwoDirectoriesShareAPrefix) {
  for (uint64_t seed : seeds("directory", kind())) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    db().run([](Transaction& tr) { tr.clearRange("", "\xff"); });
    DirectoryLayer dl;
    std::vector<std::thread> threads;
    const int perThread = kind() == "etcd" ? 10 : 30;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(seed * 11 + static_cast<uint64_t>(t));
        auto name = [&] { return std::string(1, static_cast<char>('a' + rng() % 4)); };
        for (int i = 0; i < perThread; ++i) {
          DirectoryPath path{name()};
          if (rng() % 2) path.push_back(name());
          try {
            switch (rng() % 5) {
              case 0:
                (void)dl.removeIfExists(db(), path);
                break;
              case 1: {
                DirectoryPath to{name(), name() + std::to_string(t)};
                (void)dl.move(db(), path, to);
                break;
              }
              default:
                (void)dl.createOrOpen(db(), path);
            }
          } catch (const Error& e) {
            // Races between threads make these legitimate outcomes.
            int c = e.code();
            ASSERT_TRUE(c == 2256 || c == 2257 || c == 2258 || c == 2266) << e.what();
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    std::map<std::string, DirectoryPath> prefixes;
    std::vector<std::string> clash;
    db().read([&](Transaction& tr) {
      prefixes.clear();
      clash.clear();
      collect(dl, tr, {}, prefixes, clash);
    });
    EXPECT_TRUE(clash.empty()) << clash.front();
    ASSERT_FALSE(prefixes.empty());
    for (auto it = prefixes.begin(); std::next(it) != prefixes.end(); ++it) {
      const std::string& next = std::next(it)->first;
      EXPECT_FALSE(next.starts_with(it->first)) << formatDirectoryPath(it->second) << " prefixes "
                                                << formatDirectoryPath(std::next(it)->second);
    }
  }
}

TEST_P(LayerInvariantsTest, EveryDocumentIndexEntryMatchesTheDocuments) {
  for (uint64_t seed : seeds("documents", kind())) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    DocumentStore docs(Subspace(Tuple{"d", static_cast<int64_t>(seed)}));
    docs.addIndex(db(), {"age", "users.?.age", layers::IndexKind::kValue});
    docs.buildIndex(db(), "age");
    std::vector<std::thread> threads;
    const int perThread = kind() == "etcd" ? 10 : 40;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(seed * 5 + static_cast<uint64_t>(t));
        for (int i = 0; i < perThread; ++i) {
          DocPath user = DocPath::parse("users.u" + std::to_string(rng() % 12));
          int64_t age = static_cast<int64_t>(rng() % 6);
          switch (rng() % 5) {
            case 0:
              docs.set(db(), user, {{"age", age}, {"tags", {"x", age}}});
              break;
            case 1:
              docs.update(db(), user, {{"age", age}});
              break;
            case 2:
              (void)docs.remove(db(), user);
              break;
            case 3:
              docs.set(db(), user.child(std::string("age")), age);
              break;
            default:
              docs.set(db(), user.child(std::string("tags")), nlohmann::json::array({age, "y"}));
          }
        }
      });
    }
    // An exists index added and built while the writers run.
    threads.emplace_back([&] {
      docs.addIndex(db(), {"tags", "users.?.tags[?]", layers::IndexKind::kExists});
      docs.buildIndex(db(), "tags", 3);
    });
    for (auto& t : threads) t.join();
    db().read([&](Transaction& tr) {
      auto age = docs.checkIndex(tr, "age");
      EXPECT_TRUE(age.ok()) << age.missing.size() << " missing, " << age.extra.size() << " extra";
      auto tags = docs.checkIndex(tr, "tags");
      EXPECT_TRUE(tags.ok()) << tags.missing.size() << " missing, " << tags.extra.size()
                             << " extra";
      // And independently of checkIndex: find() per value equals a scan of the documents.
      std::map<int64_t, std::set<std::string>> want;
      auto users = docs.get(tr, DocPath::parse("users"));
      if (users && users->is_object()) {
        for (const auto& [id, user] : users->items()) {
          if (user.is_object() && user.contains("age") && user["age"].is_number_integer()) {
            want[user["age"].get<int64_t>()].insert("users." + id + ".age");
          }
        }
      }
      for (int64_t a = 0; a < 6; ++a) {
        std::set<std::string> got;
        for (const auto& m : docs.find(tr, "age", a)) got.insert(m.path.toString());
        EXPECT_EQ(got, want[a]) << "age " << a;
      }
    });
  }
}

STRATA_ENGINE_SUITE(LayerInvariantsTest);

}  // namespace
}  // namespace strata::reliability
