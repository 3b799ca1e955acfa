// `strata kv`: what each command prints and how it fails. Checks that need state across commands
// run on a file: database in a temporary directory (each CLI invocation is a new process, so a
// memory: database starts empty every time).
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

CliResult kv(const std::string& db, std::vector<std::string> args) {
  args.insert(args.begin(), {"--db", db, "kv"});
  return runCli(args);
}

// ---- One invocation on memory: ------------------------------------------------------------------

TEST(KvCommandTest, GetOfAnAbsentKeyPrintsNothingAndExitsThree) {
  CliResult r = kv("memory:", {"get", "nothing-here"});
  EXPECT_EQ(r.exitCode, 3) << r;
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, HasSubstr("not found: nothing-here"));
}

TEST(KvCommandTest, SetSucceedsSilently) {
  CliResult r = kv("memory:", {"set", "k", "v"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, IsEmpty());
}

TEST(KvCommandTest, RangeOfAnEmptyDatabasePrintsNothing) {
  CliResult r = kv("memory:", {"range", "", "\\xff"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, IsEmpty());
}

TEST(KvCommandTest, AKeyPastTheLegalRangeFailsWithKeyOutsideLegalRange) {
  CliResult r = kv("memory:", {"set", "\\xff\\x01", "v"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: key_outside_legal_range (2004): "));
}

TEST(KvCommandTest, AMalformedEscapeFailsWithInvalidInput) {
  for (const char* key : {"\\xZZ", "\\x1", "abc\\", "\\q"}) {
    CliResult r = kv("memory:", {"set", key, "v"});
    EXPECT_EQ(r.exitCode, 1) << key << " " << r;
    EXPECT_THAT(r.err, StartsWith("error: invalid_input (3005): ")) << key;
  }
}

TEST(KvCommandTest, AMalformedEscapeInAValueFailsWithInvalidInput) {
  CliResult r = kv("memory:", {"set", "k", "\\xg0"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: invalid_input (3005): "));
}

TEST(KvCommandTest, AKeyOverTenThousandBytesFailsWithKeyTooLarge) {
  CliResult r = kv("memory:", {"set", std::string(10'001, 'k'), "v"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: key_too_large (2102): "));
}

TEST(KvCommandTest, AValueOverOneHundredThousandBytesFailsWithValueTooLarge) {
  CliResult r = kv("memory:", {"set", "k", std::string(100'001, 'v')});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: value_too_large (2103): "));
}

TEST(KvCommandTest, ClearRangeWithBeginAfterEndFailsWithInvertedRange) {
  CliResult r = kv("memory:", {"clear-range", "b", "a"});
  EXPECT_EQ(r.exitCode, 1) << r;
  EXPECT_THAT(r.err, StartsWith("error: inverted_range (2005): "));
}

TEST(KvCommandTest, RangeWithoutEndIsAUsageError) {
  CliResult r = kv("memory:", {"range", "a"});
  EXPECT_EQ(r.exitCode, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("Usage: strata kv range"));
}

TEST(KvCommandTest, PrefixTogetherWithBeginAndEndIsAUsageError) {
  CliResult r = kv("memory:", {"range", "--prefix", "p", "a", "b"});
  EXPECT_EQ(r.exitCode, 2) << r;
  r = kv("memory:", {"clear-range", "--prefix", "p", "a"});
  EXPECT_EQ(r.exitCode, 2) << r;
}

TEST(KvCommandTest, ANegativeLimitIsAUsageError) {
  CliResult r = kv("memory:", {"range", "--limit", "-1", "a", "b"});
  EXPECT_EQ(r.exitCode, 2) << r;
}

TEST(KvCommandTest, ClearRangeWithoutARangeIsAUsageError) {
  CliResult r = kv("memory:", {"clear-range"});
  EXPECT_EQ(r.exitCode, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("Usage: strata kv clear-range"));
}

// ---- Across invocations on a file: database ---------------------------------------------------

class KvFileTest : public ::testing::Test {
 protected:
  std::string db() const { return "file:" + (dir_.path() / "db").string(); }
  CliResult run(std::vector<std::string> args) { return kv(db(), std::move(args)); }
  void set(const std::string& k, const std::string& v) {
    CliResult r = run({"set", k, v});
    ASSERT_EQ(r.exitCode, 0) << r;
  }
  TempDir dir_;
};

TEST_F(KvFileTest, SetThenGetRoundTripsEveryByteInPrintableForm) {
  // Key "a\0b", value 0xff 0x01 '\' 'z' 'J' (given as an uppercase escape).
  set("a\\x00b", "\\xff\\x01\\\\z\\x4A");
  CliResult r = run({"get", "a\\x00b"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "\\xff\\x01\\\\zJ\n");
}

TEST_F(KvFileTest, EveryPrintedKeyIsAcceptedBackAsInput) {
  set("\\x01\\x02key with spaces\\\\", "one");
  set("plain", "two");
  CliResult listing = run({"range", "", "\\xff"});
  ASSERT_EQ(listing.exitCode, 0) << listing;
  EXPECT_EQ(listing.out, "\\x01\\x02key with spaces\\\\ = one\nplain = two\n");
  std::string printedKey = listing.out.substr(0, listing.out.find(" = "));
  CliResult r = run({"get", printedKey});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "one\n");
}

TEST_F(KvFileTest, RangeHonoursLimitAndReverse) {
  for (const char* k : {"k1", "k2", "k3", "k4"}) set(k, k);
  CliResult r = run({"range", "k1", "k4", "--limit", "2"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "k1 = k1\nk2 = k2\n");
  r = run({"range", "k1", "k4", "--reverse"});
  EXPECT_EQ(r.out, "k3 = k3\nk2 = k2\nk1 = k1\n");
  r = run({"range", "k1", "\\xff", "--reverse", "--limit", "1"});
  EXPECT_EQ(r.out, "k4 = k4\n");
}

TEST_F(KvFileTest, RangeWithPrefixListsOnlyKeysStartingWithIt) {
  for (const char* k : {"a", "p", "p/1", "p/2", "q"}) set(k, "v");
  CliResult r = run({"range", "--prefix", "p/"});
  EXPECT_EQ(r.exitCode, 0) << r;
  EXPECT_EQ(r.out, "p/1 = v\np/2 = v\n");
}

TEST_F(KvFileTest, ClearRemovesOneKey) {
  set("a", "1");
  set("b", "2");
  ASSERT_EQ(run({"clear", "a"}).exitCode, 0);
  EXPECT_EQ(run({"get", "a"}).exitCode, 3);
  EXPECT_EQ(run({"range", "", "\\xff"}).out, "b = 2\n");
}

TEST_F(KvFileTest, ClearRangeRemovesTheHalfOpenRange) {
  for (const char* k : {"a", "b", "c", "d"}) set(k, k);
  ASSERT_EQ(run({"clear-range", "b", "d"}).exitCode, 0);
  EXPECT_EQ(run({"range", "", "\\xff"}).out, "a = a\nd = d\n");
}

TEST_F(KvFileTest, ClearRangeWithPrefixRemovesOnlyThatPrefix) {
  for (const char* k : {"p", "p/1", "p/2", "q"}) set(k, "v");
  ASSERT_EQ(run({"clear-range", "--prefix", "p/"}).exitCode, 0);
  EXPECT_EQ(run({"range", "", "\\xff"}).out, "p = v\nq = v\n");
}

TEST_F(KvFileTest, ClearRangeWithAnEmptyPrefixRemovesEveryKey) {
  for (const char* k : {"\\x00", "m", "\\xfe"}) set(k, "v");
  ASSERT_EQ(run({"clear-range", "--prefix", ""}).exitCode, 0);
  EXPECT_THAT(run({"range", "", "\\xff"}).out, IsEmpty());
}

}  // namespace
}  // namespace strata::clitest
