// Blob layer throughput: a 256 MiB streaming upload (BlobWriter, 4 MiB per transaction) and a
// streaming read (BlobReader) on the embedded engine, beside raw LMDB (liblmdb directly, default
// durable commits) writing and reading the same bytes as 64 KiB values in 4 MiB transactions, in
// the same run. Prints the MB/s ratios at the end (target: blob >= 0.5x raw LMDB).
//
//   build/release/bench/blob_bench [--benchmark_filter=...]
//   STRATA_BENCH_URL=memory: build/release/bench/blob_bench   (another engine for the blob side)
#include <benchmark/benchmark.h>
#include <fmt/core.h>
#include <lmdb.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "strata/layers/blob.h"

namespace {

using strata::layers::Blob;
using strata::layers::BlobReader;
using strata::layers::BlobStreamOptions;
using strata::layers::BlobWriter;

constexpr int64_t kTotalBytes = 256 << 20;
constexpr int64_t kPiece = 1 << 20;  // what the caller hands the writer per call
constexpr int64_t kBytesPerTransaction = 4 << 20;
constexpr size_t kValueBytes = 64 << 10;

std::map<std::string, double> gMegabytesPerSecond;

std::string payload() {
  std::string s(static_cast<size_t>(kPiece), '\0');
  uint64_t x = 88172645463325252ull;
  for (char& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

std::string tempDir(const char* stem) {
  std::string dir =
      (std::filesystem::temp_directory_path() / (std::string(stem) + "-XXXXXX")).string();
  if (mkdtemp(dir.data()) == nullptr) std::abort();
  return dir;
}

void record(benchmark::State& state, const std::string& name) {
  state.SetBytesProcessed(state.iterations() * kTotalBytes);
  gMegabytesPerSecond[name] = static_cast<double>(state.iterations() * kTotalBytes) / 1e6;
}

// ---- strata blob -------------------------------------------------------------------------------

struct BlobFixture {
  std::string dir;
  std::optional<strata::Database> db;
  Blob blob{strata::Subspace(strata::Tuple{"bench", "blob"})};

  BlobFixture() {
    const char* url = std::getenv("STRATA_BENCH_URL");
    if (url != nullptr) {
      db.emplace(strata::Database::open(url));
    } else {
      dir = tempDir("strata-blob-bench");
      db.emplace(strata::Database::open("file:" + dir + "/db"));
    }
  }
  ~BlobFixture() {
    db.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

BlobFixture& blobFixture() {
  static BlobFixture f;
  return f;
}

void upload(BlobFixture& f, const std::string& piece) {
  BlobStreamOptions options;
  options.bytesPerTransaction = kBytesPerTransaction;
  BlobWriter writer(*f.db, f.blob, options);
  for (int64_t done = 0; done < kTotalBytes; done += kPiece) writer.write(piece);
  (void)writer.publish();
}

void BM_BlobStreamingWrite(benchmark::State& state) {
  BlobFixture& f = blobFixture();
  std::string piece = payload();
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) upload(f, piece);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  record(state, "blob write");
  gMegabytesPerSecond["blob write"] /= seconds;
}

void BM_BlobStreamingRead(benchmark::State& state) {
  BlobFixture& f = blobFixture();
  if (f.blob.size(*f.db) != kTotalBytes) upload(f, payload());
  BlobStreamOptions options;
  options.bytesPerTransaction = kBytesPerTransaction;
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    BlobReader reader(*f.db, f.blob, 0, std::nullopt, options);
    int64_t n = 0;
    while (auto piece = reader.next()) n += static_cast<int64_t>(piece->size());
    if (n != kTotalBytes) state.SkipWithError("short read");
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  record(state, "blob read");
  gMegabytesPerSecond["blob read"] /= seconds;
}

// ---- raw LMDB ----------------------------------------------------------------------------------

void check(int rc, const char* what) {
  if (rc != 0) {
    fmt::print(stderr, "{}: {}\n", what, mdb_strerror(rc));
    std::abort();
  }
}

struct LmdbFixture {
  std::string dir = tempDir("strata-blob-bench-lmdb");
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;

  LmdbFixture() {
    check(mdb_env_create(&env), "mdb_env_create");
    check(mdb_env_set_mapsize(env, size_t{2} << 30), "mdb_env_set_mapsize");
    check(mdb_env_open(env, dir.c_str(), MDB_NOTLS, 0644), "mdb_env_open");
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(env, nullptr, 0, &txn), "mdb_txn_begin");
    check(mdb_dbi_open(txn, nullptr, 0, &dbi), "mdb_dbi_open");
    check(mdb_txn_commit(txn), "mdb_txn_commit");
  }
  ~LmdbFixture() {
    mdb_env_close(env);
    std::filesystem::remove_all(dir);
  }
};

LmdbFixture& lmdbFixture() {
  static LmdbFixture f;
  return f;
}

void lmdbWrite(LmdbFixture& f, const std::string& piece) {
  int64_t perTxn = kBytesPerTransaction / static_cast<int64_t>(kValueBytes);
  int64_t values = kTotalBytes / static_cast<int64_t>(kValueBytes);
  for (int64_t i = 0; i < values; i += perTxn) {
    MDB_txn* txn = nullptr;
    check(mdb_txn_begin(f.env, nullptr, 0, &txn), "mdb_txn_begin");
    for (int64_t j = i; j < i + perTxn && j < values; ++j) {
      unsigned char key[8];
      for (int b = 0; b < 8; ++b) key[b] = static_cast<unsigned char>(j >> (8 * (7 - b)));
      MDB_val k{sizeof key, key};
      size_t at = static_cast<size_t>(j) * kValueBytes % piece.size();
      MDB_val v{kValueBytes, const_cast<char*>(piece.data() + at)};
      check(mdb_put(txn, f.dbi, &k, &v, 0), "mdb_put");
    }
    check(mdb_txn_commit(txn), "mdb_txn_commit");
  }
}

void BM_RawLmdbWrite(benchmark::State& state) {
  LmdbFixture& f = lmdbFixture();
  std::string piece = payload();
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) lmdbWrite(f, piece);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  record(state, "lmdb write");
  gMegabytesPerSecond["lmdb write"] /= seconds;
}

void BM_RawLmdbRead(benchmark::State& state) {
  LmdbFixture& f = lmdbFixture();
  lmdbWrite(f, payload());
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    // One read transaction per 4 MiB, as the blob reader does; copy out as it does.
    int64_t n = 0;
    MDB_val k{}, v{};
    std::string out;
    std::string lastKey;
    bool first = true;
    for (;;) {
      MDB_txn* txn = nullptr;
      check(mdb_txn_begin(f.env, nullptr, MDB_RDONLY, &txn), "mdb_txn_begin");
      MDB_cursor* cursor = nullptr;
      check(mdb_cursor_open(txn, f.dbi, &cursor), "mdb_cursor_open");
      int rc;
      if (first) {
        rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
      } else {
        k = MDB_val{lastKey.size(), lastKey.data()};
        rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
        if (rc == 0) rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
      }
      first = false;
      out.clear();
      while (rc == 0 && out.size() < static_cast<size_t>(kBytesPerTransaction)) {
        out.append(static_cast<const char*>(v.mv_data), v.mv_size);
        lastKey.assign(static_cast<const char*>(k.mv_data), k.mv_size);
        rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
      }
      mdb_cursor_close(cursor);
      mdb_txn_abort(txn);
      n += static_cast<int64_t>(out.size());
      benchmark::DoNotOptimize(out.data());
      if (out.empty() || rc != 0) break;
    }
    if (n != kTotalBytes) state.SkipWithError("short read");
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  record(state, "lmdb read");
  gMegabytesPerSecond["lmdb read"] /= seconds;
}

BENCHMARK(BM_BlobStreamingWrite)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RawLmdbWrite)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BlobStreamingRead)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RawLmdbRead)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  auto& m = gMegabytesPerSecond;
  for (const char* op : {"write", "read"}) {
    std::string blob = std::string("blob ") + op, lmdb = std::string("lmdb ") + op;
    if (m.contains(blob) && m.contains(lmdb)) {
      fmt::print("{:5}: blob {:7.1f} MB/s, raw LMDB {:7.1f} MB/s, ratio {:.2f}x (target >= 0.5x)\n",
                 op, m[blob], m[lmdb], m[blob] / m[lmdb]);
    }
  }
  return 0;
}
