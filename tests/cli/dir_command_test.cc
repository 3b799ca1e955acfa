// `strata dir`: ls, tree, mkdir, mv, rm on a file: database in a temporary directory (each CLI
// invocation is a new process).
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

class DirCommandTest : public ::testing::Test {
 protected:
  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", "file:" + (dir_.path() / "db").string(), "dir"});
    return runCli(args);
  }
  void ok(std::vector<std::string> args) {
    CliResult r = run(std::move(args));
    ASSERT_EQ(r.exitCode, 0) << r;
  }
  TempDir dir_;
};

TEST_F(DirCommandTest, MkdirPrintsThePrefixAndLayer) {
  CliResult r = run({"mkdir", "app/users", "--layer", "table"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, StartsWith("\\x15"));
  EXPECT_THAT(r.out, HasSubstr("layer=table"));
}

TEST_F(DirCommandTest, LsListsChildrenInKeyOrder) {
  ok({"mkdir", "b"});
  ok({"mkdir", "a/x"});
  CliResult r = run({"ls"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "a\nb\n");
  r = run({"ls", "a"});
  EXPECT_EQ(r.out, "x\n");
}

TEST_F(DirCommandTest, TreeIndentsChildrenUnderTheirParent) {
  ok({"mkdir", "a/x"});
  ok({"mkdir", "a/p", "--layer", "partition"});
  ok({"mkdir", "a/p/inner"});
  CliResult r = run({"tree"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, StartsWith("a  "));
  EXPECT_THAT(r.out, HasSubstr("\n  p  "));
  EXPECT_THAT(r.out, HasSubstr("layer=partition\n    inner  "));
  EXPECT_THAT(r.out, HasSubstr("\n  x  "));
}

TEST_F(DirCommandTest, MvKeepsThePrefix) {
  CliResult made = run({"mkdir", "a"});
  ok({"mkdir", "b"});
  CliResult r = run({"mv", "a", "b/c"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "b/c  " + made.out);
  EXPECT_EQ(run({"ls"}).out, "b\n");
}

TEST_F(DirCommandTest, RmRemovesAndRmOfAMissingDirectoryFails) {
  ok({"mkdir", "a/b"});
  ok({"rm", "a"});
  EXPECT_THAT(run({"ls"}).out, IsEmpty());
  CliResult r = run({"rm", "a"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: directory_does_not_exist (2257)"));
  EXPECT_EQ(run({"rm", "-f", "a"}).exitCode, 0);
}

TEST_F(DirCommandTest, ErrorsCarryTheirDirectoryCodes) {
  ok({"mkdir", "a"});
  EXPECT_THAT(run({"mkdir", "a"}).err, StartsWith("error: directory_already_exists (2256)"));
  EXPECT_EQ(run({"mkdir", "-p", "a"}).exitCode, 0);
  EXPECT_THAT(run({"mkdir", "-p", "a", "--layer", "x"}).err,
              StartsWith("error: mismatched_layer (2259)"));
  EXPECT_THAT(run({"ls", "nope"}).err, StartsWith("error: directory_does_not_exist (2257)"));
  EXPECT_THAT(run({"mv", "a", "a/b"}).err,
              StartsWith("error: invalid_destination_directory (2266)"));
  EXPECT_THAT(run({"mv", "a", "x/y"}).err,
              StartsWith("error: parent_directory_does_not_exist (2258)"));
  EXPECT_THAT(run({"rm", ""}).err, StartsWith("error: cannot_modify_root_directory (2267)"));
  EXPECT_THAT(run({"mkdir", ""}).err, StartsWith("error: cannot_open_root_directory (2255)"));
  EXPECT_THAT(run({"ls", "a//b"}).err, StartsWith("error: invalid_input (3005)"));
}

TEST_F(DirCommandTest, MissingArgumentsAreUsageErrors) {
  EXPECT_EQ(run({"mkdir"}).exitCode, 2);
  EXPECT_EQ(run({"mv", "a"}).exitCode, 2);
  EXPECT_EQ(run({}).exitCode, 2);
}

}  // namespace
}  // namespace strata::clitest
