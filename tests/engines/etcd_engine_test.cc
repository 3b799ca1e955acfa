// The etcd engine beyond the conformance suite: the delete trap (reads against clears), marker
// collection, the versionstamp clock with a foreign writer, prefixes, URL errors. Runs against the
// cluster named by STRATA_TEST_ETCD (ctest label etcd starts one); skipped without it.
#include "engines/etcd/etcd_engine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "strata/kv/transaction.h"

namespace strata {
namespace {

using namespace std::string_literals;

std::string endpoints() {
  const char* env = std::getenv("STRATA_TEST_ETCD");
  return env == nullptr ? "" : env;
}

std::string freshPrefix() {
  static std::atomic<int> n{0};
  return "etcd-engine-test/" + std::to_string(getpid()) + "." +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "." +
         std::to_string(n++) + "/";
}

int codeOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return 0;
}

class EtcdEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (endpoints().empty()) GTEST_SKIP() << "STRATA_TEST_ETCD is not set";
    prefix_ = freshPrefix();
    db_.emplace(Database::open(url()));
  }
  [[nodiscard]] std::string url() const { return "etcd://" + endpoints() + "/?prefix=" + prefix_; }
  Database& db() { return *db_; }
  // An engine on the same cluster and prefix, for the engine-level calls.
  [[nodiscard]] std::shared_ptr<kv::Engine> openEngineForTest() const {
    kv::EtcdEngineOptions options;
    std::string list = endpoints();
    for (size_t at = 0; at <= list.size();) {
      size_t comma = std::min(list.find(',', at), list.size());
      options.endpoints.push_back(list.substr(at, comma - at));
      at = comma + 1;
    }
    options.prefix = prefix_;
    return kv::makeEtcdEngine(options);
  }
  void put(const std::string& k, const std::string& v) {
    db().run([&](Transaction& tr) { tr.set(k, v); });
  }
  // A reads with `reader` at its read version; B runs `writer` and commits; then A writes a probe
  // key and commits. Returns: A's commit error code (0 when it committed).
  int race(const std::function<void(Transaction&)>& reader,
           const std::function<void(Transaction&)>& writer) {
    Transaction a = db().createTransaction();
    reader(a);
    Transaction b = db().createTransaction();
    writer(b);
    b.commit();
    a.set("zz-probe", "");
    return codeOf([&] { a.commit(); });
  }

  std::string prefix_;
  std::optional<Database> db_;
};

// ---- the delete trap: a key cleared after the read version is invisible to etcd compares on
// data keys; the engine compares write markers instead, which clears leave too.

TEST_F(EtcdEngineTest, ARangeReadConflictsWithAConcurrentClearOfAKeyInsideIt) {
  put("r/a", "1");
  put("r/b", "2");
  EXPECT_EQ(race([](Transaction& tr) { (void)tr.getRangeAll("r/", "r0"); },
                 [](Transaction& tr) { tr.clear("r/b"); }),
            1020);
}

TEST_F(EtcdEngineTest, ARangeReadConflictsWithAConcurrentClearRangeInsideIt) {
  put("r/a", "1");
  put("r/b", "2");
  EXPECT_EQ(race([](Transaction& tr) { (void)tr.getRangeAll("r/", "r0"); },
                 [](Transaction& tr) { tr.clearRange("r/b", "r/c"); }),
            1020);
}

TEST_F(EtcdEngineTest, APointReadConflictsWithAConcurrentClearOfThatKey) {
  put("p", "1");
  EXPECT_EQ(
      race([](Transaction& tr) { (void)tr.get("p"); }, [](Transaction& tr) { tr.clear("p"); }),
      1020);
}

TEST_F(EtcdEngineTest, ALimitedRangeReadConflictsWithAClearOfAKeyItReturned) {
  put("l/1", "1");
  put("l/2", "2");
  put("l/3", "3");
  EXPECT_EQ(race([](Transaction& tr) { (void)tr.getRangeAll("l/", "l0", {.limit = 2}); },
                 [](Transaction& tr) { tr.clear("l/2"); }),
            1020);
  put("l/2", "2");
  EXPECT_EQ(race([](Transaction& tr) { (void)tr.getRangeAll("l/", "l0", {.limit = 2}); },
                 [](Transaction& tr) { tr.clear("l/3"); }),
            0);
}

TEST_F(EtcdEngineTest, AReadOfAnEmptyRangeConflictsWithAClearRangeOverlappingIt) {
  // Nothing exists, nothing changes, but FoundationDB reports the overlap: so does the engine.
  EXPECT_EQ(race([](Transaction& tr) { (void)tr.getRangeAll("e/m", "e/n"); },
                 [](Transaction& tr) { tr.clearRange("e/a", "e/z"); }),
            1020);
  EXPECT_EQ(race([](Transaction& tr) { (void)tr.getRangeAll("e/m", "e/n"); },
                 [](Transaction& tr) { tr.clearRange("e/n", "e/z"); }),
            0);
}

// ---- atomic ops against a concurrent clear: the guard compares the input's mod_revision
// (EQUAL), which a deleted key fails too.

TEST_F(EtcdEngineTest, AnAtomicAddAfterAConcurrentClearStartsFromAbsent) {
  std::string one(8, '\0');
  one[0] = 1;
  put("n", std::string(8, '\x05'));
  Transaction a = db().createTransaction();
  a.atomicOp(MutationType::kAdd, "n", one);
  db().run([](Transaction& tr) { tr.clear("n"); });
  a.commit();
  auto v = db().read([](Transaction& tr) { return tr.get("n"); });
  EXPECT_EQ(v, one);
}

// ---- collection ----------------------------------------------------------------------------

TEST_F(EtcdEngineTest, MaintenanceKeepsMarkersYoungerThanTheHorizon) {
  put("m", "1");
  etcdRunMaintenance(*openEngineForTest());
  // Just written: still inside the window, so a reader before it still conflicts.
  Transaction a = db().createTransaction();
  (void)a.get("m");
  put("m", "2");
  a.set("x", "");
  EXPECT_EQ(codeOf([&] { a.commit(); }), 1020);
}

// ---- versionstamps with a foreign writer ------------------------------------------------------

TEST_F(EtcdEngineTest, AVersionstampMatchesTheCommitAfterANonStrataWrite) {
  std::string cmd = "ETCDCTL_API=3 etcdctl --endpoints=" + endpoints() + " put " + prefix_ +
                    "foreign value >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  Transaction tr = db().createTransaction();
  std::string operand = "vs/" + std::string(10, '\0');
  operand += std::string("\x03\x00\x00\x00", 4);
  tr.atomicOp(MutationType::kSetVersionstampedKey, operand, "v");
  auto stamp = tr.getVersionstamp();
  tr.commit();
  CommitStamp s = stamp.get();
  uint64_t version = 0;
  for (int i = 0; i < 8; ++i) version = (version << 8) | s[i];
  EXPECT_EQ(static_cast<int64_t>(version), tr.getCommittedVersion());
  auto rows = db().read([](Transaction& t) { return t.getRangeAll("vs/", "vs0"); });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key.substr(3), std::string(reinterpret_cast<const char*>(s.data()), 10));
}

// ---- prefixes and URLs ------------------------------------------------------------------------

TEST_F(EtcdEngineTest, TwoPrefixesOnOneClusterDoNotSeeEachOther) {
  put("shared", "mine");
  Database other = Database::open("etcd://" + endpoints() + "/?prefix=" + freshPrefix());
  EXPECT_EQ(other.read([](Transaction& tr) { return tr.get("shared"); }), std::nullopt);
  other.run([](Transaction& tr) { tr.set("shared", "theirs"); });
  EXPECT_EQ(db().read([](Transaction& tr) { return tr.get("shared"); }), "mine");
}

TEST_F(EtcdEngineTest, MalformedEtcdUrlsAreInvalidDatabaseNames) {
  EXPECT_EQ(codeOf([] { (void)Database::open("etcd://"); }), 2013);
  EXPECT_EQ(codeOf([] { (void)Database::open("etcd://,"); }), 2013);
  EXPECT_EQ(codeOf([&] { (void)Database::open("etcd://" + endpoints() + "/?color=red"); }), 2013);
}

TEST_F(EtcdEngineTest, AnUnreachableClusterIsAnIoErrorAtOpen) {
  kv::EtcdEngineOptions options;
  options.endpoints = {"127.0.0.1:1"};
  options.failoverBudget = std::chrono::milliseconds(300);
  EXPECT_EQ(codeOf([&] { (void)kv::makeEtcdEngine(options); }), 1510);
}

TEST_F(EtcdEngineTest, TheClusterLimitsAreMeasuredAtOpen) {
  auto engine = openEngineForTest();
  auto stats = kv::etcdEngineStats(*engine);
  EXPECT_GE(stats.limits.maxTxnOps, 128);
  EXPECT_GE(stats.limits.maxRequestBytes, 1 << 20);
}

// The read view caches the rows of its range reads (etcd_engine.cc, RangeCache): every read of a
// view that has read before must equal the same read on a fresh view of the same revision, for
// the patterns an iterator makes (continuing from the last row, both directions) and others.
TEST_F(EtcdEngineTest, CachedRangeReadsOfAViewEqualFreshReads) {
  db().run([](Transaction& tr) {
    for (int i = 0; i < 300; i += 2) tr.set("k" + std::to_string(1000 + i), std::to_string(i));
  });
  auto engine = openEngineForTest();
  auto cached = engine->beginRead();
  const int64_t version = cached->version();
  db().run([](Transaction& tr) {  // later commits: the cached view must not see them
    tr.clearRange("k1100", "k1200");
    tr.set("k1001", "new");
  });
  std::mt19937 rng(7);
  auto randomKey = [&] {
    static const std::string edges[] = {"", "a", "k", "k1", "l", "\xfe"};
    if (rng() % 8 == 0) return edges[rng() % 6];
    return "k" + std::to_string(990 + rng() % 320) + (rng() % 3 == 0 ? "\x00"s : ""s);
  };
  std::string lo = "k", hi = "l";
  bool reverse = false;
  for (int step = 0; step < 200; ++step) {
    const int limit = 1 + static_cast<int>(rng() % 40);
    kv::RangeChunk got = cached->getRange(lo, hi, limit, reverse);
    kv::RangeChunk want = engine->readAt(version)->getRange(lo, hi, limit, reverse);
    ASSERT_EQ(got.more, want.more) << "step " << step;
    ASSERT_EQ(got.kvs.size(), want.kvs.size()) << "step " << step;
    for (size_t i = 0; i < got.kvs.size(); ++i) {
      ASSERT_EQ(got.kvs[i].key, want.kvs[i].key) << "step " << step;
      ASSERT_EQ(got.kvs[i].value, want.kvs[i].value) << "step " << step;
    }
    std::string point = randomKey();
    ASSERT_EQ(cached->get(point), engine->readAt(version)->get(point)) << point;
    if (got.more && rng() % 4 != 0) {  // continue like an iterator
      if (reverse) {
        hi = got.kvs.back().key;
      } else {
        lo = got.kvs.back().key + "\x00"s;
      }
      continue;
    }
    lo = randomKey();
    hi = randomKey();
    if (lo > hi) std::swap(lo, hi);
    if (lo == hi) hi = lo + "\x00"s;
    reverse = rng() % 2 == 0;
  }
}

// Reads issued together through Transaction::*Async are in flight together on etcd (the
// ReadPool of DatabaseOptions::readConcurrency).
TEST_F(EtcdEngineTest, ReadsIssuedTogetherAreInFlightTogether) {
  db().run([](Transaction& tr) {
    for (int i = 0; i < 64; ++i) tr.set("r" + std::to_string(100 + i), std::to_string(i));
  });
  Transaction tr = db().createTransaction();
  (void)tr.getReadVersion();
  (void)kv::etcdTakePeakReadsInFlight(db().engine());  // start counting from here
  // Point reads only: a range read fills the view's cache, which then answers later reads
  // without a round trip.
  std::vector<Future<std::optional<std::string>>> gets;
  for (int i = 0; i < 64; ++i) gets.push_back(tr.getAsync("r" + std::to_string(100 + i)));
  for (int i = 0; i < 64; ++i) EXPECT_EQ(gets[i].get(), std::to_string(i));
  // 64 round trips of ~0.3 ms: the pool's 8 threads overlap them unless reads are serialised.
  EXPECT_GE(kv::etcdTakePeakReadsInFlight(db().engine()), 2);
  // Range reads issued together each get their own answer.
  std::vector<Future<RangeBatch>> ranges;
  for (int i = 0; i < 64; i += 8) {
    ranges.push_back(
        tr.getRangeAsync(KeySelector::firstGreaterOrEqual("r" + std::to_string(100 + i)),
                         KeySelector::firstGreaterOrEqual("s")));
  }
  for (size_t j = 0; j < ranges.size(); ++j) {
    RangeBatch batch = ranges[j].get();
    ASSERT_EQ(batch.kvs.size(), 64 - 8 * j);
    EXPECT_EQ(batch.kvs.front().value, std::to_string(8 * j));
  }
}

}  // namespace
}  // namespace strata
