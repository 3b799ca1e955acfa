// The engine conformance suite's shared fixture. Every TEST_P of tests/conformance/ runs once per
// engine kind (engineKinds()) against a FRESH, empty database, so every engine must pass the same
// tests unchanged; the suite is the executable form of docs/reference fdb-api.md sections 1-6.
//
//   memory  "memory:"                       each unnamed open is a new empty store
//   file    "file:<fresh temp dir>/dbN"     the embedded LMDB engine (built with STRATA_HAVE_LMDB);
//                                           the temp directory is removed in TearDown
//   etcd    "etcd://<endpoints>/?prefix=P"  only when STRATA_TEST_ETCD=h:p[,h:p] is set; P is
//                                           fresh per open and its keys are cleared afterwards
//
// A test that needs other DatabaseOptions (a short maxTransactionLifetime for the 5-second rule,
// a small maxWatches) calls reopen(options) or open(options). Failures print the engine URL.
//
// Thread safety: the fixture is used by the test's main thread; db() may be shared by worker
// threads (Database is thread-safe), each with its own Transaction.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp

#include <chrono>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "strata/kv/key_selector.h"
#include "strata/kv/options.h"
#include "strata/kv/range.h"
#include "strata/kv/transaction.h"

namespace strata::conformance {

// The engine kinds the suite runs on: "memory" always; "file" when the LMDB engine is built.
inline std::vector<std::string> engineKinds() {
  std::vector<std::string> kinds{"memory"};
#ifdef STRATA_HAVE_LMDB
  kinds.push_back("file");
#endif
  if (const char* etcd = std::getenv("STRATA_TEST_ETCD"); etcd != nullptr && *etcd != '\0') {
    kinds.push_back("etcd");
  }
  return kinds;
}

// Returns: the code of the strata::Error `fn` throws; 0 when it returns normally; -1 when it
// throws anything else.
inline int errorCodeOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  } catch (...) {
    return -1;
  }
  return 0;
}

// EXPECT_ERROR_CODE(2004, tr.get("\xff")): the statements throw strata::Error with that code.
#define EXPECT_ERROR_CODE(code, ...)                                                     \
  EXPECT_EQ(::strata::conformance::errorCodeOf([&] { __VA_ARGS__; }), (code))            \
      << "expected strata::Error " << (code) << " (" << ::strata::errorName(code) << ")" \
      << " from: " #__VA_ARGS__
#define ASSERT_ERROR_CODE(code, ...)                                                     \
  ASSERT_EQ(::strata::conformance::errorCodeOf([&] { __VA_ARGS__; }), (code))            \
      << "expected strata::Error " << (code) << " (" << ::strata::errorName(code) << ")" \
      << " from: " #__VA_ARGS__

// Bytes from a list of byte values, for keys that hold 0x00 and 0xff.
inline std::string bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s.push_back(static_cast<char>(v));
  return s;
}

// A little-endian int64 (the operand of ADD used as a counter).
inline std::string int64Le(int64_t v) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i)
    s[i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
  return s;
}
inline int64_t fromInt64Le(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < s.size() && i < 8; ++i)
    v |= uint64_t{static_cast<uint8_t>(s[i])} << (8 * i);
  return static_cast<int64_t>(v);
}

// Keys of a range read, in the order returned.
inline std::vector<std::string> keysOf(const std::vector<KeyValue>& kvs) {
  std::vector<std::string> keys;
  keys.reserve(kvs.size());
  for (const auto& kv : kvs) keys.push_back(kv.key);
  return keys;
}

// Polls `condition` every `step` until it holds or `timeout` passes. Returns: whether it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

class ConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (kind() == "file") {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "strata-conformance-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp failed";
      root_ = pattern;
    } else if (kind() == "etcd") {
      root_ = "strata-conformance-" + std::to_string(std::random_device{}()) + "-" +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    }
    trace_.emplace(__FILE__, __LINE__, "engine URL: " + nextUrl() + " (a fresh database per open)");
    db_.emplace(open());
  }

  void TearDown() override {
    if (kind() == "etcd") clearEtcd();  // remote data outlives the handle
    db_.reset();
    trace_.reset();
    if (kind() == "file" && !root_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(root_, ec);
    }
  }

  [[nodiscard]] const std::string& kind() const { return GetParam(); }

  // A fresh, empty database of this test's engine kind. Its files go in TearDown; the Database
  // must be destroyed before the test ends.
  [[nodiscard]] Database open(const DatabaseOptions& options = {}) {
    std::string url = nextUrl();
    ++opens_;
    return Database::open(url, options);
  }

  // Replaces db() with a fresh, empty database opened with `options`.
  void reopen(const DatabaseOptions& options) {
    if (kind() == "etcd") clearEtcd();
    db_.reset();
    db_.emplace(open(options));
  }

  [[nodiscard]] Database& db() { return *db_; }
  [[nodiscard]] Transaction tx() { return db_->createTransaction(); }

  // Commits key = value in its own transaction.
  void put(std::string_view key, std::string_view value) {
    db_->run([&](Transaction& tr) { tr.set(key, value); });
  }
  // Commits every pair in one transaction.
  void putAll(const std::vector<std::pair<std::string, std::string>>& kvs) {
    db_->run([&](Transaction& tr) {
      for (const auto& [k, v] : kvs) tr.set(k, v);
    });
  }
  // Reads `key` in a fresh transaction.
  [[nodiscard]] std::optional<std::string> read(std::string_view key) {
    return db_->read([&](Transaction& tr) { return tr.get(key); });
  }
  // Reads [begin, end) in a fresh transaction.
  [[nodiscard]] std::vector<KeyValue> readRange(std::string_view begin, std::string_view end) {
    return db_->read([&](Transaction& tr) { return tr.getRangeAll(begin, end); });
  }

  // Key written by conflicts() so the reading transaction is not read-only. Sorts after every
  // key the tests use, so ranges below "\xfe" never see it.
  static constexpr std::string_view kProbeKey = "\xfe/conflict-probe";

  // Transaction A gets a read version, runs `reader`, and sets kProbeKey; then transaction B runs
  // `writer` and commits; then A commits.
  // Returns: true when A's commit failed with not_committed (1020), false when it committed.
  // Any other error fails the test (and returns false).
  bool conflicts(const std::function<void(Transaction&)>& reader,
                 const std::function<void(Transaction&)>& writer) {
    Transaction a = tx();
    (void)a.getReadVersion();
    reader(a);
    a.set(kProbeKey, "");
    Transaction b = tx();
    writer(b);
    b.commit();
    int code = errorCodeOf([&] { a.commit(); });
    EXPECT_TRUE(code == 0 || code == 1020) << "commit of the reader failed with " << code;
    return code == 1020;
  }

 private:
  std::string nextUrl() const {
    if (kind() == "memory") return "memory:";
    if (kind() == "file") return "file:" + root_ + "/db" + std::to_string(opens_);
    if (kind() == "etcd") {
      return "etcd://" + std::string(std::getenv("STRATA_TEST_ETCD")) + "/?prefix=" + root_ + "-" +
             std::to_string(opens_) + "/";
    }
    return kind();
  }

  // Clears what the test wrote through db() (databases from open() must clear their own), through
  // a handle with default options (db() may have a tiny timeout or size limit).
  void clearEtcd() {
    if (!db_) return;
    try {
      Database::open(db_->url()).run([](Transaction& tr) { tr.clearRange("", "\xff"); });
    } catch (const Error& e) {
      ADD_FAILURE() << "could not clear the test's etcd prefix: " << e.what();
    }
  }

  // "file": the per-test temp directory holding every database opened; "etcd": the key prefix.
  std::string root_;
  int opens_ = 0;
  std::optional<::testing::ScopedTrace> trace_;
  std::optional<Database> db_;
};

inline std::string engineKindName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace strata::conformance

// Declares the fixture `Suite` and runs its TEST_Ps on every engine kind.
#define STRATA_CONFORMANCE_SUITE(Suite)                                               \
  class Suite : public ::strata::conformance::ConformanceTest {};                     \
  INSTANTIATE_TEST_SUITE_P(Engines, Suite,                                            \
                           ::testing::ValuesIn(::strata::conformance::engineKinds()), \
                           ::strata::conformance::engineKindName)
