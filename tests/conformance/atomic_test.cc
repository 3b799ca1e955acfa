// Conformance: every atomic mutation on absent, empty, shorter, equal-length and longer existing
// values, evaluated three ways - at commit against the database, read back in the same
// transaction on an unread key (dependent), and on top of a local set/clear (independent) - plus
// concurrency and validation (fdb-api.md section 4, 2.2).
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "conformance/fixture.h"

namespace strata::conformance {
namespace {

using namespace std::string_literals;
using MT = MutationType;

STRATA_CONFORMANCE_SUITE(AtomicTest);

struct AtomicCase {
  MT op;
  std::optional<std::string> existing;  // nullopt = absent
  std::string param;
  std::optional<std::string> expected;  // nullopt = the key ends absent
};

const std::optional<std::string> kAbsent = std::nullopt;
const std::string k99999(99'999, 'a');
const std::string k99998(99'998, 'a');

// The table of fdb-api.md section 4 (API >= 520). Two-byte params; "shorter" existing values are
// zero-extended to the param's length, "longer" ones truncated.
std::vector<AtomicCase> cases() {
  return {
      // ADD: little-endian with carry, overflow discarded.
      {MT::kAdd, kAbsent, "\x01\x80"s, "\x01\x80"s},
      {MT::kAdd, ""s, "\x01\x80"s, "\x01\x80"s},
      {MT::kAdd, "\xff"s, "\x01\x80"s, "\x00\x81"s},
      {MT::kAdd, "\xff\x7f"s, "\x01\x80"s, "\x00\x00"s},
      {MT::kAdd, "\x02\x00\x05"s, "\x01\x80"s, "\x03\x80"s},
      {MT::kAdd, "\xff\x00"s, "\x01\x00"s, "\x00\x01"s},
      {MT::kAdd, int64Le(10), int64Le(-3), int64Le(7)},
      {MT::kAdd, "\x05"s, ""s, ""s},
      {MT::kAdd, kAbsent, ""s, ""s},
      // BIT_AND (AndV2): absent -> param; present-but-empty -> zeros.
      {MT::kBitAnd, kAbsent, "\x0f\xf0"s, "\x0f\xf0"s},
      {MT::kBitAnd, ""s, "\x0f\xf0"s, "\x00\x00"s},
      {MT::kBitAnd, "\xff"s, "\x0f\xf0"s, "\x0f\x00"s},
      {MT::kBitAnd, "\x3c\x3c"s, "\x0f\xf0"s, "\x0c\x30"s},
      {MT::kBitAnd, "\xff\xff\xaa"s, "\x0f\xf0"s, "\x0f\xf0"s},
      {MT::kBitAnd, "\x05"s, ""s, ""s},
      // BIT_OR
      {MT::kBitOr, kAbsent, "\x0f\xf0"s, "\x0f\xf0"s},
      {MT::kBitOr, ""s, "\x0f\xf0"s, "\x0f\xf0"s},
      {MT::kBitOr, "\x30"s, "\x0f\xf0"s, "\x3f\xf0"s},
      {MT::kBitOr, "\x3c\x3c"s, "\x0f\xf0"s, "\x3f\xfc"s},
      {MT::kBitOr, "\x01\x02\x03"s, "\x0f\xf0"s, "\x0f\xf2"s},
      {MT::kBitOr, "\x05"s, ""s, ""s},
      // BIT_XOR
      {MT::kBitXor, kAbsent, "\x0f\xf0"s, "\x0f\xf0"s},
      {MT::kBitXor, ""s, "\x0f\xf0"s, "\x0f\xf0"s},
      {MT::kBitXor, "\xff"s, "\x0f\xf0"s, "\xf0\xf0"s},
      {MT::kBitXor, "\x3c\x3c"s, "\x0f\xf0"s, "\x33\xcc"s},
      {MT::kBitXor, "\x01\x02\x03"s, "\x0f\xf0"s, "\x0e\xf2"s},
      {MT::kBitXor, "\x05"s, ""s, ""s},
      // APPEND_IF_FITS: concatenation unless the result would pass 100,000 bytes.
      {MT::kAppendIfFits, kAbsent, "xy", "xy"},
      {MT::kAppendIfFits, ""s, "xy", "xy"},
      {MT::kAppendIfFits, "a", "xy", "axy"},
      {MT::kAppendIfFits, "ab", "xy", "abxy"},
      {MT::kAppendIfFits, "abc", "xy", "abcxy"},
      {MT::kAppendIfFits, "abc", ""s, "abc"},
      {MT::kAppendIfFits, kAbsent, ""s, ""s},
      {MT::kAppendIfFits, k99998, "xy", k99998 + "xy"},
      {MT::kAppendIfFits, k99999, "xy", k99999},
      // MAX: unsigned little-endian at len(param).
      {MT::kMax, kAbsent, "\x00\x10"s, "\x00\x10"s},
      {MT::kMax, ""s, "\x00\x10"s, "\x00\x10"s},
      {MT::kMax, "\xff"s, "\x00\x10"s, "\x00\x10"s},
      {MT::kMax, "\xff"s, "\x10\x00"s, "\xff\x00"s},
      {MT::kMax, "\x01\x10"s, "\x00\x10"s, "\x01\x10"s},
      {MT::kMax, "\xff\x0f"s, "\x00\x10"s, "\x00\x10"s},
      {MT::kMax, "\x05\x20\x01"s, "\x00\x10"s, "\x05\x20"s},
      {MT::kMax, "\x05\x01\x01"s, "\x00\x10"s, "\x00\x10"s},
      {MT::kMax, "\x05"s, ""s, ""s},
      // MIN (MinV2): absent -> param; present-but-empty counts as zero.
      {MT::kMin, kAbsent, "\x00\x10"s, "\x00\x10"s},
      {MT::kMin, ""s, "\x00\x10"s, "\x00\x00"s},
      {MT::kMin, "\xff"s, "\x00\x10"s, "\xff\x00"s},
      {MT::kMin, "\x01\x10"s, "\x00\x10"s, "\x00\x10"s},
      {MT::kMin, "\xff\x0f"s, "\x00\x10"s, "\xff\x0f"s},
      {MT::kMin, "\x05\x01\x01"s, "\x00\x10"s, "\x05\x01"s},
      {MT::kMin, "\x05\x20\x01"s, "\x00\x10"s, "\x00\x10"s},
      {MT::kMin, "\x05"s, ""s, ""s},
      // BYTE_MIN / BYTE_MAX: lexicographic, lengths kept.
      {MT::kByteMin, kAbsent, "mm", "mm"},
      {MT::kByteMin, ""s, "mm", ""s},
      {MT::kByteMin, "l", "mm", "l"},
      {MT::kByteMin, "n", "mm", "mm"},
      {MT::kByteMin, "ma", "mm", "ma"},
      {MT::kByteMin, "mn", "mm", "mm"},
      {MT::kByteMin, "mma", "mm", "mm"},
      {MT::kByteMin, "lzz", "mm", "lzz"},
      {MT::kByteMin, "a", ""s, ""s},
      {MT::kByteMax, kAbsent, "mm", "mm"},
      {MT::kByteMax, ""s, "mm", "mm"},
      {MT::kByteMax, "n", "mm", "n"},
      {MT::kByteMax, "l", "mm", "mm"},
      {MT::kByteMax, "mn", "mm", "mn"},
      {MT::kByteMax, "mma", "mm", "mma"},
      {MT::kByteMax, "lzz", "mm", "mm"},
      {MT::kByteMax, "a", ""s, "a"},
      // COMPARE_AND_CLEAR: clears only on a byte-equal present value.
      {MT::kCompareAndClear, kAbsent, "v", kAbsent},
      {MT::kCompareAndClear, "v", "v", kAbsent},
      {MT::kCompareAndClear, "w", "v", "w"},
      {MT::kCompareAndClear, ""s, ""s, kAbsent},
      {MT::kCompareAndClear, ""s, "v", ""s},
      {MT::kCompareAndClear, "vv", "v", "vv"},
  };
}

std::string show(const std::optional<std::string>& v) {
  if (!v) return "<absent>";
  if (v->size() > 40) return "<" + std::to_string(v->size()) + " bytes>";
  return "'" + printable(*v) + "'";
}

std::string describe(const AtomicCase& c) {
  return std::string(mutationName(c.op)) + " existing=" + show(c.existing) +
         " param=" + show(c.param) + " expected=" + show(c.expected);
}

// Compares byte-exactly; prints short forms (values can be 100,000 bytes).
::testing::AssertionResult sameValue(const std::optional<std::string>& got,
                                     const std::optional<std::string>& expected) {
  if (got == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << show(got) << ", expected " << show(expected);
}

std::string caseKey(const char* prefix, size_t i) {
  std::string n = std::to_string(i);
  return std::string(prefix) + std::string(4 - n.size(), '0') + n;
}

TEST_P(AtomicTest, EveryOpMatchesTheTableWhenAppliedAtCommit) {
  auto all = cases();
  db().run([&](Transaction& tr) {
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i].existing) tr.set(caseKey("db/", i), *all[i].existing);
    }
  });
  db().run([&](Transaction& tr) {
    for (size_t i = 0; i < all.size(); ++i) tr.atomicOp(all[i].op, caseKey("db/", i), all[i].param);
  });
  Transaction tr = tx();
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(sameValue(tr.get(caseKey("db/", i)), all[i].expected)) << describe(all[i]);
  }
}

TEST_P(AtomicTest, EveryOpOnAnUnreadKeyReadsTheDatabaseValueThenApplies) {
  auto all = cases();
  db().run([&](Transaction& tr) {
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i].existing) tr.set(caseKey("dep/", i), *all[i].existing);
    }
  });
  Transaction tr = tx();
  for (size_t i = 0; i < all.size(); ++i) tr.atomicOp(all[i].op, caseKey("dep/", i), all[i].param);
  // A range read over the dependent keys shows computed values and omits absent results.
  std::vector<KeyValue> expectedRows;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i].expected) expectedRows.push_back({caseKey("dep/", i), *all[i].expected});
  }
  auto rows = tr.getRangeStartsWith("dep/").toVector();
  EXPECT_EQ(keysOf(rows), keysOf(expectedRows));
  if (rows.size() == expectedRows.size()) {
    for (size_t r = 0; r < rows.size(); ++r) {
      EXPECT_TRUE(sameValue(rows[r].value, expectedRows[r].value)) << rows[r].key;
    }
  }
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(sameValue(tr.get(caseKey("dep/", i)), all[i].expected)) << describe(all[i]);
  }
  tr.commit();
  Transaction check = tx();
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(sameValue(check.get(caseKey("dep/", i)), all[i].expected))
        << "after commit: " << describe(all[i]);
  }
}

TEST_P(AtomicTest, EveryOpAfterALocalSetOrClearIsComputedLocally) {
  auto all = cases();
  // The database holds junk the local set/clear must hide.
  db().run([&](Transaction& tr) {
    for (size_t i = 0; i < all.size(); ++i) tr.set(caseKey("loc/", i), "junk from the db");
  });
  Transaction tr = tx();
  for (size_t i = 0; i < all.size(); ++i) {
    std::string key = caseKey("loc/", i);
    if (all[i].existing) {
      tr.set(key, *all[i].existing);
    } else {
      tr.clear(key);
    }
    tr.atomicOp(all[i].op, key, all[i].param);
    EXPECT_TRUE(sameValue(tr.get(key), all[i].expected)) << describe(all[i]);
  }
  tr.commit();
  Transaction check = tx();
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_TRUE(sameValue(check.get(caseKey("loc/", i)), all[i].expected))
        << "after commit: " << describe(all[i]);
  }
}

TEST_P(AtomicTest, ConcurrentAddsFromTwoTransactionsBothCommit) {
  put("counter", int64Le(0));
  Transaction a = tx();
  Transaction b = tx();
  (void)a.getReadVersion();
  (void)b.getReadVersion();
  a.atomicOp(MT::kAdd, "counter", int64Le(5));
  b.atomicOp(MT::kAdd, "counter", int64Le(7));
  EXPECT_NO_THROW(a.commit());
  EXPECT_NO_THROW(b.commit());
  EXPECT_EQ(fromInt64Le(read("counter").value()), 12);
}

TEST_P(AtomicTest, AtomicAddsFromManyThreadsNeverConflict) {
  constexpr int kThreads = 8, kPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        try {
          Transaction tr = db().createTransaction();
          tr.atomicOp(MT::kAdd, "counter", int64Le(1));
          tr.atomicOp(MT::kByteMax, "max", "x");
          tr.commit();
        } catch (const Error&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0) << "atomic-only transactions failed to commit";
  EXPECT_EQ(fromInt64Le(read("counter").value()), kThreads * kPerThread - failures.load());
}

TEST_P(AtomicTest, UnknownMutationTypesAreInvalid) {
  Transaction tr = tx();
  for (int code : {0, 1, 3, 4, 5, 10, 11, 21, 99, -1}) {
    EXPECT_ERROR_CODE(2018, tr.atomicOp(static_cast<MT>(code), "k", "p")) << "type " << code;
  }
}

TEST_P(AtomicTest, OperandsAndKeysAreSizeChecked) {
  Transaction tr = tx();
  EXPECT_NO_THROW(tr.atomicOp(MT::kAppendIfFits, "k", std::string(kMaxValueSize, 'p')));
  EXPECT_ERROR_CODE(2103, tr.atomicOp(MT::kAppendIfFits, "k", std::string(kMaxValueSize + 1, 'p')));
  EXPECT_NO_THROW(tr.atomicOp(MT::kAdd, std::string(kMaxKeySize, 'k'), int64Le(1)));
  EXPECT_ERROR_CODE(2102, tr.atomicOp(MT::kAdd, std::string(kMaxKeySize + 1, 'k'), int64Le(1)));
}

TEST_P(AtomicTest, AtomicOpsOnSystemKeysAreOutsideTheLegalRange) {
  Transaction tr = tx();
  EXPECT_ERROR_CODE(2004, tr.atomicOp(MT::kAdd, "\xff", int64Le(1)));
  EXPECT_ERROR_CODE(2004, tr.atomicOp(MT::kAdd, "\xff\x00"s, int64Le(1)));
}

TEST_P(AtomicTest, AtomicOpsApplyInIssueOrderWithinOneCommit) {
  put("k", "\x01"s);
  db().run([](Transaction& tr) {
    tr.atomicOp(MT::kAdd, "k", "\x02"s);          // 3
    tr.atomicOp(MT::kAppendIfFits, "k", "z");     // 03 'z'
    tr.atomicOp(MT::kCompareAndClear, "k", "q");  // unchanged
    tr.atomicOp(MT::kByteMin, "k", "\x03\x00"s);  // 03 00 < 03 'z'
  });
  EXPECT_EQ(read("k"), "\x03\x00"s);
}

}  // namespace
}  // namespace strata::conformance
