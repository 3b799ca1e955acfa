// Regression tests for a serializability bug the model test found (tests/model/kv_model_test.cc):
// a range read with a key selector that its limit cut short dropped the read conflict on the keys
// that decided where the selector resolved, so a concurrent insert that moved the selector did not
// make the reader's commit fail. Every engine; fixed in src/kv/transaction.cc (getRangeBatch).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "strata/kv/error.h"
#include "support/engines.h"

namespace strata::model {
namespace {

class SelectorConflictTest : public testsupport::EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    db().run([](Transaction& tr) {
      for (const char* k : {"k05", "k07", "k08", "k12", "k14"}) tr.set(k, "v");
    });
  }
  // Commits `reader` after another transaction inserted `insert`; returns the error code (0 = ok).
  int commitAfterInsert(Transaction& reader, const std::string& insert) {
    db().run([&](Transaction& tr) { tr.set(insert, "new"); });
    reader.set("marker", "x");
    try {
      reader.commit();
      return 0;
    } catch (const Error& e) {
      return e.code();
    }
  }
};

TEST_P(SelectorConflictTest, ALimitedForwardReadConflictsWithAnInsertThatMovesItsBeginSelector) {
  Transaction reader = db().createTransaction();
  RangeOptions one;
  one.limit = 1;
  auto got = reader
                 .getRange(KeySelector::lastLessOrEqual("k14") - 3,
                           KeySelector::firstGreaterOrEqual("k22"), one)
                 .toVector();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "k07");
  // With k13 present the begin selector resolves to k08: the read's result is stale.
  EXPECT_EQ(commitAfterInsert(reader, "k13"), 1020);
}

TEST_P(SelectorConflictTest, ALimitedReverseReadConflictsWithAnInsertThatMovesItsEndSelector) {
  Transaction reader = db().createTransaction();
  RangeOptions one;
  one.limit = 1;
  one.reverse = Reverse::kYes;
  auto got = reader
                 .getRange(KeySelector::firstGreaterOrEqual("k00"),
                           KeySelector::firstGreaterThan("k05") + 2, one)
                 .toVector();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "k08");
  // With k06 present the end selector resolves to k08, so the last row would be k07.
  EXPECT_EQ(commitAfterInsert(reader, "k06"), 1020);
}

TEST_P(SelectorConflictTest, AnInsertOutsideBothSelectorsStillCommits) {
  Transaction reader = db().createTransaction();
  RangeOptions one;
  one.limit = 1;
  auto got = reader
                 .getRange(KeySelector::lastLessOrEqual("k14") - 3,
                           KeySelector::firstGreaterOrEqual("k22"), one)
                 .toVector();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(commitAfterInsert(reader, "k00"), 0);
}

STRATA_ENGINE_SUITE(SelectorConflictTest);

}  // namespace
}  // namespace strata::model
