// Shared fixture of the directory layer's tests: every TEST_P runs on a fresh "memory:" database
// and on a fresh embedded database ("file:<temp dir>"); the file engine's run is skipped while
// that engine does not open.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "strata/directory.h"
#include "strata/kv.h"

namespace strata::testing_directory {

// Returns: the code of the strata::Error `fn` throws; 0 when it returns; -1 for another exception.
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

#define EXPECT_DIR_ERROR(code, ...)                                                 \
  EXPECT_EQ(::strata::testing_directory::errorCodeOf([&] { __VA_ARGS__; }), (code)) \
      << "expected strata::Error " << (code) << " (" << ::strata::errorName(code)   \
      << ") from: " << #__VA_ARGS__

// Bytes from byte values.
inline std::string bytes(std::initializer_list<int> values) {
  std::string s;
  for (int v : values) s.push_back(static_cast<char>(v));
  return s;
}

inline std::string hex(std::string_view data) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : data) {
    if (!out.empty()) out += ' ';
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// "FE 01 FE 00" -> bytes.
inline std::string unhex(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

class DirectoryTestBase : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "file") {
      std::string pattern =
          (std::filesystem::temp_directory_path() / "strata-directory-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      root_ = pattern;
      try {
        db_.emplace(Database::open("file:" + root_ + "/db"));
      } catch (const Error& e) {
        GTEST_SKIP() << "the embedded engine does not open yet: " << e.what();
      }
    } else {
      db_.emplace(Database::open("memory:"));
    }
  }
  void TearDown() override {
    db_.reset();
    if (!root_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(root_, ec);
    }
  }

  Database& db() { return *db_; }

  // Every key-value pair in [begin, end), read in a fresh transaction.
  std::vector<KeyValue> dump(std::string_view begin = "", std::string_view end = "\xff") {
    return db().read([&](Transaction& tr) { return tr.getRangeAll(begin, end); });
  }
  std::optional<std::string> read(std::string_view key) {
    return db().read([&](Transaction& tr) { return tr.get(key); });
  }
  void put(std::string_view key, std::string_view value) {
    db().run([&](Transaction& tr) { tr.set(key, value); });
  }

 private:
  std::string root_;
  std::optional<Database> db_;
};

inline std::string engineName(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace strata::testing_directory

#define STRATA_DIRECTORY_SUITE(Suite)                                           \
  class Suite : public ::strata::testing_directory::DirectoryTestBase {};       \
  INSTANTIATE_TEST_SUITE_P(Engines, Suite, ::testing::Values("memory", "file"), \
                           ::strata::testing_directory::engineName)
