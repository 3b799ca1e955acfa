// ReadPool: the threads that serve Transaction::*Async reads on engines where a read is a round
// trip (etcd), so that reads issued together are in flight together (DatabaseOptions::
// readConcurrency). One per opened database, shared by its transactions; threads start on the
// first task and stop when the pool is destroyed (after finishing the tasks already queued). A
// task may drop the last reference to the pool (its thread is then detached, not joined).
//
// Thread safety: thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace strata::kv {

class ReadPool {
 public:
  explicit ReadPool(int threads) : size_(threads), state_(std::make_shared<State>()) {}
  ~ReadPool();
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // Runs `task` on one of the pool's threads. Tasks must not throw.
  void post(std::function<void()> task);
  [[nodiscard]] int size() const { return size_; }

 private:
  // Shared with the threads, so a thread that outlives the pool (detached) still has it.
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> tasks;  // guarded by mu
    bool stopping = false;                    // guarded by mu
  };
  static void loop(const std::shared_ptr<State>& state);

  const int size_;
  const std::shared_ptr<State> state_;
  std::mutex threadsMu_;
  std::vector<std::thread> threads_;  // guarded by threadsMu_; started by the first post()
};

}  // namespace strata::kv
