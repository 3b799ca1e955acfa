// `strata doc`: set/get/update/rm/ls, import/export, index add/rm/ls and find on a file: database
// in a temporary directory (each CLI invocation is a new process).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;

class DocCommandTest : public ::testing::Test {
 protected:
  CliResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--db", "file:" + (dir_.path() / "db").string(), "doc"});
    return runCli(args);
  }
  void ok(std::vector<std::string> args) {
    CliResult r = run(std::move(args));
    ASSERT_EQ(r.exitCode, 0) << r;
  }
  TempDir dir_;
};

TEST_F(DocCommandTest, SetGetUpdateAndRemoveANode) {
  ok({"set", "pets.fido", R"({"species":"dog","tags":["a","b"]})"});
  CliResult r = run({"get", "pets.fido"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "{\"species\":\"dog\",\"tags\":[\"a\",\"b\"]}\n");
  ok({"update", "pets.fido", R"({"age":3,"tags":null})"});
  r = run({"get", "pets.fido"});
  EXPECT_EQ(r.out, "{\"age\":3,\"species\":\"dog\"}\n");
  r = run({"get", "pets.fido.species"});
  EXPECT_EQ(r.out, "\"dog\"\n");
  ok({"rm", "pets.fido"});
  EXPECT_EQ(run({"get", "pets.fido"}).exitCode, 3);
  EXPECT_EQ(run({"rm", "pets.fido"}).exitCode, 3);
}

TEST_F(DocCommandTest, LsPrintsChildrenWithTheirKinds) {
  ok({"set", "pets", R"({"a":{"x":1},"b":[1,2],"c":"text"})"});
  CliResult r = run({"ls", "pets"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "a  object\nb  array\nc  value\n");
  r = run({"ls", "pets.b"});
  EXPECT_EQ(r.out, "[0]  value\n[1]  value\n");
}

TEST_F(DocCommandTest, BadInputsExitWithTheirErrors) {
  CliResult r = run({"set", "a..b", "1"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("(3005)"));
  r = run({"set", "a", "{not json"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("(3005)"));
  ok({"set", "s", "1"});
  r = run({"set", "s.x", "1"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("(2000)"));
  r = run({"find", "nope", "x"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, HasSubstr("(2000)"));
  EXPECT_EQ(run({"set", "only-path"}).exitCode, 2);
}

TEST_F(DocCommandTest, IndexAddFindRangeAndDrop) {
  ok({"set", "pets", R"({"fido":{"species":"dog","age":3},"tom":{"species":"cat","age":5},
      "rex":{"species":"dog","age":9}})"});
  ok({"index", "add", "species", "pets.?.species", "-q"});
  ok({"index", "add", "age", "pets.?.age", "-q"});
  CliResult r = run({"index", "ls"});
  EXPECT_EQ(r.out, "age  pets.?.age  value  ready\nspecies  pets.?.species  value  ready\n");
  r = run({"find", "species", "dog"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "pets.fido.species\npets.rex.species\n");
  r = run({"find", "age", "--range", "4", "10", "--docs"});
  EXPECT_EQ(r.out,
            "pets.tom.age\t{\"age\":5,\"species\":\"cat\"}\n"
            "pets.rex.age\t{\"age\":9,\"species\":\"dog\"}\n");
  ok({"set", "pets.tom.species", "\"dog\""});
  r = run({"find", "species", "--prefix", "d"});
  EXPECT_EQ(r.out, "pets.fido.species\npets.rex.species\npets.tom.species\n");
  ok({"index", "rm", "species"});
  EXPECT_EQ(run({"index", "rm", "species"}).exitCode, 3);
  EXPECT_EQ(run({"find", "species", "dog"}).exitCode, 1);
}

TEST_F(DocCommandTest, ExportLinesThenImportIntoAnotherStoreRoundTrips) {
  ok({"set", "docs", R"({"a":{"n":1},"b":[true,null],"c":"x"})"});
  CliResult exported = run({"export", "docs", "--lines"});
  ASSERT_EQ(exported.exitCode, 0) << exported;
  std::string file = (dir_.path() / "docs.jsonl").string();
  std::ofstream(file) << exported.out;
  CliResult r = run({"--store", "copy", "import", file, "--at", "docs", "-q"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "imported 3 documents\n");
  EXPECT_EQ(run({"--store", "copy", "export", "docs"}).out, run({"export", "docs"}).out);
  EXPECT_EQ(run({"export", "docs"}).out, "{\"a\":{\"n\":1},\"b\":[true,null],\"c\":\"x\"}\n");
}

TEST_F(DocCommandTest, JsonImportReportsProgressOnStderr) {
  std::string file = (dir_.path() / "in.json").string();
  std::ofstream(file) << R"({"x":{"v":1},"y":{"v":2}})";
  CliResult r = run({"import", file});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "imported 2 documents\n");
  EXPECT_THAT(r.err, HasSubstr("import doc"));
  EXPECT_EQ(run({"get", "y.v"}).out, "2\n");
}

}  // namespace
}  // namespace strata::clitest
