// `strata queue` work-queue commands: create --max-attempts, push --delay/--priority, lease (JSON
// lines), ack / nack / extend, fencing (error 3010), dead / requeue-dead / purge-dead, stats, on a
// file: database in a temporary directory (each CLI invocation is a new process).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

class WorkQueueCommandTest : public ::testing::Test {
 protected:
  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", "file:" + (dir_.path() / "db").string(), "queue"});
    return runCli(args);
  }
  void ok(std::vector<std::string> args) {
    CliResult r = run(std::move(args));
    ASSERT_EQ(r.exitCode, 0) << r;
  }
  // Leases one item; the parsed JSON object, or null when nothing was printed.
  nlohmann::json lease(const std::string& name, const std::string& seconds = "60") {
    CliResult r = run({"lease", name, "--for", seconds});
    EXPECT_EQ(r.exitCode, 0) << r;
    if (r.out.empty()) return nullptr;
    EXPECT_EQ(r.out.back(), '\n');
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "one line";
    return nlohmann::json::parse(r.out);
  }
  nlohmann::json stats(const std::string& name) {
    CliResult r = run({"stats", name});
    EXPECT_EQ(r.exitCode, 0) << r;
    return nlohmann::json::parse(r.out);
  }
  TempDir dir_;
};

TEST_F(WorkQueueCommandTest, LeasePrintsTokenItemAndAttemptAndAckFinishesIt) {
  ok({"push", "jobs", "hello"});
  nlohmann::json l = lease("jobs");
  ASSERT_TRUE(l.is_object());
  EXPECT_EQ(l["item"], "hello");
  EXPECT_EQ(l["attempt"], 1);
  ASSERT_TRUE(l["token"].is_string());
  EXPECT_TRUE(lease("jobs").is_null()) << "nothing visible: prints nothing, exit 0";
  EXPECT_EQ(stats("jobs")["in_flight"], 1);
  ok({"ack", "jobs", l["token"]});
  EXPECT_EQ(run({"ack", "jobs", l["token"]}).exitCode, 3) << "already acked";
  EXPECT_EQ(stats("jobs"),
            nlohmann::json({{"visible", 0}, {"delayed", 0}, {"in_flight", 0}, {"dead", 0}}));
}

TEST_F(WorkQueueCommandTest, AnAckAfterAnotherConsumerTookTheExpiredLeaseFailsWith3010) {
  ok({"push", "jobs", "job"});
  nlohmann::json first = lease("jobs", "0.05");
  ASSERT_TRUE(first.is_object());
  nlohmann::json second;
  for (int i = 0; i < 200 && !second.is_object(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    second = lease("jobs");
  }
  ASSERT_TRUE(second.is_object());
  EXPECT_EQ(second["attempt"], 2);
  CliResult r = run({"ack", "jobs", first["token"]});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("3010"));
  ok({"ack", "jobs", second["token"]});
}

TEST_F(WorkQueueCommandTest, NackWithMaxAttemptsEndsInTheDeadLettersThatCanBeRequeuedOrPurged) {
  ok({"create", "jobs", "--max-attempts", "2"});
  ok({"push", "jobs", "flaky"});
  nlohmann::json l1 = lease("jobs");
  ASSERT_TRUE(l1.is_object());
  CliResult r = run({"nack", "jobs", l1["token"]});
  ASSERT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "requeued\n");
  nlohmann::json l2 = lease("jobs");
  ASSERT_TRUE(l2.is_object());
  EXPECT_EQ(l2["attempt"], 2);
  r = run({"nack", "jobs", l2["token"]});
  EXPECT_EQ(r.out, "dead\n");
  r = run({"dead", "jobs"});
  ASSERT_EQ(r.exitCode, 0) << r;
  nlohmann::json d = nlohmann::json::parse(r.out);
  EXPECT_EQ(d["item"], "flaky");
  EXPECT_EQ(d["attempts"], 2);
  EXPECT_EQ(stats("jobs")["dead"], 1);
  r = run({"requeue-dead", "jobs"});
  EXPECT_EQ(r.out, "1\n");
  nlohmann::json l3 = lease("jobs");
  ASSERT_TRUE(l3.is_object());
  EXPECT_EQ(l3["attempt"], 1);
  ok({"nack", "jobs", l3["token"]});
  l3 = lease("jobs");
  ok({"nack", "jobs", l3["token"]});
  EXPECT_EQ(run({"purge-dead", "jobs"}).out, "1\n");
  EXPECT_THAT(run({"dead", "jobs"}).out, IsEmpty());
}

TEST_F(WorkQueueCommandTest, DelayAndPriorityOrderDelivery) {
  ok({"push", "jobs", "later", "--delay", "3600"});
  ok({"push", "jobs", "low", "--priority", "5"});
  ok({"push", "jobs", "high", "--priority", "-1"});
  nlohmann::json s = stats("jobs");
  EXPECT_EQ(s["visible"], 2);
  EXPECT_EQ(s["delayed"], 1);
  EXPECT_EQ(run({"pop", "jobs"}).out, "high\n");
  EXPECT_EQ(run({"peek", "jobs"}).out, "low\n");
  EXPECT_EQ(run({"pop", "jobs"}).out, "low\n");
  EXPECT_EQ(run({"pop", "jobs"}).exitCode, 3) << "the delayed item is not due";
  EXPECT_EQ(run({"size", "jobs"}).out, "1\n");
}

TEST_F(WorkQueueCommandTest, ExtendKeepsTheLeaseAndNackDelayHidesTheItem) {
  ok({"push", "jobs", "long"});
  nlohmann::json l = lease("jobs", "0.05");
  ASSERT_TRUE(l.is_object());
  ok({"extend", "jobs", l["token"], "--for", "3600"});
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_TRUE(lease("jobs").is_null());
  ok({"nack", "jobs", l["token"], "--delay", "3600"});
  EXPECT_EQ(stats("jobs")["delayed"], 1);
}

TEST_F(WorkQueueCommandTest, ABlockingLeaseWakesWhenADelayedItemIsDue) {
  ok({"push", "jobs", "soon", "--delay", "0.2"});
  CliResult r = run({"lease", "jobs", "--for", "60", "--wait", "30"});
  ASSERT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(nlohmann::json::parse(r.out)["item"], "soon");
}

TEST_F(WorkQueueCommandTest, BadArgumentsAreUsageOrInputErrors) {
  EXPECT_EQ(run({"lease", "jobs"}).exitCode, 2) << "--for is required";
  EXPECT_EQ(run({"lease", "jobs", "--for", "0"}).exitCode, 2);
  EXPECT_EQ(run({"push", "jobs", "x", "--delay", "-1"}).exitCode, 2);
  EXPECT_EQ(run({"create", "jobs", "--max-attempts", "-1"}).exitCode, 2);
  EXPECT_EQ(run({"extend", "jobs", "tok"}).exitCode, 2);
  CliResult r = run({"ack", "jobs", "not-a-token"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("3005"));
  r = run({"nack", "jobs", "not-a-token"});
  EXPECT_EQ(r.exitCode, 1) << r;
}

}  // namespace
}  // namespace strata::clitest
