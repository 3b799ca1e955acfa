// The memory engine: an in-process, multi-version (MVCC) ordered key-value store behind the
// kv::Engine seam. Nothing is persisted; the store lives as long as the last handle to it (the
// Engine, a ReadView or a pending watch canceller). docs/engines/memory.md explains the design.
//
// Versions: each commit gets version max(newest + 1, microseconds since the engine was made), so
// versions increase strictly and advance about 1,000,000 per second of wall time. Version 0 is the
// empty store. A ReadView from beginRead() is at the newest commit version.
//
// Retention (the lifetime window): every key keeps its history of (version, value or tombstone)
// back to the base version: the newest commit at or before (now - maxTransactionLifetime). Reads
// at the base version or newer are exact; older ones throw transaction_too_old (1007). A view
// taken at time t therefore stays readable at least until t + maxTransactionLifetime, whatever
// commits happen meanwhile. Old versions are collected by the commits that follow: each write that
// supersedes an entry (or writes a tombstone) queues its key once, and each commit drains at most
// 8 + 2 x (items it queued) of the items the base has passed, so it pays for about its own garbage
// and never for a backlog left by earlier commits.
//
// Commits are serialised: read conflict ranges are checked against the write conflict ranges of
// every commit after the read version (kv::ConflictSet), then the mutations apply at the new
// version under an exclusive lock on the data. Reads take that lock shared.
//
// Errors beyond engine.h's list, for requests that break engine.h's contract (the transaction
// layer never sends them): inverted_range (2005) for a clear or conflict range with begin > end,
// invalid_mutation_type (2018) for an unknown mutation type, client_invalid_operation (2000) for a
// versionstamp operand without a valid offset, range_limits_invalid (2012) for a range limit <= 0.
// Such a request changes nothing.
//
// Thread safety: thread-safe (every Engine method may be called from any thread at once; a
// ReadView is used by one thread at a time, as engine.h says).
// Cost (n keys in the store, m mutations, r conflict ranges):
//   get O(log n + log versions of the key); getRange O(log n + keys scanned, tombstones included);
//   commit O(m log n + conflict set work for r ranges) plus at most 8 + 2 x (items it queued)
//   collections of O(log versions of the key) each; watch O(log n + log watches).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "kv/engine.h"

namespace strata::kv {

struct MemoryEngineOptions {
  // How long a read version stays readable, and the conflict window for commits. Versions
  // advance ~1,000,000 per second, so 5 s keeps the last ~5,000,000 versions. Must be > 0.
  std::chrono::milliseconds maxTransactionLifetime{5000};
};

// Makes an empty memory engine.
// Throws: invalid_option_value (2006) when options.maxTransactionLifetime <= 0.
[[nodiscard]] std::shared_ptr<Engine> makeMemoryEngine(MemoryEngineOptions options = {});

// Counters for tests and diagnostics; a consistent snapshot.
struct MemoryEngineStats {
  size_t keys = 0;           // keys with a retained history (tombstoned ones included)
  size_t versions = 0;       // (version, value or tombstone) entries over all keys
  size_t pendingGc = 0;      // keys queued for collection
  size_t watches = 0;        // registered, unfired watches
  size_t conflictSteps = 0;  // steps in the conflict set
  int64_t baseVersion = 0;   // the oldest version still readable
  int64_t newestVersion = 0;
};

// The counters of a memory engine.
// Throws: client_invalid_operation (2000) if `engine` was not made by makeMemoryEngine.
// Cost: O(keys): it walks every history. Blocks commits meanwhile.
[[nodiscard]] MemoryEngineStats memoryEngineStats(Engine& engine);

}  // namespace strata::kv
