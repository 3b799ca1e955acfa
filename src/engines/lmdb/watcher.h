// Watcher fires the watches of one engine instance when any process commits a change to a
// watched key. Committers bump a side file (DIR/notify) after every commit; one thread per
// Watcher waits on it with inotify (no polling), takes a fresh snapshot and re-reads every
// watched key. Knows nothing about LMDB: it reads through ReadViews.
//
// Thread safety: thread-safe. The returned cancel functions may outlive the Watcher.
// Cost: one inotify event and one get per outstanding watch per commit batch (any process).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "kv/engine.h"

namespace strata::kv::lmdb {

class Watcher {
 public:
  using OpenSnapshot = std::function<std::shared_ptr<ReadView>()>;

  // Starts the thread watching `directory` for modifications of `fileName`.
  // Throws: io_error (1510) if inotify cannot be set up.
  Watcher(const std::string& directory, const std::string& fileName, OpenSnapshot open);
  // Stops the thread; outstanding watches fail with operation_cancelled (1101).
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Registers `request`; fires it at once if a snapshot newer than request.version already
  // differs from request.seen. Returns: a cancel function (1101 on the promise; no-op once fired).
  [[nodiscard]] std::function<void()> add(WatchRequest request);
  // Outstanding watches (for tests).
  [[nodiscard]] size_t size() const;

 private:
  struct Entry {
    WatchRequest request;
  };
  struct State {
    std::mutex mu;
    std::map<uint64_t, std::shared_ptr<Entry>> entries;  // guarded by mu
    uint64_t nextId = 0;                                 // guarded by mu
  };

  void run();
  // Fires (and forgets) every entry in `candidates` whose key changed in a fresh snapshot.
  void evaluate(const std::map<uint64_t, std::shared_ptr<Entry>>& candidates);

  OpenSnapshot open_;
  std::shared_ptr<State> state_;
  std::string fileName_;
  int inotifyFd_ = -1;
  int wakeFd_ = -1;
  std::thread thread_;
};

}  // namespace strata::kv::lmdb
