#include "engines/memory/memory_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "kv/atomic.h"
#include "strata/kv/error.h"

namespace strata::kv {
namespace {

using namespace std::chrono_literals;

// Runs `fn` and expects it to throw strata::Error with `code`.
template <class Fn>
void expectError(ErrorCode code, Fn&& fn) {
  try {
    fn();
    ADD_FAILURE() << "expected error " << static_cast<int>(code) << ", nothing thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), static_cast<int>(code)) << e.what();
  }
}

std::string after(const std::string& key) { return key + '\0'; }

Mutation setOp(std::string key, std::string value) {
  return {MutationType::kSetValue, std::move(key), std::move(value)};
}
Mutation clearOp(std::string begin, std::string end) {
  return {MutationType::kClearRange, std::move(begin), std::move(end)};
}
Mutation atomicOp(MutationType type, std::string key, std::string param) {
  return {type, std::move(key), std::move(param)};
}

// A request writing `mutations`, with a point write conflict on each mutated key.
CommitRequest writes(std::vector<Mutation> mutations, int64_t readVersion = -1) {
  CommitRequest r;
  r.readVersion = readVersion;
  for (const auto& m : mutations) {
    if (m.type == MutationType::kClearRange) {
      r.writeConflicts.push_back({m.key, m.param});
    } else {
      r.writeConflicts.push_back({m.key, after(m.key)});
    }
  }
  r.mutations = std::move(mutations);
  return r;
}

int64_t put(Engine& e, const std::string& key, const std::string& value) {
  return e.commit(writes({setOp(key, value)})).version;
}

std::optional<std::string> read(Engine& e, const std::string& key) {
  return e.beginRead()->get(key);
}

std::vector<std::string> keysOf(const RangeChunk& chunk) {
  std::vector<std::string> keys;
  for (const auto& kv : chunk.kvs) keys.push_back(kv.key);
  return keys;
}

// An 8-byte little-endian integer, the operand of ADD.
std::string le64(int64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

// A versionstamp operand: prefix, 10 placeholder bytes, suffix, 4-byte LE offset.
std::string stampOperand(const std::string& prefix, const std::string& suffix) {
  std::string s = prefix + std::string(10, '\xee') + suffix;
  auto pos = static_cast<uint32_t>(prefix.size());
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((pos >> (8 * i)) & 0xff));
  return s;
}

std::string stampBytes(int64_t version) {
  CommitStamp stamp = makeCommitStamp(version, 0);
  return std::string(stamp.begin(), stamp.end());
}

// --- Versions and snapshots ------------------------------------------------------------------

TEST(MemoryEngineTest, NameIsMemory) { EXPECT_EQ(makeMemoryEngine()->name(), "memory"); }

TEST(MemoryEngineTest, RejectsANonPositiveLifetime) {
  expectError(ErrorCode::invalid_option_value, [] { (void)makeMemoryEngine({0ms}); });
  expectError(ErrorCode::invalid_option_value, [] { (void)makeMemoryEngine({-5ms}); });
}

TEST(MemoryEngineTest, AnEmptyStoreIsAtVersionZeroAndReadsNothing) {
  auto e = makeMemoryEngine();
  auto view = e->beginRead();
  EXPECT_EQ(view->version(), 0);
  EXPECT_EQ(view->get("a"), std::nullopt);
  RangeChunk chunk = view->getRange("", "\xff", 10, false);
  EXPECT_TRUE(chunk.kvs.empty());
  EXPECT_FALSE(chunk.more);
}

TEST(MemoryEngineTest, CommitVersionsIncreaseStrictly) {
  auto e = makeMemoryEngine();
  int64_t last = 0;
  for (int i = 0; i < 200; ++i) {
    int64_t v = put(*e, "k", std::to_string(i));
    EXPECT_GT(v, last);
    last = v;
  }
  EXPECT_EQ(e->beginRead()->version(), last);
}

TEST(MemoryEngineTest, VersionsAdvanceAtLeastAMillionPerSecondOfWallTime) {
  auto e = makeMemoryEngine();
  int64_t v1 = put(*e, "k", "1");
  std::this_thread::sleep_for(20ms);
  int64_t v2 = put(*e, "k", "2");
  EXPECT_GE(v2 - v1, 20'000);
}

TEST(MemoryEngineTest, AViewKeepsSeeingItsVersionAfterLaterCommits) {
  auto e = makeMemoryEngine();
  put(*e, "a", "1");
  put(*e, "b", "1");
  auto old = e->beginRead();
  put(*e, "a", "2");
  e->commit(writes({clearOp("b", after("b"))}));
  put(*e, "c", "new");
  EXPECT_EQ(old->get("a"), "1");
  EXPECT_EQ(old->get("b"), "1");
  EXPECT_EQ(old->get("c"), std::nullopt);
  EXPECT_EQ(keysOf(old->getRange("a", "z", 10, false)), (std::vector<std::string>{"a", "b"}));
  auto now = e->beginRead();
  EXPECT_EQ(now->get("a"), "2");
  EXPECT_EQ(now->get("b"), std::nullopt);
  EXPECT_EQ(now->get("c"), "new");
  EXPECT_EQ(keysOf(now->getRange("a", "z", 10, false)), (std::vector<std::string>{"a", "c"}));
}

TEST(MemoryEngineTest, ReadAtServesEveryVersionInTheWindow) {
  auto e = makeMemoryEngine();
  std::vector<int64_t> versions;
  for (int i = 0; i < 5; ++i) versions.push_back(put(*e, "k", std::to_string(i)));
  for (size_t i = 0; i < versions.size(); ++i) {
    EXPECT_EQ(e->readAt(versions[i])->get("k"), std::to_string(i));
  }
  // A version just before a commit sees the one before.
  for (size_t i = 1; i < versions.size(); ++i) {
    EXPECT_EQ(e->readAt(versions[i] - 1)->get("k"), std::to_string(i - 1));
  }
  EXPECT_EQ(e->readAt(0)->get("k"), std::nullopt);
}

TEST(MemoryEngineTest, ReadAtANewerVersionThanTheNewestCommitIsFutureVersion) {
  auto e = makeMemoryEngine();
  int64_t v = put(*e, "k", "1");
  EXPECT_EQ(e->readAt(v)->get("k"), "1");
  expectError(ErrorCode::future_version, [&] { (void)e->readAt(v + 1); });
  expectError(ErrorCode::future_version, [&] { (void)e->readAt(v + 1'000'000'000); });
}

TEST(MemoryEngineTest, VersionsOlderThanTheWindowAreTooOld) {
  auto e = makeMemoryEngine({200ms});
  int64_t v1 = put(*e, "k", "1");
  auto view1 = e->readAt(v1);
  int64_t v2 = put(*e, "k", "2");
  std::this_thread::sleep_for(250ms);
  // This commit moves the base to v2, the newest commit at least 200 ms old.
  put(*e, "k", "3");
  expectError(ErrorCode::transaction_too_old, [&] { (void)e->readAt(v1); });
  expectError(ErrorCode::transaction_too_old, [&] { (void)view1->get("k"); });
  expectError(ErrorCode::transaction_too_old, [&] { (void)view1->getRange("a", "z", 5, false); });
  expectError(ErrorCode::transaction_too_old, [&] { (void)e->readAt(-1); });
  // v2 is still the state at the window's start.
  EXPECT_EQ(e->readAt(v2)->get("k"), "2");
  // A commit whose reads are that old cannot be checked.
  CommitRequest old = writes({setOp("x", "1")}, v1);
  old.readConflicts.push_back({"q", after("q")});
  expectError(ErrorCode::transaction_too_old, [&] { e->commit(old); });
  EXPECT_EQ(read(*e, "x"), std::nullopt);
}

TEST(MemoryEngineTest, AnIdleStoreKeepsServingItsNewestVersion) {
  auto e = makeMemoryEngine({100ms});
  int64_t v = put(*e, "k", "1");
  auto view = e->beginRead();
  std::this_thread::sleep_for(150ms);
  // No commit since v, so v is still the state at the window's start.
  put(*e, "other", "x");
  EXPECT_EQ(view->get("k"), "1");
  EXPECT_EQ(e->readAt(v)->get("k"), "1");
  CommitRequest r = writes({setOp("k", "2")}, v);
  r.readConflicts.push_back({"k", after("k")});
  EXPECT_GT(e->commit(r).version, v);
}

TEST(MemoryEngineTest, AViewYoungerThanTheWindowSurvivesGarbageCollection) {
  auto e = makeMemoryEngine({2000ms});
  put(*e, "k", "old");
  e->commit(writes({setOp("gone", "here")}));
  auto view = e->beginRead();
  auto start = std::chrono::steady_clock::now();
  int i = 0;
  while (std::chrono::steady_clock::now() - start < 100ms) {
    put(*e, "k", std::to_string(i++));
    e->commit(writes({clearOp("gone", after("gone"))}));
  }
  EXPECT_EQ(view->get("k"), "old");
  EXPECT_EQ(view->get("gone"), "here");
  EXPECT_EQ(read(*e, "gone"), std::nullopt);
}

// Commits nothing until no collection is pending; at most 10,000 commits.
void drainGarbage(Engine& e) {
  for (int i = 0; i < 10000 && memoryEngineStats(e).pendingGc > 0; ++i) e.commit(CommitRequest{});
  ASSERT_EQ(memoryEngineStats(e).pendingGc, 0u);
}

TEST(MemoryEngineTest, GarbageCollectionDropsVersionsAndKeysOlderThanTheWindow) {
  auto e = makeMemoryEngine({100ms});
  for (int i = 0; i < 100; ++i) put(*e, "hot", std::to_string(i));
  for (int i = 0; i < 50; ++i) put(*e, "dead" + std::to_string(i), "x");
  e->commit(writes({clearOp("dead", "dead\xff")}));
  MemoryEngineStats before = memoryEngineStats(*e);
  EXPECT_EQ(before.keys, 51u);
  EXPECT_GE(before.versions, 100u + 100u);
  std::this_thread::sleep_for(150ms);
  put(*e, "other", "x");
  // Later commits finish the collection, a bounded share each (see the next test).
  drainGarbage(*e);
  MemoryEngineStats after = memoryEngineStats(*e);
  EXPECT_EQ(after.keys, 2u);      // "hot" and "other"
  EXPECT_EQ(after.versions, 2u);  // one each
  EXPECT_EQ(after.pendingGc, 0u);
  EXPECT_EQ(read(*e, "hot"), "99");
  EXPECT_TRUE(e->beginRead()->getRange("dead", "dead\xff", 10, false).kvs.empty());
}

// The regression behind a 1-thread read-modify-write benchmark at 1/50 of its rate: the garbage of
// an earlier burst of writes leaves the window all at once, and the commits after it collected
// 256 items each, a cold map lookup apiece. A commit now collects a share bounded by its own
// writes.
TEST(MemoryEngineTest, ACommitCollectsABoundedShareOfAnEarlierBacklog) {
  auto e = makeMemoryEngine({100ms});
  constexpr size_t kKeys = 1000;
  for (int round = 0; round < 2; ++round) {
    std::vector<Mutation> sets;
    for (size_t i = 0; i < kKeys; ++i) sets.push_back(setOp("k" + std::to_string(i), "v"));
    e->commit(writes(std::move(sets)));  // the second round supersedes every first version
  }
  ASSERT_EQ(memoryEngineStats(*e).pendingGc, kKeys);
  std::this_thread::sleep_for(150ms);
  put(*e, "fresh", "x");  // a new key queues nothing; the commit moves the base past the backlog
  MemoryEngineStats after = memoryEngineStats(*e);
  EXPECT_GT(after.baseVersion, 0);
  EXPECT_LT(after.pendingGc, kKeys);
  EXPECT_GE(after.pendingGc, kKeys - 16);
  drainGarbage(*e);
  after = memoryEngineStats(*e);
  EXPECT_EQ(after.keys, kKeys + 1);
  EXPECT_EQ(after.versions, kKeys + 1);
  EXPECT_EQ(read(*e, "k0"), "v");
}

TEST(MemoryEngineTest, AKeyQueuedManyTimesIsErasedWithItsLastQueuedCollection) {
  auto e = makeMemoryEngine({100ms});
  for (int i = 0; i < 50; ++i) {
    put(*e, "gone", std::to_string(i));
    e->commit(writes({clearOp("gone", after("gone"))}));
    put(*e, "kept", std::to_string(i));
    e->commit(writes({clearOp("kept", after("kept"))}));
  }
  put(*e, "kept", "last");
  std::this_thread::sleep_for(150ms);
  e->commit(CommitRequest{});
  // Collected part of the way: every read inside the window is still exact.
  EXPECT_EQ(read(*e, "gone"), std::nullopt);
  EXPECT_EQ(read(*e, "kept"), "last");
  drainGarbage(*e);
  MemoryEngineStats stats = memoryEngineStats(*e);
  EXPECT_EQ(stats.keys, 1u);
  EXPECT_EQ(stats.versions, 1u);
  EXPECT_TRUE(e->beginRead()->getRange("a", "z", 10, false).kvs.size() == 1);
  // A key erased by collection can be written again.
  put(*e, "gone", "back");
  EXPECT_EQ(read(*e, "gone"), "back");
}

TEST(MemoryEngineTest, PartlyCollectedHistoriesStayExactInsideTheWindow) {
  auto e = makeMemoryEngine({100ms});
  std::vector<std::pair<int64_t, std::string>> written;
  auto start = std::chrono::steady_clock::now();
  // Writing for longer than the window moves the base into the middle of the history.
  for (int i = 0; std::chrono::steady_clock::now() - start < 160ms; ++i) {
    std::string value = std::to_string(i);
    written.emplace_back(put(*e, "hot", value), value);
    if (i % 3 == 0) e->commit(writes({clearOp("hot", after("hot"))}));
    std::this_thread::sleep_for(100us);
  }
  const int64_t base = memoryEngineStats(*e).baseVersion;
  ASSERT_GT(base, written.front().first);
  size_t tooOld = 0;
  for (const auto& entry : written) {
    const int64_t version = entry.first;
    const std::string& value = entry.second;
    if (version < base) {
      expectError(ErrorCode::transaction_too_old, [&] { (void)e->readAt(version); });
      ++tooOld;
    } else {
      EXPECT_EQ(e->readAt(version)->get("hot"), value);
    }
  }
  EXPECT_GT(tooOld, 0u);
}

TEST(MemoryEngineTest, StatsOfAnotherEngineIsAnInvalidOperation) {
  class Other final : public Engine {
   public:
    std::shared_ptr<ReadView> beginRead() override { return nullptr; }
    std::shared_ptr<ReadView> readAt(int64_t) override { return nullptr; }
    CommitResult commit(CommitRequest) override { return {}; }
    std::function<void()> watch(WatchRequest) override {
      return [] {};
    }
    std::string name() const override { return "other"; }
  };
  Other other;
  expectError(ErrorCode::client_invalid_operation, [&] { (void)memoryEngineStats(other); });
}

// --- Range reads ---------------------------------------------------------------------------

class MemoryRangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    e_->commit(writes(
        {setOp("a", "1"), setOp("b", "2"), setOp("c", "3"), setOp("d", "4"), setOp("e", "5")}));
  }
  std::shared_ptr<Engine> e_ = makeMemoryEngine();
};

TEST_F(MemoryRangeTest, ForwardReadsAreAscendingAndExcludeTheEnd) {
  RangeChunk chunk = e_->beginRead()->getRange("b", "e", 10, false);
  EXPECT_EQ(chunk.kvs, (std::vector<KeyValue>{{"b", "2"}, {"c", "3"}, {"d", "4"}}));
  EXPECT_FALSE(chunk.more);
}

TEST_F(MemoryRangeTest, ReverseReadsAreDescendingFromTheEnd) {
  RangeChunk chunk = e_->beginRead()->getRange("b", "e", 10, true);
  EXPECT_EQ(keysOf(chunk), (std::vector<std::string>{"d", "c", "b"}));
  EXPECT_FALSE(chunk.more);
}

TEST_F(MemoryRangeTest, ALimitCutsTheReadAndSetsMore) {
  auto view = e_->beginRead();
  RangeChunk fwd = view->getRange("a", "z", 2, false);
  EXPECT_EQ(keysOf(fwd), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(fwd.more);
  RangeChunk rev = view->getRange("a", "z", 2, true);
  EXPECT_EQ(keysOf(rev), (std::vector<std::string>{"e", "d"}));
  EXPECT_TRUE(rev.more);
}

TEST_F(MemoryRangeTest, ALimitEqualToTheRowCountLeavesMoreFalse) {
  auto view = e_->beginRead();
  EXPECT_FALSE(view->getRange("a", "z", 5, false).more);
  EXPECT_FALSE(view->getRange("a", "z", 5, true).more);
  EXPECT_EQ(view->getRange("a", "z", 5, false).kvs.size(), 5u);
}

TEST_F(MemoryRangeTest, ClearedKeysAreSkippedAndDoNotCountTowardsMore) {
  e_->commit(writes({clearOp("c", "z")}));
  auto view = e_->beginRead();
  RangeChunk fwd = view->getRange("a", "z", 2, false);
  EXPECT_EQ(keysOf(fwd), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(fwd.more);
  RangeChunk rev = view->getRange("a", "z", 1, true);
  EXPECT_EQ(keysOf(rev), (std::vector<std::string>{"b"}));
  EXPECT_TRUE(rev.more);
}

TEST_F(MemoryRangeTest, AnEmptyOrInvertedRangeReadsNothing) {
  auto view = e_->beginRead();
  EXPECT_TRUE(view->getRange("c", "c", 10, false).kvs.empty());
  EXPECT_TRUE(view->getRange("d", "b", 10, false).kvs.empty());
  EXPECT_TRUE(view->getRange("d", "b", 10, true).kvs.empty());
  EXPECT_TRUE(view->getRange("x", "z", 10, true).kvs.empty());
}

TEST_F(MemoryRangeTest, ANonPositiveLimitIsInvalid) {
  auto view = e_->beginRead();
  expectError(ErrorCode::range_limits_invalid, [&] { (void)view->getRange("a", "z", 0, false); });
  expectError(ErrorCode::range_limits_invalid, [&] { (void)view->getRange("a", "z", -1, true); });
}

TEST_F(MemoryRangeTest, BinaryKeysOrderBytewise) {
  e_->commit(writes({setOp(std::string("\x00", 1), "zero"), setOp("\xff\x01", "high"),
                     setOp(std::string("a\x00", 2), "a0")}));
  auto view = e_->beginRead();
  RangeChunk all = view->getRange(std::string("\x00", 1), "\xff\xff", 100, false);
  ASSERT_EQ(all.kvs.size(), 8u);
  EXPECT_EQ(all.kvs.front().value, "zero");
  EXPECT_EQ(all.kvs[2].key, std::string("a\x00", 2));
  EXPECT_EQ(all.kvs.back().value, "high");
}

// --- Mutations -------------------------------------------------------------------------------

TEST(MemoryEngineTest, ClearRangeClearsFromBeginUpToButExcludingEnd) {
  auto e = makeMemoryEngine();
  e->commit(writes({setOp("a", "1"), setOp("b", "2"), setOp("c", "3"), setOp("d", "4")}));
  e->commit(writes({clearOp("b", "d")}));
  EXPECT_EQ(keysOf(e->beginRead()->getRange("", "\xff", 10, false)),
            (std::vector<std::string>{"a", "d"}));
  e->commit(writes({clearOp("a", after("a"))}));
  EXPECT_EQ(read(*e, "a"), std::nullopt);
  EXPECT_EQ(read(*e, "d"), "4");
}

TEST(MemoryEngineTest, MutationsApplyInIssueOrder) {
  auto e = makeMemoryEngine();
  e->commit(
      writes({setOp("a", "1"), clearOp("a", "b"), setOp("a", "2"), setOp("b", "x"), setOp("c", "y"),
              clearOp("c", "d"), atomicOp(MutationType::kAppendIfFits, "b", "z")}));
  EXPECT_EQ(read(*e, "a"), "2");
  EXPECT_EQ(read(*e, "b"), "xz");
  EXPECT_EQ(read(*e, "c"), std::nullopt);
  // A key set and cleared by one commit never existed for any reader.
  EXPECT_EQ(memoryEngineStats(*e).keys, 2u);
}

TEST(MemoryEngineTest, AtomicOpsOnAbsentKeysTakeTheParam) {
  auto e = makeMemoryEngine();
  e->commit(writes(
      {atomicOp(MutationType::kAdd, "add", le64(5)), atomicOp(MutationType::kBitAnd, "and", "\x0f"),
       atomicOp(MutationType::kMin, "min", "\x07"), atomicOp(MutationType::kByteMax, "bmax", "m"),
       atomicOp(MutationType::kAppendIfFits, "app", "hi"),
       atomicOp(MutationType::kCompareAndClear, "cac", "v")}));
  auto view = e->beginRead();
  EXPECT_EQ(view->get("add"), le64(5));
  EXPECT_EQ(view->get("and"), "\x0f");
  EXPECT_EQ(view->get("min"), "\x07");
  EXPECT_EQ(view->get("bmax"), "m");
  EXPECT_EQ(view->get("app"), "hi");
  EXPECT_EQ(view->get("cac"), std::nullopt);
}

TEST(MemoryEngineTest, AtomicOpsApplyToTheValueCurrentAtCommit) {
  auto e = makeMemoryEngine();
  put(*e, "n", le64(10));
  put(*e, "cac", "v");
  int64_t rv = e->beginRead()->version();
  e->commit(writes({atomicOp(MutationType::kAdd, "n", le64(1))}, rv));
  // Read at rv, committed after another add: atomic ops add no read conflict, so both count.
  e->commit(writes(
      {atomicOp(MutationType::kAdd, "n", le64(2)), atomicOp(MutationType::kMax, "n", le64(3)),
       atomicOp(MutationType::kCompareAndClear, "cac", "v")},
      rv));
  EXPECT_EQ(read(*e, "n"), le64(13));
  EXPECT_EQ(read(*e, "cac"), std::nullopt);
  e->commit(writes({atomicOp(MutationType::kBitXor, "n", le64(13)),
                    atomicOp(MutationType::kByteMin, "n", std::string(8, '\x01'))}));
  EXPECT_EQ(read(*e, "n"), le64(0));
}

TEST(MemoryEngineTest, VersionstampedKeyIsStampedWithTheCommitVersion) {
  auto e = makeMemoryEngine();
  int64_t v = e->commit(writes({atomicOp(MutationType::kSetVersionstampedKey,
                                         stampOperand("log/", "/x"), "entry")}))
                  .version;
  std::string key = "log/" + stampBytes(v) + "/x";
  EXPECT_EQ(read(*e, key), "entry");
  EXPECT_EQ(e->beginRead()->getRange("log/", "log0", 10, false).kvs.size(), 1u);
}

TEST(MemoryEngineTest, VersionstampedValueIsStampedWithTheCommitVersion) {
  auto e = makeMemoryEngine();
  int64_t v =
      e->commit(
           writes({atomicOp(MutationType::kSetVersionstampedValue, "k", stampOperand("", "tail"))}))
          .version;
  EXPECT_EQ(read(*e, "k"), stampBytes(v) + "tail");
}

TEST(MemoryEngineTest, ABadVersionstampOperandRejectsTheWholeCommit) {
  auto e = makeMemoryEngine();
  std::string badOffset = "abc" + std::string("\x09\x00\x00\x00", 4);
  expectError(ErrorCode::client_invalid_operation, [&] {
    e->commit(
        writes({setOp("a", "1"), atomicOp(MutationType::kSetVersionstampedValue, "k", badOffset)}));
  });
  expectError(ErrorCode::client_invalid_operation, [&] {
    e->commit(writes({setOp("a", "1"), atomicOp(MutationType::kSetVersionstampedKey, "ab", "v")}));
  });
  EXPECT_EQ(read(*e, "a"), std::nullopt);
  EXPECT_EQ(e->beginRead()->version(), 0);
}

TEST(MemoryEngineTest, AnInvertedClearRangeRejectsTheWholeCommit) {
  auto e = makeMemoryEngine();
  expectError(ErrorCode::inverted_range, [&] {
    e->commit(writes({setOp("a", "1"), clearOp("m", "b")}));
  });
  EXPECT_EQ(read(*e, "a"), std::nullopt);
}

TEST(MemoryEngineTest, AnInvertedConflictRangeIsRejected) {
  auto e = makeMemoryEngine();
  CommitRequest r = writes({setOp("a", "1")});
  r.readConflicts.push_back({"z", "a"});
  expectError(ErrorCode::inverted_range, [&] { e->commit(r); });
  CommitRequest w = writes({setOp("a", "1")});
  w.writeConflicts.push_back({"z", "a"});
  expectError(ErrorCode::inverted_range, [&] { e->commit(w); });
  EXPECT_EQ(read(*e, "a"), std::nullopt);
}

TEST(MemoryEngineTest, AnUnknownMutationTypeRejectsTheWholeCommit) {
  auto e = makeMemoryEngine();
  expectError(ErrorCode::invalid_mutation_type, [&] {
    e->commit(writes({setOp("a", "1"), atomicOp(static_cast<MutationType>(3), "k", "v")}));
  });
  expectError(ErrorCode::invalid_mutation_type,
              [&] { e->commit(writes({atomicOp(static_cast<MutationType>(99), "k", "v")})); });
  EXPECT_EQ(read(*e, "a"), std::nullopt);
}

TEST(MemoryEngineTest, AnEmptyCommitStillGetsANewVersion) {
  auto e = makeMemoryEngine();
  int64_t v1 = put(*e, "a", "1");
  int64_t v2 = e->commit(CommitRequest{}).version;
  EXPECT_GT(v2, v1);
  EXPECT_EQ(read(*e, "a"), "1");
}

// --- Conflicts -------------------------------------------------------------------------------

TEST(MemoryEngineTest, AReadOverwrittenSinceTheReadVersionConflicts) {
  auto e = makeMemoryEngine();
  put(*e, "k", "1");
  int64_t rv = e->beginRead()->version();
  put(*e, "k", "2");
  CommitRequest r = writes({setOp("out", "x")}, rv);
  r.readConflicts.push_back({"k", after("k")});
  expectError(ErrorCode::not_committed, [&] { e->commit(r); });
  EXPECT_EQ(read(*e, "out"), std::nullopt);
}

TEST(MemoryEngineTest, WritesAtOrBeforeTheReadVersionDoNotConflict) {
  auto e = makeMemoryEngine();
  put(*e, "k", "1");
  int64_t rv = e->beginRead()->version();
  put(*e, "other", "2");
  CommitRequest r = writes({setOp("out", "x")}, rv);
  r.readConflicts.push_back({"k", after("k")});
  EXPECT_NO_THROW(e->commit(r));
  EXPECT_EQ(read(*e, "out"), "x");
}

TEST(MemoryEngineTest, WriteWriteOverlapDoesNotConflict) {
  auto e = makeMemoryEngine();
  int64_t rv = put(*e, "k", "0");
  e->commit(writes({setOp("k", "1")}, rv));
  EXPECT_NO_THROW(e->commit(writes({setOp("k", "2")}, rv)));
  EXPECT_EQ(read(*e, "k"), "2");
}

TEST(MemoryEngineTest, BlindWritesNeverConflict) {
  auto e = makeMemoryEngine();
  put(*e, "k", "1");
  CommitRequest r = writes({setOp("k", "blind")}, -1);
  r.readConflicts.push_back({"", "\xff"});
  EXPECT_NO_THROW(e->commit(r));
  EXPECT_EQ(read(*e, "k"), "blind");
}

TEST(MemoryEngineTest, AnInsertIntoARangeReadConflicts) {
  auto e = makeMemoryEngine();
  e->commit(writes({setOp("a", "1"), setOp("c", "3")}));
  int64_t rv = e->beginRead()->version();
  put(*e, "b", "new");  // a phantom: the range [a, c) gained a row
  CommitRequest r = writes({setOp("sum", "4")}, rv);
  r.readConflicts.push_back({"a", "c"});
  expectError(ErrorCode::not_committed, [&] { e->commit(r); });
}

TEST(MemoryEngineTest, AWriteOutsideTheReadRangesDoesNotConflict) {
  auto e = makeMemoryEngine();
  int64_t rv = e->beginRead()->version();
  put(*e, "c", "3");  // [a, c) excludes c
  CommitRequest r = writes({setOp("sum", "4")}, rv);
  r.readConflicts.push_back({"a", "c"});
  r.readConflicts.push_back({"d", "f"});
  EXPECT_NO_THROW(e->commit(r));
}

TEST(MemoryEngineTest, AClearRangeIntoAReadRangeConflicts) {
  auto e = makeMemoryEngine();
  put(*e, "m", "1");
  int64_t rv = e->beginRead()->version();
  e->commit(writes({clearOp("a", "z")}));
  CommitRequest r = writes({setOp("out", "x")}, rv);
  r.readConflicts.push_back({"m", after("m")});
  expectError(ErrorCode::not_committed, [&] { e->commit(r); });
}

TEST(MemoryEngineTest, AWriteConflictRangeWithoutAMutationStillConflicts) {
  auto e = makeMemoryEngine();
  int64_t rv = e->beginRead()->version();
  CommitRequest lock;
  lock.writeConflicts.push_back({"lock", after("lock")});
  e->commit(lock);
  CommitRequest r = writes({setOp("out", "x")}, rv);
  r.readConflicts.push_back({"lock", after("lock")});
  expectError(ErrorCode::not_committed, [&] { e->commit(r); });
}

// --- Watches ---------------------------------------------------------------------------------

struct WatchHandle {
  Promise<void> promise;
  Future<void> fired = promise.future();
  std::function<void()> cancel;
};

WatchHandle watchKey(Engine& e, const std::string& key, std::optional<std::string> seen,
                     int64_t version) {
  WatchHandle h;
  h.cancel = e.watch(WatchRequest{key, std::move(seen), version, h.promise});
  return h;
}

TEST(MemoryEngineTest, AWatchFiresWhenTheValueChanges) {
  auto e = makeMemoryEngine();
  int64_t v = put(*e, "k", "1");
  WatchHandle w = watchKey(*e, "k", "1", v);
  put(*e, "other", "x");
  EXPECT_FALSE(w.fired.isReady());
  put(*e, "k", "2");
  ASSERT_TRUE(w.fired.isReady());
  EXPECT_NO_THROW(w.fired.get());
  EXPECT_EQ(memoryEngineStats(*e).watches, 0u);
}

TEST(MemoryEngineTest, AWatchDoesNotFireOnAWriteOfTheSameValue) {
  auto e = makeMemoryEngine();
  int64_t v = put(*e, "k", "1");
  WatchHandle w = watchKey(*e, "k", "1", v);
  put(*e, "k", "1");
  e->commit(writes({atomicOp(MutationType::kByteMax, "k", "0")}));
  EXPECT_FALSE(w.fired.isReady());
  e->commit(writes({clearOp("a", "z")}));
  EXPECT_TRUE(w.fired.isReady());
}

TEST(MemoryEngineTest, AWatchOnAnAbsentKeyFiresWhenItIsCreated) {
  auto e = makeMemoryEngine();
  WatchHandle w = watchKey(*e, "k", std::nullopt, 0);
  e->commit(writes({clearOp("a", "z")}));
  EXPECT_FALSE(w.fired.isReady());
  e->commit(writes({atomicOp(MutationType::kAdd, "k", le64(1))}));
  EXPECT_TRUE(w.fired.isReady());
}

TEST(MemoryEngineTest, AWatchFiresAtOnceWhenTheValueAlreadyDiffers) {
  auto e = makeMemoryEngine();
  int64_t v = put(*e, "k", "1");
  put(*e, "k", "2");
  WatchHandle w = watchKey(*e, "k", "1", v);
  EXPECT_TRUE(w.fired.isReady());
  EXPECT_NO_THROW(w.fired.get());
  EXPECT_EQ(memoryEngineStats(*e).watches, 0u);
}

TEST(MemoryEngineTest, AWatchIgnoresCommitsNotAfterItsVersion) {
  auto e = makeMemoryEngine();
  put(*e, "k", "1");
  // Armed at a version past the next commit's: that commit does not count.
  int64_t far = std::numeric_limits<int64_t>::max();
  WatchHandle w = watchKey(*e, "k", "1", far);
  put(*e, "k", "2");
  EXPECT_FALSE(w.fired.isReady());
  w.cancel();
}

TEST(MemoryEngineTest, CancellingAWatchFailsItWithOperationCancelled) {
  auto e = makeMemoryEngine();
  int64_t v = put(*e, "k", "1");
  WatchHandle w = watchKey(*e, "k", "1", v);
  w.cancel();
  ASSERT_TRUE(w.fired.isReady());
  expectError(ErrorCode::operation_cancelled, [&] { w.fired.get(); });
  EXPECT_EQ(memoryEngineStats(*e).watches, 0u);
  w.cancel();  // twice is harmless
  put(*e, "k", "2");
  expectError(ErrorCode::operation_cancelled, [&] { w.fired.get(); });
}

TEST(MemoryEngineTest, CancellingAFiredWatchChangesNothing) {
  auto e = makeMemoryEngine();
  int64_t v = put(*e, "k", "1");
  WatchHandle w = watchKey(*e, "k", "1", v);
  put(*e, "k", "2");
  w.cancel();
  EXPECT_NO_THROW(w.fired.get());
}

TEST(MemoryEngineTest, DestroyingTheEngineCancelsPendingWatches) {
  auto e = makeMemoryEngine();
  WatchHandle w = watchKey(*e, "k", std::nullopt, 0);
  e.reset();
  expectError(ErrorCode::operation_cancelled, [&] { w.fired.get(); });
  w.cancel();  // the engine is gone: still safe
}

TEST(MemoryEngineTest, AWatchFiresOnAnotherThreadsCommit) {
  auto e = makeMemoryEngine();
  int64_t v = put(*e, "k", "1");
  WatchHandle w = watchKey(*e, "k", "1", v);
  std::thread writer([&] { put(*e, "k", "2"); });
  EXPECT_TRUE(w.fired.waitFor(10s));
  writer.join();
}

// --- Concurrency -----------------------------------------------------------------------------

int64_t decode(const std::optional<std::string>& v) {
  if (!v) return 0;
  int64_t n = 0;
  for (size_t i = 0; i < 8; ++i) n |= int64_t{static_cast<uint8_t>((*v)[i])} << (8 * i);
  return n;
}

TEST(MemoryEngineTest, ConcurrentReadModifyWriteIncrementsLoseNothing) {
  auto e = makeMemoryEngine();
  constexpr int kThreads = 8;
  constexpr int kIncrements = 300;
  std::atomic<int> conflicts{0};
  std::atomic<bool> torn{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        for (;;) {
          auto view = e->beginRead();
          // "count" and "mirror" are always written together: a snapshot sees them equal.
          RangeChunk both = view->getRange("count", "mirror\xff", 10, false);
          int64_t n = decode(view->get("count"));
          if (n != decode(view->get("mirror")) ||
              (n > 0 && (both.kvs.size() != 2 || both.kvs[0].value != both.kvs[1].value))) {
            torn = true;
          }
          std::this_thread::yield();  // let other threads commit in between
          CommitRequest r =
              writes({setOp("count", le64(n + 1)), setOp("mirror", le64(n + 1))}, view->version());
          r.readConflicts.push_back({"count", after("count")});
          try {
            e->commit(std::move(r));
            break;
          } catch (const Error& err) {
            ASSERT_EQ(err.code(), static_cast<int>(ErrorCode::not_committed));
            ++conflicts;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(decode(read(*e, "count")), kThreads * kIncrements);
  EXPECT_EQ(decode(read(*e, "mirror")), kThreads * kIncrements);
  EXPECT_FALSE(torn);
}

TEST(MemoryEngineTest, ConcurrentAtomicAddsNeverConflictAndSumExactly) {
  auto e = makeMemoryEngine();
  constexpr int kThreads = 8;
  constexpr int kAdds = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAdds; ++i) {
        int64_t rv = e->beginRead()->version();
        e->commit(writes({atomicOp(MutationType::kAdd, "sum", le64(1)),
                          setOp("t" + std::to_string(t) + "/" + std::to_string(i), "x")},
                         rv));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(decode(read(*e, "sum")), kThreads * kAdds);
  EXPECT_EQ(e->beginRead()->getRange("t", "u", 100000, false).kvs.size(),
            static_cast<size_t>(kThreads * kAdds));
}

TEST(MemoryEngineTest, ReadersAndWatchersRunAlongsideWritersWithAShortWindow) {
  auto e = makeMemoryEngine({20ms});
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      std::string cleared = "k" + std::to_string((i + 25) % 50);
      e->commit(writes({setOp("k" + std::to_string(i % 50), std::to_string(i)),
                        clearOp(cleared, after(cleared))}));
    }
    stop = true;
  });
  std::vector<std::thread> readers;
  std::atomic<int> inconsistent{0};
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        try {
          // Three reads of one view agree although commits land between them.
          auto view = e->beginRead();
          RangeChunk fwd = view->getRange("k", "l", 100, false);
          RangeChunk rev = view->getRange("k", "l", 100, true);
          std::optional<std::string> k7 = view->get("k7");
          std::reverse(rev.kvs.begin(), rev.kvs.end());
          auto it = std::find_if(fwd.kvs.begin(), fwd.kvs.end(),
                                 [](const KeyValue& kv) { return kv.key == "k7"; });
          std::optional<std::string> inRange;
          if (it != fwd.kvs.end()) inRange = it->value;
          if (fwd.kvs != rev.kvs || k7 != inRange) ++inconsistent;
          WatchHandle w = watchKey(*e, "k3", read(*e, "k3"), view->version());
          w.cancel();
        } catch (const Error& err) {
          // Only a view older than the 20 ms window may fail (a descheduled reader).
          ASSERT_EQ(err.code(), static_cast<int>(ErrorCode::transaction_too_old));
        }
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_EQ(inconsistent, 0);
  EXPECT_EQ(memoryEngineStats(*e).watches, 0u);
}

}  // namespace
}  // namespace strata::kv
