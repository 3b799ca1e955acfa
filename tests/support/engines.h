// Engines for the layer, directory and reliability tests: which engine kinds a parameterised test
// runs on, and a scratch database of one kind that is fresh for each test and cleaned up after it.
//
//   memory  "memory:strata-test-N"          a named in-process store (every open() of one
//                                           ScratchDatabase sees the same data while one is open)
//   file    "file:<fresh temp dir>/db"      the embedded LMDB engine; the folder goes in the dtor
//   etcd    "etcd://<endpoints>/?prefix=P"  only when STRATA_TEST_ETCD=h:p[,h:p] is set (CTest sets
//                                           it for the copies of the suites labelled "etcd"); P is
//                                           fresh per ScratchDatabase and cleared in the dtor
//
// Usage in a test file:
//   class QueueTest : public strata::testsupport::EngineTest {};
//   ... TEST_P(QueueTest, X) { Queue q(...); q.push(db(), "a"); ... }
//   STRATA_ENGINE_SUITE(QueueTest);
// The test names end in /memory, /file or /etcd, so CTest can select one engine with
// --gtest_filter=*/etcd.
//
// Thread safety: a ScratchDatabase is used by one thread; the Database it returns is thread-safe.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>  // mkdtemp
#include <unistd.h>  // getpid

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "strata/kv/options.h"
#include "strata/kv/transaction.h"

namespace strata::testsupport {

// Returns: the endpoints of the etcd cluster the tests may use ("" when STRATA_TEST_ETCD is unset).
inline std::string etcdEndpoints() {
  const char* e = std::getenv("STRATA_TEST_ETCD");
  return e == nullptr ? std::string() : std::string(e);
}

// The engine kinds a suite runs on: "memory" and "file" always (the LMDB engine is always built
// with the layers), "etcd" when STRATA_TEST_ETCD is set.
inline std::vector<std::string> engineKinds() {
  std::vector<std::string> kinds{"memory", "file"};
  if (!etcdEndpoints().empty()) kinds.push_back("etcd");
  return kinds;
}

// Returns: the code of the strata::Error `fn` throws; 0 when it returns normally. Any other
// exception propagates (and fails the test).
inline int errorCodeOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return 0;
}

// Test-name suffix: the engine kind itself.
inline std::string engineName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

// A fresh database of one engine kind, removed (files) or cleared (etcd prefix) on destruction.
class ScratchDatabase {
 public:
  // Throws: std::runtime_error for an unknown kind or a temp folder that cannot be made.
  explicit ScratchDatabase(std::string kind) : kind_(std::move(kind)) {
    static std::atomic<int> counter{0};
    std::string unique = std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
                         std::to_string(std::random_device{}());
    if (kind_ == "memory") {
      url_ = "memory:strata-test-" + unique;
    } else if (kind_ == "file") {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "strata-test-XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
      dir_ = pattern;
      url_ = "file:" + dir_ + "/db";
    } else if (kind_ == "etcd") {
      if (etcdEndpoints().empty()) throw std::runtime_error("STRATA_TEST_ETCD is not set");
      url_ = "etcd://" + etcdEndpoints() + "/?prefix=strata-test-" + unique + "/";
    } else {
      throw std::runtime_error("unknown engine kind: " + kind_);
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  // Clears an etcd prefix (its data outlives every handle), removes a file engine's folder.
  // Every Database opened from this object must be destroyed first.
  ~ScratchDatabase() {
    if (kind_ == "etcd") {
      try {
        Database::open(url_).run([](Transaction& tr) { tr.clearRange("", "\xff"); });
      } catch (const Error& e) {
        ADD_FAILURE() << "could not clear the test's etcd prefix: " << e.what();
      }
    }
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  [[nodiscard]] const std::string& kind() const { return kind_; }
  // The URL of this database, for another process (the memory kind is per process).
  [[nodiscard]] const std::string& url() const { return url_; }
  // A folder that lives as long as this object ("" for memory and etcd).
  [[nodiscard]] const std::string& dir() const { return dir_; }
  // Whether other processes can open url() and see the same data.
  [[nodiscard]] bool sharedAcrossProcesses() const { return kind_ != "memory"; }

  // Opens (again) this database. Throws: strata::Error from Database::open.
  [[nodiscard]] Database open(const DatabaseOptions& options = {}) const {
    return Database::open(url_, options);
  }

 private:
  std::string kind_, url_, dir_;
};

// Fixture base of a suite that runs on every engine kind: db() is fresh and empty in each test.
class EngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    scratch_.emplace(GetParam());
    db_.emplace(scratch_->open());
  }
  void TearDown() override {
    db_.reset();
    scratch_.reset();
  }

  [[nodiscard]] const std::string& kind() const { return GetParam(); }
  [[nodiscard]] Database& db() { return *db_; }
  [[nodiscard]] ScratchDatabase& scratch() { return *scratch_; }
  // Replaces db() with a new handle on the same data (the memory store is kept alive across it).
  void reopen(const DatabaseOptions& options = {}) {
    Database next = scratch_->open(options);
    db_.reset();
    db_.emplace(std::move(next));
  }

 private:
  std::optional<ScratchDatabase> scratch_;
  std::optional<Database> db_;
};

}  // namespace strata::testsupport

// Runs the TEST_Ps of fixture `Suite` (derived from strata::testsupport::EngineTest or taking the
// engine kind as its parameter) on every engine kind.
#define STRATA_ENGINE_SUITE(Suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(Engines, Suite,                                            \
                           ::testing::ValuesIn(::strata::testsupport::engineKinds()), \
                           ::strata::testsupport::engineName)
