// What every handle and transaction of one opened database shares.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "kv/engine.h"
#include "kv/read_pool.h"
#include "kv/stats_collector.h"
#include "strata/kv/options.h"

namespace strata::kv {

struct DatabaseShared {
  std::shared_ptr<Engine> engine;
  std::string url;
  DatabaseOptions options;
  // Watches not yet fired or cancelled (too_many_watches, 1032, past options.maxWatches).
  std::atomic<int64_t> outstandingWatches{0};
  // Database::stats().
  StatsCollector stats;
  // Serves Transaction::*Async reads (DatabaseOptions::readConcurrency); null when reads complete
  // on the calling thread.
  std::unique_ptr<ReadPool> readPool;
};

// Parses `url` and opens its engine; query options may adjust `options`.
// Throws: invalid_database_name (2013) and the engine's open errors.
std::shared_ptr<Engine> openEngine(std::string_view url, DatabaseOptions& options);

}  // namespace strata::kv
