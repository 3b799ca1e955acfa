// Shared fixture of the directory layer's tests: every TEST_P runs on a fresh database of every
// engine kind of tests/support/engines.h (memory, file, etcd when STRATA_TEST_ETCD is set).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/directory.h"
#include "strata/kv.h"
#include "support/engines.h"

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

class DirectoryTestBase : public ::strata::testsupport::EngineTest {
 protected:
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
};

}  // namespace strata::testing_directory

#define STRATA_DIRECTORY_SUITE(Suite)                                     \
  class Suite : public ::strata::testing_directory::DirectoryTestBase {}; \
  STRATA_ENGINE_SUITE(Suite)
