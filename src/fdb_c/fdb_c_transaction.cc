// Databases and transactions of strata's libfdb_c (include/foundationdb/fdb_c.h): FoundationDB's C
// calls mapped onto strata::Database and strata::Transaction (include/strata/kv/*.h).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>

#include "fdb_c/fdb_c_internal.h"
#include "strata/kv/error.h"
#include "strata/kv/key_selector.h"
#include "strata/kv/mutation.h"

using strata::ErrorCode;
using strata::fdbc::guard;
using strata::fdbc::Network;

namespace {

constexpr fdb_error_t code(ErrorCode c) { return static_cast<fdb_error_t>(c); }

std::string_view bytes(const uint8_t* p, int n) {
  if (p == nullptr || n <= 0) return {};
  return {reinterpret_cast<const char*>(p), static_cast<size_t>(n)};
}

// An enum argument's value as the int a C caller passed. Bindings pass any int (C enums are ints);
// reading the bytes keeps C++ from assuming the value is one of the enumerators.
template <class E>
int rawEnum(const E& e) {
  static_assert(sizeof(E) == sizeof(int));
  int v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

double uniform01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// ---- Opening ---------------------------------------------------------------------------------

bool hasStrataScheme(std::string_view url) {
  return url.starts_with("file:") || url.starts_with("memory:") || url.starts_with("etcd://");
}

// FoundationDB's connection string: description:ID@host:port[,host:port...].
bool isFdbConnectionString(std::string_view s) {
  if (hasStrataScheme(s)) return false;
  const size_t at = s.find('@');
  const size_t colon = s.find(':');
  return at != std::string_view::npos && colon != std::string_view::npos && colon < at;
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  s.erase(0, s.find_first_not_of(ws));
  const size_t end = s.find_last_not_of(ws);
  s.erase(end == std::string::npos ? 0 : end + 1);
  return s;
}

fdb_error_t openUrl(const std::string& url, const std::string& origin, FDBDatabase** out) {
  if (url.empty()) {
    std::fprintf(stderr,
                 "strata libfdb_c: %s is empty; expected one line holding a strata URL "
                 "(file:PATH, etcd://host:port,..., memory:NAME)\n",
                 origin.c_str());
    return strata::fdbc::kConnectionStringInvalid;
  }
  if (isFdbConnectionString(url)) {
    std::fprintf(stderr,
                 "strata libfdb_c: %s holds a FoundationDB connection string (%s); this libfdb_c "
                 "is strata's: expected a strata URL (file:PATH, etcd://host:port,..., "
                 "memory:NAME)\n",
                 origin.c_str(), url.c_str());
    return strata::fdbc::kConnectionStringInvalid;
  }
  try {
    *out = new FDB_database(strata::Database::open(url));
    return 0;
  } catch (const strata::Error& e) {
    std::fprintf(stderr, "strata libfdb_c: cannot open %s (from %s): %s\n", url.c_str(),
                 origin.c_str(), e.what());
    return e.code();
  } catch (...) {
    return strata::fdbc::currentErrorCode();
  }
}

// ---- Futures made by transactions ------------------------------------------------------------

// Runs fill(future) with the transaction locked; the future is ready when returned, holding what
// fill stored or the error it threw.
template <class Fill>
FDBFuture* readyFuture(FDBTransaction* t, Fill&& fill) {
  FDB_future* f = FDB_future::create();
  fdb_error_t err;
  {
    std::lock_guard lock(t->mu);
    err = t->deferredError != 0 ? t->deferredError : guard([&] { fill(*f); });
  }
  f->ready = true;
  f->error = err;
  if (err == 0) f->buildViews();
  return f;
}

// Completes `f` from a strata future `from` once it is ready (at once if it already is).
template <class T, class Fill>
void completeFrom(FDB_future* f, strata::Future<T> from, Fill fill) {
  std::weak_ptr<FDB_future> weak = f->self;
  from.onReady([weak, from, fill] {
    auto target = weak.lock();
    if (!target) return;
    try {
      if constexpr (std::is_void_v<T>) {
        from.get();
        target->complete(0, nullptr);
      } else {
        T value = from.get();
        target->complete(0, [&](FDB_future& x) { fill(x, value); });  // fill may move value
      }
    } catch (...) {
      target->complete(strata::fdbc::currentErrorCode(), nullptr);
    }
  });
}

// Issues a read with the transaction locked and returns at once: the future completes when the
// read does — at once on the local engines, on the database's read pool on etcd, so reads a
// binding issues together are in flight together — holding what fill(future, result) stored.
template <class T, class Issue, class Fill>
FDBFuture* readFuture(FDBTransaction* t, Issue&& issue, Fill fill) {
  FDB_future* f = FDB_future::create();
  std::optional<strata::Future<T>> pending;
  fdb_error_t err;
  {
    std::lock_guard lock(t->mu);
    err = t->deferredError != 0 ? t->deferredError : guard([&] { pending.emplace(issue()); });
  }
  if (err != 0) {
    f->complete(err, nullptr);
    return f;
  }
  completeFrom(f, std::move(*pending), [fill](FDB_future& x, T& value) {
    fill(x, value);
    x.buildViews();
  });
  return f;
}

int64_t intOption(const uint8_t* value, int length) {
  if (value == nullptr || length != 8) strata::throwError(ErrorCode::invalid_option_value);
  int64_t v;
  std::memcpy(&v, value, 8);  // FoundationDB passes int options as 8 little-endian bytes
  return v;
}

enum class OptionClass { kUnknown, kApply, kIgnore, kRefuse };

// docs/FDB_C.md#options lists the same classes.
OptionClass transactionOptionClass(int option) {
  switch (option) {
    case 30:
    case 51:
    case 52:
    case 200:
    case 201:
    case 301:
    case 302:
    case 500:
    case 501:
    case 502:
    case 503:
    case 600:
    case 601:
    case 700:
    case 701:
    case 712:
    case 1100:
      return OptionClass::kApply;
    case 300:
    case 303:
    case 504:
    case 505:
    case 714:
    case 2000:
      return OptionClass::kRefuse;
    case 10:
    case 20:
    case 21:
    case 23:
    case 40:
    case 50:
    case 110:
    case 120:
    case 130:
    case 400:
    case 401:
    case 402:
    case 403:
    case 404:
    case 405:
    case 406:
    case 702:
    case 710:
    case 711:
    case 713:
    case 800:
    case 801:
    case 900:
    case 1000:
    case 1101:
    case 1102:
      return OptionClass::kIgnore;
    default:
      return OptionClass::kUnknown;
  }
}

OptionClass databaseOptionClass(int option) {
  switch (option) {
    case 26:
    case 27:
    case 500:
    case 501:
    case 502:
    case 503:
    case 700:
      return OptionClass::kApply;
    case 506:
    case 800:
      return OptionClass::kRefuse;
    case 10:
    case 20:
    case 21:
    case 22:
    case 405:
    case 504:
    case 505:
    case 900:
      return OptionClass::kIgnore;
    default:
      return OptionClass::kUnknown;
  }
}

bool isNetworkOption(int option) {
  static constexpr int kKnown[] = {10, 20, 30, 31, 32, 33, 34, 35, 36, 37, 39, 40,   41,   42,  43,
                                   45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 60, 61,   62,   63,  64,
                                   65, 66, 70, 71, 72, 80, 81, 82, 83, 90, 91, 1000, 1001, 1002};
  for (int k : kKnown) {
    if (k == option) return true;
  }
  return false;
}

// Scans [begin, end) with snapshot reads, calling row(key, bytes) for each pair.
template <class Row>
void scan(strata::Transaction& tr, std::string_view begin, std::string_view end, Row&& row) {
  strata::RangeOptions o;
  o.snapshot = strata::Snapshot::kYes;
  o.mode = strata::StreamingMode::kWantAll;
  for (const auto& kv : tr.getRange(begin, end, o)) row(kv.key, kv.key.size() + kv.value.size());
}

// Runs a write; its error is kept for commit, as FoundationDB defers it.
template <class Fn>
void deferred(FDBTransaction* t, Fn&& fn) {
  std::lock_guard lock(t->mu);
  fdb_error_t e = guard(fn);
  if (e != 0 && t->deferredError == 0) t->deferredError = e;
}

struct DatabaseRef {
  static void retain(FDBDatabase* d) { d->refs.fetch_add(1); }
  static void release(FDBDatabase* d) {
    if (d->refs.fetch_sub(1) == 1) delete d;
  }
};

}  // namespace

void FDB_transaction::applyDefaults() {
  FDB_database& d = *database;
  std::lock_guard lock(d.mu);
  using strata::TransactionOption;
  tr->setOption(TransactionOption::kMaxRetryDelay, 0);  // our on_error does the waiting
  maxRetryDelayMs = d.maxRetryDelayMs.value_or(1000);
  backoffSeconds = 0.01;
  deferredError = 0;
  if (d.timeoutMs) tr->setOption(TransactionOption::kTimeout, *d.timeoutMs);
  if (d.retryLimit) tr->setOption(TransactionOption::kRetryLimit, *d.retryLimit);
  if (d.sizeLimit) tr->setOption(TransactionOption::kSizeLimit, *d.sizeLimit);
  if (d.snapshotRyw > 0) tr->setOption(TransactionOption::kSnapshotRywDisable);
  if (d.bypassUnreadable) tr->setOption(TransactionOption::kBypassUnreadable);
}

struct FDB_result {};

extern "C" {

// ---- Network options
// -----------------------------------------------------------------------------

fdb_error_t fdb_network_set_option(FDBNetworkOption optionEnum, uint8_t const*, int) {
  const int option = rawEnum(optionEnum);
  if (strata::fdbc::selectedApiVersion() == 0) return strata::fdbc::kApiVersionUnset;
  if (!isNetworkOption(option)) return code(ErrorCode::invalid_option);
  return 0;  // tracing, TLS, knobs, client libraries and threads: no effect on strata
}

// ---- Databases
// -----------------------------------------------------------------------------------

fdb_error_t fdb_create_database(const char* cluster_file_path, FDBDatabase** out_database) {
  if (strata::fdbc::selectedApiVersion() == 0) return strata::fdbc::kApiVersionUnset;
  std::string file;
  if (cluster_file_path != nullptr && *cluster_file_path != '\0') {
    file = cluster_file_path;
  } else if (const char* env = std::getenv("FDB_CLUSTER_FILE"); env != nullptr && *env != '\0') {
    file = env;
  } else if (const char* db = std::getenv("STRATA_DB"); db != nullptr && *db != '\0') {
    return openUrl(db, "$STRATA_DB", out_database);
  } else {
    return openUrl("strata.db", "the default database", out_database);
  }
  std::ifstream in(file);
  if (!in) {
    std::fprintf(stderr, "strata libfdb_c: cannot read cluster file %s\n", file.c_str());
    return strata::fdbc::kNoClusterFileFound;
  }
  std::string line, url;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    url = line;
    break;
  }
  return openUrl(url, "cluster file " + file, out_database);
}

fdb_error_t fdb_create_database_from_connection_string(const char* connection_string,
                                                       FDBDatabase** out_database) {
  if (strata::fdbc::selectedApiVersion() == 0) return strata::fdbc::kApiVersionUnset;
  return openUrl(trim(connection_string != nullptr ? connection_string : ""),
                 "the connection string", out_database);
}

void fdb_database_destroy(FDBDatabase* d) {
  if (d != nullptr) DatabaseRef::release(d);
}

fdb_error_t fdb_database_set_option(FDBDatabase* d, FDBDatabaseOption optionEnum,
                                    uint8_t const* value, int value_length) {
  const int option = rawEnum(optionEnum);
  switch (databaseOptionClass(option)) {
    case OptionClass::kUnknown:
    case OptionClass::kRefuse:
      return code(ErrorCode::invalid_option);
    case OptionClass::kIgnore:
      return 0;
    case OptionClass::kApply:
      break;
  }
  return guard([&] {
    std::lock_guard lock(d->mu);
    switch (option) {
      case FDB_DB_OPTION_SNAPSHOT_RYW_ENABLE:
        --d->snapshotRyw;
        break;
      case FDB_DB_OPTION_SNAPSHOT_RYW_DISABLE:
        ++d->snapshotRyw;
        break;
      case FDB_DB_OPTION_TRANSACTION_BYPASS_UNREADABLE:
        d->bypassUnreadable = true;
        break;
      default: {
        const int64_t v = intOption(value, value_length);
        // Validate as a transaction would, so a bad default fails here, not in every transaction.
        auto probe = d->db.createTransaction();
        probe.setOption(static_cast<strata::TransactionOption>(option), v);
        if (option == FDB_DB_OPTION_TRANSACTION_TIMEOUT) d->timeoutMs = v;
        if (option == FDB_DB_OPTION_TRANSACTION_RETRY_LIMIT) d->retryLimit = v;
        if (option == FDB_DB_OPTION_TRANSACTION_MAX_RETRY_DELAY) d->maxRetryDelayMs = v;
        if (option == FDB_DB_OPTION_TRANSACTION_SIZE_LIMIT) d->sizeLimit = v;
      }
    }
  });
}

fdb_error_t fdb_database_open_tenant(FDBDatabase*, uint8_t const*, int, FDBTenant**) {
  return strata::fdbc::kTenantsDisabled;
}

fdb_error_t fdb_database_create_transaction(FDBDatabase* d, FDBTransaction** out_transaction) {
  return guard([&] {
    auto t = std::make_unique<FDB_transaction>(d);
    t->tr.emplace(d->db.createTransaction());
    t->applyDefaults();
    DatabaseRef::retain(d);
    *out_transaction = t.release();
  });
}

FDBFuture* fdb_database_reboot_worker(FDBDatabase*, uint8_t const*, int, fdb_bool_t, int) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}
FDBFuture* fdb_database_force_recovery_with_data_loss(FDBDatabase*, uint8_t const*, int) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}
FDBFuture* fdb_database_create_snapshot(FDBDatabase*, uint8_t const*, int, uint8_t const*, int) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}
double fdb_database_get_main_thread_busyness(FDBDatabase*) { return 0.0; }
FDBFuture* fdb_database_get_server_protocol(FDBDatabase*, uint64_t) {
  FDB_future* f = FDB_future::readyWith(0);
  f->kind = FDB_future::Kind::kUint64;
  f->i64 = static_cast<int64_t>(0x0FDB00B072000000ULL);  // FoundationDB 7.2's protocol version
  return f;
}
FDBFuture* fdb_database_purge_blob_granules(FDBDatabase*, uint8_t const*, int, uint8_t const*, int,
                                            int64_t, fdb_bool_t) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}
FDBFuture* fdb_database_wait_purge_granules_complete(FDBDatabase*, uint8_t const*, int) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}
FDBFuture* fdb_database_blobbify_range(FDBDatabase*, uint8_t const*, int, uint8_t const*, int) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}
FDBFuture* fdb_database_unblobbify_range(FDBDatabase*, uint8_t const*, int, uint8_t const*, int) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}
FDBFuture* fdb_database_list_blobbified_ranges(FDBDatabase*, uint8_t const*, int, uint8_t const*,
                                               int, int) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}
FDBFuture* fdb_database_verify_blob_range(FDBDatabase*, uint8_t const*, int, uint8_t const*, int,
                                          int64_t) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}

fdb_error_t fdb_tenant_create_transaction(FDBTenant*, FDBTransaction**) {
  return strata::fdbc::kTenantsDisabled;
}
void fdb_tenant_destroy(FDBTenant*) {}

// ---- Transactions
// --------------------------------------------------------------------------------

void fdb_transaction_destroy(FDBTransaction* t) {
  if (t == nullptr) return;
  FDBDatabase* d = t->database;
  {
    std::lock_guard lock(t->mu);
    t->tr.reset();  // rolls back; watches not armed by a commit fail with 1025
  }
  delete t;
  DatabaseRef::release(d);
}

void fdb_transaction_cancel(FDBTransaction* t) {
  std::lock_guard lock(t->mu);
  t->tr->cancel();
}

fdb_error_t fdb_transaction_set_option(FDBTransaction* t, FDBTransactionOption optionEnum,
                                       uint8_t const* value, int value_length) {
  const int option = rawEnum(optionEnum);
  switch (transactionOptionClass(option)) {
    case OptionClass::kUnknown:
    case OptionClass::kRefuse:
      return code(ErrorCode::invalid_option);
    case OptionClass::kIgnore:
      return 0;
    case OptionClass::kApply:
      break;
  }
  std::lock_guard lock(t->mu);
  return guard([&] {
    const bool isInt = option >= 500 && option <= 503;
    const int64_t v = isInt ? intOption(value, value_length) : 0;
    if (option == FDB_TR_OPTION_MAX_RETRY_DELAY) {
      if (v < 0 || v > INT32_MAX) strata::throwError(ErrorCode::invalid_option_value);
      t->maxRetryDelayMs = v;
      return;
    }
    t->tr->setOption(static_cast<strata::TransactionOption>(option), v);
  });
}

void fdb_transaction_set_read_version(FDBTransaction* t, int64_t version) {
  std::lock_guard lock(t->mu);
  fdb_error_t e = guard([&] {
    // FoundationDB refuses a version <= 0 (version_invalid) before asking the storage.
    if (version <= 0) throw strata::Error(strata::fdbc::kVersionInvalid);
    t->tr->setReadVersion(version);
  });
  if (e != 0 && t->deferredError == 0) t->deferredError = e;
}

FDBFuture* fdb_transaction_get_read_version(FDBTransaction* t) {
  return readyFuture(t, [&](FDB_future& f) {
    f.i64 = t->tr->getReadVersion();
    f.kind = FDB_future::Kind::kInt64;
  });
}

FDBFuture* fdb_transaction_get(FDBTransaction* t, uint8_t const* key_name, int key_name_length,
                               fdb_bool_t snapshot) {
  return readFuture<std::optional<std::string>>(
      t,
      [&] {
        return t->tr->getAsync(bytes(key_name, key_name_length),
                               snapshot ? strata::Snapshot::kYes : strata::Snapshot::kNo);
      },
      [](FDB_future& f, std::optional<std::string>& v) {
        f.present = v.has_value();
        if (v) f.bytes = std::move(*v);
        f.kind = FDB_future::Kind::kValue;
      });
}

FDBFuture* fdb_transaction_get_key(FDBTransaction* t, uint8_t const* key_name, int key_name_length,
                                   fdb_bool_t or_equal, int offset, fdb_bool_t snapshot) {
  return readFuture<std::string>(
      t,
      [&] {
        strata::KeySelector sel{std::string(bytes(key_name, key_name_length)), or_equal != 0,
                                offset};
        return t->tr->getKeyAsync(sel, snapshot ? strata::Snapshot::kYes : strata::Snapshot::kNo);
      },
      [](FDB_future& f, std::string& key) {
        f.bytes = std::move(key);
        f.kind = FDB_future::Kind::kKey;
      });
}

FDBFuture* fdb_transaction_get_addresses_for_key(FDBTransaction* t, uint8_t const* key_name,
                                                 int key_name_length) {
  return readyFuture(t, [&](FDB_future& f) {
    (void)bytes(key_name, key_name_length);
    // Every key lives in this process (embedded) or behind the URL's endpoints (etcd).
    f.strings = {"127.0.0.1:4500"};
    f.kind = FDB_future::Kind::kStrings;
  });
}

FDBFuture* fdb_transaction_get_range(FDBTransaction* t, uint8_t const* begin_key_name,
                                     int begin_key_name_length, fdb_bool_t begin_or_equal,
                                     int begin_offset, uint8_t const* end_key_name,
                                     int end_key_name_length, fdb_bool_t end_or_equal,
                                     int end_offset, int limit, int target_bytes,
                                     FDBStreamingMode modeEnum, int iteration, fdb_bool_t snapshot,
                                     fdb_bool_t reverse) {
  const int mode = rawEnum(modeEnum);
  return readFuture<strata::RangeBatch>(
      t,
      [&] {
        if (mode < FDB_STREAMING_MODE_WANT_ALL || mode > FDB_STREAMING_MODE_SERIAL) {
          strata::throwError(ErrorCode::client_invalid_operation, "unknown streaming mode");
        }
        if (mode == FDB_STREAMING_MODE_ITERATOR && iteration <= 0) {
          strata::throwError(ErrorCode::client_invalid_operation, "iteration must be positive");
        }
        if (target_bytes < 0) strata::throwError(ErrorCode::range_limits_invalid);
        strata::KeySelector b{std::string(bytes(begin_key_name, begin_key_name_length)),
                              begin_or_equal != 0, begin_offset};
        strata::KeySelector e{std::string(bytes(end_key_name, end_key_name_length)),
                              end_or_equal != 0, end_offset};
        strata::RangeOptions o;
        o.limit = limit;
        o.targetBytes = target_bytes;
        o.mode = static_cast<strata::StreamingMode>(mode);
        o.reverse = reverse ? strata::Reverse::kYes : strata::Reverse::kNo;
        o.snapshot = snapshot ? strata::Snapshot::kYes : strata::Snapshot::kNo;
        return t->tr->getRangeAsync(b, e, o, iteration < 1 ? 1 : iteration);
      },
      [](FDB_future& f, strata::RangeBatch& batch) {
        f.rows = std::move(batch.kvs);
        f.more = batch.more;
        f.kind = FDB_future::Kind::kKeyValues;
      });
}

FDBFuture* fdb_transaction_get_mapped_range(FDBTransaction*, uint8_t const*, int, fdb_bool_t, int,
                                            uint8_t const*, int, fdb_bool_t, int, uint8_t const*,
                                            int, int, int, FDBStreamingMode, int, fdb_bool_t,
                                            fdb_bool_t) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}

void fdb_transaction_set(FDBTransaction* t, uint8_t const* key_name, int key_name_length,
                         uint8_t const* value, int value_length) {
  deferred(t, [&] { t->tr->set(bytes(key_name, key_name_length), bytes(value, value_length)); });
}

void fdb_transaction_atomic_op(FDBTransaction* t, uint8_t const* key_name, int key_name_length,
                               uint8_t const* param, int param_length,
                               FDBMutationType operation_type) {
  deferred(t, [&] {
    auto type = static_cast<strata::MutationType>(rawEnum(operation_type));
    if (!strata::isAtomicOp(type)) strata::throwError(ErrorCode::invalid_mutation_type);
    t->tr->atomicOp(type, bytes(key_name, key_name_length), bytes(param, param_length));
  });
}

void fdb_transaction_clear(FDBTransaction* t, uint8_t const* key_name, int key_name_length) {
  deferred(t, [&] { t->tr->clear(bytes(key_name, key_name_length)); });
}

void fdb_transaction_clear_range(FDBTransaction* t, uint8_t const* begin_key_name,
                                 int begin_key_name_length, uint8_t const* end_key_name,
                                 int end_key_name_length) {
  deferred(t, [&] {
    t->tr->clearRange(bytes(begin_key_name, begin_key_name_length),
                      bytes(end_key_name, end_key_name_length));
  });
}

FDBFuture* fdb_transaction_watch(FDBTransaction* t, uint8_t const* key_name, int key_name_length) {
  FDB_future* f = FDB_future::create();
  std::lock_guard lock(t->mu);
  fdb_error_t e = t->deferredError != 0 ? t->deferredError : guard([&] {
    strata::Watch w = t->tr->watch(bytes(key_name, key_name_length));
    strata::Future<void> fired = w.future();
    {
      std::lock_guard flock(f->mu);
      f->watch.emplace(std::move(w));
    }
    completeFrom(f, fired, [](FDB_future&, int) {});
  });
  if (e != 0) f->complete(e, nullptr);
  return f;
}

FDBFuture* fdb_transaction_commit(FDBTransaction* t) {
  return readyFuture(t, [&](FDB_future&) { t->tr->commit(); });
}

fdb_error_t fdb_transaction_get_committed_version(FDBTransaction* t, int64_t* out_version) {
  std::lock_guard lock(t->mu);
  try {
    *out_version = t->tr->getCommittedVersion();
  } catch (const strata::Error&) {
    *out_version = -1;  // FoundationDB: invalid version before a commit, no error
  }
  return 0;
}

FDBFuture* fdb_transaction_get_approximate_size(FDBTransaction* t) {
  return readyFuture(t, [&](FDB_future& f) {
    f.i64 = t->tr->getApproximateSize();
    f.kind = FDB_future::Kind::kInt64;
  });
}

FDBFuture* fdb_transaction_get_versionstamp(FDBTransaction* t) {
  FDB_future* f = FDB_future::create();
  std::lock_guard lock(t->mu);
  fdb_error_t e = guard([&] {
    completeFrom(f, t->tr->getVersionstamp(), [](FDB_future& x, const strata::CommitStamp& s) {
      x.bytes.assign(s.begin(), s.end());
      x.kind = FDB_future::Kind::kKey;
    });
  });
  if (e != 0) f->complete(e, nullptr);
  return f;
}

FDBFuture* fdb_transaction_on_error(FDBTransaction* t, fdb_error_t error) {
  FDB_future* f = FDB_future::create();
  double delay = 0;
  fdb_error_t e;
  {
    std::lock_guard lock(t->mu);
    e = guard([&] {
      t->tr->onError(strata::Error(error));  // resets for a retry, or rethrows
      const bool tooOld =
          error == code(ErrorCode::transaction_too_old) || error == code(ErrorCode::future_version);
      const double cap = static_cast<double>(t->maxRetryDelayMs) / 1000.0;
      delay = tooOld ? std::min(0.01, cap) : std::min(t->backoffSeconds, cap) * uniform01();
      if (!tooOld) t->backoffSeconds = std::min(t->backoffSeconds * 2, std::max(cap, 0.01));
      t->deferredError = 0;
    });
  }
  if (e != 0 || delay <= 0) {
    f->complete(e, nullptr);
  } else {
    std::shared_ptr<FDB_future> keep = f->self;
    Network::instance().postAt(
        Network::Clock::now() + std::chrono::duration_cast<Network::Clock::duration>(
                                    std::chrono::duration<double>(delay)),
        [keep] { keep->complete(0, nullptr); });
  }
  return f;
}

void fdb_transaction_reset(FDBTransaction* t) {
  std::lock_guard lock(t->mu);
  t->tr->reset();
  t->applyDefaults();
}

fdb_error_t fdb_transaction_add_conflict_range(FDBTransaction* t, uint8_t const* begin_key_name,
                                               int begin_key_name_length,
                                               uint8_t const* end_key_name, int end_key_name_length,
                                               FDBConflictRangeType typeEnum) {
  const int type = rawEnum(typeEnum);
  std::lock_guard lock(t->mu);
  return guard([&] {
    auto b = bytes(begin_key_name, begin_key_name_length);
    auto e = bytes(end_key_name, end_key_name_length);
    if (type == FDB_CONFLICT_RANGE_TYPE_READ) {
      t->tr->addReadConflictRange(b, e);
    } else if (type == FDB_CONFLICT_RANGE_TYPE_WRITE) {
      t->tr->addWriteConflictRange(b, e);
    } else {
      strata::throwError(ErrorCode::client_invalid_operation, "unknown conflict range type");
    }
  });
}

FDBFuture* fdb_transaction_get_estimated_range_size_bytes(FDBTransaction* t,
                                                          uint8_t const* begin_key_name,
                                                          int begin_key_name_length,
                                                          uint8_t const* end_key_name,
                                                          int end_key_name_length) {
  return readyFuture(t, [&](FDB_future& f) {
    auto b = bytes(begin_key_name, begin_key_name_length);
    auto e = bytes(end_key_name, end_key_name_length);
    if (b > e) strata::throwError(ErrorCode::inverted_range);
    int64_t total = 0;
    scan(*t->tr, b, e, [&](const std::string&, size_t n) { total += static_cast<int64_t>(n); });
    f.i64 = total;
    f.kind = FDB_future::Kind::kInt64;
  });
}

FDBFuture* fdb_transaction_get_range_split_points(FDBTransaction* t, uint8_t const* begin_key_name,
                                                  int begin_key_name_length,
                                                  uint8_t const* end_key_name,
                                                  int end_key_name_length, int64_t chunk_size) {
  return readyFuture(t, [&](FDB_future& f) {
    auto b = bytes(begin_key_name, begin_key_name_length);
    auto e = bytes(end_key_name, end_key_name_length);
    if (b > e) strata::throwError(ErrorCode::inverted_range);
    if (chunk_size <= 0) strata::throwError(ErrorCode::invalid_option_value, "chunk_size");
    f.strings.emplace_back(b);
    int64_t since = 0;
    scan(*t->tr, b, e, [&](const std::string& key, size_t n) {
      if (since >= chunk_size && key != f.strings.back()) {
        f.strings.push_back(key);
        since = 0;
      }
      since += static_cast<int64_t>(n);
    });
    if (f.strings.back() != e || f.strings.size() == 1) f.strings.emplace_back(e);
    f.kind = FDB_future::Kind::kKeys;
  });
}

FDBFuture* fdb_transaction_get_blob_granule_ranges(FDBTransaction*, uint8_t const*, int,
                                                   uint8_t const*, int, int) {
  return FDB_future::readyWith(strata::fdbc::kUnsupportedOperation);
}

FDBResult* fdb_transaction_read_blob_granules(FDBTransaction*, uint8_t const*, int, uint8_t const*,
                                              int, int64_t, int64_t, FDBReadBlobGranuleContext) {
  static FDB_result unsupported;  // every fdb_result_* call on it reports 2108
  return &unsupported;
}

}  // extern "C"
