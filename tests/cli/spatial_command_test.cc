// `strata spatial`: set, get, rm, query, near, polygon on a file: database in a temporary
// directory (each CLI invocation is a new process).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class SpatialCommandTest : public ::testing::Test {
 protected:
  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", "file:" + (dir_.path() / "db").string(), "spatial"});
    return runCli(args);
  }
  void ok(std::vector<std::string> args) {
    CliResult r = run(std::move(args));
    ASSERT_EQ(r.exitCode, 0) << r;
  }
  TempDir dir_;
};

TEST_F(SpatialCommandTest, SetThenGetPrintsTheCoordinates) {
  ok({"set", "shops", "bakery", "12", "34"});
  CliResult r = run({"get", "shops", "bakery"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "12 34\n");
}

TEST_F(SpatialCommandTest, GetAndRmOfAnAbsentPointExitThree) {
  CliResult r = run({"get", "shops", "nothing"});
  EXPECT_EQ(r.exitCode, 3) << r;
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_EQ(run({"rm", "shops", "nothing"}).exitCode, 3);
}

TEST_F(SpatialCommandTest, RmRemovesThePointFromQueries) {
  ok({"set", "shops", "a", "1", "1"});
  ok({"rm", "shops", "a"});
  EXPECT_EQ(run({"get", "shops", "a"}).exitCode, 3);
  CliResult r = run({"query", "shops", "0", "0", "10", "10"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, IsEmpty());
}

TEST_F(SpatialCommandTest, QueryPrintsPointsSortedByIdWithHalfOpenEdges) {
  ok({"set", "shops", "zeta", "5", "5"});
  ok({"set", "shops", "alpha", "9", "9"});
  ok({"set", "shops", "edge", "10", "5"});  // x1 = 10 is exclusive
  ok({"set", "shops", "mid", "0", "0"});
  CliResult r = run({"query", "shops", "0", "0", "10", "10"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "alpha 9 9\nmid 0 0\nzeta 5 5\n");
  EXPECT_THAT(r.err, HasSubstr("returned 3 of"));
}

TEST_F(SpatialCommandTest, SetMovesAnExistingPoint) {
  ok({"set", "shops", "van", "1", "1"});
  ok({"set", "shops", "van", "1000", "2000"});
  EXPECT_THAT(run({"query", "shops", "0", "0", "10", "10"}).out, IsEmpty());
  EXPECT_EQ(run({"query", "shops", "1000", "2000", "1001", "2001"}).out, "van 1000 2000\n");
}

TEST_F(SpatialCommandTest, NearPrintsTheNearestFirst) {
  ok({"set", "shops", "far", "100", "100"});
  ok({"set", "shops", "close", "3", "4"});
  ok({"set", "shops", "closer", "1", "1"});
  CliResult r = run({"near", "shops", "0", "0", "2"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "closer 1 1\nclose 3 4\n");
}

TEST_F(SpatialCommandTest, PolygonPrintsThePointsInside) {
  ok({"set", "shops", "in", "2", "1"});
  ok({"set", "shops", "out", "8", "8"});
  CliResult r = run({"polygon", "shops", "0", "0", "10", "0", "0", "10"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "in 2 1\n");
  EXPECT_EQ(run({"polygon", "shops", "0", "0", "10", "0"}).exitCode, 2);
  EXPECT_EQ(run({"polygon", "shops", "0", "0", "10", "0", "5"}).exitCode, 2);
}

TEST_F(SpatialCommandTest, CoordinatesOutsideTheGridAreInvalidOptionValues) {
  CliResult r = run({"set", "shops", "x", "4294967296", "0"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("(2006)"));
  r = run({"query", "shops", "0", "0", "4294967297", "5"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("(2006)"));
  EXPECT_EQ(run({"near", "shops", "0", "0", "-1"}).exitCode, 1);
}

TEST_F(SpatialCommandTest, NonNumericCoordinatesAreUsageErrors) {
  EXPECT_EQ(run({"set", "shops", "x", "east", "0"}).exitCode, 2);
  EXPECT_EQ(run({"query", "shops", "0", "0", "1"}).exitCode, 2);
}

}  // namespace
}  // namespace strata::clitest
