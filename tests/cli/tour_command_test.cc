// `strata tour`: every step passes on each engine it can run on, and says what it saw.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TourCommandTest, EveryStepPassesOnAMemoryDatabase) {
  CliResult r = runCli({"--db", "memory:", "tour"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("tour: 9 of 9 steps passed"));
  EXPECT_THAT(r.out, Not(HasSubstr("FAILED")));
  EXPECT_THAT(r.out, HasSubstr("not_committed (1020)"));
  EXPECT_THAT(r.out, HasSubstr("the watch fired: true"));
}

TEST(TourCommandTest, EveryStepPassesOnAFileDatabase) {
  TempDir dir;
  std::string url = "file:" + (dir.path() / "db").string();
  CliResult r = runCli({"--db", url, "tour"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("tour: 9 of 9 steps passed"));
}

TEST(TourCommandTest, TheTourLeavesNoKeysBehindOnAGivenDatabase) {
  TempDir dir;
  std::string url = "file:" + (dir.path() / "db").string();
  ASSERT_EQ(runCli({"--db", url, "kv", "set", "mine", "kept"}).exitCode, 0);
  ASSERT_EQ(runCli({"--db", url, "tour"}).exitCode, 0);
  CliResult r = runCli({"--db", url, "kv", "range", "", "\\xff"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "mine = kept\n");
}

TEST(TourCommandTest, WithoutDbItUsesATemporaryDatabaseAndRemovesIt) {
  TempDir tmp;
  CliResult r = runCli({"tour"}, {"TMPDIR=" + tmp.path().string()});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("temporary database"));
  EXPECT_TRUE(std::filesystem::is_empty(tmp.path())) << "the temporary database was not removed";
}

}  // namespace
}  // namespace strata::clitest
