// The CLI's help, man page and bash completion: every command the CLI has (as listed by
// `strata help --commands`, so commands added later are covered too) has a usage line, a
// paragraph and an example, and the man page and the completion script list exactly the CLI's
// commands.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/run_cli.h"

namespace strata::clitest {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::vector<std::string> splitWords(const std::string& path) {
  std::istringstream in(path);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// Every command path the CLI reports ("kv", "kv get", ...).
std::vector<std::string> cliCommands() {
  CliResult r = runCli({"help", "--commands"});
  EXPECT_EQ(r.exitCode, 0) << r;
  std::vector<std::string> paths;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) paths.push_back(line);
  }
  return paths;
}

// Paths of commands with subcommands of their own (groups such as "kv").
std::set<std::string> groups(const std::vector<std::string>& paths) {
  std::set<std::string> out;
  for (const std::string& p : paths) {
    if (size_t space = p.rfind(' '); space != std::string::npos) out.insert(p.substr(0, space));
  }
  return out;
}

TEST(HelpTest, TheCommandListCoversTheKnownGroups) {
  std::vector<std::string> paths = cliCommands();
  for (const char* expected : {"kv", "kv get", "tuple pack", "tour", "help"}) {
    EXPECT_NE(std::find(paths.begin(), paths.end(), expected), paths.end()) << expected;
  }
}

TEST(HelpTest, HelpWithoutArgumentsListsEveryCommand) {
  CliResult r = runCli({"help"});
  ASSERT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("Usage:"));
  EXPECT_THAT(r.out, HasSubstr("--db"));
  for (const std::string& path : cliCommands()) {
    EXPECT_THAT(r.out, HasSubstr("strata " + path + " ")) << path;
  }
}

TEST(HelpTest, EveryCommandHasUsageAParagraphAndAnExample) {
  std::vector<std::string> paths = cliCommands();
  std::set<std::string> groupPaths = groups(paths);
  for (const std::string& path : paths) {
    std::vector<std::string> args = {"help"};
    for (const std::string& w : splitWords(path)) args.push_back(w);
    CliResult r = runCli(args);
    ASSERT_EQ(r.exitCode, 0) << path << ": " << r;
    EXPECT_THAT(r.out, HasSubstr("Usage: strata " + path)) << path;
    // The paragraph: CLI11 prints the description above the usage line.
    EXPECT_THAT(r.out.substr(0, r.out.find("Usage:")), Not(IsEmpty())) << path;
    if (groupPaths.count(path) == 0) {
      // A leaf command: its footer shows it in use.
      size_t examples = r.out.find("Examples:\n  strata ");
      EXPECT_NE(examples, std::string::npos) << "'strata help " << path << "' shows no example";
      if (examples != std::string::npos) {
        EXPECT_NE(r.out.find("strata " + path, examples), std::string::npos)
            << "the examples of 'strata " << path << "' do not use it";
      }
    }
  }
}

TEST(HelpTest, DashDashHelpPrintsTheSameTextAsHelp) {
  for (const std::string& path : cliCommands()) {
    if (path == "help") continue;
    std::vector<std::string> args = splitWords(path);
    std::vector<std::string> helpArgs = {"help"};
    helpArgs.insert(helpArgs.end(), args.begin(), args.end());
    args.push_back("--help");
    CliResult viaFlag = runCli(args);
    CliResult viaHelp = runCli(helpArgs);
    EXPECT_EQ(viaFlag.exitCode, 0) << path << ": " << viaFlag;
    EXPECT_EQ(viaFlag.out, viaHelp.out) << path;
  }
}

TEST(HelpTest, HelpForAnUnknownCommandSaysWhatToDo) {
  CliResult r = runCli({"help", "kv", "frobnicate"});
  EXPECT_EQ(r.exitCode, 2) << r;
  EXPECT_THAT(r.err, HasSubstr("'frobnicate' is not a command of 'strata kv'"));
  EXPECT_THAT(r.err, HasSubstr("strata help"));
}

TEST(HelpTest, TheManPageHasASectionForExactlyTheCliCommands) {
  CliResult r = runCli({"help", "--man"});
  ASSERT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, HasSubstr(".TH STRATA 1"));
  std::set<std::string> inMan;
  std::regex section(R"re(^\.SS "strata (.*)"$)re");
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, section)) inMan.insert(m[1]);
  }
  std::vector<std::string> paths = cliCommands();
  EXPECT_EQ(inMan, std::set<std::string>(paths.begin(), paths.end()));
  EXPECT_THAT(r.out, HasSubstr("Examples:"));
}

TEST(HelpTest, TheCompletionScriptKnowsExactlyTheCliCommands) {
  CliResult r = runCli({"help", "--completion"});
  ASSERT_EQ(r.exitCode, 0) << r;
  EXPECT_THAT(r.out, HasSubstr("complete -o bashdefault -o default -F _strata strata"));
  // Each command appears as a case of _strata_words (the words completed after it).
  std::string words = r.out.substr(r.out.find("_strata_words()"));
  std::set<std::string> inCompletion;
  std::regex entry(R"re(^    "([^"]+)"\) echo)re");
  std::istringstream in(words.substr(0, words.find("\n}\n")));
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, entry)) inCompletion.insert(m[1]);
  }
  std::vector<std::string> paths = cliCommands();
  EXPECT_EQ(inCompletion, std::set<std::string>(paths.begin(), paths.end()));
  // The top level completes the command groups and the global options.
  EXPECT_THAT(r.out, HasSubstr("--db"));
}

}  // namespace
}  // namespace strata::clitest
