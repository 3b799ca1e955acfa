// `strata queue`: push, pop (with --wait), peek, size, clear on a file: database in a temporary
// directory (each CLI invocation is a new process).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class QueueCommandTest : public ::testing::Test {
 protected:
  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", "file:" + (dir_.path() / "db").string(), "queue"});
    return runCli(args);
  }
  void ok(std::vector<std::string> args) {
    CliResult r = run(std::move(args));
    ASSERT_EQ(r.exitCode, 0) << r;
  }
  TempDir dir_;
};

TEST_F(QueueCommandTest, PopReturnsItemsInPushOrder) {
  ok({"push", "jobs", "one"});
  ok({"push", "jobs", "two"});
  CliResult r = run({"pop", "jobs"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "one\n");
  r = run({"pop", "jobs"});
  EXPECT_EQ(r.out, "two\n");
}

TEST_F(QueueCommandTest, PopOnAnEmptyQueueExitsWithThree) {
  CliResult r = run({"pop", "jobs"});
  EXPECT_EQ(r.exitCode, 3) << r;
  EXPECT_THAT(r.out, IsEmpty());
  r = run({"pop", "jobs", "--wait", "0.05"});
  EXPECT_EQ(r.exitCode, 3) << r;
  r = run({"peek", "jobs"});
  EXPECT_EQ(r.exitCode, 3) << r;
}

TEST_F(QueueCommandTest, PopWithWaitGetsAnItemPushedWhileWaiting) {
  CliResult waited;
  std::thread consumer([&] { waited = run({"pop", "jobs", "--wait", "30"}); });
  ok({"push", "jobs", "late"});
  consumer.join();
  EXPECT_EQ(waited.exitCode, 0) << waited;
  EXPECT_EQ(waited.out, "late\n");
}

TEST_F(QueueCommandTest, PeekSizeAndClear) {
  ok({"push", "jobs", "a"});
  ok({"push", "jobs", "b"});
  CliResult r = run({"peek", "jobs"});
  EXPECT_EQ(r.out, "a\n");
  r = run({"size", "jobs"});
  EXPECT_EQ(r.out, "2\n");
  ok({"clear", "jobs"});
  r = run({"size", "jobs"});
  EXPECT_EQ(r.out, "0\n");
}

TEST_F(QueueCommandTest, APushIdPushesOnce) {
  ok({"push", "jobs", "a", "--id", "k1"});
  CliResult r = run({"push", "jobs", "a", "--id", "k1"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.err, HasSubstr("already used"));
  r = run({"size", "jobs"});
  EXPECT_EQ(r.out, "1\n");
}

TEST_F(QueueCommandTest, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(run({"push", "jobs"}).exitCode, 2);
  EXPECT_EQ(run({"pop", "jobs", "--wait", "-1"}).exitCode, 2);
  EXPECT_EQ(run({"pop"}).exitCode, 2);
  CliResult r = run({"push", "jobs", std::string(100'000, 'x')});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("value_too_large (2103)"));
}

}  // namespace
}  // namespace strata::clitest
