// Test helpers for the CLI tests: run the built `strata` binary (path from CMake as
// STRATA_CLI_PATH) with posix_spawn and capture its exit code, stdout and stderr; make temporary
// directories for file: databases.
//
// Thread safety: runCli may be called from several threads; each call uses its own files.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace strata::clitest {

struct CliResult {
  int exitCode = -1;  // the exit status; 128 + signal when killed by a signal
  std::string out;
  std::string err;
};

// Shown by GoogleTest when an assertion on a result fails.
inline std::ostream& operator<<(std::ostream& os, const CliResult& r) {
  return os << "{exit " << r.exitCode << ", stdout \"" << r.out << "\", stderr \"" << r.err
            << "\"}";
}

// A directory under the system temp folder, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "strata-cli-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `strata args...`. The child's environment is this process's without STRATA_DB, plus
// `env` ("NAME=VALUE" entries), so a test sees STRATA_DB only when it sets it.
inline CliResult runCli(const std::vector<std::string>& args,
                        const std::vector<std::string>& env = {}) {
  TempDir io;
  std::string outPath = (io.path() / "stdout").string();
  std::string errPath = (io.path() / "stderr").string();

  std::vector<std::string> argStorage = {STRATA_CLI_PATH};
  argStorage.insert(argStorage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argStorage) argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> envStorage;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "STRATA_DB=", 10) != 0) envStorage.emplace_back(*e);
  }
  envStorage.insert(envStorage.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& e : envStorage) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, argStorage[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn failed: " + std::string(strerror(rc)));

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  CliResult result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = readFile(outPath);
  result.err = readFile(errPath);
  return result;
}

// The token of the last stderr line "next: TOKEN" (a listing with more to come), or "" when
// there is none.
inline std::string nextToken(const CliResult& r) {
  std::string err = r.err;
  while (!err.empty() && err.back() == '\n') err.pop_back();
  auto nl = err.rfind('\n');
  std::string last = nl == std::string::npos ? err : err.substr(nl + 1);
  return last.starts_with("next: ") ? last.substr(6) : "";
}

}  // namespace strata::clitest
