#include "kv/read_pool.h"

namespace strata::kv {

ReadPool::~ReadPool() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  std::lock_guard lock(threadsMu_);
  for (auto& t : threads_) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();  // a task of this pool dropped the last reference to it
    } else {
      t.join();
    }
  }
}

void ReadPool::post(std::function<void()> task) {
  {
    std::lock_guard lock(threadsMu_);
    if (threads_.empty()) {
      for (int i = 0; i < size_; ++i) threads_.emplace_back([s = state_] { loop(s); });
    }
  }
  {
    std::lock_guard lock(state_->mu);
    state_->tasks.push_back(std::move(task));
  }
  state_->cv.notify_one();
}

void ReadPool::loop(const std::shared_ptr<State>& state) {
  std::unique_lock lock(state->mu);
  for (;;) {
    state->cv.wait(lock, [&] { return state->stopping || !state->tasks.empty(); });
    if (state->tasks.empty()) return;  // stopping, and every queued task ran
    std::function<void()> task = std::move(state->tasks.front());
    state->tasks.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace strata::kv
