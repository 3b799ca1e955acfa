// The cost of FoundationDB's C API over strata: point reads, 1-key commits and 100-key range reads
// through strata's C++ API (the baseline, fdb_c_bench_cxx) and through libfdb_c (fdb_c.h,
// fdb_c_bench_c), on the embedded engine. bench/fdb_c/fdb_node_bench.sh runs both and the same
// three operations through FoundationDB's Node binding, and prints the ratios
// (docs/BENCHMARKS.md#fdb_c).
//
//   fdb_c_bench_{cxx,c} DIR [google-benchmark flags]     DIR: a scratch folder
//
// Two executables from this file, because one process cannot hold both strata linked statically
// and libfdb_c.so (each registers the etcd engine's protobuf descriptors). Each side has its own
// database (file:DIR/cxx, file:DIR/c) holding the same 1,000 keys of 100 bytes; every operation is
// one transaction. Rates are per wall-clock second (UseRealTime), as the Node side measures them.
#define FDB_API_VERSION 720
#include <benchmark/benchmark.h>
#include <foundationdb/fdb_c.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#ifdef FDB_BENCH_CXX
#include "strata/kv/database.h"
#endif

namespace {

constexpr int kKeys = 1000;
std::string gDir;

std::string keyOf(int i) {
  char k[16];
  std::snprintf(k, sizeof k, "k%05d", i);
  return k;
}
const std::string kValue(100, 'v');

#ifdef FDB_BENCH_CXX
strata::Database& cxxDb() {
  static strata::Database db = [] {
    auto d = strata::Database::open("file:" + gDir + "/cxx");
    d.run([](strata::Transaction& tr) {
      for (int i = 0; i < kKeys; ++i) tr.set(keyOf(i), kValue);
    });
    return d;
  }();
  return db;
}

#else
void check(fdb_error_t e) {
  if (e != 0) {
    std::fprintf(stderr, "fdb_c error %d: %s\n", e, fdb_get_error(e));
    std::abort();
  }
}

const uint8_t* u8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

fdb_error_t waitAndDestroy(FDBFuture* f) {
  check(fdb_future_block_until_ready(f));
  fdb_error_t e = fdb_future_get_error(f);
  fdb_future_destroy(f);
  return e;
}

FDBDatabase* cDb() {
  static FDBDatabase* db = [] {
    check(fdb_select_api_version(720));
    check(fdb_setup_network());
    std::thread([] { check(fdb_run_network()); }).detach();
    FDBDatabase* d = nullptr;
    check(fdb_create_database_from_connection_string(("file:" + gDir + "/c").c_str(), &d));
    FDBTransaction* tr;
    check(fdb_database_create_transaction(d, &tr));
    for (int i = 0; i < kKeys; ++i) {
      std::string k = keyOf(i);
      fdb_transaction_set(tr, u8(k), static_cast<int>(k.size()), u8(kValue),
                          static_cast<int>(kValue.size()));
    }
    check(waitAndDestroy(fdb_transaction_commit(tr)));
    fdb_transaction_destroy(tr);
    return d;
  }();
  return db;
}
#endif

#ifdef FDB_BENCH_CXX
void CxxPointRead(benchmark::State& state) {
  auto& db = cxxDb();
  int i = 0;
  for (auto _ : state) {
    const std::string k = keyOf(i++ % kKeys);
    auto v = db.read([&](strata::Transaction& tr) { return tr.get(k); });
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}

void CxxCommit1Key(benchmark::State& state) {
  auto& db = cxxDb();
  int i = 0;
  for (auto _ : state) {
    const std::string k = keyOf(i++ % kKeys);
    db.run([&](strata::Transaction& tr) { tr.set(k, kValue); });
  }
  state.SetItemsProcessed(state.iterations());
}

void CxxRange100(benchmark::State& state) {
  auto& db = cxxDb();
  int i = 0;
  for (auto _ : state) {
    const std::string b = keyOf(i++ % (kKeys - 100));
    auto rows = db.read([&](strata::Transaction& tr) {
      strata::RangeOptions o;
      o.limit = 100;
      o.mode = strata::StreamingMode::kWantAll;
      return tr.getRangeBatch(strata::KeySelector::firstGreaterOrEqual(b),
                              strata::KeySelector::firstGreaterOrEqual("l"), o);
    });
    if (rows.kvs.size() != 100) state.SkipWithError("short range");
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(CxxPointRead)->UseRealTime();
BENCHMARK(CxxCommit1Key)->UseRealTime();
BENCHMARK(CxxRange100)->UseRealTime();
#else
void CPointRead(benchmark::State& state) {
  FDBDatabase* db = cDb();
  int i = 0;
  for (auto _ : state) {
    const std::string k = keyOf(i++ % kKeys);
    FDBTransaction* tr;
    check(fdb_database_create_transaction(db, &tr));
    FDBFuture* f = fdb_transaction_get(tr, u8(k), static_cast<int>(k.size()), 0);
    check(fdb_future_block_until_ready(f));
    fdb_bool_t present;
    const uint8_t* v;
    int n;
    check(fdb_future_get_value(f, &present, &v, &n));
    benchmark::DoNotOptimize(v);
    fdb_future_destroy(f);
    fdb_transaction_destroy(tr);
  }
  state.SetItemsProcessed(state.iterations());
}

void CCommit1Key(benchmark::State& state) {
  FDBDatabase* db = cDb();
  int i = 0;
  for (auto _ : state) {
    const std::string k = keyOf(i++ % kKeys);
    FDBTransaction* tr;
    check(fdb_database_create_transaction(db, &tr));
    fdb_transaction_set(tr, u8(k), static_cast<int>(k.size()), u8(kValue),
                        static_cast<int>(kValue.size()));
    check(waitAndDestroy(fdb_transaction_commit(tr)));
    fdb_transaction_destroy(tr);
  }
  state.SetItemsProcessed(state.iterations());
}

void CRange100(benchmark::State& state) {
  FDBDatabase* db = cDb();
  int i = 0;
  for (auto _ : state) {
    const std::string b = keyOf(i++ % (kKeys - 100));
    FDBTransaction* tr;
    check(fdb_database_create_transaction(db, &tr));
    FDBFuture* f = fdb_transaction_get_range(
        tr, FDB_KEYSEL_FIRST_GREATER_OR_EQUAL(u8(b), static_cast<int>(b.size())),
        FDB_KEYSEL_FIRST_GREATER_OR_EQUAL(u8(std::string("l")), 1), 100, 0,
        FDB_STREAMING_MODE_WANT_ALL, 1, 0, 0);
    check(fdb_future_block_until_ready(f));
    const FDBKeyValue* kv;
    int count;
    fdb_bool_t more;
    check(fdb_future_get_keyvalue_array(f, &kv, &count, &more));
    if (count != 100) state.SkipWithError("short range");
    fdb_future_destroy(f);
    fdb_transaction_destroy(tr);
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(CPointRead)->UseRealTime();
BENCHMARK(CCommit1Key)->UseRealTime();
BENCHMARK(CRange100)->UseRealTime();
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: fdb_c_bench DIR [benchmark flags]\n");
    return 2;
  }
  gDir = argv[1];
  argv[1] = argv[0];
  --argc;
  ++argv;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::_Exit(0);  // the network thread is detached; skip static destructors racing it
}
