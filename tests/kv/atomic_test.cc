#include "kv/atomic.h"

#include <gtest/gtest.h>

#include "strata/kv/error.h"

namespace strata::kv {
namespace {

using std::string_literals::operator""s;

std::optional<std::string> op(MutationType t, std::optional<std::string> existing,
                              std::string param) {
  return applyAtomic(t, existing, param);
}

TEST(AtomicTest, AddIsLittleEndianWithCarryAndTruncation) {
  EXPECT_EQ(op(MutationType::kAdd, std::nullopt, "\x05\x00"s), "\x05\x00"s);
  EXPECT_EQ(op(MutationType::kAdd, ""s, "\x05"s), "\x05"s);
  EXPECT_EQ(op(MutationType::kAdd, "\xff\x00"s, "\x01\x00"s), "\x00\x01"s);
  EXPECT_EQ(op(MutationType::kAdd, "\xff\xff"s, "\x01\x00"s), "\x00\x00"s);
  EXPECT_EQ(op(MutationType::kAdd, "\x01\x02\x03"s, "\x01"s), "\x02"s);  // truncated to param
  EXPECT_EQ(op(MutationType::kAdd, "\x01"s, "\x01\x00\x00"s), "\x02\x00\x00"s);  // extended
  EXPECT_EQ(op(MutationType::kAdd, "\x07"s, ""s), ""s);
}

TEST(AtomicTest, BitwiseOpsFollowFoundationDb) {
  EXPECT_EQ(op(MutationType::kBitAnd, std::nullopt, "\x0f"s), "\x0f"s);
  EXPECT_EQ(op(MutationType::kBitAnd, ""s, "\x0f"s), "\x00"s);
  EXPECT_EQ(op(MutationType::kBitAnd, "\x3c"s, "\x0f"s), "\x0c"s);
  EXPECT_EQ(op(MutationType::kBitOr, "\x30"s, "\x0f\x01"s), "\x3f\x01"s);
  EXPECT_EQ(op(MutationType::kBitXor, "\xff"s, "\x0f"s), "\xf0"s);
  EXPECT_EQ(op(MutationType::kBitXor, std::nullopt, "\x0f"s), "\x0f"s);
}

TEST(AtomicTest, MaxAndMinCompareUnsignedLittleEndian) {
  EXPECT_EQ(op(MutationType::kMax, "\x00\x01"s, "\xff\x00"s), "\x00\x01"s);
  EXPECT_EQ(op(MutationType::kMax, "\x02"s, "\x03"s), "\x03"s);
  EXPECT_EQ(op(MutationType::kMin, "\x00\x01"s, "\xff\x00"s), "\xff\x00"s);
  EXPECT_EQ(op(MutationType::kMin, std::nullopt, "\x09"s), "\x09"s);
  EXPECT_EQ(op(MutationType::kMin, ""s, "\x09\x09"s), "\x00\x00"s);
}

TEST(AtomicTest, ByteMinMaxAppendAndCompareAndClear) {
  EXPECT_EQ(op(MutationType::kByteMax, "ab"s, "b"s), "b"s);
  EXPECT_EQ(op(MutationType::kByteMin, "ab"s, "b"s), "ab"s);
  EXPECT_EQ(op(MutationType::kByteMin, std::nullopt, "b"s), "b"s);
  EXPECT_EQ(op(MutationType::kAppendIfFits, "ab"s, "cd"s), "abcd"s);
  EXPECT_EQ(op(MutationType::kAppendIfFits, std::string(99'999, 'x'), "cd"s),
            std::string(99'999, 'x'));
  EXPECT_EQ(op(MutationType::kCompareAndClear, "v"s, "v"s), std::nullopt);
  EXPECT_EQ(op(MutationType::kCompareAndClear, "w"s, "v"s), "w"s);
  EXPECT_EQ(op(MutationType::kCompareAndClear, std::nullopt, "v"s), std::nullopt);
}

TEST(AtomicTest, VersionstampOperandsCarryAFourByteOffset) {
  std::string operand = "ab" + std::string(10, '\0') + "c" + "\x02\x00\x00\x00"s;
  auto stamp = makeCommitStamp(0x0102030405060708, 0x090a);
  EXPECT_EQ(applyVersionstamp(operand, stamp),
            "ab\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"
            "c"s);
  try {
    (void)versionstampOffset("ab\x05\x00\x00\x00"s);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), 2000);
  }
  EXPECT_THROW((void)versionstampOffset("ab"), Error);
}

}  // namespace
}  // namespace strata::kv
