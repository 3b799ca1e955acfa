#include "kv/fault_engine.h"

#include "kv/database_shared.h"
#include "strata/kv/database.h"

namespace strata::kv {

struct DatabaseAccess {
  static DatabaseShared& shared(Database& db) { return *db.shared_; }
};

namespace {
bool take(std::atomic<int>& counter) {
  int n = counter.load();
  while (n > 0) {
    if (counter.compare_exchange_weak(n, n - 1)) return true;
  }
  return false;
}
}  // namespace

CommitResult FaultEngine::commit(CommitRequest request) {
  if (take(unknownBeforeSending)) {
    throwError(ErrorCode::commit_unknown_result, "injected: lost before sending");
  }
  if (take(holdInFlight)) {
    std::lock_guard lock(mu_);
    held_.push_back(std::move(request));
    throwError(ErrorCode::commit_unknown_result, "injected: still in flight");
  }
  CommitResult result = inner_->commit(std::move(request));
  landed.fetch_add(1);
  if (take(unknownAfterLanding)) {
    throwError(ErrorCode::commit_unknown_result, "injected: landed, acknowledgement lost");
  }
  return result;
}

std::vector<int> FaultEngine::releaseHeld() {
  std::vector<CommitRequest> held;
  {
    std::lock_guard lock(mu_);
    held.swap(held_);
  }
  std::vector<int> codes;
  for (auto& request : held) {
    try {
      (void)inner_->commit(std::move(request));
      landed.fetch_add(1);
      codes.push_back(0);
    } catch (const Error& e) {
      codes.push_back(e.code());
    }
  }
  return codes;
}

FaultEngine& injectFaults(Database& db) {
  DatabaseShared& shared = DatabaseAccess::shared(db);
  auto wrapper = std::make_shared<FaultEngine>(shared.engine);
  FaultEngine& ref = *wrapper;
  shared.engine = std::move(wrapper);
  return ref;
}

}  // namespace strata::kv
