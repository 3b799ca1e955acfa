// `strata pubsub`: feed, inbox, subscribe, unsubscribe, post, read, history, wait, trim on a file:
// database in a temporary directory (each CLI invocation is a new process, so every read here
// is also a subscriber restart).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;

class PubSubCommandTest : public ::testing::Test {
 protected:
  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", "file:" + (dir_.path() / "db").string(), "pubsub"});
    return runCli(args);
  }
  void ok(std::vector<std::string> args) {
    CliResult r = run(std::move(args));
    ASSERT_EQ(r.exitCode, 0) << r;
  }
  void setUpNews() {
    ok({"feed", "news"});
    ok({"inbox", "alice"});
    ok({"subscribe", "alice", "news"});
  }
  TempDir dir_;
};

TEST_F(PubSubCommandTest, FeedAndInboxSayWhetherTheyWereCreated) {
  CliResult r = run({"feed", "news"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "feed 'news' created\n");
  EXPECT_EQ(run({"feed", "news"}).out, "feed 'news' already exists\n");
  EXPECT_EQ(run({"inbox", "alice"}).out, "inbox 'alice' created\n");
}

TEST_F(PubSubCommandTest, PostPrintsAnIdAndReadPrintsNewMessagesOnce) {
  setUpNews();
  CliResult p = run({"post", "news", "hello world"});
  EXPECT_EQ(p.exitCode, 0) << p;
  EXPECT_THAT(p.out, MatchesRegex("[0-9a-f]{20}-[0-9]+\n"));
  ok({"post", "news", "second"});
  CliResult r = run({"read", "alice"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "hello world\nsecond\n");
  EXPECT_THAT(run({"read", "alice"}).out, IsEmpty());
}

TEST_F(PubSubCommandTest, ReadHonoursTheLimitAndPeekLeavesTheInbox) {
  setUpNews();
  for (const char* m : {"a", "b", "c"}) ok({"post", "news", m});
  EXPECT_EQ(run({"read", "alice", "--limit", "2", "--peek"}).out, "a\nb\n");
  EXPECT_EQ(run({"read", "alice", "--limit", "2"}).out, "a\nb\n");
  CliResult r = run({"read", "alice", "--ids"});
  EXPECT_THAT(r.out, MatchesRegex("[0-9a-f]{20}-[0-9]+ news c\n"));
}

TEST_F(PubSubCommandTest, HistoryIsNewestFirstUnlessAsked) {
  ok({"feed", "news"});
  for (const char* m : {"a", "b", "c"}) ok({"post", "news", m});
  EXPECT_EQ(run({"history", "news"}).out, "c\nb\na\n");
  EXPECT_EQ(run({"history", "news", "--limit", "2", "--oldest-first"}).out, "a\nb\n");
}

TEST_F(PubSubCommandTest, ATokenPostsOnce) {
  ok({"feed", "news"});
  CliResult first = run({"post", "news", "x", "--token", "t1"});
  CliResult again = run({"post", "news", "x", "--token", "t1"});
  EXPECT_EQ(first.out, again.out);
  EXPECT_EQ(run({"history", "news"}).out, "x\n");
}

TEST_F(PubSubCommandTest, UnsubscribeStopsDeliveryAndExitsThreeWhenNotSubscribed) {
  setUpNews();
  ok({"unsubscribe", "alice", "news"});
  ok({"post", "news", "unseen"});
  EXPECT_THAT(run({"read", "alice"}).out, IsEmpty());
  EXPECT_EQ(run({"unsubscribe", "alice", "news"}).exitCode, 3);
}

TEST_F(PubSubCommandTest, SubscribeFromNowSkipsHistory) {
  ok({"feed", "news"});
  ok({"inbox", "bob"});
  ok({"post", "news", "old"});
  ok({"subscribe", "bob", "news", "--from-now"});
  ok({"post", "news", "new"});
  EXPECT_EQ(run({"read", "bob"}).out, "new\n");
}

TEST_F(PubSubCommandTest, WaitTimesOutWithExitThreeAndWakesOnAPost) {
  setUpNews();
  CliResult timedOut = run({"wait", "alice", "--timeout", "0.05"});
  EXPECT_EQ(timedOut.exitCode, 3) << timedOut;
  auto waiter = std::async(std::launch::async, [&] {
    return run({"wait", "alice", "--timeout", "60"});
  });
  // Give the waiter time to arm its watch (a post before that wakes it at once as well).
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ok({"post", "news", "ping"});
  CliResult woke = waiter.get();
  EXPECT_EQ(woke.exitCode, 0) << woke;
  EXPECT_EQ(run({"read", "alice"}).out, "ping\n");
}

TEST_F(PubSubCommandTest, TrimKeepsTheNewest) {
  ok({"feed", "news"});
  for (const char* m : {"a", "b", "c"}) ok({"post", "news", m});
  CliResult r = run({"trim", "news", "--keep", "1"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "2\n");
  EXPECT_EQ(run({"history", "news"}).out, "c\n");
  EXPECT_EQ(run({"trim", "news", "--older-than", "3600"}).out, "0\n");
  EXPECT_EQ(run({"trim", "news"}).exitCode, 2);
}

TEST_F(PubSubCommandTest, MissingFeedsAndInboxesAreErrors) {
  CliResult r = run({"post", "nofeed", "x"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("client_invalid_operation (2000)"));
  EXPECT_EQ(run({"read", "noinbox"}).exitCode, 1);
  EXPECT_EQ(run({"feed", ""}).exitCode, 1);
  EXPECT_EQ(run({"read", "x", "--limit", "-1"}).exitCode, 2);
  EXPECT_EQ(run({"post", "onlyfeed"}).exitCode, 2);
}

}  // namespace
}  // namespace strata::clitest
