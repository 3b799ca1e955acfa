// The API version, the network loop, errors and futures of strata's libfdb_c
// (include/foundationdb/fdb_c.h).
#include <atomic>
#include <cstring>
#include <new>

#include "fdb_c/fdb_c_internal.h"
#include "strata/kv/error.h"

namespace strata::fdbc {
namespace {

std::atomic<int> gApiVersion{0};

struct ExtraError {
  fdb_error_t code;
  const char* message;
};
// FoundationDB's descriptions of the codes the C API returns beyond strata's table.
constexpr ExtraError kExtraErrors[] = {
    {kFutureNotSet, "The future has not been set"},
    {kNoClusterFileFound, "No cluster file found in current directory or default location"},
    {kNetworkNotSetup, "Action not possible before the network is configured"},
    {kNetworkAlreadySetup, "Network can be configured only once"},
    {kVersionInvalid, "Version not valid"},
    {kNetworkCannotBeRestarted, "Network can only be started once"},
    {kConnectionStringInvalid, "Connection string invalid"},
    {kUnsupportedOperation, "Unsupported operation"},
    {kTenantsDisabled, "Tenants have been disabled in the cluster"},
    {kApiVersionUnset, "API version must be set"},
    {kApiVersionAlreadySet, "API version may be set only once"},
    {kApiVersionInvalid, "API version not valid"},
    {kUnknownError, "An unknown error occurred"},
    {kInternalError, "An internal error occurred"},
};

}  // namespace

int selectedApiVersion() noexcept { return gApiVersion.load(); }

fdb_error_t currentErrorCode() noexcept {
  try {
    throw;
  } catch (const strata::Error& e) {
    return e.code();
  } catch (const std::bad_alloc&) {
    return kInternalError;
  } catch (...) {
    return kUnknownError;
  }
}

// ---- Network ---------------------------------------------------------------------------------

Network& Network::instance() {
  static Network* network = new Network();  // never destroyed: callbacks may race process exit
  return *network;
}

fdb_error_t Network::setup() {
  if (selectedApiVersion() == 0) return kApiVersionUnset;
  std::lock_guard lock(mu_);
  if (state_ != State::kNone) return kNetworkAlreadySetup;
  state_ = State::kSetup;
  return 0;
}

bool Network::isSetup() {
  std::lock_guard lock(mu_);
  return state_ != State::kNone;
}

fdb_error_t Network::run() {
  std::unique_lock lock(mu_);
  if (state_ == State::kNone) return kNetworkNotSetup;
  if (state_ != State::kSetup) return kNetworkCannotBeRestarted;
  state_ = State::kRunning;
  while (!stopRequested_) {
    if (!tasks_.empty()) {
      auto task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
      continue;
    }
    if (!timers_.empty() && timers_.begin()->first <= Clock::now()) {
      auto task = std::move(timers_.begin()->second);
      timers_.erase(timers_.begin());
      lock.unlock();
      task();
      lock.lock();
      continue;
    }
    if (timers_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, timers_.begin()->first);
    }
  }
  state_ = State::kStopped;
  tasks_.clear();
  timers_.clear();
  auto hooks = hooks_;
  lock.unlock();
  for (auto& [hook, parameter] : hooks) hook(parameter);
  return 0;
}

fdb_error_t Network::stop() {
  std::lock_guard lock(mu_);
  if (state_ == State::kNone) return kNetworkNotSetup;
  stopRequested_ = true;
  cv_.notify_all();
  return 0;
}

fdb_error_t Network::addCompletionHook(void (*hook)(void*), void* parameter) {
  std::lock_guard lock(mu_);
  if (state_ == State::kNone) return kNetworkNotSetup;
  hooks_.emplace_back(hook, parameter);
  return 0;
}

void Network::post(std::function<void()> task) {
  std::lock_guard lock(mu_);
  if (state_ == State::kStopped || stopRequested_) return;
  tasks_.push_back(std::move(task));
  cv_.notify_all();
}

void Network::postAt(Clock::time_point when, std::function<void()> task) {
  std::lock_guard lock(mu_);
  if (state_ == State::kStopped || stopRequested_) return;
  timers_.emplace(when, std::move(task));
  cv_.notify_all();
}

}  // namespace strata::fdbc

// ---- FDB_future --------------------------------------------------------------------------------

using strata::fdbc::Network;

FDB_future* FDB_future::create() {
  auto f = std::make_shared<FDB_future>();
  f->self = f;
  return f.get();
}

FDB_future* FDB_future::readyWith(fdb_error_t error) {
  FDB_future* f = create();
  f->ready = true;
  f->error = error;
  return f;
}

void FDB_future::complete(fdb_error_t err, const std::function<void(FDB_future&)>& fill) {
  FDBCallback cb = nullptr;
  void* parameter = nullptr;
  std::shared_ptr<FDB_future> keep;
  {
    std::lock_guard lock(mu);
    if (ready) return;
    error = err;
    if (err == 0 && fill) fill(*this);
    ready = true;
    canceller = nullptr;
    if (destroyed) return;
    cb = callback;
    parameter = callbackParameter;
    callback = nullptr;
    keep = self;
  }
  cv.notify_all();
  if (cb != nullptr && keep) {
    Network::instance().post([keep, cb, parameter] {
      {
        std::lock_guard lock(keep->mu);
        if (keep->destroyed) return;
      }
      cb(keep.get(), parameter);
    });
  }
}

void FDB_future::buildViews() {
  rowViews.clear();
  for (const auto& kv : rows) {
    rowViews.push_back(FDBKeyValue{
        reinterpret_cast<const uint8_t*>(kv.key.data()), static_cast<int>(kv.key.size()),
        reinterpret_cast<const uint8_t*>(kv.value.data()), static_cast<int>(kv.value.size())});
  }
  keyViews.clear();
  cstrings.clear();
  for (const auto& s : strings) {
    keyViews.push_back(
        FDBKey{reinterpret_cast<const uint8_t*>(s.data()), static_cast<int>(s.size())});
    cstrings.push_back(s.c_str());
  }
}

// ---- The C API: errors, versions, network
// --------------------------------------------------------

namespace {

// Checks the future can hand out a result of `kind`; returns the error to report otherwise.
fdb_error_t readable(FDBFuture* f, FDB_future::Kind kind) {
  if (!f->ready) return strata::fdbc::kFutureNotSet;
  if (f->error != 0) return f->error;
  if (f->released) return static_cast<fdb_error_t>(strata::ErrorCode::future_released);
  if (f->kind != kind) return static_cast<fdb_error_t>(strata::ErrorCode::client_invalid_operation);
  return 0;
}

}  // namespace

extern "C" {

const char* fdb_get_error(fdb_error_t code) {
  if (code == 0) return "Success";
  for (const auto& e : strata::fdbc::kExtraErrors) {
    if (e.code == code) return e.message;
  }
  const char* name = strata::errorName(code);
  if (std::strcmp(name, "unknown_error") == 0) return "Unknown error";
  return strata::errorMessage(code);
}

fdb_bool_t fdb_error_predicate(int predicate_test, fdb_error_t code) {
  switch (predicate_test) {
    case FDB_ERROR_PREDICATE_RETRYABLE:
      return strata::errorIsRetryable(code);
    case FDB_ERROR_PREDICATE_MAYBE_COMMITTED:
      return strata::errorIsMaybeCommitted(code);
    case FDB_ERROR_PREDICATE_RETRYABLE_NOT_COMMITTED:
      return strata::errorIsRetryableNotCommitted(code);
    default:
      return 0;
  }
}

fdb_error_t fdb_select_api_version_impl(int runtime_version, int header_version) {
  if (runtime_version < strata::fdbc::kMinApiVersion ||
      runtime_version > strata::fdbc::kMaxApiVersion || runtime_version > header_version) {
    return strata::fdbc::kApiVersionInvalid;
  }
  int expected = 0;
  if (!strata::fdbc::gApiVersion.compare_exchange_strong(expected, runtime_version) &&
      expected != runtime_version) {
    return strata::fdbc::kApiVersionAlreadySet;
  }
  return 0;
}

int fdb_get_max_api_version(void) { return strata::fdbc::kMaxApiVersion; }

const char* fdb_get_client_version(void) { return "7.2.0 (strata libfdb_c)"; }

fdb_error_t fdb_setup_network(void) { return Network::instance().setup(); }
fdb_error_t fdb_run_network(void) { return Network::instance().run(); }
fdb_error_t fdb_stop_network(void) { return Network::instance().stop(); }
fdb_error_t fdb_add_network_thread_completion_hook(void (*hook)(void*), void* hook_parameter) {
  return Network::instance().addCompletionHook(hook, hook_parameter);
}

// ---- Futures
// -------------------------------------------------------------------------------------

void fdb_future_cancel(FDBFuture* f) {
  std::function<void()> canceller;
  std::optional<strata::Watch> watch;
  {
    std::lock_guard lock(f->mu);
    if (f->ready) return;
    canceller = std::move(f->canceller);
    f->canceller = nullptr;
    watch = std::move(f->watch);
    f->watch.reset();
  }
  if (canceller) canceller();
  watch.reset();  // a watch: cancelling fails its future with 1101, which completes f
  f->complete(static_cast<fdb_error_t>(strata::ErrorCode::operation_cancelled), nullptr);
}

void fdb_future_release_memory(FDBFuture* f) {
  std::lock_guard lock(f->mu);
  if (!f->ready) return;
  f->released = true;
  f->bytes.clear();
  f->bytes.shrink_to_fit();
  f->rows = {};
  f->rowViews = {};
  f->strings = {};
  f->keyViews = {};
  f->cstrings = {};
}

void fdb_future_destroy(FDBFuture* f) {
  if (f == nullptr) return;
  std::function<void()> canceller;
  std::shared_ptr<FDB_future> self;
  std::optional<strata::Watch> watch;
  {
    std::lock_guard lock(f->mu);
    f->destroyed = true;
    f->callback = nullptr;
    canceller = std::move(f->canceller);
    f->canceller = nullptr;
    watch = std::move(f->watch);
    f->watch.reset();
    self = std::move(f->self);
  }
  if (canceller) canceller();
  watch.reset();  // cancels an unfired watch
  // `self` drops the user's reference here; a completion in flight may still hold one.
}

fdb_error_t fdb_future_block_until_ready(FDBFuture* f) {
  std::unique_lock lock(f->mu);
  f->cv.wait(lock, [&] { return f->ready; });
  return 0;
}

fdb_bool_t fdb_future_is_ready(FDBFuture* f) {
  std::lock_guard lock(f->mu);
  return f->ready;
}

fdb_error_t fdb_future_set_callback(FDBFuture* f, FDBCallback callback, void* callback_parameter) {
  {
    std::lock_guard lock(f->mu);
    if (!f->ready) {
      f->callback = callback;
      f->callbackParameter = callback_parameter;
      return 0;
    }
  }
  callback(f, callback_parameter);
  return 0;
}

fdb_error_t fdb_future_get_error(FDBFuture* f) {
  std::lock_guard lock(f->mu);
  if (!f->ready) return strata::fdbc::kFutureNotSet;
  return f->error;
}

fdb_error_t fdb_future_get_int64(FDBFuture* f, int64_t* out) {
  std::lock_guard lock(f->mu);
  if (fdb_error_t e = readable(f, FDB_future::Kind::kInt64)) return e;
  *out = f->i64;
  return 0;
}

// Removed from the header at API 620; exported for bindings built against older headers.
#undef fdb_future_get_version
fdb_error_t fdb_future_get_version(FDBFuture* f, int64_t* out_version);
fdb_error_t fdb_future_get_version(FDBFuture* f, int64_t* out_version) {
  return fdb_future_get_int64(f, out_version);
}

fdb_error_t fdb_future_get_uint64(FDBFuture* f, uint64_t* out) {
  std::lock_guard lock(f->mu);
  if (fdb_error_t e = readable(f, FDB_future::Kind::kUint64)) return e;
  *out = static_cast<uint64_t>(f->i64);
  return 0;
}

fdb_error_t fdb_future_get_bool(FDBFuture* f, fdb_bool_t* out) {
  std::lock_guard lock(f->mu);
  if (fdb_error_t e = readable(f, FDB_future::Kind::kBool)) return e;
  *out = f->i64 != 0;
  return 0;
}

fdb_error_t fdb_future_get_key(FDBFuture* f, uint8_t const** out_key, int* out_key_length) {
  std::lock_guard lock(f->mu);
  if (fdb_error_t e = readable(f, FDB_future::Kind::kKey)) return e;
  *out_key = reinterpret_cast<const uint8_t*>(f->bytes.data());
  *out_key_length = static_cast<int>(f->bytes.size());
  return 0;
}

fdb_error_t fdb_future_get_value(FDBFuture* f, fdb_bool_t* out_present, uint8_t const** out_value,
                                 int* out_value_length) {
  std::lock_guard lock(f->mu);
  if (fdb_error_t e = readable(f, FDB_future::Kind::kValue)) return e;
  *out_present = f->present;
  *out_value = reinterpret_cast<const uint8_t*>(f->bytes.data());
  *out_value_length = static_cast<int>(f->bytes.size());
  return 0;
}

fdb_error_t fdb_future_get_keyvalue_array(FDBFuture* f, FDBKeyValue const** out_kv, int* out_count,
                                          fdb_bool_t* out_more) {
  std::lock_guard lock(f->mu);
  if (fdb_error_t e = readable(f, FDB_future::Kind::kKeyValues)) return e;
  *out_kv = f->rowViews.data();
  *out_count = static_cast<int>(f->rowViews.size());
  *out_more = f->more;
  return 0;
}

fdb_error_t fdb_future_get_mappedkeyvalue_array(FDBFuture* f, FDBMappedKeyValue const**, int*,
                                                fdb_bool_t*) {
  std::lock_guard lock(f->mu);
  if (!f->ready) return strata::fdbc::kFutureNotSet;
  if (f->error != 0) return f->error;
  return static_cast<fdb_error_t>(strata::ErrorCode::client_invalid_operation);
}

fdb_error_t fdb_future_get_key_array(FDBFuture* f, FDBKey const** out_key_array, int* out_count) {
  std::lock_guard lock(f->mu);
  if (fdb_error_t e = readable(f, FDB_future::Kind::kKeys)) return e;
  *out_key_array = f->keyViews.data();
  *out_count = static_cast<int>(f->keyViews.size());
  return 0;
}

fdb_error_t fdb_future_get_string_array(FDBFuture* f, const char*** out_strings, int* out_count) {
  std::lock_guard lock(f->mu);
  if (fdb_error_t e = readable(f, FDB_future::Kind::kStrings)) return e;
  *out_strings = f->cstrings.data();
  *out_count = static_cast<int>(f->cstrings.size());
  return 0;
}

fdb_error_t fdb_future_get_keyrange_array(FDBFuture* f, FDBKeyRange const**, int*) {
  std::lock_guard lock(f->mu);
  if (!f->ready) return strata::fdbc::kFutureNotSet;
  if (f->error != 0) return f->error;
  return static_cast<fdb_error_t>(strata::ErrorCode::client_invalid_operation);
}

void fdb_result_destroy(FDBResult*) {}

fdb_error_t fdb_result_get_keyvalue_array(FDBResult*, FDBKeyValue const**, int*, fdb_bool_t*) {
  return strata::fdbc::kUnsupportedOperation;
}

}  // extern "C"
