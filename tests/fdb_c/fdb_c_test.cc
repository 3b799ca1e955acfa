// strata's libfdb_c driven through FoundationDB's C API only (include/foundationdb/fdb_c.h): every
// function, concurrent conflicting transactions from two threads and from two processes, watches
// fired by another process, versionstamps, options and error paths. The binary links libfdb_c.so
// and nothing of strata; run with --child-* arguments it is the second process of a test.
#define FDB_API_VERSION 720
#include <foundationdb/fdb_c.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fdb_c/raw_calls.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;

const uint8_t* u8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }
int len(std::string_view s) { return static_cast<int>(s.size()); }

std::thread::id gNetworkThreadId;

// Owns a future; wait() returns its error.
class Fut {
 public:
  explicit Fut(FDBFuture* f) : f_(f) {}
  Fut(const Fut&) = delete;
  Fut& operator=(const Fut&) = delete;
  ~Fut() {
    if (f_ != nullptr) fdb_future_destroy(f_);
  }
  fdb_error_t wait() {
    EXPECT_EQ(fdb_future_block_until_ready(f_), 0);
    return fdb_future_get_error(f_);
  }
  FDBFuture* get() const { return f_; }

 private:
  FDBFuture* f_;
};

class Tr {
 public:
  explicit Tr(FDBDatabase* db) { EXPECT_EQ(fdb_database_create_transaction(db, &tr_), 0); }
  Tr(const Tr&) = delete;
  Tr& operator=(const Tr&) = delete;
  ~Tr() { fdb_transaction_destroy(tr_); }
  operator FDBTransaction*() const { return tr_; }

 private:
  FDBTransaction* tr_ = nullptr;
};

// get(): the value, std::nullopt when absent; `err` receives a failure (0 otherwise).
std::optional<std::string> get(FDBTransaction* tr, std::string_view key, fdb_error_t* err = nullptr,
                               bool snapshot = false) {
  Fut f(fdb_transaction_get(tr, u8(key), len(key), snapshot));
  fdb_error_t e = f.wait();
  if (err != nullptr) *err = e;
  if (e != 0) {
    if (err == nullptr) ADD_FAILURE() << "get failed: " << e << " " << fdb_get_error(e);
    return std::nullopt;
  }
  fdb_bool_t present;
  const uint8_t* v;
  int n;
  EXPECT_EQ(fdb_future_get_value(f.get(), &present, &v, &n), 0);
  if (!present) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(v), n);
}

void set(FDBTransaction* tr, std::string_view k, std::string_view v) {
  fdb_transaction_set(tr, u8(k), len(k), u8(v), len(v));
}

fdb_error_t commit(FDBTransaction* tr) {
  Fut f(fdb_transaction_commit(tr));
  return f.wait();
}

std::string getKey(FDBTransaction* tr, std::string_view key, bool orEqual, int offset) {
  Fut f(fdb_transaction_get_key(tr, u8(key), len(key), orEqual, offset, false));
  EXPECT_EQ(f.wait(), 0);
  const uint8_t* k;
  int n;
  EXPECT_EQ(fdb_future_get_key(f.get(), &k, &n), 0);
  return std::string(reinterpret_cast<const char*>(k), n);
}

struct Batch {
  fdb_error_t error = 0;
  std::vector<std::pair<std::string, std::string>> rows;
  bool more = false;
};

Batch getRange(FDBTransaction* tr, std::string_view b, std::string_view e, int limit,
               int targetBytes, FDBStreamingMode mode, int iteration, bool reverse,
               bool snapshot = false) {
  Fut f(fdb_transaction_get_range(tr, FDB_KEYSEL_FIRST_GREATER_OR_EQUAL(u8(b), len(b)),
                                  FDB_KEYSEL_FIRST_GREATER_OR_EQUAL(u8(e), len(e)), limit,
                                  targetBytes, mode, iteration, snapshot, reverse));
  Batch out;
  out.error = f.wait();
  if (out.error != 0) return out;
  const FDBKeyValue* kv;
  int count;
  fdb_bool_t more;
  EXPECT_EQ(fdb_future_get_keyvalue_array(f.get(), &kv, &count, &more), 0);
  for (int i = 0; i < count; ++i) {
    out.rows.emplace_back(
        std::string(reinterpret_cast<const char*>(kv[i].key), kv[i].key_length),
        std::string(reinterpret_cast<const char*>(kv[i].value), kv[i].value_length));
  }
  out.more = more;
  return out;
}

// The retry loop every binding runs: body, commit, on_error, until success or a fatal error.
fdb_error_t runTransaction(FDBDatabase* db,
                           const std::function<fdb_error_t(FDBTransaction*)>& body) {
  Tr tr(db);
  for (;;) {
    fdb_error_t e = body(tr);
    if (e == 0) e = commit(tr);
    if (e == 0) return 0;
    Fut retry(fdb_transaction_on_error(tr, e));
    if (fdb_error_t fatal = retry.wait()) return fatal;
  }
}

int64_t decodeInt(const std::string& v) {
  int64_t n = 0;
  std::memcpy(&n, v.data(), std::min<size_t>(8, v.size()));
  return n;
}
std::string encodeInt(int64_t n) { return std::string(reinterpret_cast<const char*>(&n), 8); }

// Read-modify-write increments (not atomic ops), so concurrent ones must conflict and retry.
fdb_error_t incrementTimes(FDBDatabase* db, const std::string& key, int times) {
  for (int i = 0; i < times; ++i) {
    fdb_error_t e = runTransaction(db, [&](FDBTransaction* tr) -> fdb_error_t {
      fdb_error_t err = 0;
      auto v = get(tr, key, &err);
      if (err != 0) return err;
      set(tr, key, encodeInt((v ? decodeInt(*v) : 0) + 1));
      return 0;
    });
    if (e != 0) return e;
  }
  return 0;
}

std::string writeClusterFile(const fs::path& dir, const std::string& name,
                             const std::string& content) {
  fs::path p = dir / name;
  std::ofstream(p) << content << "\n";
  return p.string();
}

FDBDatabase* openUrl(const std::string& url) {
  FDBDatabase* db = nullptr;
  EXPECT_EQ(fdb_create_database_from_connection_string(url.c_str(), &db), 0) << url;
  return db;
}

// Spawns this binary with `args`; returns its pid.
pid_t spawnChild(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"/proc/self/exe"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ), 0);
  return pid;
}

int waitChild(pid_t pid) {
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// ---- The network, started once for the whole program -----------------------------------------

class NetworkEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    ASSERT_EQ(fdb_select_api_version(720), 0);
    ASSERT_EQ(fdb_setup_network(), 0);
    thread_ = std::thread([] {
      gNetworkThreadId = std::this_thread::get_id();
      fdb_error_t e = fdb_run_network();
      if (e != 0) std::abort();
    });
  }
  void TearDown() override {
    ASSERT_EQ(fdb_stop_network(), 0);
    thread_.join();
    EXPECT_EQ(fdb_run_network(), 2025);  // network_cannot_be_restarted
  }

 private:
  std::thread thread_;
};

// Each test gets a fresh embedded database (file:) in its own folder, twice: with reads completing
// on the calling thread (the embedded engine's default) and with reads served by a pool of 4
// threads (read_concurrency=4: the path etcd takes, so futures complete on other threads).
class FdbC : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/fdb_c_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    url_ = "file:" + (dir_ / "db").string();
    if (GetParam() > 0) url_ += "?read_concurrency=" + std::to_string(GetParam());
    cluster_ = writeClusterFile(dir_, "fdb.cluster", url_);
    ASSERT_EQ(fdb_create_database(cluster_.c_str(), &db_), 0);
  }
  void TearDown() override {
    if (db_ != nullptr) fdb_database_destroy(db_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path dir_;
  std::string url_, cluster_;
  FDBDatabase* db_ = nullptr;
};

// ---- API version, network, errors --------------------------------------------------------------

TEST(FdbCApi, AcceptsOnlyTheSelectedVersionOnceChosen) {
  EXPECT_EQ(fdb_get_max_api_version(), 720);
  EXPECT_EQ(fdb_select_api_version_impl(720, 720), 0);  // the same version again is fine
  EXPECT_EQ(fdb_select_api_version_impl(710, 720), 2201);
  EXPECT_EQ(fdb_select_api_version_impl(600, 720), 2202);
  EXPECT_EQ(fdb_select_api_version_impl(730, 730), 2202);
  EXPECT_EQ(fdb_select_api_version_impl(720, 710), 2202);  // newer than the caller's header
  EXPECT_NE(std::string(fdb_get_client_version()), "");
}

TEST(FdbCApi, SettingUpTheNetworkTwiceFails) { EXPECT_EQ(fdb_setup_network(), 2009); }

TEST(FdbCApi, NetworkOptionsAreAcceptedAndUnknownOnesRefused) {
  EXPECT_EQ(fdb_network_set_option(FDB_NET_OPTION_TRACE_ENABLE, u8("/tmp"), 4), 0);
  EXPECT_EQ(raw_network_option(12345), 2007);
}

TEST(FdbCApi, AProcessMustSelectAVersionAndSetUpBeforeRunning) {
  pid_t pid = spawnChild({"--child-network"});
  EXPECT_EQ(waitChild(pid), 0);
}

TEST(FdbCApi, ErrorsHaveFoundationDbDescriptionsAndPredicates) {
  EXPECT_STREQ(fdb_get_error(0), "Success");
  EXPECT_NE(std::string(fdb_get_error(1020)).find("conflict"), std::string::npos);
  EXPECT_STREQ(fdb_get_error(2104), "Connection string invalid");
  EXPECT_STREQ(fdb_get_error(987654), "Unknown error");
  EXPECT_TRUE(fdb_error_predicate(FDB_ERROR_PREDICATE_RETRYABLE, 1020));
  EXPECT_TRUE(fdb_error_predicate(FDB_ERROR_PREDICATE_RETRYABLE, 1021));
  EXPECT_TRUE(fdb_error_predicate(FDB_ERROR_PREDICATE_RETRYABLE, 1007));
  EXPECT_FALSE(fdb_error_predicate(FDB_ERROR_PREDICATE_RETRYABLE, 2102));
  EXPECT_TRUE(fdb_error_predicate(FDB_ERROR_PREDICATE_MAYBE_COMMITTED, 1021));
  EXPECT_FALSE(fdb_error_predicate(FDB_ERROR_PREDICATE_MAYBE_COMMITTED, 1020));
  EXPECT_TRUE(fdb_error_predicate(FDB_ERROR_PREDICATE_RETRYABLE_NOT_COMMITTED, 1020));
  EXPECT_FALSE(fdb_error_predicate(FDB_ERROR_PREDICATE_RETRYABLE_NOT_COMMITTED, 1021));
  EXPECT_FALSE(fdb_error_predicate(12345, 1020));
}

TEST(FdbCApi, StructLayoutsAreFoundationDbs) {
  EXPECT_EQ(sizeof(FDBKeyValue), 24u);  // packed to 4 bytes: 8 + 4 + 8 + 4
  EXPECT_EQ(offsetof(FDBKeyValue, value), 12u);
  EXPECT_EQ(sizeof(FDBKey), 12u);
  EXPECT_EQ(sizeof(FDBKeyRange), 24u);
  EXPECT_EQ(FDB_TR_OPTION_TIMEOUT, 500);
  EXPECT_EQ(FDB_MUTATION_TYPE_COMPARE_AND_CLEAR, 20);
  EXPECT_EQ(FDB_STREAMING_MODE_WANT_ALL, -2);
}

// ---- Opening
// -------------------------------------------------------------------------------------

TEST_P(FdbC, OpensTheStrataUrlTheClusterFileNames) {
  Tr tr(db_);
  set(tr, "k", "v");
  ASSERT_EQ(commit(tr), 0);
  FDBDatabase* again = nullptr;
  ASSERT_EQ(fdb_create_database(cluster_.c_str(), &again), 0);
  {
    Tr tr2(again);
    EXPECT_EQ(get(tr2, "k"), "v");
  }
  fdb_database_destroy(again);
}

TEST_P(FdbC, FallsBackToFdbClusterFileThenStrataDb) {
  Tr tr(db_);
  set(tr, "k", "v");
  ASSERT_EQ(commit(tr), 0);
  ASSERT_EQ(setenv("FDB_CLUSTER_FILE", cluster_.c_str(), 1), 0);
  FDBDatabase* db = nullptr;
  ASSERT_EQ(fdb_create_database(nullptr, &db), 0);
  {
    Tr tr2(db);
    EXPECT_EQ(get(tr2, "k"), "v");
  }
  fdb_database_destroy(db);
  unsetenv("FDB_CLUSTER_FILE");
  ASSERT_EQ(setenv("STRATA_DB", url_.c_str(), 1), 0);
  ASSERT_EQ(fdb_create_database("", &db), 0);
  {
    Tr tr2(db);
    EXPECT_EQ(get(tr2, "k"), "v");
  }
  fdb_database_destroy(db);
  unsetenv("STRATA_DB");
}

TEST_P(FdbC, RefusesFoundationDbConnectionStringsAndBadClusterFiles) {
  FDBDatabase* db = nullptr;
  EXPECT_EQ(fdb_create_database(
                writeClusterFile(dir_, "real.cluster", "test:abcdef@127.0.0.1:4500").c_str(), &db),
            2104);
  EXPECT_EQ(fdb_create_database(writeClusterFile(dir_, "empty.cluster", "").c_str(), &db), 2104);
  EXPECT_EQ(fdb_create_database((dir_ / "missing.cluster").c_str(), &db), 1515);
  EXPECT_EQ(fdb_create_database(writeClusterFile(dir_, "bad.cluster", "nosuch://x").c_str(), &db),
            2013);
  EXPECT_EQ(db, nullptr);
}

// ---- Reads and writes
// ------------------------------------------------------------------------------

TEST_P(FdbC, SetGetClearAndClearRangeRoundTrip) {
  Tr tr(db_);
  for (char c = 'a'; c <= 'e'; ++c) set(tr, std::string(1, c), std::string("v") + c);
  ASSERT_EQ(commit(tr), 0);
  Tr tr2(db_);
  EXPECT_EQ(get(tr2, "c"), "vc");
  EXPECT_EQ(get(tr2, "zz"), std::nullopt);
  fdb_transaction_clear(tr2, u8("a"), 1);
  fdb_transaction_clear_range(tr2, u8("c"), 1, u8("e"), 1);
  EXPECT_EQ(get(tr2, "a"), std::nullopt);  // read-your-writes
  ASSERT_EQ(commit(tr2), 0);
  Tr tr3(db_);
  auto all = getRange(tr3, "", "\xff", 0, 0, FDB_STREAMING_MODE_WANT_ALL, 1, false);
  ASSERT_EQ(all.error, 0);
  ASSERT_EQ(all.rows.size(), 2u);
  EXPECT_EQ(all.rows[0].first, "b");
  EXPECT_EQ(all.rows[1].first, "e");
}

TEST_P(FdbC, GetKeyResolvesSelectors) {
  Tr tr(db_);
  for (const char* k : {"a", "b", "c"}) set(tr, k, "x");
  ASSERT_EQ(commit(tr), 0);
  Tr tr2(db_);
  EXPECT_EQ(getKey(tr2, "b", false, 1), "b");  // first >= b
  EXPECT_EQ(getKey(tr2, "b", true, 1), "c");   // first > b
  EXPECT_EQ(getKey(tr2, "b", false, 0), "a");  // last < b
  EXPECT_EQ(getKey(tr2, "b", true, 0), "b");   // last <= b
  EXPECT_EQ(getKey(tr2, "a", false, 0), "");   // before the first key
  EXPECT_EQ(getKey(tr2, "c", true, 1), "\xff");
}

TEST_P(FdbC, GetRangeHonoursEveryModeLimitTargetBytesReverseAndIteration) {
  Tr tr(db_);
  for (int i = 0; i < 100; ++i) {
    char k[8];
    std::snprintf(k, sizeof k, "k%03d", i);
    set(tr, k, std::string(100, 'v'));
  }
  ASSERT_EQ(commit(tr), 0);
  Tr r(db_);
  for (FDBStreamingMode mode :
       {FDB_STREAMING_MODE_WANT_ALL, FDB_STREAMING_MODE_ITERATOR, FDB_STREAMING_MODE_SMALL,
        FDB_STREAMING_MODE_MEDIUM, FDB_STREAMING_MODE_LARGE, FDB_STREAMING_MODE_SERIAL}) {
    // Iterate to the end with each mode: batches, then exactly 100 rows in order.
    std::vector<std::string> keys;
    std::string begin = "k";
    for (int iteration = 1;; ++iteration) {
      auto b = getRange(r, begin, "l", 0, 0, mode, iteration, false);
      ASSERT_EQ(b.error, 0) << mode;
      for (auto& row : b.rows) keys.push_back(row.first);
      if (!b.more) break;
      ASSERT_FALSE(b.rows.empty());
      begin = b.rows.back().first + std::string(1, '\0');
    }
    ASSERT_EQ(keys.size(), 100u) << mode;
    EXPECT_EQ(keys.front(), "k000");
    EXPECT_EQ(keys.back(), "k099");
  }
  auto small = getRange(r, "k", "l", 0, 0, FDB_STREAMING_MODE_SMALL, 1, false);
  EXPECT_LT(small.rows.size(), 100u);
  EXPECT_TRUE(small.more);
  auto limited = getRange(r, "k", "l", 7, 0, FDB_STREAMING_MODE_WANT_ALL, 1, false);
  EXPECT_EQ(limited.rows.size(), 7u);
  auto exact = getRange(r, "k", "l", 10, 0, FDB_STREAMING_MODE_EXACT, 1, false);
  EXPECT_EQ(exact.rows.size(), 10u);
  auto reversed = getRange(r, "k", "l", 3, 0, FDB_STREAMING_MODE_WANT_ALL, 1, true);
  ASSERT_EQ(reversed.rows.size(), 3u);
  EXPECT_EQ(reversed.rows[0].first, "k099");
  EXPECT_EQ(reversed.rows[2].first, "k097");
  auto bytes = getRange(r, "k", "l", 0, 500, FDB_STREAMING_MODE_WANT_ALL, 1, false);
  EXPECT_GE(bytes.rows.size(), 1u);
  EXPECT_LT(bytes.rows.size(), 100u);
  EXPECT_TRUE(bytes.more);
  EXPECT_EQ(getRange(r, "k", "l", 0, 0, FDB_STREAMING_MODE_EXACT, 1, false).error, 2210);
  EXPECT_EQ(getRange(r, "k", "l", -1, 0, FDB_STREAMING_MODE_WANT_ALL, 1, false).error, 2012);
  Fut badMode(raw_get_range_mode(r, 9, 1));
  EXPECT_EQ(badMode.wait(), 2000);
  EXPECT_EQ(getRange(r, "k", "l", 0, 0, FDB_STREAMING_MODE_ITERATOR, 0, false).error, 2000);
}

TEST_P(FdbC, EveryAtomicOperationHasFoundationDbSemantics) {
  Tr tr(db_);
  set(tr, "add", encodeInt(5));
  set(tr, "and", "\x0f");
  set(tr, "or", "\x01");
  set(tr, "xor", "\x03");
  set(tr, "app", "ab");
  set(tr, "max", encodeInt(3));
  set(tr, "min", encodeInt(3));
  set(tr, "bmin", "m");
  set(tr, "bmax", "m");
  set(tr, "cac", "same");
  ASSERT_EQ(commit(tr), 0);
  Tr t2(db_);
  auto op = [&](std::string_view k, std::string_view p, FDBMutationType type) {
    fdb_transaction_atomic_op(t2, u8(k), len(k), u8(p), len(p), type);
  };
  op("add", encodeInt(7), FDB_MUTATION_TYPE_ADD);
  op("and", "\x3c", FDB_MUTATION_TYPE_BIT_AND);
  op("or", "\x02", FDB_MUTATION_TYPE_BIT_OR);
  op("xor", "\x01", FDB_MUTATION_TYPE_BIT_XOR);
  op("app", "cd", FDB_MUTATION_TYPE_APPEND_IF_FITS);
  op("max", encodeInt(9), FDB_MUTATION_TYPE_MAX);
  op("min", encodeInt(1), FDB_MUTATION_TYPE_MIN);
  op("bmin", "a", FDB_MUTATION_TYPE_BYTE_MIN);
  op("bmax", "z", FDB_MUTATION_TYPE_BYTE_MAX);
  op("cac", "same", FDB_MUTATION_TYPE_COMPARE_AND_CLEAR);
  ASSERT_EQ(commit(t2), 0);
  Tr r(db_);
  EXPECT_EQ(decodeInt(*get(r, "add")), 12);
  EXPECT_EQ(get(r, "and"), "\x0c");
  EXPECT_EQ(get(r, "or"), "\x03");
  EXPECT_EQ(get(r, "xor"), "\x02");
  EXPECT_EQ(get(r, "app"), "abcd");
  EXPECT_EQ(decodeInt(*get(r, "max")), 9);
  EXPECT_EQ(decodeInt(*get(r, "min")), 1);
  EXPECT_EQ(get(r, "bmin"), "a");
  EXPECT_EQ(get(r, "bmax"), "z");
  EXPECT_EQ(get(r, "cac"), std::nullopt);
}

TEST_P(FdbC, VersionstampsStampKeysAndValuesWithTheCommitsStamp) {
  Tr tr(db_);
  // Key "vs" + 10-byte placeholder, then the placeholder's offset (2) as 4 little-endian bytes.
  std::string key = std::string("vs") + std::string(10, '\0') + std::string("\x02\0\0\0", 4);
  fdb_transaction_atomic_op(tr, u8(key), len(key), u8("x"), 1,
                            FDB_MUTATION_TYPE_SET_VERSIONSTAMPED_KEY);
  std::string param = std::string(10, '\0') + std::string("\0\0\0\0", 4);
  fdb_transaction_atomic_op(tr, u8("val"), 3, u8(param), len(param),
                            FDB_MUTATION_TYPE_SET_VERSIONSTAMPED_VALUE);
  Fut stamp(fdb_transaction_get_versionstamp(tr));
  EXPECT_FALSE(fdb_future_is_ready(stamp.get()));
  ASSERT_EQ(commit(tr), 0);
  ASSERT_EQ(stamp.wait(), 0);
  const uint8_t* s;
  int n;
  ASSERT_EQ(fdb_future_get_key(stamp.get(), &s, &n), 0);
  ASSERT_EQ(n, 10);
  std::string stampBytes(reinterpret_cast<const char*>(s), n);
  int64_t version = 0;
  ASSERT_EQ(fdb_transaction_get_committed_version(tr, &version), 0);
  EXPECT_GT(version, 0);
  uint64_t stampVersion = 0;
  for (int i = 0; i < 8; ++i) stampVersion = (stampVersion << 8) | static_cast<uint8_t>(s[i]);
  EXPECT_EQ(static_cast<int64_t>(stampVersion), version);
  Tr r(db_);
  EXPECT_EQ(get(r, "val"), stampBytes);
  EXPECT_EQ(get(r, "vs" + stampBytes), "x");
  // A read-only commit has no stamp; a failed offset is refused at commit.
  Tr ro(db_);
  Fut none(fdb_transaction_get_versionstamp(ro));
  ASSERT_EQ(commit(ro), 0);
  EXPECT_EQ(none.wait(), 2021);
  Tr bad(db_);
  fdb_transaction_atomic_op(bad, u8("short"), 5, u8("x"), 1,
                            FDB_MUTATION_TYPE_SET_VERSIONSTAMPED_KEY);
  EXPECT_EQ(commit(bad), 2000);
}

TEST_P(FdbC, ReadAndCommittedVersionsAndSizes) {
  Tr tr(db_);
  int64_t v = 0;
  ASSERT_EQ(fdb_transaction_get_committed_version(tr, &v), 0);
  EXPECT_EQ(v, -1);
  Fut rv(fdb_transaction_get_read_version(tr));
  ASSERT_EQ(rv.wait(), 0);
  int64_t readVersion = 0;
  ASSERT_EQ(fdb_future_get_int64(rv.get(), &readVersion), 0);
  set(tr, "k", "value");
  Fut size(fdb_transaction_get_approximate_size(tr));
  ASSERT_EQ(size.wait(), 0);
  int64_t bytes = 0;
  ASSERT_EQ(fdb_future_get_int64(size.get(), &bytes), 0);
  EXPECT_GT(bytes, 5);
  ASSERT_EQ(commit(tr), 0);
  ASSERT_EQ(fdb_transaction_get_committed_version(tr, &v), 0);
  EXPECT_GT(v, readVersion);
  // set_read_version: an explicit version reads that snapshot.
  Tr t2(db_);
  fdb_transaction_set_read_version(t2, v);
  EXPECT_EQ(get(t2, "k"), "value");
  Tr readOnly(db_);
  EXPECT_EQ(get(readOnly, "k"), "value");
  ASSERT_EQ(commit(readOnly), 0);
  ASSERT_EQ(fdb_transaction_get_committed_version(readOnly, &v), 0);
  EXPECT_EQ(v, -1);
}

TEST_P(FdbC, EstimatesSizesSplitsRangesAndNamesAnAddress) {
  Tr tr(db_);
  for (int i = 0; i < 50; ++i) set(tr, "r" + std::to_string(100 + i), std::string(96, 'x'));
  ASSERT_EQ(commit(tr), 0);
  Tr r(db_);
  Fut est(fdb_transaction_get_estimated_range_size_bytes(r, u8("r"), 1, u8("s"), 1));
  ASSERT_EQ(est.wait(), 0);
  int64_t bytes = 0;
  ASSERT_EQ(fdb_future_get_int64(est.get(), &bytes), 0);
  EXPECT_EQ(bytes, 50 * (4 + 96));
  Fut split(fdb_transaction_get_range_split_points(r, u8("r"), 1, u8("s"), 1, 1000));
  ASSERT_EQ(split.wait(), 0);
  const FDBKey* keys;
  int count;
  ASSERT_EQ(fdb_future_get_key_array(split.get(), &keys, &count), 0);
  ASSERT_GE(count, 5);  // 5000 bytes in chunks of 1000: begin, 4 or so splits, end
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(keys[0].key), keys[0].key_length), "r");
  EXPECT_EQ(
      std::string(reinterpret_cast<const char*>(keys[count - 1].key), keys[count - 1].key_length),
      "s");
  Fut inverted(fdb_transaction_get_range_split_points(r, u8("s"), 1, u8("r"), 1, 1000));
  EXPECT_EQ(inverted.wait(), 2005);
  Fut addr(fdb_transaction_get_addresses_for_key(r, u8("r100"), 4));
  ASSERT_EQ(addr.wait(), 0);
  const char** strings;
  ASSERT_EQ(fdb_future_get_string_array(addr.get(), &strings, &count), 0);
  ASSERT_EQ(count, 1);
  EXPECT_NE(std::string(strings[0]).find(':'), std::string::npos);
}

// ---- Conflicts, retries, two threads, two processes
// ------------------------------------------------

TEST_P(FdbC, ConflictingCommitFailsWithNotCommittedAndSnapshotReadsDoNotConflict) {
  Tr a(db_), b(db_), c(db_);
  EXPECT_EQ(get(a, "k"), std::nullopt);
  EXPECT_EQ(get(c, "k", nullptr, true), std::nullopt);  // snapshot
  set(b, "k", "b");
  ASSERT_EQ(commit(b), 0);
  set(a, "other", "a");
  set(c, "other2", "c");
  EXPECT_EQ(commit(a), 1020);
  EXPECT_EQ(commit(c), 0);
  // add_conflict_range: a read conflict range alone makes a transaction conflict.
  Tr d(db_), e(db_);
  ASSERT_EQ(
      fdb_transaction_add_conflict_range(d, u8("m"), 1, u8("n"), 1, FDB_CONFLICT_RANGE_TYPE_READ),
      0);
  Fut rv(fdb_transaction_get_read_version(d));
  ASSERT_EQ(rv.wait(), 0);
  ASSERT_EQ(fdb_transaction_add_conflict_range(e, u8("m5"), 2, u8("m6"), 2,
                                               FDB_CONFLICT_RANGE_TYPE_WRITE),
            0);
  ASSERT_EQ(commit(e), 0);
  set(d, "x", "y");
  EXPECT_EQ(commit(d), 1020);
  EXPECT_EQ(
      fdb_transaction_add_conflict_range(d, u8("n"), 1, u8("m"), 1, FDB_CONFLICT_RANGE_TYPE_READ),
      2005);
  EXPECT_EQ(raw_conflict_range(d, 7), 2000);
}

TEST_P(FdbC, OnErrorRetriesRetryableErrorsAndReturnsFatalOnes) {
  Tr tr(db_);
  set(tr, "k", "v");
  Fut retry(fdb_transaction_on_error(tr, 1020));
  ASSERT_EQ(retry.wait(), 0);
  EXPECT_EQ(get(tr, "k"), std::nullopt);  // reset: the write is gone
  Fut maybe(fdb_transaction_on_error(tr, 1021));
  EXPECT_EQ(maybe.wait(), 0);
  Fut fatal(fdb_transaction_on_error(tr, 2102));
  EXPECT_EQ(fatal.wait(), 2102);
  Tr limited(db_);
  int64_t zero = 0;
  ASSERT_EQ(fdb_transaction_set_option(limited, FDB_TR_OPTION_RETRY_LIMIT,
                                       reinterpret_cast<const uint8_t*>(&zero), 8),
            0);
  Fut refused(fdb_transaction_on_error(limited, 1020));
  EXPECT_EQ(refused.wait(), 1020);
}

TEST_P(FdbC, ConcurrentConflictingTransactionsFromTwoThreadsAllLand) {
  constexpr int kEach = 40;
  std::atomic<fdb_error_t> e1{0}, e2{0};
  std::thread t1([&] { e1 = incrementTimes(db_, "counter", kEach); });
  std::thread t2([&] { e2 = incrementTimes(db_, "counter", kEach); });
  t1.join();
  t2.join();
  EXPECT_EQ(e1.load(), 0);
  EXPECT_EQ(e2.load(), 0);
  Tr r(db_);
  EXPECT_EQ(decodeInt(*get(r, "counter")), 2 * kEach);
}

TEST_P(FdbC, ConcurrentConflictingTransactionsFromTwoProcessesAllLand) {
  constexpr int kEach = 40;
  pid_t child = spawnChild({"--child-increment", cluster_, std::to_string(kEach)});
  EXPECT_EQ(incrementTimes(db_, "counter", kEach), 0);
  EXPECT_EQ(waitChild(child), 0);
  Tr r(db_);
  EXPECT_EQ(decodeInt(*get(r, "counter")), 2 * kEach);
}

// ---- Watches and callbacks
// ---------------------------------------------------------------------------

TEST_P(FdbC, AWatchFiresWhenAnotherProcessChangesTheKeyAndCallsBackOnTheNetworkThread) {
  Tr tr(db_);
  set(tr, "watched", "before");
  ASSERT_EQ(commit(tr), 0);
  Tr w(db_);
  Fut watch(fdb_transaction_watch(w, u8("watched"), 7));
  ASSERT_EQ(commit(w), 0);
  EXPECT_FALSE(fdb_future_is_ready(watch.get()));
  struct Seen {
    std::atomic<bool> called{false};
    std::thread::id thread;
  } seen;
  ASSERT_EQ(fdb_future_set_callback(
                watch.get(),
                [](FDBFuture*, void* p) {
                  auto* s = static_cast<Seen*>(p);
                  s->thread = std::this_thread::get_id();
                  s->called = true;
                },
                &seen),
            0);
  pid_t child = spawnChild({"--child-set", cluster_, "watched", "after"});
  EXPECT_EQ(waitChild(child), 0);
  EXPECT_EQ(watch.wait(), 0);
  for (int i = 0; i < 5000 && !seen.called; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(seen.called);
  EXPECT_EQ(seen.thread, gNetworkThreadId);
}

TEST_P(FdbC, ACallbackSetOnAReadyFutureRunsAtOnceOnTheCallingThread) {
  Tr tr(db_);
  Fut f(fdb_transaction_get(tr, u8("k"), 1, false));
  ASSERT_EQ(f.wait(), 0);
  std::thread::id ran;
  ASSERT_EQ(fdb_future_set_callback(
                f.get(),
                [](FDBFuture*, void* p) {
                  *static_cast<std::thread::id*>(p) = std::this_thread::get_id();
                },
                &ran),
            0);
  EXPECT_EQ(ran, std::this_thread::get_id());
}

TEST_P(FdbC, WatchesFailWhenCancelledOrNeverCommitted) {
  Tr w(db_);
  Fut cancelled(fdb_transaction_watch(w, u8("a"), 1));
  Fut uncommitted(fdb_transaction_watch(w, u8("b"), 1));
  fdb_future_cancel(cancelled.get());
  EXPECT_EQ(cancelled.wait(), 1101);
  fdb_transaction_reset(w);
  EXPECT_EQ(uncommitted.wait(), 1025);
  // Destroying a pending, committed watch is safe and frees it.
  Tr w2(db_);
  FDBFuture* pending = fdb_transaction_watch(w2, u8("c"), 1);
  ASSERT_EQ(commit(w2), 0);
  fdb_future_destroy(pending);
  Tr noRyw(db_);
  ASSERT_EQ(fdb_transaction_set_option(noRyw, FDB_TR_OPTION_READ_YOUR_WRITES_DISABLE, nullptr, 0),
            0);
  Fut disabled(fdb_transaction_watch(noRyw, u8("d"), 1));
  EXPECT_EQ(disabled.wait(), 1034);
}

TEST_P(FdbC, FuturesReportMisuse) {
  Tr tr(db_);
  Fut f(fdb_transaction_get(tr, u8("k"), 1, false));
  ASSERT_EQ(f.wait(), 0);
  int64_t n;
  EXPECT_EQ(fdb_future_get_int64(f.get(), &n), 2000);  // a value future, not an int64
  fdb_future_release_memory(f.get());
  fdb_bool_t present;
  const uint8_t* v;
  int length;
  EXPECT_EQ(fdb_future_get_value(f.get(), &present, &v, &length), 1102);
  Tr w(db_);
  Fut pending(fdb_transaction_watch(w, u8("k"), 1));
  EXPECT_EQ(fdb_future_get_error(pending.get()), 2015);
  EXPECT_EQ(fdb_future_get_value(pending.get(), &present, &v, &length), 2015);
}

// ---- Options, cancel, reset, deferred errors
// ---------------------------------------------------------

TEST_P(FdbC, TransactionOptionsTakeEffectAreIgnoredOrAreRefused) {
  Tr tr(db_);
  int64_t ms = 1;
  ASSERT_EQ(fdb_transaction_set_option(tr, FDB_TR_OPTION_TIMEOUT,
                                       reinterpret_cast<const uint8_t*>(&ms), 8),
            0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  fdb_error_t e = 0;
  get(tr, "k", &e);
  EXPECT_EQ(e, 1031);
  Tr o(db_);
  EXPECT_EQ(fdb_transaction_set_option(o, FDB_TR_OPTION_TAG, u8("t"), 1), 0);  // ignored
  EXPECT_EQ(fdb_transaction_set_option(o, FDB_TR_OPTION_RAW_ACCESS, nullptr, 0), 2007);
  EXPECT_EQ(raw_transaction_option(o, 4242), 2007);
  EXPECT_EQ(fdb_transaction_set_option(o, FDB_TR_OPTION_SIZE_LIMIT, u8("abc"), 3), 2006);
  int64_t tiny = 1;
  EXPECT_EQ(fdb_transaction_set_option(o, FDB_TR_OPTION_SIZE_LIMIT,
                                       reinterpret_cast<const uint8_t*>(&tiny), 8),
            2006);
  int64_t limit = 100;
  ASSERT_EQ(fdb_transaction_set_option(o, FDB_TR_OPTION_SIZE_LIMIT,
                                       reinterpret_cast<const uint8_t*>(&limit), 8),
            0);
  set(o, "big", std::string(200, 'x'));
  EXPECT_EQ(commit(o), 2101);
  Tr sys(db_);
  fdb_error_t err = 0;
  get(sys, "\xff/x", &err);
  EXPECT_EQ(err, 2004);
  ASSERT_EQ(fdb_transaction_set_option(sys, FDB_TR_OPTION_READ_SYSTEM_KEYS, nullptr, 0), 0);
  get(sys, "\xff/x", &err);
  EXPECT_EQ(err, 0);
}

TEST_P(FdbC, DatabaseOptionsBecomeEveryTransactionsDefaults) {
  int64_t zero = 0;
  ASSERT_EQ(fdb_database_set_option(db_, FDB_DB_OPTION_TRANSACTION_RETRY_LIMIT,
                                    reinterpret_cast<const uint8_t*>(&zero), 8),
            0);
  Tr tr(db_);
  Fut refused(fdb_transaction_on_error(tr, 1020));
  EXPECT_EQ(refused.wait(), 1020);
  Tr again(db_);
  fdb_transaction_reset(again);  // reset re-applies the defaults
  Fut refused2(fdb_transaction_on_error(again, 1020));
  EXPECT_EQ(refused2.wait(), 1020);
  EXPECT_EQ(fdb_database_set_option(db_, FDB_DB_OPTION_LOCATION_CACHE_SIZE,
                                    reinterpret_cast<const uint8_t*>(&zero), 8),
            0);
  EXPECT_EQ(fdb_database_set_option(db_, FDB_DB_OPTION_USE_CONFIG_DATABASE, nullptr, 0), 2007);
  EXPECT_EQ(raw_database_option(db_, 4242), 2007);
  int64_t bad = 1;
  EXPECT_EQ(fdb_database_set_option(db_, FDB_DB_OPTION_TRANSACTION_SIZE_LIMIT,
                                    reinterpret_cast<const uint8_t*>(&bad), 8),
            2006);
  EXPECT_EQ(fdb_database_get_main_thread_busyness(db_), 0.0);
}

TEST_P(FdbC, WriteErrorsAreDeferredToLaterReadsAndCommit) {
  Tr tr(db_);
  std::string huge(10001, 'k');
  set(tr, huge, "v");
  fdb_error_t e = 0;
  get(tr, "other", &e);
  EXPECT_EQ(e, 2102);
  EXPECT_EQ(commit(tr), 2102);
  Tr v(db_);
  set(v, "k", std::string(100001, 'v'));
  EXPECT_EQ(commit(v), 2103);
  Tr inv(db_);
  fdb_transaction_clear_range(inv, u8("b"), 1, u8("a"), 1);
  EXPECT_EQ(commit(inv), 2005);
  Tr sys(db_);
  set(sys,
      "\xff"
      "x",
      "v");
  EXPECT_EQ(commit(sys), 2004);
  Tr mut(db_);
  raw_atomic_op(mut, 3);
  EXPECT_EQ(commit(mut), 2018);
  Tr rv(db_);
  fdb_transaction_set_read_version(rv, 0);
  get(rv, "k", &e);
  EXPECT_EQ(e, 2011);
  Fut fatal(fdb_transaction_on_error(rv, 2011));
  EXPECT_EQ(fatal.wait(), 2011);
  Tr twice(db_);
  Fut grv(fdb_transaction_get_read_version(twice));
  ASSERT_EQ(grv.wait(), 0);
  fdb_transaction_set_read_version(twice, 5);
  EXPECT_EQ(commit(twice), 2010);
  // reset clears a deferred error.
  fdb_transaction_reset(twice);
  EXPECT_EQ(commit(twice), 0);
}

TEST_P(FdbC, CancelFailsEveryLaterCallUntilReset) {
  Tr tr(db_);
  set(tr, "k", "v");
  fdb_transaction_cancel(tr);
  fdb_error_t e = 0;
  get(tr, "k", &e);
  EXPECT_EQ(e, 1025);
  EXPECT_EQ(commit(tr), 1025);
  fdb_transaction_reset(tr);
  set(tr, "k", "v");
  EXPECT_EQ(commit(tr), 0);
}

TEST_P(FdbC, FeaturesStrataLacksFailClearly) {
  FDBTenant* tenant = nullptr;
  EXPECT_EQ(fdb_database_open_tenant(db_, u8("t"), 1, &tenant), 2136);
  EXPECT_EQ(fdb_tenant_create_transaction(tenant, nullptr), 2136);
  Tr tr(db_);
  Fut mapped(fdb_transaction_get_mapped_range(tr, FDB_KEYSEL_FIRST_GREATER_OR_EQUAL(u8("a"), 1),
                                              FDB_KEYSEL_FIRST_GREATER_OR_EQUAL(u8("b"), 1),
                                              u8("m"), 1, 0, 0, FDB_STREAMING_MODE_WANT_ALL, 1, 0,
                                              0));
  EXPECT_EQ(mapped.wait(), 2108);
  Fut granules(fdb_transaction_get_blob_granule_ranges(tr, u8("a"), 1, u8("b"), 1, 10));
  EXPECT_EQ(granules.wait(), 2108);
  FDBReadBlobGranuleContext ctx{};
  FDBResult* result = fdb_transaction_read_blob_granules(tr, u8("a"), 1, u8("b"), 1, 0, -2, ctx);
  const FDBKeyValue* kv;
  int count;
  fdb_bool_t more;
  EXPECT_EQ(fdb_result_get_keyvalue_array(result, &kv, &count, &more), 2108);
  fdb_result_destroy(result);
  for (FDBFuture* f : {fdb_database_reboot_worker(db_, u8("a"), 1, 0, 0),
                       fdb_database_force_recovery_with_data_loss(db_, u8("a"), 1),
                       fdb_database_create_snapshot(db_, u8("a"), 1, u8("b"), 1),
                       fdb_database_blobbify_range(db_, u8("a"), 1, u8("b"), 1),
                       fdb_database_unblobbify_range(db_, u8("a"), 1, u8("b"), 1),
                       fdb_database_list_blobbified_ranges(db_, u8("a"), 1, u8("b"), 1, 10),
                       fdb_database_verify_blob_range(db_, u8("a"), 1, u8("b"), 1, 0),
                       fdb_database_purge_blob_granules(db_, u8("a"), 1, u8("b"), 1, 0, 0),
                       fdb_database_wait_purge_granules_complete(db_, u8("a"), 1)}) {
    Fut owned(f);
    EXPECT_EQ(owned.wait(), 2108);
  }
  Fut protocol(fdb_database_get_server_protocol(db_, 0));
  ASSERT_EQ(protocol.wait(), 0);
  uint64_t version = 0;
  EXPECT_EQ(fdb_future_get_uint64(protocol.get(), &version), 0);
  EXPECT_NE(version, 0u);
}

TEST_P(FdbC, TransactionsMayOutliveTheirDatabaseHandle) {
  FDBDatabase* db = openUrl(url_);
  FDBTransaction* tr = nullptr;
  ASSERT_EQ(fdb_database_create_transaction(db, &tr), 0);
  fdb_database_destroy(db);  // a garbage-collected binding may do this first
  set(tr, "k", "v");
  EXPECT_EQ(commit(tr), 0);
  fdb_transaction_destroy(tr);
}

// ---- Second processes
// --------------------------------------------------------------------------------

// Starts a network on a thread for a child process; returns the thread to join after stopping.
std::thread startChildNetwork() {
  if (fdb_select_api_version(720) != 0 || fdb_setup_network() != 0) std::exit(10);
  return std::thread([] {
    if (fdb_run_network() != 0) std::abort();
  });
}

int childNetwork() {
  if (fdb_setup_network() != 2200) return 1;  // api_version_unset
  if (fdb_run_network() != 2008) return 2;    // network_not_setup
  if (fdb_stop_network() != 2008) return 3;
  if (fdb_select_api_version(720) != 0) return 4;
  if (fdb_setup_network() != 0) return 5;
  static std::atomic<int> hookRan{0};
  if (fdb_add_network_thread_completion_hook([](void*) { hookRan = 1; }, nullptr) != 0) return 6;
  std::thread t([] {
    if (fdb_run_network() != 0) std::abort();
  });
  if (fdb_stop_network() != 0) return 7;
  t.join();
  if (hookRan != 1) return 8;
  if (fdb_run_network() != 2025) return 9;
  return 0;
}

int childIncrement(const char* clusterFile, int times) {
  std::thread network = startChildNetwork();
  FDBDatabase* db = nullptr;
  if (fdb_create_database(clusterFile, &db) != 0) return 11;
  int rc = incrementTimes(db, "counter", times) == 0 ? 0 : 12;
  fdb_database_destroy(db);
  if (fdb_stop_network() != 0) return 13;
  network.join();
  return rc;
}

int childSet(const char* clusterFile, const char* key, const char* value) {
  std::thread network = startChildNetwork();
  FDBDatabase* db = nullptr;
  if (fdb_create_database(clusterFile, &db) != 0) return 11;
  fdb_error_t e = runTransaction(db, [&](FDBTransaction* tr) {
    set(tr, key, value);
    return 0;
  });
  fdb_database_destroy(db);
  if (fdb_stop_network() != 0) return 13;
  network.join();
  return e == 0 ? 0 : 12;
}

TEST_P(FdbC, ReadsIssuedTogetherEachGetTheirAnswerAndAWriteWaitsForThem) {
  Tr tr(db_);
  for (int i = 0; i < 40; ++i) set(tr, "k" + std::to_string(i), "v" + std::to_string(i));
  ASSERT_EQ(commit(tr), 0);
  Tr tr2(db_);
  std::vector<FDBFuture*> futures;
  for (int i = 0; i < 40; ++i) {
    const std::string k = "k" + std::to_string(i);
    futures.push_back(fdb_transaction_get(tr2, u8(k), len(k), 0));
  }
  set(tr2, "k0", "mine");  // issued after the reads: none of them sees it
  FDBFuture* after = fdb_transaction_get(tr2, u8("k0"), 2, 0);
  futures.push_back(after);
  for (size_t i = 0; i < futures.size(); ++i) {
    ASSERT_EQ(fdb_future_block_until_ready(futures[i]), 0);
    fdb_bool_t present = 0;
    const uint8_t* value = nullptr;
    int length = 0;
    ASSERT_EQ(fdb_future_get_value(futures[i], &present, &value, &length), 0);
    ASSERT_TRUE(present);
    const std::string got(reinterpret_cast<const char*>(value), static_cast<size_t>(length));
    EXPECT_EQ(got, i < 40 ? "v" + std::to_string(i) : std::string("mine")) << i;
    fdb_future_destroy(futures[i]);
  }
  EXPECT_EQ(commit(tr2), 0);
}

INSTANTIATE_TEST_SUITE_P(ReadConcurrency, FdbC, ::testing::Values(0, 4),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return info.param == 0 ? std::string("OnCaller")
                                                  : "Pool" + std::to_string(info.param);
                         });

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "--child-network") == 0) return childNetwork();
  if (argc >= 4 && std::strcmp(argv[1], "--child-increment") == 0) {
    return childIncrement(argv[2], std::atoi(argv[3]));
  }
  if (argc >= 5 && std::strcmp(argv[1], "--child-set") == 0) {
    return childSet(argv[2], argv[3], argv[4]);
  }
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new NetworkEnvironment);
  return RUN_ALL_TESTS();
}
