// Conformance: onError and the retry loop - which codes reset and retry, the retry limit, what
// survives a retry, Database::run / Database::read (fdb-api.md 2.8, 2.9, 6).
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

using namespace std::chrono_literals;

STRATA_CONFORMANCE_SUITE(RetryTest);

// Codes onError retries: the retryable-not-committed set and commit_unknown_result.
const int kRetryable[] = {1007, 1009, 1020, 1021, 1038};
// Codes onError rethrows.
const int kFatal[] = {1025, 1031, 1036, 2000, 2004, 2005, 2101, 2102, 2103};

TEST_P(RetryTest, OnErrorResetsTheTransactionForRetryableCodes) {
  put("k", "db");
  for (int code : kRetryable) {
    SCOPED_TRACE("code " + std::to_string(code));
    Transaction tr = tx();
    tr.set("k", "attempt");
    tr.set("new", "attempt");
    EXPECT_NO_THROW(tr.onError(Error(code)));
    EXPECT_EQ(tr.get("k"), "db") << "writes of the failed attempt survived onError";
    EXPECT_EQ(tr.get("new"), std::nullopt);
    tr.commit();
  }
  EXPECT_EQ(read("k"), "db");
  EXPECT_EQ(read("new"), std::nullopt);
}

TEST_P(RetryTest, OnErrorGivesTheRetryANewReadVersion) {
  Transaction tr = tx();
  int64_t rv = tr.getReadVersion();
  put("k", "committed meanwhile");
  tr.onError(Error(ErrorCode::not_committed));
  EXPECT_GT(tr.getReadVersion(), rv);
  EXPECT_EQ(tr.get("k"), "committed meanwhile");
}

TEST_P(RetryTest, OnErrorDropsTheReadConflictsOfTheFailedAttempt) {
  put("k", "v");
  Transaction tr = tx();
  (void)tr.get("k");
  tr.onError(Error(ErrorCode::not_committed));
  (void)tr.getReadVersion();
  put("k", "changed");  // would conflict with the first attempt's read
  tr.set("x", "1");
  EXPECT_NO_THROW(tr.commit());
}

TEST_P(RetryTest, OnErrorRethrowsNonRetryableCodesAndCancelsTheTransaction) {
  for (int code : kFatal) {
    SCOPED_TRACE("code " + std::to_string(code));
    Transaction tr = tx();
    tr.set("k", "v");
    EXPECT_ERROR_CODE(code, tr.onError(Error(code)));
    EXPECT_ERROR_CODE(1025, (void)tr.get("k"));
    EXPECT_ERROR_CODE(1025, tr.commit());
    tr.reset();
    EXPECT_NO_THROW((void)tr.get("k"));
  }
  EXPECT_EQ(read("k"), std::nullopt);
}

TEST_P(RetryTest, OnErrorWithSuccessIsAnInvalidOperation) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2000, tr.onError(Error(0)));
}

TEST_P(RetryTest, TheRetryLimitIsHonoured) {
  Transaction tr = tx();
  tr.setRetryLimit(2);
  EXPECT_NO_THROW(tr.onError(Error(1020)));
  EXPECT_NO_THROW(tr.onError(Error(1020)));  // the limit survives onError
  EXPECT_ERROR_CODE(1020, tr.onError(Error(1020)));
}

TEST_P(RetryTest, ARetryLimitOfZeroFailsTheFirstRetry) {
  Transaction tr = tx();
  tr.setOption(TransactionOption::kRetryLimit, 0);
  EXPECT_ERROR_CODE(1007, tr.onError(Error(1007)));
}

TEST_P(RetryTest, ResetClearsTheRetryCountAndTheLimit) {
  Transaction tr = tx();
  tr.setRetryLimit(1);
  EXPECT_NO_THROW(tr.onError(Error(1020)));
  tr.reset();
  tr.setRetryLimit(1);
  EXPECT_NO_THROW(tr.onError(Error(1020))) << "reset did not clear the retry count";
  tr.reset();
  for (int i = 0; i < 5; ++i) EXPECT_NO_THROW(tr.onError(Error(1020))) << "reset kept the limit";
}

TEST_P(RetryTest, TheTimeoutSurvivesOnError) {
  Transaction tr = tx();
  tr.setTimeout(50ms);
  tr.onError(Error(1020));
  int code = 0;
  int i = 0;
  eventually([&] {
    code = errorCodeOf([&] { (void)tr.get("probe" + std::to_string(i++)); });
    return code != 0;
  });
  EXPECT_EQ(code, 1031);
}

TEST_P(RetryTest, TheDatabaseDefaultRetryLimitAppliesToRun) {
  DatabaseOptions options;
  options.transactionDefaults.retryLimit = 3;
  options.transactionDefaults.maxRetryDelay = 1ms;
  reopen(options);
  int attempts = 0;
  EXPECT_ERROR_CODE(1020, db().run([&](Transaction&) {
    ++attempts;
    throw Error(ErrorCode::not_committed);
  }));
  EXPECT_EQ(attempts, 4);
}

TEST_P(RetryTest, RunRetriesAConflictingBodyUntilItCommits) {
  put("k", "0");
  int attempts = 0;
  db().run([&](Transaction& tr) {
    ++attempts;
    int v = std::stoi(tr.get("k").value());
    if (attempts == 1) put("k", "100");  // another client commits after our read
    tr.set("k", std::to_string(v + 1));
  });
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(read("k"), "101");
}

TEST_P(RetryTest, RunRetriesRetryableErrorsThrownByTheBody) {
  int attempts = 0;
  std::string result = db().run([&](Transaction& tr) {
    ++attempts;
    tr.set("k", std::to_string(attempts));
    if (attempts == 1) throw Error(ErrorCode::commit_unknown_result);
    if (attempts == 2) throw Error(ErrorCode::transaction_too_old);
    return std::string("done");
  });
  EXPECT_EQ(result, "done");
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(read("k"), "3");
}

TEST_P(RetryTest, RunRethrowsANonRetryableErrorAtOnce) {
  int attempts = 0;
  EXPECT_ERROR_CODE(2004, db().run([&](Transaction& tr) {
    ++attempts;
    tr.set("k", "v");
    tr.set("\xff", "v");
  }));
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(read("k"), std::nullopt);
}

TEST_P(RetryTest, ReadRetriesRetryableErrors) {
  put("k", "v");
  int attempts = 0;
  auto v = db().read([&](Transaction& tr) {
    if (++attempts == 1) throw Error(ErrorCode::transaction_too_old);
    return tr.get("k");
  });
  EXPECT_EQ(v, "v");
  EXPECT_EQ(attempts, 2);
}

TEST_P(RetryTest, ConcurrentReadModifyWriteRunsLoseNoUpdate) {
  put("n", "0");
  constexpr int kThreads = 4, kPerThread = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        try {
          db().run([](Transaction& tr) {
            int v = std::stoi(tr.get("n").value());
            tr.set("n", std::to_string(v + 1));
          });
        } catch (const Error&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(read("n"), std::to_string(kThreads * kPerThread));
}

}  // namespace
}  // namespace strata::conformance
