// `strata spatial`: set, get, rm, query (plain, and --limit/--continue pages), near, polygon on a
// file: database in a temporary directory (each CLI invocation is a new process).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "cli/run_cli.h"
#include "strata/kv/database.h"
#include "strata/layers/spatial.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> sortedLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// The numbers of the statistics line "returned R of S keys scanned (C curve ranges, N reads)".
struct Statistics {
  long returned = -1, scanned = -1, ranges = -1, reads = -1;
};
Statistics statisticsOf(const CliResult& r) {
  Statistics s;
  auto at = r.err.find("returned ");
  if (at != std::string::npos) {
    std::sscanf(r.err.c_str() + at,
                "returned %ld of %ld keys scanned (%ld curve ranges, %ld reads)", &s.returned,
                &s.scanned, &s.ranges, &s.reads);
  }
  return s;
}

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

// 40 points in a 20 x 20 square and 10 outside it, written through the library in one
// transaction under the CLI's layout (("strata.spatial", NAME), docs/FORMATS.md#spatial-index).
class SpatialQueryPagesTest : public SpatialCommandTest {
 protected:
  void SetUp() override {
    Database db = Database::open("file:" + (dir_.path() / "db").string());
    layers::SpatialIndex index(Subspace(Tuple{"strata.spatial"}).sub(Tuple{"grid"}));
    db.run([&](Transaction& tr) {
      for (int i = 0; i < 50; ++i) {
        uint64_t x = i < 40 ? (i * 7) % 20 : 30 + i, y = i < 40 ? (i * 3) % 20 : i;
        index.set(tr, "p" + std::to_string(100 + i), x, y);
      }
    });
  }
  const std::vector<std::string> rect_{"query", "grid", "0", "0", "20", "20"};
  std::vector<std::string> with(std::vector<std::string> extra) const {
    std::vector<std::string> a = rect_;
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST_F(SpatialQueryPagesTest, LimitAndContinuePrintEveryPointOnceWithStatisticsBeforeTheToken) {
  CliResult whole = run(rect_);
  ASSERT_EQ(whole.exitCode, 0) << whole;
  ASSERT_EQ(sortedLines(whole.out).size(), 40u);
  std::string joined, token;
  int pages = 0;
  long returned = 0;
  do {
    CliResult r =
        run(token.empty() ? with({"--limit", "7"}) : with({"--limit", "7", "--continue", token}));
    ASSERT_EQ(r.exitCode, 0) << r;
    EXPECT_LE(sortedLines(r.out).size(), 7u);
    Statistics s = statisticsOf(r);
    EXPECT_EQ(s.returned, static_cast<long>(sortedLines(r.out).size())) << r;
    EXPECT_GE(s.scanned, s.returned);
    returned += s.returned;
    joined += r.out;
    token = nextToken(r);
    if (!token.empty()) {
      EXPECT_THAT(r.err, HasSubstr("reads)\nnext: " + token + "\n"));
    }
    ASSERT_LT(++pages, 20);
  } while (!token.empty());
  EXPECT_EQ(pages, 6);  // 5 x 7 + 5: no empty last page
  EXPECT_EQ(returned, 40);
  EXPECT_EQ(sortedLines(joined), sortedLines(whole.out));
  EXPECT_EQ(std::count(joined.begin(), joined.end(), '\n'), 40);
}

TEST_F(SpatialQueryPagesTest, ContinueWithoutLimitPrintsTheRest) {
  CliResult first = run(with({"--limit", "25"}));
  ASSERT_EQ(first.exitCode, 0) << first;
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  CliResult rest = run(with({"--continue", token}));
  ASSERT_EQ(rest.exitCode, 0) << rest;
  EXPECT_EQ(nextToken(rest), "");
  EXPECT_EQ(statisticsOf(rest).returned, 15);
  EXPECT_EQ(sortedLines(first.out + rest.out), sortedLines(run(rect_).out));
}

TEST_F(SpatialQueryPagesTest, ALimitCoveringEveryPointPrintsNoToken) {
  CliResult r = run(with({"--limit", "40"}));
  ASSERT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(sortedLines(r.out).size(), 40u);
  EXPECT_EQ(nextToken(r), "");
}

TEST_F(SpatialQueryPagesTest, TinyTransactionsGiveTheSameAnswerWithAndWithoutLimit) {
  CliResult whole = run(rect_);
  CliResult tiny = run(with({"--scan-per-transaction", "2"}));
  ASSERT_EQ(tiny.exitCode, 0) << tiny;
  EXPECT_EQ(tiny.out, whole.out);  // sorted by id either way
  Statistics s = statisticsOf(tiny);
  EXPECT_EQ(s.returned, 40);
  EXPECT_GE(s.reads, 20);  // at least one read per transaction of at most 2 keys
  EXPECT_GE(s.reads, statisticsOf(whole).reads + 19);

  std::string joined, token;
  for (int pages = 0; pages < 20; ++pages) {
    std::vector<std::string> extra{"--limit", "9", "--scan-per-transaction", "1"};
    if (!token.empty()) extra.insert(extra.end(), {"--continue", token});
    CliResult r = run(with(extra));
    ASSERT_EQ(r.exitCode, 0) << r;
    joined += r.out;
    token = nextToken(r);
    if (token.empty()) break;
  }
  EXPECT_EQ(token, "");
  EXPECT_EQ(sortedLines(joined), sortedLines(whole.out));
}

TEST_F(SpatialQueryPagesTest, ForeignDamagedAndOldTokensAreInvalidInput) {
  CliResult first = run(with({"--limit", "3"}));
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"query", "grid", "0", "0", "21", "20", "--continue", token},
        std::vector<std::string>{"query", "other", "0", "0", "20", "20", "--continue", token},
        with({"--continue", token.substr(0, token.size() - 4)}), with({"--continue", token + "00"}),
        with({"--continue", "s1" + token.substr(2)}), with({"--continue", "not a token"})}) {
    CliResult r = run(args);
    EXPECT_EQ(r.exitCode, 1) << r;
    EXPECT_THAT(r.err, HasSubstr("invalid_input (3005)")) << r;
    EXPECT_THAT(r.out, IsEmpty());
  }
  EXPECT_EQ(run(with({"--scan-per-transaction", "0"})).exitCode, 2);
  EXPECT_EQ(run(with({"--limit", "-1"})).exitCode, 2);
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
