// `strata tuple pack|unpack`: FoundationDB's byte vectors, round trips, and bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::StartsWith;

// (compact JSON, packed hex), checked both ways.
const std::vector<std::pair<std::string, std::string>> kVectors = {
    {R"(["hello",1,null])", "0268656c6c6f00150100"},
    {R"([])", ""},
    {R"([0])", "14"},
    {R"([-1])", "13fe"},
    {R"([true,false])", "2726"},
    {R"([{"bytes":"00ff"}])", "0100ffff00"},
    {R"([["a",null]])",
     "05026100"
     "00ff"
     "00"},
    {R"([18446744073709551615])", "1cffffffffffffffff"},
    {R"([{"int":"-18446744073709551616"}])", "0bf6feffffffffffffffff"},
    {R"([-5551212])", "11ab4b93"},
    {R"([{"versionstamp":"aabbccddeeff000102030291"}])", "33aabbccddeeff000102030291"},
    {R"([{"uuid":"12345678-1234-5678-1234-567812345678"}])", "3012345678123456781234567812345678"},
};

TEST(TupleCommandTest, PackPrintsFoundationDbBytesAsLowercaseHex) {
  for (const auto& [json, hex] : kVectors) {
    CliResult r = runCli({"tuple", "pack", json});
    EXPECT_EQ(r.exitCode, 0) << json << " " << r;
    EXPECT_EQ(r.out, hex + "\n") << json;
  }
}

TEST(TupleCommandTest, UnpackPrintsCompactJsonThatPacksBackToTheSameBytes) {
  for (const auto& [json, hex] : kVectors) {
    CliResult r = runCli({"tuple", "unpack", hex});
    EXPECT_EQ(r.exitCode, 0) << hex << " " << r;
    EXPECT_EQ(r.out, json + "\n") << hex;
  }
}

TEST(TupleCommandTest, PackAcceptsWhitespaceAndUnpackAcceptsUppercaseHex) {
  CliResult r = runCli({"tuple", "pack", R"([ "hello" , 1 , null ])"});
  EXPECT_EQ(r.out, "0268656c6c6f00150100\n") << r;
  r = runCli({"tuple", "unpack", "0268656C6C6F00150100"});
  EXPECT_EQ(r.out, "[\"hello\",1,null]\n") << r;
}

TEST(TupleCommandTest, PackOfTextThatIsNotJsonFailsWithInvalidInput) {
  CliResult r = runCli({"tuple", "pack", "[1,"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: invalid_input (3005): "));
}

TEST(TupleCommandTest, PackOfJsonThatIsNotAnArrayFailsWithInvalidInput) {
  for (const char* json : {R"({"a":1})", "1", R"([{"nope":1}])"}) {
    CliResult r = runCli({"tuple", "pack", json});
    EXPECT_EQ(r.exitCode, 1) << json << " " << r;
    EXPECT_THAT(r.err, StartsWith("error: invalid_input (3005): ")) << json;
  }
}

TEST(TupleCommandTest, PackOfAnIncompleteVersionstampFailsWithClientInvalidOperation) {
  CliResult r = runCli({"tuple", "pack", R"([{"versionstamp":"ffffffffffffffffffff0000"}])"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: client_invalid_operation (2000): "));
}

TEST(TupleCommandTest, UnpackOfMalformedHexFailsWithInvalidInput) {
  for (const char* hex : {"0", "zz", "02 68"}) {
    CliResult r = runCli({"tuple", "unpack", hex});
    EXPECT_EQ(r.exitCode, 1) << hex << " " << r;
    EXPECT_THAT(r.err, StartsWith("error: invalid_input (3005): ")) << hex;
  }
}

TEST(TupleCommandTest, UnpackOfBytesThatAreNotATupleFailsWithInvalidTupleDataType) {
  for (const char* hex : {"ff", "0268656c6c6f", "15"}) {
    CliResult r = runCli({"tuple", "unpack", hex});
    EXPECT_EQ(r.exitCode, 1) << hex << " " << r;
    EXPECT_THAT(r.err, StartsWith("error: invalid_tuple_data_type (2250): ")) << hex;
  }
}

TEST(TupleCommandTest, MissingArgumentsAreUsageErrors) {
  EXPECT_EQ(runCli({"tuple", "pack"}).exitCode, 2);
  EXPECT_EQ(runCli({"tuple", "unpack"}).exitCode, 2);
  EXPECT_EQ(runCli({"tuple"}).exitCode, 2);
}

}  // namespace
}  // namespace strata::clitest
