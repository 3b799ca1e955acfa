// --limit N / "next: TOKEN" / --continue TOKEN on the CLI's listings (tools/strata/listing.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// The token of the last stderr line "next: TOKEN", or "" when there is none.
std::string nextToken(const CliResult& r) {
  std::string err = r.err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  auto nl = err.rfind('\n');
  std::string last = nl == std::string::npos ? err : err.substr(nl + 1);
  return last.starts_with("next: ") ? last.substr(6) : "";
}

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

}  // namespace
}  // namespace strata::clitest
