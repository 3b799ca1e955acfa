// Conformance: getRange - selectors as bounds, limit, reverse, streaming modes, target bytes,
// `more`, batched iteration, empty and invalid ranges (fdb-api.md 3.3).
#include <set>
#include <string>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

using namespace std::string_literals;
using KS = KeySelector;

constexpr int kRows = 20;
std::string keyOf(int i) { return (i < 10 ? "k0" : "k") + std::to_string(i); }
std::string valueOf(int i) { return "v" + std::to_string(i) + std::string(100, 'x'); }
std::vector<std::string> keysFrom(int first, int last) {  // inclusive, ascending or descending
  std::vector<std::string> keys;
  for (int i = first;; i += first <= last ? 1 : -1) {
    keys.push_back(keyOf(i));
    if (i == last) break;
  }
  return keys;
}

const StreamingMode kAllModes[] = {
    StreamingMode::kWantAll, StreamingMode::kIterator, StreamingMode::kExact, StreamingMode::kSmall,
    StreamingMode::kMedium,  StreamingMode::kLarge,    StreamingMode::kSerial};

class RangesTest : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    // k00..k19, each row 3 + 103..104 + 8 bytes.
    db().run([](Transaction& tr) {
      for (int i = 0; i < kRows; ++i) tr.set(keyOf(i), valueOf(i));
    });
  }
  std::vector<std::string> range(const KeySelector& b, const KeySelector& e,
                                 RangeOptions options = {}) {
    Transaction tr = tx();
    return keysOf(tr.getRange(b, e, options).toVector());
  }
};
INSTANTIATE_TEST_SUITE_P(Engines, RangesTest, ::testing::ValuesIn(engineKinds()), engineKindName);

TEST_P(RangesTest, PlainKeysReadBeginUpToEnd) {
  Transaction tr = tx();
  auto rows = tr.getRangeAll("k05", "k10");
  EXPECT_EQ(keysOf(rows), keysFrom(5, 9));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].value, valueOf(5));
  EXPECT_EQ(keysOf(tr.getRange("k05", "k10").toVector()), keysFrom(5, 9));
}

TEST_P(RangesTest, SelectorBoundsResolveBeforeTheRead) {
  EXPECT_EQ(range(KS::firstGreaterThan("k05"), KS::firstGreaterThan("k10")), keysFrom(6, 10));
  EXPECT_EQ(range(KS::lastLessOrEqual("k05"), KS::lastLessOrEqual("k07")), keysFrom(5, 6));
  EXPECT_EQ(range(KS::lastLessThan("k05"), KS::lastLessThan("k07")), keysFrom(4, 5));
  EXPECT_EQ(range(KS::firstGreaterOrEqual("k00") + 3, KS::firstGreaterOrEqual("k10") + 2),
            keysFrom(3, 11));
  EXPECT_EQ(range(KS::firstGreaterOrEqual("k045"), KS::firstGreaterOrEqual("k075")),
            keysFrom(5, 7));
}

TEST_P(RangesTest, BoundsThatRunOffTheEndsClamp) {
  EXPECT_EQ(range(KS::lastLessThan("k00") - 5, KS::firstGreaterOrEqual("k02")), keysFrom(0, 1));
  EXPECT_EQ(range(KS::firstGreaterOrEqual("k18"), KS::firstGreaterThan("k19") + 5),
            keysFrom(18, 19));
  EXPECT_EQ(range(KS::firstGreaterOrEqual(""), KS::firstGreaterOrEqual("\xff")),
            keysFrom(0, kRows - 1));
}

TEST_P(RangesTest, ARangeWhoseBeginResolvesAtOrAfterItsEndIsEmpty) {
  Transaction tr = tx();
  EXPECT_TRUE(tr.getRangeAll("k10", "k05").empty());
  EXPECT_TRUE(tr.getRangeAll("k05", "k05").empty());
  EXPECT_TRUE(range(KS::firstGreaterOrEqual("k05"), KS::lastLessThan("k05")).empty());
  EXPECT_TRUE(range(KS::firstGreaterOrEqual("k05") + 3, KS::firstGreaterOrEqual("k06")).empty());
  EXPECT_TRUE(
      range(KS::firstGreaterOrEqual("k05"), KS::lastLessThan("k06"), {.reverse = Reverse::kYes})
          .empty());
}

TEST_P(RangesTest, ALimitReturnsTheFirstRows) {
  EXPECT_EQ(range(KS::firstGreaterOrEqual("k05"), KS::firstGreaterOrEqual("k15"), {.limit = 3}),
            keysFrom(5, 7));
  EXPECT_EQ(range(KS::firstGreaterOrEqual("k05"), KS::firstGreaterOrEqual("k08"), {.limit = 10}),
            keysFrom(5, 7));
}

TEST_P(RangesTest, ReverseReadsDescendingAndItsLimitCountsFromTheEnd) {
  EXPECT_EQ(range(KS::firstGreaterOrEqual("k05"), KS::firstGreaterOrEqual("k10"),
                  {.reverse = Reverse::kYes}),
            keysFrom(9, 5));
  EXPECT_EQ(range(KS::firstGreaterOrEqual("k05"), KS::firstGreaterOrEqual("k10"),
                  {.limit = 3, .reverse = Reverse::kYes}),
            keysFrom(9, 7));
  EXPECT_EQ(range(KS::firstGreaterOrEqual(""), KS::firstGreaterOrEqual("\xff"),
                  {.limit = 1, .reverse = Reverse::kYes}),
            keysFrom(19, 19));
}

TEST_P(RangesTest, EveryStreamingModeReturnsTheWholeRange) {
  for (StreamingMode mode : kAllModes) {
    SCOPED_TRACE("mode " + std::to_string(static_cast<int>(mode)));
    int limit = mode == StreamingMode::kExact ? kRows : 0;
    for (Reverse reverse : {Reverse::kNo, Reverse::kYes}) {
      auto keys = range(KS::firstGreaterOrEqual(""), KS::firstGreaterOrEqual("\xff"),
                        {.limit = limit, .mode = mode, .reverse = reverse});
      EXPECT_EQ(keys, reverse == Reverse::kNo ? keysFrom(0, kRows - 1) : keysFrom(kRows - 1, 0));
    }
  }
}

TEST_P(RangesTest, EveryStreamingModeHonoursTheLimit) {
  for (StreamingMode mode : kAllModes) {
    SCOPED_TRACE("mode " + std::to_string(static_cast<int>(mode)));
    EXPECT_EQ(range(KS::firstGreaterOrEqual(""), KS::firstGreaterOrEqual("\xff"),
                    {.limit = 7, .mode = mode}),
              keysFrom(0, 6));
    EXPECT_EQ(range(KS::firstGreaterOrEqual(""), KS::firstGreaterOrEqual("\xff"),
                    {.limit = 7, .mode = mode, .reverse = Reverse::kYes}),
              keysFrom(19, 13));
  }
}

TEST_P(RangesTest, ExactModeReturnsTheLimitInOneBatch) {
  Transaction tr = tx();
  auto batch = tr.getRangeBatch(KS::firstGreaterOrEqual(""), KS::firstGreaterOrEqual("\xff"),
                                {.limit = 15, .mode = StreamingMode::kExact});
  EXPECT_EQ(keysOf(batch.kvs), keysFrom(0, 14));
  EXPECT_TRUE(batch.more);
}

TEST_P(RangesTest, ExactModeWithoutALimitIsAnError) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2210, (void)tr.getRange("a", "z", {.mode = StreamingMode::kExact}).toVector());
  EXPECT_ERROR_CODE(
      2210, (void)tr.getRangeBatch(KS::firstGreaterOrEqual("a"), KS::firstGreaterOrEqual("z"),
                                   {.mode = StreamingMode::kExact}));
}

TEST_P(RangesTest, ANegativeLimitIsInvalid) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2012, (void)tr.getRange("a", "z", {.limit = -1}).toVector());
  EXPECT_ERROR_CODE(2012, (void)tr.getRangeAll("a", "z", {.limit = -5}));
}

TEST_P(RangesTest, IteratorModeWithoutAPositiveIterationIsAnInvalidOperation) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(
      2000, (void)tr.getRangeBatch(KS::firstGreaterOrEqual("a"), KS::firstGreaterOrEqual("z"),
                                   {.mode = StreamingMode::kIterator}, 0));
}

TEST_P(RangesTest, AnUnknownStreamingModeIsAnInvalidOperation) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2000, (void)tr.getRangeAll("a", "z", {.mode = static_cast<StreamingMode>(9)}));
}

TEST_P(RangesTest, AByteCappedBatchStopsEarlyWithMoreAndAtLeastOneRow) {
  Transaction tr = tx();
  auto all = KS::firstGreaterOrEqual("");
  auto end = KS::firstGreaterOrEqual("\xff");
  auto small = tr.getRangeBatch(all, end, {.mode = StreamingMode::kSmall});  // 256 bytes
  EXPECT_GE(small.kvs.size(), 1u);
  EXPECT_LT(small.kvs.size(), static_cast<size_t>(kRows));
  EXPECT_TRUE(small.more);
  EXPECT_EQ(keysOf(small.kvs), keysFrom(0, static_cast<int>(small.kvs.size()) - 1));

  auto tiny = tr.getRangeBatch(all, end, {.targetBytes = 1, .mode = StreamingMode::kSerial});
  EXPECT_GE(tiny.kvs.size(), 1u);
  EXPECT_LT(tiny.kvs.size(), static_cast<size_t>(kRows));
  EXPECT_TRUE(tiny.more);
}

TEST_P(RangesTest, MoreIsFalseWhenTheWholeRangeWasReturned) {
  Transaction tr = tx();
  auto batch = tr.getRangeBatch(KS::firstGreaterOrEqual(""), KS::firstGreaterOrEqual("\xff"),
                                {.mode = StreamingMode::kWantAll});
  EXPECT_EQ(keysOf(batch.kvs), keysFrom(0, kRows - 1));
  EXPECT_FALSE(batch.more);
  auto limited = tr.getRangeBatch(KS::firstGreaterOrEqual(""), KS::firstGreaterOrEqual("\xff"),
                                  {.limit = 5, .mode = StreamingMode::kWantAll});
  EXPECT_EQ(keysOf(limited.kvs), keysFrom(0, 4));
  EXPECT_TRUE(limited.more);
}

// The bindings' continuation loop: begin = firstGreaterThan(last) (forward) or end =
// firstGreaterOrEqual(last) (reverse), iteration + 1, until more is false.
std::vector<std::string> readInBatches(Transaction& tr, StreamingMode mode, Reverse reverse,
                                       int* batches) {
  KeySelector begin = KS::firstGreaterOrEqual(""), end = KS::firstGreaterOrEqual("\xff");
  std::vector<std::string> keys;
  for (int iteration = 1; iteration < 1000; ++iteration) {
    auto batch = tr.getRangeBatch(begin, end, {.mode = mode, .reverse = reverse}, iteration);
    ++*batches;
    for (const auto& kv : batch.kvs) keys.push_back(kv.key);
    if (!batch.more) break;
    EXPECT_FALSE(batch.kvs.empty()) << "more without rows";
    if (batch.kvs.empty()) break;
    if (reverse == Reverse::kNo) {
      begin = KS::firstGreaterThan(batch.kvs.back().key);
    } else {
      end = KS::firstGreaterOrEqual(batch.kvs.back().key);
    }
  }
  return keys;
}

TEST_P(RangesTest, GetRangeBatchContinuationReadsEveryRowOnce) {
  for (StreamingMode mode : {StreamingMode::kIterator, StreamingMode::kSmall,
                             StreamingMode::kMedium, StreamingMode::kSerial}) {
    SCOPED_TRACE("mode " + std::to_string(static_cast<int>(mode)));
    Transaction tr = tx();
    int batches = 0;
    EXPECT_EQ(readInBatches(tr, mode, Reverse::kNo, &batches), keysFrom(0, kRows - 1));
    if (mode == StreamingMode::kSmall) {
      EXPECT_GT(batches, 1);
    }
    batches = 0;
    EXPECT_EQ(readInBatches(tr, mode, Reverse::kYes, &batches), keysFrom(kRows - 1, 0));
  }
}

TEST_P(RangesTest, IteratingALargeRangeReturnsEveryRowInOrder) {
  reopen({});
  constexpr int kMany = 1500;
  auto manyKey = [](int i) {
    std::string s = std::to_string(i);
    return "m" + std::string(5 - s.size(), '0') + s;
  };
  for (int first = 0; first < kMany; first += 500) {
    db().run([&](Transaction& tr) {
      for (int i = first; i < first + 500; ++i) tr.set(manyKey(i), std::string(200, 'v'));
    });
  }
  Transaction tr = tx();
  int n = 0;
  for (const KeyValue& kv : tr.getRange("m", "n")) {
    ASSERT_EQ(kv.key, manyKey(n));
    EXPECT_EQ(kv.value.size(), 200u);
    ++n;
  }
  EXPECT_EQ(n, kMany);

  n = 0;
  for (const KeyValue& kv : tr.getRange("m", "n", {.limit = 700, .reverse = Reverse::kYes})) {
    ASSERT_EQ(kv.key, manyKey(kMany - 1 - n));
    ++n;
  }
  EXPECT_EQ(n, 700);

  n = 0;
  for (const KeyValue& kv : tr.getRange("m", "n", {.limit = 650, .mode = StreamingMode::kSmall})) {
    ASSERT_EQ(kv.key, manyKey(n));
    ++n;
  }
  EXPECT_EQ(n, 650);
}

TEST_P(RangesTest, AnEmptyRangeIteratesNothing) {
  Transaction tr = tx();
  int n = 0;
  for (const KeyValue& kv : tr.getRange("x", "y")) {
    (void)kv;
    ++n;
  }
  EXPECT_EQ(n, 0);
}

TEST_P(RangesTest, GetRangeAsyncReturnsABatch) {
  Transaction tr = tx();
  auto f = tr.getRangeAsync(KS::firstGreaterOrEqual("k03"), KS::firstGreaterOrEqual("k06"));
  auto batch = f.get();
  EXPECT_EQ(keysOf(batch.kvs), keysFrom(3, 5));
  EXPECT_FALSE(batch.more);
}

TEST_P(RangesTest, StartsWithReadsExactlyThePrefix) {
  putAll({{"k1", "p"}, {"k2", "q"}});
  Transaction tr = tx();
  auto keys = keysOf(tr.getRangeStartsWith("k1").toVector());
  std::vector<std::string> expected = {"k1"};
  for (auto& k : keysFrom(10, 19)) expected.push_back(k);
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(keysOf(tr.getRangeStartsWith("k1", {.limit = 2, .reverse = Reverse::kYes}).toVector()),
            keysFrom(19, 18));
}

TEST_P(RangesTest, StartsWithAPrefixEndingInFfStopsAtTheIncrementedPrefix) {
  putAll({{"p\xff"s, "1"}, {"p\xff\x00"s, "2"}, {"p\xff\xff"s, "3"}, {"q", "4"}, {"p", "0"}});
  Transaction tr = tx();
  EXPECT_EQ(keysOf(tr.getRangeStartsWith("p\xff"s).toVector()),
            (std::vector<std::string>{"p\xff"s, "p\xff\x00"s, "p\xff\xff"s}));
}

TEST_P(RangesTest, ARangeEndingExactlyAtFfIsLegal) {
  Transaction tr = tx();
  EXPECT_EQ(tr.getRangeAll("k19", "\xff").size(), 1u);
  EXPECT_EQ(tr.getRangeAll("", "\xff").size(), static_cast<size_t>(kRows));
}

TEST_P(RangesTest, ARangeReachingPastFfIsOutsideTheLegalRange) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2004, (void)tr.getRangeAll("a", "\xff\x01"s));
  EXPECT_ERROR_CODE(2004, (void)tr.getRangeAll("\xff\x00"s, "\xff\x01"s));
  EXPECT_ERROR_CODE(
      2004, (void)tr.getRange(KS::firstGreaterOrEqual("a"), KS::firstGreaterOrEqual("\xff\xff"))
                .toVector());
}

TEST_P(RangesTest, RangeValuesAreByteExact) {
  std::string value = bytes({0, 255, 0, 1, 254});
  putAll({{bytes({'r', 0}), value}, {bytes({'r', 0xff}), ""}});
  Transaction tr = tx();
  auto rows = tr.getRangeStartsWith("r").toVector();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (KeyValue{bytes({'r', 0}), value}));
  EXPECT_EQ(rows[1], (KeyValue{bytes({'r', 0xff}), ""}));
}

}  // namespace
}  // namespace strata::conformance
