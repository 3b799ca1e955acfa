// libFuzzer target: the embedded engine's open path over a database whose strata records are
// fuzzed. Each input is a list of records (sub-database, key, value) written with raw LMDB into
// a freshly created, valid database - over the meta records (magic, format_version, version,
// log_horizon), the data records (the keyspace encoding: inline and bucketed keys) and the
// conflict log - which strata then opens, reads whole and commits to. Any damage must surface as
// a strata::Error (not_a_database 3001, unsupported_format_version 3002, io_error 1510, ...),
// never as a crash, a hang or another exception.
//
// LMDB's own page format is out of scope: LMDB trusts its files (see docs/RELIABILITY.md).
#include <lmdb.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "engines/lmdb/format.h"
#include "strata/kv.h"

namespace {

namespace fs = std::filesystem;

const fs::path& pristine() {
  static fs::path dir = [] {
    fs::path p = fs::temp_directory_path() / ("strata-fuzz-format-" + std::to_string(getpid()));
    fs::remove_all(p);
    strata::Database db = strata::Database::open("file:" + (p / "db").string());
    db.run([](strata::Transaction& tr) {
      tr.set("a", "1");
      tr.set(std::string(500, 'k'), "long key, stored in a bucket");
      tr.atomicOp(strata::MutationType::kAdd, "n", std::string("\x01\x00", 2));
    });
    return p / "db";
  }();
  return dir;
}

bool writeRecords(const fs::path& dir, const uint8_t* data, size_t size) {
  MDB_env* env = nullptr;
  if (mdb_env_create(&env) != 0) return false;
  mdb_env_set_maxdbs(env, 8);
  mdb_env_set_mapsize(env, 64 << 20);
  bool ok = false;
  MDB_txn* txn = nullptr;
  if (mdb_env_open(env, dir.c_str(), 0, 0644) == 0 && mdb_txn_begin(env, nullptr, 0, &txn) == 0) {
    MDB_dbi dbis[3];
    const char* names[3] = {strata::kv::lmdb::kMetaDb, strata::kv::lmdb::kDataDb,
                            strata::kv::lmdb::kLogDb};
    ok = true;
    for (int i = 0; i < 3; ++i) ok = ok && mdb_dbi_open(txn, names[i], MDB_CREATE, &dbis[i]) == 0;
    size_t pos = 0;
    while (ok && pos + 3 <= size) {
      int which = data[pos] % 4;  // 3: delete the key instead
      size_t klen = data[pos + 1] % 64, vlen = data[pos + 2];
      pos += 3;
      if (pos + klen + vlen > size) break;
      MDB_val k{klen, const_cast<uint8_t*>(data + pos)};
      MDB_val v{vlen, const_cast<uint8_t*>(data + pos + klen)};
      pos += klen + vlen;
      if (klen == 0) continue;
      if (which == 3) {
        (void)mdb_del(txn, dbis[0], &k, nullptr);
      } else {
        (void)mdb_put(txn, dbis[which], &k, &v, 0);
      }
    }
    ok = ok ? mdb_txn_commit(txn) == 0 : (mdb_txn_abort(txn), false);
  }
  mdb_env_close(env);
  return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fs::path work = pristine().parent_path() / "work";
  fs::remove_all(work);
  fs::create_directories(work);
  for (const auto& f : {strata::kv::lmdb::kDataFile}) {
    fs::copy_file(pristine() / std::string(f), work / std::string(f));
  }
  if (!writeRecords(work, data, size)) return 0;
  try {
    strata::Database db = strata::Database::open("file:" + work.string() + "?nosync");
    db.read([](strata::Transaction& tr) {
      (void)tr.getRangeAll("", "\xff");
      (void)tr.get("a");
      (void)tr.getKey(strata::KeySelector::lastLessThan("\xff"));
    });
    db.run([](strata::Transaction& tr) {
      tr.set("b", "2");
      tr.atomicOp(strata::MutationType::kAdd, "n", std::string("\x01\x00", 2));
    });
  } catch (const strata::Error&) {
    // documented
  }
  return 0;
}
