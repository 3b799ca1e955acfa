// Continuation scans, dump and load (docs/BENCHMARKS.md, "Continuations, dump and load").
//
//   build/<tree>/bench/scan_bench [--keys=N] [--dump-keys=N] [--engines=memory,file]
//                                 [--etcd=h:p,...] [--etcd-keys=N] [--dir=DIR]
//
// Part 1, per engine: N keys (default 10,000,000; 12-byte keys "s" + 11 digits, 8-byte values)
// loaded in 10,000-key transactions, then
//   continuation  a kv/scan.h Scan over the whole range (1 MB / 1 s batches): keys/s
//   single        the same range read in ONE transaction (Transaction::getRange, snapshot): keys/s,
//                 or where it fails (transaction_too_old after 5 s) how far it got
// and the ratio continuation / single. The continuation scan must finish; the single one cannot
// when the range takes longer than 5 s to read.
// Part 2, embedded engine only: --dump-keys keys (default 1,000,000; 16-byte keys, 100-byte
// values) dumped to a file (strata/dump.h), loaded into a fresh database, and beside them the
// LMDB copy of the same database (mdb_env_copy2 with MDB_CP_COMPACT, via strata backup): MB/s of
// each (MB = bytes of keys and values), and dump / copy and load / copy ratios.
// Every figure of a run is measured in that run; the directories go at the end.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "strata/dump.h"
#include "strata/kv/admin.h"
#include "strata/kv/database.h"
#include "strata/kv/error.h"
#include "strata/kv/scan.h"

using namespace strata;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

std::string scanKey(int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "s%011lld", static_cast<long long>(i));
  return buf;
}

void load(Database& db, int64_t n, int valueBytes, int keyDigits) {
  std::mt19937_64 rng(42);
  const int64_t perTxn = 10'000;
  auto start = Clock::now();
  for (int64_t base = 0; base < n; base += perTxn) {
    db.run([&](Transaction& tr) {
      for (int64_t i = base; i < std::min(n, base + perTxn); ++i) {
        std::string key = scanKey(i);
        if (keyDigits > 11) key += std::string(static_cast<size_t>(keyDigits - 11), 'k');
        std::string value(static_cast<size_t>(valueBytes), '\0');
        for (auto& c : value) c = static_cast<char>(rng());
        tr.set(key, value);
      }
    });
  }
  std::printf("  loaded %lld keys in %.1f s\n", static_cast<long long>(n), seconds(start));
}

struct ScanFigure {
  int64_t keys = 0;
  double secs = 0;
  bool finished = false;
  std::string error;
};

ScanFigure continuationScan(Database& db) {
  ScanFigure f;
  auto start = Clock::now();
  Scan scan = Scan::open(db, "s", "t");
  for (auto rows = scan.nextBatch(); !rows.empty(); rows = scan.nextBatch()) {
    f.keys += static_cast<int64_t>(rows.size());
  }
  f.secs = seconds(start);
  f.finished = true;
  std::printf("  continuation: %lld keys in %.2f s = %.0f keys/s (%lld transactions)\n",
              static_cast<long long>(f.keys), f.secs, static_cast<double>(f.keys) / f.secs,
              static_cast<long long>(scan.batches()));
  return f;
}

ScanFigure singleTransactionScan(Database& db) {
  ScanFigure f;
  auto start = Clock::now();
  Transaction tr = db.createTransaction();
  try {
    RangeOptions o;
    o.snapshot = Snapshot::kYes;
    for (const KeyValue& kv : tr.getRange("s", "t", o)) {
      (void)kv;
      ++f.keys;
    }
    f.finished = true;
  } catch (const Error& e) {
    f.error = e.name();
  }
  f.secs = seconds(start);
  if (f.finished) {
    std::printf("  single txn:   %lld keys in %.2f s = %.0f keys/s\n",
                static_cast<long long>(f.keys), f.secs, static_cast<double>(f.keys) / f.secs);
  } else {
    std::printf("  single txn:   FAILED with %s after %lld keys, %.2f s (%.0f keys/s until then)\n",
                f.error.c_str(), static_cast<long long>(f.keys), f.secs,
                static_cast<double>(f.keys) / f.secs);
  }
  return f;
}

void scanPart(const std::string& label, const std::string& url, int64_t n) {
  std::printf("%s (%s), %lld keys:\n", label.c_str(), url.c_str(), static_cast<long long>(n));
  Database db = Database::open(url);
  load(db, n, 8, 11);
  ScanFigure single = singleTransactionScan(db);
  ScanFigure cont = continuationScan(db);
  double ratio = (static_cast<double>(cont.keys) / cont.secs) /
                 (static_cast<double>(single.keys) / single.secs);
  std::printf("  ratio continuation/single (keys/s): %.2f%s\n", ratio,
              single.finished ? "" : "  (single transaction did not finish)");
  if (cont.keys != n)
    std::printf("  ERROR: continuation scan saw %lld keys\n", static_cast<long long>(cont.keys));
}

void dumpPart(const std::filesystem::path& dir, int64_t n) {
  std::printf("dump/load on the embedded engine, %lld keys of 16 + 100 bytes:\n",
              static_cast<long long>(n));
  Database db = Database::open("file:" + (dir / "source").string());
  load(db, n, 100, 16);
  double mb = static_cast<double>(n) * 116 / 1e6;

  auto start = Clock::now();
  BackupResult copy = backupDatabase(db, dir / "copy");
  double copySecs = seconds(start);

  start = Clock::now();
  {
    std::ofstream out(dir / "dump.sdump", std::ios::binary);
    (void)dump(db, out);
  }
  double dumpSecs = seconds(start);
  auto dumpBytes = std::filesystem::file_size(dir / "dump.sdump");

  Database target = Database::open("file:" + (dir / "target").string());
  start = Clock::now();
  DumpInfo info = loadDump(target, dir / "dump.sdump");
  double loadSecs = seconds(start);

  std::printf("  mdb_env_copy2 (compact): %.2f s = %.1f MB/s (copy %.1f MB on disk)\n", copySecs,
              mb / copySecs, static_cast<double>(copy.bytes) / 1e6);
  std::printf(
      "  dump:                    %.2f s = %.1f MB/s (file %.1f MB)  ratio dump/copy %.2f\n",
      dumpSecs, mb / dumpSecs, static_cast<double>(dumpBytes) / 1e6, copySecs / dumpSecs);
  std::printf("  load (verify + write):   %.2f s = %.1f MB/s (%lld keys)  ratio load/copy %.2f\n",
              loadSecs, mb / loadSecs, static_cast<long long>(info.keys), copySecs / loadSecs);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t keys = 10'000'000, dumpKeys = 1'000'000, etcdKeys = 200'000;
  std::string engines = "memory,file", etcd;
  std::filesystem::path dir = std::filesystem::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      size_t n = std::strlen(name);
      return a.compare(0, n, name) == 0 ? argv[i] + n : nullptr;
    };
    if (auto v = value("--keys=")) {
      keys = std::stoll(v);
    } else if (auto v2 = value("--dump-keys=")) {
      dumpKeys = std::stoll(v2);
    } else if (auto v3 = value("--engines=")) {
      engines = v3;
    } else if (auto v4 = value("--etcd=")) {
      etcd = v4;
    } else if (auto v5 = value("--etcd-keys=")) {
      etcdKeys = std::stoll(v5);
    } else if (auto v6 = value("--dir=")) {
      dir = v6;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  auto work = dir / ("strata-scan-bench-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(work);
  try {
    if (engines.find("memory") != std::string::npos) scanPart("memory", "memory:", keys);
    if (engines.find("file") != std::string::npos) {
      scanPart("file", "file:" + (work / "scan").string() + "?nosync", keys);
    }
    if (!etcd.empty()) {
      scanPart(
          "etcd",
          "etcd://" + etcd + "/?prefix=scan-bench-" + std::to_string(std::random_device{}()) + "/",
          etcdKeys);
    }
    if (dumpKeys > 0) dumpPart(work, dumpKeys);
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    std::filesystem::remove_all(work);
    return 1;
  }
  std::filesystem::remove_all(work);
  return 0;
}
