// `strata kv set --ttl`, `strata kv get` and `strata expire`: keys with a time to live on a file:
// database in a temporary directory (each invocation is a new process).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;

class ExpiryCommandTest : public ::testing::Test {
 protected:
  CliResult strata(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", db_});
    return runCli(args);
  }
  // Polls `kv get key` until it exits 3 (absent); false after a generous timeout.
  bool waitUntilAbsent(const std::string& key) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (strata({"kv", "get", key}).exitCode == 3) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  TempDir dir_;
  std::string db_ = "file:" + (dir_.path() / "db").string();
};

TEST_F(ExpiryCommandTest, AKeyWithATtlDisappearsFromGetAndExpireDeletesIt) {
  ASSERT_EQ(strata({"kv", "set", "short", "v", "--ttl", "0.05"}).exitCode, 0);
  ASSERT_EQ(strata({"kv", "set", "long", "v", "--ttl", "3600"}).exitCode, 0);
  ASSERT_EQ(strata({"kv", "set", "plain", "v"}).exitCode, 0);
  ASSERT_TRUE(waitUntilAbsent("short"));
  CliResult get = strata({"kv", "get", "short"});
  EXPECT_THAT(get.err, HasSubstr("not found: short"));

  CliResult due = strata({"expire", "--dry-run"});
  EXPECT_EQ(due.exitCode, 0) << due;
  EXPECT_EQ(due.out, "due: 1\n");
  CliResult expire = strata({"expire"});
  EXPECT_EQ(expire.exitCode, 0) << expire;
  EXPECT_EQ(expire.out, "expired: 1\n");
  EXPECT_EQ(strata({"expire"}).out, "expired: 0\n");

  EXPECT_EQ(strata({"kv", "get", "long"}).out, "v\n");
  EXPECT_EQ(strata({"kv", "get", "plain"}).out, "v\n");
  // The raw key is gone too, not just hidden.
  EXPECT_THAT(strata({"kv", "range", "s", "t"}).out, ::testing::IsEmpty());
}

TEST_F(ExpiryCommandTest, ASetWithoutTtlDropsAnEarlierTtl) {
  ASSERT_EQ(strata({"kv", "set", "k", "old", "--ttl", "0.05"}).exitCode, 0);
  ASSERT_EQ(strata({"kv", "set", "k", "new"}).exitCode, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(strata({"kv", "get", "k"}).out, "new\n");
  EXPECT_EQ(strata({"expire"}).out, "expired: 0\n");
}

TEST_F(ExpiryCommandTest, ClearRemovesTheKeyAndItsDeadline) {
  ASSERT_EQ(strata({"kv", "set", "k", "v", "--ttl", "3600"}).exitCode, 0);
  ASSERT_EQ(strata({"kv", "clear", "k"}).exitCode, 0);
  EXPECT_EQ(strata({"kv", "get", "k"}).exitCode, 3);
  // Nothing of the key's deadline is left under ("strata", "expiry").
  EXPECT_THAT(strata({"kv", "range", "--prefix", "\\x02strata\\x00"}).out, ::testing::IsEmpty());
}

TEST_F(ExpiryCommandTest, BadTtlsAndBatchesAreUsageErrors) {
  for (const char* ttl : {"0", "-1", "abc", "1e12"}) {
    CliResult r = strata({"kv", "set", "k", "v", "--ttl", ttl});
    EXPECT_EQ(r.exitCode, 2) << ttl << r;
  }
  EXPECT_EQ(strata({"expire", "--batch", "0"}).exitCode, 2);
  EXPECT_EQ(strata({"expire", "--limit", "-3"}).exitCode, 2);
}

TEST_F(ExpiryCommandTest, HelpShowsExamples) {
  CliResult r = runCli({"expire", "--help"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("strata expire --dry-run"));
}

}  // namespace
}  // namespace strata::clitest
