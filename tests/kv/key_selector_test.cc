#include "strata/kv/key_selector.h"

#include <gtest/gtest.h>

#include "strata/kv/error.h"

namespace strata {
namespace {

using std::string_literals::operator""s;

TEST(KeySelectorTest, ConstructorsMatchFoundationDb) {
  EXPECT_EQ(KeySelector::lastLessThan("k"), (KeySelector{"k", false, 0}));
  EXPECT_EQ(KeySelector::lastLessOrEqual("k"), (KeySelector{"k", true, 0}));
  EXPECT_EQ(KeySelector::firstGreaterThan("k"), (KeySelector{"k", true, 1}));
  EXPECT_EQ(KeySelector::firstGreaterOrEqual("k"), (KeySelector{"k", false, 1}));
  EXPECT_EQ((KeySelector::firstGreaterOrEqual("k") + 2).offset, 3);
}

TEST(KeySelectorTest, StrincStripsTrailingFfAndIncrements) {
  EXPECT_EQ(strinc("a"), "b");
  EXPECT_EQ(strinc("a\xff\xff"s), "b");
  EXPECT_EQ(strinc("\x01\xfe"s), "\x01\xff"s);
  EXPECT_THROW((void)strinc("\xff\xff"s), Error);
  EXPECT_THROW((void)strinc(""), Error);
}

TEST(KeySelectorTest, PrintableRoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(unprintable(printable(all)), all);
  EXPECT_EQ(printable("a\x00\xff\\"s), "a\\x00\\xff\\\\");
  EXPECT_EQ(unprintable("\\xAB\\x0c"), "\xab\x0c"s);
}

TEST(KeySelectorTest, MalformedPrintableInputIsRejected) {
  for (const char* bad : {"\\", "\\x", "\\x1", "\\xg0", "\\q"}) {
    try {
      (void)unprintable(bad);
      FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), 3005) << bad;
    }
  }
}

TEST(ErrorTest, CarriesCodeNameAndRetryClass) {
  Error e(ErrorCode::not_committed, "detail");
  EXPECT_EQ(e.code(), 1020);
  EXPECT_STREQ(e.name(), "not_committed");
  EXPECT_TRUE(e.isRetryable());
  EXPECT_TRUE(e.isRetryableNotCommitted());
  EXPECT_FALSE(e.isMaybeCommitted());
  EXPECT_NE(std::string(e.what()).find("detail"), std::string::npos);
  EXPECT_TRUE(Error(ErrorCode::commit_unknown_result).isMaybeCommitted());
  EXPECT_TRUE(Error(1021).isRetryable());
  EXPECT_FALSE(Error(ErrorCode::key_too_large).isRetryable());
  EXPECT_STREQ(errorName(424242), "unknown_error");
}

}  // namespace
}  // namespace strata
