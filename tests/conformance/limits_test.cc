// Conformance: hard limits and lifecycle errors - key/value/transaction sizes, the legal key
// space, the 5-second rule, timeouts, cancel, options (fdb-api.md sections 1, 2.5, 2.6, 2.9,
// 2.10, 6).
#include <chrono>
#include <string>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;

STRATA_CONFORMANCE_SUITE(LimitsTest);

// Reads a new key each time (a cached read need not reach the engine) until one fails.
// Returns: the code it failed with, or 0 if none did within 10 s.
int readUntilError(Transaction& tr) {
  int code = 0;
  int i = 0;
  eventually([&] {
    code = errorCodeOf([&] { (void)tr.get("probe" + std::to_string(i++)); });
    return code != 0;
  });
  return code;
}

// ---- Key and value sizes ----------------------------------------------------------------------

TEST_P(LimitsTest, AKeyOfTenThousandBytesIsLegal) {
  std::string key(kMaxKeySize, 'k');
  put(key, "v");
  EXPECT_EQ(read(key), "v");
  EXPECT_EQ(keysOf(readRange("k", "l")), (std::vector<std::string>{key}));
}

TEST_P(LimitsTest, WritingALongerKeyIsKeyTooLarge) {
  std::string key(kMaxKeySize + 1, 'k');
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2102, tr.set(key, "v"));
  EXPECT_ERROR_CODE(2102, tr.set(std::string(30'000, 'k'), "v"));
}

TEST_P(LimitsTest, ReadingALongerKeyFindsNothing) {
  put(std::string(kMaxKeySize, 'k'), "v");
  Transaction tr = tx();
  EXPECT_EQ(tr.get(std::string(kMaxKeySize + 1, 'k')), std::nullopt);
  EXPECT_EQ(tr.get(std::string(50'000, 'k')), std::nullopt);
}

TEST_P(LimitsTest, AValueOfOneHundredThousandBytesIsLegal) {
  std::string value(kMaxValueSize, '\xa5');
  put("k", value);
  EXPECT_EQ(read("k"), value);
}

TEST_P(LimitsTest, ALongerValueIsValueTooLarge) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2103, tr.set("k", std::string(kMaxValueSize + 1, 'v')));
}

// ---- Transaction size -------------------------------------------------------------------------

TEST_P(LimitsTest, ATransactionJustUnderTenMegabytesCommits) {
  Transaction tr = tx();
  for (int i = 0; i < 99; ++i) tr.set("big" + std::to_string(i), std::string(kMaxValueSize, 'v'));
  EXPECT_NO_THROW(tr.commit());
  EXPECT_EQ(readRange("big", "bih").size(), 99u);
}

TEST_P(LimitsTest, ATransactionOverTenMegabytesIsTooLargeAndWritesNothing) {
  Transaction tr = tx();
  for (int i = 0; i < 101; ++i) tr.set("big" + std::to_string(i), std::string(kMaxValueSize, 'v'));
  EXPECT_ERROR_CODE(2101, tr.commit());
  EXPECT_TRUE(readRange("big", "bih").empty());
}

TEST_P(LimitsTest, SetSizeLimitLowersTheLimit) {
  Transaction tr = tx();
  tr.setSizeLimit(1000);
  tr.set("k", std::string(2000, 'v'));
  EXPECT_ERROR_CODE(2101, tr.commit());

  Transaction ok = tx();
  ok.setSizeLimit(1000);
  ok.set("k", std::string(100, 'v'));
  EXPECT_NO_THROW(ok.commit());
}

TEST_P(LimitsTest, TheSizeLimitOptionTakesTheSameEffect) {
  Transaction tr = tx();
  tr.setOption(TransactionOption::kSizeLimit, 1000);
  tr.set("k", std::string(2000, 'v'));
  EXPECT_ERROR_CODE(2101, tr.commit());
}

TEST_P(LimitsTest, ConflictRangesCountTowardsTheSize) {
  Transaction tr = tx();
  tr.setSizeLimit(1000);
  tr.addReadConflictRange(std::string(600, 'a'), std::string(600, 'b'));
  tr.set("k", "v");
  EXPECT_ERROR_CODE(2101, tr.commit());
}

TEST_P(LimitsTest, AClearRangeCountsOnlyItsTwoKeys) {
  Transaction filler = tx();
  for (int i = 0; i < 20; ++i) filler.set("f" + std::to_string(i), std::string(10'000, 'v'));
  filler.commit();
  Transaction tr = tx();
  tr.setSizeLimit(1000);
  tr.clearRange("a", "z");
  EXPECT_NO_THROW(tr.commit());
  EXPECT_TRUE(readRange("a", "z").empty());
}

TEST_P(LimitsTest, SizeLimitsOutsideTheLegalBoundsAreInvalid) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2006, tr.setSizeLimit(31));
  EXPECT_ERROR_CODE(2006, tr.setSizeLimit(10'000'001));
  EXPECT_ERROR_CODE(2006, tr.setSizeLimit(-1));
  EXPECT_ERROR_CODE(2006, tr.setOption(TransactionOption::kSizeLimit, 0));
  EXPECT_NO_THROW(tr.setSizeLimit(32));
  EXPECT_NO_THROW(tr.setSizeLimit(10'000'000));
}

TEST_P(LimitsTest, TheDatabaseDefaultSizeLimitApplies) {
  DatabaseOptions options;
  options.transactionDefaults.sizeLimit = 1000;
  reopen(options);
  Transaction tr = tx();
  tr.set("k", std::string(2000, 'v'));
  EXPECT_ERROR_CODE(2101, tr.commit());
}

// ---- The legal key space ----------------------------------------------------------------------

TEST_P(LimitsTest, KeysAtOrPastFfAreOutsideTheLegalRangeForWrites) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2004, tr.set("\xff", "v"));
  EXPECT_ERROR_CODE(2004, tr.set("\xff\x00"s, "v"));
  EXPECT_ERROR_CODE(2004, tr.set("\xff\xff/x", "v"));
  EXPECT_ERROR_CODE(2004, tr.clear("\xff"));
  EXPECT_ERROR_CODE(2004, tr.clearRange("a", "\xff\x00"s));
  EXPECT_NO_THROW(tr.clearRange("a", "\xff"));
  EXPECT_NO_THROW(tr.set("\xfe\xff\xff", "v"));
  EXPECT_NO_THROW(tr.commit());
}

TEST_P(LimitsTest, KeysAtOrPastFfAreOutsideTheLegalRangeForGets) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2004, (void)tr.get("\xff"));
  EXPECT_ERROR_CODE(2004, (void)tr.get("\xff\x00"s));
  EXPECT_ERROR_CODE(2004, (void)tr.get("\xff\xff"));
  EXPECT_NO_THROW((void)tr.getRangeAll("", "\xff"));
  EXPECT_NO_THROW((void)tr.getKey(KeySelector::firstGreaterOrEqual("\xff")));
}

TEST_P(LimitsTest, SystemKeysNeedTheSystemKeyOptions) {
  Transaction w = tx();
  w.setOption(TransactionOption::kAccessSystemKeys);
  w.set("\xff/conformance", "sys");
  EXPECT_ERROR_CODE(2004, w.set("\xff\xff/special", "v"));
  w.commit();

  Transaction r = tx();
  r.setOption(TransactionOption::kReadSystemKeys);
  EXPECT_EQ(r.get("\xff/conformance"), "sys");
  EXPECT_EQ(keysOf(r.getRangeAll("\xff/",
                                 "\xff"
                                 "0")),
            (std::vector<std::string>{"\xff/conformance"}));
  EXPECT_ERROR_CODE(2004, r.set("\xff/other", "v")) << "reading system keys does not allow writes";

  Transaction plain = tx();
  EXPECT_ERROR_CODE(2004, (void)plain.get("\xff/conformance"));
  EXPECT_TRUE(plain.getRangeAll("", "\xff").empty());
}

TEST_P(LimitsTest, SystemKeysMayBeUpToThirtyThousandBytes) {
  Transaction tr = tx();
  tr.setOption(TransactionOption::kAccessSystemKeys);
  std::string key = "\xff" + std::string(kMaxSystemKeySize - 1, 's');
  EXPECT_NO_THROW(tr.set(key, "v"));
  EXPECT_ERROR_CODE(2102, tr.set(key + "s", "v"));
  tr.commit();
  Transaction r = tx();
  r.setOption(TransactionOption::kReadSystemKeys);
  EXPECT_EQ(r.get(key), "v");
}

TEST_P(LimitsTest, InvalidDatabaseOptionsAreRejected) {
  DatabaseOptions watches;
  watches.maxWatches = 1'000'001;
  EXPECT_ERROR_CODE(2006, (void)open(watches));
  DatabaseOptions size;
  size.transactionDefaults.sizeLimit = 31;
  EXPECT_ERROR_CODE(2006, (void)open(size));
  DatabaseOptions timeout;
  timeout.transactionDefaults.timeout = -1ms;
  EXPECT_ERROR_CODE(2006, (void)open(timeout));
}

// ---- The five-second rule (shortened) ---------------------------------------------------------

class LifetimeTest : public ConformanceTest {
 protected:
  void SetUp() override {
    ConformanceTest::SetUp();
    if (HasFatalFailure()) return;
    DatabaseOptions options;
    options.maxTransactionLifetime = 300ms;
    reopen(options);
  }
};
INSTANTIATE_TEST_SUITE_P(Engines, LifetimeTest, ::testing::ValuesIn(engineKinds()), engineKindName);

TEST_P(LifetimeTest, ReadsPastTheLifetimeAreTooOld) {
  put("k", "v");
  Transaction tr = tx();
  EXPECT_EQ(tr.get("k"), "v");
  EXPECT_EQ(readUntilError(tr), 1007);
}

TEST_P(LifetimeTest, ACommitWithWritesPastTheLifetimeFails) {
  Transaction tr = tx();
  (void)tr.get("k");
  tr.set("k", "v");
  EXPECT_EQ(readUntilError(tr), 1007);
  int code = errorCodeOf([&] { tr.commit(); });
  EXPECT_TRUE(code == 1007 || code == 1020) << "commit failed with " << code;
  EXPECT_EQ(read("k"), std::nullopt);
}

TEST_P(LifetimeTest, OnErrorAfterTooOldGivesAFreshReadVersion) {
  Transaction tr = tx();
  int64_t rv = tr.getReadVersion();
  int code = readUntilError(tr);
  ASSERT_EQ(code, 1007);
  put("k", "committed meanwhile");
  tr.onError(Error(code));
  EXPECT_EQ(tr.get("k"), "committed meanwhile");
  EXPECT_GT(tr.getReadVersion(), rv);
}

TEST_P(LifetimeTest, AnOldSetReadVersionIsTooOld) {
  int64_t rv = tx().getReadVersion();
  int code = 0;
  eventually([&] {
    put("tick", "t");  // the newest version moves on
    Transaction tr = tx();
    tr.setReadVersion(rv);
    code = errorCodeOf([&] { (void)tr.get("k"); });
    return code != 0;
  });
  EXPECT_EQ(code, 1007);
}

// ---- Timeout, cancel, options -----------------------------------------------------------------

TEST_P(LimitsTest, TheTimeoutOptionTimesTheTransactionOut) {
  Transaction tr = tx();
  tr.setTimeout(50ms);
  tr.set("k", "v");
  EXPECT_EQ(readUntilError(tr), 1031);
  EXPECT_ERROR_CODE(1031, tr.commit());
  EXPECT_EQ(read("k"), std::nullopt);
}

TEST_P(LimitsTest, TheNumberedTimeoutOptionAndTheDatabaseDefaultTimeOut) {
  Transaction tr = tx();
  tr.setOption(TransactionOption::kTimeout, 30);
  EXPECT_EQ(readUntilError(tr), 1031);

  DatabaseOptions options;
  options.transactionDefaults.timeout = 30ms;
  reopen(options);
  Transaction dflt = tx();
  EXPECT_EQ(readUntilError(dflt), 1031);
}

TEST_P(LimitsTest, ATimedOutTransactionIsNotRetried) {
  Transaction tr = tx();
  tr.setTimeout(20ms);
  int code = readUntilError(tr);
  ASSERT_EQ(code, 1031);
  EXPECT_ERROR_CODE(1031, tr.onError(Error(code)));
}

TEST_P(LimitsTest, ResetDropsTheTimeout) {
  Transaction tr = tx();
  tr.setTimeout(20ms);
  ASSERT_EQ(readUntilError(tr), 1031);
  tr.reset();
  EXPECT_NO_THROW((void)tr.get("k"));
  tr.set("k", "v");
  EXPECT_NO_THROW(tr.commit());
}

TEST_P(LimitsTest, ResetReappliesTheDatabaseDefaultTimeout) {
  DatabaseOptions options;
  options.transactionDefaults.timeout = 30ms;
  reopen(options);
  Transaction tr = tx();
  ASSERT_EQ(readUntilError(tr), 1031);
  tr.reset();
  EXPECT_EQ(readUntilError(tr), 1031);
}

TEST_P(LimitsTest, ACancelledTransactionFailsEveryCallWithCancelled) {
  put("k", "v");
  Transaction tr = tx();
  tr.set("x", "1");
  tr.cancel();
  EXPECT_ERROR_CODE(1025, (void)tr.get("k"));
  EXPECT_ERROR_CODE(1025, (void)tr.getRangeAll("a", "z"));
  EXPECT_ERROR_CODE(1025, (void)tr.getKey(KeySelector::firstGreaterOrEqual("a")));
  EXPECT_ERROR_CODE(1025, tr.set("y", "2"));
  EXPECT_ERROR_CODE(1025, tr.commit());
  EXPECT_EQ(read("x"), std::nullopt);
}

TEST_P(LimitsTest, ResetMakesACancelledTransactionUsable) {
  Transaction tr = tx();
  tr.cancel();
  tr.reset();
  EXPECT_NO_THROW((void)tr.get("k"));
  tr.set("k", "v");
  EXPECT_NO_THROW(tr.commit());
  EXPECT_EQ(read("k"), "v");
}

TEST_P(LimitsTest, UnknownOptionsAndBadOptionValuesAreRejected) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2007, tr.setOption(static_cast<TransactionOption>(9999)));
  EXPECT_ERROR_CODE(2006, tr.setOption(TransactionOption::kTimeout, -1));
  EXPECT_ERROR_CODE(2006, tr.setOption(TransactionOption::kRetryLimit, -2));
  EXPECT_ERROR_CODE(2006, tr.setTimeout(-1ms));
  EXPECT_NO_THROW(tr.setOption(TransactionOption::kRetryLimit, -1));
  EXPECT_NO_THROW(tr.setOption(TransactionOption::kTimeout, 0));
}

TEST_P(LimitsTest, AnUnknownUrlSchemeIsAnInvalidDatabaseName) {
  EXPECT_ERROR_CODE(2013, (void)Database::open("nosuchengine://x"));
  EXPECT_ERROR_CODE(2013, (void)Database::open("memory:?nosuchoption=1"));
}

}  // namespace
}  // namespace strata::conformance
