// Future<T> is the result of a read issued without waiting for it (Transaction::getAsync & co.).
// On the local engines (memory, embedded) reads complete before the call returns; on a remote
// engine (etcd) several futures are in flight together (DatabaseOptions::readConcurrency), so
// issue every read first, then get() each.
//
// A Promise<T> is the writing end; engines and the transaction fulfil it exactly once.
//
// Thread safety: a Future may be waited on from any thread; get() may be called more than once
// and from several threads (it returns a copy). Callbacks run on the thread that completes the
// future, or at once on the calling thread when it is already complete.
// Lifetime: a Future shares ownership of its result; it may outlive the Transaction.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "strata/kv/error.h"

namespace strata {
namespace detail {

template <class V>
class FutureState {
 public:
  bool set(V value) {
    return complete([&] { value_.emplace(std::move(value)); });
  }
  bool fail(std::exception_ptr error) {
    return complete([&] { error_ = std::move(error); });
  }

  bool isReady() const {
    std::lock_guard lock(mu_);
    return ready_;
  }
  void wait() const {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return ready_; });
  }
  bool waitFor(std::chrono::nanoseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return ready_; });
  }
  // Requires: ready.
  const V& value() const {
    if (error_) std::rethrow_exception(error_);
    return *value_;
  }
  bool failed() const {
    std::lock_guard lock(mu_);
    return ready_ && error_ != nullptr;
  }
  void onReady(std::function<void()> callback) {
    {
      std::lock_guard lock(mu_);
      if (!ready_) {
        callbacks_.push_back(std::move(callback));
        return;
      }
    }
    callback();
  }

 private:
  template <class Fn>
  bool complete(Fn&& store) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(mu_);
      if (ready_) return false;
      store();
      ready_ = true;
      callbacks.swap(callbacks_);
    }
    cv_.notify_all();
    for (auto& cb : callbacks) cb();
    return true;
  }

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool ready_ = false;  // guarded by mu_; value_/error_ are immutable once it is true
  std::optional<V> value_;
  std::exception_ptr error_;
  std::vector<std::function<void()>> callbacks_;
};

template <class T>
using StoredType = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

}  // namespace detail

template <class T>
class Promise;

template <class T>
class [[nodiscard]] Future {
 public:
  using State = detail::FutureState<detail::StoredType<T>>;

  // An invalid future (valid() is false); only assignment and destruction are allowed.
  Future() = default;
  explicit Future(std::shared_ptr<State> state) : state_(std::move(state)) {}

  [[nodiscard]] bool valid() const noexcept { return state_ != nullptr; }
  [[nodiscard]] bool isReady() const { return state_->isReady(); }
  // Blocks until the result is there.
  void wait() const { state_->wait(); }
  // Returns: true when the result arrived within `timeout`.
  template <class Rep, class Period>
  [[nodiscard]] bool waitFor(std::chrono::duration<Rep, Period> timeout) const {
    return state_->waitFor(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
  }
  // Waits, then returns the value. Throws: the strata::Error the operation failed with.
  T get() const {
    state_->wait();
    if constexpr (std::is_void_v<T>) {
      (void)state_->value();
    } else {
      return state_->value();
    }
  }
  // True once ready with an error.
  [[nodiscard]] bool failed() const { return state_->failed(); }
  // Runs `callback` once the future is ready (at once if it already is).
  void onReady(std::function<void()> callback) const { state_->onReady(std::move(callback)); }

  // A future that is already complete.
  template <class U = T>
  static Future ready(U&& value) requires(!std::is_void_v<T>) {
    auto s = std::make_shared<State>();
    s->set(std::forward<U>(value));
    return Future(std::move(s));
  }
  static Future readyVoid() requires std::is_void_v<T> {
    auto s = std::make_shared<State>();
    s->set(std::monostate{});
    return Future(std::move(s));
  }
  static Future failedWith(std::exception_ptr error) {
    auto s = std::make_shared<State>();
    s->fail(std::move(error));
    return Future(std::move(s));
  }

 private:
  std::shared_ptr<State> state_;
};

template <class T>
class Promise {
 public:
  using State = typename Future<T>::State;
  Promise() : state_(std::make_shared<State>()) {}

  [[nodiscard]] Future<T> future() const { return Future<T>(state_); }
  // Completes the future; a second completion is ignored. Returns: true if this call completed it.
  template <class U = T>
  bool setValue(U&& value) requires(!std::is_void_v<T>) {
    return state_->set(std::forward<U>(value));
  }
  bool setValue() requires std::is_void_v<T> { return state_->set(std::monostate{}); }
  bool setError(std::exception_ptr error) { return state_->fail(std::move(error)); }
  bool setError(const Error& error) { return setError(std::make_exception_ptr(error)); }
  [[nodiscard]] bool isReady() const { return state_->isReady(); }

 private:
  std::shared_ptr<State> state_;
};

// Runs `fn` now and returns its result (or the error it threw) as a ready future.
template <class Fn>
auto makeReadyFuture(Fn&& fn) -> Future<std::invoke_result_t<Fn>> {
  using T = std::invoke_result_t<Fn>;
  try {
    if constexpr (std::is_void_v<T>) {
      fn();
      return Future<void>::readyVoid();
    } else {
      return Future<T>::ready(fn());
    }
  } catch (...) {
    return Future<T>::failedWith(std::current_exception());
  }
}

}  // namespace strata
