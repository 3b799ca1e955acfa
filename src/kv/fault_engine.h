// FaultEngine: a test-only Engine wrapper that injects commit_unknown_result (1021), so tests can
// check what callers do when a commit's outcome is lost (tests/kv/idempotency_test.cc). It sits
// in front of a Database's engine only when a test installs it with injectFaults(); no other
// code path goes through it.
//
// Thread safety: thread-safe (counters are atomics; held requests under a mutex).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "kv/engine.h"

namespace strata {
class Database;
}

namespace strata::kv {

class FaultEngine final : public Engine {
 public:
  explicit FaultEngine(std::shared_ptr<Engine> inner) : inner_(std::move(inner)) {}

  // The next N commits land, then raise 1021 (the acknowledgement was lost).
  std::atomic<int> unknownAfterLanding{0};
  // The next N commits raise 1021 without reaching the engine (lost on the way).
  std::atomic<int> unknownBeforeSending{0};
  // The next N commits are held (still in flight) and raise 1021; releaseHeld() sends them.
  std::atomic<int> holdInFlight{0};
  // Commits that reached the inner engine and landed.
  std::atomic<int> landed{0};

  // Sends the held commits now, in order. Returns: for each, the error code it got (0 = landed).
  std::vector<int> releaseHeld();

  std::shared_ptr<ReadView> beginRead() override { return inner_->beginRead(); }
  std::shared_ptr<ReadView> readAt(int64_t version) override { return inner_->readAt(version); }
  CommitResult commit(CommitRequest request) override;
  std::function<void()> watch(WatchRequest request) override {
    return inner_->watch(std::move(request));
  }
  std::string name() const override { return inner_->name(); }
  bool remote() const override { return inner_->remote(); }

 private:
  std::shared_ptr<Engine> inner_;
  std::mutex mu_;
  std::vector<CommitRequest> held_;  // guarded by mu_
};

// Puts a FaultEngine in front of `db`'s engine (before any transaction of `db` runs; every
// handle sharing db's state sees it). Returns: the wrapper, owned by db.
FaultEngine& injectFaults(Database& db);

}  // namespace strata::kv
