// Tests of layers/vector.h, run on every engine kind of tests/support/engines.h (memory, file,
// etcd when STRATA_TEST_ETCD is set).
#include "strata/layers/vector.h"

#include <gtest/gtest.h>

#include <atomic>
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

using Values = std::vector<std::string>;

using testsupport::errorCodeOf;

constexpr int kIndexOutOfRange = static_cast<int>(ErrorCode::index_out_of_range);

class VectorTest : public testsupport::EngineTest {
 protected:
  Subspace space_{Tuple{"test", "vec"}};
  Vector v_{space_, "-"};
};

// The values of every slot, read with get().
Values allByGet(Database& db, const Vector& v) {
  return db.read([&](Transaction& tr) {
    Values out;
    int64_t n = v.size(tr);
    for (int64_t i = 0; i < n; ++i) out.push_back(v.get(tr, i));
    return out;
  });
}

TEST_P(VectorTest, AnEmptyVectorHasSizeZeroAndNoFrontOrBack) {
  EXPECT_EQ(v_.size(db()), 0);
  EXPECT_TRUE(v_.empty(db()));
  EXPECT_EQ(v_.front(db()), std::nullopt);
  EXPECT_EQ(v_.back(db()), std::nullopt);
  EXPECT_EQ(v_.pop(db()), std::nullopt);
  EXPECT_EQ(v_.getRange(db()), Values{});
}

TEST_P(VectorTest, PushAppendsAndReturnsEachIndex) {
  EXPECT_EQ(v_.push(db(), "a"), 0);
  EXPECT_EQ(v_.push(db(), "b"), 1);
  EXPECT_EQ(v_.push(db(), "c"), 2);
  EXPECT_EQ(v_.size(db()), 3);
  EXPECT_FALSE(v_.empty(db()));
  EXPECT_EQ(v_.front(db()), "a");
  EXPECT_EQ(v_.back(db()), "c");
  EXPECT_EQ(allByGet(db(), v_), (Values{"a", "b", "c"}));
}

TEST_P(VectorTest, SeveralPushesInOneTransactionSeeEachOther) {
  db().run([&](Transaction& tr) {
    EXPECT_EQ(v_.push(tr, "a"), 0);
    EXPECT_EQ(v_.push(tr, "b"), 1);
    EXPECT_EQ(v_.pop(tr), "b");
    EXPECT_EQ(v_.push(tr, "c"), 1);
  });
  EXPECT_EQ(v_.getRange(db()), (Values{"a", "c"}));
}

TEST_P(VectorTest, SetPastTheEndGrowsTheVectorWithDefaults) {
  v_.set(db(), 4, "e");
  EXPECT_EQ(v_.size(db()), 5);
  EXPECT_EQ(allByGet(db(), v_), (Values{"-", "-", "-", "-", "e"}));
  EXPECT_EQ(v_.front(db()), "-");
  v_.set(db(), 1, "b");
  EXPECT_EQ(v_.size(db()), 5);
  EXPECT_EQ(v_.get(db(), 1), "b");
}

TEST_P(VectorTest, OutOfRangeAccessRaisesIndexOutOfRange) {
  EXPECT_EQ(errorCodeOf([&] { (void)v_.get(db(), 0); }), kIndexOutOfRange);
  v_.push(db(), "a");
  EXPECT_EQ(errorCodeOf([&] { (void)v_.get(db(), 1); }), kIndexOutOfRange);
  EXPECT_EQ(errorCodeOf([&] { (void)v_.get(db(), -1); }), kIndexOutOfRange);
  EXPECT_EQ(errorCodeOf([&] { v_.set(db(), -1, "x"); }), kIndexOutOfRange);
  EXPECT_EQ(errorCodeOf([&] { v_.set(db(), INT64_MAX, "x"); }), kIndexOutOfRange);
  EXPECT_EQ(errorCodeOf([&] { v_.swap(db(), 0, 1); }), kIndexOutOfRange);
  EXPECT_EQ(errorCodeOf([&] { v_.swap(db(), -1, 0); }), kIndexOutOfRange);
  EXPECT_EQ(errorCodeOf([&] { v_.resize(db(), -1); }), kIndexOutOfRange);
  EXPECT_EQ(errorCodeOf([&] { (void)v_.pushAt(db(), -1, "x"); }), kIndexOutOfRange);
  EXPECT_EQ(errorCodeOf([&] { (void)v_.keyOf(-5); }), kIndexOutOfRange);
  EXPECT_EQ(allByGet(db(), v_), Values{"a"});
}

TEST_P(VectorTest, TheErrorMessageNamesTheIndexAndTheSize) {
  v_.push(db(), "a");
  try {
    (void)v_.get(db(), 7);
    FAIL() << "get(7) should throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), kIndexOutOfRange);
    EXPECT_NE(std::string(e.what()).find("index 7 in a vector of size 1"), std::string::npos)
        << e.what();
  }
}

TEST_P(VectorTest, TooLargeValuesRaiseValueTooLarge) {
  std::string big(kMaxValueSize + 1, 'x');
  EXPECT_EQ(errorCodeOf([&] { v_.push(db(), big); }), static_cast<int>(ErrorCode::value_too_large));
  EXPECT_EQ(errorCodeOf([&] { v_.set(db(), 0, big); }),
            static_cast<int>(ErrorCode::value_too_large));
  EXPECT_EQ(errorCodeOf([&] { Vector(space_, big); }),
            static_cast<int>(ErrorCode::value_too_large));
  std::string largest(kMaxValueSize, 'y');
  v_.push(db(), largest);
  EXPECT_EQ(v_.get(db(), 0), largest);
}

// The original's get_range dropped slots after the last stored key of the sub-range.
TEST_P(VectorTest, GetRangeFillsGapsAndTrailingDefaults) {
  v_.set(db(), 0, "a");
  v_.set(db(), 9, "j");
  EXPECT_EQ(v_.getRange(db(), 0, 5), (Values{"a", "-", "-", "-", "-"}));
  EXPECT_EQ(v_.getRange(db(), 3, 6), (Values{"-", "-", "-"}));
  EXPECT_EQ(v_.getRange(db(), 5, 0, -1), (Values{"-", "-", "-", "-", "-"}));
  EXPECT_EQ(v_.getRange(db(), 2, std::nullopt, -1), (Values{"-", "-", "a"}));
  Values all = v_.getRange(db());
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all.front(), "a");
  EXPECT_EQ(all.back(), "j");
}

TEST_P(VectorTest, GetRangeFollowsPythonSliceSemantics) {
  for (const char* s : {"a", "b", "c", "d", "e"}) v_.push(db(), s);
  using std::nullopt;
  EXPECT_EQ(v_.getRange(db(), 1, 3), (Values{"b", "c"}));
  EXPECT_EQ(v_.getRange(db(), -2), (Values{"d", "e"}));
  EXPECT_EQ(v_.getRange(db(), nullopt, nullopt, -1), (Values{"e", "d", "c", "b", "a"}));
  EXPECT_EQ(v_.getRange(db(), nullopt, nullopt, 2), (Values{"a", "c", "e"}));
  EXPECT_EQ(v_.getRange(db(), nullopt, nullopt, -2), (Values{"e", "c", "a"}));
  EXPECT_EQ(v_.getRange(db(), 4, 0, -2), (Values{"e", "c"}));
  EXPECT_EQ(v_.getRange(db(), -1, -6, -1), (Values{"e", "d", "c", "b", "a"}));
  EXPECT_EQ(v_.getRange(db(), 1, 100, 3), (Values{"b", "e"}));
  EXPECT_EQ(v_.getRange(db(), -10, 2), (Values{"a", "b"}));
  EXPECT_EQ(v_.getRange(db(), 10), Values{});
  EXPECT_EQ(v_.getRange(db(), 3, 1), Values{});
  EXPECT_EQ(v_.getRange(db(), 100, nullopt, -1), (Values{"e", "d", "c", "b", "a"}));
  EXPECT_EQ(v_.getRange(db(), INT64_MIN, INT64_MAX), (Values{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(v_.getRange(db(), nullopt, nullopt, INT64_MAX), Values{"a"});
  EXPECT_EQ(v_.getRange(db(), nullopt, nullopt, INT64_MIN), Values{"e"});
}

TEST_P(VectorTest, GetRangeWithStepZeroRaisesClientInvalidOperation) {
  v_.push(db(), "a");
  EXPECT_EQ(errorCodeOf([&] { (void)v_.getRange(db(), 0, 1, 0); }),
            static_cast<int>(ErrorCode::client_invalid_operation));
}

TEST_P(VectorTest, PopReturnsTheLastValueAndKeepsTheSizeWhenTheNewLastSlotIsUnset) {
  v_.set(db(), 0, "a");
  v_.set(db(), 5, "f");
  EXPECT_EQ(v_.pop(db()), "f");
  EXPECT_EQ(v_.size(db()), 5);
  EXPECT_EQ(v_.back(db()), "-");
  EXPECT_EQ(v_.pop(db()), "-");
  EXPECT_EQ(v_.size(db()), 4);
  while (v_.pop(db())) {
  }
  EXPECT_EQ(v_.size(db()), 0);
  // Nothing is left under the subspace.
  auto range = space_.range();
  EXPECT_TRUE(
      db().read([&](Transaction& tr) { return tr.getRangeAll(range.begin, range.end); }).empty());
}

// The original left the last key in place when swapping it with an unset slot, so the value
// ended up in both slots.
TEST_P(VectorTest, SwapOfTheLastSlotWithAnUnsetSlotMovesTheValue) {
  v_.set(db(), 0, "a");
  v_.set(db(), 3, "last");
  v_.swap(db(), 1, 3);
  EXPECT_EQ(allByGet(db(), v_), (Values{"a", "last", "-", "-"}));
  EXPECT_EQ(v_.size(db()), 4);
  v_.swap(db(), 3, 1);
  EXPECT_EQ(allByGet(db(), v_), (Values{"a", "-", "-", "last"}));
}

TEST_P(VectorTest, SwapExchangesStoredAndUnsetSlots) {
  v_.set(db(), 0, "a");
  v_.set(db(), 4, "e");
  v_.swap(db(), 0, 4);
  EXPECT_EQ(allByGet(db(), v_), (Values{"e", "-", "-", "-", "a"}));
  v_.swap(db(), 1, 2);  // both unset
  EXPECT_EQ(allByGet(db(), v_), (Values{"e", "-", "-", "-", "a"}));
  v_.swap(db(), 0, 2);
  EXPECT_EQ(allByGet(db(), v_), (Values{"-", "-", "e", "-", "a"}));
  v_.swap(db(), 2, 2);
  EXPECT_EQ(allByGet(db(), v_), (Values{"-", "-", "e", "-", "a"}));
}

TEST_P(VectorTest, ResizeShrinksAndGrows) {
  for (const char* s : {"a", "b", "c", "d", "e"}) v_.push(db(), s);
  v_.set(db(), 1, "b");
  db().run([&](Transaction& tr) { tr.clear(v_.keyOf(1)); });  // slot 1 unset
  v_.resize(db(), 2);
  EXPECT_EQ(v_.size(db()), 2);
  EXPECT_EQ(v_.getRange(db()), (Values{"a", "-"}));
  v_.resize(db(), 6);
  EXPECT_EQ(v_.getRange(db()), (Values{"a", "-", "-", "-", "-", "-"}));
  v_.resize(db(), 6);  // idempotent
  EXPECT_EQ(v_.size(db()), 6);
  v_.resize(db(), 0);
  EXPECT_EQ(v_.size(db()), 0);
  EXPECT_TRUE(v_.empty(db()));
}

TEST_P(VectorTest, ClearEmptiesTheVectorOnly) {
  Vector other(space_.sub(Tuple{"other"}), "");
  Vector sibling(Subspace(Tuple{"test", "vec2"}), "");
  v_.push(db(), "a");
  v_.set(db(), 10, "k");
  sibling.push(db(), "s");
  v_.clear(db());
  EXPECT_EQ(v_.size(db()), 0);
  EXPECT_EQ(sibling.getRange(db()), Values{"s"});
  EXPECT_EQ(other.size(db()), 0);
}

TEST_P(VectorTest, PushAtIsIdempotentWhenRetried) {
  EXPECT_TRUE(v_.pushAt(db(), 0, "a"));
  EXPECT_TRUE(v_.pushAt(db(), 0, "a"));  // what a retry after a landed commit runs
  EXPECT_EQ(v_.getRange(db()), Values{"a"});
  EXPECT_FALSE(v_.pushAt(db(), 0, "b"));  // someone else's element
  EXPECT_FALSE(v_.pushAt(db(), 3, "c"));  // wrong size
  EXPECT_TRUE(v_.pushAt(db(), 1, "b"));
  EXPECT_FALSE(v_.pushAt(db(), 0, "a"));  // no longer the last slot
  EXPECT_EQ(v_.getRange(db()), (Values{"a", "b"}));
}

TEST_P(VectorTest, OperationsComposeInOneTransactionAndRollBack) {
  v_.push(db(), "keep");
  {
    Transaction tr = db().createTransaction();
    v_.push(tr, "x");
    v_.set(tr, 5, "y");
    EXPECT_EQ(v_.size(tr), 6);
    EXPECT_EQ(v_.getRange(tr, 4), (Values{"-", "y"}));
  }  // destroyed without commit
  EXPECT_EQ(v_.getRange(db()), Values{"keep"});
}

// ---- conflicts ---------------------------------------------------------------------------------

// Runs `first` in transaction A (which then also writes an unrelated key), commits `second` in
// transaction B, and commits A. Returns: true when A failed with not_committed (1020).
bool conflicts(Database& db, const std::function<void(Transaction&)>& first,
               const std::function<void(Transaction&)>& second) {
  Transaction a = db.createTransaction();
  (void)a.getReadVersion();
  first(a);
  a.set("probe", "");
  db.run([&](Transaction& b) { second(b); });
  int code = errorCodeOf([&] { a.commit(); });
  EXPECT_TRUE(code == 0 || code == 1020) << code;
  return code == 1020;
}

TEST_P(VectorTest, ConcurrentPushesConflict) {
  v_.push(db(), "a");
  EXPECT_TRUE(conflicts(
      db(), [&](Transaction& tr) { v_.push(tr, "x"); },
      [&](Transaction& tr) { v_.push(tr, "y"); }));
}

TEST_P(VectorTest, PushDoesNotConflictWithSetsAndGetsBelowTheEnd) {
  for (const char* s : {"a", "b", "c"}) v_.push(db(), s);
  EXPECT_FALSE(conflicts(
      db(), [&](Transaction& tr) { v_.push(tr, "d"); },
      [&](Transaction& tr) { v_.set(tr, 0, "A"); }));
  EXPECT_FALSE(conflicts(
      db(), [&](Transaction& tr) { (void)v_.get(tr, 1); },
      [&](Transaction& tr) { v_.push(tr, "e"); }));
  EXPECT_EQ(v_.getRange(db()), (Values{"A", "b", "c", "d", "e"}));
}

TEST_P(VectorTest, PopConflictsWithAConcurrentPushAndPop) {
  for (const char* s : {"a", "b", "c"}) v_.push(db(), s);
  EXPECT_TRUE(conflicts(
      db(), [&](Transaction& tr) { (void)v_.pop(tr); },
      [&](Transaction& tr) { v_.push(tr, "d"); }));
  EXPECT_TRUE(conflicts(
      db(), [&](Transaction& tr) { (void)v_.pop(tr); },
      [&](Transaction& tr) { (void)v_.pop(tr); }));
  EXPECT_FALSE(conflicts(
      db(), [&](Transaction& tr) { (void)v_.pop(tr); },
      [&](Transaction& tr) { v_.set(tr, 0, "A"); }));
}

TEST_P(VectorTest, SizeConflictsWithAnyWriteAtOrPastTheEnd) {
  v_.push(db(), "a");
  EXPECT_TRUE(conflicts(
      db(), [&](Transaction& tr) { (void)v_.size(tr); },
      [&](Transaction& tr) { v_.set(tr, 40, "x"); }));
  EXPECT_FALSE(conflicts(
      db(), [&](Transaction& tr) { (void)v_.size(tr); },
      [&](Transaction& tr) {
        Vector(Subspace(Tuple{"test", "vec2"})).push(tr, "x");
      }));
}

TEST_P(VectorTest, EightThreadsPushingConcurrentlyLoseNothing) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kPerThread; ++i) {
          v_.push(db(), std::to_string(t) + "/" + std::to_string(i));
        }
      } catch (const Error&) {
        ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  Values all = v_.getRange(db());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<std::string> distinct(all.begin(), all.end());
  EXPECT_EQ(distinct.size(), all.size());
  EXPECT_EQ(distinct.count("-"), 0u);
}

TEST_P(VectorTest, ConcurrentPushersAndPoppersKeepEveryValueExactlyOnce) {
  constexpr int kPushers = 4;
  constexpr int kPerPusher = 30;
  std::atomic<int> pushersDone{0};
  std::vector<std::string> popped[4];
  std::vector<std::thread> threads;
  for (int t = 0; t < kPushers; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerPusher; ++i) v_.push(db(), std::to_string(t * 1000 + i));
      ++pushersDone;
    });
  }
  for (int p = 0; p < 4; ++p) {
    threads.emplace_back([&, p] {
      while (pushersDone.load() < kPushers || !v_.empty(db())) {
        if (auto value = v_.pop(db())) popped[p].push_back(*value);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::multiset<std::string> all;
  for (auto& list : popped) all.insert(list.begin(), list.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kPushers * kPerPusher));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  EXPECT_EQ(v_.size(db()), 0);
}

STRATA_ENGINE_SUITE(VectorTest);

}  // namespace
}  // namespace strata::layers
