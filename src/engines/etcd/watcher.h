// Watcher fires the watches of one etcd engine. It keeps one etcd Watch stream over the engine's
// data keys while the engine has watches; stream events are only hints: the watched key is re-read
// at the newest revision and the watch fires when that value differs from the one it saw. After
// any stream failure (a member died, the start revision was compacted) the stream is re-created
// on the next member and every watch is re-checked, so no change is missed.
//
// Thread safety: thread-safe. The returned cancel functions may outlive the Watcher.
// Cost: one Range per watched key per event on it (and per watch on every reconnect).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kv/engine.h"

namespace grpc {
class ClientContext;
}

namespace strata::kv::etcd {

class Client;

class Watcher {
 public:
  // The committed value of a (user) key at the newest revision.
  using ReadLatest = std::function<std::optional<std::string>(const std::string& key)>;

  // `dataPrefix` + user key is the etcd key of a user key.
  Watcher(std::shared_ptr<Client> client, std::string dataPrefix, ReadLatest read);
  // Stops the stream; outstanding watches fail with operation_cancelled (1101).
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Registers `request`; fires at once if the value already differs from request.seen.
  // Returns: a cancel function (1101 on the promise; no-op once fired).
  [[nodiscard]] std::function<void()> add(WatchRequest request);
  // Outstanding watches (for tests).
  [[nodiscard]] size_t size() const;

 private:
  struct State {
    mutable std::mutex mu;
    std::condition_variable cv;
    std::map<uint64_t, WatchRequest> entries;  // guarded by mu
    uint64_t nextId = 0;                       // guarded by mu
    bool stopping = false;                     // guarded by mu
    grpc::ClientContext* stream = nullptr;     // guarded by mu: the running stream, to cancel
  };

  void run();
  // Runs one stream until it fails or stop; returns after Finish().
  void runStream();
  // Re-reads the keys of the given watches (all when `keys` is null) and fires changed ones.
  void check(const std::map<std::string, int>* keys);

  std::shared_ptr<Client> client_;
  std::string dataPrefix_;
  ReadLatest read_;
  std::shared_ptr<State> state_;
  std::once_flag started_;
  std::thread thread_;
};

}  // namespace strata::kv::etcd
