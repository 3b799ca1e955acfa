// Tests of layers/intern.h, run on every engine kind of tests/support/engines.h (memory, file,
// etcd when STRATA_TEST_ETCD is set).
#include "strata/layers/intern.h"

#include <gtest/gtest.h>

#include <barrier>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "strata/kv.h"
#include "strata/subspace.h"
#include "strata/tuple.h"
#include "support/engines.h"

namespace strata::layers {
namespace {

using testsupport::errorCodeOf;

class StringInternTest : public testsupport::EngineTest {
 protected:
  // Every key under the table's subspace.
  std::vector<KeyValue> keys() {
    KeyRange r = space_.range();
    return db().read([&](Transaction& tr) { return tr.getRangeAll(r.begin, r.end); });
  }

  Subspace space_{Tuple{"test", "intern"}};
  StringIntern names_{space_};
};

TEST_P(StringInternTest, InternReturnsAFourByteIdThatLooksUpTheString) {
  std::string id = names_.intern(db(), "Ada Lovelace");
  EXPECT_EQ(id.size(), 4u);
  EXPECT_EQ(names_.lookup(db(), id), "Ada Lovelace");
  StringIntern fresh(space_);  // no cache: reads the database
  EXPECT_EQ(fresh.lookup(db(), id), "Ada Lovelace");
  EXPECT_EQ(fresh.intern(db(), "Ada Lovelace"), id);
}

TEST_P(StringInternTest, TheSameStringGetsTheSameIdAndDifferentStringsDifferentIds) {
  std::string a = names_.intern(db(), "alpha");
  std::string b = names_.intern(db(), "beta");
  EXPECT_NE(a, b);
  EXPECT_EQ(names_.intern(db(), "alpha"), a);
  StringIntern fresh(space_);
  EXPECT_EQ(fresh.intern(db(), "beta"), b);
  EXPECT_EQ(keys().size(), 4u);  // one "U" and one "H" key per string
}

TEST_P(StringInternTest, AnUnknownIdLooksUpAsAbsent) {
  EXPECT_EQ(names_.lookup(db(), "nope"), std::nullopt);
  EXPECT_EQ(names_.lookup(db(), ""), std::nullopt);
}

TEST_P(StringInternTest, EmptyAndBinaryStringsIntern) {
  std::string empty = names_.intern(db(), "");
  std::string binary("\x00\xff\x00", 3);
  std::string bin = names_.intern(db(), binary);
  EXPECT_NE(empty, bin);
  StringIntern fresh(space_);
  EXPECT_EQ(fresh.lookup(db(), empty), "");
  EXPECT_EQ(fresh.lookup(db(), bin), binary);
}

TEST_P(StringInternTest, StringsUpToTheValueLimitInternAndLongerOnesRaiseValueTooLarge) {
  std::string largest(kMaxValueSize, 'x');
  std::string id = names_.intern(db(), largest);
  for (const KeyValue& kv : keys()) EXPECT_LT(kv.key.size(), 64u);  // strings stay out of keys
  StringIntern fresh(space_);
  EXPECT_EQ(fresh.lookup(db(), id), largest);
  EXPECT_EQ(fresh.intern(db(), largest), id);
  std::string tooLarge(kMaxValueSize + 1, 'x');
  EXPECT_EQ(errorCodeOf([&] { (void)names_.intern(db(), tooLarge); }),
            static_cast<int>(ErrorCode::value_too_large));
}

// A hash collision: a chain entry for the same hash pointing at another string.
TEST_P(StringInternTest, HashCollisionsChainAndStillMapOneToOne) {
  const std::string s = "collide-me";
  std::string hash(8, '\0');
  uint64_t h = internHash(s);
  for (int i = 7; i >= 0; --i, h >>= 8) hash[static_cast<size_t>(i)] = static_cast<char>(h & 0xff);
  db().run([&](Transaction& tr) {
    tr.set(space_.pack(Tuple{"U", Bytes("\x01\x02\x03\x04")}), "someone else");
    tr.set(space_.pack(Tuple{"H", Bytes(hash), Bytes("\x01\x02\x03\x04")}), "");
  });
  std::string id = names_.intern(db(), s);
  EXPECT_NE(id, std::string("\x01\x02\x03\x04"));
  StringIntern fresh(space_);
  EXPECT_EQ(fresh.intern(db(), s), id);
  EXPECT_EQ(fresh.lookup(db(), id), s);
  EXPECT_EQ(fresh.lookup(db(), std::string("\x01\x02\x03\x04")), "someone else");
}

TEST_P(StringInternTest, FnvHashMatchesTheReferenceValues) {
  // FNV-1a 64 test vectors (Fowler, Noll, Vo).
  EXPECT_EQ(internHash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(internHash("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(internHash("foobar"), 0x85944171f73967e8ULL);
}

TEST_P(StringInternTest, EightThreadsInterningTheSameNewStringGetTheSameId) {
  constexpr int kThreads = 8;
  for (int round = 0; round < 5; ++round) {
    const std::string s = "shared-" + std::to_string(round);
    std::vector<std::string> ids(kThreads);
    std::barrier start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        StringIntern own(space_);  // its own cache: every thread goes to the database
        start.arrive_and_wait();
        ids[t] = own.intern(db(), s);
      });
    }
    for (auto& th : threads) th.join();
    for (const std::string& id : ids) EXPECT_EQ(id, ids[0]) << "round " << round;
  }
  EXPECT_EQ(keys().size(), 10u);  // 5 strings, 2 keys each: no duplicate mapping
}

TEST_P(StringInternTest, EightThreadsInterningDifferentStringsGetDistinctIds) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 20;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        // Every thread interns the same strings in a different order, plus its own.
        ids[t].push_back(names_.intern(db(), "common-" + std::to_string((i + t) % kPerThread)));
        ids[t].push_back(names_.intern(db(), "own-" + std::to_string(t * 100 + i)));
      }
    });
  }
  for (auto& th : threads) th.join();
  StringIntern fresh(space_);
  std::set<std::string> distinct;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      std::string common = "common-" + std::to_string((i + t) % kPerThread);
      EXPECT_EQ(fresh.lookup(db(), ids[t][2 * i]), common);
      EXPECT_EQ(fresh.lookup(db(), ids[t][2 * i + 1]), "own-" + std::to_string(t * 100 + i));
      distinct.insert(ids[t][2 * i]);
      distinct.insert(ids[t][2 * i + 1]);
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kPerThread + kThreads * kPerThread));
}

TEST_P(StringInternTest, AMappingFromARolledBackTransactionNeverEntersTheCache) {
  std::string id;
  {
    Transaction tr = db().createTransaction();
    id = names_.intern(tr, "phantom");
    EXPECT_EQ(names_.lookup(tr, id), "phantom");  // read-your-writes
    EXPECT_EQ(names_.intern(tr, "phantom"), id);
  }  // rolled back
  EXPECT_EQ(names_.cacheStats().entries, 0u);
  EXPECT_EQ(names_.lookup(db(), id), std::nullopt);
}

TEST_P(StringInternTest, AMappingFromAConflictedCommitNeverEntersTheCache) {
  Transaction tr = db().createTransaction();
  std::string id = names_.intern(tr, "loser");
  StringIntern other(space_);
  std::string winner = other.intern(db(), "loser");  // commits first
  EXPECT_EQ(errorCodeOf([&] { tr.commit(); }), static_cast<int>(ErrorCode::not_committed));
  EXPECT_EQ(names_.cacheStats().entries, 0u);
  if (id != winner) {
    EXPECT_EQ(names_.lookup(db(), id), std::nullopt);
  }
  EXPECT_EQ(names_.intern(db(), "loser"), winner);
}

TEST_P(StringInternTest, InternLeavesTheCallersSnapshotReadYourWritesOn) {
  db().run([&](Transaction& tr) {
    tr.set("mine", "1");
    (void)names_.intern(tr, "x");
    (void)names_.lookup(tr, "absent");
    EXPECT_EQ(tr.get("mine", Snapshot::kYes), "1");
  });
}

TEST_P(StringInternTest, CommittedMappingsReadInATransactionAreCached) {
  std::string id = names_.intern(db(), "cached");
  StringIntern fresh(space_);
  db().run([&](Transaction& tr) { EXPECT_EQ(fresh.lookup(tr, id), "cached"); });
  EXPECT_EQ(fresh.cacheStats().entries, 1u);
  uint64_t hits = fresh.cacheStats().hits;
  EXPECT_EQ(fresh.intern(db(), "cached"), id);
  EXPECT_EQ(fresh.lookup(db(), id), "cached");
  EXPECT_EQ(fresh.cacheStats().hits, hits + 2);
}

TEST_P(StringInternTest, TheCacheStaysWithinItsByteLimitAndEvictsLeastRecentlyUsed) {
  StringIntern small(space_, StringInternOptions{.cacheBytes = 1000});
  std::vector<std::string> ids;
  for (int i = 0; i < 40; ++i) ids.push_back(small.intern(db(), "string-" + std::to_string(i)));
  StringInternCacheStats stats = small.cacheStats();
  EXPECT_LE(stats.bytes, 1000u);
  EXPECT_GT(stats.evictions, 0u);
  EXPECT_LT(stats.entries, 40u);
  // The newest entries are cached, the oldest were evicted; every lookup is still right.
  uint64_t hits = stats.hits;
  EXPECT_EQ(small.lookup(db(), ids[39]), "string-39");
  EXPECT_EQ(small.cacheStats().hits, hits + 1);
  EXPECT_EQ(small.lookup(db(), ids[0]), "string-0");
  EXPECT_EQ(small.cacheStats().hits, hits + 1);
}

TEST_P(StringInternTest, AZeroByteCacheCachesNothing) {
  StringIntern uncached(space_, StringInternOptions{.cacheBytes = 0});
  std::string id = uncached.intern(db(), "s");
  EXPECT_EQ(uncached.lookup(db(), id), "s");
  EXPECT_EQ(uncached.cacheStats().entries, 0u);
  EXPECT_EQ(uncached.cacheStats().hits, 0u);
}

TEST_P(StringInternTest, ClearCacheForgetsEntries) {
  std::string id = names_.intern(db(), "s");
  EXPECT_EQ(names_.cacheStats().entries, 1u);
  names_.clearCache();
  EXPECT_EQ(names_.cacheStats().entries, 0u);
  EXPECT_EQ(names_.lookup(db(), id), "s");
}

STRATA_ENGINE_SUITE(StringInternTest);

}  // namespace
}  // namespace strata::layers
