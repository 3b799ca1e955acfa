// `strata dump|load|backup|compact|status|stats`: what each prints and how it fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;

class AdminCommandTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::string db() const { return "file:" + (dir_.path() / "db").string(); }
  std::string path(const std::string& name) const { return (dir_.path() / name).string(); }
  CliResult run(const std::string& url, std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", url});
    return runCli(args);
  }
  void fill() {
    for (const char* k : {"a", "b/1", "b/2", "c"}) {
      ASSERT_EQ(run(db(), {"kv", "set", k, std::string("value of ") + k}).exitCode, 0);
    }
  }
};

TEST_F(AdminCommandTest, DumpThenLoadIntoAnotherDatabaseCopiesEveryKey) {
  fill();
  CliResult d = run(db(), {"dump", path("all.sdump")});
  ASSERT_EQ(d.exitCode, 0) << d;
  EXPECT_THAT(d.err, HasSubstr("dumped 4 keys"));
  std::string other = "file:" + path("other");
  CliResult l = run(other, {"load", path("all.sdump")});
  ASSERT_EQ(l.exitCode, 0) << l;
  EXPECT_THAT(l.err, HasSubstr("loaded 4 keys"));
  EXPECT_EQ(run(other, {"kv", "range", "--prefix", ""}).out,
            run(db(), {"kv", "range", "--prefix", ""}).out);
}

TEST_F(AdminCommandTest, DumpToStdoutWithAPrefixWritesOnlyThatPrefix) {
  fill();
  CliResult d = run(db(), {"dump", "--prefix", "b/", "-"});
  ASSERT_EQ(d.exitCode, 0) << d;
  {
    std::ofstream out(path("b.sdump"), std::ios::binary);
    out << d.out;
  }
  std::string other = "file:" + path("other");
  ASSERT_EQ(run(other, {"load", path("b.sdump")}).exitCode, 0);
  EXPECT_EQ(run(other, {"kv", "range", "--prefix", ""}).out,
            "b/1 = value of b/1\nb/2 = value of b/2\n");
}

TEST_F(AdminCommandTest, ATruncatedDumpIsRefusedAndLoadsNothing) {
  fill();
  ASSERT_EQ(run(db(), {"dump", path("all.sdump")}).exitCode, 0);
  std::string bytes = readFile(path("all.sdump"));
  {
    std::ofstream out(path("cut.sdump"), std::ios::binary);
    out << bytes.substr(0, bytes.size() - 10);
  }
  std::string other = "file:" + path("other");
  CliResult l = run(other, {"load", path("cut.sdump")});
  EXPECT_EQ(l.exitCode, 1) << l;
  EXPECT_THAT(l.err, HasSubstr("invalid_input (3005)"));
  EXPECT_THAT(l.err, HasSubstr("truncated"));
  EXPECT_EQ(run(other, {"kv", "range", "--prefix", ""}).out, "");
}

TEST_F(AdminCommandTest, ResumeNeedsAFileNotStdin) {
  CliResult l = run(db(), {"load", "--resume", "-"});
  EXPECT_EQ(l.exitCode, 2) << l;
}

TEST_F(AdminCommandTest, BackupMakesACopyThatOpensAsADatabase) {
  fill();
  CliResult b = run(db(), {"backup", path("copy")});
  ASSERT_EQ(b.exitCode, 0) << b;
  EXPECT_THAT(b.out, HasSubstr("backup: "));
  EXPECT_EQ(run("file:" + path("copy"), {"kv", "get", "b/2"}).out, "value of b/2\n");
  CliResult again = run(db(), {"backup", path("copy")});
  EXPECT_EQ(again.exitCode, 1) << again;
  EXPECT_THAT(again.err, HasSubstr("client_invalid_operation (2000)"));
  CliResult mem = run("memory:", {"backup", path("m")});
  EXPECT_EQ(mem.exitCode, 1) << mem;
  EXPECT_THAT(mem.err, HasSubstr("unsupported_operation (2108)"));
}

TEST_F(AdminCommandTest, CompactKeepsTheDataAndRefusesOtherEngines) {
  fill();
  ASSERT_EQ(run(db(), {"kv", "clear-range", "--prefix", "b/"}).exitCode, 0);
  CliResult c = run(db(), {"compact"});
  ASSERT_EQ(c.exitCode, 0) << c;
  EXPECT_THAT(c.out, HasSubstr("compacted: "));
  EXPECT_EQ(run(db(), {"kv", "range", "--prefix", ""}).out, "a = value of a\nc = value of c\n");
  CliResult mem = run("memory:", {"compact"});
  EXPECT_EQ(mem.exitCode, 1) << mem;
  EXPECT_THAT(mem.err, HasSubstr("unsupported_operation (2108)"));
}

TEST_F(AdminCommandTest, StatusPrintsTheEmbeddedEngineAndJson) {
  fill();
  CliResult s = run(db(), {"status"});
  ASSERT_EQ(s.exitCode, 0) << s;
  EXPECT_THAT(s.out, HasSubstr("engine: lmdb"));
  EXPECT_THAT(s.out, HasSubstr("format version: 1"));
  EXPECT_THAT(s.out, HasSubstr("free pages: "));
  CliResult j = run(db(), {"status", "--json"});
  ASSERT_EQ(j.exitCode, 0) << j;
  auto json = nlohmann::json::parse(j.out);
  EXPECT_EQ(json["engine"], "lmdb");
  EXPECT_EQ(json["embedded"]["formatVersion"], 1);
  EXPECT_GT(json["embedded"]["fileBytes"].get<int64_t>(), 0);
  EXPECT_TRUE(json["embedded"]["readers"].is_array());
  CliResult mem = run("memory:", {"status", "--json"});
  EXPECT_EQ(nlohmann::json::parse(mem.out)["engine"], "memory");
}

TEST_F(AdminCommandTest, StatsCountsKeysAndBytesUnderAPrefix) {
  fill();
  CliResult s = run(db(), {"stats", "b/", "--json"});
  ASSERT_EQ(s.exitCode, 0) << s;
  auto json = nlohmann::json::parse(s.out);
  EXPECT_EQ(json["keys"], 2);
  EXPECT_EQ(json["keyBytes"], 6);
  EXPECT_EQ(json["valueBytes"], 24);
  EXPECT_DOUBLE_EQ(json["averageValueBytes"].get<double>(), 12.0);
  CliResult text = run(db(), {"stats"});
  EXPECT_THAT(text.out, HasSubstr("keys: 4"));
}

TEST_F(AdminCommandTest, StatusOnEtcdNamesTheMembersTheLeaderAndTheLimits) {
  const char* endpoints = std::getenv("STRATA_TEST_ETCD");
  if (endpoints == nullptr) GTEST_SKIP() << "needs STRATA_TEST_ETCD";
  CliResult j =
      run(std::string("etcd://") + endpoints + "/?prefix=admin-status-test/", {"status", "--json"});
  ASSERT_EQ(j.exitCode, 0) << j;
  auto json = nlohmann::json::parse(j.out);
  EXPECT_EQ(json["engine"], "etcd");
  ASSERT_FALSE(json["etcd"]["members"].empty());
  int leaders = 0;
  for (const auto& m : json["etcd"]["members"]) leaders += m["leader"].get<bool>() ? 1 : 0;
  EXPECT_EQ(leaders, 1);
  EXPECT_GT(json["etcd"]["maxTxnOps"].get<int64_t>(), 0);
  EXPECT_GT(json["etcd"]["maxRequestBytes"].get<int64_t>(), 0);
}

}  // namespace
}  // namespace strata::clitest
