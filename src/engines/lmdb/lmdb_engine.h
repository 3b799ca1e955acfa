// The embedded engine: durable, multi-process, on LMDB (docs/engines/lmdb.md; on-disk format in
// docs/FORMATS.md#embedded-engine-lmdb-on-disk-format). The default engine for "file:PATH" URLs
// and plain paths.
//
// A database is a directory holding LMDB's data.mdb and lock.mdb plus a small `notify` file
// used to wake watches in other processes. Several processes may open the same path at once;
// strict serializability holds across all of them (a write-conflict log is kept in the
// environment and replayed by each process under LMDB's write lock).
//
// Versions: each commit batch takes max(last + 1, wall-clock microseconds), stored durably.
// Concurrent commits in one process share one LMDB write transaction and one sync (group
// commit); a commit returns only once durable, unless opened noSync / noMetaSync.
//
// Reads: beginRead() sees the newest commit; readAt(v) serves the newest version, or an older one
// while this process still keeps a snapshot of it (the newest 32 versions it read, for at most
// maxTransactionLifetime); otherwise transaction_too_old (1007).
//
// Thread safety: the Engine is thread-safe; each ReadView is used by one thread at a time and
// pins one LMDB reader slot (shared with other views at its version) until destroyed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "kv/engine.h"

namespace strata::kv {

struct LmdbEngineOptions {
  // A directory; created if missing (unless readOnly).
  std::string path;
  // ?readonly: no writes; commits with mutations throw database_read_only (3003).
  bool readOnly = false;
  // ?nosync (MDB_NOSYNC): commits are not flushed; a power loss may lose recent commits.
  bool noSync = false;
  // ?nometasync (MDB_NOMETASYNC): the meta page is not flushed per commit; a power loss may lose
  // the last commit but never corrupts the database.
  bool noMetaSync = false;
  // How long a read version stays valid for commits (the conflict-log window).
  std::chrono::milliseconds maxTransactionLifetime{5000};
  // The initial LMDB map size in bytes; it grows as needed.
  size_t initialMapSize = 64 << 20;
};

// Opens (creating if needed) the database at options.path.
// Returns: the engine, named "lmdb".
// Throws: not_a_database (3001) when the path holds something else; unsupported_format_version
//   (3002) for a newer on-disk format; file_not_found (1511) for a missing path opened readOnly;
//   io_error (1510) for other open failures.
[[nodiscard]] std::shared_ptr<Engine> makeLmdbEngine(const LmdbEngineOptions& options);

// Counters exposed for tests and benchmarks (engine must be one made by makeLmdbEngine).
struct LmdbEngineStats {
  uint64_t batches = 0;             // LMDB write transactions that committed a batch
  uint64_t commits = 0;             // commit requests decided (committed or conflicted)
  uint64_t maxBatchSize = 0;        // the most requests ever decided in one batch
  uint64_t mapGrowths = 0;          // times the map was grown after MDB_MAP_FULL
  uint64_t conflictLogReplays = 0;  // conflict-log entries read that other processes wrote
};
// Returns: the counters of an engine made by makeLmdbEngine; all zero for other engines.
[[nodiscard]] LmdbEngineStats lmdbEngineStats(Engine& engine);

}  // namespace strata::kv
