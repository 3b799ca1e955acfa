// The LMDB engine through the Engine interface, in one process (lmdb_multiprocess_test.cc covers
// several processes; tests/crash/ covers kill -9).
#include "engines/lmdb/lmdb_engine.h"

#include <gtest/gtest.h>
#include <lmdb.h>

#include <atomic>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "engines/lmdb/format.h"
#include "engines/lmdb/lmdb_access.h"
#include "engines/lmdb_test_util.h"
#include "kv/atomic.h"

namespace strata::kv {
namespace {

using testing::errorCodeOf;
using testing::openAt;
using testing::pointRange;
using testing::setRequest;
using testing::TempDir;

std::string le64(int64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

TEST(LmdbEngineTest, CommittedDataSurvivesCloseAndReopen) {
  TempDir dir;
  int64_t version;
  {
    auto engine = openAt(dir.path());
    EXPECT_EQ(engine->name(), "lmdb");
    version = engine->commit(setRequest({{"a", "1"}, {"b", "2"}})).version;
  }
  auto engine = openAt(dir.path());
  auto view = engine->beginRead();
  EXPECT_EQ(view->version(), version);
  EXPECT_EQ(view->get("a"), "1");
  EXPECT_EQ(view->get("b"), "2");
  EXPECT_EQ(view->get("c"), std::nullopt);
}

TEST(LmdbEngineTest, EmptyKeyAndEmptyValueAreStored) {
  TempDir dir;
  auto engine = openAt(dir.path());
  (void)engine->commit(setRequest({{"", ""}, {std::string(1, '\0'), "z"}}));
  auto view = engine->beginRead();
  EXPECT_EQ(view->get(""), "");
  auto chunk = view->getRange("", "\xff", 10, false);
  ASSERT_EQ(chunk.kvs.size(), 2u);
  EXPECT_EQ(chunk.kvs[0].key, "");
  EXPECT_EQ(chunk.kvs[1].key, std::string(1, '\0'));
}

// A random mix of short keys, keys around the 400-byte inline limit and 10,000-byte keys, checked
// against std::map: point reads, range reads both ways with limits, clears.
TEST(LmdbEngineTest, RangeReadsMatchAnOrderedMapForKeysOfEveryLength) {
  TempDir dir;
  auto engine = openAt(dir.path());
  std::map<std::string, std::string> model;
  std::mt19937 rng(7);
  std::string base(398, 'p');
  auto randomKey = [&]() -> std::string {
    switch (rng() % 4) {
      case 0:
        return std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 3));
      case 1:
        return base + std::string(rng() % 5, static_cast<char>(rng() % 3));
      case 2:
        return std::string(400, 'q') +
               std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 3));
      default:
        return std::string(10000 - rng() % 3, 'r') + static_cast<char>(rng() % 256);
    }
  };
  for (int round = 0; round < 60; ++round) {
    CommitRequest req;
    for (int i = 0; i < 8; ++i) {
      std::string k = randomKey();
      if (rng() % 5 == 0) {
        std::string e = randomKey();
        if (e < k) std::swap(k, e);
        req.mutations.push_back({MutationType::kClearRange, k, e});
        model.erase(model.lower_bound(k), model.lower_bound(e));
      } else {
        std::string v = "v" + std::to_string(rng());
        req.mutations.push_back({MutationType::kSetValue, k, v});
        model[k] = v;
      }
      req.writeConflicts.push_back(pointRange(k));
    }
    (void)engine->commit(std::move(req));
    auto view = engine->beginRead();
    std::string b = randomKey(), e = randomKey();
    if (e < b) std::swap(b, e);
    int limit = 1 + static_cast<int>(rng() % 6);
    for (bool reverse : {false, true}) {
      std::vector<KeyValue> expected;
      if (!reverse) {
        for (auto it = model.lower_bound(b); it != model.end() && it->first < e; ++it) {
          expected.push_back({it->first, it->second});
        }
      } else {
        for (auto it = model.lower_bound(e); it != model.begin();) {
          --it;
          if (it->first < b) break;
          expected.push_back({it->first, it->second});
        }
      }
      auto chunk = view->getRange(b, e, limit, reverse);
      bool more = expected.size() > static_cast<size_t>(limit);
      if (more) expected.resize(static_cast<size_t>(limit));
      EXPECT_EQ(chunk.kvs, expected) << "round " << round << " reverse " << reverse;
      EXPECT_EQ(chunk.more, more);
    }
    auto all = view->getRange("", "\xff\xff", 100000, false);
    ASSERT_EQ(all.kvs.size(), model.size());
    for (const auto& [k, v] : model) EXPECT_EQ(view->get(k), v);
  }
}

TEST(LmdbEngineTest, EveryMutationKindAppliesAtTheCommitVersion) {
  TempDir dir;
  auto engine = openAt(dir.path());
  (void)engine->commit(setRequest(
      {{"n", le64(5)}, {"c1", "x"}, {"c2", "y"}, {"r1", "1"}, {"r2", "2"}, {"r3", "3"}}));
  CommitRequest req;
  req.mutations.push_back({MutationType::kAdd, "n", le64(10)});
  req.mutations.push_back({MutationType::kAdd, "fresh", le64(3)});
  req.mutations.push_back({MutationType::kCompareAndClear, "c1", "x"});
  req.mutations.push_back({MutationType::kCompareAndClear, "c2", "nope"});
  req.mutations.push_back({MutationType::kClearRange, "r1", "r3"});
  req.mutations.push_back({MutationType::kByteMax, "c2", "z"});
  std::string vsKey = std::string("vk") + std::string(10, '\0') + le64(2).substr(0, 4);
  req.mutations.push_back({MutationType::kSetVersionstampedKey, vsKey, "stamped-key"});
  std::string vsValue = std::string("pre") + std::string(10, '\0') + le64(3).substr(0, 4);
  req.mutations.push_back({MutationType::kSetVersionstampedValue, "vv", vsValue});
  req.writeConflicts.push_back({"", "\xff"});
  CommitResult result = engine->commit(std::move(req));
  CommitStamp stamp = makeCommitStamp(result.version, result.batchOrder);
  std::string stampBytes(stamp.begin(), stamp.end());

  auto view = engine->beginRead();
  EXPECT_EQ(view->get("n"), le64(15));
  EXPECT_EQ(view->get("fresh"), le64(3));
  EXPECT_EQ(view->get("c1"), std::nullopt);
  EXPECT_EQ(view->get("c2"), "z");
  EXPECT_EQ(view->get("r1"), std::nullopt);
  EXPECT_EQ(view->get("r2"), std::nullopt);
  EXPECT_EQ(view->get("r3"), "3");
  EXPECT_EQ(view->get("vk" + stampBytes), "stamped-key");
  EXPECT_EQ(view->get("vv"), "pre" + stampBytes);
}

TEST(LmdbEngineTest, AMalformedVersionstampFailsOnlyItsOwnCommit) {
  TempDir dir;
  auto engine = openAt(dir.path());
  CommitRequest bad;
  bad.mutations.push_back({MutationType::kSetValue, "half", "applied?"});
  bad.mutations.push_back({MutationType::kSetVersionstampedKey, "short", "v"});
  bad.writeConflicts.push_back(pointRange("half"));
  EXPECT_EQ(errorCodeOf([&] { (void)engine->commit(std::move(bad)); }),
            static_cast<int>(ErrorCode::client_invalid_operation));
  EXPECT_EQ(engine->beginRead()->get("half"), std::nullopt);
  (void)engine->commit(setRequest({{"ok", "1"}}));
  EXPECT_EQ(engine->beginRead()->get("ok"), "1");
}

TEST(LmdbEngineTest, VersionsIncreaseAtAboutAMillionPerSecond) {
  TempDir dir;
  auto engine = openAt(dir.path());
  int64_t v1 = engine->commit(setRequest({{"a", "1"}})).version;
  int64_t v2 = engine->commit(setRequest({{"a", "2"}})).version;
  EXPECT_GT(v2, v1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int64_t v3 = engine->commit(setRequest({{"a", "3"}})).version;
  EXPECT_GE(v3 - v2, 20000);
  EXPECT_EQ(engine->beginRead()->version(), v3);
}

TEST(LmdbEngineTest, AReadOnlyRequestNeedsNoVersion) {
  TempDir dir;
  auto engine = openAt(dir.path());
  CommitRequest req;
  req.readVersion = engine->beginRead()->version();
  req.readConflicts.push_back(pointRange("a"));
  EXPECT_EQ(engine->commit(std::move(req)).version, -1);
}

TEST(LmdbEngineTest, AWriteIntoAReadRangeAfterTheReadVersionConflicts) {
  TempDir dir;
  auto engine = openAt(dir.path());
  int64_t rv = engine->beginRead()->version();
  (void)engine->commit(setRequest({{"k", "other"}}));
  EXPECT_EQ(errorCodeOf([&] {
              (void)engine->commit(setRequest({{"x", "1"}}, rv, {"k"}));
            }),
            static_cast<int>(ErrorCode::not_committed));
  EXPECT_EQ(engine->beginRead()->get("x"), std::nullopt);
  // Disjoint reads and blind writes commit.
  EXPECT_NO_THROW((void)engine->commit(setRequest({{"x", "1"}}, rv, {"j"})));
  EXPECT_NO_THROW((void)engine->commit(setRequest({{"k", "blind"}})));
  // A range read conflicts with a write anywhere inside it.
  int64_t rv2 = engine->beginRead()->version();
  (void)engine->commit(setRequest({{"m5", "1"}}));
  CommitRequest ranged = setRequest({{"y", "1"}}, rv2);
  ranged.readConflicts.push_back({"m", "n"});
  EXPECT_EQ(errorCodeOf([&] { (void)engine->commit(std::move(ranged)); }),
            static_cast<int>(ErrorCode::not_committed));
  // A clear-range write conflicts with a point read inside it.
  int64_t rv3 = engine->beginRead()->version();
  CommitRequest clear;
  clear.mutations.push_back({MutationType::kClearRange, "p", "q"});
  clear.writeConflicts.push_back({"p", "q"});
  (void)engine->commit(std::move(clear));
  EXPECT_EQ(errorCodeOf([&] {
              (void)engine->commit(setRequest({{"z", "1"}}, rv3, {"pp"}));
            }),
            static_cast<int>(ErrorCode::not_committed));
}

TEST(LmdbEngineTest, AReadVersionWhoseConflictHistoryWasPrunedIsTooOld) {
  TempDir dir;
  LmdbEngineOptions options;
  options.path = dir.path();
  options.maxTransactionLifetime = std::chrono::milliseconds(1);
  auto engine = makeLmdbEngine(options);
  int64_t rv = engine->beginRead()->version();
  (void)engine->commit(setRequest({{"a", "1"}}));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  (void)engine->commit(setRequest({{"b", "1"}}));  // prunes the entry for "a"
  EXPECT_EQ(errorCodeOf([&] {
              (void)engine->commit(setRequest({{"c", "1"}}, rv, {"zz"}));
            }),
            static_cast<int>(ErrorCode::transaction_too_old));
  // The newest read version is still fine.
  int64_t fresh = engine->beginRead()->version();
  EXPECT_NO_THROW((void)engine->commit(setRequest({{"c", "1"}}, fresh, {"zz"})));
}

TEST(LmdbEngineTest, ReadAtServesRecentlyReadVersionsAndRefusesOthers) {
  TempDir dir;
  auto engine = openAt(dir.path());
  int64_t v1 = engine->commit(setRequest({{"a", "1"}})).version;
  EXPECT_EQ(engine->readAt(v1)->get("a"), "1");
  EXPECT_EQ(errorCodeOf([&] { (void)engine->readAt(v1 + 1); }),
            static_cast<int>(ErrorCode::future_version));
  int64_t v2 = engine->commit(setRequest({{"a", "2"}})).version;
  // v1 was read before, so its snapshot is kept for the transaction lifetime.
  EXPECT_EQ(engine->readAt(v1)->get("a"), "1");
  EXPECT_EQ(engine->readAt(v2)->get("a"), "2");
  // A version no snapshot of this process ever had.
  EXPECT_EQ(errorCodeOf([&] { (void)engine->readAt(v1 - 1); }),
            static_cast<int>(ErrorCode::transaction_too_old));
}

TEST(LmdbEngineTest, KeptSnapshotsExpireAfterTheTransactionLifetime) {
  TempDir dir;
  LmdbEngineOptions options;
  options.path = dir.path();
  options.maxTransactionLifetime = std::chrono::milliseconds(20);
  auto engine = makeLmdbEngine(options);
  int64_t v1 = engine->commit(setRequest({{"a", "1"}})).version;
  (void)engine->beginRead();
  (void)engine->commit(setRequest({{"a", "2"}}));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(errorCodeOf([&] { (void)engine->readAt(v1); }),
            static_cast<int>(ErrorCode::transaction_too_old));
}

TEST(LmdbEngineTest, AReadViewKeepsItsSnapshotWhileOthersCommit) {
  TempDir dir;
  auto engine = openAt(dir.path());
  (void)engine->commit(setRequest({{"a", "old"}}));
  auto view = engine->beginRead();
  (void)engine->commit(setRequest({{"a", "new"}, {"b", "new"}}));
  EXPECT_EQ(view->get("a"), "old");
  EXPECT_EQ(view->get("b"), std::nullopt);
  EXPECT_EQ(engine->beginRead()->get("a"), "new");
}

// Many threads increment one counter with read-modify-write transactions: every increment lands
// exactly once (same-batch conflicts are caught) and batches hold more than one commit.
TEST(LmdbEngineTest, ConcurrentCommitsShareBatchesAndStaySerializable) {
  TempDir dir;
  auto engine = openAt(dir.path());
  constexpr int kThreads = 8, kPerThread = 40;
  std::vector<std::thread> threads;
  std::atomic<int> conflicts{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        (void)engine->commit(
            setRequest({{"t" + std::to_string(t) + "/" + std::to_string(i), "x"}}));
        for (;;) {
          auto view = engine->beginRead();
          auto cur = view->get("counter");
          int n = cur ? std::stoi(*cur) : 0;
          try {
            (void)engine->commit(
                setRequest({{"counter", std::to_string(n + 1)}}, view->version(), {"counter"}));
            break;
          } catch (const Error& e) {
            ASSERT_EQ(e.code(), static_cast<int>(ErrorCode::not_committed));
            conflicts.fetch_add(1);
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  auto view = engine->beginRead();
  EXPECT_EQ(view->get("counter"), std::to_string(kThreads * kPerThread));
  EXPECT_EQ(view->getRange("t", "u", 100000, false).kvs.size(),
            static_cast<size_t>(kThreads * kPerThread));
  LmdbEngineStats stats = lmdbEngineStats(*engine);
  EXPECT_GT(stats.maxBatchSize, 1u);
  EXPECT_LT(stats.batches, stats.commits);
}

TEST(LmdbEngineTest, BatchOrdersAreDistinctWithinOneVersion) {
  TempDir dir;
  auto engine = openAt(dir.path());
  std::vector<CommitResult> results(16);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      results[static_cast<size_t>(t)] =
          engine->commit(setRequest({{"k" + std::to_string(t), "v"}}));
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::pair<int64_t, uint16_t>> stamps;
  for (const auto& r : results) stamps.insert({r.version, r.batchOrder});
  EXPECT_EQ(stamps.size(), results.size());
}

TEST(LmdbEngineTest, AWatchFiresWhenItsKeyChangesAndNotBefore) {
  TempDir dir;
  auto engine = openAt(dir.path());
  (void)engine->commit(setRequest({{"w", "1"}}));
  auto view = engine->beginRead();
  Promise<void> promise;
  auto cancel = engine->watch({"w", std::string("1"), view->version(), promise});
  (void)engine->commit(setRequest({{"other", "x"}}));
  (void)engine->commit(setRequest({{"w", "1"}}));  // same value: no change
  EXPECT_FALSE(promise.future().waitFor(std::chrono::milliseconds(50)));
  (void)engine->commit(setRequest({{"w", "2"}}));
  EXPECT_TRUE(promise.future().waitFor(std::chrono::seconds(10)));
  EXPECT_NO_THROW(promise.future().get());
  cancel();  // after firing: harmless
  EXPECT_NO_THROW(promise.future().get());
}

TEST(LmdbEngineTest, AWatchOnAnAlreadyChangedKeyFiresAtOnce) {
  TempDir dir;
  auto engine = openAt(dir.path());
  int64_t v = engine->beginRead()->version();
  (void)engine->commit(setRequest({{"w", "new"}}));
  Promise<void> promise;
  auto cancel = engine->watch({"w", std::nullopt, v, promise});
  EXPECT_TRUE(promise.isReady());
}

TEST(LmdbEngineTest, ACancelledWatchFailsWithOperationCancelled) {
  TempDir dir;
  auto engine = openAt(dir.path());
  Promise<void> promise;
  auto cancel = engine->watch({"w", std::nullopt, engine->beginRead()->version(), promise});
  cancel();
  EXPECT_EQ(errorCodeOf([&] { promise.future().get(); }),
            static_cast<int>(ErrorCode::operation_cancelled));
}

TEST(LmdbEngineTest, AReadOnlyOpenReadsButRefusesWrites) {
  TempDir dir;
  {
    auto engine = openAt(dir.path());
    (void)engine->commit(setRequest({{"a", "1"}}));
  }
  auto ro = openAt(dir.path(), /*readOnly=*/true);
  EXPECT_EQ(ro->beginRead()->get("a"), "1");
  EXPECT_EQ(errorCodeOf([&] {
              (void)ro->commit(setRequest({{"b", "1"}}));
            }),
            static_cast<int>(ErrorCode::database_read_only));
  CommitRequest writeConflictOnly;
  writeConflictOnly.writeConflicts.push_back(pointRange("b"));
  EXPECT_EQ(errorCodeOf([&] { (void)ro->commit(std::move(writeConflictOnly)); }),
            static_cast<int>(ErrorCode::database_read_only));
  CommitRequest readOnly;
  readOnly.readVersion = ro->beginRead()->version();
  readOnly.readConflicts.push_back(pointRange("a"));
  EXPECT_EQ(ro->commit(std::move(readOnly)).version, -1);
}

TEST(LmdbEngineTest, NoSyncCommitsSurviveACleanClose) {
  TempDir dir;
  LmdbEngineOptions options;
  options.path = dir.path();
  options.noSync = true;
  options.noMetaSync = true;
  { (void)makeLmdbEngine(options)->commit(setRequest({{"fast", "1"}})); }
  EXPECT_EQ(openAt(dir.path())->beginRead()->get("fast"), "1");
}

TEST(LmdbEngineTest, ReadOnlyOpenOfAMissingPathIsFileNotFound) {
  TempDir dir;
  EXPECT_EQ(errorCodeOf([&] { (void)openAt(dir.sub("missing"), true); }),
            static_cast<int>(ErrorCode::file_not_found));
  EXPECT_FALSE(std::filesystem::exists(dir.sub("missing")));
}

TEST(LmdbEngineTest, OpeningAMissingPathCreatesTheDatabase) {
  TempDir dir;
  auto engine = openAt(dir.sub("a/b/db"));
  (void)engine->commit(setRequest({{"a", "1"}}));
  EXPECT_TRUE(std::filesystem::exists(dir.sub("a/b/db/data.mdb")));
}

TEST(LmdbEngineTest, PathsThatAreNotStrataDatabasesAreRejected) {
  TempDir dir;
  const int kNotADatabase = static_cast<int>(ErrorCode::not_a_database);
  std::ofstream(dir.sub("file")) << "hello";
  EXPECT_EQ(errorCodeOf([&] { (void)openAt(dir.sub("file")); }), kNotADatabase);

  std::filesystem::create_directory(dir.sub("busy"));
  std::ofstream(dir.sub("busy/notes.txt")) << "mine";
  EXPECT_EQ(errorCodeOf([&] { (void)openAt(dir.sub("busy")); }), kNotADatabase);
  EXPECT_FALSE(std::filesystem::exists(dir.sub("busy/data.mdb")));

  std::filesystem::create_directory(dir.sub("garbage"));
  std::ofstream(dir.sub("garbage/data.mdb")) << std::string(20000, 'g');
  EXPECT_EQ(errorCodeOf([&] { (void)openAt(dir.sub("garbage")); }), kNotADatabase);

  // An LMDB environment that some other program made.
  std::filesystem::create_directory(dir.sub("foreign"));
  MDB_env* env;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_open(env, dir.sub("foreign").c_str(), 0, 0644), 0);
  MDB_txn* txn;
  MDB_dbi dbi;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  ASSERT_EQ(mdb_dbi_open(txn, nullptr, 0, &dbi), 0);
  MDB_val k{3, const_cast<char*>("key")}, v{3, const_cast<char*>("val")};
  ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
  EXPECT_EQ(errorCodeOf([&] { (void)openAt(dir.sub("foreign")); }), kNotADatabase);
  EXPECT_EQ(errorCodeOf([&] { (void)openAt(dir.sub("foreign"), true); }), kNotADatabase);
  // An empty directory becomes a database.
  std::filesystem::create_directory(dir.sub("empty"));
  EXPECT_NO_THROW((void)openAt(dir.sub("empty")));
}

TEST(LmdbEngineTest, ANewerFormatVersionIsRefused) {
  TempDir dir;
  { (void)openAt(dir.path()); }
  MDB_env* env;
  ASSERT_EQ(mdb_env_create(&env), 0);
  ASSERT_EQ(mdb_env_set_maxdbs(env, 8), 0);
  ASSERT_EQ(mdb_env_open(env, dir.path().c_str(), 0, 0644), 0);
  MDB_txn* txn;
  MDB_dbi meta;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  ASSERT_EQ(mdb_dbi_open(txn, lmdb::kMetaDb, 0, &meta), 0);
  std::string key(lmdb::kMetaFormat);
  char newer[4] = {static_cast<char>(lmdb::kFormatVersion + 1), 0, 0, 0};
  MDB_val k{key.size(), key.data()}, v{4, newer};
  ASSERT_EQ(mdb_put(txn, meta, &k, &v, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
  EXPECT_EQ(errorCodeOf([&] { (void)openAt(dir.path()); }),
            static_cast<int>(ErrorCode::unsupported_format_version));
  EXPECT_EQ(errorCodeOf([&] { (void)openAt(dir.path(), true); }),
            static_cast<int>(ErrorCode::unsupported_format_version));
}

TEST(LmdbEngineTest, TheMapGrowsInsteadOfFillingUp) {
  TempDir dir;
  LmdbEngineOptions options;
  options.path = dir.path();
  options.initialMapSize = 256 << 10;
  std::string big(1 << 20, 'b');
  {
    auto engine = makeLmdbEngine(options);
    auto view = engine->beginRead();  // an open reader must not stop the map from growing
    for (int i = 0; i < 24; ++i)
      (void)engine->commit(setRequest({{"big" + std::to_string(i), big}}));
    EXPECT_GT(lmdbEngineStats(*engine).mapGrowths, 0u);
    EXPECT_EQ(view->get("big0"), std::nullopt);
  }
  auto engine = makeLmdbEngine(options);
  auto view = engine->beginRead();
  for (int i = 0; i < 24; ++i) EXPECT_EQ(view->get("big" + std::to_string(i)), big);
}

TEST(LmdbEngineTest, ManyOpenReadViewsDoNotRunOutOfReaderSlots) {
  TempDir dir;
  auto engine = openAt(dir.path());
  std::vector<std::shared_ptr<ReadView>> views;
  EXPECT_NO_THROW({
    for (int i = 0; i < 500; ++i) views.push_back(engine->beginRead());
    views.clear();
    for (int i = 0; i < 5000; ++i) (void)engine->beginRead()->get("x");
  });
}

// LMDB allows one environment per database per process (its fcntl locks belong to the process):
// every engine opened on one folder shares one, so two handles committing at once lose nothing
// (before, a second open re-initialised the lock table under the first: ~1 lost commit in 300
// runs), and closing one leaves the other working.
TEST(LmdbEngineTest, EnginesOnOneFolderInOneProcessShareOneEnvironment) {
  TempDir dir;
  auto a = openAt(dir.path());
  auto b = openAt(dir.path() + "/");  // another spelling of the same folder
  auto accessA = lmdbAccess(*a), accessB = lmdbAccess(*b);
  ASSERT_TRUE(accessA && accessB);
  EXPECT_EQ(accessA->env, accessB->env);
  auto ro = openAt(dir.path(), /*readOnly=*/true);  // read-only may share a writable one
  EXPECT_EQ(lmdbAccess(*ro)->env, accessA->env);
  EXPECT_EQ(errorCodeOf([&] {
              (void)ro->commit(setRequest({{"x", "1"}}));
            }),
            static_cast<int>(ErrorCode::database_read_only));
  ro.reset();
  (void)a->commit(setRequest({{"a", "1"}}));
  a.reset();
  (void)b->commit(setRequest({{"b", "1"}}));
  EXPECT_EQ(b->beginRead()->get("a"), "1");
  EXPECT_EQ(b->beginRead()->get("b"), "1");
  b.reset();
  // Closed by the last engine: a fresh open sees everything.
  EXPECT_EQ(openAt(dir.path())->beginRead()->get("b"), "1");
}

TEST(LmdbEngineTest, HandlesOpenedWhileOthersCommitLoseNothing) {
  for (int round = 0; round < 20; ++round) {
    TempDir dir;
    auto first = openAt(dir.path());
    std::atomic<int> done{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; i < 20; ++i) {
          (void)first->commit(
              setRequest({{"d/" + std::to_string(w) + "_" + std::to_string(i), "x"}}));
        }
        ++done;
      });
    }
    // Opened, used and closed while the writers commit.
    for (int i = 0; done.load() < 3 && i < 20; ++i) {
      auto other = openAt(dir.path());
      (void)other->commit(setRequest({{"o/" + std::to_string(i), "y"}}));
    }
    for (auto& t : writers) t.join();
    auto rows = first->beginRead()->getRange("d/", "d0", 1000, false);
    ASSERT_EQ(rows.kvs.size(), 60u) << "round " << round;
  }
}

TEST(LmdbEngineTest, OpeningAnOpenFolderWithOtherOptionsIsRefused) {
  TempDir dir;
  auto engine = openAt(dir.path());
  LmdbEngineOptions options;
  options.path = dir.path();
  options.noSync = true;
  EXPECT_EQ(errorCodeOf([&] { (void)makeLmdbEngine(options); }),
            static_cast<int>(ErrorCode::invalid_database_name));
  engine.reset();
  EXPECT_NE(makeLmdbEngine(options), nullptr);  // once the folder is closed, any options
}

}  // namespace
}  // namespace strata::kv
