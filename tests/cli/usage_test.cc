// The strata CLI's global behaviour: --version, --help, usage errors (exit 2) and how
// strata::Error is reported (exit 1), and where the database URL comes from.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(UsageTest, VersionPrintsTheProjectVersion) {
  CliResult r = runCli({"--version"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, std::string("strata ") + STRATA_VERSION + "\n");
}

TEST(UsageTest, HelpListsEveryCommandGroupAndExitsZero) {
  CliResult r = runCli({"--help"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("kv"));
  EXPECT_THAT(r.out, HasSubstr("tuple"));
  EXPECT_THAT(r.out, HasSubstr("tour"));
  EXPECT_THAT(r.out, HasSubstr("--db"));
}

TEST(UsageTest, EveryCommandHasHelpText) {
  for (std::vector<std::string> command : {std::vector<std::string>{"kv", "get"},
                                           {"kv", "set"},
                                           {"kv", "clear"},
                                           {"kv", "clear-range"},
                                           {"kv", "range"},
                                           {"tuple", "pack"},
                                           {"tuple", "unpack"},
                                           {"tour"}}) {
    command.push_back("--help");
    CliResult r = runCli(command);
    EXPECT_EQ(r.exitCode, 0) << r;
    EXPECT_THAT(r.out, HasSubstr("Usage:")) << r;
  }
}

TEST(UsageTest, NoCommandIsAUsageErrorWithExitCodeTwo) {
  CliResult r = runCli({});
  EXPECT_EQ(r.exitCode, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("Usage:"));
  EXPECT_THAT(r.out, IsEmpty());
}

TEST(UsageTest, AnUnknownCommandIsAUsageError) {
  CliResult r = runCli({"--db", "memory:", "frobnicate"});
  EXPECT_EQ(r.exitCode, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("Usage:"));
}

TEST(UsageTest, AMissingArgumentShowsTheSubcommandsUsage) {
  CliResult r = runCli({"--db", "memory:", "kv", "get"});
  EXPECT_EQ(r.exitCode, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("KEY"));
  EXPECT_THAT(r.err, HasSubstr("Usage: strata kv get"));
}

TEST(UsageTest, KvWithoutASubcommandIsAUsageError) {
  CliResult r = runCli({"--db", "memory:", "kv"});
  EXPECT_EQ(r.exitCode, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("Usage: strata kv"));
}

TEST(UsageTest, AnUnknownSchemeIsReportedAsInvalidDatabaseName) {
  CliResult r = runCli({"--db", "bogus://nowhere", "kv", "get", "k"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("error: invalid_database_name (2013): "));
  EXPECT_THAT(r.out, IsEmpty());
}

TEST(UsageTest, TheEnvironmentVariableNamesTheDatabase) {
  CliResult r = runCli({"kv", "get", "k"}, {"STRATA_DB=bogus://from-env"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("invalid_database_name (2013)"));
}

TEST(UsageTest, TheDbOptionOverridesTheEnvironment) {
  CliResult r = runCli({"--db", "memory:", "kv", "get", "k"}, {"STRATA_DB=bogus://from-env"});
  EXPECT_EQ(r.exitCode, 3) << r;  // absent key: the memory database was opened
}

}  // namespace
}  // namespace strata::clitest
