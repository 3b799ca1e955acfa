// `strata doc plugins|feed|changes`: change feeds enabled, read, continued, waited on and trimmed
// from the CLI, and the required-plugin check between this process (which registers a plugin)
// and the CLI (which does not), on a file: database in a temporary directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "cli/run_cli.h"
#include "strata/directory.h"
#include "strata/layers/doc_plugin.h"

namespace strata::clitest {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class DocPluginCommandTest : public ::testing::Test {
 protected:
  std::string url() const { return "file:" + (dir_.path() / "db").string(); }
  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", url(), "doc"});
    return runCli(args);
  }
  void ok(std::vector<std::string> args) {
    CliResult r = run(std::move(args));
    ASSERT_EQ(r.exitCode, 0) << r;
  }
  // The token `changes` prints on stderr as "--continue TOKEN".
  static std::string tokenOf(const CliResult& r) {
    size_t at = r.err.find("--continue ");
    if (at == std::string::npos) return "";
    std::string token = r.err.substr(at + 11);
    return token.substr(0, token.find('\n'));
  }
  TempDir dir_;
};

// A plugin only this test process registers.
class CityCount : public layers::DocPlugin {
 public:
  std::string name() const override { return "city-count"; }
  std::string pattern() const override { return "pets.?.city"; }
  void onChange(const layers::DocPluginContext& context,
                const layers::DocChange& change) const override {
    if (change.newValue && change.newValue->is_string()) {
      context.transaction().atomicOp(
          MutationType::kAdd, context.subspace().pack(Tuple{change.newValue->get<std::string>()}),
          std::string("\x01\0\0\0\0\0\0\0", 8));
    }
  }
};

TEST_F(DocPluginCommandTest, ChangesPrintsOneJsonObjectPerChangeOldestFirstAndContinues) {
  ok({"set", "pets", "{}"});
  CliResult r = run({"feed", "add", "pets"});
  ASSERT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "added change feed feed:pets\n");
  ok({"set", "pets.rex", R"({"age":3})"});
  ok({"set", "cats.tom", "1"});
  ok({"update", "pets.rex", R"({"age":4})"});
  ok({"rm", "pets.rex"});
  r = run({"changes", "pets"});
  ASSERT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out,
            "{\"path\":\"pets.rex\",\"op\":\"set\",\"value\":{}}\n"
            "{\"path\":\"pets.rex.age\",\"op\":\"set\",\"value\":3}\n"
            "{\"path\":\"pets.rex.age\",\"op\":\"update\",\"value\":4}\n"
            "{\"path\":\"pets.rex\",\"op\":\"rm\",\"value\":null}\n"
            "{\"path\":\"pets.rex.age\",\"op\":\"rm\",\"value\":null}\n");
  r = run({"changes", "pets", "--limit", "2"});
  ASSERT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out,
            "{\"path\":\"pets.rex\",\"op\":\"set\",\"value\":{}}\n"
            "{\"path\":\"pets.rex.age\",\"op\":\"set\",\"value\":3}\n");
  std::string token = tokenOf(r);
  ASSERT_FALSE(token.empty()) << r;
  r = run({"changes", "pets", "--continue", token, "--limit", "1"});
  EXPECT_EQ(r.out, "{\"path\":\"pets.rex.age\",\"op\":\"update\",\"value\":4}\n");
  // A path below the feed's pattern filters the feed.
  r = run({"changes", "pets.rex.age"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3);
  r = run({"feed", "add", "pets"});
  EXPECT_EQ(r.out, "already have change feed feed:pets\n");
}

TEST_F(DocPluginCommandTest, ChangesWaitReturnsWhenAnotherProcessWrites) {
  ok({"feed", "add", ""});
  CliResult r = run({"changes", "", "--wait", "0.2"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "");
  auto waiting = std::async(std::launch::async, [&] {
    return run({"changes", "", "--wait", "30"});
  });
  // Keep writing until the waiting process reports (it may start after the first write).
  for (int i = 0; waiting.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready;
       ++i) {
    ok({"set", "n", std::to_string(i)});
  }
  r = waiting.get();
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("\"path\":\"n\""));
}

TEST_F(DocPluginCommandTest, TrimDeletesOldChanges) {
  ok({"feed", "add", "a"});
  ok({"set", "a.x", "1"});
  ok({"set", "a.y", "2"});
  CliResult r = run({"changes", "a", "--trim", "3600"});
  EXPECT_EQ(r.out, "trimmed 0 changes\n");
  r = run({"changes", "a", "--trim", "0"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "trimmed 3 changes\n");  // a, a.x, a.y
  EXPECT_EQ(run({"changes", "a"}).out, "");
}

TEST_F(DocPluginCommandTest, AWriterLackingARequiredPluginIsRefusedAcrossProcesses) {
  {
    Database db = Database::open(url());
    DirectoryLayer directories;
    layers::DocumentStore store(directories.createOrOpen(db, {"strata.doc", "default"}, "doc"),
                                {std::make_shared<CityCount>()});
    store.addPlugin(db, "city-count");
    store.set(db, layers::DocPath::parse("pets.rex.city"), "oslo");
  }
  ok({"feed", "add", "pets"});
  CliResult r = run({"plugins"});
  ASSERT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out,
            "city-count  external  pets.?.city  0  ready\n"
            "feed:pets  change-feed  pets  1000  ready\n");
  r = run({"set", "pets.tom.city", "\"rome\""});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("(3011)"));
  EXPECT_THAT(r.err, HasSubstr("city-count"));
  r = run({"get", "pets.rex.city"});  // reading needs no plugin
  EXPECT_EQ(r.out, "\"oslo\"\n");
  ok({"plugins", "rm", "city-count"});
  EXPECT_EQ(run({"plugins", "rm", "city-count"}).exitCode, 3);
  ok({"set", "pets.tom.city", "\"rome\""});
  EXPECT_EQ(run({"plugins"}).out, "feed:pets  change-feed  pets  1000  ready\n");
}

TEST_F(DocPluginCommandTest, BadChangeRequestsExitWithTheirErrors) {
  CliResult r = run({"changes", "pets"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("(2000)"));
  EXPECT_THAT(r.err, HasSubstr("doc feed add"));
  ok({"feed", "add", "pets"});
  r = run({"changes", "pets", "--continue", "xyz"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("(3005)"));
  EXPECT_EQ(run({"changes", "pets", "--trim", "5", "--limit", "3"}).exitCode, 2);
  EXPECT_EQ(run({"changes", "pets", "--limit", "-1"}).exitCode, 2);
  EXPECT_EQ(run({"feed", "add", "a..b"}).exitCode, 1);
  EXPECT_EQ(run({"feed", "rm", "nope"}).exitCode, 3);
  ok({"feed", "rm", "pets"});
  EXPECT_EQ(run({"changes", "pets"}).exitCode, 1);
}

}  // namespace
}  // namespace strata::clitest
