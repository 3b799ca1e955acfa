// --limit N / "next: TOKEN" / --continue TOKEN on the CLI's listings (tools/strata/listing.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class ContinuationCommandTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string db() const { return "file:" + (dir_.path() / "db").string(); }
  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db()});
    return runCli(args);
  }
  void fillKeys(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(run({"kv", "set", "k" + std::to_string(10 + i), "v"}).exitCode, 0);
    }
  }
  // Runs `args` with --limit `limit` and its continuations to the end.
  // Returns: every page's stdout, in order.
  std::vector<std::string> pages(std::vector<std::string> args, int limit) {
    std::vector<std::string> out;
    std::string token;
    for (int guard = 0; guard < 100; ++guard) {
      auto a = args;
      a.insert(a.end(), {"--limit", std::to_string(limit)});
      if (!token.empty()) a.insert(a.end(), {"--continue", token});
      CliResult r = run(a);
      EXPECT_EQ(r.exitCode, 0) << r;
      out.push_back(r.out);
      token = nextToken(r);
      if (token.empty()) break;
    }
    return out;
  }
};

TEST_F(ContinuationCommandTest, KvRangeWithALimitPrintsNextAndContinueResumesAfterIt) {
  fillKeys(7);
  CliResult first = run({"kv", "range", "--prefix", "k", "--limit", "3"});
  ASSERT_EQ(first.exitCode, 0) << first;
  EXPECT_EQ(first.out, "k10 = v\nk11 = v\nk12 = v\n");
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  CliResult second = run({"kv", "range", "--prefix", "k", "--limit", "3", "--continue", token});
  EXPECT_EQ(second.out, "k13 = v\nk14 = v\nk15 = v\n");
  CliResult rest = run({"kv", "range", "--prefix", "k", "--continue", nextToken(second)});
  EXPECT_EQ(rest.out, "k16 = v\n");
  EXPECT_EQ(nextToken(rest), "");
}

TEST_F(ContinuationCommandTest, NoNextLineWhenTheLimitIsExactlyTheRest) {
  fillKeys(3);
  CliResult r = run({"kv", "range", "--prefix", "k", "--limit", "3"});
  EXPECT_EQ(r.out, "k10 = v\nk11 = v\nk12 = v\n");
  EXPECT_THAT(r.err, IsEmpty());
}

TEST_F(ContinuationCommandTest, PagesConcatenateToTheWholeListingInReverseToo) {
  fillKeys(10);
  std::string whole = run({"kv", "range", "--prefix", "k", "--reverse"}).out;
  std::string joined;
  for (const auto& page : pages({"kv", "range", "--prefix", "k", "--reverse"}, 4)) joined += page;
  EXPECT_EQ(joined, whole);
}

TEST_F(ContinuationCommandTest, ATokenGivenWithOtherArgumentsIsRefused) {
  fillKeys(4);
  std::string token = nextToken(run({"kv", "range", "--prefix", "k", "--limit", "1"}));
  ASSERT_FALSE(token.empty());
  CliResult r = run({"kv", "range", "k", "m", "--continue", token});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("invalid_input (3005)"));
  CliResult rev = run({"kv", "range", "--prefix", "k", "--reverse", "--continue", token});
  EXPECT_EQ(rev.exitCode, 1) << rev;
}

TEST_F(ContinuationCommandTest, ADamagedTokenIsRefused) {
  fillKeys(4);
  std::string token = nextToken(run({"kv", "range", "--prefix", "k", "--limit", "1"}));
  ASSERT_GT(token.size(), 4u);
  CliResult r =
      run({"kv", "range", "--prefix", "k", "--continue", token.substr(0, token.size() - 2)});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: invalid_input (3005)"));
}

TEST_F(ContinuationCommandTest, PubsubHistoryPagesThroughEveryMessageInBothOrders) {
  ASSERT_EQ(run({"pubsub", "feed", "news"}).exitCode, 0);
  for (int i = 1; i <= 7; ++i)
    ASSERT_EQ(run({"pubsub", "post", "news", "m" + std::to_string(i)}).exitCode, 0);
  std::vector<std::string> newest = pages({"pubsub", "history", "news"}, 3);
  ASSERT_EQ(newest.size(), 3u);
  EXPECT_EQ(newest[0], "m7\nm6\nm5\n");
  EXPECT_EQ(newest[2], "m1\n");
  std::string oldest;
  for (const auto& page : pages({"pubsub", "history", "news", "--oldest-first"}, 2)) oldest += page;
  EXPECT_EQ(oldest, "m1\nm2\nm3\nm4\nm5\nm6\nm7\n");
  CliResult missing = run({"pubsub", "history", "nothing", "--limit", "1"});
  EXPECT_EQ(missing.exitCode, 1) << missing;
}

TEST_F(ContinuationCommandTest, QueuePeekListsQueuedItemsInDeliveryOrderAcrossPages) {
  ASSERT_EQ(run({"queue", "create", "jobs"}).exitCode, 0);
  for (int i = 1; i <= 5; ++i)
    ASSERT_EQ(run({"queue", "push", "jobs", "j" + std::to_string(i)}).exitCode, 0);
  ASSERT_EQ(run({"queue", "push", "jobs", "urgent", "--priority", "-1"}).exitCode, 0);
  CliResult first = run({"queue", "peek", "jobs", "--limit", "4"});
  ASSERT_EQ(first.exitCode, 0) << first;
  EXPECT_EQ(first.out, "urgent\nj1\nj2\nj3\n");
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  CliResult rest = run({"queue", "peek", "jobs", "--continue", token});
  EXPECT_EQ(rest.out, "j4\nj5\n");
  EXPECT_EQ(nextToken(rest), "");
  std::string joined;
  for (const auto& page : pages({"queue", "peek", "jobs"}, 2)) joined += page;
  EXPECT_EQ(joined, "urgent\nj1\nj2\nj3\nj4\nj5\n");
  EXPECT_EQ(run({"queue", "peek", "jobs"}).out, "urgent\n");
  ASSERT_EQ(run({"queue", "create", "other"}).exitCode, 0);
  CliResult other = run({"queue", "peek", "other", "--continue", token});
  EXPECT_EQ(other.exitCode, 1) << other;
  EXPECT_THAT(other.err, HasSubstr("invalid_input (3005)"));
}

TEST_F(ContinuationCommandTest, DocLsPagesThroughChildrenSkippingTheirSubtrees) {
  ASSERT_EQ(
      run({"doc", "set", "pets", R"({"a":{"x":{"y":1}},"b":[1,2,3],"c":"t","d":{"z":2},"e":5})"})
          .exitCode,
      0);
  std::string whole = run({"doc", "ls", "pets"}).out;
  EXPECT_EQ(whole, "a  object\nb  array\nc  value\nd  object\ne  value\n");
  CliResult first = run({"doc", "ls", "pets", "--limit", "2"});
  ASSERT_EQ(first.exitCode, 0) << first;
  EXPECT_EQ(first.out, "a  object\nb  array\n");
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  CliResult rest = run({"doc", "ls", "pets", "--continue", token});
  EXPECT_EQ(rest.out, "c  value\nd  object\ne  value\n");
  EXPECT_EQ(nextToken(rest), "");
  std::string joined;
  for (const auto& page : pages({"doc", "ls", "pets"}, 1)) joined += page;
  EXPECT_EQ(joined, whole);
  CliResult other = run({"doc", "ls", "pets.a", "--continue", token});
  EXPECT_EQ(other.exitCode, 1) << other;
  EXPECT_THAT(other.err, HasSubstr("invalid_input (3005)"));
}

TEST_F(ContinuationCommandTest, DocFindPagesThroughMatchesAndRefusesAnotherQuerysToken) {
  ASSERT_EQ(run({"doc", "set", "pets",
                 R"({"a":{"s":"dog"},"b":{"s":"cat"},"c":{"s":"dog"},"d":{"s":"dog"},
                     "e":{"s":"dog"}})"})
                .exitCode,
            0);
  ASSERT_EQ(run({"doc", "index", "add", "species", "pets.?.s", "-q"}).exitCode, 0);
  CliResult first = run({"doc", "find", "species", "dog", "--limit", "3", "--docs"});
  ASSERT_EQ(first.exitCode, 0) << first;
  EXPECT_EQ(first.out,
            "pets.a.s\t{\"s\":\"dog\"}\npets.c.s\t{\"s\":\"dog\"}\npets.d.s\t{\"s\":\"dog\"}\n");
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  CliResult rest = run({"doc", "find", "species", "dog", "--continue", token});
  EXPECT_EQ(rest.out, "pets.e.s\n");
  EXPECT_EQ(nextToken(rest), "");
  std::string joined;
  for (const auto& page : pages({"doc", "find", "species", "--prefix", ""}, 2)) joined += page;
  EXPECT_EQ(joined, "pets.b.s\npets.a.s\npets.c.s\npets.d.s\npets.e.s\n");
  CliResult other = run({"doc", "find", "species", "cat", "--continue", token});
  EXPECT_EQ(other.exitCode, 1) << other;
  EXPECT_THAT(other.err, HasSubstr("invalid_input (3005)"));
}

TEST_F(ContinuationCommandTest, DocExportLinesPagesConcatenateToTheWholeExport) {
  ASSERT_EQ(
      run({"doc", "set", "docs", R"({"a":{"n":1},"b":[true,null],"c":"x","d":{"e":{"f":2}}})"})
          .exitCode,
      0);
  std::string whole = run({"doc", "export", "docs", "--lines"}).out;
  ASSERT_FALSE(whole.empty());
  CliResult first = run({"doc", "export", "docs", "--lines", "--limit", "3"});
  ASSERT_EQ(first.exitCode, 0) << first;
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  CliResult rest = run({"doc", "export", "docs", "--lines", "--continue", token});
  EXPECT_EQ(first.out + rest.out, whole);
  EXPECT_EQ(rest.out, "{\"path\":\"d\",\"value\":{\"e\":{\"f\":2}}}\n");
  std::string joined;
  for (const auto& page : pages({"doc", "export", "docs", "--lines"}, 1)) joined += page;
  EXPECT_EQ(joined, whole);
  CliResult noLines = run({"doc", "export", "docs", "--limit", "1"});
  EXPECT_EQ(noLines.exitCode, 1) << noLines;
  EXPECT_THAT(noLines.err, HasSubstr("invalid_input (3005)"));
}

TEST_F(ContinuationCommandTest, DirLsPagesThroughSubdirectoriesAndRefusesAnotherPathsToken) {
  for (const char* d : {"app/a", "app/b", "app/c", "app/d", "app/e", "other/x"})
    ASSERT_EQ(run({"dir", "mkdir", d}).exitCode, 0);
  CliResult first = run({"dir", "ls", "app", "--limit", "2"});
  ASSERT_EQ(first.exitCode, 0) << first;
  EXPECT_EQ(first.out, "a\nb\n");
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  CliResult rest = run({"dir", "ls", "app", "--continue", token});
  EXPECT_EQ(rest.out, "c\nd\ne\n");
  EXPECT_EQ(nextToken(rest), "");
  std::string joined;
  for (const auto& page : pages({"dir", "ls", "app", "-l"}, 2)) joined += page;
  EXPECT_EQ(joined, run({"dir", "ls", "app", "-l"}).out);
  CliResult other = run({"dir", "ls", "other", "--continue", token});
  EXPECT_EQ(other.exitCode, 1) << other;
  EXPECT_THAT(other.err, HasSubstr("invalid_input (3005)"));
}

TEST_F(ContinuationCommandTest, DirTreePagesConcatenateToTheWholeTree) {
  for (const char* d : {"app/a/x", "app/a/y/z", "app/b", "app/c/w", "top"})
    ASSERT_EQ(run({"dir", "mkdir", d}).exitCode, 0);
  for (std::vector<std::string> args :
       {std::vector<std::string>{"dir", "tree"}, std::vector<std::string>{"dir", "tree", "app"}}) {
    std::string whole = run(args).out;
    ASSERT_FALSE(whole.empty());
    std::vector<std::string> paged = pages(args, 2);
    EXPECT_GT(paged.size(), 2u);
    std::string joined;
    for (const auto& page : paged) joined += page;
    EXPECT_EQ(joined, whole);
  }
  std::string token = nextToken(run({"dir", "tree", "app", "--limit", "1"}));
  ASSERT_FALSE(token.empty());
  CliResult other = run({"dir", "tree", "--continue", token});
  EXPECT_EQ(other.exitCode, 1) << other;
  EXPECT_THAT(other.err, HasSubstr("invalid_input (3005)"));
  CliResult damaged = run({"dir", "tree", "app", "--continue", token.substr(0, token.size() - 2)});
  EXPECT_EQ(damaged.exitCode, 1) << damaged;
  EXPECT_THAT(damaged.err, HasSubstr("invalid_input (3005)"));
}

TEST_F(ContinuationCommandTest, VectorRangePagesThroughTheSliceInBothDirections) {
  for (int i = 0; i < 7; ++i)
    ASSERT_EQ(run({"vector", "push", "v", "x" + std::to_string(i)}).exitCode, 0);
  ASSERT_EQ(run({"vector", "push", "w", "y"}).exitCode, 0);
  CliResult first = run({"vector", "range", "v", "--limit", "3"});
  ASSERT_EQ(first.exitCode, 0) << first;
  EXPECT_EQ(first.out, "0\tx0\n1\tx1\n2\tx2\n");
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  CliResult rest = run({"vector", "range", "v", "--continue", token});
  EXPECT_EQ(rest.out, "3\tx3\n4\tx4\n5\tx5\n6\tx6\n");
  EXPECT_EQ(nextToken(rest), "");
  for (std::vector<std::string> args :
       {std::vector<std::string>{"vector", "range", "v"},
        std::vector<std::string>{"vector", "range", "v", "--step", "-2"},
        std::vector<std::string>{"vector", "range", "v", "1", "6", "--step", "2"}}) {
    std::string joined;
    for (const auto& page : pages(args, 2)) joined += page;
    EXPECT_EQ(joined, run(args).out);
  }
  CliResult other = run({"vector", "range", "w", "--continue", token});
  EXPECT_EQ(other.exitCode, 1) << other;
  EXPECT_THAT(other.err, HasSubstr("invalid_input (3005)"));
  CliResult step = run({"vector", "range", "v", "--step", "2", "--continue", token});
  EXPECT_EQ(step.exitCode, 1) << step;
  EXPECT_THAT(step.err, HasSubstr("invalid_input (3005)"));
}

TEST_F(ContinuationCommandTest, SpatialQueryPagesInCurveOrderAndBindsTheRectangle) {
  const std::vector<std::vector<std::string>> points = {{"a", "10", "10"}, {"b", "500", "500"},
                                                        {"c", "20", "30"}, {"d", "5", "90"},
                                                        {"e", "99", "0"},  {"f", "50", "50"}};
  for (const auto& p : points)
    ASSERT_EQ(run({"spatial", "set", "cafes", p[0], p[1], p[2]}).exitCode, 0);
  CliResult first = run({"spatial", "query", "cafes", "0", "0", "100", "100", "--limit", "2"});
  ASSERT_EQ(first.exitCode, 0) << first;
  EXPECT_EQ(first.out, "a 10 10\nc 20 30\n");
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  CliResult rest = run({"spatial", "query", "cafes", "0", "0", "100", "100", "--continue", token});
  EXPECT_EQ(rest.out, "f 50 50\ne 99 0\nd 5 90\n");  // Z-order: f, e, d
  EXPECT_EQ(nextToken(rest), "");
  std::string joined;
  for (const auto& page : pages({"spatial", "query", "cafes", "0", "0", "100", "100"}, 1))
    joined += page;
  EXPECT_EQ(joined, first.out + rest.out);  // one-point pages: the same curve order
  CliResult other = run({"spatial", "query", "cafes", "0", "0", "600", "600", "--continue", token});
  EXPECT_EQ(other.exitCode, 1) << other;
  EXPECT_THAT(other.err, HasSubstr("invalid_input (3005)"));
}

TEST_F(ContinuationCommandTest, BlobLsPagesThroughEveryBlobOnce) {
  std::string file = (dir_.path() / "content").string();
  { std::ofstream(file) << "hello"; }
  for (const char* name : {"a", "b", "c", "d", "e"})
    ASSERT_EQ(run({"blob", "put", name, file}).exitCode, 0);
  CliResult first = run({"blob", "ls", "--limit", "2"});
  ASSERT_EQ(first.exitCode, 0) << first;
  EXPECT_EQ(first.out, "a\t5\nb\t5\n");
  std::string token = nextToken(first);
  ASSERT_FALSE(token.empty()) << first;
  CliResult rest = run({"blob", "ls", "--continue", token});
  EXPECT_EQ(rest.out, "c\t5\nd\t5\ne\t5\n");
  EXPECT_EQ(nextToken(rest), "");
  std::string joined;
  for (const auto& page : pages({"blob", "ls"}, 2)) joined += page;
  EXPECT_EQ(joined, run({"blob", "ls"}).out);
  CliResult damaged = run({"blob", "ls", "--continue", token.substr(0, token.size() - 2)});
  EXPECT_EQ(damaged.exitCode, 1) << damaged;
  EXPECT_THAT(damaged.err, HasSubstr("invalid_input (3005)"));
  CliResult foreign = run({"blob", "ls", "--continue", nextToken(first) + "00"});
  EXPECT_EQ(foreign.exitCode, 1) << foreign;
}

// Without --limit, listings still read in bounded transactions: a slice, a children list and a
// subdirectory list larger than one batch come out whole, in order, each item once.
TEST_F(ContinuationCommandTest, VectorRangeWithoutALimitPrintsASliceLargerThanOneTransaction) {
  ASSERT_EQ(run({"vector", "resize", "v", "25000"}).exitCode, 0);
  ASSERT_EQ(run({"vector", "set", "v", "24999", "last"}).exitCode, 0);
  ASSERT_EQ(run({"vector", "set", "v", "10000", "mid"}).exitCode, 0);
  CliResult r = run({"vector", "range", "v"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 25000);
  EXPECT_THAT(r.out, HasSubstr("\n10000\tmid\n"));
  EXPECT_THAT(r.out, ::testing::EndsWith("\n24999\tlast\n"));
  EXPECT_EQ(nextToken(r), "");
}

TEST_F(ContinuationCommandTest, DocLsWithoutALimitListsMoreChildrenThanOneBatch) {
  std::string json = "{";
  for (int i = 0; i < 2500; ++i) json += (i ? ",\"" : "\"") + std::to_string(100000 + i) + "\":1";
  json += "}";
  ASSERT_EQ(run({"doc", "set", "big", json}).exitCode, 0);
  CliResult r = run({"doc", "ls", "big"});
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::string expected;
  for (int i = 0; i < 2500; ++i) expected += std::to_string(100000 + i) + "  value\n";
  EXPECT_EQ(r.out, expected);
}

}  // namespace
}  // namespace strata::clitest
