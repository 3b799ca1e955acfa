// `strata tour`: every step passes on each engine it can run on, and says what it saw.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// True when the tour's last line says every step passed (the step count grows with the layers;
// the kv steps alone are 9).
bool everyStepPassed(const std::string& out) {
  auto at = out.rfind("tour: ");
  if (at == std::string::npos) return false;
  int passed = 0;
  int total = 0;
  if (std::sscanf(out.c_str() + at, "tour: %d of %d steps passed", &passed, &total) != 2) {
    return false;
  }
  return passed == total && total >= 9;
}

TEST(TourCommandTest, EveryStepPassesOnAMemoryDatabase) {
  CliResult r = runCli({"--db", "memory:", "tour"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_TRUE(everyStepPassed(r.out)) << r;
  EXPECT_THAT(r.out, Not(HasSubstr("FAILED")));
  EXPECT_THAT(r.out, HasSubstr("not_committed (1020)"));
  EXPECT_THAT(r.out, HasSubstr("the watch fired: true"));
}

TEST(TourCommandTest, EveryStepPassesOnAFileDatabase) {
  TempDir dir;
  std::string url = "file:" + (dir.path() / "db").string();
  CliResult r = runCli({"--db", url, "tour"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_TRUE(everyStepPassed(r.out)) << r;
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
