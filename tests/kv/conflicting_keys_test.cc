// Conflict reports: not_committed (1020) names the read ranges that conflicted
// (Error::conflictingRanges and the "\xff\xff/transaction/conflicting_keys/" special keys), and
// Database::stats() counts conflicts and retries per key prefix. Runs on every engine kind.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/stats.h"
#include "strata/tuple.h"
#include "support/engines.h"

namespace strata {
namespace {

const std::string kReport("\xff\xff/transaction/conflicting_keys/");

using testsupport::errorCodeOf;

class ConflictingKeysTest : public testsupport::EngineTest {
 protected:
  // Commits a write to `key` in its own transaction.
  void writeElsewhere(const std::string& key) {
    db().run([&](Transaction& tr) { tr.set(key, "other"); });
  }
  // Commits `tr` and returns the error it fails with.
  static Error commitFailure(Transaction& tr) {
    try {
      tr.commit();
    } catch (const Error& e) {
      return e;
    }
    ADD_FAILURE() << "commit succeeded";
    return Error(ErrorCode::success);
  }
};

TEST_P(ConflictingKeysTest, NotCommittedNamesOnlyTheReadRangeThatWasWritten) {
  Transaction tr = db().createTransaction();
  (void)tr.get("a");
  (void)tr.getRangeAll("m", "p");
  (void)tr.get("z");
  writeElsewhere("n");
  tr.set("out", "1");
  Error e = commitFailure(tr);
  EXPECT_EQ(e.code(), static_cast<int>(ErrorCode::not_committed));
  EXPECT_EQ(e.conflictingRanges(), (std::vector<ConflictRange>{{"m", "p"}}));
  EXPECT_NE(std::string(e.what()).find("[m, p)"), std::string::npos) << e.what();
}

TEST_P(ConflictingKeysTest, EveryConflictingRangeIsReportedInKeyOrder) {
  Transaction tr = db().createTransaction();
  (void)tr.get("k1");
  (void)tr.get("k2");
  (void)tr.get("k3");
  writeElsewhere("k3");
  writeElsewhere("k1");
  tr.set("out", "1");
  Error e = commitFailure(tr);
  EXPECT_EQ(e.conflictingRanges(), (std::vector<ConflictRange>{{"k1", std::string("k1\0", 3)},
                                                               {"k3", std::string("k3\0", 3)}}));
}

TEST_P(ConflictingKeysTest, TheReportReadsAsFoundationDbsSpecialKeysUntilOnError) {
  Transaction tr = db().createTransaction();
  tr.setOption(TransactionOption::kReportConflictingKeys);
  (void)tr.getRangeAll("m", "p");
  (void)tr.get("a");
  writeElsewhere("o");
  tr.set("out", "1");
  Error e = commitFailure(tr);
  ASSERT_EQ(e.code(), static_cast<int>(ErrorCode::not_committed));

  std::vector<KeyValue> rows = tr.getRangeAll(kReport, strinc(kReport));
  EXPECT_EQ(rows, (std::vector<KeyValue>{{kReport + "m", "1"}, {kReport + "p", "0"}}));
  EXPECT_EQ(tr.get(kReport + "m"), "1");
  EXPECT_EQ(tr.get(kReport + "p"), "0");
  EXPECT_EQ(tr.get(kReport + "n"), std::nullopt);
  RangeOptions reverse;
  reverse.reverse = Reverse::kYes;
  reverse.limit = 1;
  EXPECT_EQ(tr.getRangeAll(kReport, strinc(kReport), reverse),
            (std::vector<KeyValue>{{kReport + "p", "0"}}));

  tr.onError(e);
  EXPECT_TRUE(tr.getRangeAll(kReport, strinc(kReport)).empty());
}

TEST_P(ConflictingKeysTest, ACommitWithoutConflictReportsNothing) {
  Transaction tr = db().createTransaction();
  (void)tr.get("a");
  tr.set("b", "1");
  tr.commit();
  Transaction fresh = db().createTransaction();
  EXPECT_TRUE(fresh.getRangeAll(kReport, strinc(kReport)).empty());
  EXPECT_TRUE(Error(ErrorCode::not_committed).conflictingRanges().empty());
}

TEST_P(ConflictingKeysTest, AReportRangeEndingPastTheModuleIsRefused) {
  Transaction tr = db().createTransaction();
  EXPECT_EQ(errorCodeOf([&] { (void)tr.getRangeAll(kReport, "\xff\xff\xff"); }),
            static_cast<int>(ErrorCode::key_outside_legal_range));
}

TEST_P(ConflictingKeysTest, StatsCountConflictsAndRetriesUnderTheFirstTupleElement) {
  const std::string hot = Tuple{"hot", 1}.pack();
  const std::string cold = Tuple{"cold", 1}.pack();
  int attempts = 0;
  db().run([&](Transaction& tr) {
    (void)tr.get(hot);
    (void)tr.get(cold);
    if (attempts++ == 0) writeElsewhere(hot);
    tr.set(cold, "x");
  });
  EXPECT_EQ(attempts, 2);
  DatabaseStats stats = db().stats();
  EXPECT_EQ(stats.conflicts, 1);
  EXPECT_EQ(stats.retries, 1);
  EXPECT_EQ(stats.commits, 2);  // the body's commit and writeElsewhere's
  ASSERT_EQ(stats.prefixes.size(), 1u);
  EXPECT_EQ(stats.prefixes[0].prefix, Tuple{"hot"}.pack());
  EXPECT_EQ(stats.prefixes[0].conflicts, 1);
  EXPECT_EQ(stats.prefixes[0].retries, 1);
}

TEST(StatsPrefixTest, IsTheFirstTupleElementOrTheFirstByte) {
  EXPECT_EQ(statsPrefix(Tuple{"users", 7}.pack()), Tuple{"users"}.pack());
  EXPECT_EQ(statsPrefix(Tuple{int64_t{300}, "x"}.pack()), Tuple{int64_t{300}}.pack());
  EXPECT_EQ(statsPrefix(Tuple{Bytes(std::string("a\0b", 3)), 1}.pack()),
            Tuple{Bytes(std::string("a\0b", 3))}.pack());
  EXPECT_EQ(statsPrefix("plain"), "p");
  EXPECT_EQ(statsPrefix(""), "");
  EXPECT_EQ(statsPrefix(std::string("\x15", 1)), std::string("\x15", 1));  // truncated element
}

STRATA_ENGINE_SUITE(ConflictingKeysTest);

}  // namespace
}  // namespace strata
