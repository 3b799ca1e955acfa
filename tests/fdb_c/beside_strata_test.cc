// One process using strata's C++ API and strata's libfdb_c at once (an application moving to the
// C API piece by piece, or a binding loaded into a C++ program): both load, and each sees what the
// other wrote in one embedded database. libfdb_c carries its own private copy of strata; the two
// copies must not clash (the etcd engine's protobuf messages are built without descriptors, so
// neither registers them in protobuf's process-wide pool).
#define FDB_API_VERSION 720
#include <foundationdb/fdb_c.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "strata/kv/database.h"
#include "strata/kv/transaction.h"

namespace {

TEST(BesideStrataTest, TheCppApiAndLibfdbcShareOneDatabaseInOneProcess) {
  std::string dir = (std::filesystem::temp_directory_path() / "strata-beside-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string url = "file:" + dir + "/db";
  {
    strata::Database db = strata::Database::open(url);
    db.run([](strata::Transaction& tr) { tr.set("from-cpp", "hello"); });
  }
  const std::string clusterFile = dir + "/fdb.cluster";
  std::ofstream(clusterFile) << url << "\n";

  ASSERT_EQ(fdb_select_api_version(FDB_API_VERSION), 0);
  ASSERT_EQ(fdb_setup_network(), 0);
  fdb_error_t networkResult = -1;
  std::thread network([&] { networkResult = fdb_run_network(); });
  FDBDatabase* fdb = nullptr;
  ASSERT_EQ(fdb_create_database(clusterFile.c_str(), &fdb), 0);
  FDBTransaction* tr = nullptr;
  ASSERT_EQ(fdb_database_create_transaction(fdb, &tr), 0);
  const std::string key = "from-cpp";
  FDBFuture* f = fdb_transaction_get(tr, reinterpret_cast<const uint8_t*>(key.data()),
                                     static_cast<int>(key.size()), 0);
  ASSERT_EQ(fdb_future_block_until_ready(f), 0);
  fdb_bool_t present = 0;
  const uint8_t* value = nullptr;
  int length = 0;
  ASSERT_EQ(fdb_future_get_value(f, &present, &value, &length), 0);
  ASSERT_TRUE(present);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(value), static_cast<size_t>(length)),
            "hello");
  fdb_future_destroy(f);
  const std::string back = "from-c";
  fdb_transaction_set(tr, reinterpret_cast<const uint8_t*>(back.data()),
                      static_cast<int>(back.size()), reinterpret_cast<const uint8_t*>("world"), 5);
  FDBFuture* c = fdb_transaction_commit(tr);
  ASSERT_EQ(fdb_future_block_until_ready(c), 0);
  EXPECT_EQ(fdb_future_get_error(c), 0);
  fdb_future_destroy(c);
  fdb_transaction_destroy(tr);
  fdb_database_destroy(fdb);
  ASSERT_EQ(fdb_stop_network(), 0);
  network.join();
  EXPECT_EQ(networkResult, 0);

  strata::Database db = strata::Database::open(url);
  EXPECT_EQ(db.read([](strata::Transaction& t) { return t.get("from-c"); }), "world");
  std::filesystem::remove_all(dir);
}

}  // namespace
