// The embedded engine ("file:DIR", LMDB-backed) beside raw LMDB, SQLite (WAL, synchronous=FULL)
// and RocksDB's OptimisticTransactionDB (when built with it), on one workload, in one run; prints
// a table of rates, the durable-commit latencies, the RMW conflict rates and strata's ratios
// against each system with the targets (docs/BENCHMARKS.md, "Embedded engine (LMDB)").
//
//   build/<tree>/bench/engine_bench [--full] [--seconds=S] [--only=strata,lmdb,sqlite,rocksdb]
//                                   [--phases=durable,get,scan,rmw] [--dir=DIR]
//
// The method mirrors the reference lab's (perf-lab.md §3): 200,000 keys of 16 random bytes (first
// byte < 0xff, strata's user key space) with 100-byte random values from mt19937_64 with a fixed
// seed; every system gets a fresh directory under DIR (default: the temp directory), removed at
// the end. Phases run one after another, and within a phase every system runs back to back, so a
// change in machine load hits all systems alike and the ratios stay meaningful.
//
//   load      200 transactions of 1,000 puts, each commit durable (for raw LMDB this is the
//             "one write transaction per 1,000 puts" figure)
//   fullscan  one ordered scan of everything (warms the caches)
//   durable   1-key commits of new random keys by 1, 8 and 32 threads; each commit is durable on
//             return (strata: Database::run + set; LMDB: one write txn per put, flags 0; SQLite:
//             BEGIN IMMEDIATE/INSERT/COMMIT per connection and thread; RocksDB: Put, sync=true)
//   get       random point reads of loaded keys, one read transaction per get, value copied
//   scan100   seek to a random key and copy the next 100 rows, one read transaction per scan
//   rmw       read-modify-write of an 8-byte counter in one of 10 hot keys, durable commit,
//             immediate retry on a conflict (strata not_committed, RocksDB Busy; raw LMDB and
//             SQLite serialize writers and never conflict). Afterwards the counters must have
//             grown by exactly the number of commits (no lost update).
//
// Durable and rmw phases run for a fixed time (2.5 s each by default, so every system gets the
// same stretch of a noisy disk and fast systems are not measured over a few milliseconds); the
// read phases do 100,000 gets and 10,000 scans per thread. --full: 10 s phases and the lab's read
// sizes (200,000 gets and 20,000 scans per thread). --seconds=S sets the phase time.
// The default run takes about 2 minutes on the 2-core VM (5 minutes with --full).
//
// Besides wall-clock rates it reports, per phase: reads per CPU second (getrusage of the phase's
// threads; steadier than wall time on a shared machine), durable-commit latency percentiles,
// commits per sync (strata's batches from lmdbEngineStats, RocksDB's WAL syncs from Statistics)
// and the bytes the process dirtied per commit (/proc/self/io write_bytes).
#include <lmdb.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engines/lmdb/lmdb_engine.h"
#include "strata/kv.h"

#ifdef STRATA_BENCH_ROCKSDB
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/optimistic_transaction_db.h>
#include <rocksdb/utilities/transaction.h>
#include <rocksdb/write_batch.h>
#endif

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kKeyCount = 200'000;
constexpr int kKeySize = 16;
constexpr int kValueSize = 100;
constexpr int kLoadBatch = 1000;
constexpr int kScanRows = 100;
constexpr int kHotKeys = 10;
constexpr int64_t kUnbounded = int64_t{1} << 40;  // timed phases stop on their clock

struct Config {
  bool full = false;
  double phaseSeconds = 2.5;  // each durable and rmw phase runs this long
  int64_t getsPerThread = 100'000;
  int64_t scansPerThread = 10'000;
  std::vector<std::string> only;
  std::vector<std::string> phases;  // empty: all of durable, get, scan, rmw
  std::string dir;
};

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

// ---- Data --------------------------------------------------------------------------------------

struct Dataset {
  std::vector<std::string> keys;
  std::vector<std::string> values;
};

std::string randomBytes(std::mt19937_64& rng, int n) {
  std::string s(static_cast<size_t>(n), '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// 16 random bytes, the first below 0xff (keys at or past "\xff" are strata's system keys).
std::string randomKey(std::mt19937_64& rng) {
  std::string k = randomBytes(rng, kKeySize);
  k[0] = static_cast<char>(rng() % 0xff);
  return k;
}

Dataset makeDataset() {
  std::mt19937_64 rng(20261124);
  Dataset d;
  d.keys.reserve(kKeyCount);
  d.values.reserve(kKeyCount);
  for (int i = 0; i < kKeyCount; ++i) {
    d.keys.push_back(randomKey(rng));
    std::string v = randomBytes(rng, kValueSize);
    if (i < kHotKeys) std::memset(v.data(), 0, 8);  // the rmw counter starts at 0
    d.values.push_back(std::move(v));
  }
  return d;
}

uint64_t counterOf(std::string_view value) {
  uint64_t c = 0;
  std::memcpy(&c, value.data(), sizeof c);
  return c;
}

void bumpCounter(std::string& value) {
  uint64_t c = counterOf(value) + 1;
  std::memcpy(value.data(), &c, sizeof c);
}

using Rows = std::vector<std::pair<std::string, std::string>>;

// ---- The systems -------------------------------------------------------------------------------

// One thread's handle on a system; made, used and destroyed on that thread.
class Worker {
 public:
  virtual ~Worker() = default;
  // One durable single-put commit.
  virtual void put(const std::string& key, const std::string& value) = 0;
  // One read transaction, one get; copies the value into *out. Returns: whether the key exists.
  virtual bool get(const std::string& key, std::string* out) = 0;
  // One read transaction: the first kScanRows rows at or after `key`, copied. Returns: rows.
  virtual size_t scan(const std::string& key) = 0;
  // One read-modify-write of `key`'s counter, durable. Returns: the conflicts retried.
  virtual int64_t rmw(const std::string& key) = 0;
};

class System {
 public:
  virtual ~System() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  // Loads the dataset in transactions of kLoadBatch puts, each durable.
  virtual void load(const Dataset& data) = 0;
  // Reads every row in key order. Returns: rows read.
  virtual int64_t fullScan() = 0;
  // Untimed work after the load (RocksDB: flush and compact, as in the lab).
  virtual void settle() {}
  [[nodiscard]] virtual std::unique_ptr<Worker> worker() = 0;
  // Durable syncs (or commit batches) so far; -1 when the system does not count them.
  [[nodiscard]] virtual int64_t syncs() { return -1; }
};

// -- strata, embedded engine --

class StrataWorker : public Worker {
 public:
  explicit StrataWorker(strata::Database& db) : db_(db), rmwTr_(db.createTransaction()) {}

  void put(const std::string& key, const std::string& value) override {
    db_.run([&](strata::Transaction& tr) { tr.set(key, value); });
  }
  bool get(const std::string& key, std::string* out) override {
    strata::Transaction tr = db_.createTransaction();
    std::optional<std::string> v = tr.get(key);
    if (!v) return false;
    *out = std::move(*v);
    return true;
  }
  size_t scan(const std::string& key) override {
    strata::RangeOptions options;
    options.limit = kScanRows;
    options.mode = strata::StreamingMode::kWantAll;
    strata::Transaction tr = db_.createTransaction();
    return tr.getRangeAll(key, "\xff", options).size();
  }
  int64_t rmw(const std::string& key) override {
    for (int64_t conflicts = 0;; ++conflicts) {
      rmwTr_.reset();
      try {
        std::optional<std::string> v = rmwTr_.get(key);
        if (!v) fail("strata: hot key missing");
        bumpCounter(*v);
        rmwTr_.set(key, *v);
        rmwTr_.commit();
        return conflicts;
      } catch (const strata::Error& e) {
        if (e.errorCode() != strata::ErrorCode::not_committed) throw;
      }
    }
  }

 private:
  strata::Database& db_;
  strata::Transaction rmwTr_;
};

class StrataSystem : public System {
 public:
  explicit StrataSystem(const std::string& dir) : db_(strata::Database::open("file:" + dir)) {}
  std::string name() const override { return "strata"; }
  void load(const Dataset& data) override {
    for (int i = 0; i < kKeyCount; i += kLoadBatch) {
      db_.run([&](strata::Transaction& tr) {
        for (int j = i; j < i + kLoadBatch; ++j) tr.set(data.keys[j], data.values[j]);
      });
    }
  }
  // In chunks of 10,000 rows, one transaction each, as an application must: a single transaction
  // may not read for longer than 5 s (a sanitizer build on a busy machine takes longer).
  int64_t fullScan() override {
    strata::RangeOptions options;
    options.snapshot = strata::Snapshot::kYes;
    options.limit = 10'000;
    options.mode = strata::StreamingMode::kWantAll;
    std::string from;
    int64_t n = 0;
    for (;;) {
      std::vector<strata::KeyValue> rows =
          db_.read([&](strata::Transaction& tr) { return tr.getRangeAll(from, "\xff", options); });
      if (rows.empty()) return n;
      n += static_cast<int64_t>(rows.size());
      from = rows.back().key + '\0';
    }
  }
  std::unique_ptr<Worker> worker() override { return std::make_unique<StrataWorker>(db_); }
  int64_t syncs() override {
    return static_cast<int64_t>(strata::kv::lmdbEngineStats(db_.engine()).batches);
  }
  strata::kv::LmdbEngineStats stats() { return strata::kv::lmdbEngineStats(db_.engine()); }

 private:
  strata::Database db_;
};

// -- raw LMDB: flags 0 (two fdatasync per commit), 1 GiB map, no MDB_NOTLS --

void check(int rc, const char* what) {
  if (rc != 0) fail(std::string("lmdb ") + what + ": " + mdb_strerror(rc));
}

MDB_val val(const std::string& s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string str(const MDB_val& v) {
  return std::string(static_cast<const char*>(v.mv_data), v.mv_size);
}

class LmdbWorker : public Worker {
 public:
  LmdbWorker(MDB_env* env, MDB_dbi dbi) : env_(env), dbi_(dbi) {}
  ~LmdbWorker() override {
    if (cursor_) mdb_cursor_close(cursor_);
    if (rtxn_) mdb_txn_abort(rtxn_);
  }
  void put(const std::string& key, const std::string& value) override {
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin");
    MDB_val k = val(key), v = val(value);
    int rc = mdb_put(txn, dbi_, &k, &v, 0);
    if (rc != 0) mdb_txn_abort(txn);
    check(rc, "put");
    check(mdb_txn_commit(txn), "commit");
  }
  bool get(const std::string& key, std::string* out) override {
    beginRead();
    MDB_val k = val(key), v;
    int rc = mdb_get(rtxn_, dbi_, &k, &v);
    if (rc == 0) out->assign(static_cast<const char*>(v.mv_data), v.mv_size);
    mdb_txn_reset(rtxn_);
    if (rc != 0 && rc != MDB_NOTFOUND) check(rc, "get");
    return rc == 0;
  }
  size_t scan(const std::string& key) override {
    beginRead();
    if (cursor_ == nullptr) {
      check(mdb_cursor_open(rtxn_, dbi_, &cursor_), "cursor_open");
    } else {
      check(mdb_cursor_renew(rtxn_, cursor_), "cursor_renew");
    }
    rows_.clear();
    MDB_val k = val(key), v;
    for (int rc = mdb_cursor_get(cursor_, &k, &v, MDB_SET_RANGE);
         rc == 0 && rows_.size() < kScanRows; rc = mdb_cursor_get(cursor_, &k, &v, MDB_NEXT)) {
      rows_.emplace_back(str(k), str(v));
    }
    mdb_txn_reset(rtxn_);
    return rows_.size();
  }
  int64_t rmw(const std::string& key) override {
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin");
    MDB_val k = val(key), v;
    int rc = mdb_get(txn, dbi_, &k, &v);
    if (rc == 0) {
      std::string value = str(v);
      bumpCounter(value);
      v = val(value);
      rc = mdb_put(txn, dbi_, &k, &v, 0);
    }
    if (rc != 0) mdb_txn_abort(txn);
    check(rc, "rmw");
    check(mdb_txn_commit(txn), "commit");
    return 0;
  }

 private:
  void beginRead() {
    if (rtxn_ == nullptr) {
      check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &rtxn_), "txn_begin(rdonly)");
    } else {
      check(mdb_txn_renew(rtxn_), "txn_renew");
    }
  }
  MDB_env* env_;
  MDB_dbi dbi_;
  MDB_txn* rtxn_ = nullptr;
  MDB_cursor* cursor_ = nullptr;
  Rows rows_;
};

class LmdbSystem : public System {
 public:
  explicit LmdbSystem(const std::string& dir) {
    std::filesystem::create_directories(dir);
    check(mdb_env_create(&env_), "env_create");
    check(mdb_env_set_mapsize(env_, size_t{1} << 30), "set_mapsize");
    check(mdb_env_set_maxreaders(env_, 256), "set_maxreaders");
    check(mdb_env_open(env_, dir.c_str(), 0, 0644), "env_open");
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin");
    check(mdb_dbi_open(txn, nullptr, 0, &dbi_), "dbi_open");
    check(mdb_txn_commit(txn), "commit");
  }
  ~LmdbSystem() override { mdb_env_close(env_); }
  std::string name() const override { return "lmdb"; }
  void load(const Dataset& data) override {
    for (int i = 0; i < kKeyCount; i += kLoadBatch) {
      MDB_txn* txn = nullptr;
      check(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin");
      for (int j = i; j < i + kLoadBatch; ++j) {
        MDB_val k = val(data.keys[j]), v = val(data.values[j]);
        check(mdb_put(txn, dbi_, &k, &v, 0), "put");
      }
      check(mdb_txn_commit(txn), "commit");
    }
  }
  int64_t fullScan() override {
    MDB_txn* txn = nullptr;
    MDB_cursor* cursor = nullptr;
    check(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), "txn_begin");
    check(mdb_cursor_open(txn, dbi_, &cursor), "cursor_open");
    int64_t n = 0;
    MDB_val k, v;
    for (int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      n += k.mv_size > 0 && v.mv_size > 0;
    }
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    return n;
  }
  std::unique_ptr<Worker> worker() override { return std::make_unique<LmdbWorker>(env_, dbi_); }

 private:
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
};

// -- SQLite: WAL, synchronous=FULL, WITHOUT ROWID, one connection per thread --

class Sqlite {
 public:
  explicit Sqlite(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      fail("sqlite open: " + std::string(sqlite3_errmsg(db_)));
    }
    sqlite3_busy_timeout(db_, 60'000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA cache_size=-65536");
    exec("CREATE TABLE IF NOT EXISTS kv(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID");
    begin_ = prepare("BEGIN IMMEDIATE");
    commit_ = prepare("COMMIT");
    insert_ = prepare("INSERT OR REPLACE INTO kv(k, v) VALUES(?, ?)");
    select_ = prepare("SELECT v FROM kv WHERE k = ?");
    scan_ = prepare("SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT 100");
    update_ = prepare("UPDATE kv SET v = ? WHERE k = ?");
  }
  ~Sqlite() {
    for (sqlite3_stmt* s : {begin_, commit_, insert_, select_, scan_, update_}) sqlite3_finalize(s);
    sqlite3_close(db_);
  }
  Sqlite(const Sqlite&) = delete;
  Sqlite& operator=(const Sqlite&) = delete;

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      fail(std::string("sqlite ") + sql + ": " + msg);
    }
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
      fail(std::string("sqlite prepare ") + sql + ": " + sqlite3_errmsg(db_));
    }
    return s;
  }
  // Steps `s` to completion (discarding rows), then resets it.
  void run(sqlite3_stmt* s) {
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW || rc == SQLITE_BUSY) {
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) fail(std::string("sqlite step: ") + sqlite3_errmsg(db_));
  }
  static void bind(sqlite3_stmt* s, int i, const std::string& b) {
    sqlite3_bind_blob(s, i, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
  }
  static std::string column(sqlite3_stmt* s, int i) {
    const void* p = sqlite3_column_blob(s, i);
    return std::string(static_cast<const char*>(p),
                       static_cast<size_t>(sqlite3_column_bytes(s, i)));
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt *begin_, *commit_, *insert_, *select_, *scan_, *update_;
};

class SqliteWorker : public Worker {
 public:
  explicit SqliteWorker(const std::string& path) : c_(path) {}
  void put(const std::string& key, const std::string& value) override {
    c_.run(c_.begin_);
    Sqlite::bind(c_.insert_, 1, key);
    Sqlite::bind(c_.insert_, 2, value);
    c_.run(c_.insert_);
    c_.run(c_.commit_);
  }
  bool get(const std::string& key, std::string* out) override {
    Sqlite::bind(c_.select_, 1, key);
    int rc = sqlite3_step(c_.select_);
    if (rc == SQLITE_ROW) *out = Sqlite::column(c_.select_, 0);
    sqlite3_reset(c_.select_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail("sqlite get");
    return rc == SQLITE_ROW;
  }
  size_t scan(const std::string& key) override {
    rows_.clear();
    Sqlite::bind(c_.scan_, 1, key);
    int rc;
    while ((rc = sqlite3_step(c_.scan_)) == SQLITE_ROW) {
      rows_.emplace_back(Sqlite::column(c_.scan_, 0), Sqlite::column(c_.scan_, 1));
    }
    sqlite3_reset(c_.scan_);
    if (rc != SQLITE_DONE) fail("sqlite scan");
    return rows_.size();
  }
  int64_t rmw(const std::string& key) override {
    c_.run(c_.begin_);
    std::string value;
    if (!get(key, &value)) fail("sqlite: hot key missing");
    bumpCounter(value);
    Sqlite::bind(c_.update_, 1, value);
    Sqlite::bind(c_.update_, 2, key);
    c_.run(c_.update_);
    c_.run(c_.commit_);
    return 0;
  }

 private:
  Sqlite c_;
  Rows rows_;
};

class SqliteSystem : public System {
 public:
  explicit SqliteSystem(const std::string& dir)
      : path_((std::filesystem::create_directories(dir), dir + "/kv.sqlite")), main_(path_) {}
  std::string name() const override { return "sqlite"; }
  void load(const Dataset& data) override {
    for (int i = 0; i < kKeyCount; i += kLoadBatch) {
      main_.run(main_.begin_);
      for (int j = i; j < i + kLoadBatch; ++j) {
        Sqlite::bind(main_.insert_, 1, data.keys[j]);
        Sqlite::bind(main_.insert_, 2, data.values[j]);
        main_.run(main_.insert_);
      }
      main_.run(main_.commit_);
    }
  }
  int64_t fullScan() override {
    sqlite3_stmt* s = main_.prepare("SELECT k, v FROM kv ORDER BY k");
    int64_t n = 0;
    while (sqlite3_step(s) == SQLITE_ROW) n += sqlite3_column_bytes(s, 1) > 0;
    sqlite3_finalize(s);
    return n;
  }
  std::unique_ptr<Worker> worker() override { return std::make_unique<SqliteWorker>(path_); }

 private:
  std::string path_;
  Sqlite main_;
};

// -- RocksDB OptimisticTransactionDB --

#ifdef STRATA_BENCH_ROCKSDB
void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) fail(std::string("rocksdb ") + what + ": " + s.ToString());
}

class RocksWorker : public Worker {
 public:
  explicit RocksWorker(rocksdb::OptimisticTransactionDB* db) : db_(db) { sync_.sync = true; }
  ~RocksWorker() override { delete txn_; }
  void put(const std::string& key, const std::string& value) override {
    check(db_->Put(sync_, key, value), "put");
  }
  bool get(const std::string& key, std::string* out) override {
    rocksdb::PinnableSlice v;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), key, &v);
    if (s.IsNotFound()) return false;
    check(s, "get");
    out->assign(v.data(), v.size());
    return true;
  }
  size_t scan(const std::string& key) override {
    rows_.clear();
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(key); it->Valid() && rows_.size() < kScanRows; it->Next()) {
      rows_.emplace_back(it->key().ToString(), it->value().ToString());
    }
    check(it->status(), "scan");
    return rows_.size();
  }
  int64_t rmw(const std::string& key) override {
    for (int64_t conflicts = 0;; ++conflicts) {
      txn_ = db_->BeginTransaction(sync_, rocksdb::OptimisticTransactionOptions(), txn_);
      std::string value;
      check(txn_->GetForUpdate(rocksdb::ReadOptions(), key, &value), "GetForUpdate");
      bumpCounter(value);
      check(txn_->Put(key, value), "txn put");
      rocksdb::Status s = txn_->Commit();
      if (s.ok()) return conflicts;
      if (!s.IsBusy() && !s.IsTryAgain()) check(s, "commit");
    }
  }

 private:
  rocksdb::OptimisticTransactionDB* db_;
  rocksdb::WriteOptions sync_;
  rocksdb::Transaction* txn_ = nullptr;
  Rows rows_;
};

class RocksSystem : public System {
 public:
  explicit RocksSystem(const std::string& dir) {
    rocksdb::Options o;
    o.create_if_missing = true;
    rocksdb::BlockBasedTableOptions t;
    t.block_cache = rocksdb::NewLRUCache(64 << 20);
    t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
    o.statistics = rocksdb::CreateDBStatistics();
    stats_ = o.statistics;
    check(rocksdb::OptimisticTransactionDB::Open(o, dir, &db_), "open");
  }
  ~RocksSystem() override { delete db_; }
  std::string name() const override { return "rocksdb"; }
  void load(const Dataset& data) override {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    for (int i = 0; i < kKeyCount; i += kLoadBatch) {
      rocksdb::WriteBatch batch;
      for (int j = i; j < i + kLoadBatch; ++j) batch.Put(data.keys[j], data.values[j]);
      check(db_->Write(sync, &batch), "write");
    }
  }
  void settle() override {
    // As in the lab: flush and compact after the load, so reads hit one sorted run.
    check(db_->Flush(rocksdb::FlushOptions()), "flush");
    check(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr), "compact");
  }
  int64_t fullScan() override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    int64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) n += it->value().size() > 0;
    return n;
  }
  std::unique_ptr<Worker> worker() override { return std::make_unique<RocksWorker>(db_); }
  int64_t syncs() override {
    return static_cast<int64_t>(stats_->getTickerCount(rocksdb::WAL_FILE_SYNCED));
  }

 private:
  rocksdb::OptimisticTransactionDB* db_ = nullptr;
  std::shared_ptr<rocksdb::Statistics> stats_;
};
#endif

// ---- The phase runner --------------------------------------------------------------------------

struct PhaseResult {
  int64_t ops = 0;
  double seconds = 0;
  int64_t extra = 0;                // rows scanned, conflicts retried, misses
  int64_t syncs = -1;               // durable syncs or commit batches during the phase
  int64_t writeBytes = -1;          // bytes this process sent towards storage during the phase
  std::vector<double> latenciesUs;  // durable and rmw phases only
  double cpuSeconds = 0;            // CPU time of the phase's threads (user + system), summed
  [[nodiscard]] double rate() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0; }
  // Operations per CPU second: less disturbed than rate() when other processes share the cores.
  [[nodiscard]] double cpuRate() const {
    return cpuSeconds > 0 ? static_cast<double>(ops) / cpuSeconds : 0;
  }
  [[nodiscard]] double percentile(double p) const {
    if (latenciesUs.empty()) return 0;
    std::vector<double> v = latenciesUs;
    auto i = static_cast<size_t>(p * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
    return v[i];
  }
};

// Runs `op(worker, threadIndex, i, rng)` up to opsPerThread times on each of `threads` threads,
// every thread with its own worker and random generator (seeded from `seed` and the thread
// index), stopping early once capSeconds have passed. The clock starts
// when every worker is ready and stops when the last thread finishes. op returns its `extra`.
// write_bytes of /proc/self/io: bytes this process caused to be written to storage (counted
// when pages are dirtied), or -1 where unavailable.
int64_t processWriteBytes() {
  FILE* f = std::fopen("/proc/self/io", "r");
  if (f == nullptr) return -1;
  char line[128];
  int64_t bytes = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "write_bytes:", 12) == 0) bytes = std::strtoll(line + 12, nullptr, 10);
  }
  std::fclose(f);
  return bytes;
}

double threadCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

using Op = std::function<int64_t(Worker&, int, int64_t, std::mt19937_64&)>;

PhaseResult runPhase(System& sys, int threads, int64_t opsPerThread, double capSeconds,
                     bool timeEachOp, uint64_t seed, const Op& op) {
  std::latch ready(threads + 1);
  std::atomic<bool> go{false}, stop{false};
  std::atomic<int> running{threads};
  std::vector<int64_t> done(static_cast<size_t>(threads)), extra(static_cast<size_t>(threads));
  std::vector<Clock::time_point> ended(static_cast<size_t>(threads));
  std::vector<double> cpu(static_cast<size_t>(threads));
  std::vector<std::vector<double>> lat(static_cast<size_t>(threads));
  std::vector<std::string> errors(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  const int64_t syncsBefore = sys.syncs();
  const int64_t bytesBefore = processWriteBytes();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto ti = static_cast<size_t>(t);
      std::unique_ptr<Worker> w;
      try {
        w = sys.worker();
      } catch (const std::exception& e) {
        errors[ti] = e.what();
      }
      std::mt19937_64 rng(seed * 1'000'003 + static_cast<uint64_t>(t) * 7919);
      if (timeEachOp) lat[ti].reserve(4096);
      ready.count_down();
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      const double cpuStart = threadCpuSeconds();
      try {
        for (int64_t i = 0; w && i < opsPerThread && !stop.load(std::memory_order_relaxed); ++i) {
          Clock::time_point t0 = timeEachOp ? Clock::now() : Clock::time_point{};
          extra[ti] += op(*w, t, i, rng);
          if (timeEachOp) {
            lat[ti].push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
          }
          ++done[ti];
        }
      } catch (const std::exception& e) {
        errors[ti] = e.what();
      }
      ended[ti] = Clock::now();
      cpu[ti] = threadCpuSeconds() - cpuStart;
      running.fetch_sub(1);
      w.reset();
    });
  }
  ready.arrive_and_wait();
  const Clock::time_point start = Clock::now();
  go.store(true, std::memory_order_release);
  const Clock::time_point deadline = start + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(capSeconds));
  while (running.load() > 0) {
    if (Clock::now() >= deadline) stop.store(true);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (std::thread& th : pool) th.join();
  for (const std::string& e : errors) {
    if (!e.empty()) fail(sys.name() + ": " + e);
  }
  PhaseResult r;
  for (int t = 0; t < threads; ++t) {
    auto ti = static_cast<size_t>(t);
    r.ops += done[ti];
    r.extra += extra[ti];
    r.seconds = std::max(r.seconds, std::chrono::duration<double>(ended[ti] - start).count());
    r.cpuSeconds += cpu[ti];
    r.latenciesUs.insert(r.latenciesUs.end(), lat[ti].begin(), lat[ti].end());
  }
  if (syncsBefore >= 0) r.syncs = sys.syncs() - syncsBefore;
  if (bytesBefore >= 0) r.writeBytes = processWriteBytes() - bytesBefore;
  return r;
}

// ---- Reporting ---------------------------------------------------------------------------------

struct Row {
  std::string phase;
  std::string unit;
  std::map<std::string, PhaseResult> bySystem;
};

std::string human(double x) {
  char b[32];
  if (x >= 1e6) {
    std::snprintf(b, sizeof b, "%.2fM", x / 1e6);
  } else if (x >= 1e4) {
    std::snprintf(b, sizeof b, "%.1fk", x / 1e3);
  } else if (x >= 1e3) {
    std::snprintf(b, sizeof b, "%.2fk", x / 1e3);
  } else {
    std::snprintf(b, sizeof b, "%.0f", x);
  }
  return b;
}

std::string latency(double us) {
  char b[32];
  if (us >= 1000) {
    std::snprintf(b, sizeof b, "%.1f ms", us / 1000);
  } else {
    std::snprintf(b, sizeof b, "%.0f us", us);
  }
  return b;
}

std::string loadAverage() {
  char b[128] = "?";
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fgets(b, sizeof b, f) == nullptr) b[0] = '\0';
    std::fclose(f);
  }
  std::string s = b;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::vector<std::string> parseList(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string::npos) comma = s.size();
    if (comma > pos) out.push_back(s.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

bool listed(const std::vector<std::string>& list, const std::string& name) {
  return list.empty() || std::find(list.begin(), list.end(), name) != list.end();
}
bool wanted(const Config& cfg, const std::string& name) { return listed(cfg.only, name); }

int runBench(const Config& cfg) {
  const std::string loadBefore = loadAverage();
  std::fprintf(stderr, "engine_bench: %s run (%.1f s per timed phase), data under %s, load %s\n",
               cfg.full ? "full" : "default", cfg.phaseSeconds, cfg.dir.c_str(),
               loadBefore.c_str());
  const Dataset data = makeDataset();

  std::vector<std::unique_ptr<System>> systems;
  StrataSystem* strataSys = nullptr;
  if (wanted(cfg, "strata")) {
    auto s = std::make_unique<StrataSystem>(cfg.dir + "/strata");
    strataSys = s.get();
    systems.push_back(std::move(s));
  }
  if (wanted(cfg, "lmdb")) systems.push_back(std::make_unique<LmdbSystem>(cfg.dir + "/lmdb"));
  if (wanted(cfg, "sqlite")) systems.push_back(std::make_unique<SqliteSystem>(cfg.dir + "/sqlite"));
#ifdef STRATA_BENCH_ROCKSDB
  if (wanted(cfg, "rocksdb"))
    systems.push_back(std::make_unique<RocksSystem>(cfg.dir + "/rocksdb"));
#else
  std::fprintf(stderr, "engine_bench: built without RocksDB (librocksdb-dev not found)\n");
#endif
  if (systems.empty()) fail("no system selected");

  std::vector<Row> rows;
  auto timed = [](const std::function<int64_t()>& f) {
    PhaseResult r;
    Clock::time_point t0 = Clock::now();
    r.ops = f();
    r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return r;
  };
  auto progress = [](const std::string& phase, const System& s, const PhaseResult& r) {
    std::fprintf(stderr, "  %-22s %-8s %10s/s  (%" PRId64 " in %.2f s)\n", phase.c_str(),
                 s.name().c_str(), human(r.rate()).c_str(), r.ops, r.seconds);
  };

  {
    Row row{"load, 1000 puts/txn", "keys/s", {}};
    for (auto& s : systems) {
      PhaseResult r = timed([&] {
        s->load(data);
        return int64_t{kKeyCount};
      });
      s->settle();
      progress(row.phase, *s, r);
      row.bySystem[s->name()] = r;
    }
    rows.push_back(std::move(row));
  }
  {
    Row row{"full ordered scan", "keys/s", {}};
    for (auto& s : systems) {
      PhaseResult r = timed([&] { return s->fullScan(); });
      progress(row.phase, *s, r);
      if (r.ops != kKeyCount)
        fail(s->name() + ": full scan saw " + std::to_string(r.ops) + " rows");
      row.bySystem[s->name()] = r;
    }
    rows.push_back(std::move(row));
  }

  std::map<std::string, std::map<int, PhaseResult>> durable;  // system -> threads -> result
  std::map<int, std::pair<strata::kv::LmdbEngineStats, strata::kv::LmdbEngineStats>> strataStats;
  const int durableThreads[] = {1, 8, 32};
  for (int threads : durableThreads) {
    if (!listed(cfg.phases, "durable")) break;
    Row row{"durable commit, " + std::to_string(threads) + " thr", "commits/s", {}};
    for (auto& s : systems) {
      strata::kv::LmdbEngineStats before;
      if (s.get() == strataSys) before = strataSys->stats();
      // New random keys, the same for every system (each phase's generators restart per system).
      PhaseResult r =
          runPhase(*s, threads, kUnbounded, cfg.phaseSeconds, true, static_cast<uint64_t>(threads),
                   [&](Worker& w, int, int64_t i, std::mt19937_64& rng) {
                     const std::string key = randomKey(rng);
                     w.put(key, data.values[static_cast<size_t>(i % kKeyCount)]);
                     return int64_t{0};
                   });
      if (s.get() == strataSys) strataStats[threads] = {before, strataSys->stats()};
      progress(row.phase, *s, r);
      durable[s->name()][threads] = r;
      row.bySystem[s->name()] = r;
    }
    rows.push_back(std::move(row));
  }

  for (int threads : {1, 2}) {
    if (!listed(cfg.phases, "get")) break;
    Row row{"point get, " + std::to_string(threads) + " thr", "gets/s", {}};
    for (auto& s : systems) {
      PhaseResult r = runPhase(*s, threads, cfg.getsPerThread, 120, false, 100 + threads,
                               [&](Worker& w, int, int64_t, std::mt19937_64& rng) {
                                 thread_local std::string v;
                                 const std::string& k = data.keys[rng() % kKeyCount];
                                 return int64_t{!w.get(k, &v) || v.size() != kValueSize};
                               });
      progress(row.phase, *s, r);
      if (r.extra != 0) fail(s->name() + ": loaded keys missing in point gets");
      row.bySystem[s->name()] = r;
    }
    rows.push_back(std::move(row));
  }
  for (int threads : {1, 2}) {
    if (!listed(cfg.phases, "scan")) break;
    Row row{"scan 100 rows, " + std::to_string(threads) + " thr", "scans/s", {}};
    for (auto& s : systems) {
      PhaseResult r = runPhase(*s, threads, cfg.scansPerThread, 120, false, 200 + threads,
                               [&](Worker& w, int, int64_t, std::mt19937_64& rng) {
                                 return static_cast<int64_t>(w.scan(data.keys[rng() % kKeyCount]));
                               });
      progress(row.phase, *s, r);
      row.bySystem[s->name()] = r;
    }
    rows.push_back(std::move(row));
  }

  std::map<std::string, std::map<int, PhaseResult>> rmw;
  std::map<std::string, std::string> lostUpdates;
  for (int threads : {1, 2, 8}) {
    if (!listed(cfg.phases, "rmw")) break;
    Row row{"rmw 10 hot keys, " + std::to_string(threads) + " thr", "commits/s", {}};
    for (auto& s : systems) {
      auto counters = [&] {
        uint64_t sum = 0;
        std::unique_ptr<Worker> w = s->worker();
        std::string v;
        for (int k = 0; k < kHotKeys; ++k) {
          if (!w->get(data.keys[static_cast<size_t>(k)], &v)) fail(s->name() + ": hot key gone");
          sum += counterOf(v);
        }
        return sum;
      };
      const uint64_t before = counters();
      PhaseResult r = runPhase(*s, threads, kUnbounded, cfg.phaseSeconds, true, 300 + threads,
                               [&](Worker& w, int, int64_t, std::mt19937_64& rng) {
                                 return w.rmw(data.keys[rng() % kHotKeys]);
                               });
      const uint64_t grown = counters() - before;
      if (grown != static_cast<uint64_t>(r.ops)) {
        lostUpdates[s->name()] += " " + std::to_string(threads) + " thr: counters grew " +
                                  std::to_string(grown) + " for " + std::to_string(r.ops) +
                                  " commits;";
      }
      progress(row.phase, *s, r);
      rmw[s->name()][threads] = r;
      row.bySystem[s->name()] = r;
    }
    rows.push_back(std::move(row));
  }

  // ---- The report (stdout) ----
  std::printf(
      "\n%s run, %.1f s per durable/rmw phase, %u hardware threads. /proc/loadavg: "
      "%s at start, %s at end.\n",
      cfg.full ? "full" : "default", cfg.phaseSeconds, std::thread::hardware_concurrency(),
      loadBefore.c_str(), loadAverage().c_str());
  std::printf("\n## Rates (higher is better)\n\n| phase | unit |");
  for (auto& s : systems) std::printf(" %s |", s->name().c_str());
  std::printf("\n|---|---|");
  for (size_t i = 0; i < systems.size(); ++i) std::printf("---:|");
  std::printf("\n");
  for (const Row& row : rows) {
    std::printf("| %s | %s |", row.phase.c_str(), row.unit.c_str());
    for (auto& s : systems) std::printf(" %s |", human(row.bySystem.at(s->name()).rate()).c_str());
    std::printf("\n");
  }

  std::printf(
      "\n## Reads per CPU second (CPU time of the reading threads; steadier than wall time when "
      "other processes share the cores)\n\n| phase |");
  for (auto& s : systems) std::printf(" %s |", s->name().c_str());
  if (strataSys != nullptr) std::printf(" strata / lmdb |");
  std::printf("\n|---|");
  for (size_t i = 0; i <= systems.size(); ++i) std::printf("---:|");
  std::printf("\n");
  for (const Row& row : rows) {
    if (!row.phase.starts_with("point get") && !row.phase.starts_with("scan")) continue;
    std::printf("| %s |", row.phase.c_str());
    for (auto& s : systems)
      std::printf(" %s |", human(row.bySystem.at(s->name()).cpuRate()).c_str());
    auto lm = row.bySystem.find("lmdb");
    if (strataSys != nullptr && lm != row.bySystem.end() && lm->second.cpuRate() > 0) {
      std::printf(" %.2fx |", row.bySystem.at("strata").cpuRate() / lm->second.cpuRate());
    }
    std::printf("\n");
  }

  std::printf("\n## Durable commits: latency (put + commit) and commits per sync\n\n");
  std::printf(
      "| system | threads | commits | p50 | p99 | max | commits per sync | KiB written per commit "
      "|\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (auto& s : systems) {
    for (const auto& [threads, r] : durable[s->name()]) {
      std::string perSync = "n/a";
      if (r.syncs > 0) {
        char b[64];
        std::snprintf(b, sizeof b, "%.1f (%" PRId64 " %s)",
                      static_cast<double>(r.ops) / static_cast<double>(r.syncs), r.syncs,
                      s.get() == strataSys ? "batches" : "WAL syncs");
        perSync = b;
      }
      char written[32] = "n/a";
      if (r.writeBytes >= 0 && r.ops > 0) {
        std::snprintf(written, sizeof written, "%.1f",
                      static_cast<double>(r.writeBytes) / 1024.0 / static_cast<double>(r.ops));
      }
      std::printf("| %s | %d | %" PRId64 " | %s | %s | %s | %s | %s |\n", s->name().c_str(),
                  threads, r.ops, latency(r.percentile(0.5)).c_str(),
                  latency(r.percentile(0.99)).c_str(), latency(r.percentile(1.0)).c_str(),
                  perSync.c_str(), written);
    }
  }
  if (strataSys != nullptr) {
    std::printf("\nstrata engine counters per durable phase:");
    for (auto& [threads, ba] : strataStats) {
      std::printf(" %d thr: %" PRIu64 " batches, %" PRIu64 " commits;", threads,
                  ba.second.batches - ba.first.batches, ba.second.commits - ba.first.commits);
    }
    std::printf(" largest batch ever %" PRIu64 "\n", strataSys->stats().maxBatchSize);
  }

  std::printf("\n## Read-modify-write on 10 hot keys (durable commits, immediate retry)\n\n");
  std::printf("| system | threads | commits/s | conflicts per 100 commits | p50 | p99 |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  for (auto& s : systems) {
    for (auto& [threads, r] : rmw[s->name()]) {
      std::printf("| %s | %d | %s | %.1f | %s | %s |\n", s->name().c_str(), threads,
                  human(r.rate()).c_str(),
                  r.ops ? 100.0 * static_cast<double>(r.extra) / static_cast<double>(r.ops) : 0.0,
                  latency(r.percentile(0.5)).c_str(), latency(r.percentile(0.99)).c_str());
    }
  }
  if (lostUpdates.empty()) {
    std::printf("\nLost-update check: every system's counters grew by exactly its commits.\n");
  } else {
    for (auto& [name, what] : lostUpdates)
      std::printf("\nLOST UPDATES in %s:%s\n", name.c_str(), what.c_str());
  }

  if (strataSys != nullptr) {
    std::printf("\n## strata's ratios (strata / other, same run)\n\n| phase |");
    for (auto& s : systems) {
      if (s.get() != strataSys) std::printf(" / %s |", s->name().c_str());
    }
    std::printf("\n|---|");
    for (size_t i = 1; i < systems.size(); ++i) std::printf("---:|");
    std::printf("\n");
    for (const Row& row : rows) {
      std::printf("| %s |", row.phase.c_str());
      double mine = row.bySystem.at("strata").rate();
      for (auto& s : systems) {
        if (s.get() == strataSys) continue;
        double theirs = row.bySystem.at(s->name()).rate();
        std::printf(" %.2fx |", theirs > 0 ? mine / theirs : 0.0);
      }
      std::printf("\n");
    }
    std::printf("\n## Targets\n\n");
    auto rate = [&](const std::string& phase, const std::string& sys) -> std::optional<double> {
      for (const Row& row : rows) {
        auto it = row.bySystem.find(sys);
        if (row.phase == phase && it != row.bySystem.end()) return it->second.rate();
      }
      return std::nullopt;
    };
    auto cpuRate = [&](const std::string& phase, const std::string& sys) -> std::optional<double> {
      for (const Row& row : rows) {
        auto it = row.bySystem.find(sys);
        if (row.phase == phase && it != row.bySystem.end()) return it->second.cpuRate();
      }
      return std::nullopt;
    };
    auto target = [&](const char* what, const std::string& phase, const std::string& other,
                      double factor, bool cpuBasis = false) {
      std::optional<double> mine = cpuBasis ? cpuRate(phase, "strata") : rate(phase, "strata");
      std::optional<double> theirs = cpuBasis ? cpuRate(phase, other) : rate(phase, other);
      if (!mine || !theirs) {
        std::printf("- %s: not measured (%s not run)\n", what, other.c_str());
        return;
      }
      double ratio = *theirs > 0 ? *mine / *theirs : 0;
      std::printf("- %s: %.2fx (%s vs %s) -> %s\n", what, ratio, human(*mine).c_str(),
                  human(*theirs).c_str(), ratio >= factor ? "MET" : "MISSED");
    };
    target("durable commits, 8 thr >= 3x raw LMDB", "durable commit, 8 thr", "lmdb", 3.0);
    target("durable commits, 8 thr >= 1x SQLite", "durable commit, 8 thr", "sqlite", 1.0);
    target("point gets, 1 thr >= 0.5x raw LMDB", "point get, 1 thr", "lmdb", 0.5);
    target("point gets, 2 thr >= 0.5x raw LMDB", "point get, 2 thr", "lmdb", 0.5);
    target("point gets per CPU-s, 1 thr >= 0.5x raw LMDB", "point get, 1 thr", "lmdb", 0.5, true);
    target("point gets per CPU-s, 2 thr >= 0.5x raw LMDB", "point get, 2 thr", "lmdb", 0.5, true);
    std::optional<double> batched = rate("load, 1000 puts/txn", "lmdb");
    if (batched) {
      std::printf(
          "\nRaw LMDB with one write transaction per 1,000 puts (the load row): %s keys/s.\n",
          human(*batched).c_str());
    }
  }
  return 0;
}

void usage() {
  std::fprintf(stderr,
               "usage: engine_bench [--full] [--seconds=S] [--only=strata,lmdb,sqlite,rocksdb]\n"
               "                    [--phases=durable,get,scan,rmw] [--dir=DIR]\n"
               "  default: durable and rmw phases run 2.5 s each; 100k gets and 10k scans per\n"
               "  thread. --full: 10 s phases, 200k gets and 20k scans per thread (the reference\n"
               "  lab's read sizes). --seconds=S: S seconds per durable/rmw phase.\n"
               "  --only: the systems to run; --phases: the phases after the load and full scan.\n"
               "  Data goes to a new directory under DIR (default: the temp directory), removed\n"
               "  at exit.\n");
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  std::string parent = std::filesystem::temp_directory_path().string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--full") {
      cfg.full = true;
      cfg.phaseSeconds = 10;
      cfg.getsPerThread = 200'000;
      cfg.scansPerThread = 20'000;
    } else if (a.starts_with("--seconds=")) {
      cfg.phaseSeconds = std::atof(a.c_str() + 10);
      if (cfg.phaseSeconds <= 0) {
        usage();
        return 2;
      }
    } else if (a.starts_with("--phases=")) {
      cfg.phases = parseList(a.substr(9));
    } else if (a.starts_with("--only=")) {
      cfg.only = parseList(a.substr(7));
    } else if (a.starts_with("--dir=")) {
      parent = a.substr(6);
    } else {
      usage();
      return a == "--help" || a == "-h" ? 0 : 2;
    }
  }
  std::string dir = parent + "/engine_bench-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) {
    std::perror("engine_bench: mkdtemp");
    return 1;
  }
  cfg.dir = dir;
  int rc = 1;
  try {
    rc = runBench(cfg);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engine_bench: %s\n", e.what());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return rc;
}
