// The Layers I commands end to end: `strata vector`, `intern`, `counter`, `blob` and `import`,
// each on a file: database in a temporary directory (state carries across invocations).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

class LayersCommandTest : public ::testing::Test {
 protected:
  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", "file:" + (dir_.path() / "db").string()});
    return runCli(args);
  }
  std::string write(const std::string& name, const std::string& content) {
    auto path = dir_.path() / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  TempDir dir_;
};

TEST_F(LayersCommandTest, VectorCommandsGrowReadAndShrinkTheVector) {
  ASSERT_EQ(run({"vector", "push", "v", "a"}).exitCode, 0);
  ASSERT_EQ(run({"vector", "push", "v", "b"}).exitCode, 0);
  ASSERT_EQ(run({"vector", "set", "v", "4", "e"}).exitCode, 0);
  EXPECT_EQ(run({"vector", "size", "v"}).out, "5\n");
  EXPECT_EQ(run({"vector", "get", "v", "1"}).out, "b\n");
  EXPECT_EQ(run({"vector", "range", "v"}).out, "0\ta\n1\tb\n2\t\n3\t\n4\te\n");
  EXPECT_EQ(run({"vector", "pop", "v"}).out, "e\n");
  EXPECT_EQ(run({"vector", "size", "v"}).out, "4\n");
}

TEST_F(LayersCommandTest, VectorAccessPastTheEndIsIndexOutOfRange) {
  ASSERT_EQ(run({"vector", "push", "v", "a"}).exitCode, 0);
  CliResult r = run({"vector", "get", "v", "9"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: index_out_of_range (3007): "));
}

TEST_F(LayersCommandTest, InternGivesOneIdentifierPerStringAndLooksItUp) {
  CliResult first = run({"intern", "add", "names", "hello world"});
  ASSERT_EQ(first.exitCode, 0) << first;
  CliResult again = run({"intern", "add", "names", "hello world"});
  EXPECT_EQ(again.out, first.out);
  CliResult other = run({"intern", "add", "names", "something else"});
  EXPECT_NE(other.out, first.out);
  std::string hex = first.out.substr(0, first.out.size() - 1);
  EXPECT_EQ(run({"intern", "lookup", "names", hex}).out, "hello world\n");
}

TEST_F(LayersCommandTest, InternLookupOfAnUnknownIdentifierExitsThree) {
  CliResult r = run({"intern", "lookup", "names", "00112233"});
  EXPECT_EQ(r.exitCode, 3) << r;
  EXPECT_THAT(r.out, IsEmpty());
}

TEST_F(LayersCommandTest, CounterAddsUpAcrossInvocations) {
  ASSERT_EQ(run({"counter", "add", "c", "5"}).exitCode, 0);
  ASSERT_EQ(run({"counter", "add", "c", "-2"}).exitCode, 0);
  EXPECT_EQ(run({"counter", "get", "c"}).out, "3\n");
  CliResult bad = run({"counter", "add", "c", "five"});
  EXPECT_EQ(bad.exitCode, 2) << bad;
}

TEST_F(LayersCommandTest, BlobPutThenGetReturnsTheSameBytes) {
  std::string content;
  for (int i = 0; i < 300'000; ++i) content.push_back(static_cast<char>(i * 7 % 251));
  std::string file = write("in.bin", content);
  CliResult put = run({"blob", "put", "b", file});
  ASSERT_EQ(put.exitCode, 0) << put;
  EXPECT_EQ(run({"blob", "size", "b"}).out, "300000\n");
  CliResult get = run({"blob", "get", "b"});
  ASSERT_EQ(get.exitCode, 0);
  EXPECT_TRUE(get.out == content) << "blob get returned " << get.out.size() << " bytes";
  EXPECT_EQ(run({"blob", "get", "b", "--offset", "1000", "--length", "5"}).out,
            content.substr(1000, 5));
  EXPECT_THAT(run({"blob", "ls"}).out, HasSubstr("b\t300000"));
  ASSERT_EQ(run({"blob", "rm", "b"}).exitCode, 0);
  EXPECT_THAT(run({"blob", "ls"}).out, IsEmpty());
}

TEST_F(LayersCommandTest, ImportKvWritesTupleKeysAndIsNotRepeated) {
  std::string csv = write("rows.csv", "a,1,x\nb,2,\"y,z\"\n");
  CliResult first = run({"import", "kv", "-q", "--prefix", "t", csv});
  ASSERT_EQ(first.exitCode, 0) << first;
  EXPECT_THAT(first.out + first.err, HasSubstr("2 rows"));
  // Keys are ("t", column1, column2) tuple-packed; the value is the last column.
  EXPECT_EQ(run({"kv", "get", "\\x02t\\x00\\x02b\\x00\\x15\\x02"}).out, "y,z\n");
  CliResult again = run({"import", "kv", "-q", "--prefix", "t", csv});
  EXPECT_EQ(again.exitCode, 0) << again;
  EXPECT_THAT(again.out + again.err, HasSubstr("already"));
}

TEST_F(LayersCommandTest, ImportOfAMissingFileIsAnError) {
  CliResult r = run({"import", "kv", (dir_.path() / "missing.csv").string()});
  EXPECT_NE(r.exitCode, 0) << r;
  EXPECT_THAT(r.err, StartsWith("error: "));
}

}  // namespace
}  // namespace strata::clitest
