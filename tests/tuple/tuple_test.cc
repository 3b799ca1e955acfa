#include "strata/tuple.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "strata/kv/error.h"

namespace strata {
namespace {

using namespace std::string_literals;

// "01 66 6F" -> bytes; "FFx10" repeats a byte.
std::string hex(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    int byte = std::stoi(std::string(text.substr(i, 2)), nullptr, 16);
    i += 2;
    int repeat = 1;
    if (i < text.size() && text[i] == 'x') {
      std::size_t end = text.find(' ', i);
      if (end == std::string_view::npos) end = text.size();
      repeat = std::stoi(std::string(text.substr(i + 1, end - i - 1)));
      i = end;
    }
    out.append(static_cast<std::size_t>(repeat), static_cast<char>(byte));
  }
  return out;
}

std::string showHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string s;
  for (unsigned char c : bytes) {
    if (!s.empty()) s += ' ';
    s += kHex[c >> 4];
    s += kHex[c & 15];
  }
  return s;
}

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

// Exact equality including the stored alternative (int64 vs uint64 vs BigInt is normalised, so
// Tuple's == suffices) and float bits; also checks the element types match.
void expectSameTuple(const Tuple& a, const Tuple& b) {
  ASSERT_EQ(a.size(), b.size()) << a.toString() << " vs " << b.toString();
  EXPECT_TRUE(a == b) << a.toString() << " vs " << b.toString();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a.type(i), b.type(i));
}

BigInt big(std::string_view decimal) { return BigInt::fromString(decimal); }

std::array<uint8_t, 10> stamp(std::initializer_list<uint8_t> bytes) {
  std::array<uint8_t, 10> a{};
  std::copy(bytes.begin(), bytes.end(), a.begin());
  return a;
}

struct Vector {
  Tuple tuple;
  std::string packed;
};

std::vector<Vector> specVectors() {
  const uint64_t kMax64 = std::numeric_limits<uint64_t>::max();
  return {
      {Tuple{}, ""},
      {Tuple{nullptr}, hex("00")},
      {Tuple{Bytes{"foo\x00"
                   "bar"}},
       hex("01 66 6F 6F 00 FF 62 61 72 00")},
      {Tuple{Bytes{""}}, hex("01 00")},
      {Tuple{Bytes{"\x00\x00\x00\x04"}}, hex("01 00 FF 00 FF 00 FF 04 00")},
      {Tuple{""}, hex("02 00")},
      {Tuple{"hello"}, hex("02 68 65 6C 6C 6F 00")},
      {Tuple{"F\u00d4O\0bar"s}, hex("02 46 C3 94 4F 00 FF 62 61 72 00")},
      {Tuple{"\U0001F525"}, hex("02 F0 9F 94 A5 00")},
      {Tuple{Tuple{Bytes{"foo\x00"
                         "bar"},
                   nullptr, Tuple{}}},
       hex("05 01 66 6F 6F 00 FF 62 61 72 00 00 FF 05 00 00")},
      {Tuple{Tuple{nullptr}}, hex("05 00 FF 00")},
      {Tuple{Tuple{nullptr, "hello"}}, hex("05 00 FF 02 68 65 6C 6C 6F 00 00")},
      {Tuple{Tuple{nullptr}, "hello", Bytes{"\x01\x00"}, Bytes{""}},
       hex("05 00 FF 00 02 68 65 6C 6C 6F 00 01 01 00 FF 00 01 00")},
      {Tuple{0}, hex("14")},
      {Tuple{1}, hex("15 01")},
      {Tuple{-1}, hex("13 FE")},
      {Tuple{255}, hex("15 FF")},
      {Tuple{-255}, hex("13 00")},
      {Tuple{256}, hex("16 01 00")},
      {Tuple{-256}, hex("12 FE FF")},
      {Tuple{65536}, hex("17 01 00 00")},
      {Tuple{-65536}, hex("11 FE FF FF")},
      {Tuple{-5551212}, hex("11 AB 4B 93")},
      {Tuple{-int64_t{4294967295}}, hex("10 00 00 00 00")},
      {Tuple{std::numeric_limits<int64_t>::max()}, hex("1C 7F FF FF FF FF FF FF FF")},
      {Tuple{uint64_t{1} << 63}, hex("1C 80 00 00 00 00 00 00 00")},
      {Tuple{kMax64}, hex("1C FF FF FF FF FF FF FF FF")},
      {Tuple{big("18446744073709551616")}, hex("1D 09 01 00 00 00 00 00 00 00 00")},
      {Tuple{std::numeric_limits<int64_t>::min()}, hex("0C 7F FF FF FF FF FF FF FF")},
      {Tuple{std::numeric_limits<int64_t>::min() + 1}, hex("0C 80 00 00 00 00 00 00 00")},
      {Tuple{big("-9223372036854775809")}, hex("0C 7F FF FF FF FF FF FF FE")},
      {Tuple{big("-18446744073709551615")}, hex("0C 00 00 00 00 00 00 00 00")},
      {Tuple{big("-18446744073709551616")}, hex("0B F6 FE FF FF FF FF FF FF FF FF")},
      {Tuple{3.14f}, hex("20 C0 48 F5 C3")},
      {Tuple{-3.14f}, hex("20 3F B7 0A 3C")},
      {Tuple{-42.0f}, hex("20 3D D7 FF FF")},
      {Tuple{0.0f}, hex("20 80 00 00 00")},
      {Tuple{-0.0f}, hex("20 7F FF FF FF")},
      {Tuple{std::numeric_limits<float>::infinity()}, hex("20 FF 80 00 00")},
      {Tuple{-std::numeric_limits<float>::infinity()}, hex("20 00 7F FF FF")},
      {Tuple{3.14}, hex("21 C0 09 1E B8 51 EB 85 1F")},
      {Tuple{-3.14}, hex("21 3F F6 E1 47 AE 14 7A E0")},
      {Tuple{0.0}, hex("21 80 00 00 00 00 00 00 00")},
      {Tuple{-0.0}, hex("21 7F FF FF FF FF FF FF FF")},
      {Tuple{std::numeric_limits<double>::infinity()}, hex("21 FF F0 00 00 00 00 00 00")},
      {Tuple{-std::numeric_limits<double>::infinity()}, hex("21 00 0F FF FF FF FF FF FF")},
      {Tuple{false}, hex("26")},
      {Tuple{true}, hex("27")},
      {Tuple{Uuid::fromString("12345678-1234-5678-1234-567812345678")},
       hex("30 12 34 56 78 12 34 56 78 12 34 56 78 12 34 56 78")},
      {Tuple{Versionstamp{stamp({0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00, 0x01, 0x02, 0x03}), 0}},
       hex("33 AA BB CC DD EE FF 00 01 02 03 00 00")},
      {Tuple{Versionstamp{stamp({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), 657}},
       hex("33 01 02 03 04 05 06 07 08 09 0A 02 91")},
      {Tuple{nullptr, Bytes{"\x00"}}, hex("00 01 00 FF 00")},
  };
}

TEST(TupleTest, PacksEverySpecVectorToItsBytes) {
  for (const Vector& v : specVectors()) {
    EXPECT_EQ(showHex(v.tuple.pack()), showHex(v.packed)) << v.tuple.toString();
  }
}

TEST(TupleTest, UnpacksEverySpecVectorToItsTuple) {
  for (const Vector& v : specVectors()) {
    SCOPED_TRACE(v.tuple.toString());
    expectSameTuple(Tuple::unpack(v.packed), v.tuple);
  }
}

TEST(TupleTest, EmitsTheJavaFormOfPlusMinusTwoToTheSixtyFourMinusOne) {
  EXPECT_EQ(Tuple{std::numeric_limits<uint64_t>::max()}.pack(), hex("1C FFx8"));
  EXPECT_EQ(Tuple{BigInt::fromMagnitude(Sign::kNonNegative, hex("FFx8"))}.pack(), hex("1C FFx8"));
  EXPECT_EQ(Tuple{BigInt::fromMagnitude(Sign::kNegative, hex("FFx8"))}.pack(), hex("0C 00x8"));
}

TEST(TupleTest, AcceptsThePythonFormOfPlusMinusTwoToTheSixtyFourMinusOne) {
  Tuple pos = Tuple::unpack(hex("1D 08 FFx8"));
  EXPECT_EQ(pos.getUint64(0), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(pos.pack(), hex("1C FFx8"));
  Tuple neg = Tuple::unpack(hex("0B F7 00x8"));
  EXPECT_EQ(neg.getBigInt(0).toString(), "-18446744073709551615");
  EXPECT_EQ(neg.pack(), hex("0C 00x8"));
  EXPECT_EQ(neg, Tuple::unpack(hex("0C 00x8")));
}

TEST(TupleTest, AcceptsNonMinimalIntegerEncodings) {
  EXPECT_EQ(Tuple::unpack(hex("16 00 05")).getInt(0), 5);
  EXPECT_EQ(Tuple::unpack(hex("1D 02 00 05")).getInt(0), 5);
  EXPECT_EQ(Tuple::unpack(hex("1D 00")).getInt(0), 0);
  EXPECT_EQ(Tuple::unpack(hex("12 FF FE")).getInt(0), -1);
}

TEST(TupleTest, RangeOfATupleCoversItsStrictExtensions) {
  KeyRange r = Tuple{"a"}.range();
  EXPECT_EQ(r.begin, hex("02 61 00 00"));
  EXPECT_EQ(r.end, hex("02 61 00 FF"));
  EXPECT_EQ(r.begin, (Tuple{"a", nullptr}.pack()));  // the smallest extension
  EXPECT_LT((Tuple{"a", Versionstamp{}}.pack()), r.end);
  EXPECT_LT(Tuple{"a"}.pack(), r.begin);
}

TEST(TupleTest, PackWithVersionstampMatchesSpecVectors) {
  EXPECT_EQ(showHex(Tuple{"foo", Versionstamp::incomplete(5)}.packWithVersionstamp()),
            showHex(hex("02 66 6F 6F 00 33 FFx10 00 05 06 00 00 00")));
  EXPECT_EQ(showHex(Tuple{Versionstamp::incomplete(0)}.packWithVersionstamp(hex("01 02"))),
            showHex(hex("01 02 33 FFx10 00 00 03 00 00 00")));
  EXPECT_EQ(showHex(Tuple{Tuple{1, Versionstamp::incomplete(7)}}.packWithVersionstamp()),
            showHex(hex("05 15 01 33 FFx10 00 07 00 04 00 00 00")));
}

TEST(TupleTest, PackWithVersionstampRejectsZeroOrSeveralIncompleteStamps) {
  EXPECT_TRUE(throwsCode(ErrorCode::client_invalid_operation, [] {
    (void)Tuple{"a", 1}.packWithVersionstamp();
  }));
  EXPECT_TRUE(throwsCode(ErrorCode::client_invalid_operation, [] {
    (void)Tuple{Versionstamp::incomplete(1), Tuple{Versionstamp::incomplete(2)}}
        .packWithVersionstamp();
  }));
  Tuple complete{Versionstamp{stamp({1}), 0}};
  EXPECT_TRUE(throwsCode(ErrorCode::client_invalid_operation,
                         [&] { (void)complete.packWithVersionstamp(); }));
}

TEST(TupleTest, PackRefusesAnIncompleteVersionstampEvenNested) {
  Tuple t{"x", Tuple{Versionstamp::incomplete(3)}};
  EXPECT_TRUE(t.hasIncompleteVersionstamp());
  EXPECT_TRUE(throwsCode(ErrorCode::client_invalid_operation, [&] { (void)t.pack(); }));
  std::string out = "keep";
  EXPECT_TRUE(throwsCode(ErrorCode::client_invalid_operation, [&] { t.packTo(out); }));
  EXPECT_EQ(out, "keep");
  EXPECT_FALSE((Tuple{"x", Versionstamp{}}.hasIncompleteVersionstamp()));
}

TEST(TupleTest, IncompleteVersionstampDecodesAsIncomplete) {
  Tuple t = Tuple::unpack(hex("33 FFx10 00 09"));
  EXPECT_FALSE(t.getVersionstamp(0).isComplete());
  EXPECT_EQ(t.getVersionstamp(0), Versionstamp::incomplete(9));
  EXPECT_TRUE(Tuple::unpack(hex("33 FFx9 FE 00 09")).getVersionstamp(0).isComplete());
}

// ---- Construction -------------------------------------------------------------------------

static_assert(!std::is_constructible_v<TupleElement, char>);
static_assert(!std::is_constructible_v<TupleElement, int*>);
static_assert(!std::is_constructible_v<TupleElement, long double>);
static_assert(std::is_constructible_v<TupleElement, const char*>);
static_assert(std::is_constructible_v<TupleElement, unsigned char>);

TEST(TupleTest, AcceptsEveryBuiltinIntegerWidth) {
  Tuple t{int8_t{-8},   uint8_t{8},
          int16_t{-16}, uint16_t{16},
          -32,          32u,
          -64L,         64UL,
          -128LL,       128ULL,
          INT64_MIN,    UINT64_MAX,
          short{-1},    static_cast<unsigned short>(2)};
  EXPECT_EQ(t.getInt(0), -8);
  EXPECT_EQ(t.getInt(1), 8);
  EXPECT_EQ(t.getInt(2), -16);
  EXPECT_EQ(t.getInt(3), 16);
  EXPECT_EQ(t.getInt(4), -32);
  EXPECT_EQ(t.getInt(5), 32);
  EXPECT_EQ(t.getInt(6), -64);
  EXPECT_EQ(t.getInt(7), 64);
  EXPECT_EQ(t.getInt(8), -128);
  EXPECT_EQ(t.getInt(9), 128);
  EXPECT_EQ(t.getInt(10), INT64_MIN);
  EXPECT_EQ(t.getUint64(11), UINT64_MAX);
  EXPECT_EQ(t.getInt(12), -1);
  EXPECT_EQ(t.getInt(13), 2);
}

TEST(TupleTest, SignedAndUnsignedForOfOneValueAreTheSameElement) {
  EXPECT_EQ(Tuple{int64_t{42}}, Tuple{uint64_t{42}});
  EXPECT_EQ(Tuple{int64_t{42}}.pack(), Tuple{uint64_t{42}}.pack());
  EXPECT_EQ(Tuple{BigInt(7)}, Tuple{7});
  EXPECT_TRUE(std::holds_alternative<int64_t>(TupleElement(BigInt(7)).value()));
}

TEST(TupleTest, CStringIsUnicodeAndBytesAreDistinct) {
  Tuple t{"abc", Bytes{"abc"}, std::string("abc"), std::string_view("abc"), u8"abc"};
  EXPECT_EQ(t.type(0), TupleType::kString);
  EXPECT_EQ(t.type(1), TupleType::kBytes);
  EXPECT_EQ(t.type(2), TupleType::kString);
  EXPECT_EQ(t.type(3), TupleType::kString);
  EXPECT_EQ(t.type(4), TupleType::kString);
  EXPECT_NE(Tuple{"abc"}, Tuple{Bytes{"abc"}});
  EXPECT_NE(Tuple{"abc"}.pack(), Tuple{Bytes{"abc"}}.pack());
}

TEST(TupleTest, BytesFromALiteralKeepsEmbeddedNulsButFromAPointerStopsAtTheFirst) {
  EXPECT_EQ(Bytes{"\x00\x01"}.data, "\x00\x01"s);
  const char* p = "a\0b";
  EXPECT_EQ(Bytes{p}.data, "a");
  EXPECT_EQ(Bytes{std::string_view("a\0b", 3)}.data.size(), 3u);
}

TEST(TupleTest, FloatAndDoubleStayDistinct) {
  Tuple t{1.5f, 1.5};
  EXPECT_EQ(t.type(0), TupleType::kFloat);
  EXPECT_EQ(t.type(1), TupleType::kDouble);
  EXPECT_NE(Tuple{1.5f}, Tuple{1.5});
  EXPECT_EQ(Tuple::unpack(t.pack()).getFloat(0), 1.5f);
}

TEST(TupleTest, BraceInitialisingFromATupleNestsIt) {
  Tuple inner{1, 2};
  Tuple nested{inner};
  EXPECT_EQ(nested.size(), 1u);
  EXPECT_EQ(nested.getTuple(0), inner);
  Tuple copy(inner);
  EXPECT_EQ(copy, inner);
}

TEST(TupleTest, AppendBuildsTheSameTupleAsAnInitializerList) {
  Tuple t;
  t.append("users").append(42, Bytes{"\x00"}).append(Tuple{true}, nullptr);
  EXPECT_EQ(t, (Tuple{"users", 42, Bytes{"\x00"}, Tuple{true}, nullptr}));
  EXPECT_EQ(Tuple{1} + (Tuple{2, 3}), (Tuple{1, 2, 3}));
  Tuple e{1};
  e.extend(Tuple{2});
  EXPECT_EQ(e, (Tuple{1, 2}));
}

// ---- Accessors ----------------------------------------------------------------------------

TEST(TupleTest, TypedAccessorsReturnTheirValues) {
  Uuid u = Uuid::fromString("00112233-4455-6677-8899-aabbccddeeff");
  Versionstamp vs{stamp({9}), 4};
  Tuple t{nullptr,
          Bytes{"b"},
          "s",
          Tuple{1},
          -3,
          2.5f,
          3.5,
          true,
          u,
          vs,
          big("1" + std::string(30, '0'))};
  EXPECT_TRUE(t.isNull(0));
  EXPECT_EQ(t.getBytes(1), "b");
  EXPECT_EQ(t.getString(2), "s");
  EXPECT_EQ(t.getTuple(3), Tuple{1});
  EXPECT_EQ(t.getInt(4), -3);
  EXPECT_EQ(t.getBigInt(4), BigInt(-3));
  EXPECT_EQ(t.getFloat(5), 2.5f);
  EXPECT_EQ(t.getDouble(6), 3.5);
  EXPECT_TRUE(t.getBool(7));
  EXPECT_EQ(t.getUuid(8), u);
  EXPECT_EQ(t.getVersionstamp(9), vs);
  EXPECT_EQ(t.getBigInt(10).toString(), "1" + std::string(30, '0'));
  EXPECT_EQ(t[4].getInt(), -3);
  EXPECT_EQ(t.at(2).type(), TupleType::kString);
}

TEST(TupleTest, AccessorsPastTheEndThrowInvalidTupleIndex) {
  Tuple t{1};
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_index, [&] { (void)t.getInt(1); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_index, [&] { (void)t[5]; }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_index, [&] { (void)Tuple{}.at(0); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_index, [&] { (void)t.getString(9); }));
}

TEST(TupleTest, AccessorsOfTheWrongTypeThrowInvalidTupleDataType) {
  Tuple t{"s", 1, UINT64_MAX, -1, 1.0, nullptr};
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getInt(0); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getBytes(0); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getString(1); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getInt(2); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getUint64(3); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getFloat(4); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getBool(5); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getTuple(5); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getUuid(1); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getVersionstamp(1); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)t.getBigInt(0); }));
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type,
                         [&] { (void)Tuple{big("-99999999999999999999")}.getInt(0); }));
  try {
    (void)t.getInt(0);
  } catch (const Error& e) {
    EXPECT_NE(e.detail().find("tuple element 0 is string \"s\", not an integer"), std::string::npos)
        << e.detail();
  }
}

// ---- Floats -------------------------------------------------------------------------------

TEST(TupleTest, NanPayloadsSurviveARoundTripBitForBit) {
  for (uint32_t bits : {0x7fc00000u, 0x7f800001u, 0xffc00000u, 0xff812345u}) {
    Tuple t{std::bit_cast<float>(bits)};
    EXPECT_EQ(std::bit_cast<uint32_t>(Tuple::unpack(t.pack()).getFloat(0)), bits);
  }
  for (uint64_t bits : {0x7ff8000000000000ull, 0xfff0000000000001ull}) {
    Tuple t{std::bit_cast<double>(bits)};
    EXPECT_EQ(std::bit_cast<uint64_t>(Tuple::unpack(t.pack()).getDouble(0)), bits);
  }
  float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(Tuple{nan}, Tuple{nan});
  EXPECT_NE(Tuple{0.0}, Tuple{-0.0});
}

TEST(TupleTest, FloatsSortNegativeNanThroughPositiveNan) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> order = {std::bit_cast<double>(0xfff8000000000000ull),
                               -inf,
                               -1e300,
                               -1.0,
                               -5e-324,
                               -0.0,
                               0.0,
                               5e-324,
                               1.0,
                               1e300,
                               inf,
                               std::bit_cast<double>(0x7ff8000000000000ull)};
  for (std::size_t i = 0; i + 1 < order.size(); ++i) {
    EXPECT_LT(Tuple{order[i]}, Tuple{order[i + 1]}) << i;
    EXPECT_LT(Tuple{order[i]}.pack(), Tuple{order[i + 1]}.pack()) << i;
    float a = static_cast<float>(order[i]);
    float b = static_cast<float>(order[i + 1]);
    if (a != b || std::signbit(a) != std::signbit(b) || std::isnan(a)) {
      EXPECT_LT(Tuple{a}.pack(), Tuple{b}.pack()) << i;
      EXPECT_LT(Tuple{a}, Tuple{b}) << i;
    }
  }
}

// ---- Integers -----------------------------------------------------------------------------

TEST(TupleTest, IntegersSortNumericallyAcrossEveryEncodingLength) {
  std::vector<BigInt> values = {
      BigInt::fromMagnitude(Sign::kNegative, std::string(255, '\xff')),
      BigInt::fromMagnitude(Sign::kNegative, "\x01" + std::string(20, '\0')),
      big("-18446744073709551617"),
      big("-18446744073709551616"),
      big("-18446744073709551615"),
      big("-9223372036854775809"),
      BigInt(INT64_MIN),
      BigInt(INT64_MIN + 1),
      BigInt(-4294967296),
      BigInt(-4294967295),
      BigInt(-256),
      BigInt(-255),
      BigInt(-1),
      BigInt(0),
      BigInt(1),
      BigInt(255),
      BigInt(256),
      BigInt(INT64_MAX),
      BigInt(uint64_t{1} << 63),
      BigInt(UINT64_MAX),
      big("18446744073709551616"),
      big("18446744073709551617"),
      BigInt::fromMagnitude(Sign::kNonNegative, "\x01" + std::string(20, '\0')),
      BigInt::fromMagnitude(Sign::kNonNegative, std::string(255, '\xff')),
  };
  for (std::size_t i = 0; i < values.size(); ++i) {
    Tuple t{values[i]};
    EXPECT_EQ(Tuple::unpack(t.pack()).getBigInt(0), values[i]) << values[i].toString();
    if (i + 1 < values.size()) {
      EXPECT_LT(values[i], values[i + 1]) << i;
      EXPECT_LT(t, Tuple{values[i + 1]}) << i;
      EXPECT_LT(t.pack(), Tuple{values[i + 1]}.pack()) << values[i].toString();
    }
  }
}

TEST(TupleTest, BigIntConvertsToAndFromDecimalText) {
  for (std::string s : {"0", "1", "-1", "255", "-256", "9223372036854775807",
                        "-9223372036854775808", "18446744073709551615", "18446744073709551616",
                        "-123456789012345678901234567890123456789"}) {
    EXPECT_EQ(big(s).toString(), s);
  }
  EXPECT_EQ(big("-0").toString(), "0");
  EXPECT_EQ(big("007").toString(), "7");
  EXPECT_EQ(big("18446744073709551615").toUint64(), UINT64_MAX);
  EXPECT_EQ(big("-9223372036854775808").toInt64(), INT64_MIN);
  EXPECT_FALSE(big("9223372036854775808").toInt64().has_value());
  EXPECT_FALSE(big("-1").toUint64().has_value());
}

TEST(TupleTest, BigIntRejectsMalformedOrOversizedInput) {
  for (std::string s : {"", "-", "+1", "1.5", "12a", " 1", "0x10"}) {
    EXPECT_TRUE(throwsCode(ErrorCode::invalid_input, [&] { (void)big(s); })) << s;
  }
  // 2^2040 needs 256 bytes.
  std::string huge = "1" + std::string(615, '0');
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_input, [&] { (void)big(huge); }));
  EXPECT_TRUE(throwsCode(ErrorCode::client_invalid_operation, [] {
    (void)BigInt::fromMagnitude(Sign::kNonNegative, std::string(256, '\x01'));
  }));
  EXPECT_EQ(BigInt::fromMagnitude(Sign::kNegative, "\0\0"s).toString(), "0");
}

// ---- Malformed input ----------------------------------------------------------------------

TEST(TupleTest, MalformedInputThrowsInvalidTupleDataType) {
  std::vector<std::string> bad = {
      "01",       "01 66",   "02 66 00 FF", "05",       "05 01 00", "05 00 FF",    "15",
      "1C 01 02", "13",      "0C FF",       "1D",       "1D 05 01", "0B",          "0B FA 00",
      "20 00",    "21 00x7", "30 00x15",    "33 00x11", "03",       "04",          "22",
      "23",       "24",      "25",          "31",       "32",       "34",          "40",
      "F0",       "FF",      "05 FF 00",    "05 05 00", "14 FF",    "05 02 61 00", "05 32 00",
  };
  for (const std::string& text : bad) {
    EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] {
      (void)Tuple::unpack(hex(text));
    })) << text;
  }
}

TEST(TupleTest, MalformedInputDetailNamesTheProblemAndPosition) {
  try {
    (void)Tuple::unpack(hex("14 22"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.detail(), "unknown type code 0x22 at byte 1 of 2");
  }
  try {
    (void)Tuple::unpack(hex("02 61"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.detail(), "unterminated unicode string at byte 0 of 2");
  }
}

TEST(TupleTest, NestingDeeperThanTheLimitIsRejectedNotOverflowed) {
  std::string ok = std::string(1024, '\x05') + std::string(1024, '\x00');
  EXPECT_EQ(Tuple::unpack(ok).size(), 1u);
  std::string deep = std::string(1025, '\x05') + std::string(1025, '\x00');
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)Tuple::unpack(deep); }));
  std::string unterminated(100000, '\x05');
  EXPECT_TRUE(
      throwsCode(ErrorCode::invalid_tuple_data_type, [&] { (void)Tuple::unpack(unterminated); }));
}

TEST(TupleTest, EveryPrefixOfAValidPackingDecodesOrThrowsCleanly) {
  for (const Vector& v : specVectors()) {
    for (std::size_t n = 0; n < v.packed.size(); ++n) {
      // Exact-size copies so ASan catches any read past the end.
      std::vector<char> buf(v.packed.begin(), v.packed.begin() + static_cast<std::ptrdiff_t>(n));
      try {
        (void)Tuple::unpack(std::string_view(buf.data(), buf.size()));
      } catch (const Error& e) {
        EXPECT_EQ(e.errorCode(), ErrorCode::invalid_tuple_data_type) << e.what();
      }
    }
  }
}

TEST(TupleTest, RandomBytesDecodeOrThrowOnlyInvalidTupleDataType) {
  std::mt19937_64 rng(1234);
  const uint8_t interesting[] = {0x00, 0x01, 0x02, 0x05, 0x0b, 0x0c, 0x13, 0x14, 0x15,
                                 0x1c, 0x1d, 0x20, 0x21, 0x26, 0x27, 0x30, 0x33, 0xff};
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<char> buf(rng() % 24);
    for (char& c : buf) {
      c = static_cast<char>(rng() % 2 ? interesting[rng() % sizeof interesting] : rng());
    }
    try {
      Tuple t = Tuple::unpack(std::string_view(buf.data(), buf.size()));
      ++decoded;
      // Whatever decoded re-packs to something that decodes to the same tuple.
      if (!t.hasIncompleteVersionstamp()) {
        EXPECT_EQ(Tuple::unpack(t.pack()), t);
      }
    } catch (const Error& e) {
      ASSERT_EQ(e.errorCode(), ErrorCode::invalid_tuple_data_type) << e.what();
    }
  }
  EXPECT_GT(decoded, 100);
}

// ---- Random round trips and ordering ------------------------------------------------------

class RandomTuples {
 public:
  explicit RandomTuples(uint64_t seed) : rng_(seed) {}

  Tuple tuple(int depth = 0) {
    Tuple t;
    std::size_t n = rng_() % 4;
    for (std::size_t i = 0; i < n; ++i) t.append(element(depth));
    return t;
  }

 private:
  std::string text(bool anyByte) {
    static constexpr char kAlphabet[] = {'\0', '\x01', 'a', 'b', '\x7f', '\xc3', '\xff'};
    std::string s(rng_() % 4, ' ');
    for (char& c : s) c = anyByte ? static_cast<char>(rng_()) : kAlphabet[rng_() % 7];
    return s;
  }

  TupleElement integer() {
    switch (rng_() % 6) {
      case 0:
        return static_cast<int64_t>(rng_() % 7) - 3;
      case 1:
        return static_cast<int64_t>(rng_()) >> (rng_() % 64);
      case 2:
        return rng_() | (uint64_t{1} << 63);
      case 3: {
        const int64_t edges[] = {INT64_MIN, INT64_MAX, -256, -255, 255, 256, -65536, 65535};
        return edges[rng_() % 8];
      }
      default: {
        std::string mag(9 + rng_() % 12, '\0');
        for (char& c : mag) c = static_cast<char>(rng_());
        if (rng_() % 2) mag = std::string(rng_() % 2 ? 8 : 9, '\xff');
        return BigInt::fromMagnitude(rng_() % 2 ? Sign::kNegative : Sign::kNonNegative, mag);
      }
    }
  }

  TupleElement element(int depth) {
    switch (rng_() % (depth < 3 ? 12 : 11)) {
      case 0:
        return nullptr;
      case 1:
        return Bytes(text(rng_() % 4 == 0));
      case 2:
        return text(false);
      case 3:
      case 4:
        return integer();
      case 5: {
        uint32_t bits =
            rng_() % 3 ? static_cast<uint32_t>(rng_()) : static_cast<uint32_t>(rng_() % 5);
        return std::bit_cast<float>(bits);
      }
      case 6:
        return rng_() % 2 ? std::bit_cast<double>(rng_()) : static_cast<double>(rng_() % 5) - 2;
      case 7:
        return rng_() % 2 == 0;
      case 8: {
        Uuid u;
        for (auto& b : u.bytes) b = static_cast<uint8_t>(rng_() % 3);
        return u;
      }
      case 9: {
        Versionstamp s;
        for (auto& b : s.transactionVersion) b = static_cast<uint8_t>(rng_() % 2);
        s.userVersion = static_cast<uint16_t>(rng_() % 3);
        return s;
      }
      case 10:
        return static_cast<int64_t>(rng_() % 3);
      default:
        return tuple(depth + 1);
    }
  }

  std::mt19937_64 rng_;
};

TEST(TupleTest, RandomTuplesRoundTripThroughPack) {
  RandomTuples gen(42);
  for (int i = 0; i < 5000; ++i) {
    Tuple t = gen.tuple();
    std::string packed = t.pack();
    Tuple back = Tuple::unpack(packed);
    ASSERT_EQ(back, t) << t.toString() << " -> " << back.toString();
    ASSERT_EQ(back.pack(), packed) << t.toString();
  }
}

TEST(TupleTest, ComparisonOrderMatchesPackedByteOrderOnRandomTuples) {
  RandomTuples gen(7);
  std::vector<Tuple> tuples;
  for (int i = 0; i < 3000; ++i) tuples.push_back(gen.tuple());
  std::vector<Tuple> byValue = tuples;
  std::stable_sort(byValue.begin(), byValue.end());
  std::vector<Tuple> byBytes = tuples;
  std::stable_sort(byBytes.begin(), byBytes.end(),
                   [](const Tuple& a, const Tuple& b) { return a.pack() < b.pack(); });
  ASSERT_EQ(byValue.size(), byBytes.size());
  for (std::size_t i = 0; i < byValue.size(); ++i) {
    ASSERT_EQ(byValue[i].pack(), byBytes[i].pack())
        << i << ": " << byValue[i].toString() << " vs " << byBytes[i].toString();
  }
  // Pairwise: the sign of the comparison equals the sign of the byte comparison.
  for (std::size_t i = 0; i + 1 < tuples.size(); ++i) {
    const Tuple& a = tuples[i];
    const Tuple& b = tuples[i + 1];
    int bytes = a.pack().compare(b.pack());
    auto value = a <=> b;
    EXPECT_EQ(bytes < 0, value < 0) << a.toString() << " vs " << b.toString();
    EXPECT_EQ(bytes == 0, value == 0) << a.toString() << " vs " << b.toString();
  }
}

// ---- Rendering and value types ------------------------------------------------------------

TEST(TupleTest, ToStringReadsLikePython) {
  Tuple t{"users", 42, Bytes{"\x00\x01z"}, nullptr, true, 1.5f, 2.0, Tuple{}, Tuple{1}};
  EXPECT_EQ(t.toString(), R"(("users", 42, b"\x00\x01z", None, True, 1.5f, 2.0, (), (1,)))");
  EXPECT_EQ(Tuple{Versionstamp::incomplete(3)}.toString(), "(Versionstamp(incomplete, 3),)");
  EXPECT_EQ(Tuple{Uuid{}}.toString(), "(UUID(00000000-0000-0000-0000-000000000000),)");
  EXPECT_EQ(Tuple{"q\"\\\n"}.toString(), R"(("q\"\\\x0a",))");
  EXPECT_EQ(Tuple{}.toString(), "()");
}

TEST(TupleTest, UuidParsesAndPrintsTheCanonicalForm) {
  Uuid u = Uuid::fromString("12345678-9ABC-def0-1234-56789abcdef0");
  EXPECT_EQ(u.toString(), "12345678-9abc-def0-1234-56789abcdef0");
  for (std::string s :
       {"", "12345678123456781234567812345678", "12345678-1234-5678-1234-56781234567",
        "12345678-1234-5678-1234-5678123456789", "1234567g-1234-5678-1234-567812345678",
        "12345678_1234-5678-1234-567812345678"}) {
    EXPECT_TRUE(throwsCode(ErrorCode::invalid_input, [&] { (void)Uuid::fromString(s); })) << s;
  }
  EXPECT_TRUE(throwsCode(ErrorCode::invalid_uuid_size, [] { (void)Uuid::fromBytes("short"); }));
  EXPECT_EQ(Uuid::fromBytes(std::string(16, '\x01')).bytes[15], 1);
}

TEST(TupleTest, VersionstampConvertsToAndFromTwelveBytes) {
  Versionstamp s{stamp({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), 0x0291};
  EXPECT_EQ(s.toBytes(), hex("01 02 03 04 05 06 07 08 09 0A 02 91"));
  EXPECT_EQ(Versionstamp::fromBytes(s.toBytes()), s);
  EXPECT_TRUE(s.isComplete());
  EXPECT_FALSE(Versionstamp::incomplete().isComplete());
  EXPECT_TRUE(
      throwsCode(ErrorCode::invalid_versionstamp_size, [] { (void)Versionstamp::fromBytes("x"); }));
}

}  // namespace
}  // namespace strata
