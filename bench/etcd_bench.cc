// etcd engine: 1-key commits/s and point reads/s on a 3-member cluster with 1 and 16 client
// threads, beside etcd's own client measured in the same run: a loop of `etcdctl put` processes
// and `etcdctl check perf --load=l` (its Go client at full speed, 60 s). Prints the ratios.
//
//   etcd_bench [--seconds=N] [--no-check-perf]
// Uses the cluster named by STRATA_TEST_ETCD, else starts one with scripts/etcd-cluster.sh
// (STRATA_ETCD_PORT=26790, data on /dev/shm) and stops it at the end.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "strata/kv/database.h"
#include "strata/kv/transaction.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[512];
  while (fgets(buf, sizeof buf, f) != nullptr) out += buf;
  pclose(f);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string key(uint64_t i) {
  char buf[32];
  snprintf(buf, sizeof buf, "bench/%08llu", static_cast<unsigned long long>(i % 100000));
  return buf;
}

// Runs `op` on `threads` threads for `seconds`; returns operations per second.
double rate(int threads, double seconds, const std::function<void(std::mt19937_64&)>& op) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0};
  std::vector<std::thread> pool;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937_64 rng(static_cast<uint64_t>(t) + 1);
      while (!stop.load(std::memory_order_relaxed)) {
        op(rng);
        done.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  return static_cast<double>(done.load()) /
         std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 5;
  bool checkPerf = true;
  bool asyncOnly = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--async-only") == 0) asyncOnly = true;
    if (std::strncmp(argv[i], "--seconds=", 10) == 0) seconds = std::atof(argv[i] + 10);
    if (std::strcmp(argv[i], "--no-check-perf") == 0) checkPerf = false;
  }
  std::string script = std::string(STRATA_SOURCE_DIR) + "/scripts/etcd-cluster.sh";
  std::string env = "STRATA_ETCD_DIR=/dev/shm/strata-etcd-bench-" + std::to_string(getpid()) +
                    " STRATA_ETCD_PORT=26790 ";
  std::string endpoints;
  bool own = false;
  if (const char* e = std::getenv("STRATA_TEST_ETCD"); e != nullptr && *e != '\0') {
    endpoints = e;
  } else {
    endpoints = sh(env + script + " start");
    own = true;
    if (endpoints.find("127.0.0.1") == std::string::npos) {
      std::fprintf(stderr, "could not start a cluster\n");
      return 1;
    }
  }
  std::printf("cluster: %s (3 members, loopback, data on /dev/shm)\n", endpoints.c_str());
  auto db = strata::Database::open("etcd://" + endpoints + "/?prefix=bench/");
  const std::string value(100, 'v');
  db.run([&](strata::Transaction& tr) {
    for (int i = 0; i < 1000; ++i) tr.set(key(static_cast<uint64_t>(i)), value);
  });

  // Reads issued together (Transaction::getAsync, as a FoundationDB binding issues them): a
  // transaction reading 50 keys one after another, beside the same 50 issued together with the
  // default read pool (8 threads) and with readConcurrency 0 (one at a time on the caller).
  {
    constexpr int kReads = 50;
    auto sequential = [&](strata::Database& d) {
      return rate(1, seconds, [&](std::mt19937_64& rng) {
        (void)d.read([&](strata::Transaction& tr) {
          size_t n = 0;
          for (int i = 0; i < kReads; ++i) n += tr.get(key(rng() % 1000))->size();
          return n;
        });
      });
    };
    auto together = [&](strata::Database& d) {
      return rate(1, seconds, [&](std::mt19937_64& rng) {
        (void)d.read([&](strata::Transaction& tr) {
          std::vector<strata::Future<std::optional<std::string>>> fs;
          for (int i = 0; i < kReads; ++i) fs.push_back(tr.getAsync(key(rng() % 1000)));
          size_t n = 0;
          for (auto& f : fs) n += f.get()->size();
          return n;
        });
      });
    };
    strata::DatabaseOptions serial;
    serial.readConcurrency = 0;
    auto one = strata::Database::open("etcd://" + endpoints + "/?prefix=bench/", serial);
    const double seq = sequential(db), pooled = together(db), unpooled = together(one);
    std::printf(
        "\n50-read transactions/s: one after another %.0f, issued together %.0f "
        "(readConcurrency 0: %.0f); ratio together / one after another %.2f\n",
        seq, pooled, unpooled, pooled / seq);
  }
  if (asyncOnly) {
    if (own) (void)sh(env + script + " stop");
    return 0;
  }

  std::printf("\n%-34s %12s %12s\n", "workload", "1 thread", "16 threads");
  double commit1 = rate(1, seconds, [&](std::mt19937_64& rng) {
    db.run([&](strata::Transaction& tr) { tr.set(key(rng() % 1000), value); });
  });
  double commit16 = rate(16, seconds, [&](std::mt19937_64& rng) {
    db.run([&](strata::Transaction& tr) { tr.set(key(rng() % 1000), value); });
  });
  std::printf("%-34s %12.0f %12.0f\n", "strata 1-key commit/s", commit1, commit16);
  double read1 = rate(1, seconds, [&](std::mt19937_64& rng) {
    (void)db.read([&](strata::Transaction& tr) { return tr.get(key(rng() % 1000)); });
  });
  double read16 = rate(16, seconds, [&](std::mt19937_64& rng) {
    (void)db.read([&](strata::Transaction& tr) { return tr.get(key(rng() % 1000)); });
  });
  std::printf("%-34s %12.0f %12.0f\n", "strata point read/s (GRV + get)", read1, read16);

  // etcd's own client: one `etcdctl put` process per write, 1 loop and 16 loops in parallel.
  const std::string first = endpoints.substr(0, endpoints.find(','));
  auto putLoop = [&](int loops, int perLoop) {
    std::string cmd = "ETCDCTL_API=3; export ETCDCTL_API; ";
    for (int l = 0; l < loops; ++l) {
      cmd += "(for i in $(seq " + std::to_string(perLoop) +
             "); do etcdctl --endpoints=" + endpoints + " put bench-etcdctl/" + std::to_string(l) +
             " v >/dev/null; done) & ";
    }
    cmd += "wait";
    auto start = Clock::now();
    (void)sh(cmd);
    return loops * perLoop / std::chrono::duration<double>(Clock::now() - start).count();
  };
  double ctl1 = putLoop(1, 100), ctl16 = putLoop(16, 20);
  std::printf("%-34s %12.0f %12.0f\n", "etcdctl put loop (process per put)", ctl1, ctl16);
  std::printf("%-34s %12.2f %12.2f\n", "ratio strata commit / etcdctl put", commit1 / ctl1,
              commit16 / ctl16);
  if (checkPerf) {
    std::string out = sh("ETCDCTL_API=3 etcdctl --endpoints=" + endpoints +
                         " check perf --load=l 2>&1 | grep -i 'throughput'");
    std::printf("\netcdctl check perf --load=l (Go client, 60 s): %s\n", out.c_str());
    double perf = 0;
    if (auto at = out.find_last_of("0123456789"); at != std::string::npos) {
      auto from = out.find_last_not_of("0123456789", at);
      perf = std::atof(out.substr(from + 1, at - from).c_str());
    }
    if (perf > 0) {
      std::printf("ratio strata 16-thread commits / check perf writes: %.2f\n", commit16 / perf);
    }
  }
  if (own) (void)sh(env + script + " stop");
  return 0;
}
