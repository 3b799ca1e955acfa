#include "strata/subspace.h"

#include <gtest/gtest.h>

#include <string>

#include "strata/kv/error.h"

namespace strata {
namespace {

using namespace std::string_literals;

template <class F>
::testing::AssertionResult throwsCode(ErrorCode code, F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.errorCode() == code) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "threw " << e.what();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

TEST(SubspaceTest, KeyIsRawPrefixFollowedByThePackedPrefixTuple) {
  EXPECT_EQ(Subspace().key(), "");
  EXPECT_EQ(Subspace("\x01\x02"s).key(), "\x01\x02");
  EXPECT_EQ(Subspace(Tuple{"a"}).key(),
            "\x02"
            "a\x00"s);
  EXPECT_EQ(Subspace(Tuple{"a"}, "\xfe").key(),
            "\xfe\x02"
            "a\x00"s);
}

TEST(SubspaceTest, PackPrependsThePrefixAndUnpackStripsIt) {
  Subspace s(Tuple{"users"});
  std::string key = s.pack(Tuple{42, "name"});
  EXPECT_EQ(key, (Tuple{"users"}.pack() + Tuple{42, "name"}.pack()));
  EXPECT_EQ(s.unpack(key), (Tuple{42, "name"}));
  EXPECT_EQ(s.pack(), s.key());
  EXPECT_EQ(s.unpack(s.key()), Tuple{});
}

TEST(SubspaceTest, UnpackOutsideTheSubspaceThrowsKeyNotInSubspace) {
  Subspace s(Tuple{"users"});
  EXPECT_TRUE(
      throwsCode(ErrorCode::key_not_in_subspace, [&] { (void)s.unpack(Tuple{"user"}.pack()); }));
  EXPECT_TRUE(throwsCode(ErrorCode::key_not_in_subspace, [&] { (void)s.unpack(""); }));
  EXPECT_TRUE(
      throwsCode(ErrorCode::key_not_in_subspace, [&] { (void)s.unpack(s.key().substr(0, 3)); }));
}

TEST(SubspaceTest, UnpackOfAMalformedSuffixThrowsInvalidTupleDataType) {
  Subspace s("\x15"s);
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type,
                         [&] { (void)s.unpack("\x15\x02unterminated"s); }));
}

TEST(SubspaceTest, RangeCoversStrictExtensionsOnly) {
  Subspace s(Tuple{"a"});
  KeyRange all = s.range();
  EXPECT_EQ(all.begin,
            "\x02"
            "a\x00\x00"s);
  EXPECT_EQ(all.end,
            "\x02"
            "a\x00\xff"s);
  EXPECT_LT(s.key(), all.begin);  // the prefix itself is outside
  KeyRange r = s.range(Tuple{1});
  EXPECT_EQ(r.begin, s.pack(Tuple{1}) + '\x00');
  EXPECT_EQ(r.end, s.pack(Tuple{1}) + '\xff');
  std::string inside = s.pack(Tuple{1, "x"});
  EXPECT_TRUE(r.begin <= inside && inside < r.end);
  EXPECT_FALSE(r.begin <= s.pack(Tuple{2}) && s.pack(Tuple{2}) < r.end);
}

TEST(SubspaceTest, ContainsIsAPrefixTest) {
  Subspace s("ab"s);
  EXPECT_TRUE(s.contains("ab"));
  EXPECT_TRUE(s.contains("abc"));
  EXPECT_FALSE(s.contains("a"));
  EXPECT_FALSE(s.contains("b"));
  EXPECT_TRUE(Subspace().contains(""));
  EXPECT_TRUE(Subspace().contains("anything"));
}

TEST(SubspaceTest, ChildSubspacesExtendThePrefix) {
  Subspace root(Tuple{"app"});
  Subspace users = root.sub(Tuple{"users"});
  EXPECT_EQ(users.key(), (Tuple{"app", "users"}.pack()));
  EXPECT_EQ(root["users"], users);
  EXPECT_EQ(root["users"][42].key(), (Tuple{"app", "users", 42}.pack()));
  EXPECT_EQ((root[Tuple{1, 2}].key()), (Tuple{"app", Tuple{1, 2}}.pack()));
  EXPECT_EQ(users.unpack(root["users"][42].pack(Tuple{"x"})), (Tuple{42, "x"}));
}

TEST(SubspaceTest, PackWithVersionstampCountsThePrefixInTheOffset) {
  Subspace s("\x01\x02"s);
  EXPECT_EQ(s.packWithVersionstamp(Tuple{Versionstamp::incomplete(0)}),
            "\x01\x02\x33" + std::string(10, '\xff') + "\x00\x00\x03\x00\x00\x00"s);
  EXPECT_TRUE(throwsCode(ErrorCode::client_invalid_operation,
                         [&] { (void)s.packWithVersionstamp(Tuple{1}); }));
  EXPECT_TRUE(throwsCode(ErrorCode::client_invalid_operation,
                         [&] { (void)s.pack(Tuple{Versionstamp::incomplete(0)}); }));
}

TEST(SubspaceTest, RawPrefixNeedNotBeTupleDecodable) {
  Subspace s("\xff\xfe"s);
  EXPECT_EQ(s.pack(Tuple{1}), "\xff\xfe\x15\x01"s);
  EXPECT_EQ(s.unpack("\xff\xfe\x15\x01"s), Tuple{1});
  EXPECT_EQ(s.toString(), R"(Subspace(b"\xff\xfe"))");
}

}  // namespace
}  // namespace strata
