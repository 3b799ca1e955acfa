// Helpers shared by the LMDB engine tests: temporary directories, commit requests, child
// processes.
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "engines/lmdb/lmdb_engine.h"
#include "kv/engine.h"
#include "strata/kv/error.h"

namespace strata::kv::testing {

// A fresh directory under the temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "strata-lmdb-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }
  // A path inside the directory (not created).
  [[nodiscard]] std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::shared_ptr<Engine> openAt(const std::string& path, bool readOnly = false) {
  LmdbEngineOptions options;
  options.path = path;
  options.readOnly = readOnly;
  return makeLmdbEngine(options);
}

inline KeyRange pointRange(const std::string& key) { return {key, key + std::string(1, '\0')}; }

// A request that sets each key, with matching write conflicts, reading `reads` at readVersion.
inline CommitRequest setRequest(const std::vector<std::pair<std::string, std::string>>& sets,
                                int64_t readVersion = -1,
                                const std::vector<std::string>& reads = {}) {
  CommitRequest req;
  req.readVersion = readVersion;
  for (const auto& [k, v] : sets) {
    req.mutations.push_back({MutationType::kSetValue, k, v});
    req.writeConflicts.push_back(pointRange(k));
  }
  for (const auto& r : reads) req.readConflicts.push_back(pointRange(r));
  return req;
}

// The strata error code `fn` throws, or 0 when it throws nothing.
inline int errorCodeOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  return 0;
}

// Runs `fn` in a forked child; the child exits with fn's return value (100 + error code on an
// uncaught strata::Error, 99 on anything else). Returns: the child's pid.
inline pid_t forkChild(const std::function<int()>& fn) {
  pid_t pid = fork();
  if (pid == 0) {
    int code = 99;
    try {
      code = fn();
    } catch (const Error& e) {
      code = e.code() >= 3000 ? 200 + (e.code() - 3000) : 100 + (e.code() % 100);
    } catch (...) {
      code = 99;
    }
    _exit(code);
  }
  return pid;
}

// Waits for a child. Returns: its exit code, or 128 + signal.
inline int waitChild(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

// A one-shot cross-process signal over a pipe.
class Gate {
 public:
  Gate() {
    if (pipe(fds_) != 0) fds_[0] = fds_[1] = -1;
  }
  ~Gate() {
    close(fds_[0]);
    close(fds_[1]);
  }
  Gate(const Gate&) = delete;
  Gate& operator=(const Gate&) = delete;
  void open() {
    char c = 1;
    [[maybe_unused]] ssize_t n = write(fds_[1], &c, 1);
  }
  // Blocks until open() was called (in any process).
  void pass() {
    char c;
    [[maybe_unused]] ssize_t n = read(fds_[0], &c, 1);
  }

 private:
  int fds_[2];
};

}  // namespace strata::kv::testing
