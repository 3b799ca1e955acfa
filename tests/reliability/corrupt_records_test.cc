// Regression tests for the crashes fuzz/format_open_fuzzer.cc found in the embedded engine's
// decoding of its own records: a damaged conflict-log record (a length past the record's end)
// made the next commit throw std::out_of_range out of the engine, and a damaged key bucket (the
// record holding keys longer than 400 bytes) made reads run past the value into unmapped memory
// (SIGBUS). Now both raise io_error (1510), and the data already committed stays readable.
#include <gtest/gtest.h>
#include <lmdb.h>

#include <filesystem>
#include <string>

#include "engines/lmdb/codec.h"
#include "engines/lmdb/format.h"
#include "strata/kv.h"
#include "support/engines.h"

namespace strata::reliability {
namespace {

// Writes `value` under `key` in sub-database `db` with raw LMDB (the database must be closed).
void putRecord(const std::string& dir, const char* db, const std::string& key,
               const std::string& value) {
  MDB_env* env = nullptr;
  ASSERT_EQ(mdb_env_create(&env), 0);
  mdb_env_set_maxdbs(env, 8);
  ASSERT_EQ(mdb_env_open(env, dir.c_str(), 0, 0644), 0);
  MDB_txn* txn = nullptr;
  ASSERT_EQ(mdb_txn_begin(env, nullptr, 0, &txn), 0);
  MDB_dbi dbi;
  ASSERT_EQ(mdb_dbi_open(txn, db, 0, &dbi), 0);
  MDB_val k{key.size(), const_cast<char*>(key.data())};
  MDB_val v{value.size(), const_cast<char*>(value.data())};
  ASSERT_EQ(mdb_put(txn, dbi, &k, &v, 0), 0);
  ASSERT_EQ(mdb_txn_commit(txn), 0);
  mdb_env_close(env);
}

class CorruptLogTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CorruptLogTest, ADamagedConflictLogRecordRaisesIoErrorAndLosesNothing) {
  testsupport::ScratchDatabase scratch("file");
  const std::string dir = scratch.dir() + "/db";
  Database::open(scratch.url()).run([](Transaction& tr) { tr.set("kept", "yes"); });
  putRecord(dir, kv::lmdb::kLogDb, kv::lmdb::encodeBE64(int64_t{1} << 60), GetParam());
  Database db = Database::open(scratch.url());
  try {
    Transaction tr = db.createTransaction();
    tr.set("new", "x");
    tr.commit();
    ADD_FAILURE() << "a commit over a damaged conflict log succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), 1510) << e.what();
  }
  EXPECT_EQ(db.read([](Transaction& tr) { return tr.get("kept"); }), "yes");
}

std::string le32(uint32_t v) { return kv::lmdb::encodeU32(v); }

std::string recordName(const ::testing::TestParamInfo<std::string>& info) {
  const char* names[] = {"BeginPastEnd", "EndPastEnd", "MissingRanges", "InvertedRange"};
  return names[info.index];
}

INSTANTIATE_TEST_SUITE_P(
    Records, CorruptLogTest,
    ::testing::Values(le32(1) + le32(0x00e5ff09) + "ab",         // begin length past the end
                      le32(1) + le32(1) + "a" + le32(9),         // end length past the end
                      le32(3) + le32(1) + "a" + le32(1) + "b",   // fewer ranges than counted
                      le32(1) + le32(1) + "z" + le32(1) + "a"),  // inverted range
    recordName);

TEST(CorruptBucketTest, ADamagedKeyBucketRaisesIoErrorOnReadAndWriteAndLosesNothing) {
  testsupport::ScratchDatabase scratch("file");
  const std::string longKey(450, 'k');
  Database::open(scratch.url()).run([&](Transaction& tr) {
    tr.set("kept", "yes");
    tr.set(longKey, "long");
  });
  // The bucket of every key sharing longKey's first 400 bytes: one suffix whose length runs
  // past the end of the record.
  putRecord(scratch.dir() + "/db", kv::lmdb::kDataDb, std::string(400, 'k') + '\x01',
            le32(5000) + "ab");
  Database db = Database::open(scratch.url());
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      if (attempt == 0) {
        (void)db.read([](Transaction& tr) { return tr.getRangeAll("", "\xff"); });
      } else {
        db.run([&](Transaction& tr) { tr.set(longKey + "2", "x"); });
      }
      ADD_FAILURE() << (attempt == 0 ? "a read" : "a write") << " of a damaged bucket succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), 1510) << e.what();
    }
  }
  EXPECT_EQ(db.read([](Transaction& tr) { return tr.get("kept"); }), "yes");
}

}  // namespace
}  // namespace strata::reliability
