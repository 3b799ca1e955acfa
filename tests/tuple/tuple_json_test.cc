#include "strata/tuple_json.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "strata/kv/error.h"

namespace strata {
namespace {

using nlohmann::json;
using namespace std::string_literals;

template <class F>
::testing::AssertionResult throwsCode(ErrorCode code, F&& f, std::string_view detailPart = {}) {
  try {
    f();
  } catch (const Error& e) {
    if (e.errorCode() != code) return ::testing::AssertionFailure() << "threw " << e.what();
    if (e.detail().find(detailPart) == std::string::npos) {
      return ::testing::AssertionFailure() << "detail lacks \"" << detailPart << "\": " << e.what();
    }
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "did not throw";
}

Tuple everyType() {
  std::array<uint8_t, 10> tv{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  return Tuple{nullptr,
               true,
               false,
               int64_t{-5},
               INT64_MIN,
               UINT64_MAX,
               BigInt::fromString("-123456789012345678901234567890"),
               BigInt::fromString("18446744073709551616"),
               2.5,
               -0.0,
               1.0,
               0.1,
               std::numeric_limits<double>::infinity(),
               3.14f,
               -std::numeric_limits<float>::infinity(),
               "h\u00e9llo \"\n",
               Bytes{"\x00\xff\x10"},
               Tuple{1, Tuple{"x"}, Tuple{}},
               Uuid::fromString("12345678-1234-5678-1234-567812345678"),
               Versionstamp{tv, 657},
               Versionstamp::incomplete(3)};
}

TEST(TupleJsonTest, EveryElementTypeRoundTripsThroughJsonText) {
  Tuple t = everyType();
  json j = tupleToJson(t);
  std::string text = j.dump();
  Tuple back = tupleFromJson(json::parse(text));
  EXPECT_EQ(back, t) << text;
  for (std::size_t i = 0; i < t.size(); ++i) EXPECT_EQ(back.type(i), t.type(i)) << i;
}

TEST(TupleJsonTest, MapsEachTypeToTheDocumentedForm) {
  json j = tupleToJson(everyType());
  EXPECT_EQ(j[0], nullptr);
  EXPECT_EQ(j[1], true);
  EXPECT_EQ(j[3], -5);
  EXPECT_TRUE(j[5].is_number_unsigned());
  EXPECT_EQ(j[6], (json{{"int", "-123456789012345678901234567890"}}));
  EXPECT_EQ(j[7], (json{{"int", "18446744073709551616"}}));
  EXPECT_TRUE(j[8].is_number_float());
  EXPECT_EQ(j[10].dump(), "1.0");
  EXPECT_EQ(j[12], (json{{"double", "inf"}}));
  EXPECT_EQ(j[14], (json{{"float", "-inf"}}));
  EXPECT_EQ(j[16], (json{{"bytes", "00ff10"}}));
  EXPECT_EQ(j[17].dump(), R"([1,["x"],[]])");
  EXPECT_EQ(j[18], (json{{"uuid", "12345678-1234-5678-1234-567812345678"}}));
  EXPECT_EQ(j[19], (json{{"versionstamp", "0102030405060708090a0291"}}));
  EXPECT_EQ(j[20], (json{{"versionstamp", "ffffffffffffffffffff0003"}}));
}

TEST(TupleJsonTest, ParsesHandWrittenJson) {
  Tuple t = tupleFromJson(json::parse(R"([
    "users", 42, -1, 18446744073709551615, 1.5, {"float": 1.5}, {"double": 2},
    {"bytes": "00FF"}, {"int": "-99999999999999999999"}, [null, [true]],
    {"versionstamp": "ffffffffffffffffffff0007"}, {"float": "nan"}, {"double": "-nan"}
  ])"));
  EXPECT_EQ(t.getString(0), "users");
  EXPECT_EQ(t.getInt(1), 42);
  EXPECT_EQ(t.getInt(2), -1);
  EXPECT_EQ(t.getUint64(3), UINT64_MAX);
  EXPECT_EQ(t.getDouble(4), 1.5);
  EXPECT_EQ(t.getFloat(5), 1.5f);
  EXPECT_EQ(t.getDouble(6), 2.0);
  EXPECT_EQ(t.getBytes(7), "\x00\xff"s);
  EXPECT_EQ(t.getBigInt(8).toString(), "-99999999999999999999");
  EXPECT_EQ(t.getTuple(9), (Tuple{nullptr, Tuple{true}}));
  EXPECT_EQ(t.getVersionstamp(10), Versionstamp::incomplete(7));
  EXPECT_TRUE(std::isnan(t.getFloat(11)) && !std::signbit(t.getFloat(11)));
  EXPECT_TRUE(std::isnan(t.getDouble(12)) && std::signbit(t.getDouble(12)));
}

TEST(TupleJsonTest, NanRoundTripsKeepingItsSign) {
  Tuple t{std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<float>::quiet_NaN()};
  json j = tupleToJson(t);
  EXPECT_EQ(j.dump(), R"([{"double":"nan"},{"float":"-nan"}])");
  Tuple back = tupleFromJson(json::parse(j.dump()));
  EXPECT_TRUE(std::isnan(back.getDouble(0)));
  EXPECT_TRUE(std::isnan(back.getFloat(1)) && std::signbit(back.getFloat(1)));
}

TEST(TupleJsonTest, BareIntegersBeyondUint64BecomeDoublesAsDocumented) {
  Tuple t = tupleFromJson(json::parse("[18446744073709551616]"));
  EXPECT_EQ(t.type(0), TupleType::kDouble);
  EXPECT_EQ(t.getDouble(0), 18446744073709551616.0);
}

TEST(TupleJsonTest, RejectsAnythingButAnArray) {
  for (const char* text : {"{}", "1", "\"a\"", "null", R"({"bytes":"00"})"}) {
    EXPECT_TRUE(throwsCode(
        ErrorCode::invalid_input, [&] { (void)tupleFromJson(json::parse(text)); },
        "a tuple is a JSON array"))
        << text;
  }
}

TEST(TupleJsonTest, RejectsMalformedObjectsNamingTheElementPath) {
  struct Case {
    const char* text;
    const char* detail;
  };
  const Case cases[] = {
      {R"([{}])", "element 0: an object needs exactly one key"},
      {R"([1, {"bytes":"00", "float":1}])", "element 1: an object needs exactly one key"},
      {R"([{"blob":"00"}])", "element 0: unknown object key \"blob\""},
      {R"([{"bytes":"0"}])", "element 0: \"bytes\": hex text has an odd number of digits"},
      {R"([{"bytes":"zz"}])", "element 0: \"bytes\": non-hex character at position 0"},
      {R"([{"bytes":12}])", "element 0: \"bytes\" needs a hex string"},
      {R"([{"float":"fast"}])", "element 0: expected a number or one of"},
      {R"([{"double":[1]}])", "element 0: expected a number"},
      {R"([{"uuid":"1234"}])", "element 0: UUID must be 8-4-4-4-12 hex digits"},
      {R"([{"uuid":5}])", "element 0: \"uuid\" needs a string"},
      {R"([{"versionstamp":"ffff"}])", "element 0: \"versionstamp\" needs 24 hex digits"},
      {R"([{"int":"12x"}])", "element 0: integer must be an optional '-' and decimal digits"},
      {R"([{"int":12}])", "element 0: \"int\" needs a decimal string"},
      {R"([1, [2, [{"uuid":"x"}]]])", "element 1.1.0: UUID must be"},
  };
  for (const Case& c : cases) {
    EXPECT_TRUE(throwsCode(
        ErrorCode::invalid_input, [&] { (void)tupleFromJson(json::parse(c.text)); }, c.detail))
        << c.text;
  }
}

TEST(TupleJsonTest, RejectsJsonValuesWithoutATupleMapping) {
  json binary = json::array({json::binary({1, 2})});
  EXPECT_TRUE(throwsCode(
      ErrorCode::invalid_input, [&] { (void)tupleFromJson(binary); },
      "element 0: no tuple element for JSON binary"));
}

TEST(TupleJsonTest, InvalidUtf8StringsCannotBecomeJson) {
  for (std::string bad : {"\xff"s, "\xc3"s, "\xc0\x80"s, "\xed\xa0\x80"s, "a\xf4\x90\x80\x80"s}) {
    EXPECT_TRUE(throwsCode(
        ErrorCode::invalid_input, [&] { (void)tupleToJson(Tuple{bad}); }, "not valid UTF-8"));
  }
  EXPECT_EQ(tupleToJson(Tuple{"\xf0\x9f\x94\xa5"}).dump(), "[\"\xf0\x9f\x94\xa5\"]");
  EXPECT_EQ(tupleToJson(Tuple{Bytes{"\xff"}}).dump(), R"([{"bytes":"ff"}])");
}

TEST(TupleJsonTest, HexHelpersRoundTripAndRejectBadText) {
  EXPECT_EQ(toHex("\x00\x7f\xff"s), "007fff");
  EXPECT_EQ(fromHex("007FfF"), "\x00\x7f\xff"s);
  EXPECT_EQ(fromHex(""), "");
  EXPECT_TRUE(throwsCode(
      ErrorCode::invalid_input, [] { (void)fromHex("abc"); }, "odd"));
  EXPECT_TRUE(throwsCode(
      ErrorCode::invalid_input, [] { (void)fromHex("0g"); }, "position 1"));
}

}  // namespace
}  // namespace strata
