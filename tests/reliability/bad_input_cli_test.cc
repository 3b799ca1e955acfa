// The bad-input catalogue for the CLI: each command gets a bad argument and must exit with 1 (a
// strata::Error, printed as "error: NAME (CODE): ...") or 2 (a usage error), never crash or hang,
// and the data committed before the catalogue runs is intact after it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/run_cli.h"

namespace strata::reliability {
namespace {

using clitest::runCli;
using clitest::TempDir;

struct BadCommand {
  std::vector<std::string> args;
  int exitCode;
  std::string inStderr;  // e.g. "(2102)"
};

std::vector<BadCommand> catalogue() {
  return {
      {{"kv", "set", std::string(10'001, 'k'), "v"}, 1, "(2102)"},
      {{"kv", "set", "k", std::string(100'001, 'v')}, 1, "(2103)"},
      {{"kv", "get", "\\xff\\x01"}, 1, "(2004)"},
      {{"kv", "clear-range", "b", "a"}, 1, "(2005)"},
      {{"kv", "get", "\\x4"}, 1, "(3005)"},
      {{"kv", "get", "\\"}, 1, "(3005)"},
      {{"kv", "range", "a", "z", "--limit", "-1"}, 2, "--limit"},
      {{"tuple", "unpack", "zz"}, 1, "(3005)"},
      {{"tuple", "unpack", "99"}, 1, "(2250)"},
      {{"tuple", "unpack", "0261"}, 1, "(2250)"},
      {{"tuple", "pack", "["}, 1, "(3005)"},
      {{"tuple", "pack", "[{\"bytes\":\"0\"}]"}, 1, "(3005)"},
      {{"tuple", "pack", "[\"\xff\xfe\"]"}, 1, "(3005)"},
      {{"vector", "get", "v", "-1"}, 1, "(3007)"},
      {{"vector", "get", "v", "99999999999999999999"}, 2, "out of range"},
      {{"doc", "get", "a..b"}, 1, "(3005)"},
      {{"doc", "get", "a[-1]"}, 1, "(3005)"},
      {{"doc", "set", "x", "{\"a\":"}, 1, "(3005)"},
      {{"doc", "set", "x", "\"\xff\""}, 1, "(3005)"},
      {{"doc", "index", "add", "", "a.?"}, 1, "(3005)"},
      {{"dir", "mkdir", "a//b"}, 1, "(3005)"},
      {{"dir", "rm", "no-such-dir"}, 1, "(2257)"},
      {{"dir", "mv", "no-such-dir", "b"}, 1, "(2257)"},
      {{"pubsub", "post", "no-such-feed", "hi"}, 1, "(2000)"},
      {{"pubsub", "read", "no-such-inbox"}, 1, "(2000)"},
      {{"blob", "get", "b", "--offset", "-5"}, 2, "--offset"},
      {{"counter", "add", "c", "not-a-number"}, 2, "DELTA"},
      {{"--db", "bogus://x", "kv", "get", "a"}, 1, "(2013)"},
      {{"--db", "", "kv", "get", "a"}, 1, "(2013)"},
      {{"spatial"}, 2, "subcommand"},
      {{"no-such-command"}, 2, ""},
  };
}

TEST(BadInputCliTest, EveryBadCommandFailsWithItsDocumentedCodeAndLosesNothing) {
  TempDir dir;
  const std::string db = "STRATA_DB=file:" + (dir.path() / "db").string();
  ASSERT_EQ(runCli({"kv", "set", "sentinel", "kept"}, {db}).exitCode, 0);
  int tried = 0;
  for (const auto& bad : catalogue()) {
    std::string shown;
    for (const auto& a : bad.args) shown += " " + a.substr(0, 40);
    SCOPED_TRACE("strata" + shown);
    auto r = runCli(bad.args, {db});
    EXPECT_EQ(r.exitCode, bad.exitCode) << r.err.substr(0, 300);
    EXPECT_NE(r.err.find(bad.inStderr), std::string::npos) << r.err.substr(0, 300);
    EXPECT_NE(r.err.find("error"), std::string::npos) << r.err.substr(0, 300);
    ++tried;
  }
  auto r = runCli({"kv", "get", "sentinel"}, {db});
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "kept\n");
  std::printf("[bad-input] cli: %d bad commands tried\n", tried);
}

// Integer arguments past int64 are refused as usage errors (CLI11 alone clamps them:
// `counter add c 99999999999999999999` used to add 2^63 - 1), and so are negative unsigned ones.
TEST(BadInputCliTest, AnIntegerArgumentPastInt64IsRefusedNotClamped) {
  TempDir dir;
  const std::string db = "STRATA_DB=file:" + (dir.path() / "db").string();
  auto r = runCli({"counter", "add", "c", "99999999999999999999"}, {db});
  EXPECT_EQ(r.exitCode, 2) << r.err;
  EXPECT_NE(r.err.find("out of range"), std::string::npos) << r.err;
  EXPECT_EQ(runCli({"counter", "add", "c", "--", "-99999999999999999999"}, {db}).exitCode, 2);
  EXPECT_EQ(runCli({"counter", "get", "c"}, {db}).out, "0\n");
  EXPECT_EQ(runCli({"counter", "add", "c", "9223372036854775807"}, {db}).exitCode, 0);
}

}  // namespace
}  // namespace strata::reliability
